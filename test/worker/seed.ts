import { env } from "cloudflare:workers";
import { insertBrand, insertDeveloperKey, insertMember, insertOrganization, insertUser } from "../../src/db/accounts";

/** A fresh organization with a brand, a member, an active user and a developer key. */
export async function seedAccount(allowlist: string[] = ["203.0.113.7"]) {
  const organization = await insertOrganization(env.DB, { name: `Org ${crypto.randomUUID()}` });
  const brand = await insertBrand(env.DB, organization.id, "Brand");
  const member = await insertMember(env.DB, organization.id, { name: "Member" });
  const { record: user, apiKey } = await insertUser(env.DB, organization.id, { name: "User", memberId: member.id });
  const { record: developerKey, secret } = await insertDeveloperKey(env.DB, user.id, { label: "dev", allowlist });
  return { organization, brand, member, user, apiKey, developerKey, secret };
}
