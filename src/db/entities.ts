import { AidApplication } from '../aid/aid-application.entity';
import { Account } from '../auth/account.entity';
import { RoleAssignment } from '../auth/role-assignment.entity';
import { AwardQuota, Nomination, NominationObjection } from '../awards/nomination.entity';
import { Expense } from '../expenses/expense.entity';
import { Fund } from '../funds/fund.entity';
import { LedgerEntry } from '../funds/ledger-entry.entity';
import { Honour } from '../members/honour.entity';
import { Member } from '../members/member.entity';
import { PersonalDataAccess } from '../members/personal-data-access.entity';
import { Organization } from '../organizations/organization.entity';
import { WorkflowHistory } from '../workflow/workflow-history.entity';
import { WorkflowInstance } from '../workflow/workflow-instance.entity';
import { WorkflowNotification } from '../workflow/workflow-notification.entity';
import { WorkflowSubject } from '../workflow/workflow-subject.entity';
import { WorkflowTask } from '../workflow/workflow-task.entity';

/** Every entity, listed explicitly so discovery never depends on file globs (ts under jest, js in dist). */
export const ENTITIES = [
  WorkflowSubject,
  Organization,
  Member,
  Honour,
  PersonalDataAccess,
  Fund,
  LedgerEntry,
  Account,
  RoleAssignment,
  WorkflowInstance,
  WorkflowTask,
  WorkflowHistory,
  WorkflowNotification,
  AidApplication,
  Expense,
  AwardQuota,
  Nomination,
  NominationObjection,
];
