import { isoNow } from "../lib/time";

// Console sign-in: users as the console sees them (role, whether they can sign in), their sessions
// and one-time sign-in links. Tokens arrive already hashed (src/auth/sessions.ts): this module
// stores digests, never tokens or passwords in the clear.

export type ConsoleRole = "owner" | "editor" | "viewer";
export const CONSOLE_ROLES = ["owner", "editor", "viewer"] as const satisfies readonly ConsoleRole[];

export interface ConsoleUser {
  id: string;
  orgId: string;
  name: string;
  email: string | null;
  status: "active" | "inactive";
  consoleRole: ConsoleRole;
  /** false: the user cannot sign in until a password is set (by an operator or an invite link) */
  hasPassword: boolean;
}
interface ConsoleUserRow {
  id: string;
  org_id: string;
  name: string;
  email: string | null;
  status: "active" | "inactive";
  console_role: ConsoleRole;
  has_password: number;
}
const CONSOLE_USER_COLUMNS = "u.id, u.org_id, u.name, u.email, u.status, u.console_role, (u.password_hash IS NOT NULL) AS has_password";
const toConsoleUser = (r: ConsoleUserRow): ConsoleUser => ({
  id: r.id,
  orgId: r.org_id,
  name: r.name,
  email: r.email,
  status: r.status,
  consoleRole: r.console_role,
  hasPassword: r.has_password === 1,
});

/** The organization a signed-in user acts within: its id and name. */
export interface SessionOrganization {
  id: string;
  name: string;
}

export async function findConsoleUser(db: D1Database, id: string): Promise<ConsoleUser | null> {
  const row = await db.prepare(`SELECT ${CONSOLE_USER_COLUMNS} FROM users AS u WHERE u.id = ?1`).bind(id).first<ConsoleUserRow>();
  return row ? toConsoleUser(row) : null;
}

export async function listConsoleUsers(db: D1Database, orgId: string): Promise<ConsoleUser[]> {
  const { results } = await db.prepare(`SELECT ${CONSOLE_USER_COLUMNS} FROM users AS u WHERE u.org_id = ?1 ORDER BY u.created_at, u.id`).bind(orgId).all<ConsoleUserRow>();
  return results.map(toConsoleUser);
}

/**
 * Who may sign in with this email: the user with a password whose email matches whatever its case
 * (the unique index users_sign_in_email makes that one user at most), its stored hash, and whether
 * the user and its organization are active. Null when nobody with a password has this email.
 */
export async function findSignInCandidate(
  db: D1Database,
  email: string,
): Promise<{ user: ConsoleUser; organization: SessionOrganization; passwordHash: string; usable: boolean } | null> {
  const row = await db
    .prepare(
      `SELECT ${CONSOLE_USER_COLUMNS}, u.password_hash, o.name AS org_name, o.status AS org_status
       FROM users AS u JOIN organizations AS o ON o.id = u.org_id
       WHERE lower(u.email) = lower(?1) AND u.email IS NOT NULL AND u.password_hash IS NOT NULL`,
    )
    .bind(email)
    .first<ConsoleUserRow & { password_hash: string; org_name: string; org_status: string }>();
  if (!row) return null;
  return {
    user: toConsoleUser(row),
    organization: { id: row.org_id, name: row.org_name },
    passwordHash: row.password_hash,
    usable: row.status === "active" && row.org_status === "active",
  };
}

/** Another user (not `exceptUserId`) who can already sign in with this email, whatever its case. */
export async function signInEmailTaken(db: D1Database, email: string, exceptUserId: string): Promise<boolean> {
  const row = await db
    .prepare("SELECT 1 AS taken FROM users WHERE lower(email) = lower(?1) AND password_hash IS NOT NULL AND id <> ?2")
    .bind(email, exceptUserId)
    .first<{ taken: number }>();
  return row !== null;
}

/** Sets a user's password hash (the caller deletes its sessions in the same batch). */
export function setPasswordStatement(db: D1Database, userId: string, passwordHash: string): D1PreparedStatement {
  return db.prepare("UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1").bind(userId, passwordHash, isoNow());
}

export function setConsoleRoleStatement(db: D1Database, userId: string, role: ConsoleRole): D1PreparedStatement {
  return db.prepare("UPDATE users SET console_role = ?2, updated_at = ?3 WHERE id = ?1").bind(userId, role, isoNow());
}

/**
 * Changes a user's role unless that would leave its organization without an active owner who can
 * sign in (an organization nobody can manage from the console). "changed", "last-owner" or
 * "missing". One statement, so two owners demoting each other at once cannot both succeed.
 */
export async function changeConsoleRole(db: D1Database, orgId: string, userId: string, role: ConsoleRole): Promise<"changed" | "last-owner" | "missing"> {
  const result = await db
    .prepare(
      `UPDATE users SET console_role = ?3, updated_at = ?4
       WHERE id = ?2 AND org_id = ?1
         AND (?3 = 'owner' OR console_role <> 'owner' OR EXISTS (
           SELECT 1 FROM users AS other WHERE other.org_id = ?1 AND other.id <> ?2 AND other.console_role = 'owner'
             AND other.status = 'active' AND other.password_hash IS NOT NULL))`,
    )
    .bind(orgId, userId, role, isoNow())
    .run();
  if ((result.meta.changes ?? 0) > 0) return "changed";
  const exists = await db.prepare("SELECT 1 AS found FROM users WHERE id = ?1 AND org_id = ?2").bind(userId, orgId).first();
  return exists ? "last-owner" : "missing";
}

// Sessions

export function insertSessionStatement(db: D1Database, tokenHash: string, userId: string, expiresAt: string): D1PreparedStatement {
  return db.prepare("INSERT INTO console_sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)").bind(tokenHash, userId, isoNow(), expiresAt);
}

/** A user's sessions that ended already: removed whenever the user signs in (nothing else reads them). */
export function deleteExpiredSessionsStatement(db: D1Database, userId: string, now: string): D1PreparedStatement {
  return db.prepare("DELETE FROM console_sessions WHERE user_id = ?1 AND expires_at <= ?2").bind(userId, now);
}

export function deleteUserSessionsStatement(db: D1Database, userId: string): D1PreparedStatement {
  return db.prepare("DELETE FROM console_sessions WHERE user_id = ?1").bind(userId);
}

/** Every session of the organization's users (the organization is being deactivated). */
export function deleteOrganizationSessionsStatement(db: D1Database, orgId: string): D1PreparedStatement {
  return db.prepare("DELETE FROM console_sessions WHERE user_id IN (SELECT id FROM users WHERE org_id = ?1)").bind(orgId);
}

export async function deleteSession(db: D1Database, tokenHash: string): Promise<void> {
  await db.prepare("DELETE FROM console_sessions WHERE token_hash = ?1").bind(tokenHash).run();
}

/** Up to `limit` sessions that expired at or before `now` (the scheduled cleanup; a page per run). */
export async function deleteExpiredSessions(db: D1Database, now: string, limit: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM console_sessions WHERE rowid IN (SELECT rowid FROM console_sessions WHERE expires_at <= ?1 LIMIT ?2)")
    .bind(now, limit)
    .run();
  return result.meta.changes ?? 0;
}

/**
 * The session with this token digest while it is valid: not expired, its user active and its
 * organization active. Anything else (no row, expired, an inactive user, a deactivated or deleting
 * organization) is null: one join decides it, so no state is checked twice.
 */
export async function findValidSession(
  db: D1Database,
  tokenHash: string,
  now: string,
): Promise<{ user: ConsoleUser; organization: SessionOrganization; expiresAt: string } | null> {
  const row = await db
    .prepare(
      `SELECT ${CONSOLE_USER_COLUMNS}, o.name AS org_name, s.expires_at
       FROM console_sessions AS s JOIN users AS u ON u.id = s.user_id JOIN organizations AS o ON o.id = u.org_id
       WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND u.status = 'active' AND o.status = 'active'`,
    )
    .bind(tokenHash, now)
    .first<ConsoleUserRow & { org_name: string; expires_at: string }>();
  return row ? { user: toConsoleUser(row), organization: { id: row.org_id, name: row.org_name }, expiresAt: row.expires_at } : null;
}

// One-time sign-in links

export type SignInLinkPurpose = "invite" | "reset";

export function insertSignInLinkStatement(db: D1Database, input: { tokenHash: string; userId: string; purpose: SignInLinkPurpose; expiresAt: string }): D1PreparedStatement {
  return db
    .prepare("INSERT INTO sign_in_links (token_hash, user_id, purpose, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)")
    .bind(input.tokenHash, input.userId, input.purpose, isoNow(), input.expiresAt);
}

/**
 * Marks every link of the user not used yet as used: a link is for setting the password it was
 * sent for, and once a password is set (or a newer link is sent) an older link left in a mailbox
 * must not set another.
 */
export function spendUserSignInLinksStatement(db: D1Database, userId: string, now: string): D1PreparedStatement {
  return db.prepare("UPDATE sign_in_links SET used_at = ?2 WHERE user_id = ?1 AND used_at IS NULL").bind(userId, now);
}

/**
 * Spends the link with this digest: the one UPDATE that sets used_at on an unused, unexpired link
 * wins, so of two concurrent redemptions exactly one gets the user id. Null for an unknown, used
 * or expired link.
 */
export async function spendSignInLink(db: D1Database, tokenHash: string, now: string): Promise<string | null> {
  const row = await db
    .prepare("UPDATE sign_in_links SET used_at = ?2 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2 RETURNING user_id")
    .bind(tokenHash, now)
    .first<{ user_id: string }>();
  return row?.user_id ?? null;
}

/**
 * Up to `limit` links that can never be redeemed again: used, or expired at or before `now` (the
 * scheduled cleanup). Redeeming a deleted link answers as a used one does: unknown is unusable.
 */
export async function deleteSpentSignInLinks(db: D1Database, now: string, limit: number): Promise<number> {
  const result = await db
    .prepare("DELETE FROM sign_in_links WHERE rowid IN (SELECT rowid FROM sign_in_links WHERE used_at IS NOT NULL OR expires_at <= ?1 LIMIT ?2)")
    .bind(now, limit)
    .run();
  return result.meta.changes ?? 0;
}
