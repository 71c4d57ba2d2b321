import { performance } from 'node:perf_hooks';
import { NotFoundError } from '@mikro-orm/core';
import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { safeError, type Logger } from '../common/logger';
import { isDatabaseUnavailable } from '../db/availability';
import type { Metrics } from '../ops/metrics';
import type { OutboxRelay } from './outbox';
import { closeRedis, createRedis, WORKFLOW_QUEUE, WorkflowJob, WorkflowJobData, WorkflowJobName } from './queue';
import type { Reconciler } from './reconciler';
import type { WorkflowRunner } from './workflow.runner';

export interface RunningWorkers {
  stop(): Promise<void>;
}

/**
 * A job whose worker died is redelivered when its lock expires; BullMQ fails it instead once that has happened
 * more than this many times (its default is 1, so a job caught by two crashed workers was failed). Handlers are
 * idempotent, so redelivery is always safe; the limit only stops a job that itself kills every worker.
 */
export const MAX_STALLED_COUNT = 10;

/** While PostgreSQL is unreachable a job waits 0.5 s, 1 s, 2 s … up to this, without using up an attempt. */
export const OUTAGE_MAX_DELAY_MS = 5000;

/** The delay before the n-th (1-based) try of a job that found PostgreSQL unreachable: ±20 % jitter, capped. */
export function outageDelayMs(pause: number): number {
  const delay = 500 * 2 ** Math.max(0, pause - 1) * (0.8 + Math.random() * 0.4);
  return Math.round(Math.min(OUTAGE_MAX_DELAY_MS, delay));
}

/** The worker side of a process: the BullMQ consumer and the outbox relay that feeds it. */
export async function startWorkflowWorkers(options: {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  runner: WorkflowRunner;
  relay: OutboxRelay;
  reconciler: Reconciler;
  logger: Logger;
  metrics: Metrics;
}): Promise<RunningWorkers> {
  const { jobDuration, jobFailures } = options.metrics;
  const connection: Redis = createRedis(options.redisUrl);
  const worker = new Worker<WorkflowJobData, void, WorkflowJobName>(
    WORKFLOW_QUEUE,
    async (job, token) => {
      const startedAt = performance.now();
      const took = () => (performance.now() - startedAt) / 1000;
      try {
        await options.runner.handle({ name: job.name, data: job.data } as WorkflowJob);
        jobDuration.observe({ job: job.name, outcome: 'completed' }, took());
      } catch (error) {
        if (isDatabaseUnavailable(error)) {
          // An outage is not the job's fault: put it back without counting an attempt (skipAttempt), so a long
          // outage cannot exhaust its attempts. Every start is counted, every failure is an attempt: the
          // difference is how many times in a row it has found the database down.
          const pause = job.attemptsStarted - job.attemptsMade;
          options.logger.warn('database unavailable; job postponed', { job: job.name, jobId: job.id, pause });
          await job.moveToDelayed(Date.now() + outageDelayMs(pause), token);
          throw new DelayedError();
        }
        jobDuration.observe({ job: job.name, outcome: 'failed' }, took());
        jobFailures.inc({ job: job.name });
        // BullMQ keeps the failure reason in Redis: keep SQL parameters (personal data) out of it.
        const { error: name, sqlState, message } = safeError(error);
        const reason = `${name}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}${message && !sqlState ? `: ${message}` : ''}`;
        // A row that is not there (the subject, the instance) will not be there on the next attempt either.
        throw error instanceof UnrecoverableError || error instanceof NotFoundError ? new UnrecoverableError(reason) : new Error(reason);
      }
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency, maxStalledCount: MAX_STALLED_COUNT },
  );
  worker.on('failed', (job, error) => {
    options.logger.warn('workflow job failed', { job: job?.name, jobId: job?.id, attempt: job?.attemptsMade, ...safeError(error) });
    // Failed for good (attempts used up, unrecoverable, stalled too often): its obligation becomes failed work.
    const final = !job || error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    if (job && final) {
      options.reconciler.recordFailure(job.data.obligationId, error.message).catch((e) => options.logger.warn('could not record failed work', safeError(e)));
    }
  });
  worker.on('error', (error) => options.logger.error('workflow worker error', safeError(error)));
  await worker.waitUntilReady();
  await options.relay.start();
  options.reconciler.start();
  return {
    async stop() {
      await options.reconciler.stop();
      await options.relay.stop();
      // With Redis down a running job could not record its end anyway: close without waiting for it (it is
      // redelivered once its lock expires) rather than block until Redis returns.
      await worker.close(connection.status !== 'ready');
      await closeRedis(connection);
    },
  };
}
