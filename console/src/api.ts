// The console's API client: openapi-fetch over the types openapi-typescript generates from our
// openapi.json (api-schema.d.ts, written by scripts/openapi.mjs), so an API change that breaks a
// call here breaks `tsc -p console`. The console talks only to the public API, authenticated by
// the session cookie (same-origin fetches send it; no token is ever held in script).
import createClient from "openapi-fetch";
import type { components, paths } from "./api-schema";

export type { components };

export type QrCode = components["schemas"]["QrCode"];
export type QrCodeType = QrCode["type"];
export type Problem = components["schemas"]["Problem"];
export type Violation = NonNullable<Problem["violations"]>[number];

export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });

/** What a failed call tells a person: the problem's detail, or the status when there is none. */
export function problemMessage(error: unknown, response: Response): string {
  const problem = error as Partial<Problem> | undefined;
  if (problem && typeof problem.detail === "string" && problem.detail !== "") return problem.detail;
  return `The server answered ${response.status} ${response.statusText}`.trim();
}

/** A problem's violations by property path (`content.url`, `name`), for forms to show at their fields. */
export function violationsOf(error: unknown): Map<string, string> {
  const byPath = new Map<string, string>();
  for (const violation of (error as Partial<Problem> | undefined)?.violations ?? []) {
    const earlier = byPath.get(violation.propertyPath);
    byPath.set(violation.propertyPath, earlier ? `${earlier}; ${violation.message}` : violation.message);
  }
  return byPath;
}

/** The code's image as the API draws it (the same route a client downloads from). */
export const codeImageUrl = (id: string, format: "svg" | "png" = "svg") => `/qr_codes/${encodeURIComponent(id)}/download?format=${format}`;
