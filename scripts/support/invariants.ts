/**
 * What must hold of the data whatever broke meanwhile, each a SQL count of its violations: money, history, tasks,
 * honours and obligations. `npm run chaos` checks them after its faults; they read only, so they can run anywhere.
 */
export interface Invariant {
  name: string;
  /** Counts the violations. */
  sql: string;
}

/** An outbox row that names its instance; every job does. */
const OBLIGATION_INSTANCE = `(o.payload->>'instanceId')::uuid`;

/** Obligations that move their instance on by themselves: a task to open, an effect, the end of a public notice. */
const MOVES_INSTANCE = `(o.job_name in ('open-task', 'effect') or (o.job_name = 'timer' and o.payload->>'kind' = 'notice'))`;

export function invariants(overdueAfterMs: number): Invariant[] {
  return [
    {
      name: 'Σ ledger = balance, per fund',
      sql: `select count(*) from fund f left join (select fund_id, sum(amount) as total from ledger_entry group by fund_id) l on l.fund_id = f.id
             where f.balance <> coalesce(l.total, 0)`,
    },
    {
      name: 'no negative balance (funds and every balance_after)',
      sql: `select (select count(*) from fund where balance < 0) + (select count(*) from ledger_entry where balance_after < 0)`,
    },
    {
      name: 'one ledger row per disbursement/booking (paid or booked: exactly one; any other instance: none)',
      sql: `with booked as (select split_part(reference, ':', 2)::uuid as instance_id, count(*) as n from ledger_entry where reference like 'workflow:%' group by 1)
            select count(*) from workflow_instance i full join booked b on b.instance_id = i.id
             where coalesce(b.n, 0) <> case when i.outcome in ('PAID', 'BOOKED') then 1 else 0 end`,
    },
    {
      name: 'history of each instance one chain from start to its current state',
      sql: `select count(*) from workflow_instance i
              left join lateral (select count(*) as n, count(distinct seq) as distinct_seqs, min(seq) as lo, max(seq) as hi
                                   from workflow_history h where h.instance_id = i.id and h.transition) c on true
              left join lateral (select to_state from workflow_history h where h.instance_id = i.id and h.transition order by seq desc limit 1) last on true
             where c.n <> i.seq or c.distinct_seqs <> c.n or c.lo <> 1 or c.hi <> i.seq or last.to_state is distinct from i.state
                or exists (select 1 from workflow_history h where h.instance_id = i.id and h.transition and h.seq = 1 and h.from_state is not null)
                or exists (select 1 from workflow_history a join workflow_history b on b.instance_id = a.instance_id and b.seq = a.seq + 1 and b.transition
                            where a.instance_id = i.id and a.transition and b.from_state is distinct from a.to_state)`,
    },
    {
      name: 'no open task on a final instance',
      sql: `select count(*) from workflow_task t join workflow_instance i on i.id = t.instance_id where t.status = 'OPEN' and i.status = 'COMPLETED'`,
    },
    {
      name: 'open tasks only for the state the instance is in, at most one per instance',
      sql: `select (select count(*) from workflow_task t join workflow_instance i on i.id = t.instance_id where t.status = 'OPEN' and t.step <> i.state)
                 + (select count(*) from (select instance_id from workflow_task where status = 'OPEN' group by instance_id having count(*) > 1) d)`,
    },
    {
      name: 'no instance stuck (active, no open task, no pending obligation to move it, or only failed ones)',
      sql: `select count(*) from workflow_instance i
             where i.status = 'ACTIVE'
               and not exists (select 1 from workflow_task t where t.instance_id = i.id and t.status = 'OPEN')
               and not exists (select 1 from workflow_outbox o where ${OBLIGATION_INSTANCE} = i.id and o.failed_at is null and ${MOVES_INSTANCE})`,
    },
    {
      name: 'one honour per awarded nomination, none for any other, no duplicate honour rows',
      sql: `select (select count(*) from workflow_instance i where i.definition_key = 'award-nomination'
                      and (i.outcome = 'AWARDED') <> exists (select 1 from honour h where h.source_instance_id = i.id))
                 + (select count(*) from (select coalesce(member_id, organization_id), award, level, year from honour
                                           group by 1, 2, 3, 4 having count(*) > 1) d)`,
    },
    {
      name: `no obligation overdue (due over ${overdueAfterMs / 1000} s ago and not done)`,
      sql: `select count(*) from workflow_outbox where failed_at is null and run_at < now() - make_interval(secs => ${overdueAfterMs / 1000})`,
    },
    {
      name: 'no failed work left (after retries)',
      sql: `select count(*) from workflow_outbox where failed_at is not null`,
    },
  ];
}

/** The instances an operator would look at first: stuck ones and those with failed or overdue work, with what they wait on. */
export const TROUBLED_INSTANCES = `
  select i.id, i.definition_key, i.state, i.seq, i.updated_at,
         (select count(*) from workflow_task t where t.instance_id = i.id and t.status = 'OPEN') as open_tasks,
         (select json_agg(json_build_object('job', o.job_name, 'ref', o.payload->>'ref', 'runAt', o.run_at, 'sentAt', o.sent_at,
                                            'failedAt', o.failed_at, 'failure', o.failure, 'generation', o.generation))
            from workflow_outbox o where ${OBLIGATION_INSTANCE} = i.id) as obligations
    from workflow_instance i
   where i.status = 'ACTIVE'
     and ((not exists (select 1 from workflow_task t where t.instance_id = i.id and t.status = 'OPEN')
           and not exists (select 1 from workflow_outbox o where ${OBLIGATION_INSTANCE} = i.id and o.failed_at is null and ${MOVES_INSTANCE}))
          or exists (select 1 from workflow_outbox o where ${OBLIGATION_INSTANCE} = i.id and (o.failed_at is not null or o.run_at < now() - interval '10 seconds')))
   order by i.updated_at limit 10`;
