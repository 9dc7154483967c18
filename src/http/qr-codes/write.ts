import type { Context, MiddlewareHandler } from "hono";
import { etagOf, requireCode as findOwnCode } from "../../codes/lookup";
import type { CodeInput, QrCodeRecord } from "../../codes/record";
import { createCode as createOwnCode, deleteCode as deleteOwnCode, replaceCode as replaceOwnCode, type Created, type WriteScope } from "../../codes/writes";
import type { AppEnv } from "../../env";
import { ValidationError } from "../errors";
import { publicBaseUrl } from "../origin";

/**
 * The QR code resource's side of src/codes/writes.ts: who is writing (the bearer key's
 * organization and name), where links point (the public origin) and the conditional headers.
 * Saving itself lives there, once, for every API that saves a code.
 */

type Ctx = Context<AppEnv>;

export { etagOf };

/** The organization and public origin a request of this family writes in. */
export const writeScope = (c: Ctx): WriteScope => ({ env: c.env, orgId: c.get("apiKey").orgId, publicOrigin: publicBaseUrl(c) });

export const requireCode = (c: Ctx, id: string): Promise<QrCodeRecord> => findOwnCode(c.env.DB, c.get("apiKey").orgId, id);

/**
 * Route middleware, before the body's or query's validation: the code the path names, or "QR code
 * not found" whatever else is wrong with the request (as this API has always answered; a missing
 * and another organization's id stay one answer). The handler reads it as c.get("code").
 */
export const codeFirst =
  (load: (c: Ctx, id: string) => Promise<QrCodeRecord> = requireCode): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    c.set("code", await load(c, c.req.param("id") ?? ""));
    await next();
  };

/** The Idempotency-Key's form is checked before the body, as this API always reported it first. */
export const idempotencyKeyFirst: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = c.req.header("Idempotency-Key");
  if (key !== undefined && !/^[\x21-\x7e]{1,255}$/.test(key)) throw new ValidationError([{ field: "Idempotency-Key", message: "must be 1 to 255 visible ASCII characters" }]);
  await next();
};

export async function createCode(c: Ctx, input: CodeInput, idempotencyKey: string | undefined): Promise<{ code: Created["representation"]; replayed: boolean }> {
  const { representation, replayed } = await createOwnCode(writeScope(c), input, { createdBy: c.get("apiKey").name, idempotencyKey });
  return { code: representation, replayed };
}

export const replaceCode = (c: Ctx, id: string, change: CodeInput | ((current: QrCodeRecord) => CodeInput)): Promise<QrCodeRecord> =>
  replaceOwnCode(writeScope(c), id, change, { ifMatch: c.req.header("If-Match") });

export async function deleteCode(c: Ctx, id: string): Promise<void> {
  await deleteOwnCode(writeScope(c), id, { ifMatch: c.req.header("If-Match") });
}
