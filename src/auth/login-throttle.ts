import { createHash } from 'node:crypto';
import IORedis, { type Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { tooManyRequests } from '../common/errors';
import { safeError, type Logger } from '../common/logger';
import type { AppConfig } from '../config/env';

type ThrottleConfig = Pick<
  AppConfig,
  'REDIS_URL' | 'QUEUE_PREFIX' | 'LOGIN_MAX_FAILURES_PER_USERNAME' | 'LOGIN_MAX_FAILURES_PER_ADDRESS' | 'LOGIN_FAILURE_WINDOW_SECONDS'
>;

/** "Admin", "admin " and a decomposed "é" are one account to a guesser, so they share one counter. */
const normalizeUsername = (username: string) => username.normalize('NFC').trim().toLowerCase();

/** Keys hold a digest, never a username or an address: Redis dumps and monitors see no personal data. */
const digest = (value: string) => createHash('sha256').update(value).digest('base64url').slice(0, 22);

const keyPrefix = (queuePrefix: string) => `${queuePrefix}:login-failures`;

/** How a username appears in keys and logs: the digest its failure counter is kept under. */
export const usernameDigest = (username: string) => digest(normalizeUsername(username));

/**
 * Failed logins per username and per client address, counted in Redis so every API process shares them.
 * An attempt takes a point from both counters before the password is checked (atomically, so parallel guesses
 * cannot slip past the limit); a success gives them back. Over either limit the attempt is refused without
 * checking the password. When Redis is unreachable each process counts in memory instead (the library's
 * insurance limiter): throttling stays on, per process, and logins keep working.
 */
export class LoginThrottle {
  /** Exposed for the readiness check. */
  readonly redis: Redis;
  private readonly byUsername: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;
  private redisDown = false;

  constructor(
    config: ThrottleConfig,
    private readonly logger: Logger,
  ) {
    // No offline queue and short timeouts: during an outage a login falls back to memory at once, not after
    // retries, and closing does not wait 2 s (ioredis' default) for a socket the outage already closed.
    this.redis = new IORedis(config.REDIS_URL, {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      commandTimeout: 1000,
      disconnectTimeout: 100,
    });
    this.redis.on('error', (error) => {
      if (this.redisDown) return;
      this.redisDown = true;
      logger.warn('login throttling: Redis unavailable, counting failed logins per process until it is back', safeError(error));
    });
    this.redis.on('ready', () => {
      if (!this.redisDown) return;
      this.redisDown = false;
      logger.info('login throttling: Redis is back');
    });
    const limiter = (name: string, points: number) => {
      const options = { points, duration: config.LOGIN_FAILURE_WINDOW_SECONDS, keyPrefix: `${keyPrefix(config.QUEUE_PREFIX)}:${name}` };
      return new RateLimiterRedis({
        ...options,
        storeClient: this.redis,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory(options),
      });
    };
    this.byUsername = limiter('username', config.LOGIN_MAX_FAILURES_PER_USERNAME);
    this.byAddress = limiter('address', config.LOGIN_MAX_FAILURES_PER_ADDRESS);
  }

  /** Connects to Redis; if it is down the API starts anyway and the client keeps reconnecting. */
  async connect(): Promise<void> {
    await this.redis.connect().catch(() => undefined);
  }

  close(): void {
    this.redis.disconnect();
  }

  /** Counts an attempt as failed until `succeeded` says otherwise; TOO_MANY_REQUESTS when over either limit. */
  async attempt(username: string, clientAddress: string): Promise<void> {
    const counters = this.countersFor(username, clientAddress);
    const results = await Promise.allSettled(counters.map(({ limiter, key }) => limiter.consume(key)));
    const refused = results.flatMap((result, i) => {
      if (result.status === 'fulfilled') return [];
      if (!(result.reason instanceof RateLimiterRes)) throw result.reason;
      return [{ ...counters[i], res: result.reason }];
    });
    if (refused.length === 0) return;
    // Logged when a counter first crosses its limit, not on every refusal, so an attack does not flood the log.
    const crossed = refused.filter(({ limiter, res }) => res.consumedPoints === limiter.points + 1).map(({ name }) => name);
    if (crossed.length) this.logger.warn('login throttled', { by: crossed });
    const retryAfterMs = Math.max(...refused.map(({ res }) => res.msBeforeNext));
    throw tooManyRequests('Too many failed sign-ins; try again later', 'LOGIN_THROTTLED', Math.ceil(retryAfterMs / 1000));
  }

  /** A correct password clears the username's failures and gives the address its point back. */
  async succeeded(username: string, clientAddress: string): Promise<void> {
    const [byUsername, byAddress] = this.countersFor(username, clientAddress);
    await Promise.all([byUsername.limiter.delete(byUsername.key), byAddress.limiter.reward(byAddress.key)]);
  }

  private countersFor(username: string, clientAddress: string) {
    return [
      { name: 'username', limiter: this.byUsername, key: usernameDigest(username) },
      { name: 'address', limiter: this.byAddress, key: digest(clientAddress) },
    ] as const;
  }
}

/** Deletes every login-failure counter under `queuePrefix`: for tests, which share one Redis. */
export async function clearLoginFailures(redisUrl: string, queuePrefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${keyPrefix(queuePrefix)}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
