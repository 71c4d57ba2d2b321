import { ConfigError } from '../config/env';
import type { App } from './bootstrap';

/** Starts an app, stops it cleanly on SIGINT/SIGTERM, and exits non-zero with a readable line if start fails. */
export async function runUntilSignalled(start: () => Promise<App>): Promise<void> {
  let app: App;
  try {
    app = await start();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await app.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
