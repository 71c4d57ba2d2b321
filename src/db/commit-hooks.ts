import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Orm } from './orm';

/** A knex transaction nested in another (a savepoint) names its parent; the outermost one is what commits. */
function outermost(trx: Knex.Transaction): object {
  let t = trx as Knex.Transaction & { parentTransaction?: Knex.Transaction };
  while (t.parentTransaction) t = t.parentTransaction as typeof t;
  return t;
}

/**
 * Work to do once what was just written on an EntityManager is committed: at once when it is in no
 * transaction (the statement committed on its own), else when its outermost transaction commits, and never
 * when that rolls back. Used to tell other processes about rows only after they can see them.
 */
export class CommitHooks {
  private readonly pending = new WeakMap<object, Set<() => void>>();

  constructor(orm: Orm) {
    // Registered before any fork is made: transactional forks copy the subscribers of the manager they fork.
    orm.em.getEventManager().registerSubscriber({
      afterTransactionCommit: ({ transaction }) => this.settle(transaction, true),
      afterTransactionRollback: ({ transaction }) => this.settle(transaction, false),
    });
  }

  /** Runs `fn` after the commit of what `em` wrote; the same `fn` asked for twice in one transaction runs once. */
  after(em: EntityManager, fn: () => void): void {
    const trx = em.getTransactionContext<Knex.Transaction>();
    if (!trx) return fn();
    const root = outermost(trx);
    const fns = this.pending.get(root) ?? new Set();
    fns.add(fn);
    this.pending.set(root, fns);
  }

  private settle(transaction: unknown, committed: boolean): void {
    // A knex transaction is a function object.
    if (!transaction || (typeof transaction !== 'object' && typeof transaction !== 'function')) return;
    const fns = this.pending.get(transaction);
    if (!fns) return;
    this.pending.delete(transaction);
    if (committed) for (const fn of fns) fn();
  }
}
