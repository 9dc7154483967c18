import type { ErrorEnvelope } from "./errors";

/**
 * The error envelope of the QR code resource family (`/qr_codes`, `/files`): problem+json in the
 * shape API Platform emits, since the contract documents an API Platform service. Violations
 * carry one entry per violated field and `detail` joins them, as API Platform does.
 *
 * No request id in the body on purpose: "QR code not found" for a missing id and for another
 * organization's id must be byte-identical. The id is in the X-Request-Id header.
 */
export const problemEnvelope: ErrorEnvelope = (c, error) => {
  const status = error.status;
  const violations = error.issues.map((issue) => ({ propertyPath: issue.field, message: issue.message }));
  const detail =
    status >= 500
      ? "Internal error; quote the X-Request-Id header when reporting it"
      : violations.length > 0
        ? violations.map((v) => (v.propertyPath ? `${v.propertyPath}: ${v.message}` : v.message)).join("\n")
        : error.message;
  const body = {
    "@context": "/contexts/Error",
    "@type": "Error",
    title: "An error occurred",
    detail,
    status,
    type: `/errors/${status}`,
    ...(violations.length > 0 ? { violations } : {}),
  };
  return c.body(JSON.stringify(body), status, { "Content-Type": "application/problem+json; charset=utf-8" });
};
