import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { badInput, conflict, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { covers } from '../common/subtree';
import { amountFen, text } from '../common/validate';
import { Fund } from '../funds/fund.entity';
import type { FundService } from '../funds/fund.service';
import { Member, memberTarget, MemberStatus } from '../members/member.entity';
import type { EffectContext } from '../workflow/effects';
import type { SubjectModule } from '../workflow/subject.contract';
import { AidApplication, AidType, FUND_FOR_AID } from './aid-application.entity';

export const AID_WORKFLOW = 'aid-application';
export const AID_SUBJECT = 'AID_APPLICATION';
/** Above this a single application is surely a typo (1,000,000 yuan); the workflow still routes large ones. */
const MAX_AMOUNT_FEN = 100_000_000;
const MAX_REASON = 1000;

/** An application as its filer sends it. */
export interface AidDraft extends Record<string, unknown> {
  memberId?: unknown;
  aidType?: unknown;
  fundId?: unknown;
  amount?: unknown;
  reason?: unknown;
}

export interface ValidAid {
  member: Member;
  aidType: AidType;
  fund: Fund;
  amount: number;
  reason: string;
}

/**
 * 帮扶申请 as a workflow subject: a member of a union (or the union for them) asks for an amount from a fund of
 * the aid type's kind that belongs to the member's union or a federation above it. The beneficiary and the aid
 * type are fixed at filing; the amount, the fund and the reason may be corrected when the application is
 * returned for more material.
 */
export class AidSubject implements SubjectModule<AidDraft, ValidAid> {
  readonly subjectType = AID_SUBJECT;
  readonly definitionKey = AID_WORKFLOW;
  readonly fields = {
    memberId: { changeable: false },
    aidType: { changeable: false },
    fundId: { changeable: true },
    amount: { changeable: true },
    reason: { changeable: true, personal: true },
  };
  readonly effects;

  constructor(private readonly funds: FundService) {
    this.effects = { disburse: this.disburse };
  }

  async load(em: EntityManager, subjectId: string): Promise<AidDraft> {
    const a = await em.findOneOrFail(AidApplication, subjectId);
    return { memberId: a.member.id, aidType: a.aidType, fundId: a.fund.id, amount: a.amount, reason: a.reason };
  }

  async validate(em: EntityManager, viewer: Viewer, draft: AidDraft, at: string): Promise<ValidAid> {
    const memberId = draft.memberId ?? viewer.member?.id;
    if (!memberId) throw badInput('memberId is required when you are not applying for yourself', `${at}.memberId`, 'REQUIRED');
    const member = await em.findOne(Member, parseId(String(memberId), `${at}.memberId`), { populate: ['organization'] });
    if (!member) throw notFound('Member');
    authorize(viewer, 'member.read', memberTarget(member), { hideAs: 'Member' });
    authorize(viewer, 'aid.apply', memberTarget(member), { message: 'Only the member or their union’s approvers may apply for them' });
    if (member.status !== MemberStatus.ACTIVE) throw conflict('Only active members may apply for aid', 'MEMBER_NOT_ACTIVE');

    if (typeof draft.aidType !== 'string' || !Object.hasOwn(FUND_FOR_AID, draft.aidType)) {
      throw badInput(`${at}.aidType must be one of ${Object.keys(FUND_FOR_AID).join(', ')}`, `${at}.aidType`, 'NOT_IN_ENUM');
    }
    const aidType = draft.aidType as AidType;
    if (typeof draft.amount !== 'number') throw badInput(`${at}.amount must be a whole number of fen`, `${at}.amount`, 'NOT_INTEGER');
    const amount = amountFen(draft.amount, `${at}.amount`);
    if (amount > MAX_AMOUNT_FEN) throw badInput(`${at}.amount must be at most ${MAX_AMOUNT_FEN} fen`, `${at}.amount`, 'TOO_LARGE');
    if (typeof draft.reason !== 'string') throw badInput(`${at}.reason must be text`, `${at}.reason`, 'NOT_TEXT');
    const reason = text(draft.reason, `${at}.reason`, { max: MAX_REASON, multiline: true });

    if (typeof draft.fundId !== 'string') throw badInput(`${at}.fundId must be an id`, `${at}.fundId`, 'MALFORMED_ID');
    const fund = await em.findOne(Fund, parseId(draft.fundId, `${at}.fundId`), { populate: ['owner'] });
    if (!fund) throw notFound('Fund');
    if (fund.kind !== FUND_FOR_AID[aidType]) {
      throw badInput(`${aidType} aid is paid from a ${FUND_FOR_AID[aidType]} fund, not ${fund.kind}`, `${at}.fundId`, 'WRONG_FUND_KIND');
    }
    if (!covers(fund.owner.path, member.orgPath)) {
      throw badInput('The fund must belong to the member’s union or a federation above it', `${at}.fundId`, 'FUND_NOT_REACHABLE');
    }
    return { member, aidType, fund, amount, reason };
  }

  async write(em: EntityManager, subjectId: string, v: ValidAid): Promise<void> {
    await em.nativeUpdate(AidApplication, { id: subjectId }, { fund: v.fund.id, amount: v.amount, reason: v.reason });
  }

  engineData(v: ValidAid) {
    return { amount: v.amount, fundId: v.fund.id, memberId: v.member.id, aidType: v.aidType };
  }

  /** The `disburse` effect: debits the application's fund once by its amount, as its row says (the key is the ledger reference). */
  private disburse = async ({ em, instance, idempotencyKey }: EffectContext): Promise<string> => {
    const a = await em.findOneOrFail(AidApplication, instance.subjectId, { fields: ['fund', 'amount'], refresh: true });
    const { outcome } = await this.funds.debitIfCovered(em, {
      fundId: a.fund.id,
      amount: a.amount,
      reason: `帮扶金拨付 aid payment, application ${instance.subjectId}`,
      reference: `workflow:${idempotencyKey}`,
    });
    return outcome;
  };
}
