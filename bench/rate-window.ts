// Judging a rolling-window rate limit by the limiter's own arrival times (CallerGate's `at`, which
// the Worker reports in X-Bench-Gate-At under BENCH_ROUTES=1). The caller's clock says nothing:
// a burst the caller sends "at once" can reach the limiter spread over more than a second on a
// busy machine, and then more than 5 are rightly admitted. Pure, so the worker tests use it too.
// A window is (t - windowMs, t], as the gate counts it.

/** The most arrivals in any one window. */
export function mostInAnyWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let first = 0, last = 0; last < sorted.length; last++) {
    while (sorted[last]! - sorted[first]! >= windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** Refusals with room in their window: fewer than `limit` admitted in (t - windowMs, t]. Should be none. */
export function refusalsWithRoom(admitted: readonly number[], refused: readonly number[], limit: number, windowMs: number): number[] {
  return refused.filter((t) => admitted.filter((a) => a > t - windowMs && a <= t).length < limit);
}
