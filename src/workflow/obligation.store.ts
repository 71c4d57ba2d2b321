import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray, runSql } from '../db/sql';
import type { WorkflowJobData, WorkflowJobName } from './queue';

/** An outbox row as the relay and the reconciler send it. */
export interface ObligationRow {
  id: string;
  job_name: WorkflowJobName;
  job_id: string;
  payload: WorkflowJobData;
  run_at: Date;
  generation: number;
}

/** A job that failed for good, as an administrator sees it: ids and the reason, never personal data. */
export interface FailedWorkRow {
  id: string;
  job_name: string;
  instance_id: string;
  ref: string;
  failure: string | null;
  failed_at: Date;
  run_at: Date;
  generation: number;
  subject_org_path: string;
}

const BATCH = 200;
/** Failed work handed back: a new job id (generation), and unsent, so the relay sends it again. */
const RETRIED = 'generation = generation + 1, failed_at = null, failure = null, sent_at = null, leased_until = null';

/** The `like any` patterns of organisation subtrees, as one array parameter. */
const subtreePatterns = (subtrees: readonly string[]) => `{${subtrees.map((p) => `"${p}%"`).join(',')}}`;

/**
 * The outbox rows as obligations, outside the transition statement that writes them and the handlers that
 * delete them: what the reconciler finds overdue or failed, and what administrators list and retry.
 */
export class ObligationStore {
  /**
   * Takes rows that were sent, are due since `graceMs`, and still exist — their job should have run by now —
   * marking them sent again so concurrent reconcilers take different rows.
   */
  async leaseOverdue(em: EntityManager, graceMs: number): Promise<ObligationRow[]> {
    const { rows } = await runSql<ObligationRow>(
      em,
      `update workflow_outbox o set sent_at = now()
         from (select id from workflow_outbox
                where sent_at is not null and failed_at is null
                  and run_at < now() - make_interval(secs => ?::float8 / 1000) and sent_at < now() - make_interval(secs => ?::float8 / 1000)
                order by run_at limit ${BATCH} for update skip locked) b
        where o.id = b.id
        returning o.id, o.job_name, o.job_id, o.payload, o.run_at, o.generation`,
      [graceMs, graceMs],
    );
    return rows;
  }

  /**
   * A relay's batch: leases up to `limit` unsent rows due within `aheadMs` (earliest first, none another relay
   * holds) for `leaseSeconds`, and in the same statement marks sent the rows of its previous batch.
   */
  async leaseDue(em: EntityManager, batch: { markSent: readonly string[]; aheadMs: number; leaseSeconds: number; limit: number }): Promise<ObligationRow[]> {
    const sent = pgArray(batch.markSent);
    const { rows } = await runSql<ObligationRow>(
      em,
      `with sent as (update workflow_outbox set sent_at = now(), leased_until = null where id = any(?::bigint[]))
       update workflow_outbox o set leased_until = now() + interval '${Math.trunc(batch.leaseSeconds)} seconds'
         from (select id from workflow_outbox
                where sent_at is null and run_at <= now() + make_interval(secs => ?::float8 / 1000)
                  and (leased_until is null or leased_until < now()) and id <> all(?::bigint[])
                order by run_at, id limit ${Math.trunc(batch.limit)} for update skip locked) batch
        where o.id = batch.id
        returning o.id, o.job_name, o.job_id, o.payload, o.run_at, o.generation`,
      [sent, batch.aheadMs, sent],
    );
    return rows;
  }

  /** Marks sent rows already in BullMQ. */
  async markSent(em: EntityManager, ids: readonly string[]): Promise<void> {
    await runSql(em, 'update workflow_outbox set sent_at = now(), leased_until = null where id = any(?::bigint[])', [pgArray(ids)]);
  }

  /** Lifts the lease on an unsent row, so the relays send it now rather than when its lease runs out. */
  async release(em: EntityManager, id: string): Promise<void> {
    await runSql(em, 'update workflow_outbox set leased_until = null where id = ?::bigint and sent_at is null', [id]);
  }

  /** Marks an obligation failed work (its job failed for good); the first reason is kept. */
  async recordFailure(em: EntityManager, id: string, reason: string): Promise<void> {
    await runSql(em, 'update workflow_outbox set failed_at = coalesce(failed_at, now()), failure = coalesce(failure, ?) where id = ?::bigint', [
      reason.slice(0, 500),
      id,
    ]);
  }

  /**
   * Puts failed work back in the relay's hands under a new job id: every row failed for longer than its back-off,
   * which doubles with each generation up to 64 times. Returns the ids.
   */
  async retryDue(em: EntityManager, backoffMs: number): Promise<string[]> {
    const { rows } = await runSql<{ id: string }>(
      em,
      `update workflow_outbox o set ${RETRIED}
         from (select id from workflow_outbox
                where failed_at is not null and failed_at < now() - make_interval(secs => ?::float8 / 1000 * power(2, least(generation, 6)))
                limit ${BATCH} for update skip locked) b
        where o.id = b.id
        returning o.id`,
      [backoffMs],
    );
    return rows.map((r) => String(r.id));
  }

  /**
   * Retries the given failed work now, all or nothing: only when every id is failed work under the subtrees.
   * Returns the ids retried (none when any was not).
   */
  async retryNow(em: EntityManager, ids: readonly string[], subtrees: readonly string[]): Promise<string[]> {
    const { rows } = await runSql<{ id: string }>(
      em,
      `with chosen as (select o.id from workflow_outbox o join workflow_instance i on i.id = (o.payload->>'instanceId')::uuid
                        where o.id = any(?::bigint[]) and o.failed_at is not null and i.subject_org_path like any(?::text[])
                        for update of o)
       update workflow_outbox o set ${RETRIED}
         from chosen c
        where o.id = c.id and (select count(*) from chosen) = ?
        returning o.id`,
      [`{${ids.join(',')}}`, subtreePatterns(subtrees), ids.length],
    );
    return rows.map((r) => String(r.id));
  }

  /** Failed work under the given organisation subtrees (by the instance's subject), oldest failure first. */
  async failed(em: EntityManager, subtrees: readonly string[], limit: number): Promise<FailedWorkRow[]> {
    if (!subtrees.length) return [];
    const { rows } = await runSql<FailedWorkRow>(
      em,
      `select o.id, o.job_name, (o.payload->>'instanceId')::uuid as instance_id, o.payload->>'ref' as ref, o.failure, o.failed_at, o.run_at,
              o.generation, i.subject_org_path
         from workflow_outbox o join workflow_instance i on i.id = (o.payload->>'instanceId')::uuid
        where o.failed_at is not null and i.subject_org_path like any(?::text[])
        order by o.failed_at, o.id limit ?`,
      [subtreePatterns(subtrees), limit],
    );
    return rows;
  }
}
