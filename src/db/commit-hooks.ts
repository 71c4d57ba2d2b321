import type { EntityManager, Knex } from '@mikro-orm/postgresql';
import type { Orm } from './orm';

/**
 * MikroORM runs a nested `transactional` as a savepoint whose knex transaction points to its parent under a
 * symbol of its own (and fires the commit events for the outermost one only): the outermost is what commits.
 */
function outermost(trx: Knex.Transaction): object {
  let current = trx as Knex.Transaction & Record<symbol, Knex.Transaction | undefined>;
  for (;;) {
    const parent = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    if (!parent || !current[parent]) return current;
    current = current[parent] as typeof current;
  }
}

/**
 * Work to do once what was just written on an EntityManager is committed: at once when it is in no
 * transaction (the statement committed on its own), else when its outermost transaction commits, and never
 * when that rolls back. Used to tell other processes about rows only after they can see them (the relays'
 * wake, the live events). One per ORM: it subscribes to the ORM's transaction events.
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
