/**
 * A dependency (D1, KV, R2, a Durable Object, the queue) could not answer and nothing could be
 * served in its place. Not a crash: every family answers it as a 503 with Retry-After in its own
 * envelope (people get a page), and it is not counted in /health's unexpectedErrors.
 */
export class DependencyUnavailable extends Error {
  constructor(
    readonly dependency: "d1" | "kv" | "r2" | "durable-object" | "queue",
    cause: unknown,
  ) {
    super(`${dependency} unavailable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "DependencyUnavailable";
    // Counted apart from crashes: a failure of ours inside a wrapped call shows up here, in
    // /health, rather than nowhere.
    dependencyFailures++;
  }
}

let dependencyFailures = 0;
/** DependencyUnavailable raised in this isolate since it started (a 503, a fallback or a render without a cache). */
export const dependencyFailureCount = () => dependencyFailures;

/** How long clients and people are asked to wait before retrying after a DependencyUnavailable. */
export const RETRY_AFTER_SECONDS = 30;

/** Runs one call to a dependency; whatever it throws becomes a DependencyUnavailable naming it. */
export async function orUnavailable<T>(dependency: DependencyUnavailable["dependency"], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new DependencyUnavailable(dependency, err);
  }
}
