import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { badInput, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { maskPersonalDataInText } from '../members/personal-data';
import { Organization } from '../organizations/organization.entity';
import type { AuditRepository } from './audit.repository';

/** Lists in a summary are capped: a reviewer wanting every row exports the history. */
const LIST_LIMIT = 500;
/** A period longer than this is refused: the aggregates scan it whole. */
const MAX_PERIOD_DAYS = 366 * 5;

/** The reviewers' aggregates: AUDITOR and ADMIN over the organisation (the policy's `audit.review`). */
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  async summary(em: EntityManager, viewer: Viewer, input: { organizationId: string; from: Date; to: Date }) {
    const org = await em.findOne(Organization, { id: parseId(input.organizationId, 'organizationId') });
    if (!org) throw notFound('Organization');
    authorize(viewer, 'audit.review', { path: org.path }, { message: 'Audit reports are for auditors and administrators over the organisation' });
    if (input.from >= input.to) throw badInput('from must be before to', 'from', 'BAD_RANGE');
    if (input.to.getTime() - input.from.getTime() > MAX_PERIOD_DAYS * 86_400_000) throw badInput(`The period may span at most ${MAX_PERIOD_DAYS} days`, 'to', 'PERIOD_TOO_LONG');
    const scope = { path: org.path, from: input.from, to: input.to };
    const [decisions, overdueSteps, returns, paymentsByFund] = [
      await this.audit.decisionsByActor(em, scope),
      await this.audit.overdueSteps(em, scope, LIST_LIMIT),
      await this.audit.returns(em, scope, LIST_LIMIT),
      await this.audit.paymentsByFund(em, scope),
    ];
    return {
      organizationId: org.id,
      from: input.from,
      to: input.to,
      decisionsByActor: decisions.map(({ accountId, organizationId, role, ...counts }) => ({ actorKey: { accountId, organizationId, role }, ...counts })),
      overdueSteps,
      returns: returns.map((r) => ({ ...r, reason: r.reason && maskPersonalDataInText(r.reason) })),
      paymentsByFund,
    };
  }
}
