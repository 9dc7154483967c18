import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { KNOWN_ACTIONS } from "../auth/actions";
import { formatAllowlistEntry, parseAllowlistEntry } from "../auth/ip";
import { timingSafeEqualText } from "../auth/secrets";
import {
  findApiKey,
  deleteOrganization,
  findDemoOrganization,
  findDeveloperKey,
  findMember,
  findOrganization,
  findUser,
  insertApiKey,
  insertBrand,
  insertDeveloperKey,
  insertMember,
  insertOrganization,
  insertUser,
  listApiKeys,
  listBrands,
  listDeveloperKeys,
  listMembers,
  listOrganizations,
  listUsers,
  revokeApiKey,
  revokeDeveloperKey,
  rotateUserApiKey,
  setDeveloperKeyAllowlist,
  setOrganizationWhatsapp,
  setUserStatus,
} from "../db/accounts";
import { isoNow } from "../db/time";
import type { AppEnv } from "../env";
import { ApiError, ValidationError } from "./errors";
import { newRouter } from "./router";

// The admin API: creates and manages organizations and every kind of credential. Guarded by the
// ADMIN_TOKEN secret; secrets appear only in the responses that create them.

// Representations

const Timestamp = z.string().openapi({ example: "2026-11-21T08:30:00+00:00" });
const NullableTimestamp = Timestamp.nullable();

const OrganizationSchema = z
  .object({
    id: z.string().openapi({ example: "6f1c2b9e-8a4d-4f3e-9c1a-2b7d5e8f0a13" }),
    name: z.string(),
    whatsappEnabled: z.boolean(),
    isDemo: z.boolean(),
    createdAt: Timestamp,
  })
  .openapi("Organization");

const BrandSchema = z
  .object({ orgId: z.string(), id: z.number().int().openapi({ example: 1 }), name: z.string(), createdAt: Timestamp })
  .openapi("Brand");

const MemberSchema = z
  .object({ id: z.string(), orgId: z.string(), name: z.string(), email: z.string().nullable(), createdAt: Timestamp })
  .openapi("Member");

const UserSchema = z
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

const DeveloperKeySchema = z
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

const ApiKeySchema = z
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

const listOf = <T extends z.ZodType>(item: T, name: string) => z.object({ items: z.array(item) }).openapi(name);

const UserWithApiKeySchema = z
  .object({ user: UserSchema, apiKey: z.string().openapi({ description: "The user's api_key, shown only in this response" }) })
  .openapi("UserWithApiKey");

const IssuedDeveloperKeySchema = z
  .object({ developerKey: DeveloperKeySchema, secret: z.string().openapi({ description: "The developer_secret (zdk_…), shown only in this response" }) })
  .openapi("IssuedDeveloperKey");

const IssuedApiKeySchema = z
  .object({ apiKey: ApiKeySchema, secret: z.string().openapi({ description: "The bearer key (zbk_…), shown only in this response" }) })
  .openapi("IssuedApiKey");

const DemoExistingSchema = z.object({ created: z.literal(false), organization: OrganizationSchema }).openapi("DemoExisting");

const DemoCreatedSchema = z
  .object({
    created: z.literal(true),
    organization: OrganizationSchema,
    brand: BrandSchema,
    member: MemberSchema,
    user: UserSchema,
    apiKey: z.string(),
    developerKey: DeveloperKeySchema,
    developerSecret: z.string(),
    bearerKey: ApiKeySchema,
    bearerSecret: z.string(),
  })
  .openapi("DemoCreated");

const ErrorSchema = z
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

const Name = z.string().trim().min(1).max(200);
const Email = z.email().max(320);
const Id = z.string().min(1).max(128);

const OrgParams = z.object({ orgId: Id });
const UserParams = z.object({ userId: Id });
const KeyParams = z.object({ keyId: Id });

/** Every entry parsed; invalid ones reported by index, valid ones canonicalised and de-duplicated. */
const Allowlist = z
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

const Actions = z
  .array(z.enum(KNOWN_ACTIONS))
  .max(50)
  .transform((actions) => [...new Set(actions)]);

const FutureDatetime = z.iso
  .datetime({ offset: true })
  .refine((text) => Date.parse(text) > Date.now(), "must be in the future")
  .transform((text) => isoNow(new Date(text)));

const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { "application/json": { schema } } });
const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { "application/json": { schema } } });

const errorResponses = {
  400: json("Invalid request; `issues` names each violated field", ErrorSchema),
  401: json("Missing or wrong admin token", ErrorSchema),
  404: json("No such resource", ErrorSchema),
  503: json("The admin API is disabled (ADMIN_TOKEN unset)", ErrorSchema),
};

const adminRoute = <const R extends Parameters<typeof createRoute>[0]>(route: R) =>
  createRoute({ ...route, tags: ["Admin"], security: [{ adminToken: [] }] });

function found<T>(value: T | null, kind: string): T {
  if (value === null) throw new ApiError(404, "NOT_FOUND", `${kind} not found`);
  return value;
}

async function requireOrganization(db: D1Database, orgId: string) {
  return found(await findOrganization(db, orgId), "Organization");
}

async function requireUser(db: D1Database, userId: string) {
  return found(await findUser(db, userId), "User");
}

const isUniqueViolation = (err: unknown) => err instanceof Error && /UNIQUE constraint failed/i.test(err.message);

/** Bearer ADMIN_TOKEN, compared in constant time whatever the lengths. */
const requireAdminToken: MiddlewareHandler<AppEnv> = async (c, next) => {
  // A secret, not in wrangler.toml, so the generated Env type does not declare it.
  const expected = c.env.ADMIN_TOKEN ?? "";
  if (!expected) throw new ApiError(503, "ADMIN_DISABLED", "The admin API is disabled: set the ADMIN_TOKEN secret");
  const match = /^Bearer +(\S+) *$/i.exec(c.req.header("Authorization") ?? "");
  const authorized = await timingSafeEqualText(match?.[1] ?? "", expected);
  if (!match || !authorized) {
    c.header("WWW-Authenticate", 'Bearer realm="admin"');
    throw new ApiError(401, "UNAUTHORIZED", "A valid admin token is required: Authorization: Bearer <ADMIN_TOKEN>");
  }
  await next();
};

// Routes

const router = newRouter();
router.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description: "The ADMIN_TOKEN Worker secret",
});
router.use("/admin/*", requireAdminToken);

export const adminRouter = router
  // Organizations
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations",
      summary: "Create an organization",
      request: { body: jsonBody(z.object({ name: Name, whatsappEnabled: z.boolean().optional() })) },
      responses: { 201: json("The organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { name, whatsappEnabled } = c.req.valid("json");
      return c.json(await insertOrganization(c.env.DB, { name, whatsappEnabled }), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations",
      summary: "List organizations",
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          // Spelled out: the generator marks a coerced number defaulting to 0 as nullable.
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0).openapi({ type: "integer", minimum: 0, maximum: 1_000_000, default: 0 }),
        }),
      },
      responses: { 200: json("A page of organizations, oldest first", listOf(OrganizationSchema, "OrganizationList")), ...errorResponses },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      return c.json({ items: await listOrganizations(c.env.DB, limit, offset) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}",
      summary: "Get an organization",
      request: { params: OrgParams },
      responses: { 200: json("The organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => c.json(await requireOrganization(c.env.DB, c.req.valid("param").orgId), 200),
  )
  .openapi(
    adminRoute({
      method: "patch",
      path: "/admin/organizations/{orgId}",
      summary: "Enable or disable the WhatsApp product",
      request: { params: OrgParams, body: jsonBody(z.object({ whatsappEnabled: z.boolean() })) },
      responses: { 200: json("The updated organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const { whatsappEnabled } = c.req.valid("json");
      return c.json(found(await setOrganizationWhatsapp(c.env.DB, orgId, whatsappEnabled), "Organization"), 200);
    },
  )
  // Brands and members
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/brands",
      summary: "Create a brand (numbered per organization)",
      request: { params: OrgParams, body: jsonBody(z.object({ name: Name })) },
      responses: { 201: json("The brand", BrandSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(await insertBrand(c.env.DB, orgId, c.req.valid("json").name), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/brands",
      summary: "List an organization's brands",
      request: { params: OrgParams },
      responses: { 200: json("The brands", listOf(BrandSchema, "BrandList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listBrands(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/members",
      summary: "Create a member",
      request: { params: OrgParams, body: jsonBody(z.object({ name: Name, email: Email.optional() })) },
      responses: { 201: json("The member", MemberSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(await insertMember(c.env.DB, orgId, c.req.valid("json")), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/members",
      summary: "List an organization's members",
      request: { params: OrgParams },
      responses: { 200: json("The members", listOf(MemberSchema, "MemberList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listMembers(c.env.DB, orgId) }, 200);
    },
  )
  // Users
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/users",
      summary: "Create an active user and its api_key",
      request: {
        params: OrgParams,
        body: jsonBody(z.object({ name: Name, email: Email.optional(), memberId: Id.optional() })),
      },
      responses: { 201: json("The user and its api_key (shown once)", UserWithApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const input = c.req.valid("json");
      await requireOrganization(c.env.DB, orgId);
      if (input.memberId !== undefined) {
        const member = await findMember(c.env.DB, input.memberId);
        if (member?.orgId !== orgId) throw new ValidationError([{ field: "memberId", message: "is not a member of this organization" }]);
      }
      const { record, apiKey } = await insertUser(c.env.DB, orgId, input);
      return c.json({ user: record, apiKey }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/users",
      summary: "List an organization's users",
      request: { params: OrgParams },
      responses: { 200: json("The users", listOf(UserSchema, "UserList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listUsers(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/users/{userId}",
      summary: "Get a user",
      request: { params: UserParams },
      responses: { 200: json("The user", UserSchema), ...errorResponses },
    }),
    async (c) => c.json(await requireUser(c.env.DB, c.req.valid("param").userId), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/users/{userId}/activate",
      summary: "Activate a user",
      request: { params: UserParams },
      responses: { 200: json("The user", UserSchema), ...errorResponses },
    }),
    async (c) => c.json(found(await setUserStatus(c.env.DB, c.req.valid("param").userId, "active"), "User"), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/users/{userId}/deactivate",
      summary: "Deactivate a user (its api_key is refused while inactive)",
      request: { params: UserParams },
      responses: { 200: json("The user", UserSchema), ...errorResponses },
    }),
    async (c) => c.json(found(await setUserStatus(c.env.DB, c.req.valid("param").userId, "inactive"), "User"), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/users/{userId}/api-key/rotate",
      summary: "Replace a user's api_key; the old one stops working at once",
      request: { params: UserParams },
      responses: { 200: json("The user and its new api_key (shown once)", UserWithApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { record, apiKey } = found(await rotateUserApiKey(c.env.DB, c.req.valid("param").userId), "User");
      return c.json({ user: record, apiKey }, 200);
    },
  )
  // Developer keys
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/users/{userId}/developer-keys",
      summary: "Issue a developer key for a user",
      request: {
        params: UserParams,
        body: jsonBody(z.object({ label: Name.optional(), allowlist: Allowlist })),
      },
      responses: { 201: json("The key and its developer_secret (shown once)", IssuedDeveloperKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { label, allowlist } = c.req.valid("json");
      await requireUser(c.env.DB, userId);
      const { record, secret } = await insertDeveloperKey(c.env.DB, userId, { label, allowlist });
      return c.json({ developerKey: record, secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/users/{userId}/developer-keys",
      summary: "List a user's developer keys",
      request: { params: UserParams },
      responses: { 200: json("The keys, revoked ones included", listOf(DeveloperKeySchema, "DeveloperKeyList")), ...errorResponses },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      await requireUser(c.env.DB, userId);
      return c.json({ items: await listDeveloperKeys(c.env.DB, userId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "put",
      path: "/admin/developer-keys/{keyId}/allowlist",
      summary: "Replace a developer key's IP allowlist",
      request: { params: KeyParams, body: jsonBody(z.object({ allowlist: Allowlist })) },
      responses: { 200: json("The key", DeveloperKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { keyId } = c.req.valid("param");
      const { allowlist } = c.req.valid("json");
      return c.json(found(await setDeveloperKeyAllowlist(c.env.DB, keyId, allowlist), "Developer key"), 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/developer-keys/{keyId}/revoke",
      summary: "Revoke a developer key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", DeveloperKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await revokeDeveloperKey(c.env.DB, c.req.valid("param").keyId), "Developer key"), 200),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/developer-keys/{keyId}/reissue",
      summary: "Revoke a developer key and issue its replacement (same user, label and allowlist)",
      request: { params: KeyParams },
      responses: { 201: json("The replacement and its developer_secret (shown once)", IssuedDeveloperKeySchema), ...errorResponses },
    }),
    async (c) => {
      const old = found(await findDeveloperKey(c.env.DB, c.req.valid("param").keyId), "Developer key");
      // The replacement is created before the old key is revoked, so a failure in between never
      // leaves the developer without a working key.
      const { record, secret } = await insertDeveloperKey(c.env.DB, old.userId, { label: old.label, allowlist: old.allowlist, replacesId: old.id });
      await revokeDeveloperKey(c.env.DB, old.id);
      return c.json({ developerKey: record, secret }, 201);
    },
  )
  // Bearer API keys
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/api-keys",
      summary: "Create an organization's bearer API key",
      request: {
        params: OrgParams,
        body: jsonBody(
          z.object({
            name: Name,
            role: z.enum(["read-only", "read-write"]),
            actions: Actions,
            expiresAt: FutureDatetime.optional().openapi({ description: "ISO 8601 date-time in the future" }),
          }),
        ),
      },
      responses: { 201: json("The key and its secret (shown once)", IssuedApiKeySchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      const { record, secret } = await insertApiKey(c.env.DB, orgId, c.req.valid("json"));
      return c.json({ apiKey: record, secret }, 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/admin/organizations/{orgId}/api-keys",
      summary: "List an organization's bearer API keys",
      request: { params: OrgParams },
      responses: { 200: json("The keys, revoked ones included", listOf(ApiKeySchema, "ApiKeyList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listApiKeys(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/api-keys/{keyId}/revoke",
      summary: "Revoke a bearer API key (idempotent)",
      request: { params: KeyParams },
      responses: { 200: json("The revoked key", ApiKeySchema), ...errorResponses },
    }),
    async (c) => c.json(found(await revokeApiKey(c.env.DB, c.req.valid("param").keyId), "API key"), 200),
  )
  // Demo
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/demo",
      summary: "Create the demo organization with every kind of credential, once",
      responses: {
        200: json("The demo organization already exists; its secrets are not shown again", DemoExistingSchema),
        201: json("The demo organization and its credentials (secrets shown once)", DemoCreatedSchema),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.env.DB;
      const existing = await findDemoOrganization(db);
      if (existing) return c.json({ created: false as const, organization: existing }, 200);
      let organization;
      try {
        organization = await insertOrganization(db, { name: "Demo organization", whatsappEnabled: true, isDemo: true });
      } catch (err) {
        // A concurrent call won the race: the unique partial index allows one demo organization.
        if (!isUniqueViolation(err)) throw err;
        const winner = found(await findDemoOrganization(db), "Demo organization");
        return c.json({ created: false as const, organization: winner }, 200);
      }
      const seeded = await seedDemoCredentials(db, organization.id).catch(async (err: unknown) => {
        // Half a demo could never be completed (the organization blocks a second one): undo it.
        await deleteOrganization(db, organization.id);
        throw err;
      });
      const { brand, member, user, developer, bearer } = seeded;
      return c.json(
        {
          created: true as const,
          organization,
          brand,
          member,
          user: user.record,
          apiKey: user.apiKey,
          developerKey: developer.record,
          developerSecret: developer.secret,
          bearerKey: bearer.record,
          bearerSecret: bearer.secret,
        },
        201,
      );
    },
  );

/** Everything of the demo organization but the organization itself. */
async function seedDemoCredentials(db: D1Database, orgId: string) {
  const brand = await insertBrand(db, orgId, "Demo brand");
  const member = await insertMember(db, orgId, { name: "Demo member" });
  const user = await insertUser(db, orgId, { name: "Demo user", memberId: member.id });
  const developer = await insertDeveloperKey(db, user.record.id, { label: "Demo developer", allowlist: ["127.0.0.1", "::1"] });
  const bearer = await insertApiKey(db, orgId, { name: "Demo key", role: "read-write", actions: [...KNOWN_ACTIONS] });
  return { brand, member, user, developer, bearer };
}
