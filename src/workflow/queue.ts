import IORedis, { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { JsonValue } from './core/types';

export const WORKFLOW_QUEUE = 'workflow';

/** What the workers do; job data carries ids only, never personal data. */
export type WorkflowJobName = 'open-task' | 'timer' | 'effect' | 'notify';

export interface WorkflowJobData {
  instanceId: string;
  /** The core's deterministic task id, timer id or effect idempotency key. */
  ref: string;
  /** For timers: which kind fired. */
  kind?: string;
  /** For notifications: step, task, roles and organisation ids — never names or personal data. */
  params?: Record<string, JsonValue>;
}

/** BullMQ refuses ':' in custom ids; the core's ids use it as a separator. */
export const jobIdFor = (name: WorkflowJobName, ref: string) => `${name}.${ref}`.replace(/:/g, '.');

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

export function createWorkflowQueue(connection: Redis, prefix: string) {
  return new Queue<WorkflowJobData, unknown, WorkflowJobName>(WORKFLOW_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: 8,
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
