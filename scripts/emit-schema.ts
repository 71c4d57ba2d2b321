import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../src/common/project-root';
import { printSdl } from '../src/graphql/schema';

/** Writes schema/schema.graphql from the code-first schema; a test fails when the committed file is stale. */
void printSdl().then((sdl) => {
  writeFileSync(join(projectRoot(), 'schema', 'schema.graphql'), sdl);
  process.stdout.write('schema/schema.graphql written\n');
});
