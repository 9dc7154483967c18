import type { Context, Next } from "hono";
import type { AppEnv } from "../../env";
import { limitBody } from "../errors";
import { newRouter } from "../router";
import { ACTIONS, type Params } from "./actions";
import { authenticate, authorize, passGate } from "./auth";
import { acsEnvelope, acsErrors, setAcsRequestId } from "./envelope";
import { messageQrdlImagesRouter } from "./images";

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
  const type = contentType.split(";")[0]!.trim().toLowerCase();
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

export const messageQrdlRouter = newRouter();

messageQrdlRouter.openAPIRegistry.registerPath({
  method: "post",
  path: "/",
  tags: ["Message QR codes"],
  summary: "Chat App Message Service actions (CreatePhoneMessageQrdl, List…, Update…, Delete…)",
  description:
    "Alibaba Cloud RPC style, version 2020-06-06, as the official SDK `@alicloud/cams20200606` calls it: the action in `x-acs-action` (or `Action`), parameters as a form body (or JSON, or the query string), signed with an AccessKey pair (`Authorization: ACS3-HMAC-SHA256 Credential=…,SignedHeaders=…,Signature=…`) or `Authorization: Bearer <bearer key>`. Answers `{RequestId, Code: \"OK\", Message, AccessDeniedDetail, Data}`; errors are HTTP 400 (404 for an unknown AccessKey or action) `{RequestId, Code, Message, Recommend?, AccessDeniedDetail?}` with codes Product.Unsubscript, Ram.PermissionDeny, System.LimitControl (more than 5 requests in any second per caller; Retry-After), Unknown.ResourceOwnerId, MissingParameter, InvalidParameter, SignatureDoesNotMatch, SignatureNonceUsed, InvalidTimeStamp.Expired, InvalidAccessKeyId.NotFound.",
  responses: {
    200: { description: "Code OK", content: { "application/json": { schema: { type: "object" } } } },
    400: { description: "An Alibaba Cloud error", content: { "application/json": { schema: { type: "object" } } } },
  },
});

messageQrdlRouter.on(["GET", "POST"], "/", dispatch);
messageQrdlRouter.route("/", messageQrdlImagesRouter);
