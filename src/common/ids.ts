import { randomUUID } from 'node:crypto';
import { badInput } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const newId = (): string => randomUUID();

export const isId = (value: string): boolean => UUID.test(value);

/** Rejects a malformed id before it reaches SQL, so the client gets BAD_USER_INPUT instead of a driver error. */
export function parseId(value: string, field = 'id'): string {
  if (!UUID.test(value)) throw badInput(`${field} is not a valid id`, field, 'MALFORMED_ID');
  return value.toLowerCase();
}
