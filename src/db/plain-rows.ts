import type { EntityManager, EntityName } from '@mikro-orm/postgresql';
import { ReferenceKind, Utils } from '@mikro-orm/core';
import { type Connection, type KeysetPage, newestFirst, rowPage } from '../common/connection';
import { type Conditions, pgArray, runSql } from './sql';

/**
 * An entity's table read as plain objects shaped like the entity (property names; a many-to-one as `{ id }`, an
 * instant as a Date, since the driver hands timestamps over as text), without hydrating managed entities: for
 * reads that change nothing, so no identity map, snapshot or unit of work is paid for.
 */
function plainShape<T>(em: EntityManager, entity: EntityName<T>, alias: string) {
  const meta = em.getMetadata().get<T>(Utils.className(entity));
  const columns: { prop: string; column: string; reference: boolean; bigint: boolean; instant: boolean }[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    if (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE) continue;
    const type = prop.columnTypes?.[0] ?? '';
    columns.push({ prop: prop.name, column: prop.fieldNames[0], reference: prop.kind === ReferenceKind.MANY_TO_ONE, bigint: type === 'bigint', instant: type.startsWith('timestamp') });
  }
  return {
    table: `"${meta.tableName}" ${alias}`,
    select: columns.map((c) => `${alias}."${c.column}"`).join(', '),
    shape(row: Record<string, unknown>): T {
      const plain: Record<string, unknown> = {};
      for (const c of columns) {
        const value = row[c.column];
        plain[c.prop] = value == null ? value : c.reference ? { id: value } : c.bigint ? Number(value) : c.instant ? new Date(value as string) : value;
      }
      return plain as T;
    },
  };
}

/** Rows by id, one statement for the batch; the result is in the order of `ids`. */
export async function plainRowsById<T extends { id: string }>(em: EntityManager, entity: EntityName<T>, ids: readonly string[]): Promise<(T | undefined)[]> {
  const { table, select, shape } = plainShape(em, entity, 't');
  const { rows } = await runSql<Record<string, unknown>>(em, `select ${select} from ${table} where t.id = any(?::uuid[])`, [pgArray(ids)]);
  const byId = new Map(rows.map((row) => [row.id as string, shape(row)]));
  return ids.map((id) => byId.get(id));
}

/** A keyset page of an entity's rows, newest first (`created_at, id`); `where` names the table `t`. */
export function plainRowPage<T extends { id: string; createdAt: Date }>(em: EntityManager, entity: EntityName<T>, where: Conditions, page: KeysetPage): Promise<Connection<T>> {
  const { table, select, shape } = plainShape(em, entity, 't');
  return rowPage<T>(
    em,
    { select, from: table, where, ...newestFirst<T>('t'), shape },
    page,
  );
}
