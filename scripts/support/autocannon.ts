/** autocannon 8 ships no types: the part of its programmatic API the benchmarks use. */
export interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body: string;
}

export interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const run = require('autocannon') as (options: AutocannonOptions) => Promise<AutocannonResult>;

export const autocannon = (options: AutocannonOptions): Promise<AutocannonResult> => run(options);
