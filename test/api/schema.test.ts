import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSdl } from '../../src/graphql/schema';

describe('the committed schema', () => {
  it('matches the schema the code builds (run `npm run schema` after changing types)', async () => {
    const committed = readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
    expect(committed).toBe(await printSdl());
  });
});
