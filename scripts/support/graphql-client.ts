import { Agent, request } from 'node:http';
import { DEMO_PASSWORD } from '../../seeds/generator';

export interface GqlAnswer<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; reason?: string } }[];
}

/**
 * A plain keep-alive HTTP client of the GraphQL API, for the scripts that drive load at an API process: lighter
 * than fetch, so the load generator takes less of the cores it shares with what it measures.
 */
export class GraphqlClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly url: string) {}

  gql<T = any>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlAnswer<T>> {
    return new Promise((resolve, reject) => {
      const body = JSON.stringify({ query, variables });
      const req = request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            try {
              resolve({ status: res.statusCode ?? 0, ...JSON.parse(Buffer.concat(chunks).toString('utf8')) });
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
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
    this.agent.destroy();
  }
}
