/** A counting semaphore for work that must not run more than `permits` at a time in one isolate. */
export class Semaphore {
  private waiting: (() => void)[] = [];
  private available: number;

  constructor(permits: number) {
    this.available = permits;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the permit straight to the next waiter, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.available++;
    }
  }
}
