import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { closeConnection, deletePhoneCodeRoutes, phoneCodeDigest, upsertPhoneCodeRoute } from "../../db/pairing";
import { DEFAULT_APPEARANCE } from "../../qr/appearance";
import { bytesToBase64 } from "../../qr/base64";
import { renderQrPng } from "../../qr/render";
import { ApiError, validationHook } from "../errors";
import { confirmRouter } from "./confirm";
import { errorJson, expiryHeaders, instanceObject, isoAt, NO_STORE, normalisePhone, type PairingEnv, requireInstance, useEnvelope } from "./envelope";
import { pairPageRouter } from "./page";

/**
 * The pairing contract (`../shared/contracts/pairing-qrcode.txt`): GET
 * `/instances/{instance}/token/{token}/qr-code`, `qr-code/image`, `phone-code/{phone}`, `status`,
 * `disconnect` and `restart`, each with the organization's `Client-Token` header. The instance's
 * Durable Object holds the live state; these handlers authenticate, ask it, and shape the answer.
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

const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });
const authErrors = {
  401: errorJson("Missing, malformed or unknown Client-Token"),
  403: errorJson("The Client-Token belongs to another organization than the instance"),
  404: errorJson("Unknown instance or wrong instance token (the same answer for both)"),
};
const expiryHeadersDoc = {
  Expires: { description: "When the value or code stops working (HTTP date)", schema: { type: "string" as const } },
};

const pairingRoute = <const R extends Parameters<typeof createRoute>[0]>(route: R) =>
  createRoute({ ...route, tags: ["Pairing"], security: [{ clientToken: [] }] });

function pausedError(rotations: number): ApiError {
  return new ApiError(409, "PAUSED", `No code was scanned in ${rotations} rotations; call restart to show a new one`);
}

async function currentValue(c: Context<PairingEnv>) {
  const instance = c.get("instance");
  const answer = await instanceObject(c.env, instance.id).qrCode(instance.id, instance.pauseAfter);
  if (answer.kind === "paused") throw pausedError(answer.rotations);
  return answer;
}

export const pairingRouter = new OpenAPIHono<PairingEnv>({ defaultHook: validationHook });
pairingRouter.openAPIRegistry.registerComponent("securitySchemes", "clientToken", {
  type: "apiKey",
  in: "header",
  name: "Client-Token",
  description: "The organization's pairing Client-Token (zct_…)",
});
// Everything under /instances answers errors in this family's shape (unknown sub-paths included).
pairingRouter.use("/instances/*", useEnvelope);
pairingRouter.use("/instances/:instance/token/:token/*", requireInstance);

pairingRouter
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/qr-code",
      summary: "The current pairing value (raw)",
      description:
        "The same value for its 20 seconds of life, then a new one. After `pauseAfter` values in a row (default 3) expire unscanned the instance pauses (409 `PAUSED`) until `restart`. A connected instance answers `{connected: true, error}`.",
      request: { params: Params },
      responses: {
        200: { ...json("The value, or the already-connected answer", z.union([ValueSchema, ConnectedSchema])), headers: expiryHeadersDoc },
        ...authErrors,
        409: errorJson("Paused after unscanned rotations; call restart"),
      },
    }),
    async (c) => {
      const answer = await currentValue(c);
      if (answer.kind === "connected") return c.json(ALREADY_CONNECTED, 200, NO_STORE);
      return c.json({ value: answer.value, expiresAt: isoAt(answer.expiresAt) }, 200, expiryHeaders(answer.expiresAt));
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/qr-code/image",
      summary: "The current pairing value as a base64 PNG",
      description: "The value of `qr-code`, drawn as a 300 px PNG data URL with the four-module quiet zone.",
      request: { params: Params },
      responses: {
        200: { ...json("The image, or the already-connected answer", z.union([ImageSchema, ConnectedSchema])), headers: expiryHeadersDoc },
        ...authErrors,
        409: errorJson("Paused after unscanned rotations; call restart"),
      },
    }),
    async (c) => {
      const answer = await currentValue(c);
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
      summary: "An 8-character pairing code for a phone number",
      description:
        "For linking by typing a code instead of scanning: 8 characters without look-alikes (no 0/O, 1/I), bound to that phone number (E.164, with or without +), valid for 2 minutes (the same code within that time), single-use.",
      request: { params: Params.extend({ phone: z.string().openapi({ param: { name: "phone", in: "path" }, example: "5511999999999" }) }) },
      responses: {
        200: { ...json("The code, or the already-connected answer", z.union([CodeSchema, ConnectedSchema])), headers: expiryHeadersDoc },
        400: errorJson("The phone number is not E.164"),
        ...authErrors,
      },
    }),
    async (c) => {
      const phone = normalisePhone(c.req.valid("param").phone);
      if (!phone) throw new ApiError(400, "INVALID_PHONE", "phone must be an E.164 number: country code and number, 8 to 15 digits, optionally after +");
      const instance = c.get("instance");
      const answer = await instanceObject(c.env, instance.id).phoneCode(phone);
      if (answer.kind === "connected") return c.json(ALREADY_CONNECTED, 200, NO_STORE);
      // The phone confirms with its number and code only: this row routes it to the instance.
      if (answer.fresh) await upsertPhoneCodeRoute(c.env.DB, phone, instance.id, isoAt(answer.expiresAt), await phoneCodeDigest(phone, answer.code));
      return c.json({ code: answer.code, expiresAt: isoAt(answer.expiresAt) }, 200, expiryHeaders(answer.expiresAt));
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/status",
      summary: "Whether a device is linked",
      request: { params: Params },
      responses: { 200: json("The connection state", StatusSchema), ...authErrors },
    }),
    async (c) => {
      const { connected } = await instanceObject(c.env, c.get("instance").id).status();
      return c.json({ connected, error: connected ? "You are already connected." : "You are not connected.", smartphoneConnected: connected }, 200, NO_STORE);
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/disconnect",
      summary: "Unlink the device (idempotent)",
      request: { params: Params },
      responses: { 200: json("Done", DoneSchema), ...authErrors },
    }),
    async (c) => {
      const instance = c.get("instance");
      const ended = await instanceObject(c.env, instance.id).disconnect();
      await Promise.all([
        ended && ended.sessionId ? closeConnection(c.env.DB, ended.sessionId, isoAt(ended.disconnectedAt)) : null,
        deletePhoneCodeRoutes(c.env.DB, instance.id),
      ]);
      return c.json({ value: true as const }, 200, NO_STORE);
    },
  )
  .openapi(
    pairingRoute({
      method: "get",
      path: "/instances/{instance}/token/{token}/restart",
      summary: "End a pause: the next qr-code call shows a new value",
      request: { params: Params },
      responses: { 200: json("Done", DoneSchema), ...authErrors },
    }),
    async (c) => {
      await instanceObject(c.env, c.get("instance").id).restart();
      return c.json({ value: true as const }, 200, NO_STORE);
    },
  );

pairingRouter.route("/", confirmRouter);
pairingRouter.route("/", pairPageRouter);
