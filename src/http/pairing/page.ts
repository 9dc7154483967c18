import { OpenAPIHono, z } from "@hono/zod-openapi";
import { INSTANCE_ID_PATTERN } from "../../db/pairing";
import { pairPage, PAIR_PAGE_CSP } from "../../pages/pairing";
import { PAIR_SCRIPT, PAIR_SCRIPT_PATH } from "../../pages/pairing-script";
import { notFoundPage } from "../../pages/status";
import { validationHook } from "../errors";
import type { PairingEnv } from "./envelope";

/**
 * GET /instances/{instance}/pair: the demo page a product would embed, and its script. The page is
 * the same for every well-formed id (existing or not): it learns about the instance only through
 * the API, with the tokens from its fragment.
 */

const PAGE_HEADERS = {
  "Content-Security-Policy": PAIR_PAGE_CSP,
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
};

const PAGE_HEADERS_DOC = {
  "Content-Security-Policy": { description: "Scripts, styles and connections from this origin only", schema: { type: "string" as const } },
  "Cache-Control": { description: "Always `no-store`", schema: { type: "string" as const } },
};

export const pairPageRouter = new OpenAPIHono<PairingEnv>({ defaultHook: validationHook });

pairPageRouter.openAPIRegistry.registerPath({
  method: "get",
  path: "/instances/{instance}/pair",
  operationId: "getPairingDemoPage",
  tags: ["Pairing"],
  // A page for people: it calls the API itself with the tokens from its fragment.
  security: [],
  summary: "Demo page: show the instance's QR code until a device links",
  description: "Open with `#token=<instance token>&clientToken=<Client-Token>`; the fragment never leaves the browser.",
  request: { params: z.object({ instance: z.string().openapi({ param: { name: "instance", in: "path" } }) }) },
  responses: {
    200: { description: "The page", headers: PAGE_HEADERS_DOC, content: { "text/html": { schema: { type: "string" } } } },
    404: { description: "Not an instance id", headers: PAGE_HEADERS_DOC, content: { "text/html": { schema: { type: "string" } } } },
  },
});

pairPageRouter.get("/instances/:instance/pair", (c) => {
  const instanceId = c.req.param("instance");
  if (!INSTANCE_ID_PATTERN.test(instanceId)) return c.html(notFoundPage(), 404, PAGE_HEADERS);
  return c.html(pairPage(instanceId), 200, PAGE_HEADERS);
});

pairPageRouter.get(PAIR_SCRIPT_PATH, (c) =>
  c.body(PAIR_SCRIPT, 200, {
    "Content-Type": "text/javascript; charset=utf-8",
    "Cache-Control": "public, max-age=31536000, immutable",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Resource-Policy": "same-origin",
  }),
);
