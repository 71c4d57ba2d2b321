import 'reflect-metadata';
import { AidService } from '../aid/aid.service';
import { AidSubject } from '../aid/aid.subject';
import { AuthService } from '../auth/auth.service';
import { LoginThrottle } from '../auth/login-throttle';
import { AwardService } from '../awards/award.service';
import { NominationSubject } from '../awards/nomination.subject';
import { TokenSigner } from '../auth/token';
import { createLogger, safeError } from '../common/logger';
import type { AppConfig } from '../config/env';
import { createOrm, ensureDatabase, migrate } from '../db/orm';
import { ExpenseService } from '../expenses/expense.service';
import { ExpenseSubject } from '../expenses/expense.subject';
import { FundService } from '../funds/fund.service';
import { MemberService } from '../members/member.service';
import { OrganizationService } from '../organizations/organization.service';
import { defaultDefinitionsDir, loadWorkflowDefinitions } from '../workflow/definition-registry';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { EffectRegistry } from '../workflow/effects';
import { SubjectRegistry } from '../workflow/subject.contract';
import { OutboxRelay } from '../workflow/outbox';
import { closeRedis, createRedis, createWorkflowQueue } from '../workflow/queue';
import { WorkflowRunner } from '../workflow/workflow.runner';
import { WorkflowService } from '../workflow/workflow.service';
import { WorkflowStore } from '../workflow/workflow.store';
import { RunningWorkers, startWorkflowWorkers } from '../workflow/workflow.workers';
import { startHttpServer, RunningServer } from './http-server';
import type { Services } from './services';

export interface BootOptions {
  /** Serve GraphQL over HTTP. */
  api: boolean;
  /** Run the queue workers and the outbox relay. */
  workers: boolean;
}

export interface App {
  services: Services;
  /** What the queue workers call; exposed so tests can deliver a job again by hand. */
  runner: WorkflowRunner;
  /** The effect handlers, by name; exposed so tests can run one again by hand. */
  effects: EffectRegistry;
  url?: string;
  stop(): Promise<void>;
}

/** The one start-up path for the API, the workers, the seeders and the tests. */
export async function bootstrap(config: AppConfig, options: BootOptions): Promise<App> {
  const logger = createLogger(config.LOG_LEVEL, { service: [options.api && 'api', options.workers && 'worker'].filter(Boolean).join('+') });
  // Definitions first: a bad definition must stop the process before it touches anything.
  const definitions = loadWorkflowDefinitions(config.WORKFLOW_DEFINITIONS_DIR ?? defaultDefinitionsDir(), config.WORKFLOW_TIME_SCALE);
  await ensureDatabase(config.DATABASE_URL);
  const { orm, queryCounter } = await createOrm({ databaseUrl: config.DATABASE_URL, debugQueries: config.LOG_LEVEL === 'debug' });
  await migrate(orm, config.DATABASE_URL);

  const idempotencyKeys = new IdempotencyStore();
  const organizations = new OrganizationService();
  const funds = new FundService(idempotencyKeys);
  const store = new WorkflowStore(idempotencyKeys);
  // Each workflow subject plugs in through its module: its fields, its validation, its effects.
  const aidSubject = new AidSubject(funds);
  const expenseSubject = new ExpenseSubject(funds);
  const nominationSubject = new NominationSubject();
  const subjects = new SubjectRegistry().register(aidSubject).register(expenseSubject).register(nominationSubject);
  const workflow = new WorkflowService(definitions, store, subjects, idempotencyKeys);
  const aid = new AidService(workflow, aidSubject);
  const expenses = new ExpenseService(workflow, expenseSubject);
  const awards = new AwardService(workflow, nominationSubject);
  const effects = new EffectRegistry();
  for (const [name, handler] of subjects.effects()) effects.register(name, handler);
  effects.assertHandles(definitions.all());
  const runner = new WorkflowRunner(orm, definitions, effects, store, logger);
  const loginThrottle = new LoginThrottle(config, logger);

  const services: Services = {
    config,
    logger,
    orm,
    queryCounter,
    auth: new AuthService(new TokenSigner(config.JWT_SECRET, config.JWT_TTL_SECONDS), loginThrottle),
    organizations,
    members: new MemberService(),
    funds,
    workflow,
    aid,
    expenses,
    awards,
  };

  const stops: (() => Promise<void>)[] = [() => orm.close()];
  // Last started, first stopped: HTTP drains, then the workers finish their jobs, then the pools close. One
  // failing close does not keep the others open.
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => logger.error('stop failed', safeError(error)));
  };
  let http: RunningServer | undefined;
  try {
    if (options.workers) {
      const queueConnection = createRedis(config.REDIS_URL);
      const queue = createWorkflowQueue(queueConnection, config.QUEUE_PREFIX);
      stops.push(async () => {
        await queue.close();
        await closeRedis(queueConnection);
      });
      const relay = new OutboxRelay(orm, queue, config.DATABASE_URL, config.OUTBOX_POLL_MS, logger);
      const workers: RunningWorkers = await startWorkflowWorkers({
        redisUrl: config.REDIS_URL,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        runner,
        relay,
        logger,
      });
      stops.push(() => workers.stop());
    }
    if (options.api) {
      // Only the API counts failed logins; it starts even when Redis is down (see LoginThrottle).
      await loginThrottle.connect();
      stops.push(async () => loginThrottle.close());
      http = await startHttpServer(services, config.PORT, config.HOST);
      stops.push(() => http!.stop());
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  return { services, runner, effects, url: http?.url, stop: stopAll };
}
