import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { idempotentRequest } from '../idempotency/idempotency.store';
import { keysetPage, NEWEST_FIRST_KEYS, PageArgs } from '../common/connection';
import { notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { scopeSql } from '../common/subtree';
import { Conditions } from '../db/sql';
import { plainRowPage } from '../db/plain-rows';
import { ownSubjectSql, subjectTarget } from '../workflow/workflow-subject.entity';
import { Organization } from '../organizations/organization.entity';
import type { WorkflowService } from '../workflow/workflow.service';
import { AidApplication } from './aid-application.entity';
import type { AidSubject } from './aid.subject';
import type { AidApplicationFilter, ApplyForAidInput } from './aid.types';

/** Aid applications: filed through the aid subject's one validation; read in the viewer's scope. */
export class AidService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly subject: AidSubject,
  ) {}

  /** A member applies, or their grassroots union applies on their behalf; the workflow starts in the same transaction. */
  async apply(em: EntityManager, viewer: Viewer, input: ApplyForAidInput): Promise<AidApplication> {
    const { idempotencyKey, ...fields } = input;
    const request = idempotencyKey ? idempotentRequest(viewer.accountId, idempotencyKey, 'applyForAid', null, fields) : undefined;
    return this.workflow.fileOnce(em, request, AidApplication, async (tx) => {
      const v = await this.subject.validate(tx, viewer, fields, 'input');
      const application = tx.create(AidApplication, {
        member: v.member,
        organization: v.member.organization,
        orgPath: v.member.orgPath,
        fund: v.fund,
        aidType: v.aidType,
        amount: v.amount,
        reason: v.reason,
        submittedBy: viewer.accountId,
      });
      return this.workflow.startFor(tx, application, {
        definitionKey: this.subject.definitionKey,
        subjectType: this.subject.subjectType,
        subjectOrg: v.member.organization as Organization,
        data: this.subject.engineData(v),
        startedBy: viewer,
        applicantAccountId: viewer.accountId,
        applicantMemberId: v.member.id,
      });
    });
  }

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<AidApplication> {
    const application = await em.findOne(AidApplication, parseId(id));
    if (!application) throw notFound('Aid application');
    authorize(viewer, 'aid.read', subjectTarget(application, application.member.id), { hideAs: 'Aid application' });
    return application;
  }

  async list(em: EntityManager, viewer: Viewer, filter: AidApplicationFilter = {}, page: PageArgs) {
    const keyset = keysetPage(page, NEWEST_FIRST_KEYS);
    const scope = scopeSql('t.org_path', scopes(viewer, 'aid.read'), ownSubjectSql(viewer, 'member_id'));
    const where = new Conditions().add(scope.sql, ...scope.params);
    if (filter.memberId) where.add('t.member_id = ?::uuid', parseId(filter.memberId, 'filter.memberId'));
    if (filter.aidType) where.add('t.aid_type = ?', filter.aidType);
    if (filter.organizationId) {
      const org = await em.findOne(Organization, parseId(filter.organizationId, 'filter.organizationId'));
      if (!org) throw notFound('Organization');
      where.add('t.org_path like ?', `${org.path}%`);
    }
    return plainRowPage(em, AidApplication, where, keyset);
  }
}
