import { createHash, randomUUID } from 'node:crypto';
import { addCommittees, buildFederation, Federation, sqlOn } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const EXPENSE_FIELDS = `id amount category description attachments { fileName contentType sizeBytes sha256 } submitter { displayName organization { name } }
  fund { id } organization { id } ledgerEntry { amount reference }
  instance { id state status outcome round seq history { seq fromState toState action comment round actingAs } }`;
const SUBMIT = `mutation($input: SubmitExpenseInput!) { submitExpense(input: $input) { ${EXPENSE_FIELDS} } }`;
const RESUBMIT = `mutation($id: ID!, $comment: String, $changes: JSONObject) { resubmit(instanceId: $id, comment: $comment, changes: $changes) { state round seq } }`;

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const attachment = (name: string) => ({ fileName: name, contentType: 'application/pdf', sizeBytes: 48_213, sha256: sha(name) });

describe('expense review', () => {
  let t: TestApp;
  let fed: Federation;
  let extra: Awaited<ReturnType<typeof addCommittees>>;
  let wf: WorkflowClient;
  let sql: ReturnType<typeof sqlOn>;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    extra = await addCommittees(t.app.services.orm.em.fork(), fed);
    wf = new WorkflowClient(t);
    sql = sqlOn(t);
    for (const name of ['longfeng.approver', 'longfeng.finance', 'longfeng.auditor', 'danfeng.approver', 'shangnan.approver', 'city.approver', 'wang']) {
      tokens[name] = await t.login(name);
    }
  });
  afterAll(() => t.close());

  const balance = async (fundId: string) => Number((await sql('select balance from fund where id = ?', [fundId]))[0].balance);
  const bookings = (instanceId: string) =>
    sql<{ amount: string; reference: string; fund_id: string }>(`select amount, reference, fund_id from ledger_entry where reference like ?`, [`workflow:${instanceId}:%`]);

  async function submit(input: Record<string, unknown>, token = tokens['longfeng.approver']) {
    const res = await t.gql(
      SUBMIT,
      { input: { fundId: fed.funds.longfengDues.id, category: 'ACTIVITY', description: '“五一”职工趣味运动会场地与奖品', attachments: [attachment('发票-001.pdf')], ...input } },
      token,
    );
    expect(res.errors).toBeUndefined();
    return res.data.submitExpense;
  }

  async function decide(name: string, instanceId: string, step: string, action: string, comment?: string) {
    const task = await wf.taskFor(tokens[name], instanceId, step);
    const res = await wf.decide(tokens[name], task.id, action, comment);
    expect(res.errors).toBeUndefined();
    return res.data.decide;
  }

  const expense = async (id: string, token = tokens['longfeng.approver']) => {
    const res = await t.gql(`query($id: ID!) { expense(id: $id) { ${EXPENSE_FIELDS} } }`, { id }, token);
    expect(res.errors).toBeUndefined();
    return res.data.expense;
  };

  it('books an expense below the threshold after the finance officer and the review committee approve', async () => {
    const before = await balance(fed.funds.longfengDues.id);
    const e = await submit({ amount: 1_500_000 });
    expect(e).toMatchObject({ amount: 1_500_000, category: 'ACTIVITY', attachments: [attachment('发票-001.pdf')] });
    expect(e.submitter).toEqual({ displayName: 'longfeng.approver', organization: { name: '陕西丹凤龙凤桥集团公司工会委员会' } });
    expect(e.instance).toMatchObject({ state: 'FINANCE_REVIEW', round: 1 });
    const instanceId = e.instance.id;

    expect((await decide('longfeng.finance', instanceId, 'FINANCE_REVIEW', 'approve', '票据齐全')).state).toBe('AUDIT_REVIEW');
    expect((await decide('longfeng.auditor', instanceId, 'AUDIT_REVIEW', 'approve')).state).toBe('BOOK');
    const booked = await wf.reaches(tokens['longfeng.approver'], instanceId, 'BOOKED');
    expect(booked).toMatchObject({ status: 'COMPLETED', outcome: 'BOOKED' });
    expect(booked.history.map((h: { action: string }) => h.action)).toEqual(['start', 'approve', 'approve', 'book:ok']);

    expect(await balance(fed.funds.longfengDues.id)).toBe(before - 1_500_000);
    const entries = await bookings(instanceId);
    expect(entries).toHaveLength(1);
    expect(Number(entries[0].amount)).toBe(-1_500_000);
    expect((await expense(e.id)).ledgerEntry).toEqual({ amount: -1_500_000, reference: entries[0].reference });
  });

  it('sends an expense above the threshold to the county federation before booking it', async () => {
    const before = await balance(fed.funds.longfengDues.id);
    const { instance } = await submit({ amount: 2_500_000, category: 'SUBSIDY', description: '困难会员节日慰问补助' });
    await decide('longfeng.finance', instance.id, 'FINANCE_REVIEW', 'approve');
    expect((await decide('longfeng.auditor', instance.id, 'AUDIT_REVIEW', 'approve')).state).toBe('COUNTY_REVIEW');
    const county = await wf.taskFor(tokens['danfeng.approver'], instance.id, 'COUNTY_REVIEW');
    expect(codeOf(await wf.decide(tokens['shangnan.approver'], county.id, 'approve'))).toMatch(/FORBIDDEN|NOT_FOUND/);
    expect(codeOf(await wf.decide(tokens['longfeng.approver'], county.id, 'approve'))).toMatch(/FORBIDDEN|NOT_FOUND/);
    await wf.decide(tokens['danfeng.approver'], county.id, 'approve', '符合经费使用规定');
    const booked = await wf.reaches(tokens['longfeng.approver'], instance.id, 'BOOKED');
    expect(booked.history.map((h: { action: string }) => h.action)).toEqual(['start', 'approve', 'approve', 'approve', 'book:ok']);
    expect(await balance(fed.funds.longfengDues.id)).toBe(before - 2_500_000);
    expect(await bookings(instance.id)).toHaveLength(1);
  });

  it('goes back for correction twice, keeps every round in the history, and is booked exactly once', async () => {
    const before = await balance(fed.funds.longfengDues.id);
    const e = await submit({ amount: 300_000, category: 'RELIEF_GOODS', description: '冬送温暖慰问品' });
    const id = e.instance.id;
    const finance = await wf.taskFor(tokens['longfeng.finance'], id, 'FINANCE_REVIEW');
    const noFindings = await wf.decide(tokens['longfeng.finance'], finance.id, 'sendBack');
    expect(codeOf(noFindings)).toBe('BAD_USER_INPUT');
    expect(noFindings.errors![0].extensions!.reason).toBe('COMMENT_REQUIRED');
    expect((await wf.decide(tokens['longfeng.finance'], finance.id, 'sendBack', '发票抬头与工会名称不符，请更正')).data.decide.state).toBe('CORRECTION');

    const correction = await wf.taskFor(tokens['longfeng.approver'], id, 'CORRECTION');
    expect(correction.kind).toBe('APPLICANT');
    // Only the submitter corrects; refused corrections write nothing.
    expect(codeOf(await t.gql(RESUBMIT, { id, changes: { amount: 280_000 } }, tokens['longfeng.finance']))).toBe('FORBIDDEN');
    const seq = (await wf.instance(tokens['longfeng.approver'], id)).seq;
    for (const changes of [{ fundId: fed.funds.danfengAid.id }, { fundId: 'not-an-id' }, { notes: '随便' }, { amount: -1 }, { amount: 12.5 }, { category: 'PARTY' }, { attachments: [{ fileName: 'x.pdf' }] }, { description: ' ' }]) {
      const res = await t.gql(RESUBMIT, { id, comment: '已更正', changes }, tokens['longfeng.approver']);
      expect({ changes, code: codeOf(res) }).toEqual({ changes, code: 'BAD_USER_INPUT' });
    }
    expect((await wf.instance(tokens['longfeng.approver'], id)).seq).toBe(seq);

    const round2 = await t.gql(
      RESUBMIT,
      { id, comment: '已换开发票', changes: { amount: 280_000, attachments: [attachment('发票-002.pdf'), attachment('签收单.pdf')] } },
      tokens['longfeng.approver'],
    );
    expect(round2.data.resubmit).toMatchObject({ state: 'FINANCE_REVIEW', round: 2 });
    expect((await wf.taskFor(tokens['longfeng.finance'], id, 'FINANCE_REVIEW')).round).toBe(2);
    await decide('longfeng.finance', id, 'FINANCE_REVIEW', 'approve');
    expect((await decide('longfeng.auditor', id, 'AUDIT_REVIEW', 'sendBack', '慰问品发放名单缺少领取人签字')).state).toBe('CORRECTION');

    await wf.taskFor(tokens['longfeng.approver'], id, 'CORRECTION');
    const round3 = await t.gql(RESUBMIT, { id, comment: '补充签字名单', changes: { description: '冬送温暖慰问品（附领取人签字名单）' } }, tokens['longfeng.approver']);
    expect(round3.data.resubmit).toMatchObject({ state: 'FINANCE_REVIEW', round: 3 });
    await decide('longfeng.finance', id, 'FINANCE_REVIEW', 'approve');
    await decide('longfeng.auditor', id, 'AUDIT_REVIEW', 'approve', '整改到位');
    const booked = await wf.reaches(tokens['longfeng.approver'], id, 'BOOKED');

    expect(booked.round).toBe(3);
    expect([...new Set(booked.history.map((h: { round: number }) => h.round))]).toEqual([1, 2, 3]);
    expect(booked.history.map((h: { action: string; round: number }) => `${h.round}:${h.action}`)).toEqual([
      '1:start', '1:sendBack', '2:resubmit', '2:approve', '2:sendBack', '3:resubmit', '3:approve', '3:approve', '3:book:ok',
    ]);
    expect(booked.history.filter((h: { action: string }) => h.action === 'sendBack').map((h: { comment: string }) => h.comment)).toEqual([
      '发票抬头与工会名称不符，请更正',
      '慰问品发放名单缺少领取人签字',
    ]);

    const row = await expense(e.id);
    expect(row).toMatchObject({ amount: 280_000, description: '冬送温暖慰问品（附领取人签字名单）' });
    expect(row.attachments.map((a: { fileName: string }) => a.fileName)).toEqual(['发票-002.pdf', '签收单.pdf']);
    const entries = await bookings(id);
    expect(entries.map((x) => Number(x.amount))).toEqual([-280_000]);
    expect(await balance(fed.funds.longfengDues.id)).toBe(before - 280_000);

    // A redelivered effect job books nothing more.
    const [effect] = await sql<{ key: string }>(`select key from workflow_effect where instance_id = ? and effect = 'book'`, [id]);
    await t.app.runner.runEffect(id, effect.key);
    expect(await bookings(id)).toHaveLength(1);
    expect(await balance(fed.funds.longfengDues.id)).toBe(before - 280_000);
  });

  it('sends an expense its fund cannot cover back for correction, then books it from another fund', async () => {
    const reliefBefore = await balance(extra.funds.longfengRelief.id);
    const duesBefore = await balance(fed.funds.longfengDues.id);
    const e = await submit({ amount: 50_000, fundId: extra.funds.longfengRelief.id, category: 'RELIEF_GOODS', description: '夏送清凉防暑用品' });
    const id = e.instance.id;
    await decide('longfeng.finance', id, 'FINANCE_REVIEW', 'approve');
    await decide('longfeng.auditor', id, 'AUDIT_REVIEW', 'approve');
    const short = await wf.reaches(tokens['longfeng.approver'], id, 'CORRECTION');
    expect(short.history.at(-1)).toMatchObject({ fromState: 'BOOK', toState: 'CORRECTION', action: 'book:INSUFFICIENT_FUNDS' });
    expect(await balance(extra.funds.longfengRelief.id)).toBe(reliefBefore);
    expect(await bookings(id)).toHaveLength(0);

    const res = await t.gql(RESUBMIT, { id, comment: '改由工会经费列支', changes: { fundId: fed.funds.longfengDues.id } }, tokens['longfeng.approver']);
    expect(res.data.resubmit).toMatchObject({ state: 'FINANCE_REVIEW', round: 2 });
    await decide('longfeng.finance', id, 'FINANCE_REVIEW', 'approve');
    await decide('longfeng.auditor', id, 'AUDIT_REVIEW', 'approve');
    await wf.reaches(tokens['longfeng.approver'], id, 'BOOKED');
    expect((await expense(e.id)).fund.id).toBe(fed.funds.longfengDues.id);
    const entries = await bookings(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ fund_id: fed.funds.longfengDues.id });
    expect(await balance(fed.funds.longfengDues.id)).toBe(duesBefore - 50_000);
    expect(await balance(extra.funds.longfengRelief.id)).toBe(reliefBefore);
  });

  it('lets the county federation refuse an expense as not chargeable to the fund', async () => {
    const before = await balance(fed.funds.longfengDues.id);
    const { instance } = await submit({ amount: 3_000_000, category: 'OTHER', description: '购置公务用车' });
    await decide('longfeng.finance', instance.id, 'FINANCE_REVIEW', 'approve');
    await decide('longfeng.auditor', instance.id, 'AUDIT_REVIEW', 'approve');
    const rejected = await decide('danfeng.approver', instance.id, 'COUNTY_REVIEW', 'reject', '工会经费不得用于购置公务用车');
    expect(rejected).toMatchObject({ state: 'REJECTED', outcome: 'REJECTED' });
    expect(await bookings(instance.id)).toHaveLength(0);
    expect(await balance(fed.funds.longfengDues.id)).toBe(before);
  });

  it('accepts submissions from the finance officer too, and the submitter may withdraw', async () => {
    const e = await submit({ amount: 10_000 }, tokens['longfeng.finance']);
    expect(e.instance.state).toBe('FINANCE_REVIEW');
    const res = await t.gql('mutation($id: ID!) { withdraw(instanceId: $id, comment: "重复提交") { state outcome } }', { id: e.instance.id }, tokens['longfeng.finance']);
    expect(res.data.withdraw).toEqual({ state: 'WITHDRAWN', outcome: 'WITHDRAWN' });
  });

  it('validates an expense before anything is written', async () => {
    const count = async () => Number((await sql('select count(*) as n from expense'))[0].n);
    const instances = async () => Number((await sql('select count(*) as n from workflow_instance'))[0].n);
    const [expensesBefore, instancesBefore] = [await count(), await instances()];
    const base = { fundId: fed.funds.longfengDues.id, category: 'ACTIVITY', amount: 10_000, description: '职工书屋图书' };
    const bad: [Record<string, unknown>, string, string?][] = [
      [{ ...base, amount: -5 }, 'BAD_USER_INPUT'],
      [{ ...base, amount: 0 }, 'BAD_USER_INPUT'],
      [{ ...base, amount: 100_000_001 }, 'BAD_USER_INPUT'],
      [{ ...base, description: '   ' }, 'BAD_USER_INPUT'],
      [{ ...base, fundId: 'not-an-id' }, 'BAD_USER_INPUT'],
      [{ ...base, attachments: [{ ...attachment('a.pdf'), sha256: 'abc' }] }, 'BAD_USER_INPUT'],
      [{ ...base, attachments: [{ ...attachment('a.pdf'), sizeBytes: 0 }] }, 'BAD_USER_INPUT'],
      [{ ...base, attachments: [{ ...attachment('a.pdf'), contentType: 'pdf' }] }, 'BAD_USER_INPUT'],
      [{ ...base, attachments: [{ ...attachment('a.pdf'), fileName: '../../etc/passwd' }] }, 'BAD_USER_INPUT'],
      [{ ...base, attachments: [attachment('a.pdf'), attachment('a.pdf')] }, 'BAD_USER_INPUT'],
      [{ ...base, attachments: Array.from({ length: 21 }, (_, i) => attachment(`p${i}.pdf`)) }, 'BAD_USER_INPUT'],
      // The fund must be owned by the submitting union.
      [{ ...base, organizationId: fed.orgs.longfeng.id, fundId: fed.funds.danfengAid.id }, 'BAD_USER_INPUT', 'longfeng.approver'],
      [{ ...base, organizationId: fed.orgs.danfeng.id }, 'BAD_USER_INPUT', 'danfeng.approver'],
      [{ ...base, fundId: randomUUID() }, 'NOT_FOUND'],
      // A member holds no role that submits; another county's approver cannot even see the fund.
      [base, 'FORBIDDEN', 'wang'],
      [base, 'NOT_FOUND', 'shangnan.approver'],
      [{ ...base, category: 'PARTY' }, 'BAD_USER_INPUT'],
    ];
    for (const [input, code, who] of bad) {
      const res = await t.gql(SUBMIT, { input }, tokens[who ?? 'longfeng.approver']);
      expect({ input, code: codeOf(res) }).toEqual({ input, code });
    }
    expect(await count()).toBe(expensesBefore);
    expect(await instances()).toBe(instancesBefore);
  });

  it('scopes expenses to the viewer, and shows their review in the shared inbox and definitions', async () => {
    const e = await submit({ amount: 20_000, description: '职工之家添置健身器材' });
    const mine = await t.gql('query($f: ExpenseFilter) { expenses(filter: $f, first: 100) { totalCount edges { node { id } } } }', { f: { mine: true } }, tokens['longfeng.approver']);
    expect(mine.data.expenses.edges.map((x: { node: { id: string } }) => x.node.id)).toContain(e.id);
    const county = await t.gql('{ expenses(first: 100) { totalCount } }', {}, tokens['danfeng.approver']);
    expect(county.data.expenses.totalCount).toBeGreaterThanOrEqual(1);
    const other = await t.gql('{ expenses(first: 100) { totalCount } }', {}, tokens['shangnan.approver']);
    expect(other.data.expenses.totalCount).toBe(0);
    expect(codeOf(await t.gql('query($id: ID!) { expense(id: $id) { id } }', { id: e.id }, tokens['shangnan.approver']))).toBe('NOT_FOUND');
    expect(codeOf(await t.gql('query($id: ID!) { expense(id: $id) { id } }', { id: e.id }, tokens.wang))).toBe('NOT_FOUND');

    const inbox = await wf.inbox(tokens['longfeng.finance'], { definitionKey: 'expense-review' });
    expect(inbox).toContainEqual(expect.objectContaining({ instanceId: e.instance.id, step: 'FINANCE_REVIEW' }));
    const history = await t.gql(
      `query($s: ID) { approvalHistory(filter: { subjectId: $s }) { edges { node { action definitionKey } } } }`,
      { s: e.id },
      tokens['danfeng.approver'],
    );
    expect(history.data.approvalHistory.edges).toEqual([{ node: { action: 'start', definitionKey: 'expense-review' } }]);
    const defs = await t.gql('{ workflowDefinitions { key transitions { from on to } } }', {}, tokens.wang);
    const def = defs.data.workflowDefinitions.find((d: { key: string }) => d.key === 'expense-review');
    expect(def.transitions).toContainEqual({ from: 'AUDIT_REVIEW', on: 'approve', to: ['COUNTY_REVIEW', 'BOOK'] });
  });
});
