import { ConfigError } from '../config/env';
import type { App } from './bootstrap';

/**
 * Starts an app and runs it until SIGTERM or SIGINT, then stops it: HTTP stops accepting and finishes its
 * requests, workers finish their jobs, the relay stops, the pools close. Exit 0 when that is done within
 * SHUTDOWN_GRACE_MS; exit 1 when the grace runs out first (a dependency is down or a job hangs) or on a
 * second signal — whatever was cut short is a BullMQ job that is redelivered or an outbox lease that expires.
 * A start that fails exits 1 with a readable line.
 */
export async function runUntilSignalled(start: () => Promise<App>): Promise<void> {
  let app: App;
  try {
    app = await start();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
  const { logger, config } = app.services;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn('second signal: exiting without waiting', { signal });
      process.exit(1);
    }
    stopping = true;
    logger.info('shutting down', { signal, graceMs: config.SHUTDOWN_GRACE_MS });
    const started = Date.now();
    setTimeout(() => {
      logger.error('shutdown grace elapsed; exiting with work still open', { graceMs: config.SHUTDOWN_GRACE_MS });
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    void app.stop().then(() => {
      logger.info('stopped', { ms: Date.now() - started });
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
