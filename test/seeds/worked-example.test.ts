import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PASSWORD, generate } from '../../seeds/generator';
import { DEFAULT_SEED, seedDatabase } from '../../seeds/run';
import { codeOf, type GqlResult, startTestApp, type TestApp } from '../support/harness';
import { eventually } from '../support/workflow';

/** The GraphQL operations of the README's worked example, in order, exactly as written there. */
function workedExample(): string[] {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf("### A worked example: one aid application's journey"));
  const body = section.slice(0, section.indexOf('\n## '));
  return [...body.matchAll(/```graphql\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').map((l) => l.trim()).filter(Boolean));
}

/** The demo's staff accounts, as seeds/README.md names them: every one has work waiting on first login. */
const STAFF = [
  'province.approver', 'city.approver', 'city.finance', 'city.auditor', 'city.auditor2', 'city.auditor3', 'city.auditor4',
  ...['shangzhou', 'luonan', 'danfeng', 'shangnan', 'shanyang', 'zhenan', 'zhashui', 'longfengqiao', 'express', 'muer'].flatMap((p) =>
    ['approver', 'finance', 'auditor'].map((r) => `${p}.${r}`),
  ),
];

describe('the demo data and the README worked example', () => {
  let t: TestApp;
  const ops = workedExample();

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    await seedDatabase(t.databaseUrl, 'demo', DEFAULT_SEED, { cipher: t.app.services.personalDataCipher, app: t.app.services.config });
  }, 120_000);
  afterAll(() => t?.close());

  const login = (username: string) => t.login(username, DEMO_PASSWORD);
  /** The next README operation with its placeholders filled in; fails on any GraphQL error. */
  const run = async (token: string, fill: Record<string, string>): Promise<GqlResult['data']> => {
    const op = ops.shift()!.replace(/<([^>]+)>/g, (_, name: string) => (name === 'a fresh uuid' ? randomUUID() : fill[name] ?? `<${name}>`));
    expect(op).not.toMatch(/<[^>]+>/);
    const res = await t.gql(op, {}, token);
    expect(res.errors).toBeUndefined();
    return res.data;
  };
  const taskOf = (data: any, instanceId: string): string => data.myTasks.edges.find((e: any) => e.node.instance.id === instanceId).node.id;

  it('gives every demo approver, finance officer and auditor tasks on first login', async () => {
    const empty: string[] = [];
    for (const username of STAFF) {
      const res = await t.gql('query { myTasks(first: 1) { totalCount } }', {}, await login(username));
      expect(codeOf(res)).toBeUndefined();
      if (!(res.data.myTasks.totalCount >= 1)) empty.push(username);
    }
    expect(empty).toEqual([]);
    // The applicants have theirs too: a returned application, an expense sent back for correction.
    const returned = await t.gql('query { myTasks(first: 5) { edges { node { step } } } }', {}, await login('member6'));
    expect(returned.data.myTasks.edges.map((e: any) => e.node.step)).toContain('RETURNED');
  });

  it('runs the worked example verbatim, with real workers, through to PAID', async () => {
    expect(ops).toHaveLength(11);
    const member = await login('member4');
    const me = await run(member, {});
    const demo = generate('demo', DEFAULT_SEED);
    expect(me.viewer.displayName).toBe(demo.members.find((m) => m.id === demo.accounts.find((a) => a.username === 'member4')!.memberId)!.name);
    const fundName = '商洛市总工会困难职工帮扶资金';
    const fundId: string = me.funds.edges.find((e: any) => e.node.name === fundName).node.id;
    const fill: Record<string, string> = { [fundName]: fundId };

    const applied = await run(member, fill);
    expect(applied.applyForAid.instance.state).toBe('GRASSROOTS_VERIFY');
    const instanceId: string = applied.applyForAid.instance.id;
    fill.instance = instanceId;

    const union = await login('longfengqiao.approver');
    const verify = await eventually(async () => {
      const inbox = await t.gql(ops[0]!, {}, union);
      return inbox.data.myTasks.edges.some((e: any) => e.node.instance.id === instanceId) && inbox;
    });
    expect(verify.data.myTasks.totalCount).toBeGreaterThan(1);
    fill.task = taskOf(await run(union, fill), instanceId);
    expect((await run(union, fill)).decide.state).toBe('COUNTY_REVIEW');

    const county = await login('danfeng.approver');
    await eventually(async () => (await t.gql(ops[0]!, {}, county)).data.myTasks.edges.some((e: any) => e.node.instance.id === instanceId));
    fill.task = taskOf(await run(county, fill), instanceId);
    expect((await run(county, fill)).claimTask.id).toBe(fill.task);
    expect((await run(county, fill)).decide.state).toBe('CITY_APPROVAL');

    const city = await login('city.approver');
    await eventually(async () => (await t.gql(ops[0]!, {}, city)).data.myTasks.edges.some((e: any) => e.node.instance.id === instanceId));
    fill.task = taskOf(await run(city, fill), instanceId);
    expect((await run(city, fill)).decide.state).toBe('DISBURSE');

    const instanceQuery = ops.shift()!.replace('<instance>', instanceId);
    const paid = await eventually(async () => {
      const res = await t.gql(instanceQuery, {}, city);
      return res.data?.workflowInstance.state === 'PAID' && res.data.workflowInstance;
    });
    expect(paid.outcome).toBe('PAID');
    const fund = await run(city, fill);
    expect(fund.fund.ledger.edges[0].node).toMatchObject({ amount: -800000, reference: expect.stringMatching(new RegExp(`^workflow:${instanceId}:\\d+:disburse$`)) });
    expect(ops).toEqual([]);
  }, 60_000);
});
