import 'reflect-metadata';
import { bootstrap } from './app/bootstrap';
import { runUntilSignalled } from './app/process';
import { loadConfig } from './config/env';

/** The API process; with --with-workers it also runs the workers (the quick start's single process). */
void runUntilSignalled(async () => {
  const config = loadConfig();
  const app = await bootstrap(config, { api: true, workers: process.argv.includes('--with-workers') });
  app.services.logger.info('GraphQL API listening', { url: app.url });
  return app;
});
