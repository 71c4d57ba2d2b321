/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  setupFiles: ['reflect-metadata'],
  testTimeout: 60000,
  // Each test file gets its own database and queue prefix, so files run in parallel safely.
  maxWorkers: 2,
};
