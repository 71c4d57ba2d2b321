import { Organization } from '../../src/organizations/organization.entity';
import { addUnionsWithMembers, buildFederation, Federation, sqlOn, tokenCache } from '../support/fixtures';
import { codeOf, GqlResult, productionEnv, startTestApp, TestApp } from '../support/harness';

const reasonsOf = (res: GqlResult) => (res.errors ?? []).map((e) => e.extensions?.reason);
const aliases = (n: number, field: string) => Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
const nested = (depth: number) => `{ organizations(first: 1) { edges { node { ${'parent { '.repeat(depth - 4)}id${' }'.repeat(depth - 4)} } } } }`;

/** What must never reach a client: stack traces, file paths, SQL. */
const expectNoLeak = (res: GqlResult) => expect(JSON.stringify(res)).not.toMatch(/stacktrace|\bat \w+ \(|node_modules|\.[jt]s:\d+|\bselect\b.*\bfrom\b/i);

describe('limits on a GraphQL operation', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;
  let sql: ReturnType<typeof sqlOn>;

  const rowCounts = () =>
    sql(`select (select count(*) from member) members, (select count(*) from ledger_entry) ledger, (select count(*) from workflow_instance) instances`);

  /**
   * Sends one request as city.approver or another account (whose grants are cached by a warm-up request first) and returns its
   * result with the SQL statements the server sent for it and whether any row count moved.
   */
  async function refusedOrRun(send: (tok: string) => Promise<GqlResult>, username = 'city.approver') {
    const tok = await token(username);
    await t.gql('{ viewer { username } }', {}, tok);
    const before = await rowCounts();
    t.app.services.queryCounter.count = 0;
    const res = await send(tok);
    const statements = t.app.services.queryCounter.count;
    expect(await rowCounts()).toEqual(before);
    return { res, statements };
  }

  const run = (query: string, variables: Record<string, unknown> = {}) => refusedOrRun((tok) => t.gql(query, variables, tok));

  /** Refused at parsing or validation: 400, the stable code and reason, no statement sent, nothing leaked. */
  function expectRefused({ res, statements }: { res: GqlResult; statements: number }, reason: string, code = 'GRAPHQL_VALIDATION_FAILED') {
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors!.every((e) => e.extensions?.code === code)).toBe(true);
    expect(reasonsOf(res)).toContain(reason);
    expect(statements).toBe(0);
    expectNoLeak(res);
  }

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    sql = sqlOn(t);
    const em = t.app.services.orm.em.fork();
    const danfeng = await em.findOneOrFail(Organization, fed.orgs.danfeng.id);
    await addUnionsWithMembers(em, danfeng, { unions: 11, perUnion: 10, namePrefix: '丹凤' });
  });
  afterAll(() => t.close());

  describe('depth', () => {
    it('runs a query 12 levels deep', async () => {
      const { res } = await run(nested(12));
      expect(res.errors).toBeUndefined();
      expect(res.data.organizations.edges).toHaveLength(1);
    });

    it('refuses a query 13 or 50 levels deep as QUERY_TOO_DEEP before any resolver runs', async () => {
      expectRefused(await run(nested(13)), 'QUERY_TOO_DEEP');
      const deep = await run(nested(50));
      expectRefused(deep, 'QUERY_TOO_DEEP');
      expect(deep.res.errors![0].message).toMatch(/depth limit of 12 exceeded, found 50/);
    });

    it('counts depth through fragments', async () => {
      const query = `query { organizations(first: 1) { edges { node { ...Up } } } }
        fragment Up on Organization { parent { parent { parent { parent { parent { parent { parent { parent { parent { id } } } } } } } } } }`;
      expectRefused(await run(query), 'QUERY_TOO_DEEP');
    });
  });

  describe('aliases, directives and tokens', () => {
    it('runs 30 aliases, and refuses 31 as TOO_MANY_ALIASES', async () => {
      const ok = await run(`{ ${aliases(30, 'viewer { username }')} }`);
      expect(ok.res.errors).toBeUndefined();
      expect(ok.res.data.a29.username).toBe('city.approver');
      expectRefused(await run(`{ ${aliases(31, 'viewer { username }')} }`), 'TOO_MANY_ALIASES');
    });

    it('refuses 1,000 aliases already while parsing, as TOO_MANY_TOKENS', async () => {
      expectRefused(await run(`{ ${aliases(1000, 'viewer { username }')} }`), 'TOO_MANY_TOKENS', 'GRAPHQL_PARSE_FAILED');
    });

    it('refuses aliased mutations without writing anything', async () => {
      const credit = `creditFund(input: { fundId: "${fed.funds.danfengAid.id}", amount: 1, reason: "alias" }) { id }`;
      expectRefused(
        await refusedOrRun((tok) => t.gql(`mutation { ${aliases(40, credit)} }`, {}, tok), 'danfeng.finance'),
        'TOO_MANY_ALIASES',
      );
    });

    it('refuses 21 directives as TOO_MANY_DIRECTIVES', async () => {
      const fields = Array.from({ length: 21 }, (_, i) => `f${i}: username @include(if: true)`).join(' ');
      expectRefused(await run(`{ viewer { ${fields} } }`), 'TOO_MANY_DIRECTIVES');
    });

    it('refuses an oversized document of plain fields as TOO_MANY_TOKENS', async () => {
      expectRefused(await run(`{ viewer { ${'username '.repeat(2100)} } }`), 'TOO_MANY_TOKENS', 'GRAPHQL_PARSE_FAILED');
    });
  });

  describe('cost, where a page multiplies what is asked of each row', () => {
    it('runs a page of 100 members with their union, its parent and its funds', async () => {
      const { res } = await run(`{ members(first: 100) { totalCount edges { cursor node {
        id name nationalId phone honours { award }
        organization { name memberCount ancestors { name } parent { name parent { name } } funds { name balance owner { name } } }
      } } } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data.members.edges).toHaveLength(100);
    });

    it('refuses 100 aliases of members(first: 100), which would return 10,000 member rows', async () => {
      const { res, statements } = await run(`{ ${aliases(100, 'members(first: 100) { edges { node { id name phone } } }')} }`);
      expectRefused({ res, statements }, 'QUERY_TOO_COSTLY');
      expect(reasonsOf(res)).toContain('TOO_MANY_ALIASES');
    });

    it('refuses nested pages as QUERY_TOO_COSTLY even without aliases', async () => {
      const query = `{ organizations(first: 100) { edges { node { members(first: 100) { edges { node { id name } } } } } } }`;
      const refused = await run(query);
      expectRefused(refused, 'QUERY_TOO_COSTLY');
      expect(refused.res.errors![0].message).toMatch(/exceeds the limit of 5000/);
    });

    it('costs a page size given by a variable at the largest page, since validation cannot see its value', async () => {
      const query = `query($n: Int) { organizations(first: $n) { edges { node { members(first: $n) { edges { node { id } } } } } } }`;
      expectRefused(await run(query, { n: 2 }), 'QUERY_TOO_COSTLY');
      const withDefault = await run(query.replace('$n: Int', '$n: Int = 5'), { n: 5 });
      expect(withDefault.res.errors).toBeUndefined();
    });

    it('costs the default page of 20 when no size is given', async () => {
      // 20 organisations × 20 members × 6 fields: 2,400 and more, under the limit; with first: 100 it is not.
      const fields = 'id name phone nationalId status gender';
      const { res } = await run(`{ organizations { edges { node { members { edges { node { ${fields} } } } } } } }`);
      expect(res.errors).toBeUndefined();
      expectRefused(await run(`{ organizations(first: 100) { edges { node { members { edges { node { ${fields} } } } } } } }`), 'QUERY_TOO_COSTLY');
    });

    it('costs a fragment at every spread', async () => {
      const spreads = Array.from({ length: 10 }, () => '...Page').join(' ');
      const query = `{ viewer { username } ${aliases(10, `members(first: 100) { ${spreads} }`)} }
        fragment Page on MemberConnection { edges { node { id name phone } } }`;
      expectRefused(await run(query), 'QUERY_TOO_COSTLY');
    });
  });

  describe('batches', () => {
    it('refuses a JSON array of 100 operations as BATCH_NOT_ALLOWED, running none of them', async () => {
      const { res, statements } = await refusedOrRun(async (tok) => {
        const body = JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ members(first: 100) { edges { node { id } } } }' })));
        const http = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, body });
        return { status: http.status, ...((await http.json()) as object) };
      });
      expect(res.status).toBe(400);
      expect(res.errors).toEqual([{ message: expect.stringMatching(/one operation per request/), extensions: { code: 'BAD_REQUEST', reason: 'BATCH_NOT_ALLOWED', requestId: expect.any(String) } }]);
      expect(statements).toBe(0);
    });

    it('refuses even a batch of one', async () => {
      const res = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ query: '{ __typename }' }]) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as GqlResult).errors![0].extensions).toEqual({ code: 'BAD_REQUEST', reason: 'BATCH_NOT_ALLOWED', requestId: expect.any(String) });
    });
  });

  describe('outside production', () => {
    it('answers introspection, which tools need, within the limits', async () => {
      const { getIntrospectionQuery } = await import('graphql');
      const res = await t.gql(getIntrospectionQuery());
      expect(res.errors).toBeUndefined();
      expect(res.data.__schema.queryType.name).toBe('Query');
    });

    it('serves the sandbox page to a browser', async () => {
      const res = await fetch(t.url, { headers: { accept: 'text/html' } });
      expect(await res.text()).toMatch(/<!doctype html/i);
    });

    it('suggests field names', async () => {
      const res = await t.gql('{ membrs { totalCount } }', {}, await token('city.approver'));
      expect(res.errors![0].message).toContain('Did you mean "members"');
    });
  });
});

describe('in production', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: productionEnv() });
    await buildFederation(t.app.services.orm.em.fork());
  });
  afterAll(() => t.close());

  it('refuses introspection', async () => {
    t.app.services.queryCounter.count = 0;
    const res = await t.gql('{ __schema { types { name } } }');
    expect(res.status).toBe(400);
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.data).toBeUndefined();
    expect(JSON.stringify(res)).not.toMatch(/"types"|Query|Member/);
    expect(t.app.services.queryCounter.count).toBe(0);
  });

  it('refuses __type too', async () => {
    const res = await t.gql('{ __type(name: "Member") { fields { name } } }');
    expect(codeOf(res)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(res)).not.toMatch(/nationalId/);
  });

  it('suggests no field, argument, type or enum value names', async () => {
    const token = await t.login('city.approver');
    const cases: [string, Record<string, unknown>][] = [
      ['{ membrs { totalCount } }', {}],
      ['{ members(frist: 1) { totalCount } }', {}],
      ['query($f: MemberFiltr) { members(filter: $f) { totalCount } }', {}],
      ['{ members(filter: { status: ACTIV }) { totalCount } }', {}],
      ['query($f: MemberFilter) { members(filter: $f) { totalCount } }', { f: { status: 'ACTIV' } }],
    ];
    for (const [query, variables] of cases) {
      const res = await t.gql(query, variables, token);
      expect(res.errors).toBeDefined();
      const text = JSON.stringify(res.errors);
      expect(text).not.toMatch(/Did you mean|"members"|"first"|"MemberFilter"|"ACTIVE"/);
    }
  });

  it('serves no sandbox page to a browser', async () => {
    const res = await fetch(t.url, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toMatch(/<html|<!doctype|sandbox|embeddable/i);
  });

  it('keeps the limits', async () => {
    const res = await t.gql(nested(50));
    expect(reasonsOf(res)).toContain('QUERY_TOO_DEEP');
    expect(res.errors![0].message).not.toMatch(/Did you mean/);
  });
});
