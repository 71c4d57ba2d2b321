import { isDatabaseUnavailable } from '../../src/db/availability';
import { OUTAGE_MAX_DELAY_MS, outageDelayMs } from '../../src/workflow/workflow.workers';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('telling an unreachable database from a refused statement', () => {
  it.each([
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a session ended by a shutdown (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a server starting up (57P03)', withCode('57P03', 'the database system is starting up')],
    ['a connection exception (class 08)', withCode('08006')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('Knex: Timeout acquiring a connection. The pool is probably full.')],
    ['any of these as the cause of another error', new Error('Context creation failed', { cause: withCode('ECONNREFUSED') })],
  ])('counts %s as unavailable', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value')],
    ['a serialization failure', withCode('40001')],
    ['a protocol violation the statement caused (a NUL in a parameter, 08P01)', withCode('08P01', 'invalid message format')],
    ['an error of the application', new Error('Fund not found')],
    ['something that is not an error', 'ECONNREFUSED'],
  ])('does not count %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});

describe('postponing a job during an outage', () => {
  it('waits about 0.5 s, then twice as long each time, never more than the cap', () => {
    expect(outageDelayMs(1)).toBeGreaterThanOrEqual(400);
    expect(outageDelayMs(1)).toBeLessThanOrEqual(600);
    expect(outageDelayMs(3)).toBeGreaterThanOrEqual(1600);
    expect(outageDelayMs(50)).toBe(OUTAGE_MAX_DELAY_MS);
  });
});
