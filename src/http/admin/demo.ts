import { z } from "@hono/zod-openapi";
import { isUniqueViolation } from "../../db/constraints";
import { KNOWN_ACTIONS } from "../../auth/actions";
import { mintAccessKey } from "../../auth/access-keys";
import { generatePassword, hashPassword } from "../../auth/passwords";
import { mintSecret } from "../../auth/secrets";
import { setConsoleRoleStatement, setPasswordStatement, signInEmailTaken } from "../../db/console";
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
import { insertAccessKeyStatement, readAccessKey } from "../../db/access-keys";
import { insertPhoneNumberStatement, readPhoneNumber } from "../../db/message-qrdl";
import { insertPairingInstanceStatement, readPairingInstance, upsertClientTokenStatement } from "../../db/pairing";
import { publicBaseUrl } from "../origin";
import { newRouter } from "../router";
import { DEFAULT_PAUSE_AFTER } from "../../pairing/instances";
import {
  AccessKeySchema,
  adminRoute,
  ApiKeySchema,
  BrandSchema,
  DeveloperKeySchema,
  errorResponses,
  found,
  json,
  MemberSchema,
  OrganizationSchema,
  PairingInstanceSchema,
  requireKeyring,
  UserSchema,
  WhatsappPhoneNumberSchema,
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
    whatsappPhoneNumber: WhatsappPhoneNumberSchema,
    pairingInstance: PairingInstanceSchema,
    pairingInstanceSecret: z.string(),
    pairingClientTokenSecret: z.string(),
    accessKey: AccessKeySchema.optional().openapi({ description: "Absent when ACCESS_KEY_ENCRYPTION_KEY is not configured" }),
    accessKeySecret: z.string().optional(),
    console: z
      .object({
        url: z.string().openapi({ description: "Where to sign in: `<origin>/console/`" }),
        email: z.string().openapi({ example: "demo@example.com" }),
        password: z.string().openapi({ description: "The demo user's console password, shown only in this response" }),
      })
      .openapi({ description: "The demo user's console sign-in (an owner)" }),
  })
  .openapi("DemoCreated");

/**
 * A number from the North American range reserved for fiction (+1 NXX 555-01XX), registered to the
 * demo's WhatsApp channel. Random, because numbers are unique and an earlier demo organization
 * (demoted, or from an older run) may still hold one.
 */
const demoPhoneNumber = () => {
  const [area, line] = crypto.getRandomValues(new Uint16Array(2));
  return `1${200 + (area! % 800)}5550${100 + (line! % 100)}`;
};
export const DEMO_CUST_SPACE_ID = "cams-demo";

/**
 * The demo user's console email: demo@example.com (example.com is reserved, RFC 2606), unless an
 * earlier demo organization's user (demoted, or from an older run) still signs in with it.
 */
const DEMO_EMAIL = "demo@example.com";
async function demoEmail(db: D1Database): Promise<string> {
  if (!(await signInEmailTaken(db, DEMO_EMAIL, ""))) return DEMO_EMAIL;
  return `demo-${crypto.randomUUID().slice(0, 8)}@example.com`;
}


/**
 * Writes the whole demo organization as one batch, which D1 runs as one transaction: a failure
 * anywhere leaves nothing behind, and of two concurrent calls the second breaks the unique index on
 * organizations.is_demo and writes nothing. Secrets are minted here, only their digests stored.
 */
async function createDemo(env: Env, consoleUrl: string) {
  const db = env.DB;
  // The demo user signs in to the console as an owner, with a password nobody chose.
  const consolePassword = generatePassword();
  const [email, passwordHash] = await Promise.all([demoEmail(db), hashPassword(consolePassword)]);
  const [apiKey, developerSecret, bearerSecret] = await Promise.all([mintSecret("userApiKey"), mintSecret("developerSecret"), mintSecret("bearerKey")]);
  // An AccessKey pair for the official SDK, when secrets can be sealed (npm start configures it).
  const accessKey = env.ACCESS_KEY_ENCRYPTION_KEY ? await mintAccessKey(await requireKeyring(env), { name: "Demo AccessKey", actions: KNOWN_ACTIONS.filter((a) => a.startsWith("cams:")) }) : null;
  const [pairingToken, pairingClientToken] = await Promise.all([mintSecret("pairingInstanceToken"), mintSecret("pairingClientToken")]);
  const orgId = crypto.randomUUID();
  const memberId = crypto.randomUUID();
  const userId = crypto.randomUUID();
  const results = await db.batch([
    insertOrganizationStatement(db, { id: orgId, name: "Demo organization", whatsappEnabled: true, isDemo: true }),
    insertBrandStatement(db, orgId, "Demo brand"),
    insertMemberStatement(db, orgId, { id: memberId, name: "Demo member" }),
    insertUserStatement(db, orgId, { id: userId, name: "Demo user", email, memberId, apiKeyHash: apiKey.hash, apiKeyPrefix: apiKey.prefix }),
    setConsoleRoleStatement(db, userId, "owner"),
    setPasswordStatement(db, userId, passwordHash),
    insertDeveloperKeyStatement(db, userId, {
      label: "Demo developer",
      allowlist: ["127.0.0.1", "::1"],
      secretHash: developerSecret.hash,
      secretPrefix: developerSecret.prefix,
    }),
    insertApiKeyStatement(db, orgId, { name: "Demo key", role: "read-write", actions: [...KNOWN_ACTIONS], secretHash: bearerSecret.hash, secretPrefix: bearerSecret.prefix }),
    insertPhoneNumberStatement(db, orgId, demoPhoneNumber(), DEMO_CUST_SPACE_ID),
    insertPairingInstanceStatement(db, orgId, { name: "Demo instance", pauseAfter: DEFAULT_PAUSE_AFTER, tokenHash: pairingToken.hash, tokenPrefix: pairingToken.prefix }),
    upsertClientTokenStatement(db, orgId, pairingClientToken.hash, pairingClientToken.prefix),
    ...(accessKey ? [insertAccessKeyStatement(db, orgId, accessKey.row)] : []),
  ]);
  const [organization, brand, member, user, , , developerKey, bearerKey, phoneNumber, pairingInstance, , accessKeyRow] = results;
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
    whatsappPhoneNumber: readPhoneNumber(phoneNumber!),
    pairingInstance: readPairingInstance(pairingInstance!),
    pairingInstanceSecret: pairingToken.secret,
    pairingClientTokenSecret: pairingClientToken.secret,
    ...(accessKey ? { accessKey: readAccessKey(accessKeyRow!), accessKeySecret: accessKey.secret } : {}),
    console: { url: consoleUrl, email, password: consolePassword },
  };
}

export const demoRouter = newRouter().openapi(
  adminRoute({
    method: "post",
    path: "/demo",
    operationId: "createDemoOrganization",
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
      return c.json(await createDemo(c.env, `${publicBaseUrl(c)}/console/`), 201);
    } catch (err) {
      // A concurrent call won the race: the unique partial index allows one demo organization.
      if (!isUniqueViolation(err)) throw err;
      const winner = found(await findDemoOrganization(db), "Demo organization");
      return c.json({ created: false as const, organization: winner }, 200);
    }
  },
);
