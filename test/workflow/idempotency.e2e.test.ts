import { randomUUID } from 'node:crypto';
import { buildFederation, Federation } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';
import { WorkflowClient } from '../support/workflow';

const APPLY = `mutation($input: ApplyForAidInput!) { applyForAid(input: $input) { id amount instance { id state } } }`;
const CREDIT = `mutation($input: CreditFundInput!) { creditFund(input: $input) { id amount balanceAfter } }`;
const EXPENSE = `mutation($input: SubmitExpenseInput!) { submitExpense(input: $input) { id } }`;

describe('idempotency keys', () => {
  let t: TestApp;
  let fed: Federation;
  let wf: WorkflowClient;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ workers: true });
    fed = await buildFederation(t.app.services.orm.em.fork());
    wf = new WorkflowClient(t);
    for (const name of ['wang', 'longfeng.approver', 'longfeng.finance', 'danfeng.approver', 'city.finance']) tokens[name] = await t.login(name);
  });
  afterAll(() => t.close());

  const count = async (table: string) => Number((await t.app.services.orm.em.fork().getConnection().execute(`select count(*) as n from ${table}`))[0].n);
  const aidInput = (amount = 100_000) => ({ aidType: 'HARDSHIP', fundId: fed.funds.danfengAid.id, amount, reason: '家中突发重病，生活困难' });
  const reason = (res: { errors?: { extensions?: Record<string, unknown> }[] }) => res.errors?.[0].extensions?.reason;

  async function applied() {
    const res = await t.gql(APPLY, { input: aidInput() }, tokens.wang);
    expect(res.errors).toBeUndefined();
    return res.data.applyForAid;
  }

  describe('filing', () => {
    it('creates one application however often a lost answer is retried, also at once', async () => {
      const before = await count('aid_application');
      const input = { ...aidInput(123_400), idempotencyKey: randomUUID() };
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(await t.gql(APPLY, { input }, tokens.wang));
      answers.push(...(await Promise.all([1, 2, 3, 4, 5].map(() => t.gql(APPLY, { input }, tokens.wang)))));
      expect(answers.map((a) => a.errors)).toEqual(answers.map(() => undefined));
      expect(new Set(answers.map((a) => a.data.applyForAid.id)).size).toBe(1);
      expect(await count('aid_application')).toBe(before + 1);
    });

    it('refuses the same key with other input, and files nothing', async () => {
      const key = randomUUID();
      expect((await t.gql(APPLY, { input: { ...aidInput(50_000), idempotencyKey: key } }, tokens.wang)).errors).toBeUndefined();
      const before = await count('aid_application');
      const other = await t.gql(APPLY, { input: { ...aidInput(60_000), idempotencyKey: key } }, tokens.wang);
      expect([codeOf(other), reason(other)]).toEqual(['CONFLICT', 'IDEMPOTENCY_KEY_REUSED']);
      expect(await count('aid_application')).toBe(before);
    });

    it('keeps keys apart per account', async () => {
      const key = randomUUID();
      const mine = await t.gql(APPLY, { input: { ...aidInput(), idempotencyKey: key } }, tokens.wang);
      const theirs = await t.gql(APPLY, { input: { ...aidInput(), memberId: fed.members.li.id, idempotencyKey: key } }, tokens['longfeng.approver']);
      expect(theirs.errors).toBeUndefined();
      expect(theirs.data.applyForAid.id).not.toBe(mine.data.applyForAid.id);
    });

    it('makes expenses and fund credits safe to retry too', async () => {
      const expense = {
        fundId: fed.funds.longfengDues.id,
        category: 'ACTIVITY',
        amount: 12_000,
        description: '五一职工趣味运动会',
        idempotencyKey: randomUUID(),
      };
      const first = await t.gql(EXPENSE, { input: expense }, tokens['longfeng.finance']);
      const again = await t.gql(EXPENSE, { input: expense }, tokens['longfeng.finance']);
      expect(again.data.submitExpense.id).toBe(first.data.submitExpense.id);

      const before = await count('ledger_entry');
      const credit = { fundId: fed.funds.cityAid.id, amount: 1_000_00, reason: '省总工会下拨帮扶资金', idempotencyKey: randomUUID() };
      const c1 = await t.gql(CREDIT, { input: credit }, tokens['city.finance']);
      const c2 = await t.gql(CREDIT, { input: credit }, tokens['city.finance']);
      expect(c2.data.creditFund).toEqual(c1.data.creditFund);
      expect(await count('ledger_entry')).toBe(before + 1);
      const elsewhere = await t.gql(CREDIT, { input: { ...credit, fundId: fed.funds.danfengAid.id } }, tokens['city.finance']);
      expect(reason(elsewhere)).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(await count('ledger_entry')).toBe(before + 1);
    });

    it('refuses a malformed key before anything is written', async () => {
      const before = await count('aid_application');
      const res = await t.gql(APPLY, { input: { ...aidInput(), idempotencyKey: 'short' } }, tokens.wang);
      expect([codeOf(res), reason(res)]).toEqual(['BAD_USER_INPUT', 'BAD_IDEMPOTENCY_KEY']);
      expect(await count('aid_application')).toBe(before);
    });
  });

  describe('decisions', () => {
    it('refuses a key replayed on another task, and leaves that task undecided', async () => {
      const [a, b] = [await applied(), await applied()];
      const taskA = await wf.taskFor(tokens['longfeng.approver'], a.instance.id);
      const taskB = await wf.taskFor(tokens['longfeng.approver'], b.instance.id);
      const key = randomUUID();
      expect((await wf.decide(tokens['longfeng.approver'], taskA.id, 'approve', undefined, key)).errors).toBeUndefined();

      const replayed = await wf.decide(tokens['longfeng.approver'], taskB.id, 'approve', undefined, key);
      expect([codeOf(replayed), reason(replayed)]).toEqual(['CONFLICT', 'IDEMPOTENCY_KEY_REUSED']);
      expect(replayed.data).toBeNull();
      expect(await wf.instance(tokens.wang, b.instance.id)).toMatchObject({ state: 'GRASSROOTS_VERIFY', seq: 1 });
    });

    it('refuses the same key on the same task with another action', async () => {
      const a = await applied();
      const task = await wf.taskFor(tokens['longfeng.approver'], a.instance.id);
      const key = randomUUID();
      await wf.decide(tokens['longfeng.approver'], task.id, 'approve', undefined, key);
      const other = await wf.decide(tokens['longfeng.approver'], task.id, 'reject', '材料不全', key);
      expect(reason(other)).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('answers a repeat with the first result as it was then, not the instance as it is now', async () => {
      const a = await applied();
      const verify = await wf.taskFor(tokens['longfeng.approver'], a.instance.id);
      const key = randomUUID();
      const first = (await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', '情况属实', key)).data.decide;
      const review = await wf.taskFor(tokens['danfeng.approver'], a.instance.id, 'COUNTY_REVIEW');
      await wf.decide(tokens['danfeng.approver'], review.id, 'approve');
      await wf.reaches(tokens.wang, a.instance.id, 'PAID');

      const repeat = await wf.decide(tokens['longfeng.approver'], verify.id, 'approve', '情况属实', key);
      expect(repeat.errors).toBeUndefined();
      expect(repeat.data.decide).toEqual(first);
      expect(repeat.data.decide).toMatchObject({ state: 'COUNTY_REVIEW', status: 'ACTIVE', seq: 2 });
      expect(repeat.data.decide.history.map((h: { action: string }) => h.action)).toEqual(['start', 'approve']);
    });

    it('answers a repeated withdrawal with its first result', async () => {
      const a = await applied();
      await wf.taskFor(tokens['longfeng.approver'], a.instance.id);
      const WITHDRAW = 'mutation($id: ID!, $key: String) { withdraw(instanceId: $id, comment: "问题已解决", idempotencyKey: $key) { state seq } }';
      const key = randomUUID();
      const first = await t.gql(WITHDRAW, { id: a.instance.id, key }, tokens.wang);
      const again = await t.gql(WITHDRAW, { id: a.instance.id, key }, tokens.wang);
      expect(again.data.withdraw).toEqual(first.data.withdraw);
      expect(first.data.withdraw.state).toBe('WITHDRAWN');
      const otherInstance = await applied();
      const elsewhere = await t.gql(WITHDRAW, { id: otherInstance.instance.id, key }, tokens.wang);
      expect(reason(elsewhere)).toBe('IDEMPOTENCY_KEY_REUSED');
    });
  });
});
