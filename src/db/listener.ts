import { Client } from 'pg';
import type { Logger } from '../common/logger';

/** A lost LISTEN connection is retried after 0.25 s, 0.5 s, 1 s … up to this. */
const LISTEN_RETRY_MAX_MS = 5000;

/**
 * One dedicated connection LISTENing on a channel (a pooled one cannot: LISTEN belongs to its session). A
 * connection lost later (PostgreSQL restarted) is replaced with a capped back-off; `onReconnect` runs once it
 * listens again, so the owner can make up for what was sent meanwhile.
 */
export class PgListener {
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly handlers: { onNotify(payload: string | undefined): void; onReconnect?(): void },
    private readonly logger: Logger,
  ) {}

  /** Connects and LISTENs; throws when the first connection fails. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Whether notifications reach this listener now. */
  get listening(): boolean {
    return this.client !== undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.databaseUrl });
    const lost = (error?: Error) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.logger.warn(`${this.channel} listener lost; reconnecting`, { error: error?.message });
      client.end().catch(() => undefined);
      this.reconnectLater();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => this.handlers.onNotify(message.payload));
    try {
      await client.connect();
      await client.query(`listen ${this.channel}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.stopped) return void (await client.end().catch(() => undefined));
    this.client = client;
    this.failures = 0;
  }

  private reconnectLater(): void {
    if (this.stopped || this.timer) return;
    const delay = Math.min(LISTEN_RETRY_MAX_MS, 250 * 2 ** this.failures++);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect().then(
        () => {
          this.logger.info(`${this.channel} listener reconnected`);
          this.handlers.onReconnect?.();
        },
        (error) => {
          this.logger.warn(`${this.channel} listener reconnect failed`, { error: (error as Error).message });
          this.reconnectLater();
        },
      );
    }, delay);
  }
}
