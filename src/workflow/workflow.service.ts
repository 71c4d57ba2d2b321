import { pgArray, runSql } from '../db/sql';
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { authorize, may, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { PageArgs, paginate } from '../common/connection';
import { badInput, conflict, forbidden, notFound } from '../common/errors';
import { newId, parseId } from '../common/ids';
import { covers, inScope, inSubtrees } from '../common/subtree';
import { jsonText, optionalText, text } from '../common/validate';
import { Organization, OrganizationLevel } from '../organizations/organization.entity';
import * as engine from './core/engine';
import type { Actor, OrgRef, SubjectData, Transition, WorkflowDefinition } from './core/types';
import type { DefinitionRegistry } from './definitions/definition.loader';
import { rules } from './workflow.errors';
import { WorkflowHistory } from './workflow-history.entity';
import { instanceFromRow, WorkflowInstance, type WorkflowInstanceRow } from './workflow-instance.entity';
import { WorkflowNotification } from './workflow-notification.entity';
import { WorkflowTask } from './workflow-task.entity';
import type { InstanceMeta, WorkflowStore } from './workflow.store';
import { reviseSubject, type SubjectRegistry } from './subject.contract';
import type { ObligationStore } from './obligation.store';
import { firstBrokenHistorySeq } from '../audit/chain.repository';
import { idempotentRequest, type IdempotencyStore, type IdempotentRequest } from '../idempotency/idempotency.store';

export interface StartRequest extends InstanceMeta {
  definitionKey: string;
  /** The organisation the subject belongs to: every step is routed relative to it. */
  subjectOrg: Organization;
  data: SubjectData;
  startedBy: Viewer;
}

export interface InboxFilter {
  definitionKey?: string;
  step?: string;
  organizationId?: string;
  overdue?: boolean;
  claimedByMe?: boolean;
}

export interface InstanceFilter {
  definitionKey?: string;
  state?: string;
  status?: 'ACTIVE' | 'COMPLETED';
  subjectId?: string;
  organizationId?: string;
  mine?: boolean;
}

export interface HistoryFilter {
  instanceId?: string;
  subjectId?: string;
  actorAccountId?: string;
  organizationId?: string;
  action?: string;
  from?: Date;
  to?: Date;
}

/** The instance as a transition left it, kept with the idempotency key of the request that moved it. */
interface InstanceSnapshot {
  state: string;
  status: WorkflowInstance['status'];
  outcome: string | null;
  seq: number;
  data?: WorkflowInstance['data'];
  updated_at: string;
}

/** The GraphQL operations that act on workflows, as idempotency keys scope them. */
export type WorkflowOperation = 'decide' | 'castVote' | 'withdraw' | 'resubmit' | 'objectToNomination';

/** The API side of the engine: start, act, claim, and the reviewers' queries. Workers are in WorkflowRunner. */
export class WorkflowService {
  constructor(
    readonly definitions: DefinitionRegistry,
    private readonly store: WorkflowStore,
    private readonly subjects: SubjectRegistry,
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly obligations: ObligationStore,
    /** Told of every act that moved an instance, once it is committed (the decisions metric). */
    private readonly onActed: (workflow: string, action: string) => void = () => undefined,
  ) {}

  /** Starts an instance inside the caller's transaction, so the subject and its workflow commit together. */
  async start(em: EntityManager, req: StartRequest): Promise<WorkflowInstance> {
    const def = this.definitions.latest(req.definitionKey);
    if (!def) throw new Error(`workflow ${req.definitionKey} is not loaded`);
    const ancestors = req.subjectOrg.ancestorIds.length
      ? await em.find(Organization, { id: { $in: req.subjectOrg.ancestorIds } })
      : [];
    const t = rules(() =>
      engine.start(def, {
        instanceId: newId(),
        subject: { id: req.subjectId, organization: orgRef(req.subjectOrg), ancestors: ancestors.map(orgRef), data: req.data },
        startedBy: { accountId: req.startedBy.accountId, organizationId: req.subjectOrg.id },
        now: new Date().toISOString(),
      }),
    );
    return instanceFromRow(await this.store.insert(em, req, t));
  }

  /**
   * Starts the workflow of a subject row just created in the caller's transaction: the row is written first
   * (the instance refers to it), then records its instance. Every subject module files its rows this way.
   */
  async startFor<S extends { id: string; instanceId?: string }>(em: EntityManager, subject: S, req: Omit<StartRequest, 'subjectId'>): Promise<S> {
    await em.flush();
    const instance = await this.start(em, { ...req, subjectId: subject.id });
    subject.instanceId = instance.id;
    await em.flush();
    return subject;
  }

  /**
   * Files a subject (validation, its row, its workflow) in one transaction, once per idempotency key: a repeat
   * is answered with the subject the first request filed, and two at once are serialised on the key.
   */
  fileOnce<S extends { id: string }>(em: EntityManager, request: IdempotentRequest | undefined, entity: EntityName<S>, file: (tx: EntityManager) => Promise<S>): Promise<S> {
    return this.idempotencyKeys.once(em, request, file, {
      record: (subject) => ({ id: subject.id, snapshot: null }),
      asThen: (first) => em.findOneOrFail(entity, { id: first.resultId } as FilterQuery<S>),
    });
  }

  // ------------------------------------------------------------------------------------------------ tasks

  async task(em: EntityManager, viewer: Viewer, id: string): Promise<WorkflowTask> {
    const task = await em.findOne(WorkflowTask, { id: parseId(id, 'taskId') });
    if (!task || !this.canSeeTask(viewer, task)) throw notFound('Task');
    return task;
  }

  /** Open tasks routed to an organisation where the viewer holds a candidate role, or assigned to them. */
  inbox(em: EntityManager, viewer: Viewer, filter: InboxFilter = {}, page: PageArgs) {
    const mine: object[] = [{ assignedTo: viewer.accountId }, { claimedBy: viewer.accountId }, ...this.recipientTerms(viewer, 'candidateRoles', 'routedOrgId')];
    const where: object[] = [{ status: 'OPEN' }, { $or: mine }, { $not: { votedBy: { $contains: [viewer.accountId] } } }];
    if (filter.definitionKey) where.push({ definitionKey: text(filter.definitionKey, 'filter.definitionKey', { max: 64 }) });
    if (filter.step) where.push({ step: text(filter.step, 'filter.step', { max: 64 }) });
    if (filter.organizationId) where.push({ routedOrgId: parseId(filter.organizationId, 'filter.organizationId') });
    if (filter.overdue === true) where.push({ dueAt: { $lt: new Date() } });
    if (filter.overdue === false) where.push({ dueAt: { $gte: new Date() } });
    if (filter.claimedByMe) where.push({ claimedBy: viewer.accountId });
    return paginate(em, WorkflowTask, { $and: where }, { dueAt: 'asc', id: 'asc' }, page);
  }

  /** Reminders and overdue notices for the viewer: for their roles where they hold them, or for them in person. */
  notifications(em: EntityManager, viewer: Viewer, page: PageArgs) {
    const terms = [{ accountId: viewer.accountId }, ...this.recipientTerms(viewer)];
    return paginate(em, WorkflowNotification, { $or: terms }, { createdAt: 'desc', id: 'desc' }, page);
  }

  /** "Addressed to me": to my account, or to a role I hold at exactly that organisation. */
  private recipientTerms(viewer: Viewer, roleColumn: 'candidateRoles' | 'roles' = 'roles', orgColumn: 'routedOrgId' | 'organizationId' = 'organizationId') {
    const rolesByOrg = new Map<string, string[]>();
    for (const g of viewer.grants) rolesByOrg.set(g.organizationId, [...(rolesByOrg.get(g.organizationId) ?? []), g.role]);
    const terms: object[] = [];
    for (const [orgId, roles] of rolesByOrg) terms.push({ [orgColumn]: orgId, [roleColumn]: { $overlap: roles } });
    return terms;
  }

  async claim(em: EntityManager, viewer: Viewer, taskId: string): Promise<WorkflowTask> {
    const task = await this.actionableTask(em, viewer, taskId);
    if (task.kind === 'vote') throw badInput('Votes are cast by each committee member; they are not claimed', 'taskId', 'VOTE_NOT_CLAIMABLE');
    if (task.claimedBy === viewer.accountId) return task;
    // Conditional update: of two approvers claiming at once, exactly one sees a row change.
    const claimed = await em.nativeUpdate(WorkflowTask, { id: task.id, status: 'OPEN', claimedBy: null }, { claimedBy: viewer.accountId, claimedAt: new Date() });
    if (claimed !== 1) throw conflict('Someone else has claimed this task', 'ALREADY_CLAIMED');
    return em.refreshOrFail(task);
  }

  async unclaim(em: EntityManager, viewer: Viewer, taskId: string): Promise<WorkflowTask> {
    const task = await this.task(em, viewer, taskId);
    if (!task.claimedBy) return task;
    authorize(viewer, 'task.release', releaseTarget(task), { message: 'Only the claimant or an administrator may release a claim' });
    await em.nativeUpdate(WorkflowTask, { id: task.id, claimedBy: task.claimedBy }, { claimedBy: null, claimedAt: null });
    return em.refreshOrFail(task);
  }

  /** Hands the task to another holder of a candidate role on the routed organisation. */
  async reassign(em: EntityManager, viewer: Viewer, taskId: string, toAccountId: string): Promise<WorkflowTask> {
    const task = await this.actionableTask(em, viewer, taskId);
    if (task.claimedBy && !may(viewer, 'task.release', releaseTarget(task))) {
      throw conflict('The task is claimed by someone else', 'ALREADY_CLAIMED');
    }
    const target = parseId(toAccountId, 'toAccountId');
    const rows: unknown[] = await em.getConnection().execute(
      `select 1 from role_assignment ra join organization o on o.id = ra.organization_id join account a on a.id = ra.account_id
        where ra.account_id = ? and a.active and ra.role = any(?::text[]) and ? like o.path || '%' limit 1`,
      [target, pgArray(task.candidateRoles), task.routedOrgPath],
    );
    if (!rows.length) throw badInput('That account does not hold the role this task needs', 'toAccountId', 'NOT_A_CANDIDATE');
    await em.nativeUpdate(WorkflowTask, { id: task.id, status: 'OPEN' }, { claimedBy: target, claimedAt: new Date() });
    return em.refreshOrFail(task);
  }

  // ------------------------------------------------------------------------------------------------ acting

  /** An assignee's decision on a task: approve, reject, return, a vote, a retry… */
  async decide(
    em: EntityManager,
    viewer: Viewer,
    input: { taskId: string; action: string; comment?: string | null; idempotencyKey: string; operation?: WorkflowOperation },
  ): Promise<WorkflowInstance> {
    const taskId = parseId(input.taskId, 'taskId');
    const request = idempotentRequest(viewer.accountId, input.idempotencyKey, input.operation ?? 'decide', taskId, { action: input.action, comment: input.comment });
    return this.firstResultOnRepeat(em, request, async () => {
      const { task, instance } = await this.taskWithInstance(em, viewer, taskId);
      if (task.status !== 'OPEN') throw conflict('This task has already been decided', 'TASK_CLOSED');
      if (task.claimedBy && task.claimedBy !== viewer.accountId) throw conflict('This task is claimed by someone else', 'ALREADY_CLAIMED');
      return this.act(em, viewer, instance, { action: input.action, comment: input.comment, taskKey: task.key, idempotency: request });
    });
  }

  /** The task and its instance in one statement, as plain rows: a decision is the hottest path of the API. */
  private async taskWithInstance(em: EntityManager, viewer: Viewer, taskId: string) {
    const { rows: [row] } = await runSql<WorkflowInstanceRow & { task_key: string; task_status: string; task_claimed_by: string | null; task_assigned_to: string | null; task_routed_org_path: string | null }>(
      em,
      `select i.*, t.key as task_key, t.status as task_status, t.claimed_by as task_claimed_by, t.assigned_to as task_assigned_to,
              t.routed_org_path as task_routed_org_path
         from workflow_task t join workflow_instance i on i.id = t.instance_id where t.id = ?`,
      [parseId(taskId, 'taskId')],
    );
    const task = row && { key: row.task_key, status: row.task_status, claimedBy: row.task_claimed_by, assignedTo: row.task_assigned_to, routedOrgPath: row.task_routed_org_path };
    if (!task || !this.canSeeTask(viewer, task)) throw notFound('Task');
    return { task, instance: instanceFromRow(row) };
  }

  /** Applicant and public actions on an instance: withdraw, resubmit (with corrected data), object. */
  async actOnInstance(
    em: EntityManager,
    viewer: Viewer,
    instanceId: string,
    input: { operation: WorkflowOperation; action: string; comment?: string | null; data?: SubjectData | null; idempotencyKey?: string | null },
  ): Promise<WorkflowInstance> {
    const id = parseId(instanceId, 'instanceId');
    const request = input.idempotencyKey
      ? idempotentRequest(viewer.accountId, input.idempotencyKey, input.operation, id, { action: input.action, comment: input.comment, data: input.data })
      : undefined;
    const run = async () => {
      const instance = await em.findOne(WorkflowInstance, id);
      return this.act(em, viewer, instance, { action: input.action, comment: input.comment, data: input.data, idempotency: request });
    };
    return request ? this.firstResultOnRepeat(em, request, run) : run();
  }

  /**
   * A repeated request is refused by the state its first attempt moved on from (task closed, stale task, the
   * key already taken), so the key is looked up only then and the first attempt pays nothing for it. The same
   * key for another request is CONFLICT IDEMPOTENCY_KEY_REUSED; a true repeat gets the instance as it was then.
   */
  private async firstResultOnRepeat(em: EntityManager, request: IdempotentRequest, run: () => Promise<WorkflowInstance>) {
    try {
      return await run();
    } catch (error) {
      const first = await this.idempotencyKeys.previous<InstanceSnapshot>(em, request);
      if (first) return this.asThen(em, first.resultId, first.snapshot);
      throw error;
    }
  }

  /** The instance as a first answer left it: its state, history up to then and the actions it offered then. */
  private async asThen(em: EntityManager, instanceId: string, snapshot: InstanceSnapshot | null): Promise<WorkflowInstance> {
    const { rows: [row] } = await runSql<WorkflowInstanceRow>(em, 'select * from workflow_instance where id = ?', [instanceId]);
    const now = instanceFromRow(row);
    if (!snapshot?.data || snapshot.seq === now.seq) return now;
    return {
      ...now,
      state: snapshot.state,
      status: snapshot.status,
      outcome: snapshot.outcome,
      seq: snapshot.seq,
      data: snapshot.data,
      updatedAt: new Date(snapshot.updated_at),
    };
  }

  private async act(
    em: EntityManager,
    viewer: Viewer,
    instance: WorkflowInstance | null,
    input: { action: string; comment?: string | null; data?: SubjectData | null; taskKey?: string; idempotency?: IdempotentRequest },
  ): Promise<WorkflowInstance> {
    const action = text(input.action, 'action', { max: 64 });
    // A public action (an objection during public notice) is open to any signed-in account, not only those who may read the instance.
    if (!instance || !(this.canSeeInstance(viewer, instance) || this.isPublicAction(instance, action))) throw notFound('Workflow instance');
    const comment = optionalText(input.comment, 'comment', { max: engine.MAX_COMMENT_LENGTH, multiline: true }) ?? null;
    const data = input.data ? jsonText(input.data, 'changes') : null;
    const def = this.definitionOf(instance);
    const prevSeq = instance.seq;
    const actor = this.actorFor(viewer, instance, input.taskKey);
    const transition = (data: SubjectData | null): Transition =>
      rules(() =>
        engine.act(def, instance.data, { action, actor, taskId: input.taskKey ?? null, comment, data, now: new Date().toISOString() }),
      );
    const extra = {
      decision: input.taskKey ? { taskKey: input.taskKey, action, accountId: viewer.accountId } : undefined,
      idempotency: input.idempotency,
      // The next task is written with the transition: in the next inbox when the statement commits, with no
      // outbox row, relay batch, job and worker statement in between.
      openTasksNow: true,
    };
    // A decision on a task is one statement.
    if (input.taskKey && !data) {
      const row = await this.store.save(em, prevSeq, transition(null), extra);
      if (row) this.onActed(instance.definitionKey, action);
      return row ? instanceFromRow(row) : instance;
    }
    // The core refuses the act itself (not the applicant, wrong state) before any correction is looked at.
    let t = transition(null);
    // An action on the instance itself (withdraw, object…) may come while a worker is opening the current task,
    // so it also cancels, with a fresh snapshot, any task left behind. A correction is validated and written to
    // the subject's row by its module, and the engine's copy is what the row now says; all in one transaction.
    const row = await em.transactional(async (tx) => {
      if (data) {
        const revised = await reviseSubject(tx as EntityManager, viewer, this.subjects.get(instance.subjectType), instance.subjectId, data);
        t = transition(changedFields(instance.data.subject.data, revised));
      }
      const written = await this.store.save(tx as EntityManager, prevSeq, t, extra);
      if (!input.taskKey && written) await this.store.cancelStaleTasks(tx as EntityManager, instance.id);
      return written;
    });
    if (row) this.onActed(instance.definitionKey, action);
    return row ? instanceFromRow(row) : instance;
  }

  /** The actor as the core checks it: the viewer's grants, and whether they stand for the applicant. */
  private actorFor(viewer: Viewer, instance: WorkflowInstance, taskKey?: string): Actor {
    const task = instance.data.current.task;
    const path = taskKey && task?.organizationPath ? task.organizationPath : instance.subjectOrgPath;
    const acting = viewer.grants.find((g) => covers(g.path, path) && (!task || task.candidateRoles.includes(g.role)));
    return {
      accountId: viewer.accountId,
      organizationId: acting?.organizationId ?? viewer.member?.organizationId ?? null,
      grants: viewer.grants.map((g) => ({ role: g.role, path: g.path })),
      isApplicant:
        instance.applicantAccountId === viewer.accountId ||
        (viewer.member !== undefined && instance.applicantMemberId === viewer.member.id),
    };
  }

  private async actionableTask(em: EntityManager, viewer: Viewer, taskId: string) {
    const task = await this.task(em, viewer, taskId);
    if (task.status !== 'OPEN') throw conflict('This task is closed', 'TASK_CLOSED');
    authorize(viewer, 'task.act', taskActTarget(task), { message: 'You do not hold the role this task is routed to' });
    return task;
  }

  // ------------------------------------------------------------------------------------------------ failed work

  /** Jobs that failed for good, for administrators over their subjects: ids and reasons only. */
  failedWork(em: EntityManager, viewer: Viewer, first = 50) {
    if (!Number.isSafeInteger(first) || first < 1 || first > 500) throw badInput('first must be 1-500', 'first', 'BAD_PAGE_SIZE');
    const scope = scopes(viewer, 'work.manage');
    if (!scope.subtrees.length && !scope.exact.length) throw forbidden('Failed work is for administrators');
    return this.obligations.failed(em, scope.subtrees, first);
  }

  /** Hands failed work back to the workers under a new job id; refused for work outside the viewer's scope. */
  async retryFailedWork(em: EntityManager, viewer: Viewer, ids: readonly string[]) {
    if (!ids.length || ids.length > 500) throw badInput('Give 1-500 ids', 'ids', 'BAD_LIST');
    for (const id of ids) if (!/^\d{1,18}$/.test(id)) throw badInput('ids are failed work ids', 'ids', 'MALFORMED_ID');
    const scope = scopes(viewer, 'work.manage');
    if (!scope.subtrees.length) throw forbidden('Failed work is for administrators');
    const retried = await this.obligations.retryNow(em, [...new Set(ids)], scope.subtrees);
    if (!retried.length) throw notFound('Failed work');
    return retried;
  }

  // ------------------------------------------------------------------------------------------------ reading

  canSeeInstance(viewer: Viewer, instance: WorkflowInstance): boolean {
    return may(viewer, 'instance.read', instanceTarget(instance));
  }

  private canSeeTask(viewer: Viewer, task: Pick<WorkflowTask, 'assignedTo' | 'claimedBy' | 'routedOrgPath'>): boolean {
    return may(viewer, 'task.read', { path: task.routedOrgPath ?? null, accountIds: [task.assignedTo, task.claimedBy] });
  }

  async instance(em: EntityManager, viewer: Viewer, id: string): Promise<WorkflowInstance> {
    return this.visible(viewer, await em.findOne(WorkflowInstance, parseId(id)));
  }

  /** An instance loaded elsewhere (a batch of a page's), if the viewer may read it; NOT_FOUND otherwise. */
  visible(viewer: Viewer, instance: WorkflowInstance | null | undefined): WorkflowInstance {
    if (!instance || !this.canSeeInstance(viewer, instance)) throw notFound('Workflow instance');
    return instance;
  }

  async instances(em: EntityManager, viewer: Viewer, filter: InstanceFilter = {}, page: PageArgs) {
    const own = [{ applicantAccountId: viewer.accountId }, ...(viewer.member ? [{ applicantMemberId: viewer.member.id }] : [])];
    const where: object[] = [inScope('subjectOrgPath', scopes(viewer, 'instance.read'), { own })];
    if (filter.definitionKey) where.push({ definitionKey: text(filter.definitionKey, 'filter.definitionKey', { max: 64 }) });
    if (filter.state) where.push({ state: text(filter.state, 'filter.state', { max: 64 }) });
    if (filter.status) where.push({ status: filter.status });
    if (filter.subjectId) where.push({ subjectId: parseId(filter.subjectId, 'filter.subjectId') });
    if (filter.mine) where.push({ applicantAccountId: viewer.accountId });
    if (filter.organizationId) where.push(inSubtrees('subjectOrgPath', [await this.orgPath(em, filter.organizationId)]));
    return paginate(em, WorkflowInstance, { $and: where }, { createdAt: 'desc', id: 'desc' }, page);
  }

  /** Every recorded decision the reviewer may see, newest first. */
  async history(em: EntityManager, viewer: Viewer, filter: HistoryFilter = {}, page: PageArgs) {
    const where: object[] = [];
    if (filter.instanceId) {
      const instance = await this.instance(em, viewer, filter.instanceId);
      where.push({ instanceId: instance.id });
    } else {
      const scope = scopes(viewer, 'history.read');
      if (!scope.subtrees.length && !scope.exact.length) throw forbidden('Approval history is for staff; open your own applications instead');
      where.push(inScope('subjectOrgPath', scope));
    }
    if (filter.subjectId) {
      const ids = await em.find(WorkflowInstance, { subjectId: parseId(filter.subjectId, 'filter.subjectId') }, { fields: ['id'] });
      where.push({ instanceId: { $in: ids.map((i) => i.id) } });
    }
    if (filter.actorAccountId) where.push({ actorAccountId: parseId(filter.actorAccountId, 'filter.actorAccountId') });
    if (filter.organizationId) where.push({ actorOrgId: parseId(filter.organizationId, 'filter.organizationId') });
    if (filter.action) where.push({ action: text(filter.action, 'filter.action', { max: 64 }) });
    if (filter.from) where.push({ at: { $gte: filter.from } });
    if (filter.to) where.push({ at: { $lt: filter.to } });
    if (filter.from && filter.to && filter.from >= filter.to) throw badInput('from must be before to', 'filter.from', 'BAD_RANGE');
    return paginate(em, WorkflowHistory, { $and: where }, { id: 'desc' }, page);
  }

  instanceHistory(em: EntityManager, instance: WorkflowInstance) {
    return em.find(WorkflowHistory, { instanceId: instance.id, seq: { $lte: instance.seq } }, { orderBy: { id: 'asc' } });
  }

  /** Whether the instance's history hash chain still verifies; the instance itself was already authorised. */
  async integrity(em: EntityManager, instance: WorkflowInstance) {
    const firstBrokenSeq = await firstBrokenHistorySeq(async <T,>(sql: string, params: unknown[]) => (await runSql<T>(em, sql, params)).rows, instance.id);
    return { intact: firstBrokenSeq === null, firstBrokenSeq };
  }

  /**
   * Open tasks. An instance answered as a past request left it shows its then current task, which was open then
   * (the transition that answered opened it in its own statement) and has been closed since.
   */
  async openTasks(em: EntityManager, instance: WorkflowInstance) {
    const current = instance.data.current.task?.taskId;
    const tasks = await em.find(
      WorkflowTask,
      { instanceId: instance.id, $or: [{ status: 'OPEN' }, ...(current ? [{ key: current }] : [])] },
      { orderBy: { openedAt: 'asc' } },
    );
    const then = tasks.find((t) => t.key === current && t.status !== 'OPEN');
    return then ? [then] : tasks.filter((t) => t.status === 'OPEN');
  }

  private isPublicAction(instance: WorkflowInstance, action: string): boolean {
    return this.availableActions(instance).some((a) => a.action === action && a.as === 'public');
  }

  availableActions(instance: WorkflowInstance) {
    return engine.availableActions(this.definitionOf(instance), instance.data);
  }

  definitionOf(instance: WorkflowInstance): WorkflowDefinition {
    const def = this.definitions.get(instance.definitionKey, instance.definitionVersion);
    if (!def) throw new Error(`definition ${instance.definitionKey} v${instance.definitionVersion} is not loaded`);
    return def;
  }

  private async orgPath(em: EntityManager, id: string) {
    const org = await em.findOne(Organization, { id: parseId(id, 'filter.organizationId') });
    if (!org) throw notFound('Organization');
    return org.path;
  }
}

/** The fields of the engine's copy that a revision changed: what the history records as the correction. */
function changedFields(before: SubjectData, after: SubjectData): SubjectData {
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(before[k]) !== JSON.stringify(v)));
}

/** An instance as the policy sees it: its subject's organisation and its applicant. */
const instanceTarget = (i: Pick<WorkflowInstance, 'subjectOrgPath' | 'applicantAccountId' | 'applicantMemberId'>) => ({
  path: i.subjectOrgPath,
  accountIds: [i.applicantAccountId],
  memberId: i.applicantMemberId,
});

/** Who may act on a task: holders of its candidate roles over its organisation, or the applicant a revision is assigned to. */
const taskActTarget = (t: Pick<WorkflowTask, 'kind' | 'routedOrgPath' | 'candidateRoles' | 'assignedTo'>) =>
  t.kind === 'applicant' ? { path: null, accountIds: [t.assignedTo] } : { path: t.routedOrgPath ?? null, roles: t.candidateRoles };

/** Who may release a claim: the claimant, or an administrator over the task's organisation. */
const releaseTarget = (t: Pick<WorkflowTask, 'routedOrgPath' | 'claimedBy'>) => ({ path: t.routedOrgPath ?? null, accountIds: [t.claimedBy] });

export const orgRef = (o: Organization): OrgRef => ({ id: o.id, path: o.path, level: o.level as OrganizationLevel });
