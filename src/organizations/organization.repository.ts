import type { EntityManager } from '@mikro-orm/postgresql';
import { type Connection, type KeysetPage, rowPage } from '../common/connection';
import { type Conditions, pgArray, runSql, withDate } from '../db/sql';
import type { Organization, OrganizationKind, OrganizationLevel } from './organization.entity';

/** An organisation as the API reads it: a plain row, never a managed entity. */
export interface OrganizationRow {
  id: string;
  code: string;
  name: string;
  level: OrganizationLevel;
  kind: OrganizationKind;
  parentId: string | null;
  path: string;
  depth: number;
  createdAt: Date;
}

/** Each field of a row and the column it is read from. */
const COLUMNS: Record<keyof OrganizationRow, string> = {
  id: 'id',
  code: 'code',
  name: 'name',
  level: 'level',
  kind: 'kind',
  parentId: 'parent_id',
  path: 'path',
  depth: 'depth',
  createdAt: 'created_at',
};

/** `o.parent_id as "parentId", …` for the given fields of the table aliased `alias`, each under `prefix` + its name. */
export function organizationColumns(alias: string, fields: readonly (keyof OrganizationRow)[] = Object.keys(COLUMNS) as (keyof OrganizationRow)[], prefix = ''): string {
  return fields.map((f) => `${alias}.${COLUMNS[f]} as "${prefix}${f}"`).join(', ');
}

export const isOrganizationField = (name: string): name is keyof OrganizationRow => Object.hasOwn(COLUMNS, name);

const ALL = organizationColumns('o');

/**
 * The given fields of the organisation whose id is in `idColumn`, as one scalar subquery each (a primary-key
 * lookup per row): PostgreSQL plans these in about half the time of a join, which for a page is most of its cost.
 */
export const organizationFieldsOf = (idColumn: string, fields: readonly (keyof OrganizationRow)[], prefix: string): string =>
  fields.map((f) => `(select o.${COLUMNS[f]} from organization o where o.id = ${idColumn}) as "${prefix}${f}"`).join(', ');
const BY_NAME = [{ column: 'o.name' }, { column: 'o.id', cast: '::uuid' }];

/** The plain row of an organisation written through the unit of work (a mutation answers with it). */
export const organizationRowOf = (o: Organization): OrganizationRow => ({
  id: o.id,
  code: o.code,
  name: o.name,
  level: o.level,
  kind: o.kind,
  parentId: o.parent?.id ?? null,
  path: o.path,
  depth: o.depth,
  createdAt: o.createdAt,
});

/** A row as read, with its timestamp as a Date. */
export const shapeOrganization = (row: object) => withDate(row as OrganizationRow, 'createdAt');

/** The organisation module's SQL: reads return plain rows shaped for the API. */
export class OrganizationRepository {
  async byIds(em: EntityManager, ids: readonly string[]): Promise<OrganizationRow[]> {
    return (await runSql<OrganizationRow>(em, `select ${ALL} from organization o where o.id = any(?::uuid[])`, [pgArray(ids)])).rows.map(shapeOrganization);
  }

  async byId(em: EntityManager, id: string): Promise<OrganizationRow | undefined> {
    return (await runSql<OrganizationRow>(em, `select ${ALL} from organization o where o.id = ?`, [id])).rows.map(shapeOrganization)[0];
  }

  async byCode(em: EntityManager, code: string): Promise<OrganizationRow | undefined> {
    return (await runSql<OrganizationRow>(em, `select ${ALL} from organization o where o.code = ?`, [code])).rows.map(shapeOrganization)[0];
  }

  /** A page ordered by name, id; `where` names the table `o`. */
  page(em: EntityManager, where: Conditions, page: KeysetPage): Promise<Connection<OrganizationRow>> {
    return rowPage<OrganizationRow>(em, { select: ALL, from: 'organization o', where, orderBy: BY_NAME, keyOf: (o) => [o.name, o.id], shape: shapeOrganization }, page);
  }

  /** Active members in each organisation's whole subtree, one statement for the batch. */
  async memberCounts(em: EntityManager, ids: readonly string[]): Promise<Map<string, number>> {
    // ~>=~ / ~<~ are the byte-wise operators text_pattern_ops indexes serve; '~' sorts after every path character.
    const { rows } = await runSql<{ id: string; n: number }>(
      em,
      `select o.id, (select count(*)::int from member m
                      where m.org_path ~>=~ o.path and m.org_path ~<~ (o.path || '~') and m.status = 'ACTIVE') as n
         from organization o where o.id = any(?::uuid[])`,
      [pgArray(ids)],
    );
    return new Map(rows.map((r) => [r.id, r.n]));
  }

  /** Moves a subtree and its members (three statements), in the EntityManager's transaction. */
  async moveSubtree(em: EntityManager, move: { id: string; oldPath: string; newPath: string; depthDelta: number; parentId: string }): Promise<void> {
    const from = move.oldPath.length + 1;
    await runSql(em, `update organization set path = ? || substr(path, ?), depth = depth + ?, updated_at = now() where path like ?`, [move.newPath, from, move.depthDelta, `${move.oldPath}%`]);
    await runSql(em, `update member set org_path = ? || substr(org_path, ?) where org_path like ?`, [move.newPath, from, `${move.oldPath}%`]);
    await runSql(em, `update organization set parent_id = ? where id = ?`, [move.parentId, move.id]);
  }
}
