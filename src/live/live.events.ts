/** The PostgreSQL channel the live updates travel on, from whichever process committed them to every API. */
export const LIVE_CHANNEL = 'gonghui_live';

/**
 * What changed, as ids only (a NOTIFY payload is public to every session LISTENing on the channel and is
 * limited to 8,000 bytes): each API reads the rows itself and decides per subscriber what to show.
 * - `task`: tasks were opened (routed), closed (decided or cancelled), or one voter's ballot was cast; a task's
 *   claimant changed (claimed, released, handed on; `from` is who held it before); a delegation in force
 *   began or ended (`granted`) that puts the task in, or takes it out of, its substitute's inbox;
 * - `instance`: an instance moved (any committed transition);
 * - `notification`: a reminder or overdue notice was filed.
 */
export type LiveEvent =
  | { type: 'task'; change: 'opened' | 'closed'; key: string }
  | { type: 'task'; change: 'voted'; key: string; accountId: string }
  | { type: 'task'; change: 'claimed'; key: string; from: string | null }
  | { type: 'task'; change: 'delegated'; key: string; accountId: string; granted: boolean }
  | { type: 'instance'; id: string }
  | { type: 'notification'; key: string };

export const encodeEvent = (event: LiveEvent): string => JSON.stringify(event);

/** A payload from the channel, or undefined for one this version does not know (a newer process may send more). */
export function decodeEvent(payload: string | undefined): LiveEvent | undefined {
  if (!payload) return undefined;
  try {
    const event = JSON.parse(payload) as LiveEvent;
    return ['task', 'instance', 'notification'].includes(event?.type) ? event : undefined;
  } catch {
    return undefined;
  }
}
