import { DurableObject } from "cloudflare:workers";

/** Requests admitted per rolling window, and the window (CreatePhoneMessageQrdl: 5 per second per user). */
export const RATE_LIMIT = 5;
export const RATE_WINDOW_MS = 1000;
/** A signature nonce is single-use for this long per AccessKey, as long as x-acs-date may be off. */
export const NONCE_TTL_MS = 15 * 60 * 1000;

/**
 * `at` is the limiter's own time for the request, the arrival its window counted: the one clock by
 * which "at most 5 in any 1000 ms" can be checked from outside (the bench reads it, see passGate).
 */
export type GateVerdict = { at: number } & (
  | { admitted: true }
  | { admitted: false; reason: "nonce-used" }
  | { admitted: false; reason: "rate-limited"; retryAfterMs: number }
);

/**
 * One per caller (an AccessKey or a bearer key): the exact rate limit and the single-use nonce
 * check, in one place so that both are strictly consistent. A Durable Object runs one call at a
 * time and every step below is a synchronous SQLite call with no await in between, so concurrent
 * requests are decided one after the other: of 50 at once exactly 5 are admitted, and of two
 * requests with the same nonce exactly one passes.
 *
 * The window is a sliding log of admitted requests (refused ones do not count): a request at t
 * is admitted when fewer than RATE_LIMIT were admitted in (t - 1000 ms, t]. Requests evenly spread
 * at 5 per second therefore all pass, and the 6th within any 1000 ms is refused.
 */
/** The gate of one caller, keyed `<kind>:<id>` (an AccessKey or a bearer key). */
export function callerGateOf(env: Pick<Env, "CALLER_GATE">, callerKey: string): DurableObjectStub<CallerGate> {
  return env.CALLER_GATE.get(env.CALLER_GATE.idFromName(callerKey));
}

export class CallerGate extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS admitted (at INTEGER NOT NULL)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS admitted_at ON admitted (at)");
    this.sql.exec("CREATE TABLE IF NOT EXISTS nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS nonces_expiry ON nonces (expires_at)");
  }

  /**
   * The verdict for one request arriving now. `nonce` is null for callers that sign nothing (bearer
   * keys); `signedAt` is the request's x-acs-date, which decides how long its nonce must be kept.
   */
  admit(nonce: string | null, signedAt: number | null = null): GateVerdict {
    return this.admitAt(nonce, Date.now(), signedAt);
  }

  /** As admit, at a given time (tests drive the clock through runInDurableObject). */
  admitAt(nonce: string | null, now: number, signedAt: number | null = null): GateVerdict {
    this.sql.exec("DELETE FROM admitted WHERE at <= ?1", now - RATE_WINDOW_MS);
    if (nonce !== null) {
      this.sql.exec("DELETE FROM nonces WHERE expires_at <= ?1", now);
      if (this.sql.exec("SELECT 1 FROM nonces WHERE nonce = ?1", nonce).toArray().length > 0) return { at: now, admitted: false, reason: "nonce-used" };
      // A correctly signed request uses up its nonce even when the rate limit refuses it: a
      // captured request must never be replayable, throttled or not. The nonce is kept 15 minutes,
      // and longer when the request is dated ahead: as long as its x-acs-date is still accepted.
      this.sql.exec("INSERT INTO nonces (nonce, expires_at) VALUES (?1, ?2)", nonce, Math.max(now, signedAt ?? now) + NONCE_TTL_MS);
    }
    const recent = this.sql.exec<{ at: number }>("SELECT at FROM admitted ORDER BY at LIMIT ?1", RATE_LIMIT).toArray();
    if (recent.length >= RATE_LIMIT) return { at: now, admitted: false, reason: "rate-limited", retryAfterMs: recent[0]!.at + RATE_WINDOW_MS - now };
    this.sql.exec("INSERT INTO admitted (at) VALUES (?1)", now);
    return { at: now, admitted: true };
  }
}
