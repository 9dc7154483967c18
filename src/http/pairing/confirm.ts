import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { deletePhoneCodeRoutes, findPairingInstance, findPhoneCodeRoutes, INSTANCE_ID_PATTERN, insertConnection, phoneCodeDigest } from "../../db/pairing";
import type { ConfirmAnswer } from "../../objects/pairing-instance";
import { ApiError, limitBody, validationHook } from "../errors";
import { errorJson, instanceObject, isoAt, NO_STORE, normalisePhone, type PairingEnv, useEnvelope } from "./envelope";

/**
 * POST /pairing/confirm: the scanning device's side. A phone app presents the value it read from
 * the QR code (or the phone number and the code the user typed) with a name for itself; the
 * instance becomes connected. The value is the credential: 192 random bits, 20 seconds of life,
 * single-use, meaningful only to the instance it names. A phone code allows 5 wrong guesses.
 */

const MAX_BODY_BYTES = 4096;
/** `<instance id>.<32 base64url characters>` */
const VALUE_SHAPE = /^([0-9A-F]{32})\.[A-Za-z0-9_-]{32}$/;
/** Instances tried for one number and code (two instances drawing the same code for one number is rare). */
const MAX_ROUTES = 5;

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

const invalid = (byValue: boolean) =>
  new ApiError(404, "INVALID_PAIRING_VALUE", byValue ? "Unknown pairing value" : "Unknown phone number or wrong code");

function refusal(answer: Exclude<ConfirmAnswer, { kind: "connected" }>, byValue: boolean): ApiError {
  if (answer.kind === "used") return new ApiError(409, "ALREADY_USED", byValue ? "This value was already used" : "This code was already used");
  if (answer.kind === "expired") return new ApiError(410, "EXPIRED", byValue ? "This value has expired; scan the new QR code" : "This code has expired; request a new one");
  return invalid(byValue);
}

export const confirmRouter = new OpenAPIHono<PairingEnv>({ defaultHook: validationHook });
confirmRouter.use("/pairing/*", useEnvelope, limitBody(MAX_BODY_BYTES));

confirmRouter.openapi(
  createRoute({
    method: "post",
    path: "/pairing/confirm",
    tags: ["Pairing"],
    summary: "Confirm a pairing from the scanning device",
    description:
      "Send `{value, deviceName}` with the raw value read from the QR code, or `{phone, code, deviceName}` with the phone number and the code shown for it. Of racing confirmations exactly one connects; the others get 409.",
    request: { body: { required: true, content: { "application/json": { schema: ConfirmBody } } } },
    responses: {
      200: { description: "The instance is connected", content: { "application/json": { schema: ConfirmedSchema } } },
      400: errorJson("Invalid body"),
      404: errorJson("Unknown value, or unknown phone number or wrong code"),
      409: errorJson("The value or code was already used (the instance is connected)"),
      410: errorJson("The value or code has expired"),
      413: errorJson("Body over 4 KiB"),
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const deviceName = body.deviceName;
    let instanceId: string;
    let answer: ConfirmAnswer;
    let phone: string | null = null;
    if (body.value !== undefined) {
      const match = VALUE_SHAPE.exec(body.value);
      // The instance must exist before its object is woken: a made-up id never creates one.
      if (!match || !INSTANCE_ID_PATTERN.test(match[1]!) || !(await findPairingInstance(c.env.DB, match[1]!))) throw invalid(true);
      instanceId = match[1]!;
      answer = await instanceObject(c.env, instanceId).confirmValue(body.value, deviceName);
    } else {
      phone = normalisePhone(body.phone!);
      if (!phone) throw invalid(false);
      const code = body.code!.replace(/[\s-]/g, "").toUpperCase();
      answer = { kind: "invalid" };
      instanceId = "";
      for (const candidate of await findPhoneCodeRoutes(c.env.DB, phone, await phoneCodeDigest(phone, code), MAX_ROUTES)) {
        const result = await instanceObject(c.env, candidate).confirmPhoneCode(phone, code, deviceName);
        if (result.kind !== "invalid") {
          answer = result;
          instanceId = candidate;
          break;
        }
      }
    }
    if (answer.kind !== "connected") throw refusal(answer, body.value !== undefined);
    const connectedAt = isoAt(answer.connectedAt);
    await Promise.all([
      insertConnection(c.env.DB, { id: answer.sessionId, instanceId, deviceName, method: phone ? "phone" : "qr", phone, connectedAt }),
      deletePhoneCodeRoutes(c.env.DB, instanceId, phone),
    ]);
    return c.json({ connected: true as const, instance: instanceId, deviceName, connectedAt }, 200, NO_STORE);
  },
);
