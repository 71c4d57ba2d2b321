import { Client } from 'pg';

/**
 * The application's database role is not the owner: run as the owner after the migrations, this grants the
 * role it connects as (the user of DATABASE_URL) what the application does with each table, and nothing it
 * need not do: approval history and the ledger are INSERT and SELECT only (no UPDATE, DELETE or TRUNCATE,
 * refused by PostgreSQL's privileges before the append-only triggers are even reached), and no DDL at all.
 * Idempotent; run at every start so a table a new migration adds is granted too.
 */
export async function grantApplicationRole(ownerUrl: string, appUrl: string): Promise<string | undefined> {
  const appRole = decodeURIComponent(new URL(appUrl).username) || undefined;
  const owner = new Client({ connectionString: ownerUrl });
  await owner.connect();
  try {
    const { rows } = await owner.query<{ me: string }>('select current_user as me');
    if (!appRole || appRole === rows[0].me) return undefined;
    const role = `"${appRole.replace(/"/g, '""')}"`;
    await owner.query('begin');
    await owner.query(`grant usage on schema public to ${role}`);
    await owner.query(`grant select, insert, update, delete on all tables in schema public to ${role}`);
    await owner.query(`grant usage, select on all sequences in schema public to ${role}`);
    await owner.query(`revoke update, delete, truncate on workflow_history, ledger_entry, personal_data_access, mikro_orm_migrations from ${role}`);
    await owner.query(`revoke insert on mikro_orm_migrations from ${role}`);
    await owner.query('commit');
    return appRole;
  } catch (error) {
    await owner.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    await owner.end();
  }
}
