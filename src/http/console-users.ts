import { z } from "@hono/zod-openapi";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/passwords";
import { CannotSignIn, UserMissing } from "../auth/sessions";
import { ApiError } from "./errors";

// What the admin API and the owner settings share about people who sign in to the console.

export const ConsoleRoleSchema = z.enum(["owner", "editor", "viewer"]).openapi("ConsoleRole", {
  description: "owner: members, roles and keys, and everything an editor does; editor: reads and writes codes and files; viewer: reads only",
});

export const ConsoleUserSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    status: z.enum(["active", "inactive"]),
    consoleRole: ConsoleRoleSchema,
    hasPassword: z.boolean().openapi({ description: "false: the user cannot sign in until a password is set (by an operator or a sign-in link)" }),
  })
  .openapi("ConsoleUser");

export const NewPassword = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);

/** The domain's refusals about signing in, as the API answers them (each family renders its own envelope). */
export function fromSignInError(err: unknown): never {
  if (err instanceof UserMissing) throw new ApiError(404, "NOT_FOUND", err.message);
  if (err instanceof CannotSignIn) throw new ApiError(409, "CONFLICT", err.message);
  throw err;
}
