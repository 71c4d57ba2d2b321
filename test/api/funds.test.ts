import { AppError } from '../../src/common/errors';
import { FundKind } from '../../src/funds/fund.entity';
import { Organization } from '../../src/organizations/organization.entity';
import { buildFederation, Federation, Fixtures, sqlOn, tokenCache } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';

const FUND = `query($id: ID!) { fund(id: $id) { id name kind balance owner { id } } }`;
const FUNDS = `query($filter: FundFilter) { funds(filter: $filter, first: 100) { totalCount edges { node { id balance } } } }`;
const LEDGER = `query($id: ID!, $first: Int) { fund(id: $id) { balance ledger(first: $first) {
  totalCount edges { node { id amount balanceAfter reason reference createdBy createdAt } }
} } }`;
const CREDIT = `mutation($input: CreditFundInput!) { creditFund(input: $input) { id amount balanceAfter reason reference createdBy fund { id balance } } }`;

const ids = (res: any) => (res.data.funds.edges as { node: { id: string } }[]).map((e) => e.node.id).sort();

describe('funds and their ledger', () => {
  let t: TestApp;
  let fed: Federation;
  let token: (username: string) => Promise<string>;
  let sql: ReturnType<typeof sqlOn>;

  const balanceOf = async (fundId: string) => Number((await sql<{ balance: string }>('select balance from fund where id = ?', [fundId]))[0].balance);
  const entriesOf = async (fundId: string) => Number((await sql<{ n: string }>('select count(*) as n from ledger_entry where fund_id = ?', [fundId]))[0].n);

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    token = tokenCache(t);
    sql = sqlOn(t);
  });
  afterAll(() => t.close());

  describe('fund(id) and funds(filter)', () => {
    it('shows a finance officer a fund of its county with its balance and owner', async () => {
      const res = await t.gql(FUND, { id: fed.funds.danfengAid.id }, await token('danfeng.finance'));
      expect(res.errors).toBeUndefined();
      expect(res.data.fund).toEqual({ id: fed.funds.danfengAid.id, name: '丹凤县困难职工帮扶资金', kind: 'HARDSHIP_AID', balance: 800_000_00, owner: { id: fed.orgs.danfeng.id } });
    });

    it('is FORBIDDEN for another county’s fund, NOT_FOUND for an unknown one, BAD_USER_INPUT for a malformed id', async () => {
      const tok = await token('shangnan.approver');
      expect(codeOf(await t.gql(FUND, { id: fed.funds.danfengAid.id }, tok))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(FUND, { id: '0a0a0a0a-0000-4000-8000-000000000000' }, tok))).toBe('NOT_FOUND');
      expect(codeOf(await t.gql(FUND, { id: 'fund-1' }, tok))).toBe('BAD_USER_INPUT');
    });

    it('lists the funds in scope: the county’s subtree and its chain, not the other county’s', async () => {
      const res = await t.gql(FUNDS, {}, await token('danfeng.approver'));
      expect(ids(res)).toEqual([fed.funds.cityAid.id, fed.funds.danfengAid.id, fed.funds.longfengDues.id].sort());
      const other = await t.gql(FUNDS, {}, await token('shangnan.approver'));
      expect(ids(other)).toEqual([fed.funds.cityAid.id, fed.funds.shangnanDues.id].sort());
    });

    it('filters by owner, by subtree and by kind', async () => {
      const tok = await token('city.finance');
      expect(ids(await t.gql(FUNDS, { filter: { ownerId: fed.orgs.longfeng.id } }, tok))).toEqual([fed.funds.longfengDues.id]);
      expect(ids(await t.gql(FUNDS, { filter: { subtreeOf: fed.orgs.danfeng.id } }, tok))).toEqual([fed.funds.danfengAid.id, fed.funds.longfengDues.id].sort());
      expect(ids(await t.gql(FUNDS, { filter: { kind: 'UNION_DUES' } }, tok))).toEqual([fed.funds.longfengDues.id, fed.funds.shangnanDues.id].sort());
    });

    it('keeps the scope under a subtree above it: the city’s subtree lists only what the county approver may read', async () => {
      const tok = await token('danfeng.approver');
      const underCity = ids(await t.gql(FUNDS, { filter: { subtreeOf: fed.orgs.city.id } }, tok));
      expect(underCity).toEqual(ids(await t.gql(FUNDS, {}, tok)));
      expect(underCity).toContain(fed.funds.danfengAid.id);
      expect(underCity).not.toContain(fed.funds.shangnanDues.id);
    });

    it('keeps out-of-scope funds out of a subtree filter', async () => {
      const res = await t.gql(FUNDS, { filter: { subtreeOf: fed.orgs.shangnan.id } }, await token('danfeng.approver'));
      expect(res.data.funds.totalCount).toBe(0);
    });
  });

  describe('Fund.ledger', () => {
    it.each(['danfeng.finance', 'danfeng.auditor', 'danfeng.approver', 'longfeng.finance', 'city.approver', 'admin'])(
      'can be read by %s over the owner',
      async (username) => {
        const res = await t.gql(LEDGER, { id: fed.funds.longfengDues.id }, await token(username));
        expect(res.errors).toBeUndefined();
        expect(res.data.fund.ledger.totalCount).toBeGreaterThanOrEqual(1);
      },
    );

    it('is FORBIDDEN to a member, who can still see the fund itself', async () => {
      const tok = await token('wang');
      expect((await t.gql(FUND, { id: fed.funds.longfengDues.id }, tok)).data.fund.id).toBe(fed.funds.longfengDues.id);
      const res = await t.gql(LEDGER, { id: fed.funds.longfengDues.id }, tok);
      expect(codeOf(res)).toBe('FORBIDDEN');
    });

    it('denied, is null at its path with the error there, while the fund beside it and the rest of the response are answered', async () => {
      const res = await t.gql(
        `query($id: ID!) { viewer { username } fund(id: $id) { name owner { name } ledger { totalCount } } }`,
        { id: fed.funds.longfengDues.id },
        await token('wang'),
      );
      expect(res.data).toEqual({ viewer: { username: 'wang' }, fund: { name: '龙凤桥工会经费', owner: { name: '陕西丹凤龙凤桥集团公司工会委员会' }, ledger: null } });
      expect(res.errors).toHaveLength(1);
      expect(res.errors![0].path).toEqual(['fund', 'ledger']);
      expect(codeOf(res)).toBe('FORBIDDEN');
    });

    it('denied in one root field leaves the other root fields answered', async () => {
      const res = await t.gql(
        `query($mine: ID!, $other: ID!) { mine: fund(id: $mine) { name } other: fund(id: $other) { name } }`,
        { mine: fed.funds.danfengAid.id, other: fed.funds.shangnanDues.id },
        await token('danfeng.finance'),
      );
      expect(res.data).toEqual({ mine: { name: '丹凤县困难职工帮扶资金' }, other: null });
      expect(res.errors!.map((e) => [e.path, e.extensions?.code])).toEqual([[['other'], 'FORBIDDEN']]);
    });

    it('is FORBIDDEN to staff of a lower organisation reading a fund above them', async () => {
      const res = await t.gql(LEDGER, { id: fed.funds.cityAid.id }, await token('danfeng.finance'));
      expect(codeOf(res)).toBe('FORBIDDEN');
    });

    it('lists entries newest first, each with the balance after it', async () => {
      const tok = await token('longfeng.finance');
      await t.gql(CREDIT, { input: { fundId: fed.funds.longfengDues.id, amount: 150_00, reason: '三月会费', reference: 'DUES-2026-03' } }, tok);
      await t.gql(CREDIT, { input: { fundId: fed.funds.longfengDues.id, amount: 250_00, reason: '四月会费', reference: 'DUES-2026-04' } }, tok);
      const res = await t.gql(LEDGER, { id: fed.funds.longfengDues.id, first: 10 }, tok);
      const entries = res.data.fund.ledger.edges.map((e: any) => e.node);
      expect(entries.map((e: any) => e.reference)).toEqual(['DUES-2026-04', 'DUES-2026-03', expect.stringMatching(/^fixture:/)]);
      expect(entries.map((e: any) => e.balanceAfter)).toEqual([20_400_00, 20_150_00, 20_000_00]);
      expect(entries[0].createdBy).toBe(fed.accounts.longfengFinance.id);
      expect(res.data.fund.balance).toBe(20_400_00);
      const booked = await t.gql(`query($id: ID!) { fund(id: $id) { ledger(first: 3) { edges { node { bookedBy { accountId displayName } } } } } }`, { id: fed.funds.longfengDues.id }, tok);
      expect(booked.data.fund.ledger.edges.map((e: any) => e.node.bookedBy)).toEqual([
        { accountId: fed.accounts.longfengFinance.id, displayName: 'longfeng.finance' },
        { accountId: fed.accounts.longfengFinance.id, displayName: 'longfeng.finance' },
        null, // the fixture's opening balance was booked by no one
      ]);
    });
  });

  describe('creditFund', () => {
    const credit = async (username: string, input: Record<string, unknown>) =>
      t.gql(CREDIT, { input: { fundId: fed.funds.danfengAid.id, amount: 1_000_00, reason: '省总下拨帮扶资金', ...input } }, await token(username));

    it('books income by a finance officer over the owner: the balance grows by the amount', async () => {
      const before = await balanceOf(fed.funds.danfengAid.id);
      const res = await credit('danfeng.finance', { amount: 12_345_67, reference: 'REMIT-0001' });
      expect(res.errors).toBeUndefined();
      expect(res.data.creditFund).toMatchObject({
        amount: 12_345_67,
        balanceAfter: before + 12_345_67,
        reason: '省总下拨帮扶资金',
        reference: 'REMIT-0001',
        createdBy: fed.accounts.danfengFinance.id,
        fund: { id: fed.funds.danfengAid.id, balance: before + 12_345_67 },
      });
      expect(await balanceOf(fed.funds.danfengAid.id)).toBe(before + 12_345_67);
    });

    it('lets a finance officer above the owner (the city) credit it too', async () => {
      const res = await credit('city.finance', { amount: 1 });
      expect(res.errors).toBeUndefined();
    });

    /** A refused credit books nothing and leaves the balance alone. */
    const refused = async (username: string, input: Record<string, unknown>, code: string, reason?: string) => {
      const balance = await balanceOf(fed.funds.danfengAid.id);
      const entries = await entriesOf(fed.funds.danfengAid.id);
      const res = await credit(username, input);
      expect(codeOf(res)).toBe(code);
      if (reason) expect(res.errors![0].extensions!.reason).toBe(reason);
      expect(await balanceOf(fed.funds.danfengAid.id)).toBe(balance);
      expect(await entriesOf(fed.funds.danfengAid.id)).toBe(entries);
      return res;
    };

    it('refuses a negative amount as BAD_USER_INPUT', () => refused('danfeng.finance', { amount: -500 }, 'BAD_USER_INPUT', 'NOT_POSITIVE'));
    it('refuses a zero amount as BAD_USER_INPUT', () => refused('danfeng.finance', { amount: 0 }, 'BAD_USER_INPUT', 'NOT_POSITIVE'));
    it('refuses a fractional amount (1.5 fen) as BAD_USER_INPUT', () => refused('danfeng.finance', { amount: 1.5 }, 'BAD_USER_INPUT'));
    it('refuses an amount beyond a safe integer as BAD_USER_INPUT', () => refused('danfeng.finance', { amount: 2 ** 53 }, 'BAD_USER_INPUT'));
    it('refuses an amount given as a string as BAD_USER_INPUT', () => refused('danfeng.finance', { amount: '100' }, 'BAD_USER_INPUT'));
    it('refuses a reason over 500 characters as BAD_USER_INPUT', () => refused('danfeng.finance', { reason: '款'.repeat(501) }, 'BAD_USER_INPUT', 'TOO_LONG'));
    it('refuses an empty reason as BAD_USER_INPUT', () => refused('danfeng.finance', { reason: ' ' }, 'BAD_USER_INPUT', 'TOO_SHORT'));
    it('refuses a reference over 200 characters as BAD_USER_INPUT', () => refused('danfeng.finance', { reference: 'R'.repeat(201) }, 'BAD_USER_INPUT', 'TOO_LONG'));

    it('refuses a fractional amount written inline in the query', async () => {
      const res = await t.gql(
        `mutation($id: ID!) { creditFund(input: { fundId: $id, amount: 1.5, reason: "x" }) { id } }`,
        { id: fed.funds.danfengAid.id },
        await token('danfeng.finance'),
      );
      expect(res.errors).toBeDefined();
      expect(['BAD_USER_INPUT', 'GRAPHQL_VALIDATION_FAILED']).toContain(codeOf(res));
    });

    it('refuses a second credit with the same reference as CONFLICT DUPLICATE_REFERENCE', async () => {
      const res = await refused('danfeng.finance', { amount: 5_00, reference: 'REMIT-0001' }, 'CONFLICT', 'DUPLICATE_REFERENCE');
      expect(res.errors![0].message).not.toMatch(/ledger_entry|insert|constraint/i);
    });

    it('allows the same reference on a different fund', async () => {
      const res = await t.gql(CREDIT, { input: { fundId: fed.funds.longfengDues.id, amount: 1, reason: 'x', reference: 'REMIT-0001' } }, await token('longfeng.finance'));
      expect(res.errors).toBeUndefined();
    });

    it('is FORBIDDEN to an approver without FINANCE, to an auditor and to a member', async () => {
      await refused('danfeng.approver', {}, 'FORBIDDEN');
      await refused('danfeng.auditor', {}, 'FORBIDDEN');
      await refused('city.approver', {}, 'FORBIDDEN');
      await refused('wang', { fundId: fed.funds.longfengDues.id }, 'FORBIDDEN');
    });

    it('is FORBIDDEN to a finance officer below the owner (龙凤桥 crediting the county fund)', () => refused('longfeng.finance', {}, 'FORBIDDEN'));
    it('is FORBIDDEN to another county’s staff', () => refused('shangnan.approver', {}, 'FORBIDDEN'));
  });

  describe('ledger integrity in the database', () => {
    const drift = () =>
      sql<{ id: string; balance: string; total: string }>(
        `select f.id, f.balance, coalesce(sum(l.amount), 0) as total
           from fund f left join ledger_entry l on l.fund_id = f.id
          group by f.id, f.balance having f.balance <> coalesce(sum(l.amount), 0)`,
      );

    it('keeps every fund’s balance equal to the sum of its ledger', async () => {
      expect(await drift()).toEqual([]);
      const [{ n }] = await sql<{ n: string }>('select count(*) as n from fund');
      expect(Number(n)).toBe(4);
    });

    it('keeps every entry’s balanceAfter equal to the running sum of the fund’s ledger', async () => {
      const rows = await sql<{ n: string }>(
        `select count(*) as n from (
           select balance_after, sum(amount) over (partition by fund_id order by seq) as running from ledger_entry
         ) x where balance_after <> running`,
      );
      expect(Number(rows[0].n)).toBe(0);
    });

    it('refuses a direct update of a balance', async () => {
      await expect(sql('update fund set balance = balance + 100 where id = ?', [fed.funds.danfengAid.id])).rejects.toThrow(/only through the ledger/);
      await expect(sql('update fund set balance = 0')).rejects.toThrow();
      expect(await drift()).toEqual([]);
    });

    it('allows updating other columns of a fund (the guard only watches the balance)', async () => {
      await sql('update fund set name = name where id = ?', [fed.funds.danfengAid.id]);
    });

    it('refuses to delete or rewrite ledger entries', async () => {
      const before = await entriesOf(fed.funds.danfengAid.id);
      await expect(sql('delete from ledger_entry where fund_id = ?', [fed.funds.danfengAid.id])).rejects.toThrow(/append-only/);
      await expect(sql('delete from ledger_entry')).rejects.toThrow(/append-only/);
      await expect(sql('update ledger_entry set amount = amount * 2')).rejects.toThrow(/append-only/);
      expect(await entriesOf(fed.funds.danfengAid.id)).toBe(before);
    });

    it('refuses a zero-amount entry and an entry for an unknown fund', async () => {
      await expect(sql(`insert into ledger_entry (id, fund_id, amount, reason) values (gen_random_uuid(), ?, 0, 'x')`, [fed.funds.danfengAid.id])).rejects.toThrow();
      await expect(
        sql(`insert into ledger_entry (id, fund_id, amount, reason) values (gen_random_uuid(), '0a0a0a0a-0000-4000-8000-000000000000', 1, 'x')`),
      ).rejects.toThrow();
    });

    it('refuses a single debit larger than the balance with CONFLICT INSUFFICIENT_FUNDS', async () => {
      const balance = await balanceOf(fed.funds.shangnanDues.id);
      expect(balance).toBe(0);
      await expect(t.app.services.funds.book(t.app.services.orm.em.fork(), { fundId: fed.funds.shangnanDues.id, amount: -1, reason: '透支' })).rejects.toMatchObject({
        code: 'CONFLICT',
        details: { reason: 'INSUFFICIENT_FUNDS' },
      });
      expect(await entriesOf(fed.funds.shangnanDues.id)).toBe(0);
    });

    it('never overdraws under concurrent debits from parallel forks', async () => {
      const em = t.app.services.orm.em.fork();
      const owner = await em.findOneOrFail(Organization, fed.orgs.tea.id);
      const f = new Fixtures(em, 900);
      const fund = f.fund(owner, FundKind.SEASONAL_RELIEF, '商南县茶叶公司夏送清凉');
      await f.credit(fund, 1_000_00);

      const debits = 12;
      const amount = 300_00; // 12 × 300 yuan against 1,000 yuan: at most three can succeed
      const results = await Promise.allSettled(
        Array.from({ length: debits }, (_, i) =>
          t.app.services.funds.book(t.app.services.orm.em.fork(), { fundId: fund.id, amount: -amount, reason: `夏送清凉发放 ${i}`, reference: `summer-${i}` }),
        ),
      );
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(3);
      for (const r of failed) {
        expect(r.reason).toBeInstanceOf(AppError);
        expect(r.reason).toMatchObject({ code: 'CONFLICT', details: { reason: 'INSUFFICIENT_FUNDS' } });
      }
      const balance = await balanceOf(fund.id);
      expect(balance).toBe(1_000_00 - 3 * amount);
      expect(balance).toBeGreaterThanOrEqual(0);
      expect(await entriesOf(fund.id)).toBe(1 + 3);
      expect(await drift()).toEqual([]);
      const afters = ok.map((r) => (r as PromiseFulfilledResult<{ balanceAfter: number }>).value.balanceAfter).sort((a, b) => b - a);
      expect(afters).toEqual([700_00, 400_00, 100_00]);
    });

    it('keeps the balance exact under concurrent credits and debits mixed', async () => {
      const fundId = fed.funds.cityAid.id;
      const before = await balanceOf(fundId);
      const amounts = Array.from({ length: 20 }, (_, i) => (i % 2 ? 1_00 * (i + 1) : -50 * (i + 1)));
      const results = await Promise.allSettled(
        amounts.map((amount, i) => t.app.services.funds.book(t.app.services.orm.em.fork(), { fundId, amount, reason: `mixed ${i}`, reference: `mixed-${i}` })),
      );
      expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
      expect(await balanceOf(fundId)).toBe(before + amounts.reduce((a, b) => a + b, 0));
      expect(await drift()).toEqual([]);
    });
  });
});
