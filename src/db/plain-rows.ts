import type { EntityManager, EntityName } from '@mikro-orm/postgresql';
import { ReferenceKind, Utils } from '@mikro-orm/core';
import { pgArray, runSql } from './sql';

/**
 * Rows of an entity's table by id as plain objects shaped like the entity (property names; a many-to-one as
 * `{ id }`, an instant as a Date, since the driver hands timestamps over as text), without hydrating managed
 * entities: for reads that change nothing, so no identity map, snapshot or unit of work is paid for. One
 * statement for the batch; the result is in the order of `ids`.
 */
export async function plainRowsById<T extends { id: string }>(em: EntityManager, entity: EntityName<T>, ids: readonly string[]): Promise<(T | undefined)[]> {
  const meta = em.getMetadata().get<T>(Utils.className(entity));
  const columns: { prop: string; column: string; reference: boolean; bigint: boolean; instant: boolean }[] = [];
  for (const prop of meta.props) {
    if (prop.persist === false || !prop.fieldNames?.length) continue;
    if (prop.kind !== ReferenceKind.SCALAR && prop.kind !== ReferenceKind.MANY_TO_ONE) continue;
    const type = prop.columnTypes?.[0] ?? '';
    columns.push({ prop: prop.name, column: prop.fieldNames[0], reference: prop.kind === ReferenceKind.MANY_TO_ONE, bigint: type === 'bigint', instant: type.startsWith('timestamp') });
  }
  const list = columns.map((c) => `"${c.column}"`).join(', ');
  const { rows } = await runSql<Record<string, unknown>>(em, `select ${list} from "${meta.tableName}" where id = any(?::uuid[])`, [pgArray(ids)]);
  const byId = new Map<string, T>();
  for (const row of rows) {
    const plain: Record<string, unknown> = {};
    for (const c of columns) {
      const value = row[c.column];
      plain[c.prop] = value == null ? value : c.reference ? { id: value } : c.bigint ? Number(value) : c.instant ? new Date(value as string) : value;
    }
    byId.set(plain.id as string, plain as T);
  }
  return ids.map((id) => byId.get(id));
}
