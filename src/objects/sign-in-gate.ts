import { DurableObject } from "cloudflare:workers";

/** Failed sign-ins allowed per rolling window, per account (email) and per client address. */
export const ACCOUNT_FAILURE_LIMIT = 5;
export const ADDRESS_FAILURE_LIMIT = 20;
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

export type AttemptVerdict = { admitted: true; attemptId: number } | { admitted: false; retryAfterMs: number };

/**
 * One per account (`account:<lowercased email>`) or per client address (`address:<CF-Connecting-IP, or its IPv6 /64>`):
 * an exact sliding log of failed sign-ins over the last 15 minutes.
 *
 * An attempt is counted as a failure from the moment it is admitted, and forgiven only once its
 * password proved right. So concurrent guesses cannot slip past the limit while their PBKDF2 runs:
 * with 4 failures logged, of 10 simultaneous attempts exactly one is admitted. A Durable Object runs
 * one call at a time and each call below is synchronous SQLite, so that count is exact.
 *
 * Locking an account out for 15 minutes after 5 wrong passwords also locks out its owner: the
 * usual price of per-account limits, bounded by the window. The per-address limit (20) stops one
 * client walking through many accounts.
 */
export class SignInGate extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS failures (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS failures_at ON failures (at)");
  }

  /** Admits one attempt now, counting it as a failure until `forgive`, or says how long to wait. */
  attempt(limit: number): AttemptVerdict {
    return this.attemptAt(limit, Date.now());
  }

  /** As attempt, at a given time (tests drive the clock through runInDurableObject, never wall time). */
  attemptAt(limit: number, now: number): AttemptVerdict {
    this.sql.exec("DELETE FROM failures WHERE at <= ?1", now - FAILURE_WINDOW_MS);
    // The oldest failure that keeps the count at the limit: once it leaves the window, one more
    // attempt is allowed.
    const recent = this.sql.exec<{ at: number }>("SELECT at FROM failures ORDER BY at DESC LIMIT 1 OFFSET ?1", limit - 1).toArray();
    if (recent.length > 0) return { admitted: false, retryAfterMs: recent[0]!.at + FAILURE_WINDOW_MS - now };
    const row = this.sql.exec<{ id: number }>("INSERT INTO failures (at) VALUES (?1) RETURNING id", now).one();
    // Nothing is kept past the window: the object's storage empties itself as it is used, and an
    // alarm clears what a quiet object still holds.
    void this.ctx.storage.setAlarm(now + FAILURE_WINDOW_MS);
    return { admitted: true, attemptId: row.id };
  }

  /** The attempt succeeded (the password was right): it does not count against the limit. */
  forgive(attemptId: number): void {
    this.sql.exec("DELETE FROM failures WHERE id = ?1", attemptId);
  }

  /** Failures still counted (tests and operators' curiosity). */
  failureCount(now = Date.now()): number {
    return this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM failures WHERE at > ?1", now - FAILURE_WINDOW_MS).one().n;
  }

  override alarm(): void {
    this.sql.exec("DELETE FROM failures WHERE at <= ?1", Date.now() - FAILURE_WINDOW_MS);
  }
}

export function signInGateOf(env: Pick<Env, "SIGN_IN_GATE">, name: string): DurableObjectStub<SignInGate> {
  return env.SIGN_IN_GATE.get(env.SIGN_IN_GATE.idFromName(name));
}
