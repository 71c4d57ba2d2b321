import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, ErrorCode } from '../common/errors';
import { runSql } from '../db/sql';

/** What a client may send as an idempotency key; the same text is in the schema's argument descriptions. */
export const IDEMPOTENCY_KEY_RULE = '8–100 characters of A–Z, a–z, 0–9 and . _ : - (a UUID will do)';
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,100}$/;
/** The schema's description of every idempotencyKey argument and field. */
export const IDEMPOTENCY_KEY_DESCRIPTION =
  `Makes a retry safe: ${IDEMPOTENCY_KEY_RULE}, new for each request and kept per account. A repeat with the same key and input is answered with the first result as it was then; the same key for another operation, target or input is CONFLICT with reason IDEMPOTENCY_KEY_REUSED.`;

/** A client's idempotency key, checked before it is looked up or stored. */
export function parseIdempotencyKey(value: string): string {
  if (!IDEMPOTENCY_KEY.test(value)) throw badInput(`idempotencyKey must be ${IDEMPOTENCY_KEY_RULE}`, 'idempotencyKey', 'BAD_IDEMPOTENCY_KEY');
  return value;
}

/**
 * One request made idempotent: who sent it, under which key, for which operation on which target, and a hash
 * of the rest of its input. A repeat must match all of it; the same key on another target or with other input
 * is a client bug, answered CONFLICT rather than with a result that belongs to something else.
 */
export interface IdempotentRequest {
  accountId: string;
  key: string;
  operation: string;
  /** The object the operation acts on (a task, an instance, a fund, a member…), null for none. */
  targetId: string | null;
  requestHash: string;
}

export interface IdempotentResult<S> {
  resultId: string;
  /** The result as it was when first answered. */
  snapshot: S | null;
}

/** sha256 of the input in a canonical form (keys sorted), so a repeat with the same fields in another order matches. */
export function requestHash(input: unknown): string {
  return createHash('sha256').update(canonical(input)).digest('hex');
}

function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const idempotentRequest = (accountId: string, key: string, operation: string, targetId: string | null, input: unknown): IdempotentRequest => ({
  accountId,
  key: parseIdempotencyKey(key),
  operation,
  targetId,
  requestHash: requestHash(input),
});

interface Row {
  operation: string;
  target_id: string | null;
  request_hash: string | null;
  result_id: string | null;
  result: unknown;
}

/**
 * The record of idempotent requests (`idempotency_key`), one row per account and key. Requests that start a
 * transaction of their own claim the key first (`claim`), which also makes a concurrent twin wait for the
 * first to commit; the workflow's one-statement decisions write it inside the transition (`insertPart`).
 */
export class IdempotencyStore {
  /** The first answer to this request, or null when the key is new; CONFLICT when the key was used for something else. */
  async previous<S>(em: EntityManager, req: IdempotentRequest): Promise<IdempotentResult<S> | null> {
    const { rows } = await runSql<Row>(em, 'select operation, target_id, request_hash, result_id, result from idempotency_key where account_id = ? and key = ?', [
      req.accountId,
      req.key,
    ]);
    return rows[0] ? this.match<S>(req, rows[0]) : null;
  }

  /**
   * In the caller's transaction: takes the key, or — when a request with it already committed — returns that
   * request's answer. A twin still in flight holds the key's row, so this waits for it and then sees its answer.
   */
  async claim<S>(em: EntityManager, req: IdempotentRequest): Promise<IdempotentResult<S> | null> {
    const { rowCount } = await runSql(
      em,
      `insert into idempotency_key (account_id, key, operation, target_id, request_hash) values (?, ?, ?, ?, ?)
       on conflict (account_id, key) do nothing`,
      [req.accountId, req.key, req.operation, req.targetId, req.requestHash],
    );
    return rowCount === 1 ? null : this.previous<S>(em, req);
  }

  /**
   * Runs a request that creates or moves something in a transaction of its own, once per key: the key is
   * claimed in that transaction and the answer recorded with it, so a twin arriving meanwhile waits and then
   * gets that answer (`asThen`). Without a key the work simply runs.
   */
  async once<T, S>(
    em: EntityManager,
    req: IdempotentRequest | undefined,
    work: (tx: EntityManager) => Promise<T>,
    answer: { record(result: T): { id: string; snapshot: S }; asThen(first: IdempotentResult<S>): Promise<T> },
  ): Promise<T> {
    const outcome = await em.transactional(async (tx) => {
      const first = req ? await this.claim<S>(tx as EntityManager, req) : null;
      if (first) return { first };
      const result = await work(tx as EntityManager);
      if (req) {
        const { id, snapshot } = answer.record(result);
        await this.complete(tx as EntityManager, req, id, snapshot);
      }
      return { result };
    });
    return 'first' in outcome ? answer.asThen(outcome.first!) : outcome.result;
  }

  /** Records the answer of a claimed request, in the same transaction. */
  async complete(em: EntityManager, req: IdempotentRequest, resultId: string, snapshot: unknown): Promise<void> {
    await runSql(em, 'update idempotency_key set result_id = ?, result = ?::jsonb where account_id = ? and key = ?', [
      resultId,
      JSON.stringify(snapshot),
      req.accountId,
      req.key,
    ]);
  }

  /**
   * The key's row as one more part of the statement that writes the result (the workflow's transition): its
   * result id and snapshot are SQL over `from`, so the snapshot is what that statement wrote. A key already
   * taken makes the whole statement fail with a unique violation, and nothing of it is written.
   */
  insertPart(req: IdempotentRequest, select: { resultId: string; result: string; from: string }) {
    return {
      sql: `insert into idempotency_key (account_id, key, operation, target_id, request_hash, result_id, result)
            select ?::uuid, ?, ?, ?::uuid, ?, ${select.resultId}, ${select.result} from ${select.from}`,
      params: [req.accountId, req.key, req.operation, req.targetId, req.requestHash],
    };
  }

  private match<S>(req: IdempotentRequest, row: Row): IdempotentResult<S> {
    // Keys recorded before requests were hashed carry no hash: their operation and target are all there is to compare.
    const same = row.operation === req.operation && row.target_id === req.targetId && (row.request_hash === null || row.request_hash === req.requestHash);
    if (!same || !row.result_id) {
      throw new AppError(
        ErrorCode.CONFLICT,
        same ? 'A request with this idempotency key is still being answered' : 'This idempotency key was used for another request; use a new key for each request',
        { reason: same ? 'IDEMPOTENCY_KEY_IN_FLIGHT' : 'IDEMPOTENCY_KEY_REUSED', field: 'idempotencyKey' },
      );
    }
    return { resultId: row.result_id, snapshot: (row.result as S) ?? null };
  }
}
