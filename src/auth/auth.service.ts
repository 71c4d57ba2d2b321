import type { EntityManager } from '@mikro-orm/postgresql';
import { unauthenticated } from '../common/errors';
import { ExpiringCache } from '../common/expiring-cache';
import { text } from '../common/validate';
import { Account } from './account.entity';
import { RoleAssignment } from './role-assignment.entity';
import type { Logger } from '../common/logger';
import { usernameDigest, type LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './password';
import { TokenSigner } from './token';
import { Viewer } from './viewer';

export const VIEWER_TTL_MS = 5_000;
export const VIEWER_CACHE_SIZE = 10_000;

export class AuthService {
  private readonly viewers = new ExpiringCache<Viewer>(VIEWER_TTL_MS, VIEWER_CACHE_SIZE);

  /** Compared against when the username is unknown, so a miss costs the same time as a wrong password. */
  private readonly decoyHash = hashPassword('decoy-password-for-timing');

  constructor(
    private readonly tokens: TokenSigner,
    private readonly throttle: LoginThrottle,
    private readonly logger: Logger,
  ) {}

  /** A throttled attempt is refused before the password is looked at, so even the right one is refused then. */
  async login(em: EntityManager, username: string, password: string, clientAddress: string) {
    const name = text(username, 'username', { max: 64 });
    await this.throttle.attempt(name, clientAddress);
    // The username only as its throttle counter's digest (to follow one account's failures); never the password.
    const failed = (reason: string) => {
      this.logger.warn('login failed', { usernameDigest: usernameDigest(name), reason });
      return unauthenticated('Wrong username or password');
    };
    if (password.length > 200) throw failed('password-too-long');
    const account = await em.findOne(Account, { username: name, active: true });
    const ok = await verifyPassword(password, account?.passwordHash ?? (await this.decoyHash));
    if (!account || !ok) throw failed(account ? 'wrong-password' : 'no-such-account');
    await this.throttle.succeeded(name, clientAddress);
    const { token, expiresAt } = await this.tokens.sign(account.id);
    return { token, expiresAt, viewer: await this.viewerFor(em, account.id) };
  }

  /**
   * Verifies the bearer token and loads the account's grants (two statements, when not cached). `em` is asked
   * for only then: a request answered from the caches makes no EntityManager for it.
   */
  async viewerFromToken(em: () => EntityManager, token: string): Promise<Viewer> {
    return this.cachedViewer(em, await this.tokens.verify(token));
  }

  /** When a valid token expires (epoch ms): a subscription's socket is closed then. */
  async tokenExpiry(token: string): Promise<number> {
    return (await this.tokens.claims(token)).expiresAt;
  }

  /**
   * Every request needs its viewer's grants; they are cached for a few seconds per account, so a busy approver
   * costs no lookups per decision. A changed role or a disabled account takes effect within VIEWER_TTL_MS.
   */
  private cachedViewer(em: () => EntityManager, accountId: string): Promise<Viewer> {
    return this.viewers.get(accountId, () => this.viewerFor(em(), accountId));
  }

  async viewerFor(em: EntityManager, accountId: string): Promise<Viewer> {
    const account = await em.findOne(Account, { id: accountId, active: true }, { populate: ['member'] });
    if (!account) throw unauthenticated('Account no longer exists or is disabled');
    const grants = await em.find(RoleAssignment, { account: accountId }, { populate: ['organization'] });
    return new Viewer(
      account.id,
      account.username,
      account.displayName,
      grants.map((g) => ({ role: g.role, organizationId: g.organization.id, path: g.organization.path })),
      account.member
        ? { id: account.member.id, organizationId: account.member.organization.id, orgPath: account.member.orgPath }
        : undefined,
    );
  }
}
