import type { EntityManager } from '@mikro-orm/postgresql';
import { CommitHooks } from '../../src/db/commit-hooks';
import { startTestApp, type TestApp } from '../support/harness';

/** What tells other processes about committed rows (the relays' wake, live events) runs only once they can see them. */
describe('work after commit', () => {
  let t: TestApp;
  let hooks: CommitHooks;
  const fork = () => t.app.services.orm.em.fork() as EntityManager;

  beforeAll(async () => {
    t = await startTestApp();
    hooks = new CommitHooks(t.app.services.orm);
  });
  afterAll(() => t?.close());

  it('runs at once outside a transaction', () => {
    const ran: string[] = [];
    hooks.after(fork(), () => ran.push('now'));
    expect(ran).toEqual(['now']);
  });

  it('runs when the outermost transaction commits, not when a nested one (a savepoint) is released', async () => {
    const ran: string[] = [];
    await fork().transactional(async (outer) => {
      await outer.transactional(async (inner) => {
        hooks.after(inner as EntityManager, () => ran.push('inner'));
      });
      expect(ran).toEqual([]);
      hooks.after(outer as EntityManager, () => ran.push('outer'));
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['inner', 'outer']);
  });

  it('never runs when the transaction rolls back, even for work registered in a savepoint that was released', async () => {
    const ran: string[] = [];
    await expect(
      fork().transactional(async (outer) => {
        await outer.transactional(async (inner) => {
          hooks.after(inner as EntityManager, () => ran.push('inner'));
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(ran).toEqual([]);
  });
});
