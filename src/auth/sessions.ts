import {
  deleteExpiredSessionsStatement,
  deleteOrganizationSessionsStatement,
  deleteSession,
  deleteUserSessionsStatement,
  findConsoleUser,
  findSignInCandidate,
  findValidSession,
  insertSessionStatement,
  insertSignInLinkStatement,
  setPasswordStatement,
  signInEmailTaken,
  spendSignInLink,
  spendUserSignInLinksStatement,
  type ConsoleUser,
  type SessionOrganization,
  type SignInLinkPurpose,
} from "../db/console";
import { findOrganization } from "../db/accounts";
import { isUniqueViolation } from "../db/constraints";
import { isoAt, isoNow } from "../lib/time";
import { hashPassword, needsRehash, verifyPassword } from "./passwords";
import { hashSecret } from "./secrets";

/**
 * Console sessions and the ways into one: a password, or a one-time invite/reset link.
 *
 * A session is a random 32-byte token in the `eqr_session` cookie; D1 keeps its SHA-256 only, so a
 * leaked database signs nobody in. Sessions last a fixed 14 days from sign-in (not sliding: no D1
 * write per request, and a stolen cookie stops working on a known date), and end earlier on
 * sign-out, when the user's password changes, or while the user or its organization is not
 * active (checked on every request, in the same query that finds the session).
 */

export const SESSION_COOKIE = "eqr_session";
export const SESSION_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000;
export const SIGN_IN_LINK_LIFETIME_MS = 24 * 60 * 60 * 1000;

/** 32 random bytes in base64url: 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** What the console is told about the signed-in user (the contract's body). */
export interface SessionView {
  user: { id: string; name: string; email: string; role: ConsoleUser["consoleRole"] };
  organization: SessionOrganization;
  expiresAt: string;
}

/** A live session: who, within which organization, until when. */
export interface ConsoleSession extends SessionView {
  tokenHash: string;
}

/** The session a token names while it is valid; null for anything else (malformed, unknown, expired, an inactive user or organization). */
export async function findSession(db: D1Database, token: string | undefined, now = new Date()): Promise<ConsoleSession | null> {
  if (!token || !TOKEN_SHAPE.test(token)) return null;
  const tokenHash = await hashSecret(token);
  const found = await findValidSession(db, tokenHash, isoNow(now));
  if (!found || found.user.email === null) return null;
  return { tokenHash, user: viewOfUser(found.user), organization: found.organization, expiresAt: found.expiresAt };
}

const viewOfUser = (user: ConsoleUser): SessionView["user"] => ({ id: user.id, name: user.name, email: user.email ?? "", role: user.consoleRole });

/** A session just started: its token (for the cookie; D1 keeps only its hash) and what the console is told. */
interface StartedSession {
  token: string;
  view: SessionView;
}

async function startSessionStatements(db: D1Database, user: ConsoleUser, now: Date): Promise<{ token: string; expiresAt: string; statements: D1PreparedStatement[] }> {
  const token = newToken();
  const expiresAt = isoAt(now.getTime() + SESSION_LIFETIME_MS);
  return {
    token,
    expiresAt,
    statements: [deleteExpiredSessionsStatement(db, user.id, isoNow(now)), insertSessionStatement(db, await hashSecret(token), user.id, expiresAt)],
  };
}

/** Email and password did not name a user who may sign in (one answer for every reason). */
export class InvalidCredentials extends Error {
  constructor() {
    super("Invalid email or password");
    this.name = "InvalidCredentials";
  }
}

/**
 * Checks an email and password and starts a session. Unknown email, wrong password, a user without
 * a password, an inactive user or organization: all one InvalidCredentials, after the same PBKDF2
 * work, so neither the answer nor its time tells which. A hash at an older iteration count is
 * replaced on the way in.
 */
export async function signInWithPassword(db: D1Database, email: string, password: string, now = new Date()): Promise<StartedSession> {
  const candidate = await findSignInCandidate(db, email);
  const matches = await verifyPassword(password, candidate?.passwordHash ?? null);
  if (!candidate || !matches || !candidate.usable || candidate.user.email === null) throw new InvalidCredentials();
  const { token, expiresAt, statements } = await startSessionStatements(db, candidate.user, now);
  if (needsRehash(candidate.passwordHash)) statements.push(setPasswordStatement(db, candidate.user.id, await hashPassword(password)));
  await db.batch(statements);
  return { token, view: { user: viewOfUser(candidate.user), organization: candidate.organization, expiresAt } };
}

/** Ends the session (sign-out); nothing happens for a token that names none. */
export async function endSession(db: D1Database, token: string | undefined): Promise<void> {
  if (!token || !TOKEN_SHAPE.test(token)) return;
  await deleteSession(db, await hashSecret(token));
}

/**
 * Ends every session of a user being deactivated. A session already stops working while its user
 * is inactive (findValidSession checks), but deactivation is how an operator answers a lost laptop
 * or a departing person: activating the user again must not bring a stolen cookie back to life.
 */
export async function endUserSessions(db: D1Database, userId: string): Promise<void> {
  await deleteUserSessionsStatement(db, userId).run();
}

/** As endUserSessions, for every user of an organization being deactivated. */
export async function endOrganizationSessions(db: D1Database, orgId: string): Promise<void> {
  await deleteOrganizationSessionsStatement(db, orgId).run();
}

// Passwords and sign-in links: what an operator (admin API, CLI) and the links themselves do.

/** The user cannot be given a password: no email to sign in with, or another user signs in with it. */
export class CannotSignIn extends Error {
  constructor(
    readonly reason: "no-email" | "email-taken",
    message: string,
  ) {
    super(message);
    this.name = "CannotSignIn";
  }
}

export class UserMissing extends Error {
  constructor() {
    super("User not found");
    this.name = "UserMissing";
  }
}

/** The link's token names no link that can still be used: unknown, used already, or expired. */
export class SignInLinkUnusable extends Error {
  constructor() {
    super("This sign-in link is invalid, already used or expired; ask for a new one");
    this.name = "SignInLinkUnusable";
  }
}

const emailTaken = (email: string) => new CannotSignIn("email-taken", `Another user already signs in with ${email}`);

async function requireSignInEmail(db: D1Database, user: ConsoleUser): Promise<string> {
  if (user.email === null) throw new CannotSignIn("no-email", "The user has no email to sign in with");
  if (await signInEmailTaken(db, user.email, user.id)) throw emailTaken(user.email);
  return user.email;
}

/**
 * Runs a batch that gives the user a password. requireSignInEmail checked the email was free, but
 * two users with the same email given passwords at once both pass that check (the PBKDF2 between
 * check and write is long); the unique index users_sign_in_email stops the second, which is the
 * same refusal, not a failure.
 */
async function batchSettingPassword(db: D1Database, email: string, statements: D1PreparedStatement[]): Promise<void> {
  try {
    await db.batch(statements);
  } catch (err) {
    if (isUniqueViolation(err) && err instanceof Error && err.message.includes("users_sign_in_email")) throw emailTaken(email);
    throw err;
  }
}

/**
 * Sets a user's password (an operator's doing); the user's sessions end with the old password, so
 * whoever knew it is signed out everywhere, and links sent before stop working.
 */
export async function setUserPassword(db: D1Database, userId: string, password: string, now = new Date()): Promise<ConsoleUser> {
  const user = await findConsoleUser(db, userId);
  if (!user) throw new UserMissing();
  const email = await requireSignInEmail(db, user);
  await batchSettingPassword(db, email, [setPasswordStatement(db, userId, await hashPassword(password)), deleteUserSessionsStatement(db, userId), spendUserSignInLinksStatement(db, userId, isoNow(now))]);
  return { ...user, hasPassword: true };
}

/** A new one-time link's token (for the URL only) and when it expires; the user's earlier links stop working (only the newest one sent works). */
export async function mintSignInLink(db: D1Database, userId: string, purpose: SignInLinkPurpose, now = new Date()): Promise<{ user: ConsoleUser; token: string; expiresAt: string }> {
  const user = await findConsoleUser(db, userId);
  if (!user) throw new UserMissing();
  await requireSignInEmail(db, user);
  const token = newToken();
  const expiresAt = isoAt(now.getTime() + SIGN_IN_LINK_LIFETIME_MS);
  await db.batch([spendUserSignInLinksStatement(db, userId, isoNow(now)), insertSignInLinkStatement(db, { tokenHash: await hashSecret(token), userId, purpose, expiresAt })]);
  return { user, token, expiresAt };
}

/** Where a sign-in link points: the console's set-password screen, the token in the fragment so it never reaches a server log. */
export const signInLinkUrl = (origin: string, token: string): string => `${origin}/console/#/set-password?token=${token}`;

/**
 * Redeems a one-time link: spends it (exactly once, even under concurrent redemptions), sets the
 * password, ends the user's other sessions and links, and starts a new one. The link is spent before anything
 * else so it cannot be replayed whatever happens next.
 */
export async function redeemSignInLink(db: D1Database, token: string, password: string, now = new Date()): Promise<StartedSession> {
  if (!TOKEN_SHAPE.test(token)) throw new SignInLinkUnusable();
  const userId = await spendSignInLink(db, await hashSecret(token), isoNow(now));
  if (!userId) throw new SignInLinkUnusable();
  const user = await findConsoleUser(db, userId);
  const organization = user ? await findOrganization(db, user.orgId) : null;
  // A user deactivated (or an organization deactivated) since the link was sent cannot use it.
  if (!user || user.status !== "active" || organization?.status !== "active") throw new SignInLinkUnusable();
  const email = await requireSignInEmail(db, user);
  const { token: sessionToken, expiresAt, statements } = await startSessionStatements(db, user, now);
  await batchSettingPassword(db, email, [
    setPasswordStatement(db, userId, await hashPassword(password)),
    deleteUserSessionsStatement(db, userId),
    spendUserSignInLinksStatement(db, userId, isoNow(now)),
    ...statements,
  ]);
  return { token: sessionToken, view: { user: viewOfUser({ ...user, hasPassword: true }), organization: { id: organization.id, name: organization.name }, expiresAt } };
}
