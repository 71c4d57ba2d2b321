import { Pool } from 'undici';
import { DEMO_PASSWORD } from '../../seeds/generator';

export interface GqlAnswer<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
}

/**
 * A keep-alive HTTP client of the GraphQL API, for the scripts that drive load at an API process: undici's pool,
 * lighter than fetch and than node:http, so the load generator takes less of the cores it shares with what it
 * measures.
 */
export class GraphqlClient {
  private readonly pool: Pool;
  private readonly path: string;

  constructor(readonly url: string) {
    const { origin, pathname } = new URL(url);
    this.pool = new Pool(origin, { connections: 64 });
    this.path = pathname;
  }

  async gql<T = any>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlAnswer<T>> {
    const res = await this.pool.request({
      path: this.path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.statusCode, ...((await res.body.json()) as object) };
  }

  /** Waits (20 s at most, or `timeoutMs`) for the API process to answer. */
  async waitUntilServing(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ok = await this.gql('{ __typename }').catch(() => undefined);
      if (ok?.data) return;
      if (Date.now() > deadline) throw new Error(`the API at ${this.url} did not start`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Signs a demo account in (every demo password is the same). */
  async signIn(username: string): Promise<{ token: string; accountId: string }> {
    const res = await this.gql('mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token viewer { accountId } } }', { u: username, p: DEMO_PASSWORD });
    if (!res.data?.login) throw new Error(`login ${username} failed: ${JSON.stringify(res.errors)}`);
    return { token: res.data.login.token, accountId: res.data.login.viewer.accountId };
  }

  close(): void {
    void this.pool.destroy();
  }
}
