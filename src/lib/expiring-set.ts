/**
 * Keys remembered for a while, at most `capacity` of them (oldest forgotten first): per-isolate
 * memory of tokens D1 just confirmed unknown, so a dead link scanned again and again does not
 * cost a D1 read each time.
 */
export class ExpiringSet {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity: number,
  ) {}

  has(key: string, now = Date.now()): boolean {
    const until = this.until.get(key);
    if (until === undefined) return false;
    if (until > now) return true;
    this.until.delete(key);
    return false;
  }

  add(key: string, now = Date.now()): void {
    this.until.delete(key);
    if (this.until.size >= this.capacity) this.until.delete(this.until.keys().next().value!);
    this.until.set(key, now + this.ttlMs);
  }
}

/** Tokens of no dynamic code, shared by the redirect and the hosted pages. */
export const unknownTokens = new ExpiringSet(30_000, 10_000);
