import { env } from "cloudflare:workers";
import { mintSecret } from "../../src/auth/secrets";
import {
  insertApiKey,
  insertBrand,
  insertDeveloperKey,
  insertMember,
  insertOrganization,
  insertUser,
  type ApiKeyRole,
} from "../../src/db/accounts";

/** A developer key for a user, with its secret (minted here, as the admin API does). */
export async function seedDeveloperKey(userId: string, input: { label?: string | null; allowlist: string[]; replacesId?: string | null }) {
  const secret = await mintSecret("developerSecret");
  const record = await insertDeveloperKey(env.DB, userId, { ...input, secretHash: secret.hash, secretPrefix: secret.prefix });
  return { record, secret: secret.secret };
}

/** An organization bearer key with its secret. */
export async function seedApiKey(orgId: string, input: { name?: string; role: ApiKeyRole; actions: string[]; expiresAt?: string | null }) {
  const secret = await mintSecret("bearerKey");
  const record = await insertApiKey(env.DB, orgId, { name: "Key", ...input, secretHash: secret.hash, secretPrefix: secret.prefix });
  return { record, secret: secret.secret };
}

/** A fresh organization with a brand, a member, an active user and a developer key. */
export async function seedAccount(allowlist: string[] = ["203.0.113.7"]) {
  const organization = await insertOrganization(env.DB, { name: `Org ${crypto.randomUUID()}` });
  const brand = await insertBrand(env.DB, organization.id, "Brand");
  const member = await insertMember(env.DB, organization.id, { name: "Member" });
  const minted = await mintSecret("userApiKey");
  const user = await insertUser(env.DB, organization.id, { name: "User", memberId: member.id, apiKeyHash: minted.hash, apiKeyPrefix: minted.prefix });
  const { record: developerKey, secret } = await seedDeveloperKey(user.id, { label: "dev", allowlist });
  return { organization, brand, member, user, apiKey: minted.secret, developerKey, secret };
}
