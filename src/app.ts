import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "./env";
import { ApiError, renderError, validationHook } from "./http/errors";
import { docsPage } from "./http/docs-page";
import { adminRouter } from "./http/admin";
import { healthRouter } from "./http/health";
import { produceQrCodeRouter } from "./http/produce-qrcode";

export const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

app.use("*", async (c, next) => {
  // Every response, errors included, carries a request id so a report can be traced in logs.
  const requestId = crypto.randomUUID();
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("X-Request-Id", requestId);
});

app.route("/", healthRouter);
app.route("/", adminRouter);
app.route("/", produceQrCodeRouter);

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
