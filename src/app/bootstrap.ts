import 'reflect-metadata';
import { AID_SUBJECT, AidService } from '../aid/aid.service';
import { AuthService } from '../auth/auth.service';
import { AwardService, NOMINATION_SUBJECT } from '../awards/award.service';
import { TokenSigner } from '../auth/token';
import { createLogger } from '../common/logger';
import type { AppConfig } from '../config/env';
import { createOrm, ensureDatabase, migrate } from '../db/orm';
import { EXPENSE_SUBJECT, ExpenseService } from '../expenses/expense.service';
import { FundService } from '../funds/fund.service';
import { MemberService } from '../members/member.service';
import { PersonalDataCipher } from '../members/personal-data.cipher';
import { PersonalDataService } from '../members/personal-data.service';
import { OrganizationService } from '../organizations/organization.service';
import { defaultDefinitionsDir, loadWorkflowDefinitions } from '../workflow/definition-registry';
import { EffectRegistry } from '../workflow/effects';
import { OutboxRelay } from '../workflow/outbox';
import { createRedis, createWorkflowQueue } from '../workflow/queue';
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
  const personalDataCipher = PersonalDataCipher.fromConfig(config);
  await migrate(orm, config.DATABASE_URL, personalDataCipher);

  const organizations = new OrganizationService();
  const funds = new FundService(organizations);
  const store = new WorkflowStore();
  const workflow = new WorkflowService(definitions, store);
  const aid = new AidService(workflow, funds);
  workflow.onSubjectChanged(AID_SUBJECT, (em, id, data) => aid.applyChanges(em, id, data));
  const expenses = new ExpenseService(workflow, funds);
  workflow.onSubjectChanged(EXPENSE_SUBJECT, (em, id, data) => expenses.applyChanges(em, id, data));
  const awards = new AwardService(workflow);
  workflow.onSubjectChanged(NOMINATION_SUBJECT, (em, id, data) => awards.applyChanges(em, id, data));
  const effects = new EffectRegistry()
    .register('disburse', aid.disburse)
    .register('book', expenses.book)
    .register('reserveQuota', awards.reserveQuota)
    .register('releaseQuota', awards.releaseQuota)
    .register('recordHonour', awards.recordHonour);
  effects.assertHandles(definitions.all());
  const runner = new WorkflowRunner(orm, definitions, effects, store, logger);

  const services: Services = {
    config,
    logger,
    orm,
    queryCounter,
    auth: new AuthService(new TokenSigner(config.JWT_SECRET, config.JWT_TTL_SECONDS)),
    organizations,
    members: new MemberService(personalDataCipher),
    personalDataCipher,
    personalData: new PersonalDataService(personalDataCipher),
    funds,
    workflow,
    aid,
    expenses,
    awards,
  };

  const stops: (() => Promise<void>)[] = [() => orm.close()];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  let http: RunningServer | undefined;
  try {
    if (options.workers) {
      const queueConnection = createRedis(config.REDIS_URL);
      const queue = createWorkflowQueue(queueConnection, config.QUEUE_PREFIX);
      stops.push(async () => {
        await queue.close();
        await queueConnection.quit().catch(() => undefined);
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
      http = await startHttpServer(services, config.PORT, config.HOST);
      stops.push(() => http!.stop());
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  return { services, runner, url: http?.url, stop: stopAll };
}
