import 'reflect-metadata';
import { bootstrap } from './app/bootstrap';
import { runUntilSignalled } from './app/process';
import { loadConfig } from './config/env';

/** A worker process: queue consumers and the outbox relay, no HTTP. Run as many as the load needs. */
void runUntilSignalled(async () => {
  const app = await bootstrap(loadConfig(), { api: false, workers: true });
  app.services.logger.info('workers running');
  return app;
});
