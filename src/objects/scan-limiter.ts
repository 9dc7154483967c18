import { DurableObject } from "cloudflare:workers";

/** The scan limiter of one code (one object per code id). */
export function scanLimiterOf(env: Pick<Env, "SCAN_LIMITER">, codeId: string): DurableObjectStub<ScanLimiter> {
  return env.SCAN_LIMITER.get(env.SCAN_LIMITER.idFromName(codeId));
}

/**
 * Counts the scans of one code that has `maxScans`, exactly: a Durable Object runs one request at
 * a time, and the read and the write below are synchronous SQLite calls with no await between
 * them, so two scans can never both take the last one. Codes without a limit never reach it.
 */
export class ScanLimiter extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), used INTEGER NOT NULL)");
  }

  /** Takes one scan if fewer than `limit` were taken; the limit comes with each call, so an edit applies at once. */
  consume(limit: number): { allowed: boolean; used: number } {
    const used = this.ctx.storage.sql.exec<{ used: number }>("SELECT used FROM counter WHERE id = 1").toArray()[0]?.used ?? 0;
    if (used >= limit) return { allowed: false, used };
    this.ctx.storage.sql.exec("INSERT INTO counter (id, used) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET used = excluded.used", used + 1);
    return { allowed: true, used: used + 1 };
  }

  /**
   * Whether a scan would still be admitted, without taking one: for requests that are not counted
   * (previews, crawlers, prefetches, HEAD), which must never use up a budget nor get past a spent one.
   */
  peek(limit: number): { allowed: boolean; used: number } {
    const used = this.used();
    return { allowed: used < limit, used };
  }

  used(): number {
    return this.ctx.storage.sql.exec<{ used: number }>("SELECT used FROM counter WHERE id = 1").toArray()[0]?.used ?? 0;
  }
}
