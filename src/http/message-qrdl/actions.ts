import type { Context } from "hono";
import { normalizePhoneNumber } from "../../accounts/phone-numbers";
import { acsEncode } from "../../auth/signature-v3";
import { CodeChanged, CodeNotFound } from "../../codes/errors";
import { SHORT_TOKEN_PATTERN } from "../../codes/ids";
import type { CodeInput } from "../../codes/record";
import { dynamicUrlOf } from "../../codes/representation";
import { createCode, deleteCode, replaceCode } from "../../codes/writes";
import {
  deleteMessageQrdlStatement,
  findMessageQrdl,
  findPhoneNumber,
  insertMessageQrdlStatement,
  listMessageQrdl,
  updateMessageQrdlStatement,
  type MessageQrdl,
  type QrImageFormat,
} from "../../db/message-qrdl";
import type { AppEnv } from "../../env";
import { DEFAULT_APPEARANCE } from "../../qr";
import { publicBaseUrl } from "../origin";
import type { Caller } from "./auth";
import { acsErrors } from "./envelope";

type Ctx = Context<AppEnv>;
export type Params = ReadonlyMap<string, string>;

/** WhatsApp's limit on a QR code's prefilled message, in characters (code points). */
export const MAX_MESSAGE_CHARS = 140;
const MAX_SPACE_ID = 64;
const MAX_LISTED = 1000;

// Parameters

function required(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === "") throw acsErrors.missingParameter(name);
  return value;
}

function phoneNumberOf(params: Params): string {
  const phone = normalizePhoneNumber(required(params, "PhoneNumber"));
  if (phone === null) throw acsErrors.invalidParameter("PhoneNumber", "The phone number must be 6 to 15 digits with its country code, e.g. 8613800138000.");
  return phone;
}

function imageFormatOf(params: Params): QrImageFormat {
  const format = required(params, "GenerateQrImage").toUpperCase();
  if (format !== "PNG" && format !== "SVG") throw acsErrors.invalidParameter("GenerateQrImage", "Valid values: PNG, SVG.");
  return format;
}

function messageOf(params: Params): string {
  const message = required(params, "PrefilledMessage");
  if (!message.isWellFormed()) throw acsErrors.invalidParameter("PrefilledMessage", "The message is not valid Unicode text.");
  if ([...message].length > MAX_MESSAGE_CHARS) throw acsErrors.invalidParameter("PrefilledMessage", `The message may have at most ${MAX_MESSAGE_CHARS} characters.`);
  return message;
}

function spaceIdOf(params: Params): string | null {
  const space = params.get("CustSpaceId");
  if (space === undefined || space === "") return null;
  if (space.length > MAX_SPACE_ID) throw acsErrors.invalidParameter("CustSpaceId", `At most ${MAX_SPACE_ID} characters.`);
  return space;
}

function qrdlCodeOf(params: Params): string {
  const code = required(params, "QrdlCode");
  // Not a code of ours at all: the same answer as another user's code, so codes cannot be probed.
  if (!SHORT_TOKEN_PATTERN.test(code)) throw acsErrors.notOwner();
  return code;
}

/** The phone number must be registered to the caller's organization (and to the space, when one is named). */
async function requireOwnPhone(c: Ctx, caller: Caller, phoneNumber: string, space: string | null): Promise<void> {
  const phone = await findPhoneNumber(c.env.DB, phoneNumber);
  if (!phone || phone.orgId !== caller.orgId || (space !== null && phone.custSpaceId !== space)) throw acsErrors.notOwner();
}

async function requireOwnCode(c: Ctx, caller: Caller, qrdlCode: string, phoneNumber: string, space: string | null): Promise<MessageQrdl> {
  const record = await findMessageQrdl(c.env.DB, caller.orgId, qrdlCode);
  if (!record || record.phoneNumber !== phoneNumber || (space !== null && record.custSpaceId !== space)) throw acsErrors.notOwner();
  return record;
}

// Representations

/** `https://wa.me/<digits>?text=<message>`, every reserved character percent-encoded. */
export const waMeUrl = (phoneNumber: string, message: string): string => `https://wa.me/${phoneNumber}?text=${acsEncode(message)}`;

export const imageUrlOf = (record: Pick<MessageQrdl, "qrdlCode" | "deepLinkUrl" | "imageFormat">): string =>
  `${new URL(record.deepLinkUrl).origin}/message-qrdl/${record.qrdlCode}.${record.imageFormat.toLowerCase()}`;

const dataOf = (record: MessageQrdl) => ({
  QrImageUrl: imageUrlOf(record),
  PhoneNumber: record.phoneNumber,
  QrdlCode: record.qrdlCode,
  DeepLinkUrl: record.deepLinkUrl,
  GenerateQrImage: record.imageFormat,
  PrefilledMessage: record.message,
});

/** The documented success envelope. */
const ok = (c: Ctx, data?: unknown) =>
  c.json({ AccessDeniedDetail: "None", RequestId: c.get("requestId"), Message: "None", ...(data === undefined ? {} : { Data: data }), Code: "OK" }, 200);


/** Saving goes through the one code writer; its domain errors become this API's answers. */
async function asMessageQrdl<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    // The code went between our read of the message record and the write: as for a stranger's code.
    if (err instanceof CodeNotFound) throw acsErrors.notOwner();
    // Lost every retry to concurrent changes (another update, or /qr_codes).
    if (err instanceof CodeChanged) throw acsErrors.serviceUnavailable("The code is being changed by other requests; retry.");
    throw err;
  }
}

/** The code a message QR code is: a url code to wa.me with the platform's default design. */
const messageCodeInput = (phoneNumber: string, message: string): CodeInput => ({
  name: `WhatsApp +${phoneNumber}`,
  type: "url",
  content: { url: waMeUrl(phoneNumber, message) },
  appearance: DEFAULT_APPEARANCE,
  limits: null,
  routing: null,
  utm: null,
  tags: [],
});

// Actions

/**
 * A real dynamic QR code of type url (so /r/{token}, its limits and scan analytics apply) plus the
 * message_qrdl row, in one D1 batch; KV after, repaired by the cron if that write fails.
 */
async function createPhoneMessageQrdl(c: Ctx, caller: Caller, params: Params) {
  const phoneNumber = phoneNumberOf(params);
  const imageFormat = imageFormatOf(params);
  const message = messageOf(params);
  const space = spaceIdOf(params);
  await requireOwnPhone(c, caller, phoneNumber, space);
  const scope = { env: c.env, orgId: caller.orgId, publicOrigin: publicBaseUrl(c) };
  let record: MessageQrdl | undefined;
  await createCode(scope, messageCodeInput(phoneNumber, message), {
    createdBy: caller.name,
    alsoWrite: (code) => {
      // The message QR code's id is its short token: one code, one link, one image URL.
      const token = code.shortToken!;
      record = { qrdlCode: token, orgId: caller.orgId, codeId: code.id, phoneNumber, custSpaceId: space, imageFormat, message, deepLinkUrl: dynamicUrlOf(scope.publicOrigin, token), createdAt: code.createdAt, updatedAt: code.updatedAt };
      return [insertMessageQrdlStatement(c.env.DB, record)];
    },
  });
  return ok(c, dataOf(record!));
}

async function listPhoneMessageQrdl(c: Ctx, caller: Caller, params: Params) {
  const phoneNumber = phoneNumberOf(params);
  const space = spaceIdOf(params);
  await requireOwnPhone(c, caller, phoneNumber, space);
  const records = await listMessageQrdl(c.env.DB, caller.orgId, phoneNumber, space, MAX_LISTED);
  return ok(c, records.map(dataOf));
}

/** The message (and image format) change; the code, its deep link and its image URL's code stay. */
async function updatePhoneMessageQrdl(c: Ctx, caller: Caller, params: Params) {
  const qrdlCode = qrdlCodeOf(params);
  const phoneNumber = phoneNumberOf(params);
  const imageFormat = imageFormatOf(params);
  const message = messageOf(params);
  const space = spaceIdOf(params);
  const record = await requireOwnCode(c, caller, qrdlCode, phoneNumber, space);
  const scope = { env: c.env, orgId: caller.orgId, publicOrigin: publicBaseUrl(c) };
  const content = messageCodeInput(phoneNumber, message).content;
  const stored = await asMessageQrdl(() =>
    replaceCode(
      scope,
      record.codeId,
      // Always a url code pointing at wa.me, whatever happened to the row since it was created.
      (current) => ({ name: current.name, type: "url", content, appearance: current.appearance, limits: current.limits, routing: current.routing, utm: current.utm, tags: current.tags }),
      {
        asMessageQrdl: true,
        alsoWrite: (next) => [
          updateMessageQrdlStatement(c.env.DB, { qrdlCode, orgId: caller.orgId, codeId: next.id, imageFormat, message, updatedAt: next.updatedAt }, next.version, JSON.stringify(next.content)),
        ],
      },
    ),
  );
  return ok(c, dataOf({ ...record, imageFormat, message, updatedAt: stored.updatedAt }));
}

/** The code goes with its message; the short link answers 404 from then on and is never reissued. */
async function deletePhoneMessageQrdl(c: Ctx, caller: Caller, params: Params) {
  const qrdlCode = qrdlCodeOf(params);
  const phoneNumber = phoneNumberOf(params);
  const space = spaceIdOf(params);
  const record = await requireOwnCode(c, caller, qrdlCode, phoneNumber, space);
  await asMessageQrdl(() =>
    deleteCode({ env: c.env, orgId: caller.orgId }, record.codeId, { alsoWrite: () => [deleteMessageQrdlStatement(c.env.DB, caller.orgId, qrdlCode)] }),
  );
  await forgetImages(record);
  return ok(c);
}

/** Drops this location's cached images of a deleted code (other locations expire them within a day). */
async function forgetImages(record: MessageQrdl): Promise<void> {
  const origin = new URL(record.deepLinkUrl).origin;
  await Promise.all(["png", "svg"].map((ext) => caches.default.delete(new Request(`${origin}/message-qrdl/${record.qrdlCode}.${ext}`)).catch(() => false)));
}

export interface ActionSpec {
  run: (c: Ctx, caller: Caller, params: Params) => Promise<Response>;
  /** a read-only bearer key may not call it */
  writes: boolean;
}

export const ACTIONS: Record<string, ActionSpec> = {
  CreatePhoneMessageQrdl: { run: createPhoneMessageQrdl, writes: true },
  ListPhoneMessageQrdl: { run: listPhoneMessageQrdl, writes: false },
  UpdatePhoneMessageQrdl: { run: updatePhoneMessageQrdl, writes: true },
  DeletePhoneMessageQrdl: { run: deletePhoneMessageQrdl, writes: true },
};
