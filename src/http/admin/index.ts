import type { Context, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { timingSafeEqualText } from "../../auth/secrets";
import type { AppEnv } from "../../env";
import { ApiError, limitBody } from "../errors";
import { newRouter } from "../router";
import { accessKeysRouter } from "./access-keys";
import { apiKeysRouter } from "./api-keys";
import { demoRouter } from "./demo";
import { developerKeysRouter } from "./developer-keys";
import { instancesRouter } from "./instances";
import { organizationsRouter } from "./organizations";
import { usersRouter } from "./users";
import { whatsappPhoneNumbersRouter } from "./whatsapp-phone-numbers";

// The admin API: creates and manages organizations and every kind of credential. Guarded by the
// ADMIN_TOKEN secret; secrets appear only in the responses that create them.

const MAX_BODY_BYTES = 64 * 1024;

/** 503 while ADMIN_TOKEN is unset or empty: an unset secret must never mean "no password". */
const requireAdminConfigured: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.env.ADMIN_TOKEN) throw new ApiError(503, "ADMIN_DISABLED", "The admin API is disabled: set the ADMIN_TOKEN secret");
  await next();
};

/**
 * Every bearerAuth failure (no header, another scheme, a malformed or wrong token) is the same 401
 * in the platform envelope. The ApiError is thrown from the message hook, so it reaches the app's
 * error handler as is, with the WWW-Authenticate challenge already on the response.
 */
const refuse = (c: Context<AppEnv>): never => {
  c.header("WWW-Authenticate", 'Bearer realm="admin"');
  throw new ApiError(401, "UNAUTHORIZED", "A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>");
};

/** Bearer ADMIN_TOKEN through Hono's bearerAuth, compared in constant time whatever the lengths. */
const requireAdminToken: MiddlewareHandler<AppEnv> = bearerAuth({
  realm: "admin",
  noAuthenticationHeader: { message: refuse },
  invalidAuthenticationHeader: { message: refuse },
  invalidToken: { message: refuse },
  verifyToken: (token, c: Context<AppEnv>) => timingSafeEqualText(token, c.env.ADMIN_TOKEN ?? ""),
});

// The adminToken security scheme the routes name is defined with the others in app.ts.
export const adminRouter = newRouter();
// Authentication first: an unauthenticated body is never read, whatever its size.
adminRouter.use("*", requireAdminConfigured, requireAdminToken, limitBody(MAX_BODY_BYTES));
adminRouter.route("/", organizationsRouter);
adminRouter.route("/", usersRouter);
adminRouter.route("/", developerKeysRouter);
adminRouter.route("/", apiKeysRouter);
adminRouter.route("/", accessKeysRouter);
adminRouter.route("/", whatsappPhoneNumbersRouter);
adminRouter.route("/", instancesRouter);
adminRouter.route("/", demoRouter);
