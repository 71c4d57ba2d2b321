import type { SubtreeRoots } from '../organizations/subtree-roots';
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { may, scopes } from '../auth/authorization.policy';
import type { Grant, Viewer } from '../auth/viewer';
import type { Role } from '../auth/role';
import type { ActiveDelegation, DelegationRow } from '../delegation/delegation.store';
import type { LivePublisher } from '../live/live.publisher';
import { pageOfRows, pageRequest, type PageArgs } from '../common/connection';
import { AppError, badInput } from '../common/errors';
import { isId, parseId } from '../common/ids';
import { scopeSql } from '../common/subtree';
import { text } from '../common/validate';
import { parseIdempotencyKey } from '../idempotency/idempotency.store';
import { offeredActions, type Actor, type OfferedAction } from './core';
import type { DefinitionRegistry } from './definitions/definition.loader';
import type { InboxRepository, InboxRow, InboxSortKey, SqlTerm } from './inbox.repository';
import { sortValue } from './inbox.repository';
import type { WorkflowInstance } from './workflow-instance.entity';
import { actsInPerson, substituteCapacity, taskActTarget, type WorkflowService } from './workflow.service';

/**
 * Whose work an inbox lists: the viewer's account, member record and grants. An inbox is the union of its
 * principals' work, so acting for someone else (a delegation) is one more principal, not another query.
 */
export interface InboxPrincipal {
  accountId: string;
  memberId: string | null;
  grants: readonly Grant[];
}

export const principalOf = (viewer: Viewer): InboxPrincipal => ({ accountId: viewer.accountId, memberId: viewer.member?.id ?? null, grants: viewer.grants });

export interface InboxFilter {
  definitionKey?: string;
  step?: string;
  organizationId?: string;
  overdue?: boolean;
  dueBefore?: Date;
  claim?: 'MINE' | 'UNCLAIMED' | 'OTHERS';
  claimedByMe?: boolean;
}

export interface InboxRequest {
  scope?: 'ASSIGNED' | 'SUBTREE';
  filter?: InboxFilter;
  order?: { field: 'DUE_AT' | 'CREATED_AT' | 'AMOUNT'; direction: 'ASC' | 'DESC' };
  page: PageArgs;
  /** The page's selection asks for each task's instance: it is read with the tasks, whole or only its head. */
  withInstance?: 'full' | 'head';
  /** Whom the viewer stands in for now, as the request has it looked up (shared with the tasks' viewerActions). */
  actingFor: () => Promise<readonly ActiveDelegation[]>;
}

/** What the viewer-dependent fields of a task need: the task, its instance's applicant and definition version. */
export type TaskForActions = Pick<InboxRow, 'definitionKey' | 'step' | 'kind' | 'status' | 'claimedBy' | 'assignedTo' | 'routedOrgPath' | 'candidateRoles' | 'votedBy'>;
export type InstanceForActions = Pick<WorkflowInstance, 'definitionVersion' | 'applicantAccountId' | 'applicantMemberId'> | Pick<InboxRow, 'definitionVersion' | 'applicantAccountId' | 'applicantMemberId'>;

export interface BulkDecisionResult {
  taskId: string;
  ok: boolean;
  code?: string;
  reason?: string;
  message?: string;
  instance?: WorkflowInstance;
}

export const MAX_BULK_TASKS = 100;

const SORT_KEYS: Record<NonNullable<InboxRequest['order']>['field'], InboxSortKey> = { DUE_AT: 'dueAt', CREATED_AT: 'openedAt', AMOUNT: 'amount' };

/** The inbox: what each viewer may act on now, or supervises below them; per-viewer actions; bulk decisions. */
export class InboxService {
  constructor(
    private readonly repo: InboxRepository,
    private readonly definitions: DefinitionRegistry,
    private readonly workflow: WorkflowService,
    private readonly live: LivePublisher,
    private readonly subtrees: SubtreeRoots,
  ) {}

  async list(em: EntityManager, viewer: Viewer, req: InboxRequest) {
    const page = pageRequest(req.page);
    const sort = SORT_KEYS[req.order?.field ?? 'DUE_AT'];
    const descending = req.order?.direction === 'DESC';
    const from = decodeCursor(page.cursor, sort, descending, page.backward ? 'before' : 'after');
    const where = [
      req.scope === 'SUBTREE' ? supervised(viewer) : assignedTo([principalOf(viewer), ...delegators(await req.actingFor())]),
      ...(await this.filterTerms(em, viewer, req.filter ?? {})),
    ];
    // Backward, the rows are read in the reverse order from the cursor (pageOfRows puts them back in order).
    const rows = await this.repo.page(em, { where, sort, descending: descending !== page.backward, after: from, limit: page.size + 1, withInstance: req.withInstance });
    const repo = this.repo;
    return {
      ...pageOfRows(rows, { size: page.size, backward: page.backward, fromCursor: Boolean(from) }, (node) => ({ node, cursor: encodeCursor(sort, descending, sortValue(node, sort), node.id) })),
      // Getters: the counting statements run only when a client selects the field.
      get totalCount() {
        return repo.count(em, where);
      },
      get counts() {
        return repo.counts(em, where);
      },
    };
  }

  /**
   * Tells the live feed that a delegation in force now began or ended: each open task of the delegator that the
   * delegated grant puts in their inbox arrives in, or leaves, the substitute's (inboxChanged decides which).
   * One that starts later, or has ended, changes no inbox now.
   */
  async delegationChanged(em: EntityManager, d: DelegationRow, granted: boolean): Promise<void> {
    const now = Date.now();
    if (d.startsAt.getTime() > now || d.endsAt.getTime() <= now) return;
    const keys = await this.repo.keys(em, [assignedTo(delegators([{ ...d, delegatorMemberId: null }]))]);
    this.live.after(em, keys.map((key) => ({ type: 'task', change: 'delegated', key, accountId: d.substituteAccountId, granted })));
  }

  private async filterTerms(em: EntityManager, viewer: Viewer, f: InboxFilter): Promise<SqlTerm[]> {
    const terms: SqlTerm[] = [];
    if (f.definitionKey) terms.push({ sql: 't.definition_key = ?', params: [text(f.definitionKey, 'filter.definitionKey', { max: 64 })] });
    if (f.step) terms.push({ sql: 't.step = ?', params: [text(f.step, 'filter.step', { max: 64 })] });
    if (f.organizationId) {
      const path = await this.subtrees.pathOf(em, f.organizationId, 'filter.organizationId');
      terms.push({ sql: 't.routed_org_path like ?', params: [`${path}%`] });
    }
    if (f.overdue === true) terms.push({ sql: 't.due_at < ?::timestamptz', params: [new Date()] });
    if (f.overdue === false) terms.push({ sql: 't.due_at >= ?::timestamptz', params: [new Date()] });
    if (f.dueBefore) terms.push({ sql: 't.due_at < ?::timestamptz', params: [f.dueBefore] });
    const claim = f.claim ?? (f.claimedByMe ? 'MINE' : undefined);
    if (claim === 'MINE') terms.push({ sql: 't.claimed_by = ?::uuid', params: [viewer.accountId] });
    if (claim === 'UNCLAIMED') terms.push({ sql: 't.claimed_by is null', params: [] });
    if (claim === 'OTHERS') terms.push({ sql: 't.claimed_by <> ?::uuid', params: [viewer.accountId] });
    return terms;
  }

  /**
   * The actions the viewer may take on the task now: none on a closed task or one claimed by someone else, then
   * the core's own checks (candidate role over the routed organisation, committee seat, separation of duties, a
   * vote not yet cast), which are the checks `decide` applies. A viewer who may not act on it in person gets the
   * actions they may take as a substitute (代理), on behalf of a delegator whose delegated grant covers it, as
   * `decide` would take them; `delegations` (whom the viewer stands in for) is asked only then.
   */
  async viewerActions(
    viewer: Viewer,
    task: TaskForActions,
    instance: InstanceForActions | undefined,
    delegations: () => Promise<readonly ActiveDelegation[]>,
  ): Promise<OfferedAction[]> {
    if (!instance || task.status !== 'OPEN') return [];
    if (task.claimedBy && task.claimedBy !== viewer.accountId) return [];
    const def = this.definitions.get(task.definitionKey, instance.definitionVersion);
    if (!def) return [];
    const isApplicant = instance.applicantAccountId === viewer.accountId || (viewer.member !== undefined && instance.applicantMemberId === viewer.member.id);
    const actor: Actor = { accountId: viewer.accountId, organizationId: null, grants: viewer.grants.map((g) => ({ role: g.role, path: g.path })), isApplicant };
    const ref = { candidateRoles: task.candidateRoles, organizationPath: task.routedOrgPath, assignedTo: task.assignedTo ?? undefined, votedBy: task.votedBy };
    if (task.kind !== 'task' || actsInPerson(actor.grants, viewer.accountId, ref)) {
      return may(viewer, 'task.act', taskActTarget(task)) ? offeredActions(def, task.step, ref, actor) : [];
    }
    const onBehalfOf = substituteCapacity(await delegations(), ref, instance);
    return onBehalfOf ? offeredActions(def, task.step, ref, { ...actor, onBehalfOf }) : [];
  }

  /**
   * One action on many tasks, each its own decision (own transition, own idempotency key derived from the
   * call's key and the task id), taken in the order given. A task whose step does not opt in to the action in
   * bulk is refused (BULK_NOT_ALLOWED) and the others go on; a repeat of the call answers each task as its first
   * decision did.
   */
  async bulkDecide(
    em: EntityManager,
    viewer: Viewer,
    input: { taskIds: readonly string[]; action: string; comment?: string | null; idempotencyKey: string },
  ): Promise<BulkDecisionResult[]> {
    if (!input.taskIds.length || input.taskIds.length > MAX_BULK_TASKS) throw badInput(`Give 1-${MAX_BULK_TASKS} task ids`, 'taskIds', 'BAD_LIST');
    const ids = input.taskIds.map((id) => parseId(id, 'taskIds'));
    if (new Set(ids).size !== ids.length) throw badInput('taskIds must not repeat a task', 'taskIds', 'DUPLICATE_ID');
    const key = parseIdempotencyKey(input.idempotencyKey);
    const action = text(input.action, 'action', { max: 64 });
    const tasks = new Map((await this.repo.openByIds(em, ids)).map((t) => [t.id, t]));
    const results: BulkDecisionResult[] = [];
    for (const taskId of ids) {
      try {
        const task = tasks.get(taskId);
        // decide answers NOT_FOUND for a task the viewer may not read; the opt-in is checked only for one they may.
        if (task && this.workflow.canSeeTask(viewer, task) && !this.bulkAllowed(task, action)) {
          throw badInput(`${action} at ${task.step} of ${task.definitionKey} is not open to bulk decisions; decide this task on its own`, 'action', 'BULK_NOT_ALLOWED');
        }
        const instance = await this.workflow.decide(em, viewer, { taskId, action, comment: input.comment, idempotencyKey: taskKey(key, taskId) });
        results.push({ taskId, ok: true, instance });
      } catch (error) {
        // Anything but a refusal (a fault) ends the call; what was decided stays decided and a repeat resumes it.
        if (!(error instanceof AppError)) throw error;
        results.push({ taskId, ok: false, code: error.code, reason: error.details.reason, message: error.message });
      }
    }
    return results;
  }

  private bulkAllowed(task: InboxRow, action: string): boolean {
    const state = this.definitions.get(task.definitionKey, task.definitionVersion)?.states[task.step];
    return state?.kind === 'task' && Object.hasOwn(state.actions, action) && state.actions[action].bulk;
  }
}

/** The idempotency key of one task's decision within a bulk call: stable for the call's key and the task. */
const taskKey = (callKey: string, taskId: string) => `bulk:${createHash('sha256').update(`${callKey}\u0000${taskId}`).digest('hex').slice(0, 40)}`;

/** What of a task and its instance decides whether it is in an inbox. */
export type InboxMembership = Pick<InboxRow, 'status' | 'kind' | 'assignedTo' | 'claimedBy' | 'routedOrgId' | 'candidateRoles' | 'votedBy' | 'applicantAccountId' | 'applicantMemberId'>;

/**
 * Whether the task is in the inbox of these principals (the viewer, and those they stand in for): the rule of
 * `assignedTo` below, term for term, for one row in memory (the live feed's inboxChanged). Keep the two together.
 */
export function inInbox(principals: readonly InboxPrincipal[], t: InboxMembership): boolean {
  if (t.status !== 'OPEN') return false;
  return principals.some((p) => {
    const a = p.accountId;
    const routed = t.assignedTo === null && p.grants.some((g) => g.organizationId === t.routedOrgId && t.candidateRoles.includes(g.role));
    const theirs =
      t.kind === 'applicant'
        ? t.assignedTo === a
        : (t.assignedTo === a || t.claimedBy === a || routed) && t.applicantAccountId !== a && !(p.memberId && t.applicantMemberId === p.memberId);
    return theirs && (t.claimedBy === null || t.claimedBy === a) && !t.votedBy.includes(a);
  });
}

/** A substitute's inbox also lists the tasks of those they stand in for now (代理), by the delegated grant only. */
export const delegators = (held: readonly Pick<ActiveDelegation, 'delegatorAccountId' | 'delegatorMemberId' | 'role' | 'organizationId' | 'organizationPath'>[]): InboxPrincipal[] =>
  held.map((d) => ({ accountId: d.delegatorAccountId, memberId: d.delegatorMemberId, grants: [{ role: d.role as Role, organizationId: d.organizationId, path: d.organizationPath }] }));

/**
 * The tasks a principal may act on now, as SQL (and `inInbox` in memory): routed to exactly an organisation where they hold a candidate
 * role (a committee seat, for votes) unless it was transferred to one person (转办), or assigned or handed to them; claimed by them or by nobody; not filed by
 * them (separation of duties; their own revision steps excepted); not a vote they have cast.
 */
function assignedTo(principals: readonly InboxPrincipal[]): SqlTerm {
  const terms = principals.map((p) => {
    const params: unknown[] = [];
    const rolesByOrg = new Map<string, string[]>();
    for (const g of p.grants) rolesByOrg.set(g.organizationId, [...(rolesByOrg.get(g.organizationId) ?? []), g.role]);
    const routed = [...rolesByOrg].map(([orgId, roles]) => {
      params.push(orgId, `{${roles.join(',')}}`);
      return '(t.routed_org_id = ?::uuid and t.candidate_roles && ?::text[])';
    });
    const sql = `(((t.kind = 'applicant' and t.assigned_to = ?::uuid)
        or (t.kind <> 'applicant' and (t.assigned_to = ?::uuid or t.claimed_by = ?::uuid${routed.length ? ` or (t.assigned_to is null and (${routed.join(' or ')}))` : ''})
            and i.applicant_account_id is distinct from ?::uuid${p.memberId ? ' and i.applicant_member_id is distinct from ?::uuid' : ''}))
      and (t.claimed_by is null or t.claimed_by = ?::uuid)
      and not (t.voted_by @> array[?::uuid]))`;
    const a = p.accountId;
    return { sql, params: [a, a, a, ...params, a, ...(p.memberId ? [p.memberId] : []), a, a] };
  });
  return { sql: `(${terms.map((t) => t.sql).join(' or ')})`, params: terms.flatMap((t) => t.params) };
}

/** Every open task the viewer may read: routed into their organisations' subtrees, or assigned or handed to them. */
function supervised(viewer: Viewer): SqlTerm {
  return scopeSql('t.routed_org_path', scopes(viewer, 'task.read'), {
    sql: '(t.assigned_to = ?::uuid or t.claimed_by = ?::uuid)',
    params: [viewer.accountId, viewer.accountId],
  });
}

// ---------------------------------------------------------------------------------------------------- cursors

function encodeCursor(sort: InboxSortKey, descending: boolean, value: string | number, id: string): string {
  return Buffer.from(JSON.stringify([sort, descending ? 'd' : 'a', value, id])).toString('base64url');
}

/** A cursor is only good for the order it was made in; anything else is BAD_CURSOR, never a database error. */
function decodeCursor(after: string | null | undefined, sort: InboxSortKey, descending: boolean, field: 'after' | 'before'): { value: string | number; id: string } | undefined {
  if (after === undefined || after === null) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const [s, d, value, id] = Array.isArray(decoded) && decoded.length === 4 ? decoded : [];
  const valueFits = sort === 'amount' ? Number.isSafeInteger(value) : typeof value === 'string' && !Number.isNaN(Date.parse(value));
  if (s !== sort || d !== (descending ? 'd' : 'a') || !valueFits || typeof id !== 'string' || !isId(id)) {
    throw badInput(`${field} is not a cursor of this list in this order`, field, 'BAD_CURSOR');
  }
  return { value, id };
}
