import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "./errors";

/**
 * The web console (console/, built by scripts/build-console.mjs into console/dist) and the API
 * reference page, served from Workers Static Assets (binding ASSETS). `run_worker_first` sends
 * every request through the Worker, so the API's paths answer as they always have and only the
 * paths below reach the assets: an unknown API path is still the API's JSON 404, never the app.
 */

/**
 * The console's policy: its scripts and styles are files on this origin (Vite emits no inline
 * script), it talks to this origin's API only, and images are this origin's, data: or blob:.
 */
const CONSOLE_POLICY = [
  "default-src 'none'",
  // 'wasm-unsafe-eval': the designer compiles resvg's WebAssembly (served from 'self') to lay out
  // frame captions; Chromium needs it for WebAssembly.instantiate. It allows no JavaScript eval.
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Scalar's reference: scripts from 'self' only (it compiles no WebAssembly), but Scalar writes its
 * styles into <style> elements and style attributes at run time (Vue), so style-src must allow
 * inline styles; styles cannot run code. Its "try it" requests go to this origin (no proxy).
 */
const REFERENCE_POLICY = CONSOLE_POLICY.replace(/script-src [^;]*/, "script-src 'self'")
  .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
  .replace("frame-ancestors 'none'", "frame-ancestors 'self'");

/** Where the reference page sits in the assets; /docs serves it. */
const REFERENCE_PAGE = "/console/reference/";
/** The app's entry: every console path without a file of its own gets it (hash routes do the rest). */
const CONSOLE_INDEX = "/console/";

/** Vite names these files by their content hash, so a browser may keep them for good. */
const isHashedAsset = (path: string) => path.startsWith("/console/assets/");
/** A path naming a file (`…/name.ext`) that is missing is a 404; any other falls back to the app. */
const namesAFile = (path: string) => /\.[A-Za-z0-9]+$/.test(path.slice(path.lastIndexOf("/") + 1));

async function fetchAsset(c: Context<AppEnv>, path: string): Promise<Response> {
  // Conditional headers pass through, so a reload answers 304 from the asset's ETag.
  return c.env.ASSETS.fetch(new Request(new URL(path, c.req.url), { method: c.req.method === "HEAD" ? "HEAD" : "GET", headers: c.req.raw.headers }));
}

/** The asset's answer with headers we may change (the binding's are immutable) and the page's policy. */
function withPolicy(asset: Response, policy: string, cacheForever: boolean): Response {
  const response = new Response(asset.body, asset);
  response.headers.set("Content-Security-Policy", policy);
  if (cacheForever && asset.status === 200) response.headers.set("Cache-Control", "public, max-age=31536000, immutable");
  return response;
}

export const consoleRouter = new Hono<AppEnv>();

consoleRouter.get("/console", (c) => c.redirect(CONSOLE_INDEX, 301));

consoleRouter.get("/console/*", async (c) => {
  const path = c.req.path;
  // The reference page has its own policy; it lives at /docs.
  if (path === REFERENCE_PAGE || path === `${REFERENCE_PAGE}index.html`) return c.redirect("/docs", 301);
  let asset = await fetchAsset(c, path);
  if (asset.status === 404 && !namesAFile(path)) asset = await fetchAsset(c, CONSOLE_INDEX);
  if (asset.status === 404) throw new ApiError(404, "NOT_FOUND", `No console file at ${path}`);
  return withPolicy(asset, path.startsWith(REFERENCE_PAGE) ? REFERENCE_POLICY : CONSOLE_POLICY, isHashedAsset(path));
});

/** Scalar's API reference over /openapi.json. */
consoleRouter.get("/docs", async (c) => {
  const asset = await fetchAsset(c, REFERENCE_PAGE);
  if (!asset.ok && asset.status !== 304) throw new ApiError(503, "CONSOLE_NOT_BUILT", "The API reference page is not in the Worker's assets (build it: node scripts/build-console.mjs)");
  return withPolicy(asset, REFERENCE_POLICY, false);
});

/** The root is for people: it opens the console. */
export const openConsole = (c: Context<AppEnv>) => c.redirect(CONSOLE_INDEX, 302);
