import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, Kind, parse, specifiedRules, validate, type OperationDefinitionNode } from 'graphql';
import { loadConfig } from '../../src/config/env';
import { queryLimits } from '../../src/graphql/limits';

const root = join(__dirname, '..', '..');
const EXAMPLES = join(root, 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.graphql')).sort();

/** The operations in examples/ are what a front-end would send: each must be valid against the committed schema. */
describe('the example operations', () => {
  const schema = buildSchema(readFileSync(join(root, 'schema', 'schema.graphql'), 'utf8'));
  // The limits the API applies (depth, aliases, directives, cost), so an example is also one the API accepts.
  const limits = queryLimits(loadConfig(process.env, { NODE_ENV: 'test' }));

  it('cover signing in, the inbox, deciding, a member page and the subscriptions', () => {
    const operations = files.flatMap((f) => parse(readFileSync(join(EXAMPLES, f), 'utf8')).definitions);
    const names = operations.map((d) => (d as OperationDefinitionNode).name?.value);
    expect(names).toEqual(expect.arrayContaining(['Login', 'Inbox', 'Decide', 'MemberPage', 'InboxChanged', 'InstanceChanged', 'NotificationAdded', 'Refetch']));
    // Named once across the folder, so a client's generated types do not collide.
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });

  it.each(files)('%s is valid against schema/schema.graphql and within the API limits', (file) => {
    const document = parse(readFileSync(join(EXAMPLES, file), 'utf8'), limits.parseOptions);
    expect(document.definitions.every((d) => d.kind === Kind.OPERATION_DEFINITION && d.name)).toBe(true);
    const errors = validate(schema, document, [...specifiedRules, ...limits.validationRules]);
    expect(errors.map((e) => e.message)).toEqual([]);
  });
});
