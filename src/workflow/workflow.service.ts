import type { SubtreeRoots } from '../organizations/subtree-roots';
import { noticesFor } from './notification.recipients';
import { Conditions, runSql } from '../db/sql';
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { authorize, copyAddressees, may, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { idPage, keysetPage, NEWEST_FIRST_KEYS, PageArgs, rowsConnection } from '../common/connection';
import { plainRowPage } from '../db/plain-rows';
import { ApprovalReason, badInput, conflict, forbidden, notFound } from '../common/errors';
import { newId, parseId } from '../common/ids';
import { covers, scopeSql } from '../common/subtree';
import { jsonText, optionalText, text } from '../common/validate';
import { Organization, OrganizationLevel } from '../organizations/organization.entity';
import * as engine from './core/engine';
import type { Actor, Grant, OrgRef, SubjectData, Transition, WorkflowDefinition } from './core/types';
import type { DefinitionRegistry } from './definitions/definition.loader';
import { rules } from './workflow.errors';
import type { ActAttribution, HistoryRepository, Where } from './history.repository';
import type { InstanceRepository } from './instance.repository';
import { instanceFromRow, WorkflowInstance, type InstanceHead } from './workflow-instance.entity';
import { WorkflowNotification } from './workflow-notification.entity';
import { WorkflowTask } from './workflow-task.entity';
import type { InstanceMeta, SaveOptions, WorkflowStore } from './workflow.store';
import { reviseSubject, type SubjectRegistry } from './subject.contract';
import type { ObligationStore } from './obligation.store';
import { firstBrokenHistorySeq } from '../audit/chain.repository';
import { buildTimeline } from '../audit/timeline';
import { idempotentRequest, type IdempotencyStore, type IdempotentRequest } from '../idempotency/idempotency.store';
import type { DelegationService } from '../delegation/delegation.service';
import type { LivePublisher } from '../live/live.publisher';
import type { ActiveDelegation } from '../delegation/delegation.store';
import type { RoleAssignmentRepository } from '../auth/role-assignment.repository';
import { holdsAnyRole } from './core/routing';
import type { HistoryDetail } from './workflow-history.entity';

export interface StartRequest extends InstanceMeta {
  definitionKey: string;
  /** The organisation the subject belongs to: every step is routed relative to it. */
  subjectOrg: Organization;
  data: SubjectData;
  startedBy: Viewer;
}

export interface InstanceFilter {
  definitionKey?: string;
  state?: string;
  status?: 'ACTIVE' | 'COMPLETED';
  subjectId?: string;
  organizationId?: string;
  mine?: boolean;
  /** Only those copied to the viewer (true), or only those not (false). */
  copiedToMe?: boolean;
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
export type WorkflowOperation = 'decide' | 'castVote' | 'withdraw' | 'resubmit' | 'objectToNomination' | 'returnToStep' | 'transferTask' | 'carbonCopy' | 'urge';

/** What an approval action names besides its task and comment: the step to return to, the transferee, the people copied. */
export interface ApprovalArgs {
  returnTo?: string;
  transferTo?: string;
  copyTo?: string[];
}

/** The lookups an approval action needs beyond the workflow's own tables. */
export interface ApprovalLookups {
  delegations: DelegationService;
  roleAssignments: RoleAssignmentRepository;
  /** Organisation paths, for the filters on an organisation's subtree. */
  subtrees: SubtreeRoots;
}

/** The API side of the engine: start, act, claim, and the reviewers' queries. Workers are in WorkflowRunner. */
export class WorkflowService {
  constructor(
    readonly definitions: DefinitionRegistry,
    private readonly store: WorkflowStore,
    private readonly subjects: SubjectRegistry,
    private readonly idempotencyKeys: IdempotencyStore,
    private readonly obligations: ObligationStore,
    private readonly historyRows: HistoryRepository,
    readonly instanceRows: InstanceRepository,
    private readonly lookups: ApprovalLookups,
    /** Told of the claims that change whose inbox a task is in, once committed (decisions tell it through the store). */
    private readonly live: LivePublisher,
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
    const role = actingRole(req.startedBy, req.subjectOrg.path);
    return instanceFromRow(await this.store.insert(em, req, t, { accountId: req.startedBy.accountId, role }));
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

  /** Reminders and overdue notices for the viewer: for their roles where they hold them, or for them in person. */
  notifications(em: EntityManager, viewer: Viewer, page: PageArgs) {
    const notices = noticesFor(viewer);
    return plainRowPage(em, WorkflowNotification, new Conditions().add(notices.sql, ...notices.params), keysetPage(page, NEWEST_FIRST_KEYS));
  }

  /**
   * Claiming, releasing and handing on a task leave the state as it is; each is recorded in the history with
   * the task's change, in one statement under the instance's lock (HistoryRepository.recordAct), so a claim
   * that did not happen leaves no row and one that did cannot lose its row.
   */
  async claim(em: EntityManager, viewer: Viewer, taskId: string): Promise<WorkflowTask> {
    const task = await this.actionableTask(em, viewer, taskId);
    if (task.kind === 'vote') throw badInput('Votes are cast by each committee member; they are not claimed', 'taskId', 'VOTE_NOT_CLAIMABLE');
    if (task.claimedBy === viewer.accountId) return task;
    // Conditional update: of two approvers claiming at once, exactly one sees a row change.
    const claimed = await this.historyRows.recordAct(
      em,
      { instanceId: task.instanceId, action: 'claim', actor: taskActor(viewer, task, 'assignee'), detail: { taskId: task.id } },
      {
        sql: `update workflow_task t set claimed_by = ?::uuid, claimed_at = now() from i
               where t.id = ?::uuid and t.instance_id = i.id and t.status = 'OPEN' and t.claimed_by is null returning t.id`,
        params: [viewer.accountId, task.id],
      },
    );
    if (!claimed) throw conflict('Someone else has claimed this task', 'ALREADY_CLAIMED');
    this.claimantChanged(em, task, null);
    return em.refreshOrFail(task);
  }

  async unclaim(em: EntityManager, viewer: Viewer, taskId: string): Promise<WorkflowTask> {
    const task = await this.task(em, viewer, taskId);
    if (!task.claimedBy) return task;
    authorize(viewer, 'task.release', releaseTarget(task), { message: 'Only the claimant or an administrator may release a claim' });
    const as = task.claimedBy === viewer.accountId ? 'assignee' : 'administrator';
    const released = await this.historyRows.recordAct(
      em,
      { instanceId: task.instanceId, action: 'unclaim', actor: taskActor(viewer, task, as), detail: { taskId: task.id, fromAccountId: task.claimedBy } },
      {
        sql: `update workflow_task t set claimed_by = null, claimed_at = null from i
               where t.id = ?::uuid and t.instance_id = i.id and t.claimed_by = ?::uuid returning t.id`,
        params: [task.id, task.claimedBy],
      },
    );
    if (released) this.claimantChanged(em, task, task.claimedBy);
    return em.refreshOrFail(task);
  }

  /** Hands the task to another holder of a candidate role on the routed organisation. */
  async reassign(em: EntityManager, viewer: Viewer, taskId: string, toAccountId: string): Promise<WorkflowTask> {
    const task = await this.actionableTask(em, viewer, taskId);
    const overridden = Boolean(task.claimedBy && task.claimedBy !== viewer.accountId);
    if (overridden && !may(viewer, 'task.release', releaseTarget(task))) {
      throw conflict('The task is claimed by someone else', 'ALREADY_CLAIMED');
    }
    const target = parseId(toAccountId, 'toAccountId');
    if (!task.routedOrgPath || !(await this.lookups.roleAssignments.holdsOver(em, target, task.candidateRoles, task.routedOrgPath))) throw badInput('That account does not hold the role this task needs', 'toAccountId', 'NOT_A_CANDIDATE');
    const reassigned = await this.historyRows.recordAct(
      em,
      {
        instanceId: task.instanceId,
        action: 'reassign',
        actor: taskActor(viewer, task, overridden ? 'administrator' : 'assignee'),
        detail: { taskId: task.id, fromAccountId: task.claimedBy ?? null, toAccountId: target },
      },
      {
        sql: `update workflow_task t set claimed_by = ?::uuid, claimed_at = now() from i
               where t.id = ?::uuid and t.instance_id = i.id and t.status = 'OPEN' returning t.id`,
        params: [target, task.id],
      },
    );
    if (!reassigned) throw conflict('This task is closed', 'TASK_CLOSED');
    this.claimantChanged(em, task, task.claimedBy ?? null);
    return em.refreshOrFail(task);
  }

  /** A claim taken, released or handed on: the task moves between inboxes, and the instance's history grew. */
  private claimantChanged(em: EntityManager, task: WorkflowTask, from: string | null): void {
    this.live.after(em, [{ type: 'task', change: 'claimed', key: task.key, from }, { type: 'instance', id: task.instanceId }]);
  }

  // ------------------------------------------------------------------------------------------------ acting

  /** An assignee's decision on a task: approve, reject, return, a vote, a retry… */
  async decide(
    em: EntityManager,
    viewer: Viewer,
    input: { taskId: string; action: string; comment?: string | null; idempotencyKey: string; operation?: WorkflowOperation; args?: ApprovalArgs },
  ): Promise<WorkflowInstance> {
    const taskId = parseId(input.taskId, 'taskId');
    const args = input.args ?? {};
    const request = idempotentRequest(viewer.accountId, input.idempotencyKey, input.operation ?? 'decide', taskId, { action: input.action, comment: input.comment, ...args });
    return this.firstResultOnRepeat(em, request, async () => {
      const { task, instance } = await this.taskWithInstance(em, viewer, taskId);
      if (task.status !== 'OPEN') throw conflict('This task has already been decided', 'TASK_CLOSED');
      if (task.claimedBy && task.claimedBy !== viewer.accountId) throw conflict('This task is claimed by someone else', 'ALREADY_CLAIMED');
      return this.act(em, viewer, instance, { action: input.action, comment: input.comment, taskKey: task.key, idempotency: request, args });
    });
  }

  /** 驳回到任意节点: the assignee sends the instance back to an earlier step of this round (or to the applicant), with a reason. */
  returnToStep(em: EntityManager, viewer: Viewer, input: { taskId: string; step: string; comment: string; idempotencyKey: string }) {
    const step = text(input.step, 'step', { max: 64 });
    return this.decide(em, viewer, { ...input, action: 'returnTo', operation: 'returnToStep', args: { returnTo: step } });
  }

  /** 转办: the assignee hands the task to another person who could hold its role on its organisation, with a reason. */
  transferTask(em: EntityManager, viewer: Viewer, input: { taskId: string; toAccountId: string; reason: string; idempotencyKey: string }) {
    const to = parseId(input.toAccountId, 'toAccountId');
    return this.decide(em, viewer, { taskId: input.taskId, comment: input.reason, idempotencyKey: input.idempotencyKey, action: 'transfer', operation: 'transferTask', args: { transferTo: to } });
  }

  /** 抄送: the assignee copies accounts on the instance; they get a notice and may read it. */
  carbonCopy(em: EntityManager, viewer: Viewer, input: { taskId: string; accountIds: string[]; comment?: string | null; idempotencyKey: string }) {
    if (!input.accountIds.length || input.accountIds.length > 20) throw badInput('Copy 1-20 accounts', 'accountIds', 'BAD_LIST');
    const copyTo = [...new Set(input.accountIds.map((id) => parseId(id, 'accountIds')))];
    return this.decide(em, viewer, { ...input, action: 'carbonCopy', operation: 'carbonCopy', args: { copyTo } });
  }

  /** 催办: the applicant, or a holder of the step's role higher up, nudges the assignees of the open step. */
  async urge(em: EntityManager, viewer: Viewer, input: { instanceId: string; comment?: string | null; idempotencyKey?: string | null }) {
    const instance = this.visible(viewer, await this.instanceRows.byId(em, parseId(input.instanceId, 'instanceId')));
    const task = instance.data.current.task;
    const target = task?.organizationPath
      ? { path: task.organizationPath, roles: task.candidateRoles, accountIds: [instance.applicantAccountId], memberId: instance.applicantMemberId }
      : { path: null, accountIds: [instance.applicantAccountId], memberId: instance.applicantMemberId };
    authorize(viewer, 'task.urge', target, { message: 'Only the applicant, or a holder of the step’s role higher up, may urge it' });
    return this.actOnInstance(em, viewer, instance.id, { operation: 'urge', action: 'urge', comment: input.comment, idempotencyKey: input.idempotencyKey });
  }

  /** The task and its instance in one statement, as plain rows: a decision is the hottest path of the API. */
  private async taskWithInstance(em: EntityManager, viewer: Viewer, taskId: string) {
    const row = await this.instanceRows.taskWithInstance(em, parseId(taskId, 'taskId'));
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
      const instance = (await this.instanceRows.byId(em, id)) ?? null;
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
    const now = (await this.instanceRows.byId(em, instanceId))!;
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
    input: { action: string; comment?: string | null; data?: SubjectData | null; taskKey?: string; idempotency?: IdempotentRequest; args?: ApprovalArgs },
  ): Promise<WorkflowInstance> {
    const action = text(input.action, 'action', { max: 64 });
    // A public action (an objection during public notice) is open to any signed-in account, not only those who may read the instance.
    if (!instance || !(this.canSeeInstance(viewer, instance) || this.isPublicAction(instance, action))) throw notFound('Workflow instance');
    const comment = optionalText(input.comment, 'comment', { max: engine.MAX_COMMENT_LENGTH, multiline: true }) ?? null;
    const data = input.data ? jsonText(input.data, 'changes') : null;
    const def = this.definitionOf(instance);
    const prevSeq = instance.seq;
    const actor = await this.actorFor(em, viewer, instance, input.taskKey);
    const approval = await this.approvalInput(em, instance, input.args ?? {});
    const transition = (data: SubjectData | null): Transition =>
      rules(() =>
        engine.act(def, instance.data, { action, actor, taskId: input.taskKey ?? null, comment, data, ...approval, now: new Date().toISOString() }),
      );
    const path = input.taskKey && instance.data.current.task?.organizationPath ? instance.data.current.task.organizationPath : instance.subjectOrgPath;
    const extra: SaveOptions = {
      decision: input.taskKey ? { taskKey: input.taskKey, action, accountId: viewer.accountId } : undefined,
      idempotency: input.idempotency,
      attribution: { accountId: viewer.accountId, role: actingRole(viewer, path, instance.data.current.task?.candidateRoles), onBehalfOfAccountId: actor.onBehalfOf?.accountId ?? null, detail: approvalDetail(instance, input.args) },
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
        t = transition(changedFields(instance.data.subject.data, revised.data));
        extra.attribution = { ...extra.attribution!, detail: { changes: revised.changes } };
      }
      const written = await this.store.save(tx as EntityManager, prevSeq, t, extra);
      if (!input.taskKey && written) await this.store.cancelStaleTasks(tx as EntityManager, instance.id);
      return written;
    });
    if (row) this.onActed(instance.definitionKey, action);
    return row ? instanceFromRow(row) : instance;
  }

  /** The actor as the core checks it: the viewer's grants, and whether they stand for the applicant. */
  private async actorFor(em: EntityManager, viewer: Viewer, instance: WorkflowInstance, taskKey?: string): Promise<Actor> {
    const task = instance.data.current.task;
    const path = taskKey && task?.organizationPath ? task.organizationPath : instance.subjectOrgPath;
    const acting = viewer.grants.find((g) => covers(g.path, path) && (!task || task.candidateRoles.includes(g.role)));
    const grants = viewer.grants.map((g) => ({ role: g.role, path: g.path }));
    const actor: Actor = {
      accountId: viewer.accountId,
      organizationId: acting?.organizationId ?? viewer.member?.organizationId ?? null,
      grants,
      isApplicant:
        instance.applicantAccountId === viewer.accountId ||
        (viewer.member !== undefined && instance.applicantMemberId === viewer.member.id),
    };
    // Delegations are looked up only when the viewer could not act on the task in person: the usual decision pays nothing.
    if (!taskKey || !task || task.kind !== 'task' || actsInPerson(grants, viewer.accountId, task)) return actor;
    const onBehalfOf = substituteCapacity(await this.lookups.delegations.actingFor(em, viewer), task, instance);
    return onBehalfOf ? { ...actor, organizationId: onBehalfOf.organizationId, onBehalfOf } : actor;
  }

  /**
   * The engine's inputs for an approval action, checked where the core cannot look: a transferee must be able to
   * hold the task's role on its organisation (and is the applicant or not), the people copied must exist.
   */
  private async approvalInput(em: EntityManager, instance: WorkflowInstance, args: ApprovalArgs) {
    const task = instance.data.current.task;
    let transferTo: { accountId: string; isApplicant: boolean } | undefined;
    if (args.transferTo) {
      const to = args.transferTo;
      if (!task?.organizationPath || !(await this.lookups.roleAssignments.couldHold(em, to, task.candidateRoles, task.organizationPath))) {
        throw badInput('That account could not hold the role this task needs on its organisation', 'toAccountId', ApprovalReason.NOT_ELIGIBLE);
      }
      const memberId = await this.lookups.roleAssignments.memberOf(em, to);
      transferTo = { accountId: to, isApplicant: instance.applicantAccountId === to || (!!memberId && memberId === instance.applicantMemberId) };
    }
    if (args.copyTo) {
      const known = await this.lookups.roleAssignments.activeAccounts(em, args.copyTo);
      const unknown = args.copyTo.filter((id) => !known.has(id));
      if (unknown.length) throw badInput(`Unknown or disabled accounts: ${unknown.join(', ')}`, 'accountIds', ApprovalReason.UNKNOWN_ACCOUNT);
    }
    return { returnTo: args.returnTo ?? null, transferTo: transferTo ?? null, copyTo: args.copyTo ?? null };
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

  canSeeInstance(viewer: Viewer, instance: WorkflowInstance | InstanceHead): boolean {
    return may(viewer, 'instance.read', instanceTarget(instance));
  }

  canSeeTask(viewer: Viewer, task: Pick<WorkflowTask, 'assignedTo' | 'claimedBy' | 'routedOrgPath'>): boolean {
    return may(viewer, 'task.read', { path: task.routedOrgPath ?? null, accountIds: [task.assignedTo, task.claimedBy] });
  }

  async instance(em: EntityManager, viewer: Viewer, id: string): Promise<WorkflowInstance> {
    return this.visible(viewer, await this.instanceRows.byId(em, parseId(id)));
  }

  /** An instance loaded elsewhere (a batch of a page's), if the viewer may read it; NOT_FOUND otherwise. */
  visible<T extends WorkflowInstance | InstanceHead>(viewer: Viewer, instance: T | null | undefined): T {
    if (!instance || !this.canSeeInstance(viewer, instance)) throw notFound('Workflow instance');
    return instance;
  }

  /** The instances the viewer may read, newest first, as plain rows. */
  async instances(em: EntityManager, viewer: Viewer, filter: InstanceFilter = {}, page: PageArgs) {
    const keyset = keysetPage(page, NEWEST_FIRST_KEYS);
    const own = viewer.member
      ? { sql: '(i.applicant_account_id = ?::uuid or i.applicant_member_id = ?::uuid)', params: [viewer.accountId, viewer.member.id] }
      : { sql: 'i.applicant_account_id = ?::uuid', params: [viewer.accountId] };
    const scope = scopeSql('i.subject_org_path', scopes(viewer, 'instance.read'), own);
    // Copied to the viewer (抄送): as the policy's COPIED relation reads an instance's copies, one containment per addressee.
    const addressees = copyAddressees(viewer);
    const copied = { sql: `(${addressees.map(() => `i.data->'carbonCopies' @> ?::jsonb`).join(' or ')})`, params: addressees.map((a) => JSON.stringify([a])) };
    const where = new Conditions().add(`${scope.sql} or ${copied.sql}`, ...scope.params, ...copied.params);
    if (filter.copiedToMe === true) where.add(copied.sql, ...copied.params);
    if (filter.copiedToMe === false) where.add(`not ${copied.sql}`, ...copied.params);
    if (filter.definitionKey) where.add('i.definition_key = ?', text(filter.definitionKey, 'filter.definitionKey', { max: 64 }));
    if (filter.state) where.add('i.state = ?', text(filter.state, 'filter.state', { max: 64 }));
    if (filter.status) where.add('i.status = ?', filter.status);
    if (filter.subjectId) where.add('i.subject_id = ?::uuid', parseId(filter.subjectId, 'filter.subjectId'));
    if (filter.mine) where.add('i.applicant_account_id = ?::uuid', viewer.accountId);
    if (filter.organizationId) where.add('i.subject_org_path like ?', `${await this.lookups.subtrees.pathOf(em, filter.organizationId, 'filter.organizationId')}%`);
    return this.instanceRows.page(em, where, keyset);
  }

  /** Every recorded act the reviewer may see, newest first. */
  async history(em: EntityManager, viewer: Viewer, filter: HistoryFilter = {}, page: PageArgs) {
    const at = idPage(page);
    const where = await this.historyWhere(em, viewer, filter, 'history.read');
    const rows = await this.historyRows.page(em, where, at);
    return rowsConnection(rows, at, () => this.historyRows.count(em, where));
  }

  /**
   * The SQL of a history filter within the viewer's scope for `op`: `history.read` (approvalHistory; one
   * instance the viewer may read, applicants included) or `audit.review` (exports and aggregates: auditors and
   * administrators over the subtree, whatever the filter names). Bad filters are BAD_USER_INPUT.
   */
  async historyWhere(em: EntityManager, viewer: Viewer, filter: HistoryFilter, op: 'history.read' | 'audit.review'): Promise<Where> {
    const where: Where = { sql: [], params: [] };
    const add = (sql: string, ...params: unknown[]) => {
      where.sql.push(sql);
      where.params.push(...params);
    };
    if (filter.instanceId && op === 'history.read') {
      add('h.instance_id = ?::uuid', (await this.instance(em, viewer, filter.instanceId)).id);
    } else {
      const scope = scopes(viewer, op);
      if (!scope.subtrees.length && !scope.exact.length) {
        throw forbidden(op === 'history.read' ? 'Approval history is for staff; open your own applications instead' : 'Audit reports are for auditors and administrators');
      }
      const inScope = scopeSql('h.subject_org_path', scope);
      add(inScope.sql, ...inScope.params);
      if (filter.instanceId) add('h.instance_id = ?::uuid', parseId(filter.instanceId, 'filter.instanceId'));
    }
    if (filter.subjectId) add('h.instance_id in (select id from workflow_instance where subject_id = ?::uuid)', parseId(filter.subjectId, 'filter.subjectId'));
    if (filter.actorAccountId) add('h.actor_account_id = ?::uuid', parseId(filter.actorAccountId, 'filter.actorAccountId'));
    if (filter.organizationId) add('h.actor_org_id = ?::uuid', parseId(filter.organizationId, 'filter.organizationId'));
    if (filter.action) add('h.action = ?', text(filter.action, 'filter.action', { max: 64 }));
    if (filter.from && filter.to && filter.from >= filter.to) throw badInput('from must be before to', 'filter.from', 'BAD_RANGE');
    if (filter.from) add('h.at >= ?::timestamptz', filter.from);
    if (filter.to) add('h.at < ?::timestamptz', filter.to);
    return where;
  }

  /** Every act on each instance, oldest first; for a past answer, those up to its transition. For the history loader. */
  instanceHistories(em: EntityManager, instances: readonly Pick<WorkflowInstance, 'id' | 'seq'>[]) {
    return this.historyRows.ofInstances(em, instances);
  }

  /** Each visit of a step: entered, left, time spent, its deadline and whether it ran over. */
  async timeline(em: EntityManager, instance: WorkflowInstance) {
    const { transitions, tasks } = await this.historyRows.timelineRows(em, instance.id, instance.seq);
    // The current step's task as the transition planned it, while a worker has yet to open it.
    const current = instance.data.current.task;
    const currentSeq = current ? Number(current.taskId.split(':')[1]) : undefined;
    if (current && !tasks.some((task) => task.openedSeq === currentSeq)) tasks.push({ openedSeq: currentSeq!, dueAt: new Date(current.dueAt), escalated: current.escalated });
    const titles = this.definitionOf(instance).states;
    return buildTimeline(transitions, tasks, { now: new Date(), completed: instance.status === 'COMPLETED' }).map((v) => ({
      ...v,
      title: titles[v.step]?.title ?? v.step,
      kind: titles[v.step]?.kind ?? 'task',
    }));
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

  definitionOf(instance: Pick<WorkflowInstance, 'definitionKey' | 'definitionVersion'>): WorkflowDefinition {
    const def = this.definitions.get(instance.definitionKey, instance.definitionVersion);
    if (!def) throw new Error(`definition ${instance.definitionKey} v${instance.definitionVersion} is not loaded`);
    return def;
  }
}

/** The fields of the engine's copy that a revision changed: what the history records as the correction. */
function changedFields(before: SubjectData, after: SubjectData): SubjectData {
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(before[k]) !== JSON.stringify(v)));
}

/** An instance as the policy sees it: its subject's organisation, its applicant, and who it was copied to. */
const instanceTarget = (i: Pick<InstanceHead, 'subjectOrgPath' | 'applicantAccountId' | 'applicantMemberId' | 'data'>) => ({
  path: i.subjectOrgPath,
  accountIds: [i.applicantAccountId],
  memberId: i.applicantMemberId,
  copies: i.data?.carbonCopies ?? [],
});

/** What the history row of an approval action names beyond the engine's entry (see HistoryDetail). */
function approvalDetail(instance: WorkflowInstance, args: ApprovalArgs | undefined): HistoryDetail | null {
  if (!args) return null;
  const task = instance.data.current.task;
  if (args.transferTo) return { taskId: task?.taskId ?? undefined, fromAccountId: task?.assignedTo ?? null, toAccountId: args.transferTo };
  if (args.copyTo) return { recipients: args.copyTo };
  if (args.returnTo) return { returnTo: args.returnTo };
  return null;
}

/** Whether the account may act on the task as itself: the person it was transferred to, or a holder of one of its roles over its organisation. */
export function actsInPerson(grants: readonly Grant[], accountId: string, task: DelegableTask): boolean {
  return task.assignedTo ? task.assignedTo === accountId : !!task.organizationPath && holdsAnyRole(grants, task.candidateRoles, task.organizationPath);
}

/** What of a task decides whether a delegation covers it. */
export interface DelegableTask {
  assignedTo?: string | null;
  candidateRoles: readonly string[];
  organizationPath: string | null;
}

/**
 * The delegator a substitute acts for on the task (代理), as the core takes it: the first delegation in force
 * whose grant covers the task (or whose delegator it was transferred to), with every grant that delegator passed
 * on; null when none covers it. The one rule behind deciding on someone's behalf and the actions offered for it.
 */
export function substituteCapacity(
  held: readonly ActiveDelegation[],
  task: DelegableTask,
  instance: { applicantAccountId?: string | null; applicantMemberId?: string | null },
): NonNullable<Actor['onBehalfOf']> | null {
  const covering = (d: ActiveDelegation) =>
    task.assignedTo ? d.delegatorAccountId === task.assignedTo : task.candidateRoles.includes(d.role) && !!task.organizationPath && covers(d.organizationPath, task.organizationPath);
  const used = held.find(covering);
  if (!used) return null;
  return {
    accountId: used.delegatorAccountId,
    organizationId: used.organizationId,
    grants: held.filter((d) => d.delegatorAccountId === used.delegatorAccountId).map((d) => ({ role: d.role, path: d.organizationPath })),
    isApplicant: instance.applicantAccountId === used.delegatorAccountId || (!!used.delegatorMemberId && used.delegatorMemberId === instance.applicantMemberId),
  };
}

/** Who may act on a task: holders of its candidate roles over its organisation, or the person it is assigned to (the applicant of a revision, a transferee). */
export const taskActTarget = (t: Pick<WorkflowTask, 'kind' | 'routedOrgPath' | 'candidateRoles' | 'assignedTo'>) =>
  t.kind === 'applicant' ? { path: null, accountIds: [t.assignedTo] } : { path: t.routedOrgPath ?? null, roles: t.candidateRoles, accountIds: [t.assignedTo] };

/**
 * The role a viewer acts in at an organisation: a grant covering it (one of `roles` where the step names
 * them), else MEMBER for a member acting for themself.
 */
function actingRole(viewer: Viewer, path: string, roles?: readonly string[]): string | null {
  return actingGrant(viewer, path, roles)?.role ?? (viewer.member ? 'MEMBER' : null);
}

const actingGrant = (viewer: Viewer, path: string, roles?: readonly string[]) =>
  viewer.grants.find((g) => covers(g.path, path) && (!roles || roles.includes(g.role))) ?? viewer.grants.find((g) => covers(g.path, path));

/** The viewer as the actor of an act on a task: the grant they hold over its organisation, and their capacity. */
function taskActor(viewer: Viewer, task: Pick<WorkflowTask, 'routedOrgPath' | 'candidateRoles'>, as: string): ActAttribution {
  const grant = actingGrant(viewer, task.routedOrgPath ?? '', task.candidateRoles);
  return {
    accountId: viewer.accountId,
    organizationId: grant?.organizationId ?? viewer.member?.organizationId ?? null,
    role: grant?.role ?? (viewer.member ? 'MEMBER' : null),
    as,
  };
}

/** Who may release a claim: the claimant, or an administrator over the task's organisation. */
const releaseTarget = (t: Pick<WorkflowTask, 'routedOrgPath' | 'claimedBy'>) => ({ path: t.routedOrgPath ?? null, accountIds: [t.claimedBy] });

export const orgRef = (o: Organization): OrgRef => ({ id: o.id, path: o.path, level: o.level as OrganizationLevel });
