import { z } from "@hono/zod-openapi";
import { KNOWN_ACTIONS } from "../../auth/actions";
import { mintSecret } from "../../auth/secrets";
import {
  findDemoOrganization,
  insertApiKeyStatement,
  insertBrandStatement,
  insertDeveloperKeyStatement,
  insertMemberStatement,
  insertOrganizationStatement,
  insertUserStatement,
  readApiKey,
  readBrand,
  readDeveloperKey,
  readMember,
  readOrganization,
  readUser,
} from "../../db/accounts";
import { newRouter } from "../router";
import {
  adminRoute,
  ApiKeySchema,
  BrandSchema,
  DeveloperKeySchema,
  errorResponses,
  found,
  json,
  MemberSchema,
  OrganizationSchema,
  UserSchema,
} from "./schemas";

// The demo organization `npm start` creates once: every kind of credential, in one D1 batch.

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

const isUniqueViolation = (err: unknown) => err instanceof Error && /UNIQUE constraint failed/i.test(err.message);

/**
 * Writes the whole demo organization as one batch, which D1 runs as one transaction: a failure
 * anywhere leaves nothing behind, and of two concurrent calls the second breaks the unique index on
 * organizations.is_demo and writes nothing. Secrets are minted here, only their digests stored.
 */
async function createDemo(db: D1Database) {
  const [apiKey, developerSecret, bearerSecret] = await Promise.all([mintSecret("userApiKey"), mintSecret("developerSecret"), mintSecret("bearerKey")]);
  const orgId = crypto.randomUUID();
  const memberId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  const results = await db.batch([
    insertOrganizationStatement(db, { id: orgId, name: "Demo organization", whatsappEnabled: true, isDemo: true }),
    insertBrandStatement(db, orgId, "Demo brand"),
    insertMemberStatement(db, orgId, { id: memberId, name: "Demo member" }),
    insertUserStatement(db, orgId, { id: userId, name: "Demo user", memberId, apiKeyHash: apiKey.hash, apiKeyPrefix: apiKey.prefix }),
    insertDeveloperKeyStatement(db, userId, {
      label: "Demo developer",
      allowlist: ["127.0.0.1", "::1"],
      secretHash: developerSecret.hash,
      secretPrefix: developerSecret.prefix,
    }),
    insertApiKeyStatement(db, orgId, { name: "Demo key", role: "read-write", actions: [...KNOWN_ACTIONS], secretHash: bearerSecret.hash, secretPrefix: bearerSecret.prefix }),
  ]);
  const [organization, brand, member, user, developerKey, bearerKey] = results;
  return {
    created: true as const,
    organization: readOrganization(organization!),
    brand: readBrand(brand!),
    member: readMember(member!),
    user: readUser(user!),
    apiKey: apiKey.secret,
    developerKey: readDeveloperKey(developerKey!),
    developerSecret: developerSecret.secret,
    bearerKey: readApiKey(bearerKey!),
    bearerSecret: bearerSecret.secret,
  };
}

export const demoRouter = newRouter().openapi(
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
    try {
      return c.json(await createDemo(db), 201);
    } catch (err) {
      // A concurrent call won the race: the unique partial index allows one demo organization.
      if (!isUniqueViolation(err)) throw err;
      const winner = found(await findDemoOrganization(db), "Demo organization");
      return c.json({ created: false as const, organization: winner }, 200);
    }
  },
);
