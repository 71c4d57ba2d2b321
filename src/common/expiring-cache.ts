/**
 * Values per key for a few seconds, at most `size` of them (the oldest goes first): for per-account facts that
 * every request reads and that may be that much out of date (a viewer's grants, whom they stand in for).
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly size: number,
  ) {}

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    const value = await load();
    this.entries.delete(key);
    if (this.entries.size >= this.size) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, expires: now + this.ttlMs });
    return value;
  }

  /** Forgets a key's value, so the next read loads it afresh (a change this process made). */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
