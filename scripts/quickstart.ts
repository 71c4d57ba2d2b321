import 'reflect-metadata';
import { Client } from 'pg';
import { runUntilSignalled } from '../src/app/process';
import { bootstrap } from '../src/app/bootstrap';
import { loadConfig } from '../src/config/env';
import { ensureDatabase } from '../src/db/orm';
import { PersonalDataCipher } from '../src/members/personal-data.cipher';
import { generate } from '../seeds/generator';
import { DEFAULT_SEED, formatLogins, seedDatabase } from '../seeds/run';

async function isEmpty(databaseUrl: string): Promise<boolean> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`select to_regclass('organization') is not null as migrated`);
    if (!rows[0].migrated) return true;
    const count = await client.query('select count(*)::int as n from organization');
    return count.rows[0].n === 0;
  } finally {
    await client.end();
  }
}

/**
 * The quick start: migrate, load the demo federation into an empty database, then run the API and the
 * workers in one process and print where to go and how to sign in.
 */
void runUntilSignalled(async () => {
  const config = loadConfig();
  // With MIGRATION_DATABASE_URL the owner creates the database and loads the demo; the API runs as its own role.
  const ownerUrl = config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL;
  await ensureDatabase(ownerUrl);
  if (await isEmpty(ownerUrl)) {
    const seeded = await seedDatabase(ownerUrl, 'demo', DEFAULT_SEED, { cipher: PersonalDataCipher.fromConfig(config), app: config });
    process.stdout.write(`Loaded the demo federation: ${seeded.counts.organizations} organisations, ${seeded.counts.members} members, ${seeded.inFlight} workflow instances in flight.\n`);
  } else {
    process.stdout.write('The database already holds data; not seeding it again.\n');
  }
  const app = await bootstrap(config, { api: true, workers: true });
  process.stdout.write(
    `\nGonghui GraphQL API: ${app.url}\n(API and workflow workers in this process; Ctrl-C stops both)\n\nDemo logins:\n${formatLogins(generate('demo', DEFAULT_SEED).logins)}\n\n` +
      `Sign in: mutation { login(username: "city.approver", password: "gonghui-demo") { token } }\n`,
  );
  return app;
});
