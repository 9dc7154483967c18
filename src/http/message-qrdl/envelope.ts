import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../../env";
import { ApiError, type ErrorEnvelope } from "../errors";

/**
 * Errors of the Alibaba Cloud RPC family (CreatePhoneMessageQrdl and its siblings): the one
 * ApiError type with the two optional fields Alibaba adds. Routes throw these; acsEnvelope renders
 * them as `{RequestId, Code, Message, Recommend?, AccessDeniedDetail?}`, which the official SDK
 * raises as an error whose `.code` is Code.
 */
export class AcsError extends ApiError {
  constructor(
    status: ContentfulStatusCode,
    code: string,
    message: string,
    readonly extra: { recommend?: string; accessDeniedDetail?: string; retryAfterSeconds?: number } = {},
  ) {
    super(status, code, message);
    this.name = "AcsError";
  }
}

// Alibaba Cloud's own codes and wording (the common gateway errors and the document's table).
export const acsErrors = {
  missingParameter: (name: string) => new AcsError(400, "MissingParameter", `The input parameter "${name}" that is mandatory for processing this request is not supplied.`),
  invalidParameter: (name: string, why: string) =>
    new AcsError(400, "InvalidParameter", `The specified parameter "${name}" is not valid.`, { recommend: why }),
  incompleteSignature: (why: string) => new AcsError(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.", { recommend: why }),
  signatureDoesNotMatch: (serverStringToSign: string | null, why: string) =>
    new AcsError(
      400,
      "SignatureDoesNotMatch",
      serverStringToSign === null
        ? "Specified signature is not matched with our calculation."
        : `Specified signature is not matched with our calculation. server string to sign is:${serverStringToSign}`,
      { recommend: why },
    ),
  accessKeyNotFound: () => new AcsError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."),
  accessKeyDisabled: () => new AcsError(400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."),
  nonceUsed: () =>
    new AcsError(400, "SignatureNonceUsed", "Specified signature nonce was used already.", { recommend: "Send a new random x-acs-signature-nonce with every request (the SDK does)." }),
  timestampExpired: (serverTime: string) =>
    new AcsError(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", {
      recommend: `x-acs-date must be within 15 minutes of the server's clock (now ${serverTime}); synchronise the client's clock.`,
    }),
  timestampFormat: () => new AcsError(400, "InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted.", { recommend: "x-acs-date must look like 2026-11-21T08:30:00Z (UTC)." }),
  unknownAction: (action: string) => new AcsError(404, "InvalidAction.NotFound", `Specified api is not found, please check your url and method.`, { recommend: `No action named ${JSON.stringify(action)} in version 2020-06-06.` }),
  invalidVersion: () => new AcsError(400, "InvalidVersion", "Specified parameter Version is not valid.", { recommend: "This service implements version 2020-06-06." }),
  permissionDenied: (action: string, credential: string) =>
    new AcsError(400, "Ram.PermissionDeny", "You are not authorized to perform the operation.", {
      accessDeniedDetail: JSON.stringify({ AuthAction: action, AuthPrincipalType: "AccessKey", AuthPrincipalDisplayName: credential, NoPermissionType: "ImplicitDeny", EncodedDiagnosticMessage: `${credential} is not granted ${action}` }),
    }),
  productUnsubscribed: () => new AcsError(400, "Product.Unsubscript", "You have not subscribed to the specified product."),
  limitControl: (retryAfterSeconds: number) =>
    new AcsError(400, "System.LimitControl", "The system is under flow control.", { retryAfterSeconds, recommend: "At most 5 requests per second per user; retry after Retry-After seconds." }),
  notOwner: () => new AcsError(400, "Unknown.ResourceOwnerId", "The resource does not belong to the current user."),
  unauthenticated: () =>
    new AcsError(400, "MissingParameter", `The input parameter "Authorization" that is mandatory for processing this request is not supplied.`, {
      recommend: "Sign the request with an AccessKey pair (signature V3, as the official SDK does) or send Authorization: Bearer <bearer key>.",
    }),
  invalidBearer: () => new AcsError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.", { recommend: "The bearer key is unknown, revoked or expired, or its organization is deactivated." }),
  serviceUnavailable: (why: string) => new AcsError(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.", { recommend: why }),
};

/** Alibaba's RequestId: an upper-case UUID, also in the x-acs-request-id header. */
export const newAcsRequestId = (): string => crypto.randomUUID().toUpperCase();

export function setAcsRequestId(c: Context<AppEnv>): string {
  const id = newAcsRequestId();
  c.set("requestId", id);
  c.header("X-Request-Id", id);
  c.header("x-acs-request-id", id);
  return id;
}

/** Platform errors (a body too large, an internal failure) keep their status under Alibaba-style codes. */
function codeOf(error: ApiError): string {
  if (error instanceof AcsError) return error.code;
  if (error.status === 413) return "InvalidParameter.BodyTooLarge";
  if (error.status === 503) return "ServiceUnavailable";
  if (error.status >= 500) return "InternalError";
  if (error.code === "MALFORMED_REQUEST") return "InvalidParameter";
  return error.code;
}

export const acsEnvelope: ErrorEnvelope = (c, error) => {
  const requestId = c.get("requestId");
  const extra = error instanceof AcsError ? error.extra : {};
  if (extra.retryAfterSeconds !== undefined) c.header("Retry-After", String(extra.retryAfterSeconds));
  c.header("x-acs-request-id", requestId);
  const message =
    error instanceof AcsError || error.status < 500
      ? error.message
      : error.status === 503
        ? "The request has failed due to a temporary failure of the server."
        : "The request processing has failed due to some unknown error.";
  return c.json(
    {
      RequestId: requestId,
      Code: codeOf(error),
      Message: message,
      ...(extra.recommend ? { Recommend: extra.recommend } : {}),
      ...(extra.accessDeniedDetail ? { AccessDeniedDetail: extra.accessDeniedDetail } : {}),
    },
    error.status,
  );
};
