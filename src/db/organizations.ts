import { returned, runReturning } from "./returning";
import { isoNow } from "../lib/time";

// Organizations, their brands and members.
// Named SQL per operation, with row mappers; handlers never see column names. Secrets arrive
// already hashed (minting and hashing live in src/auth): this module stores digests, never secrets.
//
// Inserts come in two forms: `insertX(db, …)` runs at once and returns the record; `insertXStatement`
// returns the D1PreparedStatement (with RETURNING) for a caller that writes several rows in one
// db.batch(), which D1 runs as a single transaction; `readX(result)` maps that statement's result.

/** active; deactivated (reversible, nothing of it works); deleting (the cron is removing what it owned). */
export type OrganizationStatus = "active" | "deactivated" | "deleting";
export interface Organization {
  id: string;
  name: string;
  whatsappEnabled: boolean;
  isDemo: boolean;
  status: OrganizationStatus;
  statusChangedAt: string | null;
  createdAt: string;
}
export interface OrganizationRow {
  id: string;
  name: string;
  whatsapp_enabled: number;
  is_demo: number;
  status: OrganizationStatus;
  status_changed_at: string | null;
  created_at: string;
}
/** The columns of the representation (not the cron's bookkeeping), for SELECT and RETURNING. */
export const ORGANIZATION_COLUMNS = "id, name, whatsapp_enabled, is_demo, status, status_changed_at, created_at";
export const toOrganization = (r: OrganizationRow): Organization => ({
  id: r.id,
  name: r.name,
  whatsappEnabled: r.whatsapp_enabled === 1,
  isDemo: r.is_demo === 1,
  status: r.status,
  statusChangedAt: r.status_changed_at,
  createdAt: r.created_at,
});

export interface Brand {
  orgId: string;
  id: number;
  name: string;
  createdAt: string;
}
interface BrandRow {
  org_id: string;
  id: number;
  name: string;
  created_at: string;
}
const toBrand = (r: BrandRow): Brand => ({ orgId: r.org_id, id: r.id, name: r.name, createdAt: r.created_at });

export interface Member {
  id: string;
  orgId: string;
  name: string;
  email: string | null;
  createdAt: string;
}
interface MemberRow {
  id: string;
  org_id: string;
  name: string;
  email: string | null;
  created_at: string;
}
const toMember = (r: MemberRow): Member => ({ id: r.id, orgId: r.org_id, name: r.name, email: r.email, createdAt: r.created_at });

// Organizations

export interface NewOrganization {
  /** chosen by the caller when other rows of the same batch refer to it */
  id?: string;
  name: string;
  whatsappEnabled?: boolean;
  isDemo?: boolean;
}

export function insertOrganizationStatement(db: D1Database, input: NewOrganization): D1PreparedStatement {
  return db
    .prepare(`INSERT INTO organizations (id, name, whatsapp_enabled, is_demo, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING ${ORGANIZATION_COLUMNS}`)
    .bind(input.id ?? crypto.randomUUID(), input.name, input.whatsappEnabled ? 1 : 0, input.isDemo ? 1 : 0, isoNow());
}

export const readOrganization = (result: D1Result): Organization => returned(result, toOrganization);

export function insertOrganization(db: D1Database, input: NewOrganization): Promise<Organization> {
  return runReturning(insertOrganizationStatement(db, input), toOrganization);
}

export async function findOrganization(db: D1Database, id: string): Promise<Organization | null> {
  const row = await db.prepare(`SELECT ${ORGANIZATION_COLUMNS} FROM organizations WHERE id = ?1`).bind(id).first<OrganizationRow>();
  return row ? toOrganization(row) : null;
}

export async function findDemoOrganization(db: D1Database): Promise<Organization | null> {
  const row = await db.prepare(`SELECT ${ORGANIZATION_COLUMNS} FROM organizations WHERE is_demo = 1`).first<OrganizationRow>();
  return row ? toOrganization(row) : null;
}

export async function listOrganizations(db: D1Database, limit: number, offset: number): Promise<Organization[]> {
  const { results } = await db.prepare(`SELECT ${ORGANIZATION_COLUMNS} FROM organizations ORDER BY created_at, id LIMIT ?1 OFFSET ?2`).bind(limit, offset).all<OrganizationRow>();
  return results.map(toOrganization);
}

/** Null when there is no such organization, or it is being deleted. */
export async function setOrganizationWhatsapp(db: D1Database, id: string, enabled: boolean): Promise<Organization | null> {
  const row = await db.prepare(`UPDATE organizations SET whatsapp_enabled = ?2 WHERE id = ?1 AND status <> 'deleting' RETURNING ${ORGANIZATION_COLUMNS}`).bind(id, enabled ? 1 : 0).first<OrganizationRow>();
  return row ? toOrganization(row) : null;
}

/**
 * Removes an organization and, through ON DELETE CASCADE, every row it owns, at once and whatever
 * their number; R2 objects and KV records are left behind. The admin API deletes through
 * src/accounts/lifecycle.ts instead (bounded pages, storage included); this is for tests.
 */
export async function deleteOrganization(db: D1Database, id: string): Promise<void> {
  await db.prepare("DELETE FROM organizations WHERE id = ?1").bind(id).run();
}

// Brands

export function insertBrandStatement(db: D1Database, orgId: string, name: string): D1PreparedStatement {
  // The next number is computed inside the INSERT, so two concurrent creations cannot collide.
  return db
    .prepare("INSERT INTO brands (org_id, id, name, created_at) SELECT ?1, COALESCE(MAX(id), 0) + 1, ?2, ?3 FROM brands WHERE org_id = ?1 RETURNING *")
    .bind(orgId, name, isoNow());
}

export const readBrand = (result: D1Result): Brand => returned(result, toBrand);

export function insertBrand(db: D1Database, orgId: string, name: string): Promise<Brand> {
  return runReturning(insertBrandStatement(db, orgId, name), toBrand);
}

export async function listBrands(db: D1Database, orgId: string): Promise<Brand[]> {
  const { results } = await db.prepare("SELECT * FROM brands WHERE org_id = ?1 ORDER BY id").bind(orgId).all<BrandRow>();
  return results.map(toBrand);
}

export async function findBrand(db: D1Database, orgId: string, id: number): Promise<Brand | null> {
  const row = await db.prepare("SELECT * FROM brands WHERE org_id = ?1 AND id = ?2").bind(orgId, id).first<BrandRow>();
  return row ? toBrand(row) : null;
}

// Members

export interface NewMember {
  id?: string;
  name: string;
  email?: string | null;
}

export function insertMemberStatement(db: D1Database, orgId: string, input: NewMember): D1PreparedStatement {
  return db
    .prepare("INSERT INTO members (id, org_id, name, email, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING *")
    .bind(input.id ?? crypto.randomUUID(), orgId, input.name, input.email ?? null, isoNow());
}

export const readMember = (result: D1Result): Member => returned(result, toMember);

export function insertMember(db: D1Database, orgId: string, input: NewMember): Promise<Member> {
  return runReturning(insertMemberStatement(db, orgId, input), toMember);
}

export async function listMembers(db: D1Database, orgId: string): Promise<Member[]> {
  const { results } = await db.prepare("SELECT * FROM members WHERE org_id = ?1 ORDER BY created_at, id").bind(orgId).all<MemberRow>();
  return results.map(toMember);
}

export async function findMember(db: D1Database, id: string): Promise<Member | null> {
  const row = await db.prepare("SELECT * FROM members WHERE id = ?1").bind(id).first<MemberRow>();
  return row ? toMember(row) : null;
}
