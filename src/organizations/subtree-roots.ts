import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { covers, type ScopeSql } from '../common/subtree';
import type { Conditions } from '../db/sql';
import type { OrganizationRepository } from './organization.repository';

const MAX_REMEMBERED = 20_000;

/**
 * The root of a read filtered to a subtree (`subtreeOf`): its path is remembered per process, so the read is one
 * statement instead of a lookup and then the read. The read's own SQL checks that the root still has that path,
 * so a move made since (in this process or another) never answers from the old subtree: an empty answer is
 * checked against the table once, and read again with the current path if it moved.
 */
export class SubtreeRoots {
  private readonly paths = new Map<string, string>();

  constructor(private readonly organizations: OrganizationRepository) {}

  /**
   * Runs `read` with `where` and the viewer's `scope` narrowed to the subtree of the organisation `id` (the
   * argument `field` names it in errors); `column` is the read's org-path column. NOT_FOUND when there is no such
   * organisation. A subtree inside one the scope admits whole needs no scope term: every row under it is in scope,
   * and the planner has one condition on the path fewer to plan and to test on every row it walks.
   */
  async read<T extends { edges: readonly unknown[] }>(
    em: EntityManager,
    input: { id: string; field: string; column: string; where: Conditions; scope: ScopeSql },
    read: (where: Conditions) => Promise<T>,
  ): Promise<T> {
    const id = parseId(input.id, input.field);
    const { scope } = input;
    const within = (path: string) =>
      (scope.subtrees.some((root) => covers(root, path)) ? input.where : input.where.with(scope.sql, ...scope.params))
        .with(`${input.column} like ?`, `${path}%`)
        .with('exists (select 1 from organization root where root.id = ? and root.path = ?)', id, path);
    const known = this.paths.get(id);
    const answered = known === undefined ? undefined : await read(within(known));
    if (answered?.edges.length) return answered;
    // Not known yet, or answered nothing under the path remembered: the path the root has now.
    this.paths.delete(id);
    const path = await this.pathOf(em, id, input.field);
    if (this.paths.size >= MAX_REMEMBERED) this.paths.clear();
    this.paths.set(id, path);
    // Empty under the path it still has: the subtree really is empty (for this viewer and filter).
    return answered && path === known ? answered : read(within(path));
  }

  /** The path the organisation `id` has now (`field` names the argument in errors); NOT_FOUND when there is none. */
  async pathOf(em: EntityManager, id: string, field: string): Promise<string> {
    const root = await this.organizations.byId(em, parseId(id, field));
    if (!root) throw notFound('Organization');
    return root.path;
  }
}
