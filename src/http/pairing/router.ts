import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { connectionStatus, disconnectInstance, restartInstance } from "../../pairing/connection";
import { isoAt } from "../../lib/time";
import { currentPairingValue, phoneCodeFor } from "../../pairing/values";
import { DEFAULT_APPEARANCE, bytesToBase64, renderQrPng } from "../../qr";
import { validationHook } from "../errors";
import { confirmRouter } from "./confirm";
import { errorJson, NO_STORE, noStoreHeaderDoc, type PairingEnv, renderPairingError, requireInstance, unavailableJson, useEnvelope } from "./envelope";
import { pairPageRouter } from "./page";

/**
 * The pairing contract (`../shared/contracts/pairing-qrcode.txt`): GET
 * `/instances/{instance}/token/{token}/qr-code`, `qr-code/image`, `phone-code/{phone}`, `status`,
 * `disconnect` and `restart`, each with the organization's `Client-Token` header. The pairing
 * module (src/pairing) authenticates and decides; these handlers shape its answers.
 */

const ALREADY_CONNECTED = { connected: true as const, error: "You are already connected." as const };
/** The image: 300 px with the ISO four-module quiet zone, level M (a screen, no logo). */
const IMAGE_SIZE = 300;
const QUIET_ZONE_MODULES = 4;

const Params = z.object({
  instance: z.string().openapi({ param: { name: "instance", in: "path" }, example: "3C5A1F0E9B7D4E2A8C6F1B3D5E7A9C0B" }),
  token: z.string().openapi({ param: { name: "token", in: "path" }, example: "zit_…" }),
});

const ConnectedSchema = z
  .object({ connected: z.literal(true), error: z.literal("You are already connected.") })
  .openapi("PairingAlreadyConnected");
const ValueSchema = z
  .object({
    value: z.string().openapi({ description: "The raw pairing value (what the QR code encodes)", example: "3C5A1F0E9B7D4E2A8C6F1B3D5E7A9C0B.pWq3…" }),
    expiresAt: z.string().openapi({ example: "2026-11-21T12:00:20+00:00" }),
  })
  .openapi("PairingValue");
const ImageSchema = z
  .object({
    value: z.string().openapi({ description: "The same value as a PNG data URL", example: "data:image/png;base64,iVBORw0KGgo…" }),
    expiresAt: z.string(),
  })
  .openapi("PairingImage");
const CodeSchema = z.object({ code: z.string().openapi({ example: "ABCD2345" }), expiresAt: z.string() }).openapi("PairingPhoneCode");
const StatusSchema = z
  .object({ connected: z.boolean(), error: z.string().openapi({ example: "You are not connected." }), smartphoneConnected: z.boolean() })
  .openapi("PairingStatus");
const DoneSchema = z.object({ value: z.literal(true) }).openapi("PairingDone");

/** A 200 with this API's no-store header. */
const json = <T extends z.ZodType>(description: string, schema: T) => ({
  description,
  headers: noStoreHeaderDoc,
  content: { "application/json": { schema } },
});
/** A value's or code's 200: `Expires`, with the server's `Date` (only when there is one to show). */
const withExpiry = <T extends z.ZodType>(description: string, schema: T) => ({
  ...json(description, schema),
  headers: {
    ...noStoreHeaderDoc,
    Expires: { description: "When the value or code stops working (HTTP date); absent from the already-connected answer", schema: { type: "string" as const } },
    Date: { description: "The server's time beside Expires, so a client computes the time left without trusting its own clock", schema: { type: "string" as const } },
  },
});
const authErrors = {
  401: errorJson("Missing, malformed or unknown Client-Token"),
  403: errorJson("The Client-Token belongs to another organization than the instance"),
  404: errorJson("Unknown instance or wrong instance token (the same answer for both)"),
  503: unavailableJson,
};

/**
 * `Expires` for a value or code, with the server's `Date` beside it so a client computes the time
 * left without trusting its own clock.
 */
function expiryHeaders(expiresAt: number): Record<string, string> {
  return { ...NO_STORE, Expires: new Date(expiresAt).toUTCString(), Date: new Date().toUTCString() };
}

const pairingRoute = <const R extends Parameters<typeof createRoute>[0]>(route: R) =>
  createRoute({ ...route, tags: ["Pairing"], security: [{ clientToken: [] }] });

export const pairingRouter = new OpenAPIHono<PairingEnv>({ defaultHook: validationHook });
// The clientToken security scheme the routes name is defined with the others in app.ts.
// The pairing module's refusals are answered here, in this family's shape (the app mounts this
// router with its error handler around every route, confirm's and the page's included).
pairingRouter.onError(renderPairingError);
// Everything under /instances answers errors in this family's shape (unknown sub-paths included).
pairingRouter.use("/instances/*", useEnvelope);
pairingRouter.use("/instances/:instance/token/:token/*", requireInstance);

pairingRouter
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/qr-code",
      operationId: "getPairingValue",
      summary: "The current pairing value (raw)",
      description:
        "The same value for its 20 seconds of life, then a new one. After `pauseAfter` values in a row (default 3) expire unscanned the instance pauses (409 `PAUSED`) until `restart`. A connected instance answers `{connected: true, error}`.",
      request: { params: Params },
      responses: {
        200: withExpiry("The value, or the already-connected answer", z.union([ValueSchema, ConnectedSchema])),
        ...authErrors,
        409: errorJson("Paused after unscanned rotations; call restart"),
      },
    }),
    async (c) => {
      const answer = await currentPairingValue(c.env, c.get("instance"));
      if (answer.kind === "connected") return c.json(ALREADY_CONNECTED, 200, NO_STORE);
      return c.json({ value: answer.value, expiresAt: isoAt(answer.expiresAt) }, 200, expiryHeaders(answer.expiresAt));
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/qr-code/image",
      operationId: "getPairingValueImage",
      summary: "The current pairing value as a base64 PNG",
      description: "The value of `qr-code`, drawn as a 300 px PNG data URL with the four-module quiet zone.",
      request: { params: Params },
      responses: {
        200: withExpiry("The image, or the already-connected answer", z.union([ImageSchema, ConnectedSchema])),
        ...authErrors,
        409: errorJson("Paused after unscanned rotations; call restart"),
      },
    }),
    async (c) => {
      const answer = await currentPairingValue(c.env, c.get("instance"));
      if (answer.kind === "connected") return c.json(ALREADY_CONNECTED, 200, NO_STORE);
      const { bytes } = await renderQrPng({
        content: answer.value,
        appearance: { ...DEFAULT_APPEARANCE, qrOptionsErrorCorrectionLevel: "M" },
        size: IMAGE_SIZE,
        quietZone: QUIET_ZONE_MODULES,
      });
      return c.json({ value: `data:image/png;base64,${bytesToBase64(bytes)}`, expiresAt: isoAt(answer.expiresAt) }, 200, expiryHeaders(answer.expiresAt));
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/phone-code/{phone}",
      operationId: "getPairingPhoneCode",
      summary: "An 8-character pairing code for a phone number",
      description:
        "For linking by typing a code instead of scanning: 8 characters without look-alikes (no 0/O, 1/I), bound to that phone number (E.164, with or without +), valid for 2 minutes (the same code within that time), single-use.",
      request: { params: Params.extend({ phone: z.string().openapi({ param: { name: "phone", in: "path" }, example: "5511999999999" }) }) },
      responses: {
        200: withExpiry("The code, or the already-connected answer", z.union([CodeSchema, ConnectedSchema])),
        400: errorJson("The phone number is not E.164"),
        ...authErrors,
      },
    }),
    async (c) => {
      const answer = await phoneCodeFor(c.env, c.get("instance").id, c.req.valid("param").phone);
      if (answer.kind === "connected") return c.json(ALREADY_CONNECTED, 200, NO_STORE);
      return c.json({ code: answer.code, expiresAt: isoAt(answer.expiresAt) }, 200, expiryHeaders(answer.expiresAt));
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/status",
      operationId: "getPairingStatus",
      summary: "Whether a device is linked",
      request: { params: Params },
      responses: { 200: json("The connection state", StatusSchema), ...authErrors },
    }),
    async (c) => {
      const { connected } = await connectionStatus(c.env, c.get("instance").id);
      return c.json({ connected, error: connected ? "You are already connected." : "You are not connected.", smartphoneConnected: connected }, 200, NO_STORE);
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/disconnect",
      operationId: "disconnectPairingDevice",
      summary: "Unlink the device (idempotent)",
      request: { params: Params },
      responses: { 200: json("Done", DoneSchema), ...authErrors },
    }),
    async (c) => {
      await disconnectInstance(c.env, c.get("instance").id);
      return c.json({ value: true as const }, 200, NO_STORE);
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/restart",
      operationId: "restartPairingInstance",
      summary: "End a pause: the next qr-code call shows a new value",
      request: { params: Params },
      responses: { 200: json("Done", DoneSchema), ...authErrors },
    }),
    async (c) => {
      await restartInstance(c.env, c.get("instance").id);
      return c.json({ value: true as const }, 200, NO_STORE);
    },
  );

pairingRouter.route("/", confirmRouter);
pairingRouter.route("/", pairPageRouter);
