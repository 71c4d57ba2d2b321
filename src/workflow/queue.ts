import IORedis, { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { JsonValue, TimerKind } from './core/types';

export const WORKFLOW_QUEUE = 'workflow';

/**
 * Every job the workers run, by name, with its payload: the one catalog. `ref` is the core's deterministic task
 * id, timer id or effect idempotency key. Payloads carry ids only, never personal data.
 */
export interface WorkflowJobs {
  'open-task': { instanceId: string; ref: string };
  timer: { instanceId: string; ref: string; kind: TimerKind };
  effect: { instanceId: string; ref: string };
  /** A reminder or overdue notice: step, task, roles and organisation ids — never names or personal data. */
  notify: { instanceId: string; ref: string; params: Record<string, JsonValue> };
}

export type WorkflowJobName = keyof WorkflowJobs;

/** What BullMQ carries: the payload, and the outbox row (the obligation) its handler fulfils. */
export type WorkflowJobData<N extends WorkflowJobName = WorkflowJobName> = WorkflowJobs[N] & { obligationId?: string };

/** One job as the workers receive it, its payload typed by its name. */
export type WorkflowJob = { [N in WorkflowJobName]: { name: N; data: WorkflowJobData<N> } }[WorkflowJobName];

/** BullMQ refuses ':' in custom ids; the core's ids use it as a separator. */
export const jobIdFor = (name: WorkflowJobName, ref: string) => `${name}.${ref}`.replace(/:/g, '.');

/** The BullMQ id of an obligation's job: its deterministic id, and after each retry of failed work a new one. */
export const bullJobId = (jobId: string, generation: number) => (generation ? `${jobId}.g${generation}` : jobId);


/** Workers block on Redis, so their connection must never give up on a command. */
export function createRedis(url: string): Redis {
  return new IORedis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/**
 * Closes a connection without waiting on a Redis that is down: QUIT would sit in the offline queue behind
 * the commands already waiting there, until Redis returned.
 */
export async function closeRedis(connection: Redis): Promise<void> {
  if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
  else connection.disconnect();
}

/** `attempts`: how often BullMQ tries a job before it fails for good and its obligation becomes failed work. */
export function createWorkflowQueue(connection: Redis, prefix: string, attempts = 8) {
  return new Queue<WorkflowJobData, unknown, WorkflowJobName>(WORKFLOW_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: 'exponential', delay: 200 },
      // Done jobs are dropped at once: every handler is idempotent, so nothing relies on finding them again.
      removeOnComplete: true,
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  });
}

export type WorkflowQueue = ReturnType<typeof createWorkflowQueue>;

/** Deletes every key of the workflow queue under `prefix`: for benchmarks and tests that made their own. */
export async function obliterateWorkflowQueue(redisUrl: string, prefix: string): Promise<void> {
  const connection = createRedis(redisUrl);
  const queue = createWorkflowQueue(connection, prefix);
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
    await closeRedis(connection);
  }
}
