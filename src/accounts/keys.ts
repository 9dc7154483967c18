import { defaultActionsFor } from "../auth/actions";
import { mintSecret } from "../auth/secrets";
import {
  findApiKey,
  findDeveloperKey,
  findUser,
  insertApiKey,
  insertDeveloperKey,
  listDeveloperKeys,
  listUsers,
  revokeApiKey,
  revokeDeveloperKey,
  setDeveloperKeyAllowlist,
  type ApiKey,
  type ApiKeyRole,
  type DeveloperKey,
} from "../db/accounts";

/**
 * Issuing and revoking an organization's keys, for the two ways in: the operator's admin API
 * (any organization) and an owner's console settings (their own organization only). Secrets are
 * minted here and returned once; D1 keeps their digests.
 */

export interface NewApiKeyInput {
  name: string;
  role: ApiKeyRole;
  /** Omitted: every action the role can use (defaultActionsFor). */
  actions?: string[];
  expiresAt?: string;
}

/** A bearer API key (zbk_…) for the organization, and its secret (shown once). */
export async function issueApiKey(db: D1Database, orgId: string, input: NewApiKeyInput): Promise<{ apiKey: ApiKey; secret: string }> {
  const secret = await mintSecret("bearerKey");
  const actions = input.actions ?? defaultActionsFor(input.role);
  const apiKey = await insertApiKey(db, orgId, { ...input, actions, secretHash: secret.hash, secretPrefix: secret.prefix });
  return { apiKey, secret: secret.secret };
}

/** A developer key (zdk_…) issued by the user, and its secret (shown once). */
export async function issueDeveloperKey(db: D1Database, userId: string, input: { label?: string; allowlist: string[] }): Promise<{ developerKey: DeveloperKey; secret: string }> {
  const secret = await mintSecret("developerSecret");
  const developerKey = await insertDeveloperKey(db, userId, { label: input.label, allowlist: input.allowlist, secretHash: secret.hash, secretPrefix: secret.prefix });
  return { developerKey, secret: secret.secret };
}

// Within one organization: another organization's key is "not found", never "forbidden", so ids
// of other tenants cannot be probed.

/** Revokes the organization's bearer key; null when the organization has no such key. */
export async function revokeOwnApiKey(db: D1Database, orgId: string, keyId: string): Promise<ApiKey | null> {
  const key = await findApiKey(db, keyId);
  if (key?.orgId !== orgId) return null;
  return revokeApiKey(db, keyId);
}

/** The developer key when one of the organization's users issued it. */
async function findOwnDeveloperKey(db: D1Database, orgId: string, keyId: string): Promise<DeveloperKey | null> {
  const key = await findDeveloperKey(db, keyId);
  if (!key) return null;
  const user = await findUser(db, key.userId);
  return user?.orgId === orgId ? key : null;
}

export async function revokeOwnDeveloperKey(db: D1Database, orgId: string, keyId: string): Promise<DeveloperKey | null> {
  return (await findOwnDeveloperKey(db, orgId, keyId)) ? revokeDeveloperKey(db, keyId) : null;
}

export async function setOwnDeveloperKeyAllowlist(db: D1Database, orgId: string, keyId: string, allowlist: string[]): Promise<DeveloperKey | null> {
  return (await findOwnDeveloperKey(db, orgId, keyId)) ? setDeveloperKeyAllowlist(db, keyId, allowlist) : null;
}

/** Every developer key the organization's users issued, user by user (organizations have few users). */
export async function listOrganizationDeveloperKeys(db: D1Database, orgId: string): Promise<DeveloperKey[]> {
  const users = await listUsers(db, orgId);
  return (await Promise.all(users.map((user) => listDeveloperKeys(db, user.id)))).flat();
}
