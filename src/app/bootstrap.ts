import 'reflect-metadata';
import type { DestinationStream } from 'pino';
import { AidService } from '../aid/aid.service';
import { AidSubject } from '../aid/aid.subject';
import { AuthService } from '../auth/auth.service';
import { LoginThrottle } from '../auth/login-throttle';
import { AwardService } from '../awards/award.service';
import { NominationSubject } from '../awards/nomination.subject';
import { NominationRepository } from '../awards/nomination.repository';
import { TokenSigner } from '../auth/token';
import { createLogger, safeError } from '../common/logger';
import type { AppConfig } from '../config/env';
import { createOrm, ensureDatabase, migrate } from '../db/orm';
import { ExpenseService } from '../expenses/expense.service';
import { ExpenseSubject } from '../expenses/expense.subject';
import { FundRepository } from '../funds/fund.repository';
import { FundService } from '../funds/fund.service';
import { MemberRepository } from '../members/member.repository';
import { MemberService } from '../members/member.service';
import { PersonalDataCipher } from '../members/personal-data.cipher';
import { PersonalDataService } from '../members/personal-data.service';
import { OrganizationRepository } from '../organizations/organization.repository';
import { OrganizationService } from '../organizations/organization.service';
import { SubtreeRoots } from '../organizations/subtree-roots';
import { defaultDefinitionsDir, loadWorkflowDefinitions } from '../workflow/definition-registry';
import { IdempotencyStore } from '../idempotency/idempotency.store';
import { EffectRegistry } from '../workflow/effects';
import { SubjectRegistry } from '../workflow/subject.contract';
import { ObligationStore } from '../workflow/obligation.store';
import { OutboxRelay, OutboxWaker } from '../workflow/outbox';
import { EagerEffects } from '../workflow/eager-effects';
import { InstanceRepository } from '../workflow/instance.repository';
import { CommitHooks } from '../db/commit-hooks';
import { Notifier } from '../db/notifier';
import { Reconciler } from '../workflow/reconciler';
import { LivePublisher } from '../live/live.publisher';
import { LiveFeeds } from '../live/live.feeds';
import { LiveHub } from '../live/live.hub';
import { closeRedis, createRedis, createWorkflowQueue, type WorkflowQueue } from '../workflow/queue';
import { WorkflowRunner } from '../workflow/workflow.runner';
import { InboxService } from '../workflow/inbox.service';
import { InboxRepository } from '../workflow/inbox.repository';
import { WorkflowService } from '../workflow/workflow.service';
import { HistoryRepository } from '../workflow/history.repository';
import { RoleAssignmentRepository } from '../auth/role-assignment.repository';
import { DelegationService } from '../delegation/delegation.service';
import { DelegationStore } from '../delegation/delegation.store';
import { WorkflowStore } from '../workflow/workflow.store';
import { RunningWorkers, startWorkflowWorkers } from '../workflow/workflow.workers';
import { Metrics } from '../ops/metrics';
import { metricsPlacement, opsRoutes, startOpsServer } from '../ops/ops.http';
import { queueDashboard } from '../ops/queue-dashboard';
import { Readiness } from '../ops/readiness';
import { startHttpServer, RunningServer } from './http-server';
import { grantApplicationRole } from '../db/roles';
import { ExportService } from '../audit/export.service';
import { AuditService } from '../audit/audit.service';
import { AuditRepository } from '../audit/audit.repository';
import { exportRoutes } from '../audit/export.http';
import { LedgerRepository } from '../funds/ledger.repository';
import type { Services } from './services';

export interface BootOptions {
  /** Serve GraphQL over HTTP. */
  api: boolean;
  /** Run the queue workers and the outbox relay. */
  workers: boolean;
  /** Where log lines go instead of stderr (tests read them). */
  logDestination?: DestinationStream;
}

export interface App {
  services: Services;
  /** What the queue workers call; exposed so tests can deliver a job again by hand. */
  runner: WorkflowRunner;
  /** The effect handlers, by name; exposed so tests can run one again by hand. */
  effects: EffectRegistry;
  /** In a process with workers: the reconciler, so tests can run a pass at a known moment. */
  reconciler?: Reconciler;
  url?: string;
  /** Health, readiness and metrics on METRICS_PORT, when it is set. */
  opsUrl?: string;
  metrics: Metrics;
  stop(): Promise<void>;
}

/** The one start-up path for the API, the workers, the seeders and the tests. */
export async function bootstrap(config: AppConfig, options: BootOptions): Promise<App> {
  const logger = createLogger(
    config.LOG_LEVEL,
    { service: [options.api && 'api', options.workers && 'worker'].filter(Boolean).join('+') },
    options.logDestination,
  );
  // Definitions first: a bad definition must stop the process before it touches anything.
  const definitions = loadWorkflowDefinitions(config.WORKFLOW_DEFINITIONS_DIR ?? defaultDefinitionsDir(), config.WORKFLOW_TIME_SCALE);
  const personalDataCipher = PersonalDataCipher.fromConfig(config);
  // With MIGRATION_DATABASE_URL the owner creates, migrates and grants; the application connects as its own role.
  const ownerUrl = config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL;
  await ensureDatabase(ownerUrl);
  if (config.MIGRATION_DATABASE_URL) {
    const owner = await createOrm({ databaseUrl: ownerUrl, poolMax: 1 });
    try {
      await migrate(owner.orm, ownerUrl, personalDataCipher);
    } finally {
      await owner.orm.close();
    }
    await grantApplicationRole(ownerUrl, config.DATABASE_URL);
  }
  const { orm, queryCounter } = await createOrm({ databaseUrl: config.DATABASE_URL, debugQueries: config.LOG_LEVEL === 'debug' });
  if (!config.MIGRATION_DATABASE_URL) await migrate(orm, config.DATABASE_URL, personalDataCipher);
  if (!config.MIGRATION_DATABASE_URL && config.NODE_ENV === 'production') {
    logger.warn('DATABASE_URL is used for migrations too: the application connects as the database owner, who can edit the history around its guards; set MIGRATION_DATABASE_URL');
  }
  const metrics = new Metrics(logger);
  metrics.watchDatabase(orm);
  const readiness = new Readiness(orm);

  const idempotencyKeys = new IdempotencyStore();
  const organizationRows = new OrganizationRepository();
  const organizations = new OrganizationService(organizationRows);
  const subtreeRoots = new SubtreeRoots(organizationRows);
  const funds = new FundService(idempotencyKeys, new FundRepository(), subtreeRoots);
  const commitHooks = new CommitHooks(orm);
  const notifier = new Notifier(orm, logger);
  const live = new LivePublisher(commitHooks, notifier);
  const waker = new OutboxWaker(commitHooks, notifier, config.OUTBOX_POLL_MS);
  const obligations = new ObligationStore();
  const eagerEffects = new EagerEffects(orm, commitHooks, waker, obligations, config.EAGER_EFFECTS, logger, (outcome) => metrics.eagerEffects.inc({ outcome }));
  const store = new WorkflowStore(idempotencyKeys, waker, live, eagerEffects);
  // Each workflow subject plugs in through its module: its fields, its validation, its effects.
  const aidSubject = new AidSubject(funds);
  const expenseSubject = new ExpenseSubject(funds);
  const nominationRows = new NominationRepository();
  const nominationSubject = new NominationSubject(nominationRows);
  const subjects = new SubjectRegistry().register(aidSubject).register(expenseSubject).register(nominationSubject);
  const history = new HistoryRepository();
  const roleAssignments = new RoleAssignmentRepository();
  // The inbox is told of delegations (the substitute's inbox changes); it is made below, from the workflow.
  const delegations = new DelegationService(new DelegationStore(), roleAssignments, (em, row, granted): Promise<void> => inbox.delegationChanged(em, row, granted));
  const instances = new InstanceRepository();
  const workflow = new WorkflowService(definitions, store, subjects, idempotencyKeys, obligations, history, instances, { delegations, roleAssignments, subtrees: subtreeRoots }, live, (workflow, action) =>
    metrics.decisions.inc({ workflow, action }),
  );
  const inbox: InboxService = new InboxService(new InboxRepository(), definitions, workflow, live, subtreeRoots);
  const aid = new AidService(workflow, aidSubject);
  const expenses = new ExpenseService(workflow, expenseSubject);
  const awards = new AwardService(workflow, nominationSubject, nominationRows);
  const effects = new EffectRegistry();
  for (const [name, handler] of subjects.effects()) effects.register(name, handler);
  effects.assertHandles(definitions.all());
  const runner = new WorkflowRunner(orm, definitions, effects, store, instances, live, logger);
  eagerEffects.attach(runner);
  const loginThrottle = new LoginThrottle(config, logger);
  const liveHub = new LiveHub(orm, config.DATABASE_URL, logger, new InboxRepository());
  const auth = new AuthService(new TokenSigner(config.JWT_SECRET, config.JWT_TTL_SECONDS), loginThrottle, logger);

  const services: Services = {
    config,
    logger,
    orm,
    queryCounter,
    auth,
    organizations,
    members: new MemberService(personalDataCipher, new MemberRepository(), subtreeRoots),
    personalDataCipher,
    personalData: new PersonalDataService(personalDataCipher),
    funds,
    workflow,
    delegations,
    inbox,
    subjects,
    aid,
    expenses,
    awards,
    live: new LiveFeeds(liveHub, { delegations, workflow, auth, orm, logger }),
    audit: new AuditService(new AuditRepository()),
  };

  // The pools close last; just before, the live events of the last commits are sent, and before those, the
  // effects this process took finish (after HTTP and the workers have stopped making more).
  const stops: (() => Promise<void>)[] = [() => orm.close(), () => notifier.flush(), () => eagerEffects.stop()];
  // Last started, first stopped: HTTP drains, then the workers finish their jobs, then the pools close. One
  // failing close does not keep the others open.
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch((error) => logger.error('stop failed', safeError(error)));
  };
  let http: RunningServer | undefined;
  let reconciler: Reconciler | undefined;
  let opsUrl: string | undefined;
  /** The queue, for the relay and the dashboard; made once, by whichever needs it first. */
  let queue: WorkflowQueue | undefined;
  const openQueue = (): WorkflowQueue => {
    if (queue) return queue;
    const connection = createRedis(config.REDIS_URL);
    const opened = (queue = createWorkflowQueue(connection, config.QUEUE_PREFIX, config.JOB_ATTEMPTS));
    stops.push(async () => {
      await opened.close();
      await closeRedis(connection);
    });
    // Logged once per outage: the client reconnects on its own, every second or two.
    let down = false;
    opened.on('error', (error) => {
      if (!down) logger.warn('workflow queue: Redis unavailable', safeError(error));
      down = true;
    });
    connection.on('ready', () => (down = false));
    metrics.watchQueue(opened, connection);
    // A worker is no use without Redis; an API serves without it (the dashboard aside), so only workers wait for it to be ready.
    if (options.workers) readiness.dependOnRedis(connection);
    return opened;
  };
  const placement = metricsPlacement(config);
  try {
    if (options.workers) {
      const queue = openQueue();
      const relay = new OutboxRelay(orm, queue, obligations, config.DATABASE_URL, config.OUTBOX_POLL_MS, logger);
      waker.attach(relay);
      reconciler = new Reconciler(orm, queue, relay, obligations, {
        periodMs: config.RECONCILE_PERIOD_MS,
        graceMs: config.RECONCILE_GRACE_MS,
        retryBackoffMs: config.FAILED_WORK_RETRY_MS,
      }, logger);
      metrics.watchReconciler(reconciler);
      const workers: RunningWorkers = await startWorkflowWorkers({
        redisUrl: config.REDIS_URL,
        prefix: config.QUEUE_PREFIX,
        concurrency: config.WORKER_CONCURRENCY,
        runner,
        relay,
        reconciler,
        logger,
        metrics,
      });
      stops.push(() => workers.stop());
    }
    if (options.api) {
      // Only the API counts failed logins; it starts even when Redis is down (see LoginThrottle).
      await loginThrottle.connect();
      stops.push(async () => loginThrottle.close());
      const dashboard = config.QUEUE_DASHBOARD
        ? queueDashboard({ queue: openQueue(), orm, auth: services.auth, jwtSecret: config.JWT_SECRET, secureCookie: config.NODE_ENV === 'production' })
        : undefined;
      const routes = opsRoutes({ metrics, readiness, serveMetrics: placement === 'api-port', metricsToken: config.METRICS_TOKEN, dashboard });
      // Stopped after HTTP (stops run last first): the sockets are closed by then.
      await liveHub.start();
      stops.push(() => liveHub.stop());
      const exports = new ExportService(workflow, history, funds, new LedgerRepository());
      http = await startHttpServer(services, config.PORT, config.HOST, { routes, metrics }, exportRoutes(services, exports));
      stops.push(() => http!.stop());
    }
    if (config.METRICS_PORT !== undefined) {
      const ops = await startOpsServer(opsRoutes({ metrics, readiness, serveMetrics: true, metricsToken: config.METRICS_TOKEN }), config.METRICS_PORT, config.HOST, logger);
      opsUrl = ops.url;
      stops.push(() => ops.stop());
    } else if (placement === 'none' && options.api) {
      logger.warn('metrics are not served: in production set METRICS_TOKEN or METRICS_PORT');
    }
  } catch (error) {
    await stopAll();
    throw error;
  }

  return { services, runner, effects, reconciler, url: http?.url, opsUrl, metrics, stop: stopAll };
}
