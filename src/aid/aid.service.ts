import type { EntityManager } from '@mikro-orm/postgresql';
import { Role } from '../auth/role';
import type { Viewer } from '../auth/viewer';
import { PageArgs, paginate } from '../common/connection';
import { badInput, conflict, forbidden, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { inSubtrees } from '../common/subtree';
import { amountFen, text } from '../common/validate';
import { Fund } from '../funds/fund.entity';
import type { FundService } from '../funds/fund.service';
import { Member, MemberStatus } from '../members/member.entity';
import { Organization } from '../organizations/organization.entity';
import type { SubjectData } from '../workflow/core/types';
import type { EffectContext } from '../workflow/effects';
import type { WorkflowService } from '../workflow/workflow.service';
import { AidApplication, FUND_FOR_AID } from './aid-application.entity';
import type { AidApplicationFilter, ApplyForAidInput } from './aid.types';

export const AID_WORKFLOW = 'aid-application';
export const AID_SUBJECT = 'AID_APPLICATION';
/** Above this a single application is surely a typo (1,000,000 yuan); the workflow still routes large ones. */
const MAX_AMOUNT_FEN = 100_000_000;

export class AidService {
  constructor(
    private readonly workflow: WorkflowService,
    private readonly funds: FundService,
  ) {}

  /** A member applies, or their grassroots union applies on their behalf; the workflow starts in the same transaction. */
  async apply(em: EntityManager, viewer: Viewer, input: ApplyForAidInput): Promise<AidApplication> {
    const memberId = input.memberId ? parseId(input.memberId, 'input.memberId') : viewer.member?.id;
    if (!memberId) throw badInput('memberId is required when you are not applying for yourself', 'input.memberId', 'REQUIRED');
    const member = await em.findOne(Member, memberId, { populate: ['organization'] });
    if (!member || !viewer.canSeeMember(member.id, member.orgPath)) throw notFound('Member');
    const onBehalf = viewer.member?.id !== member.id;
    if (onBehalf && !viewer.holds([Role.APPROVER, Role.ADMIN], member.orgPath)) {
      throw forbidden('Only the member or their union’s approvers may apply for them');
    }
    if (member.status !== MemberStatus.ACTIVE) throw conflict('Only active members may apply for aid', 'MEMBER_NOT_ACTIVE');

    const amount = amountFen(input.amount, 'input.amount');
    if (amount > MAX_AMOUNT_FEN) throw badInput(`amount must be at most ${MAX_AMOUNT_FEN} fen`, 'input.amount', 'TOO_LARGE');
    const reason = text(input.reason, 'input.reason', { max: 1000, multiline: true });
    const fund = await em.findOne(Fund, parseId(input.fundId, 'input.fundId'), { populate: ['owner'] });
    if (!fund) throw notFound('Fund');
    if (fund.kind !== FUND_FOR_AID[input.aidType]) {
      throw badInput(`${input.aidType} aid is paid from a ${FUND_FOR_AID[input.aidType]} fund, not ${fund.kind}`, 'input.fundId', 'WRONG_FUND_KIND');
    }
    if (!member.orgPath.startsWith(fund.owner.path)) {
      throw badInput('The fund must belong to the member’s union or a federation above it', 'input.fundId', 'FUND_NOT_REACHABLE');
    }

    return em.transactional((tx) => {
      const application = tx.create(AidApplication, {
        member,
        organization: member.organization,
        orgPath: member.orgPath,
        fund,
        aidType: input.aidType,
        amount,
        reason,
        submittedBy: viewer.accountId,
      });
      return this.workflow.startFor(tx as EntityManager, application, {
        definitionKey: AID_WORKFLOW,
        subjectType: AID_SUBJECT,
        subjectOrg: member.organization as Organization,
        data: { amount, fundId: fund.id, memberId: member.id, aidType: input.aidType },
        startedBy: viewer,
        applicantAccountId: viewer.accountId,
        applicantMemberId: member.id,
      });
    });
  }

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<AidApplication> {
    const application = await em.findOne(AidApplication, parseId(id));
    if (!application || !this.canSee(viewer, application)) throw notFound('Aid application');
    return application;
  }

  async list(em: EntityManager, viewer: Viewer, filter: AidApplicationFilter = {}, page: PageArgs) {
    const visible: object[] = [{ submittedBy: viewer.accountId }];
    if (viewer.member) visible.push({ member: viewer.member.id });
    const scopes = viewer.staffScopes();
    if (scopes.length) visible.push(inSubtrees('orgPath', scopes));
    const where: object[] = [{ $or: visible }];
    if (filter.memberId) where.push({ member: parseId(filter.memberId, 'filter.memberId') });
    if (filter.aidType) where.push({ aidType: filter.aidType });
    if (filter.organizationId) {
      const org = await em.findOne(Organization, parseId(filter.organizationId, 'filter.organizationId'));
      if (!org) throw notFound('Organization');
      where.push(inSubtrees('orgPath', [org.path]));
    }
    return paginate(em, AidApplication, { $and: where }, { createdAt: 'desc', id: 'desc' }, page);
  }

  /** Keeps the application row in step with corrected data the applicant resubmits. */
  async applyChanges(em: EntityManager, subjectId: string, data: SubjectData): Promise<void> {
    if (typeof data.amount === 'number') {
      await em.nativeUpdate(AidApplication, { id: subjectId }, { amount: amountFen(data.amount, 'changes.amount') });
    }
  }

  /** The `disburse` effect: debits the fund once (the workflow's key is the ledger reference). */
  disburse = async ({ em, instance, params, idempotencyKey }: EffectContext): Promise<string> => {
    const { outcome } = await this.funds.debitIfCovered(em, {
      fundId: String(params.fundId),
      amount: Number(params.amountFen),
      reason: `帮扶金拨付 aid payment, application ${instance.subjectId}`,
      reference: `workflow:${idempotencyKey}`,
    });
    return outcome;
  };

  private canSee(viewer: Viewer, a: AidApplication) {
    return a.submittedBy === viewer.accountId || viewer.member?.id === a.member.id || viewer.isStaffOver(a.orgPath);
  }
}
