import type { Context } from "hono";
import { decryptSecret, EncryptionKeyError, keyringOf } from "../../auth/access-keys";
import { recordKeyUse } from "../../auth/key-use";
import { canonicalRequest, parseAcsDate, parseAuthorization, stringToSign, verifySignature, ACS3_ALGORITHM } from "../../auth/signature-v3";
import { sha256Hex } from "../../lib/hex";
import { findOrganization } from "../../db/accounts";
import { findAccessKeyWithSecret, touchAccessKey } from "../../db/access-keys";
import type { AppEnv } from "../../env";
import { findUsableApiKey } from "../bearer";
import { acsErrors } from "./envelope";
import { orUnavailable } from "../../lib/unavailable";
import { callerGateOf } from "../../objects/caller-gate";

type Ctx = Context<AppEnv>;

/** Who is calling: an AccessKey (signed requests) or an organization bearer key (curl). */
export interface Caller {
  kind: "accessKey" | "bearerKey";
  id: string;
  orgId: string;
  name: string;
  actions: readonly string[];
  /** bearer keys have a role; AccessKeys are governed by their actions alone */
  readOnly: boolean;
  /** the signature nonce to use up, or null (bearer keys sign nothing) */
  nonce: string | null;
  /** x-acs-date in milliseconds, or null */
  signedAt: number | null;
}

/** x-acs-date may be this far from our clock either way; it is also how long a nonce is kept. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

/** Headers a signature must cover: the ones that identify the request, and those that select it. */
const ALWAYS_SIGNED = ["host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"];
const SIGNED_WHEN_SENT = ["x-acs-action", "x-acs-version", "content-type"];

/**
 * Authenticates the request: `Authorization: Bearer zbk_…` or Alibaba Cloud signature V3. `body`
 * is the raw body, whose digest must be the signed x-acs-content-sha256.
 */
export async function authenticate(c: Ctx, body: Uint8Array<ArrayBuffer>, query: ReadonlyMap<string, string>): Promise<Caller> {
  const authorization = c.req.header("Authorization");
  if (!authorization) throw acsErrors.unauthenticated();
  if (/^Bearer\s/i.test(authorization)) return bearerCaller(c, authorization.replace(/^Bearer\s+/i, "").trim());
  return signedCaller(c, authorization, body, query);
}

async function bearerCaller(c: Ctx, token: string): Promise<Caller> {
  const key = await findUsableApiKey(c.env.DB, token);
  if (!key) throw acsErrors.invalidBearer();
  return { kind: "bearerKey", id: key.id, orgId: key.orgId, name: key.name, actions: key.actions, readOnly: key.role !== "read-write", nonce: null, signedAt: null };
}

async function signedCaller(c: Ctx, authorization: string, body: Uint8Array<ArrayBuffer>, query: ReadonlyMap<string, string>): Promise<Caller> {
  const parsed = parseAuthorization(authorization);
  if (!parsed) throw acsErrors.incompleteSignature("Authorization must be: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>");
  if (parsed.algorithm !== ACS3_ALGORITHM) throw acsErrors.incompleteSignature(`Only ${ACS3_ALGORITHM} signatures are accepted`);
  const header = (name: string) => c.req.header(name) ?? null;
  const signed = new Set(parsed.signedHeaders);
  for (const name of ALWAYS_SIGNED) {
    if (header(name) === null) throw acsErrors.missingParameter(name);
    if (!signed.has(name)) throw acsErrors.incompleteSignature(`SignedHeaders must include ${name}`);
  }
  for (const name of SIGNED_WHEN_SENT) if (header(name) !== null && !signed.has(name)) throw acsErrors.incompleteSignature(`SignedHeaders must include ${name}`);
  if (parsed.signedHeaders.some((name, i) => name !== name.toLowerCase() || (i > 0 && parsed.signedHeaders[i - 1]! >= name)))
    throw acsErrors.incompleteSignature("SignedHeaders must be lower-case header names in ascending order");

  const date = parseAcsDate(header("x-acs-date")!);
  if (date === null) throw acsErrors.timestampFormat();
  const now = Date.now();
  // The server time in Alibaba's format (UTC with Z, as x-acs-date is written), not lib/time's +00:00.
  if (Math.abs(now - date) > MAX_CLOCK_SKEW_MS) throw acsErrors.timestampExpired(new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"));
  const nonce = header("x-acs-signature-nonce")!;
  if (nonce.length < 1 || nonce.length > 128) throw acsErrors.invalidParameter("x-acs-signature-nonce", "The nonce must be 1 to 128 characters.");

  const found = await findAccessKeyWithSecret(c.env.DB, parsed.accessKeyId);
  if (!found) throw acsErrors.accessKeyNotFound();
  // A deactivated organization's keys are refused as disabled ones (its AccessKeys are deleted with it).
  if (found.key.status !== "active" || !found.orgActive) throw acsErrors.accessKeyDisabled();
  const ring = keyringOf(c.env);
  if (!ring) throw acsErrors.serviceUnavailable("AccessKey verification is not configured (ACCESS_KEY_ENCRYPTION_KEY is unset)");
  let secret: string;
  try {
    secret = await decryptSecret(await ring, found.key.id, found.secretCiphertext);
  } catch (err) {
    if (!(err instanceof EncryptionKeyError)) throw err;
    console.error(JSON.stringify({ level: "error", event: "access_key_undecryptable", accessKeyId: found.key.id, error: err.message }));
    throw acsErrors.serviceUnavailable("This AccessKey's secret cannot be decrypted with the configured ACCESS_KEY_ENCRYPTION_KEY");
  }

  const hashedPayload = header("x-acs-content-sha256")!;
  if (hashedPayload.toLowerCase() !== (await sha256Hex(body))) throw acsErrors.signatureDoesNotMatch(null, "The body does not match its x-acs-content-sha256 digest.");
  const url = new URL(c.req.url);
  const canonical = canonicalRequest({ method: c.req.method, pathname: url.pathname, query, header, signedHeaders: parsed.signedHeaders, hashedPayload });
  const toSign = await stringToSign(canonical);
  if (!(await verifySignature(secret, toSign, parsed.signature)))
    throw acsErrors.signatureDoesNotMatch(toSign, "Check the AccessKey secret, and that nothing changes the request after it is signed.");

  recordKeyUse(c.executionCtx, found.key.lastUsedAt, (staleBefore) => touchAccessKey(c.env.DB, found.key.id, staleBefore), now);
  return { kind: "accessKey", id: found.key.id, orgId: found.key.orgId, name: found.key.name, actions: found.key.actions, readOnly: false, nonce, signedAt: date };
}

/** The exact rate limit and the nonce check, in the caller's own Durable Object. */
export async function passGate(c: Ctx, caller: Caller): Promise<void> {
  const gate = callerGateOf(c.env, `${caller.kind}:${caller.id}`);
  const started = performance.now();
  const verdict = await orUnavailable("durable-object", async () => await gate.admit(caller.nonce, caller.signedAt));
  // What the limiter adds to the action, for dashboards and the benchmark (the clock advances across I/O).
  c.header("Server-Timing", `gate;dur=${(performance.now() - started).toFixed(1)}`);
  // The limiter's own arrival time, so the bench can judge "at most 5 in any 1000 ms" by the clock
  // that decided it rather than its own; only when the bench starts the Worker (BENCH_ROUTES=1).
  if (c.env.BENCH_ROUTES === "1") c.header("X-Bench-Gate-At", String(verdict.at));
  if (verdict.admitted) return;
  if (verdict.reason === "nonce-used") throw acsErrors.nonceUsed();
  throw acsErrors.limitControl(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)));
}

/** Ram.PermissionDeny without the action (or, for a read-only bearer key, any write); Product.Unsubscript when WhatsApp is off. */
export async function authorize(c: Ctx, caller: Caller, action: string, writes: boolean): Promise<void> {
  const ram = `cams:${action}`;
  if (!caller.actions.includes(ram) || (writes && caller.readOnly)) throw acsErrors.permissionDenied(ram, `${caller.kind === "accessKey" ? "AccessKey" : "bearer key"} ${caller.kind === "accessKey" ? caller.id : caller.name}`);
  const organization = await findOrganization(c.env.DB, caller.orgId);
  if (!organization?.whatsappEnabled) throw acsErrors.productUnsubscribed();
}
