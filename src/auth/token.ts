import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import { unauthenticated } from '../common/errors';
import { isId } from '../common/ids';

const ISSUER = 'gonghui';
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenSigner {
  /** A key object made once: given raw bytes, jose would import them again on every verification. */
  private readonly key: KeyObject;
  private readonly verified = new Map<string, { accountId: string; expiresAt: number }>();

  constructor(secret: string, private readonly ttlSeconds: number) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  async sign(accountId: string): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(accountId)
      .setIssuer(ISSUER)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.key);
    return { token, expiresAt: new Date((now + this.ttlSeconds) * 1000) };
  }

  /** Returns the account id, or throws UNAUTHENTICATED for a token that is bad, forged or expired. */
  async verify(token: string): Promise<string> {
    return (await this.claims(token)).accountId;
  }

  /** The account id and when the token expires (epoch ms); UNAUTHENTICATED as `verify`. */
  async claims(token: string): Promise<{ accountId: string; expiresAt: number }> {
    const hit = this.verified.get(token);
    if (hit && hit.expiresAt > Date.now()) return hit;
    try {
      const { payload } = await jwtVerify(token, this.key, { issuer: ISSUER, algorithms: ['HS256'] });
      // The subject goes into SQL as a uuid: anything else is a bad token, not a database error.
      if (!payload.sub || !isId(payload.sub)) throw unauthenticated('Token has no valid subject');
      return this.remember(token, payload.sub, (payload.exp ?? 0) * 1000);
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw unauthenticated('Token has expired; sign in again');
      throw unauthenticated('Token is not valid');
    }
  }

  /**
   * A token that verified stays valid until it expires (tokens are not revoked; a disabled account is caught
   * by the viewer lookup), so an approver's stream of requests checks the signature once, not every time.
   */
  private remember(token: string, accountId: string, expiresAt: number) {
    if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    const claims = { accountId, expiresAt };
    this.verified.set(token, claims);
    return claims;
  }
}
