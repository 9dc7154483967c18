import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { allowlistAdmits, parseAllowlistEntry, type AllowlistEntry } from "../auth/ip";
import { recordKeyUse } from "../auth/key-use";
import { digestsEqual, hashSecret, isWellFormedSecret } from "../auth/secrets";
import { findBrand, findDeveloperKeyByHash, findMember, findUserByApiKeyHash, touchDeveloperKey, type User } from "../db/accounts";
import type { AppEnv } from "../env";
import { DEFAULT_APPEARANCE, bytesToBase64, QrError, telPayload, planFitting, renderPlanPng } from "../qr";
import { ApiError, limitBody, type ErrorEnvelope } from "./errors";
import { newRouter } from "./router";

/**
 * POST /apis/v2/public/crm/produceQRCode, exactly as documented: HTTP 200 for success and for
 * every error, `{status, data}` with the endpoint's own messages, checks in the documented order.
 */

/** Under the public API's base path, /apis/v2/public/crm, where app.ts mounts this router. */
const PATH = "/produceQRCode";
const MAX_BODY_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 4096;
const MIN_SIZE = 100;
const MAX_SIZE = 1000;
/** ISO/IEC 18004 asks for four light modules around the symbol. */
const QUIET_ZONE_MODULES = 4;

const MESSAGES = {
  MISSING_API_KEY: "API key is required",
  MISSING_DEVELOPER_SECRET: "Missing developer_secret",
  INVALID_API_KEY: "Invalid API key",
  USER_INACTIVE: "User account is not active",
  INVALID_DEVELOPER_SECRET: "Invalid developer_secret",
  IP_NOT_WHITELISTED: "IP address not whitelisted",
  INVALID_ORG_ID: "Invalid org ID",
  INVALID_BRAND_ID: "Invalid brand ID",
  INVALID_MEMBER_ID: "Invalid member ID",
  MISSING_URL: "URL is required",
  INVALID_URL: "Invalid URL format",
  INVALID_SIZE: "Size must be between 100 and 1000",
  GENERATION_FAILED: "Failed to generate QR code",
  INVALID_REQUEST: "Request body must be a JSON object",
  REQUEST_TOO_LARGE: "Request body is too large",
} as const;
type ProduceCode = keyof typeof MESSAGES;

/** An error of this endpoint: its code and the messages `data` carries, the contract's first. */
class ProduceError extends ApiError {
  constructor(
    code: ProduceCode,
    readonly messages: readonly [string, ...string[]],
  ) {
    super(200, code, messages.join(" "));
    this.name = "ProduceError";
  }
}

const fail = (code: ProduceCode, message: string = MESSAGES[code], ...more: string[]): ProduceError => new ProduceError(code, [message, ...more]);

const isProduceCode = (code: string): code is ProduceCode => Object.hasOwn(MESSAGES, code);

/**
 * This family's envelope: always HTTP 200, messages in `data`, the code beside them. Errors raised
 * outside this file (the shared body limit, transport errors) get this endpoint's wording; a crash
 * is the contract's generic generation failure.
 */
export const produceEnvelope: ErrorEnvelope = (c, error) => {
  const body = (code: ProduceCode, data: readonly string[]) => c.json({ status: "error" as const, data, code }, 200);
  if (error instanceof ProduceError) return body(error.code as ProduceCode, error.messages);
  if (error.status >= 500) return body("GENERATION_FAILED", [MESSAGES.GENERATION_FAILED]);
  if (error.code === "REQUEST_TOO_LARGE") return body("REQUEST_TOO_LARGE", [MESSAGES.REQUEST_TOO_LARGE]);
  return body(isProduceCode(error.code) ? error.code : "INVALID_REQUEST", [error.message]);
};

async function readJsonObject(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  // The size cap is limitBody's (it counts chunked bodies as they stream); this only parses.
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await c.req.arrayBuffer()));
  } catch {
    throw fail("INVALID_REQUEST", "Request body must be valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw fail("INVALID_REQUEST");
  return body as Record<string, unknown>;
}

/** Absent, null and "" all count as missing, as the contract's table describes. */
const isMissing = (value: unknown): boolean => value === undefined || value === null || value === "";

function requireString(body: Record<string, unknown>, field: string, missing: ProduceCode): string {
  const value = body[field];
  if (isMissing(value)) throw fail(missing);
  if (typeof value !== "string") throw fail("INVALID_REQUEST", `${field} must be a string`);
  return value;
}

export function isValidTargetUrl(url: string): boolean {
  if (url.length > MAX_URL_LENGTH || /[\s\u0000-\u001f\u007f]/.test(url)) return false;
  // Schemes are case-insensitive (RFC 3986 section 3.1): HTTPS://, Http:// and TEL: are valid.
  if (/^tel:/i.test(url)) {
    try {
      telPayload(url.slice(4));
      return true;
    } catch {
      return false;
    }
  }
  // The WHATWG parser forgives `http:///path` and backslashes; a well-formed URL has an authority.
  if (!/^https?:\/\/[^/?#\\]/i.test(url)) return false;
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "http:" || parsed.protocol === "https:") && parsed.hostname.length > 0;
  } catch {
    return false;
  }
}

async function authenticate(c: Context<AppEnv>, apiKey: string, developerSecret: string): Promise<User> {
  // A key that fails its checksum cannot exist; refuse it without touching the database.
  if (!isWellFormedSecret(apiKey, "userApiKey")) throw fail("INVALID_API_KEY");
  const apiKeyDigest = await hashSecret(apiKey);
  const found = await findUserByApiKeyHash(c.env.DB, apiKeyDigest);
  if (!found || !digestsEqual(apiKeyDigest, found.storedHash)) throw fail("INVALID_API_KEY");
  // A deactivated organization's users are refused as inactive users: the contract has no other word for it.
  if (found.user.status !== "active" || !found.orgActive) throw fail("USER_INACTIVE");

  if (!isWellFormedSecret(developerSecret, "developerSecret")) throw fail("INVALID_DEVELOPER_SECRET");
  const secretDigest = await hashSecret(developerSecret);
  const key = await findDeveloperKeyByHash(c.env.DB, secretDigest);
  if (!key || !digestsEqual(secretDigest, key.storedHash) || key.key.status !== "active" || key.key.userId !== found.user.id)
    throw fail("INVALID_DEVELOPER_SECRET");

  const entries = key.key.allowlist.map(parseAllowlistEntry).filter((e): e is AllowlistEntry => e !== null);
  // Only Cloudflare's own header names the client; forwarding headers are whatever the client says.
  if (!allowlistAdmits(entries, c.req.header("CF-Connecting-IP"))) throw fail("IP_NOT_WHITELISTED");

  recordKeyUse(c.executionCtx, key.key.lastUsedAt, (staleBefore) => touchDeveloperKey(c.env.DB, key.key.id, staleBefore));
  return found.user;
}

/** org_id, brand_id and member_id are optional here, but when sent they must be the caller's. */
async function checkScope(c: Context<AppEnv>, body: Record<string, unknown>, user: User): Promise<void> {
  const { org_id: orgId, brand_id: brandId, member_id: memberId } = body;
  if (!isMissing(orgId) && orgId !== user.orgId) throw fail("INVALID_ORG_ID");
  if (!isMissing(brandId)) {
    const id = typeof brandId === "number" ? brandId : typeof brandId === "string" && /^[1-9][0-9]{0,9}$/.test(brandId) ? Number(brandId) : Number.NaN;
    if (!Number.isSafeInteger(id) || !(await findBrand(c.env.DB, user.orgId, id))) throw fail("INVALID_BRAND_ID");
  }
  if (!isMissing(memberId)) {
    const member = typeof memberId === "string" && memberId.length <= 64 ? await findMember(c.env.DB, memberId) : null;
    if (!member || member.orgId !== user.orgId) throw fail("INVALID_MEMBER_ID");
  }
}

function readSize(body: Record<string, unknown>): number {
  const size = body.size;
  if (size === undefined || size === null) return 500;
  if (typeof size !== "number" || !Number.isInteger(size) || size < MIN_SIZE || size > MAX_SIZE) throw fail("INVALID_SIZE");
  return size;
}

const RequestSchema = z
  .object({
    api_key: z.string().openapi({ description: "Your API key (zak_…)", example: "zak_…" }),
    developer_secret: z.string().openapi({ description: "Your developer secret (zdk_…), issued during developer onboarding", example: "zdk_…" }),
    url: z.string().openapi({ description: "The URL or tel: URI to encode; must start with http://, https:// or tel:", example: "https://acme.com/pricing" }),
    size: z.number().int().min(MIN_SIZE).max(MAX_SIZE).default(500).optional().openapi({ description: "Width and height in pixels", example: 300 }),
    org_id: z.string().optional().openapi({ description: "Optional; when sent, must be the key owner's organization" }),
    brand_id: z.union([z.string(), z.number()]).optional().openapi({ description: "Optional; when sent, must be a brand of that organization" }),
    member_id: z.string().optional().openapi({ description: "Optional; when sent, must be a member of that organization" }),
  })
  .openapi("ProduceQRCodeRequest");
const ResponseSchema = z
  .union([
    z.object({ status: z.literal("success"), data: z.string().openapi({ description: "Base64 PNG, no data: prefix" }) }),
    z.object({
      status: z.literal("error"),
      data: z.array(z.string()).openapi({ example: ["Invalid URL format"] }),
      code: z.enum(Object.keys(MESSAGES) as [ProduceCode, ...ProduceCode[]]).optional(),
    }),
  ])
  .openapi("ProduceQRCodeResponse");

export const produceQrCodeRouter = newRouter();

// Documented through the registry but validated by hand: the contract fixes the order of checks
// (authentication before the url), which one bulk schema validation cannot express.
produceQrCodeRouter.openAPIRegistry.registerPath({
  method: "post",
  path: PATH,
  operationId: "produceQRCode",
  tags: ["Produce QR code"],
  // The credentials are fields of the JSON body (api_key, developer_secret), which no security
  // scheme can name: the operation declares none and the description says how it authenticates.
  security: [],
  summary: "Generate a QR code PNG for a URL or tel: URI",
  description:
    "Stateless generation. Authenticated by api_key + developer_secret in the body; the client address (CF-Connecting-IP) must be on the developer key's allowlist. Always HTTP 200: errors come as {status:'error', data:[message], code}. Checks run in this order: " +
    Object.values(MESSAGES).slice(0, 13).join(" → ") +
    ". URL schemes are case-insensitive. The code is drawn at error correction M, or L when M would need modules under 2 px; when neither fits, GENERATION_FAILED carries a second message naming the smallest size that works. Bodies over 16 KiB (chunked ones included) answer REQUEST_TOO_LARGE.",
  request: { body: { required: true, content: { "application/json": { schema: RequestSchema } } } },
  responses: { 200: { description: "Success or a documented error", content: { "application/json": { schema: ResponseSchema } } } },
});

produceQrCodeRouter.use(
  PATH,
  async (c, next) => {
    c.set("envelope", produceEnvelope);
    await next();
  },
  limitBody(MAX_BODY_BYTES),
);

produceQrCodeRouter.post(PATH, async (c) => {
  const body = await readJsonObject(c);
  const apiKey = requireString(body, "api_key", "MISSING_API_KEY");
  const developerSecret = requireString(body, "developer_secret", "MISSING_DEVELOPER_SECRET");
  const user = await authenticate(c, apiKey, developerSecret);
  await checkScope(c, body, user);
  if (isMissing(body.url)) throw fail("MISSING_URL");
  const url = body.url;
  if (typeof url !== "string" || !isValidTargetUrl(url)) throw fail("INVALID_URL");
  const size = readSize(body);
  const plan = planProduce(url, size);
  return c.json({ status: "success", data: bytesToBase64(await renderPlanPng(plan)) }, 200);
});

/**
 * Level M by default; when the URL needs modules under the minimum at M for these pixels, level L
 * (fewer modules) before refusing. A refusal says why and which size would work.
 */
function planProduce(url: string, size: number) {
  try {
    return planFitting({ content: url, appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "M" }, size, quietZone: QUIET_ZONE_MODULES }, ["M", "L"]);
  } catch (err) {
    if (!(err instanceof QrError)) throw err;
    if (err.code === "CANVAS_TOO_SMALL" && err.minimumSize !== undefined && err.minimumSize <= MAX_SIZE)
      throw fail("GENERATION_FAILED", MESSAGES.GENERATION_FAILED, `This URL needs a size of at least ${err.minimumSize} px to be readable; send "size": ${err.minimumSize} or more.`);
    if (err.code === "CANVAS_TOO_SMALL" || err.code === "CAPACITY_EXCEEDED")
      throw fail("GENERATION_FAILED", MESSAGES.GENERATION_FAILED, `This URL is too long for this endpoint: it does not fit a readable QR code of ${MAX_SIZE} px; shorten it.`);
    throw fail("GENERATION_FAILED");
  }
}
