import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { allowlistAdmits, parseAllowlistEntry, type AllowlistEntry } from "../auth/ip";
import { digestsEqual, hashSecret, isWellFormedSecret } from "../auth/secrets";
import { findBrand, findDeveloperKeyByHash, findMember, findUserByApiKeyHash, touchDeveloperKey, type User } from "../db/accounts";
import type { AppEnv } from "../env";
import { DEFAULT_APPEARANCE } from "../qr/appearance";
import { bytesToBase64 } from "../qr/base64";
import { QrError } from "../qr/errors";
import { telPayload } from "../qr/payloads";
import { renderQrPng } from "../qr/render";
import { ApiError, type ErrorEnvelope } from "./errors";
import { newRouter } from "./router";

/**
 * POST /apis/v2/public/crm/produceQRCode, exactly as documented: HTTP 200 for success and for
 * every error, `{status, data}` with the endpoint's own messages, checks in the documented order.
 */

const PATH = "/apis/v2/public/crm/produceQRCode";
const MAX_BODY_BYTES = 16 * 1024;
const MAX_URL_LENGTH = 4096;
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

const fail = (code: ProduceCode, message: string = MESSAGES[code]): ApiError => new ApiError(200, code, message);

/** This family's envelope: always HTTP 200, messages in `data`, the code beside them. */
export const produceEnvelope: ErrorEnvelope = (c, error) => {
  if (error.status >= 500) return c.json({ status: "error", data: [MESSAGES.GENERATION_FAILED], code: "GENERATION_FAILED" }, 200);
  return c.json({ status: "error", data: [error.message], code: error.code }, 200);
};

async function readJsonObject(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) throw fail("REQUEST_TOO_LARGE");
  const buffer = await c.req.arrayBuffer();
  if (buffer.byteLength > MAX_BODY_BYTES) throw fail("REQUEST_TOO_LARGE");
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buffer));
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
  if (url.startsWith("tel:")) {
    try {
      telPayload(url.slice(4));
      return true;
    } catch {
      return false;
    }
  }
  // The WHATWG parser forgives `http:///path` and backslashes; a well-formed URL has an authority.
  if (!/^https?:\/\/[^/?#\\]/.test(url)) return false;
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
  if (found.user.status !== "active") throw fail("USER_INACTIVE");

  if (!isWellFormedSecret(developerSecret, "developerSecret")) throw fail("INVALID_DEVELOPER_SECRET");
  const secretDigest = await hashSecret(developerSecret);
  const key = await findDeveloperKeyByHash(c.env.DB, secretDigest);
  if (!key || !digestsEqual(secretDigest, key.storedHash) || key.key.status !== "active" || key.key.userId !== found.user.id)
    throw fail("INVALID_DEVELOPER_SECRET");

  const entries = key.key.allowlist.map(parseAllowlistEntry).filter((e): e is AllowlistEntry => e !== null);
  // Only Cloudflare's own header names the client; forwarding headers are whatever the client says.
  if (!allowlistAdmits(entries, c.req.header("CF-Connecting-IP"))) throw fail("IP_NOT_WHITELISTED");

  c.executionCtx.waitUntil(touchDeveloperKey(c.env.DB, key.key.id).catch(() => undefined));
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
  if (typeof size !== "number" || !Number.isInteger(size) || size < 100 || size > 1000) throw fail("INVALID_SIZE");
  return size;
}

const RequestSchema = z
  .object({
    api_key: z.string().openapi({ description: "Your API key (zak_…)", example: "zak_…" }),
    developer_secret: z.string().openapi({ description: "Your developer secret (zdk_…), issued during developer onboarding", example: "zdk_…" }),
    url: z.string().openapi({ description: "The URL or tel: URI to encode; must start with http://, https:// or tel:", example: "https://acme.com/pricing" }),
    size: z.number().int().min(100).max(1000).default(500).optional().openapi({ description: "Width and height in pixels", example: 300 }),
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
  tags: ["Produce QR code"],
  summary: "Generate a QR code PNG for a URL or tel: URI",
  description:
    "Stateless generation. Authenticated by api_key + developer_secret in the body; the client address (CF-Connecting-IP) must be on the developer key's allowlist. Always HTTP 200: errors come as {status:'error', data:[message], code}. Checks run in this order: " +
    Object.values(MESSAGES).slice(0, 13).join(" → "),
  request: { body: { required: true, content: { "application/json": { schema: RequestSchema } } } },
  responses: { 200: { description: "Success or a documented error", content: { "application/json": { schema: ResponseSchema } } } },
});

produceQrCodeRouter.use(PATH, async (c, next) => {
  c.set("envelope", produceEnvelope);
  await next();
});

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
  try {
    const { bytes } = await renderQrPng({
      content: url,
      appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "M" },
      size,
      quietZone: QUIET_ZONE_MODULES,
    });
    return c.json({ status: "success", data: bytesToBase64(bytes) }, 200);
  } catch (err) {
    // Content that cannot be drawn at this size (too many modules for the pixels) lands here.
    if (err instanceof QrError) throw fail("GENERATION_FAILED");
    throw err;
  }
});
