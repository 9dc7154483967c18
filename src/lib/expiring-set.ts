/**
 * Values remembered for a while, at most `capacity` of them (oldest forgotten first): per-isolate
 * memory that spares repeated reads of the same thing within a few seconds.
 */
export class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until > now) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.delete(key);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, until: now + this.ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** Keys remembered for a while (see ExpiringMap). */
export class ExpiringSet {
  private readonly map: ExpiringMap<true>;

  constructor(ttlMs: number, capacity: number) {
    this.map = new ExpiringMap(ttlMs, capacity);
  }

  has(key: string, now = Date.now()): boolean {
    return this.map.get(key, now) === true;
  }

  add(key: string, now = Date.now()): void {
    this.map.set(key, true, now);
  }
}

