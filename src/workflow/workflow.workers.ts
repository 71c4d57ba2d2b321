import { performance } from 'node:perf_hooks';
import { NotFoundError } from '@mikro-orm/core';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { safeError, type Logger } from '../common/logger';
import type { Metrics } from '../ops/metrics';
import type { OutboxRelay } from './outbox';
import { createRedis, WORKFLOW_QUEUE, WorkflowJob, WorkflowJobData, WorkflowJobName } from './queue';
import type { Reconciler } from './reconciler';
import type { WorkflowRunner } from './workflow.runner';

export interface RunningWorkers {
  stop(): Promise<void>;
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
    async (job) => {
      const startedAt = performance.now();
      const took = () => (performance.now() - startedAt) / 1000;
      try {
        await options.runner.handle({ name: job.name, data: job.data } as WorkflowJob);
        jobDuration.observe({ job: job.name, outcome: 'completed' }, took());
      } catch (error) {
        jobDuration.observe({ job: job.name, outcome: 'failed' }, took());
        jobFailures.inc({ job: job.name });
        // BullMQ keeps the failure reason in Redis: keep SQL parameters (personal data) out of it.
        const { error: name, sqlState, message } = safeError(error);
        const reason = `${name}${sqlState ? ` (SQLSTATE ${sqlState})` : ''}${message && !sqlState ? `: ${message}` : ''}`;
        // A row that is not there (the subject, the instance) will not be there on the next attempt either.
        throw error instanceof UnrecoverableError || error instanceof NotFoundError ? new UnrecoverableError(reason) : new Error(reason);
      }
    },
    { connection, prefix: options.prefix, concurrency: options.concurrency },
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
      await worker.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
