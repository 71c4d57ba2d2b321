import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { generate } from '../../seeds/generator';
import { loadSeed, SeedRefusedError } from '../../seeds/loader';
import { verifyPassword } from '../../src/auth/password';
import { createOrm, dropDatabase, ensureDatabase, migrate, type Orm } from '../../src/db/orm';
import { maskNationalId } from '../../src/members/personal-data';
import { PersonalDataField } from '../../src/members/personal-data.cipher';
import { fixtureCipher } from '../support/fixtures';

const BASE_URL = process.env.TEST_DATABASE_BASE_URL ?? 'postgresql://postgres@127.0.0.1:5432';
const databaseUrl = `${BASE_URL}/gh_test_seeds_${randomBytes(4).toString('hex')}`;

describe('loadSeed (demo, PostgreSQL)', () => {
  let orm: Orm;
  let client: Client;
  const data = generate('demo', 42);

  beforeAll(async () => {
    await ensureDatabase(databaseUrl);
    orm = (await createOrm({ databaseUrl, poolMax: 2 })).orm;
    await migrate(orm, databaseUrl, fixtureCipher);
    await loadSeed(orm, data, { cipher: fixtureCipher });
    client = new Client({ connectionString: databaseUrl });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end();
    await orm?.close(true);
    await dropDatabase(databaseUrl);
  });

  const count = async (table: string) => Number((await client.query(`select count(*) as n from ${table}`)).rows[0].n);

  it('inserts every row', async () => {
    expect(await count('organization')).toBe(data.organizations.length);
    expect(await count('member')).toBe(data.members.length);
    expect(await count('honour')).toBe(data.honours.length);
    expect(await count('fund')).toBe(data.funds.length);
    expect(await count('ledger_entry')).toBe(data.ledgerEntries.length);
    expect(await count('account')).toBe(data.accounts.length);
    expect(await count('role_assignment')).toBe(data.roleAssignments.length);
    expect(await count('award_quota')).toBe(data.awardQuotas.length);
  });

  it('books every fund balance through the ledger trigger', async () => {
    const { rows } = await client.query(`
      select f.id, f.balance, coalesce(sum(l.amount), 0) as total, count(l.id) as entries
        from fund f left join ledger_entry l on l.fund_id = f.id group by f.id, f.balance`);
    expect(rows).toHaveLength(data.funds.length);
    for (const r of rows) {
      expect(Number(r.entries)).toBeGreaterThan(0);
      expect(r.balance).toBe(r.total);
    }
    // balance_after of each fund's latest entry is its balance.
    const { rows: mismatched } = await client.query(`
      select f.id from fund f join lateral (select balance_after from ledger_entry l where l.fund_id = f.id order by seq desc limit 1) last on true
       where last.balance_after <> f.balance`);
    expect(mismatched).toEqual([]);
  });

  it('keeps member org_path equal to the organisation path', async () => {
    const { rows } = await client.query(`select count(*) as n from member m join organization o on o.id = m.organization_id where m.org_path <> o.path`);
    expect(Number(rows[0].n)).toBe(0);
  });

  it('stores national ids and phones only sealed: encrypted, blind-indexed and masked', async () => {
    const { rows } = await client.query(
      `select id, national_id_cipher, national_id_index, national_id_masked, phone_cipher, m::text as row from member m`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const m of data.members) {
      const row = byId.get(m.id)!;
      expect(row.row).not.toContain(m.nationalId);
      expect(fixtureCipher.decrypt(m.id, PersonalDataField.NATIONAL_ID, row.national_id_cipher)).toBe(m.nationalId);
      expect(row.national_id_index.equals(fixtureCipher.nationalIdIndex(m.nationalId))).toBe(true);
      expect(row.national_id_masked).toBe(maskNationalId(m.nationalId));
      expect(row.phone_cipher && fixtureCipher.decrypt(m.id, PersonalDataField.PHONE, row.phone_cipher)).toBe(m.phone);
    }
  });

  it('stores a working password hash for the demo logins', async () => {
    const { rows } = await client.query(`select password_hash from account where username = 'danfeng.approver'`);
    expect(await verifyPassword('gonghui-demo', rows[0].password_hash)).toBe(true);
    const { rows: distinct } = await client.query(`select count(distinct password_hash) as n from account`);
    expect(Number(distinct[0].n)).toBe(1);
  });

  it('refuses a non-empty database, and reloads it with reset', async () => {
    await expect(loadSeed(orm, data, { cipher: fixtureCipher })).rejects.toThrow(SeedRefusedError);
    await expect(loadSeed(orm, data, { cipher: fixtureCipher })).rejects.toThrow(/--reset/);
    await loadSeed(orm, data, { cipher: fixtureCipher, reset: true });
    expect(await count('organization')).toBe(data.organizations.length);
    expect(await count('ledger_entry')).toBe(data.ledgerEntries.length);
    const { rows } = await client.query(`select count(*) as n from fund f where balance <> (select sum(amount) from ledger_entry l where l.fund_id = f.id)`);
    expect(Number(rows[0].n)).toBe(0);
  });
});
