import type { z } from "zod";

/**
 * Plain-English messages for zod issues, in the style of the contract's examples
 * ("must be 0 or more"). Messages a schema sets itself (regex hints, refinements) win over these.
 * Passed per parse (`schema.safeParse(input, { error: violationMessage })`).
 */
export function violationMessage(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      if (issue.input === null) return "must not be null";
      return `must be ${article(issue.expected)}`;
    case "too_small": {
      const min = Number(issue.minimum);
      if (issue.origin === "string") return min === 1 ? "must not be empty" : `must be at least ${min} characters long`;
      if (issue.origin === "array") return `must have at least ${min} item${min === 1 ? "" : "s"}`;
      return issue.inclusive === false ? `must be more than ${min}` : `must be ${min} or more`;
    }
    case "too_big": {
      const max = Number(issue.maximum);
      if (issue.origin === "string") return `must be at most ${max} characters long`;
      if (issue.origin === "array") return `must have at most ${max} item${max === 1 ? "" : "s"}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be ${max} or less`;
    }
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of: ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      return issue.format === "email" ? "must be an email address" : issue.format === "datetime" ? "must be an ISO 8601 date-time with a time zone offset" : `must be a valid ${issue.format}`;
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    case "invalid_union":
      return "does not match any accepted form";
    default:
      return undefined;
  }
}

function article(expected: string): string {
  if (expected === "int") return "an integer";
  if (expected === "object" || expected === "array") return `an ${expected}`;
  return `a ${expected}`;
}

/**
 * The schema itself, parsing with violationMessage whenever nobody passes an error map:
 * @hono/zod-validator (behind `router.openapi`) calls `schema.safeParseAsync(value)` with no
 * options, so without this a route's violations would read "Invalid input: expected number…"
 * instead of the family's "must be a number". Apply it last: `.openapi()`, `.optional()` and the
 * like return new schemas without it.
 */
export function withViolationMessages<T extends z.ZodType>(schema: T): T {
  const safeParseAsync = schema.safeParseAsync.bind(schema);
  const safeParse = schema.safeParse.bind(schema);
  return Object.assign(schema, {
    safeParseAsync: (data: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>) => safeParseAsync(data, { error: violationMessage, ...params }),
    safeParse: (data: unknown, params?: z.core.ParseContext<z.core.$ZodIssue>) => safeParse(data, { error: violationMessage, ...params }),
  });
}
