import { createRoute, z } from "@hono/zod-openapi";
import { ACTION_CATALOG, KNOWN_ACTIONS } from "../../auth/actions";
import { EncryptionKeyError, keyringOf, type SecretKeyring } from "../../auth/access-keys";
import { formatAllowlistEntry, parseAllowlistEntry } from "../../auth/ip";
import { findOrganization, findUser } from "../../db/accounts";
import { isoNow } from "../../lib/time";
import { ApiError } from "../errors";

// What every admin router shares: representations, input rules, the route helper and lookups.

// Representations

const Timestamp = z.string().openapi({ example: "2026-11-21T08:30:00+00:00" });
const NullableTimestamp = Timestamp.nullable();

export const OrganizationSchema = z
  .object({
    id: z.string().openapi({ example: "6f1c2b9e-8a4d-4f3e-9c1a-2b7d5e8f0a13" }),
    name: z.string(),
    whatsappEnabled: z.boolean(),
    isDemo: z.boolean(),
    status: z.enum(["active", "deactivated", "deleting"]).openapi({
      description:
        "active; deactivated (reversible: no credential of it authenticates, its links, hosted pages, files and message QR images answer 404); deleting (its credentials are gone; the cron is removing its codes, analytics and files, then the organization)",
    }),
    statusChangedAt: NullableTimestamp.openapi({ description: "When it was last deactivated, activated or deleted; null if never" }),
    createdAt: Timestamp,
  })
  .openapi("Organization");

export const BrandSchema = z
  .object({ orgId: z.string(), id: z.number().int().openapi({ example: 1 }), name: z.string(), createdAt: Timestamp })
  .openapi("Brand");

export const MemberSchema = z
  .object({ id: z.string(), orgId: z.string(), name: z.string(), email: z.string().nullable(), createdAt: Timestamp })
  .openapi("Member");

export const UserSchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    memberId: z.string().nullable(),
    name: z.string(),
    email: z.string().nullable(),
    status: z.enum(["active", "inactive"]),
    apiKeyPrefix: z.string().openapi({ example: "zak_3kTq…" }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .openapi("User");

export const DeveloperKeySchema = z
  .object({
    id: z.string(),
    userId: z.string(),
    label: z.string().nullable(),
    secretPrefix: z.string().openapi({ example: "zdk_9Lw2…" }),
    allowlist: z.array(z.string()).openapi({ example: ["203.0.113.7", "2001:db8::/32"] }),
    status: z.enum(["active", "revoked"]),
    replacesId: z.string().nullable(),
    createdAt: Timestamp,
    revokedAt: NullableTimestamp,
    lastUsedAt: NullableTimestamp,
  })
  .openapi("DeveloperKey");

export const ApiKeySchema = z
  .object({
    id: z.string(),
    orgId: z.string(),
    name: z.string(),
    secretPrefix: z.string().openapi({ example: "zbk_Xa81…" }),
    role: z.enum(["read-only", "read-write"]),
    actions: z.array(z.string()).openapi({ example: ["cams:CreatePhoneMessageQrdl"] }),
    status: z.enum(["active", "revoked"]),
    expiresAt: NullableTimestamp,
    createdAt: Timestamp,
    revokedAt: NullableTimestamp,
    lastUsedAt: NullableTimestamp,
  })
  .openapi("ApiKey");

/** A pairing instance as the admin API shows it (instances.ts, and the demo seed). */
export const PairingInstanceSchema = z
  .object({
    id: z.string().openapi({ example: "3C5A1F0E9B7D4E2A8C6F1B3D5E7A9C0B" }),
    orgId: z.string(),
    name: z.string(),
    tokenPrefix: z.string().openapi({ example: "zit_8kQw…" }),
    pauseAfter: z.number().int().openapi({ description: "Unscanned QR rotations before the instance pauses until restart" }),
    createdAt: Timestamp,
  })
  .openapi("PairingInstance");

export const AccessKeySchema = z
  .object({
    id: z.string().openapi({ description: "The AccessKey ID", example: "EQAK3kTq9Lw2Xa81Zp0cVb7N" }),
    orgId: z.string(),
    name: z.string(),
    secretPrefix: z.string().openapi({ example: "Xa81…" }),
    actions: z.array(z.string()).openapi({ example: ["cams:CreatePhoneMessageQrdl"] }),
    status: z.enum(["active", "disabled"]),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .openapi("AccessKey");

export const WhatsappPhoneNumberSchema = z
  .object({
    phoneNumber: z.string().openapi({ description: "Digits with the country code", example: "8613800138000" }),
    orgId: z.string(),
    custSpaceId: z.string().nullable().openapi({ example: "cams-kei1x2y3" }),
    createdAt: z.string(),
  })
  .openapi("WhatsappPhoneNumber");

export const listOf = <T extends z.ZodType>(item: T, name: string) => z.object({ items: z.array(item) }).openapi(name);

export const UserWithApiKeySchema = z
  .object({ user: UserSchema, apiKey: z.string().openapi({ description: "The user's api_key, shown only in this response" }) })
  .openapi("UserWithApiKey");

export const IssuedDeveloperKeySchema = z
  .object({ developerKey: DeveloperKeySchema, secret: z.string().openapi({ description: "The developer_secret (zdk_…), shown only in this response" }) })
  .openapi("IssuedDeveloperKey");

export const IssuedApiKeySchema = z
  .object({ apiKey: ApiKeySchema, secret: z.string().openapi({ description: "The bearer key (zbk_…), shown only in this response" }) })
  .openapi("IssuedApiKey");

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "NOT_FOUND" }),
      message: z.string(),
      requestId: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .openapi("PlatformError");

// Input

export const Name = z.string().trim().min(1).max(200);
export const Email = z.email().max(320);
export const Id = z.string().min(1).max(128);

export const OrgParams = z.object({ orgId: Id });
export const UserParams = z.object({ userId: Id });
export const KeyParams = z.object({ keyId: Id });

/** Every entry parsed; invalid ones reported by index, valid ones canonicalised and de-duplicated. */
export const Allowlist = z
  .array(z.string().max(100))
  .max(100)
  .transform((entries, ctx) => {
    const canonical: string[] = [];
    entries.forEach((entry, index) => {
      const parsed = parseAllowlistEntry(entry);
      if (parsed) canonical.push(formatAllowlistEntry(parsed));
      else ctx.addIssue({ code: "custom", path: [index], input: entry, message: `${JSON.stringify(entry)} is not an IPv4 or IPv6 address or CIDR range` });
    });
    return [...new Set(canonical)];
  })
  .openapi({ description: "IPv4 and IPv6 addresses and CIDR ranges; an empty list admits nobody", example: ["203.0.113.7", "2001:db8::/32"] });

export const Actions = z
  .array(z.enum(KNOWN_ACTIONS))
  .max(50)
  .transform((actions) => [...new Set(actions)]);

/** The catalog as the OpenAPI document describes it: every action, what it allows, and whether it reads or writes. */
export const ACTIONS_DESCRIPTION = KNOWN_ACTIONS.map((action) => `${action} (${ACTION_CATALOG[action].access}: ${ACTION_CATALOG[action].summary})`).join("; ");

export const FutureDatetime = z.iso
  .datetime({ offset: true })
  .refine((text) => Date.parse(text) > Date.now(), "must be in the future")
  .transform((text) => isoNow(new Date(text)));

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
export const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });

export const errorResponses = {
  400: json("Invalid request; `issues` names each violated field", ErrorSchema),
  401: {
    ...json("Missing or wrong admin token", ErrorSchema),
    headers: { "WWW-Authenticate": { description: 'The challenge: `Bearer realm="admin"`', schema: { type: "string" } } },
  },
  404: json("No such resource", ErrorSchema),
  409: json("A conflict with the resource's state, e.g. ORGANIZATION_DELETING: the organization is being deleted", ErrorSchema),
  413: json("Request body over 64 KiB", ErrorSchema),
  503: {
    ...json("The admin API is disabled (ADMIN_DISABLED: ADMIN_TOKEN unset), or D1 could not answer (SERVICE_UNAVAILABLE, with Retry-After)", ErrorSchema),
    headers: { "Retry-After": { description: "Seconds to wait before retrying; sent with SERVICE_UNAVAILABLE only", schema: { type: "integer" } } },
  },
} as const;

export const adminRoute = <const R extends Parameters<typeof createRoute>[0]>(route: R) =>
  createRoute({ ...route, tags: ["Admin"], security: [{ adminToken: [] }] });

// Lookups

export function found<T>(value: T | null, kind: string): T {
  if (value === null) throw new ApiError(404, "NOT_FOUND", `${kind} not found`);
  return value;
}

export const organizationDeleting = (orgId: string) =>
  new ApiError(409, "ORGANIZATION_DELETING", `Organization ${orgId} is being deleted; nothing can be added to or changed in it`);

/** The organization, for a call that reads or changes what it owns: 404 when there is none, 409 while it is being deleted. */
export async function requireOrganization(db: D1Database, orgId: string) {
  const organization = found(await findOrganization(db, orgId), "Organization");
  if (organization.status === "deleting") throw organizationDeleting(orgId);
  return organization;
}

/** The keyring that seals AccessKey secrets: 503 while ACCESS_KEY_ENCRYPTION_KEY is unset or unusable. */
export function requireKeyring(env: Env): Promise<SecretKeyring> {
  const ring = keyringOf(env);
  if (!ring) throw new ApiError(503, "ACCESS_KEYS_DISABLED", "AccessKey pairs are disabled: set the ACCESS_KEY_ENCRYPTION_KEY secret (32+ random characters)");
  return ring.catch((err: unknown) => {
    throw err instanceof EncryptionKeyError ? new ApiError(503, "ACCESS_KEYS_DISABLED", err.message) : err;
  });
}

export async function requireUser(db: D1Database, userId: string) {
  return found(await findUser(db, userId), "User");
}
