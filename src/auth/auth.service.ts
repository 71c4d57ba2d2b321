import type { EntityManager } from '@mikro-orm/postgresql';
import { unauthenticated } from '../common/errors';
import { text } from '../common/validate';
import { Account } from './account.entity';
import { RoleAssignment } from './role-assignment.entity';
import { hashPassword, verifyPassword } from './password';
import { TokenSigner } from './token';
import { Viewer } from './viewer';

export class AuthService {
  /** Compared against when the username is unknown, so a miss costs the same time as a wrong password. */
  private readonly decoyHash = hashPassword('decoy-password-for-timing');

  constructor(private readonly tokens: TokenSigner) {}

  async login(em: EntityManager, username: string, password: string) {
    const name = text(username, 'username', { max: 64 });
    if (password.length > 200) throw unauthenticated('Wrong username or password');
    const account = await em.findOne(Account, { username: name, active: true });
    const ok = await verifyPassword(password, account?.passwordHash ?? (await this.decoyHash));
    if (!account || !ok) throw unauthenticated('Wrong username or password');
    const { token, expiresAt } = await this.tokens.sign(account.id);
    return { token, expiresAt, viewer: await this.viewerFor(em, account.id) };
  }

  /** Verifies the bearer token and loads the account's grants (two statements). */
  async viewerFromToken(em: EntityManager, token: string): Promise<Viewer> {
    return this.viewerFor(em, await this.tokens.verify(token));
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
