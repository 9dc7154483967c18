import { z } from "@hono/zod-openapi";
import type { Context, Next } from "hono";
import type { AppEnv } from "../../env";
import { mediaTypeOf } from "../../lib/media-type";
import { limitBody } from "../errors";
import { newRouter } from "../router";
import { ACTIONS, MAX_MESSAGE_CHARS, type Params } from "./actions";
import { authenticate, authorize, passGate } from "./auth";
import { acsEnvelope, acsErrors, setAcsRequestId } from "./envelope";

/**
 * The Alibaba Cloud RPC endpoint of the Chat App Message Service (version 2020-06-06), as the
 * official SDK calls it: `POST /` (or `GET /`) with the action in `x-acs-action` or `Action`,
 * parameters from the query string and a form or JSON body. A `GET /` without an action is not
 * ours and falls through to whatever else serves `/`.
 */

export const API_VERSION = "2020-06-06";
const MAX_BODY_BYTES = 64 * 1024;

function queryOf(url: URL): Map<string, string> {
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) query.set(key, value);
  return query;
}

/** Form (the SDK's), JSON object or nothing; body parameters override query ones of the same name. */
function bodyParams(contentType: string, body: Uint8Array): Map<string, string> {
  const params = new Map<string, string>();
  if (body.length === 0) return params;
  const text = new TextDecoder().decode(body);
  const type = mediaTypeOf(contentType);
  if (type === "application/json") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw acsErrors.invalidParameter("Body", "The body is not valid JSON.");
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw acsErrors.invalidParameter("Body", "A JSON body must be an object.");
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === "string") params.set(key, value);
      else if (typeof value === "number" || typeof value === "boolean") params.set(key, String(value));
      else if (value !== null) throw acsErrors.invalidParameter(key, "Parameters are strings.");
    }
    return params;
  }
  for (const [key, value] of new URLSearchParams(text)) params.set(key, value);
  return params;
}

/**
 * GET / without an action (header or query) is not ours and falls through. Everything else on `/`
 * is an RPC call: the action from x-acs-action, else the Action parameter (query, then body).
 */
async function dispatch(c: Context<AppEnv>, next: Next) {
  const url = new URL(c.req.url);
  const named = c.req.header("x-acs-action") ?? url.searchParams.get("Action") ?? undefined;
  if (named === undefined && c.req.method === "GET") return next();
  c.set("envelope", acsEnvelope);
  setAcsRequestId(c);
  return limitBody(MAX_BODY_BYTES)(c, async () => {
    const body = new Uint8Array(await c.req.arrayBuffer());
    const query = queryOf(url);
    const params: Params = new Map([...query, ...bodyParams(c.req.header("Content-Type") ?? "", body)]);
    const action = named ?? params.get("Action");
    if (!action) throw acsErrors.missingParameter("Action");
    const version = c.req.header("x-acs-version") ?? params.get("Version");
    if (version !== undefined && version !== API_VERSION) throw acsErrors.invalidVersion();
    const spec = Object.hasOwn(ACTIONS, action) ? ACTIONS[action]! : null;
    if (!spec) throw acsErrors.unknownAction(action);
    const caller = await authenticate(c, body, query);
    await passGate(c, caller);
    await authorize(c, caller, action, spec.writes);
    c.res = await spec.run(c, caller, params);
  });
}

// The document's view of the RPC: parameters and envelopes as schemas. Validation stays in
// dispatch and the actions, in the order Alibaba Cloud checks (authentication before parameters).
const ACTION_NAMES = Object.keys(ACTIONS) as [string, ...string[]];
const ImageFormat = z.enum(["PNG", "SVG"]);

const ActionParametersSchema = z
  .object({
    Action: z.enum(ACTION_NAMES).optional().openapi({ description: "The action; required unless the x-acs-action header names it" }),
    Version: z.literal(API_VERSION).optional().openapi({ description: `The API version; when sent (here or as x-acs-version), it must be ${API_VERSION}` }),
    PhoneNumber: z.string().openapi({
      description: "Every action: the WhatsApp channel number registered to the caller's organization, digits with the country code (a leading + and separators are forgiven)",
      example: "8613800138000",
    }),
    CustSpaceId: z.string().max(64).optional().openapi({ description: "Every action, optional: the number must also belong to this space" }),
    QrdlCode: z.string().optional().openapi({ description: "UpdatePhoneMessageQrdl and DeletePhoneMessageQrdl: the code to change (8 letters and digits)", example: "frnKYa3c" }),
    GenerateQrImage: ImageFormat.optional().openapi({ description: "CreatePhoneMessageQrdl and UpdatePhoneMessageQrdl: the image format of QrImageUrl (case-insensitive)" }),
    PrefilledMessage: z
      .string()
      .max(MAX_MESSAGE_CHARS)
      .optional()
      .openapi({ description: `CreatePhoneMessageQrdl and UpdatePhoneMessageQrdl: the message WhatsApp prefills, at most ${MAX_MESSAGE_CHARS} characters`, example: "Hello, I would like a quote" }),
  })
  .openapi("MessageQrdlActionParameters");

const MessageQrdlSchema = z
  .object({
    QrdlCode: z.string().openapi({ example: "frnKYa3c" }),
    PhoneNumber: z.string().openapi({ example: "8613800138000" }),
    PrefilledMessage: z.string(),
    GenerateQrImage: ImageFormat,
    DeepLinkUrl: z.string().openapi({ description: "The short link the code encodes; it redirects to wa.me with the message", example: "https://qr.example/r/frnKYa3c" }),
    QrImageUrl: z.string().openapi({ description: "The code's image (GET /message-qrdl/{file})", example: "https://qr.example/message-qrdl/frnKYa3c.png" }),
  })
  .openapi("MessageQrdl");

const ActionResultSchema = z
  .object({
    RequestId: z.string().openapi({ example: "4C2E1D58-0B6A-4C1F-9A8E-2D7B3F5A6C91" }),
    Code: z.literal("OK"),
    Message: z.string().openapi({ example: "None" }),
    AccessDeniedDetail: z.string().openapi({ example: "None" }),
    Data: z
      .union([MessageQrdlSchema, z.array(MessageQrdlSchema)])
      .optional()
      .openapi({ description: "CreatePhoneMessageQrdl and UpdatePhoneMessageQrdl: the code; ListPhoneMessageQrdl: the number's codes; DeletePhoneMessageQrdl: absent" }),
  })
  .openapi("MessageQrdlActionResult");

const AlibabaCloudErrorSchema = z
  .object({
    RequestId: z.string().openapi({ example: "4C2E1D58-0B6A-4C1F-9A8E-2D7B3F5A6C91" }),
    Code: z.string().openapi({ example: "MissingParameter" }),
    Message: z.string(),
    Recommend: z.string().optional().openapi({ description: "What to change, when there is something to say" }),
    AccessDeniedDetail: z.string().optional().openapi({ description: "Ram.PermissionDeny only: a JSON object naming the action and the credential" }),
  })
  .openapi("AlibabaCloudError");

const acsHeader = (description: string) => ({ description, schema: { type: "string" as const } });
const REQUEST_ID_HEADER = { "x-acs-request-id": acsHeader("The RequestId of the body (also in X-Request-Id)") };
const acsError = (description: string, headers = {}) => ({
  description,
  headers: { ...REQUEST_ID_HEADER, ...headers },
  content: { "application/json": { schema: AlibabaCloudErrorSchema } },
});
const RETRY_AFTER = { "Retry-After": { description: "Seconds to wait before retrying", schema: { type: "integer" as const } } };

export const messageQrdlRouter = newRouter();

messageQrdlRouter.openAPIRegistry.registerPath({
  method: "post",
  path: "/",
  operationId: "callMessageQrdlAction",
  tags: ["Message QR codes"],
  security: [{ acsSignatureV3: [] }, { bearerKey: [] }],
  summary: "Chat App Message Service actions (CreatePhoneMessageQrdl, List…, Update…, Delete…)",
  description:
    "Alibaba Cloud RPC style, version 2020-06-06, as the official SDK `@alicloud/cams20200606` calls it: the action in `x-acs-action` (or `Action`), parameters as a form body (or JSON, or the query string), signed with an AccessKey pair (`Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`) or `Authorization: Bearer <bearer key>`. Answers `{RequestId, Code: \"OK\", Message, AccessDeniedDetail, Data}`; errors are HTTP 400 (404 for an unknown AccessKey or action) `{RequestId, Code, Message, Recommend?, AccessDeniedDetail?}` with codes Product.Unsubscript, Ram.PermissionDeny, System.LimitControl (more than 5 requests in any second per caller; Retry-After), Unknown.ResourceOwnerId, MissingParameter, InvalidParameter, SignatureDoesNotMatch, SignatureNonceUsed, InvalidTimeStamp.Expired, InvalidAccessKeyId.NotFound.",
  request: {
    headers: z.object({
      "x-acs-action": z.enum(ACTION_NAMES).optional().openapi({ description: "The action (the SDK sends it here); else the Action parameter" }),
      "x-acs-version": z.literal(API_VERSION).optional().openapi({ description: `When sent, ${API_VERSION}` }),
      "x-acs-date": z.string().optional().openapi({ description: "Signed requests: the signing time in UTC, within 15 minutes of the server's clock", example: "2026-11-21T08:30:00Z" }),
      "x-acs-signature-nonce": z.string().optional().openapi({ description: "Signed requests: 1 to 128 characters, never used before by this AccessKey" }),
      "x-acs-content-sha256": z.string().optional().openapi({ description: "Signed requests: the hex SHA-256 of the body as sent" }),
    }),
    body: {
      required: false,
      description: "The action's parameters as the SDK sends them (a form), or a JSON object of strings; they may also come in the query string, and the body wins for a name in both",
      content: { "application/x-www-form-urlencoded": { schema: ActionParametersSchema }, "application/json": { schema: ActionParametersSchema } },
    },
  },
  responses: {
    200: {
      description: "Code OK",
      headers: { ...REQUEST_ID_HEADER, "Server-Timing": acsHeader("`gate;dur=<ms>`: the time the per-caller rate limiter took") },
      content: { "application/json": { schema: ActionResultSchema } },
    },
    400: acsError("An Alibaba Cloud error: a missing or invalid parameter or signature, a permission, the product not enabled, or System.LimitControl (with Retry-After)", RETRY_AFTER),
    404: acsError("InvalidAccessKeyId.NotFound (an unknown AccessKey or bearer key) or InvalidAction.NotFound (an unknown action)"),
    413: acsError("InvalidParameter.BodyTooLarge: a body over 64 KiB"),
    503: acsError("ServiceUnavailable: a dependency could not answer (with Retry-After), or AccessKey verification is not configured", RETRY_AFTER),
  },
});

messageQrdlRouter.on(["GET", "POST"], "/", dispatch);
