import type { Context } from "hono";
import type { AppEnv } from "../env";

/**
 * The origin that public links (short links, hosted pages, files) are built on: PUBLIC_BASE_URL
 * when configured (a short custom domain in front of the Worker), otherwise the origin the
 * request came in on.
 */
export function publicBaseUrl(c: Context<AppEnv>): string {
  const configured = c.env.PUBLIC_BASE_URL?.trim();
  if (configured) return configured.replace(/\/+$/, "");
  return new URL(c.req.url).origin;
}
