import { z } from "@hono/zod-openapi";
import type { ApiError, ErrorEnvelope } from "./errors";

/**
 * The error envelope of the QR code resource family (`/qr_codes`, `/files`): problem+json in the
 * shape API Platform emits, since the contract documents an API Platform service. Violations
 * carry one entry per violated field and `detail` joins them, as API Platform does.
 *
 * No request id in the body on purpose: "QR code not found" for a missing id and for another
 * organization's id must be byte-identical. The id is in the X-Request-Id header.
 */
export const problemEnvelope: ErrorEnvelope = (c, error) =>
  c.body(JSON.stringify(problemBodyOf(error)), error.status, { "Content-Type": "application/problem+json; charset=utf-8" });

/** The problem document of an error: the envelope's body, and a bulk call's per-item failure (http/qr-codes/bulk.ts). */
export function problemBodyOf(error: ApiError) {
  const status = error.status;
  const violations = error.issues.map((issue) => ({ propertyPath: issue.field, message: issue.message }));
  const detail =
    status >= 500
      ? "Internal error; quote the X-Request-Id header when reporting it"
      : violations.length > 0
        ? violations.map((v) => (v.propertyPath ? `${v.propertyPath}: ${v.message}` : v.message)).join("\n")
        : error.message;
  const body = {
    "@context": "/contexts/Error" as const,
    "@type": "Error" as const,
    title: "An error occurred",
    detail,
    status,
    type: `/errors/${status}`,
    ...(violations.length > 0 ? { violations } : {}),
  };
  return body;
}

/** What problemEnvelope writes, as the family's one `Problem` component. */
export const ProblemSchema = z
  .object({
    "@context": z.literal("/contexts/Error"),
    "@type": z.literal("Error"),
    title: z.string().openapi({ example: "An error occurred" }),
    detail: z.string().openapi({ description: "The message, or every violation as `propertyPath: message`, one a line", example: "QR code not found" }),
    status: z.number().int().openapi({ example: 400 }),
    type: z.string().openapi({ example: "/errors/400" }),
    violations: z
      .array(z.object({ propertyPath: z.string().openapi({ example: "appearance.margin" }), message: z.string().openapi({ example: "must be 0 or more" }) }))
      .optional()
      .openapi({ description: "Validation failures only: one entry per violated field" }),
  })
  .openapi("Problem");

type HeaderObject = { description: string; schema: { type: "string" | "integer" } };

/** A problem+json response of the family, for route documents. */
export const problemResponse = (description: string, headers?: Record<string, HeaderObject>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { "application/problem+json": { schema: ProblemSchema } },
});
