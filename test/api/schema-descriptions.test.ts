import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from 'graphql';

/**
 * Every type, field, argument and enum value of the API says what it is (Chinese and English where it helps):
 * this counts them and prints any that do not, and FLOOR (all of them) fails the build on the first.
 */
const FLOOR = 1;

type Kind = 'types' | 'fields' | 'arguments' | 'enum values';

function descriptions() {
  const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));
  const counts: Record<Kind, { described: number; total: number }> = {
    types: { described: 0, total: 0 },
    fields: { described: 0, total: 0 },
    arguments: { described: 0, total: 0 },
    'enum values': { described: 0, total: 0 },
  };
  const missing: string[] = [];
  const count = (kind: Kind, name: string, description: string | null | undefined) => {
    counts[kind].total++;
    if (description?.trim()) counts[kind].described++;
    else missing.push(name);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    count('types', type.name, type.description);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        count('fields', `${type.name}.${field.name}`, field.description);
        for (const arg of 'args' in field ? field.args : []) count('arguments', `${type.name}.${field.name}(${arg.name})`, arg.description);
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) count('enum values', `${type.name}.${value.name}`, value.description);
  }
  return { counts, missing };
}

describe('the schema’s descriptions', () => {
  it('cover a growing share of types, fields, arguments and enum values (all of them once at 100%)', () => {
    const { counts, missing } = descriptions();
    const described = Object.values(counts).reduce((n, c) => n + c.described, 0);
    const total = Object.values(counts).reduce((n, c) => n + c.total, 0);
    process.stdout.write(
      `schema descriptions: ${described}/${total} (${((100 * described) / total).toFixed(1)}%) — ` +
        `${Object.entries(counts).map(([k, c]) => `${k} ${c.described}/${c.total}`).join(', ')}\n` +
        `undescribed (first 40): ${missing.slice(0, 40).join(', ')}\n`,
    );
    expect(total).toBeGreaterThan(0);
    expect(described / total).toBeGreaterThanOrEqual(FLOOR);
  });
});
