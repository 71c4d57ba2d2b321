import { Client } from 'pg';
import { verifyAllChains } from '../src/audit/chain.repository';
import { helpRequested } from '../src/common/cli';
import { loadConfig } from '../src/config/env';

/** Walks every audit hash chain (approval history per instance, ledger per fund) and reports the first broken link of each. */
async function main(): Promise<number> {
  helpRequested(
    process.argv.slice(2),
    'usage: npm run verify\n\nRecomputes the hash chains of workflow_history (per instance) and ledger_entry (per fund) in DATABASE_URL; ' +
      'prints the first broken link of each chain and exits 1 if there is any, else prints the counts and exits 0.',
  );
  const client = new Client({ connectionString: loadConfig().DATABASE_URL });
  await client.connect();
  try {
    const report = await verifyAllChains(async (sql, params) => (await client.query(sql, params)).rows);
    let broken = 0;
    for (const [kind, { rows, chains, broken: links }] of Object.entries(report)) {
      for (const link of links) process.stdout.write(`BROKEN ${kind} ${link.chainId} at seq ${link.seq}\n`);
      broken += links.length;
      process.stdout.write(`${kind}: ${rows} rows in ${chains} chains, ${links.length} broken\n`);
    }
    return broken ? 1 : 0;
  } finally {
    await client.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
