import 'reflect-metadata';
import { AuthService } from '../auth/auth.service';
import { TokenSigner } from '../auth/token';
import { createLogger } from '../common/logger';
import type { AppConfig } from '../config/env';
import { createOrm, ensureDatabase, migrate } from '../db/orm';
import { FundService } from '../funds/fund.service';
import { MemberService } from '../members/member.service';
import { OrganizationService } from '../organizations/organization.service';
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
  url?: string;
  stop(): Promise<void>;
}

/** The one start-up path for the API, the workers, the seeders and the tests. */
export async function bootstrap(config: AppConfig, options: BootOptions): Promise<App> {
  const logger = createLogger(config.LOG_LEVEL, { service: options.api ? 'api' : 'worker' });
  await ensureDatabase(config.DATABASE_URL);
  const { orm, queryCounter } = await createOrm({ databaseUrl: config.DATABASE_URL, debugQueries: config.LOG_LEVEL === 'debug' });
  await migrate(orm, config.DATABASE_URL);

  const organizations = new OrganizationService();
  const services: Services = {
    config,
    logger,
    orm,
    queryCounter,
    auth: new AuthService(new TokenSigner(config.JWT_SECRET, config.JWT_TTL_SECONDS)),
    organizations,
    members: new MemberService(),
    funds: new FundService(organizations),
  };

  let http: RunningServer | undefined;
  try {
    if (options.api) http = await startHttpServer(services, config.PORT, config.HOST);
  } catch (error) {
    await orm.close();
    throw error;
  }

  return {
    services,
    url: http?.url,
    async stop() {
      await http?.stop();
      await orm.close();
    },
  };
}
