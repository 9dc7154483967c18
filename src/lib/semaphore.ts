/**
 * A counting semaphore for work that must not run more than `permits` at a time in one isolate.
 *
 * Permits are leases: a task's request can end without its `finally` ever running (the client
 * went away and the runtime cancelled the request, or it hit a limit), and a permit it held would
 * otherwise be gone for the isolate's life, with every later task waiting on it. So each permit
 * records when it was taken, and one held longer than `leaseMs` (longer than any request may run)
 * is taken back by the next task that needs it. A task that was only slow and finishes after that
 * gives nothing back twice: its permit is no longer on the books. The bound is therefore soft: a
 * task still running past its lease may overlap the next one (a render is CPU-bound, and a
 * request's CPU is capped well below the 60 s default).
 */
export class Semaphore {
  /** When each permit now held was taken. */
  private held = new Map<symbol, number>();
  private waiting = new Set<() => void>();

  constructor(
    private readonly permits: number,
    private readonly leaseMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    const permit = await this.acquire();
    try {
      return await task();
    } finally {
      this.release(permit);
    }
  }

  private async acquire(): Promise<symbol> {
    for (;;) {
      const now = this.now();
      for (const [permit, since] of this.held) if (now - since >= this.leaseMs) this.held.delete(permit);
      if (this.held.size < this.permits) {
        const permit = Symbol("permit");
        this.held.set(permit, now);
        return permit;
      }
      // Woken by a release, or when the oldest lease runs out.
      const oldest = Math.min(...this.held.values());
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiting.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, oldest + this.leaseMs - now);
        this.waiting.add(wake);
      });
    }
  }

  /** Wakes every waiter to try again (one takes the permit): a waiter whose request was cancelled cannot swallow the wake-up. */
  private release(permit: symbol): void {
    if (!this.held.delete(permit)) return;
    for (const wake of [...this.waiting]) wake();
  }
}
