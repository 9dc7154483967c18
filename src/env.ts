import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ConsoleSession } from "./auth/sessions";
import type { QrCodeRecord } from "./codes/record";
import type { ApiKey } from "./db/accounts";
import type { ErrorEnvelope } from "./http/errors";

/** Bindings come from `wrangler types` (worker-configuration.d.ts at the root); this adds per-request state. */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    /** How errors are rendered for the contract family that owns the current route. */
    envelope: ErrorEnvelope;
    /** The organization bearer key that authenticated the request (set by bearerKeyAuth). */
    apiKey: ApiKey;
    /** The console session behind the request when the eqr_session cookie authenticated it (bearerKeyAuth, owner settings). */
    consoleSession: ConsoleSession | undefined;
    /** The QR code a /qr_codes/{id}/… route names, looked up before its input is validated (codeFirst). */
    code: QrCodeRecord;
  };
};

export type AppRouter = OpenAPIHono<AppEnv>;

// Secrets are not in wrangler.toml, so `wrangler types` cannot see them; declared here once.
declare global {
  interface Env {
    /** Worker secret guarding /admin (`wrangler secret put ADMIN_TOKEN`; `.dev.vars` locally). */
    ADMIN_TOKEN?: string;
    /** Origin for public links (`https://qr.example`); defaults to the origin a request came in on. */
    PUBLIC_BASE_URL?: string;
    /** "1" only when `npm run bench` starts the Worker: enables its constant-302 baseline route. */
    BENCH_ROUTES?: string;
    /** AES-GCM key material for AccessKey secrets (32+ characters; `npm start` creates one); `_PREVIOUS` only decrypts, during a rotation. */
    ACCESS_KEY_ENCRYPTION_KEY?: string;
    ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS?: string;
    /** Key material for the edge's keyed hashes (visitor hashes, page passes; lib/edge-keys.ts); ADMIN_TOKEN when unset. */
    EDGE_HMAC_KEY?: string;
  }
}
