/**
 * Verification of the audit hash chains (see Migration20261202000000_audit_chain): each row's stored hash is
 * compared, in one window pass, with the link recomputed from the previous row's stored hash and the row itself.
 * An edited row breaks its own link; a deleted row breaks the link of the row after it. Used by `npm run verify`
 * and by `WorkflowInstance.integrity`.
 */

/** Runs one statement with `$n` parameters (a pg client's query, or runSql on an EntityManager). */
export type RunQuery = <T>(sql: string, params: unknown[]) => Promise<T[]>;

export type ChainKind = 'workflow_history' | 'ledger_entry';

export interface BrokenLink {
  kind: ChainKind;
  /** The instance (history) or the fund (ledger). */
  chainId: string;
  /** The first row whose stored hash does not match its recomputed one. */
  seq: number;
}

export interface ChainReport {
  rows: number;
  chains: number;
  broken: BrokenLink[];
}

const CHAINS: Record<ChainKind, { chain: string; order: string }> = {
  workflow_history: { chain: 'instance_id', order: 'seq, id' },
  ledger_entry: { chain: 'fund_id', order: 'seq' },
};

/** `$1` limits the walk to one chain (null: all of them). Every row comes back marked, with its chain's id. */
const walk = (kind: ChainKind) => {
  const { chain, order } = CHAINS[kind];
  return `select ${chain} as chain_id, seq, hash is distinct from ${kind}_link(lag(hash) over w, r) as broken
            from ${kind} r where $1::uuid is null or ${chain} = $1::uuid
          window w as (partition by ${chain} order by ${order})`;
};

async function verifyKind(run: RunQuery, kind: ChainKind, chainId: string | null): Promise<ChainReport> {
  const rows = await run<{ chain_id: string | null; first_broken: string | null; rows: string; chains: string }>(
    `select chain_id, min(seq) filter (where broken) as first_broken, sum(count(*)) over () as rows, count(*) over () as chains
       from (${walk(kind)}) c group by chain_id order by chain_id`,
    [chainId],
  );
  return {
    rows: Number(rows[0]?.rows ?? 0),
    chains: Number(rows[0]?.chains ?? 0),
    broken: rows.filter((r) => r.first_broken !== null).map((r) => ({ kind, chainId: r.chain_id!, seq: Number(r.first_broken) })),
  };
}

/** Every chain of both tables. */
export async function verifyAllChains(run: RunQuery): Promise<Record<ChainKind, ChainReport>> {
  return {
    workflow_history: await verifyKind(run, 'workflow_history', null),
    ledger_entry: await verifyKind(run, 'ledger_entry', null),
  };
}

/** One workflow instance's history: the seq of its first broken link, or null when intact. */
export async function firstBrokenHistorySeq(run: RunQuery, instanceId: string): Promise<number | null> {
  const { broken } = await verifyKind(run, 'workflow_history', instanceId);
  return broken[0]?.seq ?? null;
}
