import { deleteExpiredSessions, deleteSpentSignInLinks } from "../db/console";
import { isoNow } from "../lib/time";

// Console sign-in leftovers. Nothing reads an expired session or a spent link (every lookup checks
// the expiry and used_at), so these jobs only keep the tables from growing: a session row is
// otherwise removed only when its user signs in again, and a link row never.

/** Rows deleted per run and table: a run must finish well inside the cron's CPU budget. */
export const SIGN_IN_ROWS_PER_RUN = 1_000;

/** Console sessions past their fixed expiry. */
export const purgeExpiredConsoleSessions = (env: Env, now: Date, limit = SIGN_IN_ROWS_PER_RUN): Promise<number> => deleteExpiredSessions(env.DB, isoNow(now), limit);

/** Invite and reset links used or past their 24 hours. */
export const purgeSpentSignInLinks = (env: Env, now: Date, limit = SIGN_IN_ROWS_PER_RUN): Promise<number> => deleteSpentSignInLinks(env.DB, isoNow(now), limit);
