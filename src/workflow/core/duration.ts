/** ISO-8601 durations (PnYnMnWnDTnHnMnS, whole numbers) and UTC instant arithmetic, without Date.now(). */

export interface Duration {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Null unless `text` is a non-empty, non-zero duration (a zero deadline is always a mistake). */
export function parseDuration(text: string): Duration | null {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const n = (i: number) => (m[i] === undefined ? 0 : Number(m[i]));
  const d: Duration = { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
  return nominalMs(d) > 0 ? d : null;
}

function mustParse(text: string): Duration {
  const d = parseDuration(text);
  if (!d) throw new Error(`not an ISO-8601 duration: ${text}`);
  return d;
}

/** Length with months of 30 days and years of 365: only for comparisons such as "reminder before deadline". */
export function nominalMs(d: Duration): number {
  const days = d.years * 365 + d.months * 30 + d.weeks * 7 + d.days;
  return ((days * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
}

export const durationMs = (text: string) => nominalMs(mustParse(text));

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Parses an ISO-8601 instant with an explicit offset; null otherwise (local times are ambiguous). */
export function parseInstant(text: string): number | null {
  if (typeof text !== 'string' || !ISO_INSTANT.test(text)) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** Adds (sign 1) or subtracts (sign -1) a duration; calendar parts in UTC, so P1M from Jan 31 is Mar 2/3. */
export function addDuration(instant: string, duration: string, sign: 1 | -1 = 1): string {
  const ms = parseInstant(instant);
  if (ms === null) throw new Error(`not an ISO-8601 instant: ${instant}`);
  const d = mustParse(duration);
  const t = new Date(ms);
  t.setUTCFullYear(t.getUTCFullYear() + sign * d.years);
  t.setUTCMonth(t.getUTCMonth() + sign * d.months);
  const fixed = (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60_000 + d.seconds * 1000;
  return new Date(t.getTime() + sign * fixed).toISOString();
}

/** The instant at `fraction` (0..1) of the way from `start` to `end`, to the millisecond. */
export function fractionBetween(start: string, end: string, fraction: number): string {
  const a = parseInstant(start);
  const b = parseInstant(end);
  if (a === null || b === null) throw new Error('not ISO-8601 instants');
  return new Date(a + Math.floor((b - a) * fraction)).toISOString();
}
