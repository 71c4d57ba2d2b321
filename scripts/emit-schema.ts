import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSdl } from '../src/graphql/schema';

/** Writes schema/schema.graphql from the code-first schema; a test fails when the committed file is stale. */
void printSdl().then((sdl) => {
  writeFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), sdl);
  process.stdout.write('schema/schema.graphql written\n');
});
