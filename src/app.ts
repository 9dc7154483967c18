import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { TrieRouter } from "hono/router/trie-router";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { ApiError, renderError, validationHook } from "./http/errors";
import { consoleRouter, openConsole } from "./http/console-assets";
import { adminRouter } from "./http/admin";
import { healthRouter } from "./http/health";
import { produceQrCodeRouter } from "./http/produce-qrcode";
import { printRunsRouter } from "./http/qr-codes/print-runs";
import { qrCodesRouter } from "./http/qr-codes/router";
import { benchRouter, redirectsRouter, shareLinksRouter } from "./http/redirects";
import { filesRouter } from "./http/files";
import { hostedPagesRouter, pageAssetsRouter } from "./http/hosted-pages";
import { pairingRouter } from "./http/pairing/router";
import { messageQrdlImagesRouter } from "./http/message-qrdl/images";
import { messageQrdlRouter } from "./http/message-qrdl/router";
import { organizationRouter } from "./http/organization";
import { organizationAnalyticsRouter } from "./http/analytics";
import { sessionRouter } from "./http/session";
import { webhooksRouter } from "./http/webhooks";

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

// Every response built through the context, errors included, carries X-Request-Id (a well-formed
// id sent by the client or a proxy is kept, otherwise a UUID) so a report can be traced in logs.
app.use("*", requestId({ headerName: "X-Request-Id" }));
// Hono's defaults, except that images and files are meant to be embedded on other sites, and a
// route that sets a header itself (a page's own CSP, a file's CORP) keeps it.
app.use("*", secureHeaders({ crossOriginResourcePolicy: "cross-origin", overwrite: false }));

app.route("/health", healthRouter);
app.route("/admin", adminRouter);
app.route("/apis/v2/public/crm", produceQrCodeRouter);
app.route("/files", filesRouter);
app.route("/qr_codes", qrCodesRouter);
app.route("/print_runs", printRunsRouter);
app.route("/session", sessionRouter);
app.route("/organization", organizationRouter);
app.route("/analytics", organizationAnalyticsRouter);
app.route("/webhooks", webhooksRouter);
app.route("/r", redirectsRouter);
app.route("/s", shareLinksRouter);
app.route("/bench", benchRouter);
// Device pairing: /instances/…, /pairing/confirm and the pairing page's script under /assets.
app.route("/", pairingRouter);
app.route("/p", hostedPagesRouter);
// After pairing, whose page script is served at /assets/pair-<hash>.js.
app.route("/assets", pageAssetsRouter);
// Message QR codes: the Alibaba Cloud RPC endpoint is the root itself (POST /?Action=…), as the SDK calls it.
app.route("/", messageQrdlRouter);
app.route("/message-qrdl", messageQrdlImagesRouter);
// The web console and the API reference, from the Worker's static assets; GET / (no RPC action) opens the console.
app.route("/", consoleRouter);
app.get("/", openConsole);

// How each family authenticates, defined once for all of them: a route names the one it uses.
// Registered after the mounts, so these definitions win over any a router still registers.
const SECURITY_SCHEMES = {
  adminToken: { type: "http", scheme: "bearer", description: "The ADMIN_TOKEN Worker secret" },
  bearerKey: {
    type: "http",
    scheme: "bearer",
    description: "An organization API key (zbk_…) issued through the admin API; qr:ReadQrCode to read, qr:WriteQrCode and the read-write role to write",
  },
  consoleSession: {
    type: "apiKey",
    in: "cookie",
    name: "eqr_session",
    description:
      "The console's session cookie, set by POST /session. Wherever a bearer key is accepted the cookie is too when no Authorization header is sent (owner and editor: read-write; viewer: read-only); a state-changing request authenticated by it must carry this server's Origin",
  },
  clientToken: { type: "apiKey", in: "header", name: "Client-Token", description: "The organization's pairing Client-Token (zct_…)" },
  acsSignatureV3: {
    type: "apiKey",
    in: "header",
    name: "Authorization",
    description:
      "Alibaba Cloud signature V3 with an AccessKey pair, as the official SDK signs: `Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<a;b;c>,Signature=<hex>` over host, x-acs-date (within 15 minutes of the server's clock), x-acs-signature-nonce (single use), x-acs-content-sha256 (the body's SHA-256) and, when sent, x-acs-action, x-acs-version and content-type",
  },
} as const;
for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);

app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "edge-qr",
    version: "0.1.0",
    description: "Self-hostable QR code platform on Cloudflare Workers.",
  },
  // Relative: the document describes whichever origin serves it, so it is the same on every
  // deployment (and openapi.json in the repository is byte for byte what /openapi.json answers).
  servers: [{ url: "/", description: "The origin that serves this document" }],
  tags: [
    { name: "Platform", description: "The Worker's health and the reachability of its dependencies" },
    { name: "Admin", description: "The operator's API behind the ADMIN_TOKEN secret: organizations, users, every kind of credential, WhatsApp numbers, pairing instances, the demo organization" },
    { name: "Produce QR code", description: "Stateless QR code PNGs for a URL or tel: URI, authenticated by api_key and developer_secret in the body; always HTTP 200" },
    { name: "Files", description: "Uploads (files, audio, logos) stored in R2, and their public download" },
    { name: "QR codes", description: "An organization's dynamic QR codes: create, read, replace, delete, download their images, read their scans and page views" },
    { name: "Print runs", description: "N serialised codes made from one template in one call (table 1..N, flyer batch A..Z), their scans rolled up, downloaded as a labelled PDF sheet or a ZIP of images" },
    { name: "Console session", description: "People signing in to the console: email and password, one-time invite and reset links, sign-out" },
    { name: "Webhooks", description: "Signed webhooks (Standard Webhooks): an organization's endpoints, their delivery logs, redelivery" },
    { name: "Organization settings", description: "An owner's settings for their own organization, from the console session only: bearer API keys, members and their console roles, developer keys and their IP allowlists" },
    { name: "Public edge", description: "What people reach by scanning: short-link redirects, hosted pages, their calendar and contact files and assets" },
    { name: "Pairing", description: "Device pairing: an instance's rotating QR value and phone codes (Client-Token), the confirmation a phone sends, the demo page" },
    { name: "Message QR codes", description: "WhatsApp message QR codes through the Alibaba Cloud Chat App Message Service RPC (version 2020-06-06), and their images" },
  ],
});

/**
 * The methods a path answers, read from the routes the app registered (middleware, registered for
 * every method, says nothing about a path); HEAD wherever GET is, since Hono answers it with GET.
 * Built on the first unmatched request, when every router is mounted.
 */
const METHOD_ORDER = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
let routeMethods: TrieRouter<string> | undefined;
function allowedMethods(path: string): string[] {
  if (!routeMethods) {
    routeMethods = new TrieRouter<string>();
    for (const route of app.routes) if (route.method !== "ALL") routeMethods.add("ALL", route.path, route.method.toUpperCase());
  }
  const methods = new Set(routeMethods.match("GET", path)[0].map(([method]) => method));
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort((a, b) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b));
}

// A path that exists, asked with a method it does not answer, is a 405 naming the methods it does
// (RFC 9110 §15.5.6) in the path's own envelope; only a path nothing answers is a 404.
app.notFound((c) => {
  const allowed = allowedMethods(c.req.path);
  if (allowed.length > 0 && !allowed.includes(c.req.method)) {
    const answer = renderError(c, new ApiError(405, "METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}; it answers ${allowed.join(", ")}`));
    // A family whose envelope always answers 200 (produceQRCode) says it in its body; Allow belongs to a 405.
    if (answer.status === 405) answer.headers.set("Allow", allowed.join(", "));
    return answer;
  }
  return renderError(c, new ApiError(404, "NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`));
});
app.onError((err, c) => renderError(c, err));
