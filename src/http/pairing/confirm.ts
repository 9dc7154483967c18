import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { confirmPairing } from "../../pairing/connection";
import { limitBody, validationHook } from "../errors";
import { errorJson, NO_STORE, noStoreHeaderDoc, type PairingEnv, unavailableJson, useEnvelope } from "./envelope";

/**
 * POST /pairing/confirm: the scanning device's side. A phone app presents the value it read from
 * the QR code (or the phone number and the code the user typed) with a name for itself; the
 * instance becomes connected (src/pairing/connection.ts decides).
 */

const MAX_BODY_BYTES = 4096;

const ConfirmBody = z
  .object({
    value: z.string().max(200).optional().openapi({ description: "The raw value read from the QR code" }),
    phone: z.string().max(32).optional().openapi({ description: "The phone number the code was requested for (E.164)", example: "+5511999999999" }),
    code: z.string().max(32).optional().openapi({ description: "The 8-character code (case, spaces and hyphens are ignored)", example: "ABCD2345" }),
    deviceName: z.string().trim().min(1).max(100).openapi({ description: "Shown in the instance's connection history", example: "Pixel 8" }),
  })
  .superRefine((body, ctx) => {
    const byValue = body.value !== undefined;
    const byCode = body.phone !== undefined || body.code !== undefined;
    if (byValue === byCode) ctx.addIssue({ code: "custom", path: [], message: "send either value, or phone and code" });
    if (byCode && body.phone === undefined) ctx.addIssue({ code: "custom", path: ["phone"], message: "is required with code" });
    if (byCode && body.code === undefined) ctx.addIssue({ code: "custom", path: ["code"], message: "is required with phone" });
  })
  .openapi("PairingConfirmation");

const ConfirmedSchema = z
  .object({
    connected: z.literal(true),
    instance: z.string(),
    deviceName: z.string(),
    connectedAt: z.string().openapi({ example: "2026-11-21T12:00:07+00:00" }),
  })
  .openapi("PairingConfirmed");

export const confirmRouter = new OpenAPIHono<PairingEnv>({ defaultHook: validationHook });
confirmRouter.use("/pairing/*", useEnvelope, limitBody(MAX_BODY_BYTES));

confirmRouter.openapi(
  createRoute({
    method: "post",
    path: "/pairing/confirm",
    tags: ["Pairing"],
    operationId: "confirmPairing",
    // The device proves itself with the value or code in the body: no header credential.
    security: [],
    summary: "Confirm a pairing from the scanning device",
    description:
      "Send `{value, deviceName}` with the raw value read from the QR code, or `{phone, code, deviceName}` with the phone number and the code shown for it. Of racing confirmations exactly one connects; the others get 409.",
    request: { body: { required: true, content: { "application/json": { schema: ConfirmBody } } } },
    responses: {
      200: { description: "The instance is connected", headers: noStoreHeaderDoc, content: { "application/json": { schema: ConfirmedSchema } } },
      400: errorJson("Invalid body"),
      404: errorJson("Unknown value, or unknown phone number or wrong code"),
      409: errorJson("The value or code was already used (the instance is connected)"),
      410: errorJson("The value or code has expired"),
      413: errorJson("Body over 4 KiB"),
      503: unavailableJson,
    },
  }),
  async (c) => {
    const { value, phone, code, deviceName } = c.req.valid("json");
    // The body's rule (value, or phone and code) holds here: the schema refused anything else.
    const proof = value !== undefined ? { value } : { phone: phone!, code: code! };
    const connected = await confirmPairing(c.env, proof, deviceName);
    return c.json({ connected: true as const, instance: connected.instanceId, deviceName: connected.deviceName, connectedAt: connected.connectedAt }, 200, NO_STORE);
  },
);
