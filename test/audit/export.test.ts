import { get as httpGet, type IncomingMessage } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildFederation, Federation, sqlOn } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { instance { id } } }`;
const BOM = '\uFEFF';

describe('CSV exports for reviewers', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  let sql: ReturnType<typeof sqlOn>;
  let paidId: string;
  let shangnanId: string;
  const tokens: Record<string, string> = {};

  const get = (path: string, token?: string) => fetch(new URL(path, t.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  /** The CSV as text (BOM kept) and its records, split on lines: no exported value here holds a newline. */
  const csv = async (path: string, token: string) => {
    const res = await get(path, token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
    const [header, ...rows] = text.replace(/\n$/, '').split('\n');
    return { text, header, rows };
  };
  const refusal = async (path: string, token?: string) => {
    const res = await get(path, token);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as any;
    return { status: res.status, code: body.errors[0].extensions.code, reason: body.errors[0].extensions.reason };
  };

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    sql = sqlOn(t);
    for (const name of ['wang', 'longfeng.approver', 'danfeng.approver', 'danfeng.auditor', 'shangnan.approver', 'admin']) tokens[name] = await t.login(name);
    const applied = await t.gql(APPLY, { input: { aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount: 200_000, reason: '家中突发重病' } }, tokens.wang);
    paidId = applied.data.applyForAid.instance.id;
    const verify = await wf.taskFor(tokens['longfeng.approver'], paidId, 'GRASSROOTS_VERIFY');
    // A comment a spreadsheet would run as a formula, with a phone number and a national id in it.
    await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', '=HYPERLINK("http://evil.example","核实") 联系13800138000 身份证612501199001011234');
    const review = await wf.taskFor(tokens['danfeng.approver'], paidId, 'COUNTY_REVIEW');
    await wf.decide(tokens['danfeng.approver'], review.id, 'approve', '同意，"按规定"发放');
    await wf.reaches(tokens.wang, paidId, 'PAID');
    const elsewhere = await t.gql(APPLY, { input: { memberId: fed.members.chen.id, aidType: 'HARDSHIP', fundId: fed.funds.cityAid.id, amount: 100_000, reason: '茶园受灾' } }, tokens['shangnan.approver']);
    expect(elsewhere.errors).toBeUndefined();
    shangnanId = elsewhere.data.applyForAid.instance.id;
  }, 180000);
  afterAll(() => t.close());

  it('streams the approval history with a UTF-8 BOM and zh-CN headings', async () => {
    const { text, header, rows } = await csv(`/export/approval-history.csv?instanceId=${paidId}`, tokens['danfeng.auditor']);
    expect(text.startsWith(BOM)).toBe(true);
    expect(header).toBe(`${BOM}记录号,时间（北京时间）,流程,流程版本,业务类型,流程实例,序号,操作,状态变更,原状态,新状态,操作人,操作人账号,所属组织,角色,身份,被代理人,意见,修改内容,哈希`);
    // Newest first: paid by the system, the two approvals by name, the filing.
    expect(rows.map((r) => r.split(',')[7])).toEqual(['disburse:ok', 'approve', 'approve', 'start']);
    expect(rows[0]).toContain('系统（effect:disburse:ok）');
    expect(rows[1]).toContain(',danfeng.approver,');
    expect(rows[1]).toContain(',丹凤县总工会,APPROVER,assignee,');
    expect(rows[3]).toMatch(/^\d+,\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},aid-application,1,AID_APPLICATION,/);
  });

  it('escapes formulas and quotes, and masks phones and national ids in comments', async () => {
    const { text } = await csv(`/export/approval-history.csv?instanceId=${paidId}`, tokens['danfeng.auditor']);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""核实"") 联系138****8000 身份证612501********1234"`);
    expect(text).toContain('"同意，""按规定""发放"');
    expect(text).not.toContain('13800138000');
    expect(text).not.toContain('612501199001011234');
  });

  it('covers the auditor’s subtree only; an administrator above sees both counties', async () => {
    const county = await csv('/export/approval-history.csv', tokens['danfeng.auditor']);
    const all = await csv('/export/approval-history.csv', tokens.admin);
    const instancesIn = (rows: string[]) => new Set(rows.map((r) => r.split(',')[5]));
    expect(instancesIn(county.rows)).toEqual(new Set([paidId]));
    expect(instancesIn(all.rows)).toEqual(new Set([paidId, shangnanId]));
    const filtered = await csv(`/export/approval-history.csv?action=approve&actorAccountId=${fed.accounts.danfengApprover.id}`, tokens.admin);
    expect(filtered.rows).toHaveLength(1);
  });

  it('refuses with a stable code and status: no token, not a reviewer, bad filters, another subtree', async () => {
    expect(await refusal('/export/approval-history.csv')).toEqual({ status: 401, code: 'UNAUTHENTICATED', reason: undefined });
    expect(await refusal('/export/approval-history.csv', 'not-a-token')).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    expect(await refusal('/export/approval-history.csv', tokens['danfeng.approver'])).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await refusal('/export/approval-history.csv?colour=red', tokens['danfeng.auditor'])).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: 'UNKNOWN_FILTER' });
    expect(await refusal('/export/approval-history.csv?from=yesterday', tokens['danfeng.auditor'])).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: 'BAD_DATE' });
    expect(await refusal('/export/approval-history.csv?from=2026-12-02&to=2026-12-01', tokens['danfeng.auditor'])).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: 'BAD_RANGE' });
    expect(await refusal('/export/approval-history.csv?instanceId=x', tokens['danfeng.auditor'])).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: 'MALFORMED_ID' });
    expect(await refusal('/export/approval-history.csv?action=a&action=b', tokens['danfeng.auditor'])).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: 'DUPLICATE_FILTER' });
    // An instance outside the subtree filters to nothing rather than leaking that it exists.
    expect((await csv(`/export/approval-history.csv?instanceId=${shangnanId}`, tokens['danfeng.auditor'])).rows).toEqual([]);
    expect(await refusal(`/export/fund-ledger.csv?fundId=${fed.funds.cityAid.id}`, tokens['danfeng.auditor'])).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(await refusal('/export/fund-ledger.csv', tokens['danfeng.auditor'])).toEqual({ status: 400, code: 'BAD_USER_INPUT', reason: 'REQUIRED' });
  });

  it('exports a fund’s ledger in yuan, newest first, with the booker and each link’s hash', async () => {
    const { header, rows } = await csv(`/export/fund-ledger.csv?fundId=${fed.funds.danfengAid.id}`, tokens['danfeng.auditor']);
    expect(header).toBe(`${BOM}序号,时间（北京时间）,金额（元）,余额（元）,摘要,业务参考号,经办人,哈希`);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^\\d+,[\\d: -]+,-2000\\.00,798000\\.00,.*,workflow:${paidId}:\\d+:disburse,.*,[0-9a-f]{64}$`));
    expect(rows[1]).toMatch(/,800000\.00,800000\.00,/);
  });

  // 100,000 rows take minutes here (the collector is forced before every sample); the suite streams 20,000, and
  // EXPORT_TEST_ROWS=100000 runs the full size.
  const ROWS = Number(process.env.EXPORT_TEST_ROWS ?? 20_000);

  it(`streams ${ROWS.toLocaleString('en')} rows in constant memory (RSS growth under 50 MB)`, async () => {
    const started = Date.now();
    const [{ seq, path }] = await sql<{ seq: number; path: string }>('select seq, subject_org_path as path from workflow_instance where id = ?', [paidId]);
    await sql(
      `insert into workflow_history (instance_id, seq, definition_key, definition_version, at, from_state, to_state, action, actor_account_id,
         actor_org_id, acting_as, comment, round, cause, subject_org_path, transition, actor_role)
       select ?, ?, 'aid-application', 1, now(), 'PAID', 'PAID', 'urge', ?, ?, 'assignee', '请尽快处理 ' || n, 1, '{"type":"record"}', ?, false, 'APPROVER'
         from generate_series(1, ?::int) n`,
      [paidId, seq, fed.accounts.danfengApprover.id, fed.orgs.danfeng.id, path, ROWS],
    );
    console.info(`inserted ${ROWS} history rows in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // The server runs in this process. Garbage is collected before each sample, so RSS shows what is kept
    // (a buffered export would be), not what the collector has yet to free.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      gc();
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 1000);
    const exported = Date.now();
    // node:http rather than fetch, so the client reads with backpressure and buffers nothing ahead.
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      httpGet(new URL('/export/approval-history.csv?action=urge', t.url), { headers: { authorization: `Bearer ${tokens['danfeng.auditor']}` } }, resolve).on('error', reject),
    );
    expect(res.statusCode).toBe(200);
    let lines = 0;
    let bytes = 0;
    for await (const buffer of res as AsyncIterable<Buffer>) {
      bytes += buffer.length;
      for (let at = buffer.indexOf(0x0a); at !== -1; at = buffer.indexOf(0x0a, at + 1)) lines++;
    }
    clearInterval(sampler);
    gc();
    peak = Math.max(peak, process.memoryUsage().rss);
    const growthMb = (peak - before) / 2 ** 20;
    console.info(`${ROWS} rows in ${((Date.now() - exported) / 1000).toFixed(1)} s: ${(bytes / 2 ** 20).toFixed(1)} MB of CSV, RSS ${(before / 2 ** 20).toFixed(0)} MB → peak ${(peak / 2 ** 20).toFixed(0)} MB (+${growthMb.toFixed(1)} MB)`);
    expect(lines).toBe(ROWS + 1);
    expect(growthMb).toBeLessThan(50);
    // The chain still verifies with the acts appended.
    const integrity = await t.gql(`query($id: ID!) { workflowInstance(id: $id) { integrity { intact } } }`, { id: paidId }, tokens['danfeng.auditor']);
    expect(integrity.data.workflowInstance.integrity.intact).toBe(true);
  }, 400000);
});
