import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env";
import { ApiError, renderError, validationHook } from "./http/errors";
import { docsPage } from "./http/docs-page";
import { adminRouter } from "./http/admin";
import { healthRouter } from "./http/health";
import { produceQrCodeRouter } from "./http/produce-qrcode";
import { qrCodesRouter } from "./http/qr-codes/router";
import { redirectsRouter } from "./http/redirects";
import { filesRouter } from "./http/files";
import { hostedPagesRouter } from "./http/hosted-pages";
import { pairingRouter } from "./http/pairing/router";
import { messageQrdlRouter } from "./http/message-qrdl/router";

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

// Every response built through the context, errors included, carries X-Request-Id (a well-formed
// id sent by the client or a proxy is kept, otherwise a UUID) so a report can be traced in logs.
app.use("*", requestId({ headerName: "X-Request-Id" }));
// Hono's defaults, except that images and files are meant to be embedded on other sites, and a
// route that sets a header itself (a page's own CSP, a file's CORP) keeps it.
app.use("*", secureHeaders({ crossOriginResourcePolicy: "cross-origin", overwrite: false }));

app.route("/", healthRouter);
app.route("/", adminRouter);
app.route("/", produceQrCodeRouter);
app.route("/", filesRouter);
app.route("/", qrCodesRouter);
app.route("/", redirectsRouter);
app.route("/", pairingRouter);
app.route("/", hostedPagesRouter);
app.route("/", messageQrdlRouter);

app.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "edge-qr",
    version: "0.1.0",
    description: "Self-hostable QR code platform on Cloudflare Workers.",
  },
});

app.get("/docs", (c) => c.html(docsPage("/openapi.json")));

app.notFound((c) => renderError(c, new ApiError(404, "NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`)));
app.onError((err, c) => renderError(c, err));
