import type { AppConfig } from '../config/env';
import type { Logger } from '../common/logger';
import type { Orm, QueryCounter } from '../db/orm';
import type { AuthService } from '../auth/auth.service';
import type { OrganizationService } from '../organizations/organization.service';
import type { MemberService } from '../members/member.service';
import type { PersonalDataCipher } from '../members/personal-data.cipher';
import type { PersonalDataService } from '../members/personal-data.service';
import type { FundService } from '../funds/fund.service';
import type { AidService } from '../aid/aid.service';
import type { AwardService } from '../awards/award.service';
import type { ExpenseService } from '../expenses/expense.service';
import type { WorkflowService } from '../workflow/workflow.service';
import type { DelegationService } from '../delegation/delegation.service';
import type { AuditService } from '../audit/audit.service';

/** Everything a resolver or worker may call: built once in bootstrap(), passed explicitly, no container. */
export interface Services {
  config: AppConfig;
  logger: Logger;
  orm: Orm;
  queryCounter: QueryCounter;
  auth: AuthService;
  organizations: OrganizationService;
  members: MemberService;
  /** Seals and opens national ids and phones (seeds and tests seal rows with it too). */
  personalDataCipher: PersonalDataCipher;
  personalData: PersonalDataService;
  funds: FundService;
  workflow: WorkflowService;
  /** Out-of-office substitutes (代理). */
  delegations: DelegationService;
  aid: AidService;
  expenses: ExpenseService;
  awards: AwardService;
  /** The reviewers' aggregates. */
  audit: AuditService;
}
