import { randomUUID } from 'node:crypto';
import { eventually } from '../../scripts/support/processes';
import type { TestApp } from './harness';

// Polling lives with the process helpers, which the scripts share.
export { eventually };

export const TASK_FIELDS = 'id step kind instanceId actions candidateRoles claimedBy dueAt overdue remindedAt overdueAt escalated status round viewerActions { key }';
export const INSTANCE_FIELDS = `id state status outcome seq round definitionKey definitionVersion subjectId
  openTasks { id step } history { seq fromState toState action actorAccountId actorOrganizationId actingAs comment round }
  availableActions { action as }`;

/** GraphQL operations of the approval workflows, as an approver's or applicant's front-end would send them. */
export class WorkflowClient {
  constructor(private readonly t: TestApp) {}

  /** The viewer's inbox: what they may act on now (ASSIGNED), or the open work they supervise (SUBTREE). */
  async inbox(token: string, filter: Record<string, unknown> = {}, scope: 'ASSIGNED' | 'SUBTREE' = 'ASSIGNED') {
    const res = await this.t.gql(
      `query($filter: InboxFilter, $scope: InboxScope) { myTasks(filter: $filter, scope: $scope, first: 100) { totalCount edges { node { ${TASK_FIELDS} } } } }`,
      { filter, scope },
      token,
    );
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.myTasks.edges.map((e: { node: unknown }) => e.node) as any[];
  }

  /** The open task of `instanceId` in this viewer's inbox, once the workers have opened it. */
  taskFor(token: string, instanceId: string, step?: string, scope: 'ASSIGNED' | 'SUBTREE' = 'ASSIGNED') {
    return eventually(async () => {
      const tasks = await this.inbox(token, {}, scope);
      return tasks.find((task) => task.instanceId === instanceId && (!step || task.step === step));
    }, 15000, `task ${step ?? ''} of ${instanceId} in inbox`);
  }

  decide(token: string, taskId: string, action: string, comment?: string, idempotencyKey: string = randomUUID()) {
    return this.t.gql(
      `mutation($taskId: ID!, $action: String!, $comment: String, $key: String!) {
         decide(taskId: $taskId, action: $action, comment: $comment, idempotencyKey: $key) { ${INSTANCE_FIELDS} } }`,
      { taskId, action, comment, key: idempotencyKey },
      token,
    );
  }

  async instance(token: string, id: string) {
    const res = await this.t.gql(`query($id: ID!) { workflowInstance(id: $id) { ${INSTANCE_FIELDS} } }`, { id }, token);
    if (res.errors) throw new Error(JSON.stringify(res.errors));
    return res.data.workflowInstance;
  }

  /** Waits for the instance to reach `state` (system steps and timers run in the workers). */
  reaches(token: string, id: string, state: string, timeoutMs = 15000) {
    return eventually(async () => {
      const instance = await this.instance(token, id);
      return instance.state === state ? instance : undefined;
    }, timeoutMs, `instance ${id} to reach ${state}`);
  }

  /** Waits for the instance to reach one of `states`. */
  reachesAny(token: string, id: string, states: string[], timeoutMs = 20000) {
    return eventually(async () => {
      const instance = await this.instance(token, id);
      return states.includes(instance.state) ? instance : undefined;
    }, timeoutMs, `instance ${id} to reach one of ${states.join(', ')}`);
  }
}
