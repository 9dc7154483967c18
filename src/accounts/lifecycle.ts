import { deleteArchivedPage } from "../analytics/archive";
import { dropRedirect } from "../codes/short-links";
import {
  activateOrganizationRow,
  advanceLinksWalk,
  deactivateOrganizationRow,
  deleteEmptyOrganization,
  deleteOrganizationAnalyticsPage,
  deleteOrganizationCodesPage,
  deleteOrganizationFiles,
  findLinksWalk,
  listDeletingOrganizationIds,
  listOrganizationFiles,
  listPendingLinksWalks,
  listShortTokensAfter,
  markOrganizationDeleting,
  type LinksWalk,
} from "../db/organization-lifecycle";
import { findOrganization, type Organization } from "../db/organizations";

/**
 * What deactivating, reactivating and deleting an organization does, for the admin API and the
 * cron. An organization that is not active is shut at the points where it is looked up, so it
 * takes effect at once however much it owns:
 * - every credential lookup joins the organization's status (bearer keys, users' api_keys,
 *   AccessKeys, the pairing Client-Token), so none of them authenticates;
 * - D1 answers no link, hosted page, file or message QR image of it (404, like an unknown one).
 * The KV copies of its links (the scan fast path reads KV before D1) are removed by a walk over
 * its codes, LINKS_PER_STEP at a time: the first step inside the admin request, the rest in the
 * cron. Deleting then removes, a bounded page per cron run, its analytics, codes and files (R2
 * objects first), and finally the row, with whatever else cascades from it.
 */

/** KV deletes per step: an admin request or a cron run stays well inside 1,000 KV operations. */
export const LINKS_PER_STEP = 500;
const KV_CONCURRENCY = 50;
/** Per cron run and organization, per analytics table. */
export const ANALYTICS_ROWS_PER_RUN = 5_000;
export const CODES_PER_RUN = 500;
/** One R2 call deletes up to 1,000 keys. */
export const FILES_PER_RUN = 1_000;
/** Organizations looked at per run; one with a full page of work ends the run. */
const ORGANIZATIONS_PER_RUN = 10;

/** The organization after the call, or null when there is none. Already deactivated: unchanged. */
export async function deactivateOrganization(env: Env, orgId: string): Promise<Organization | null> {
  const changed = await deactivateOrganizationRow(env.DB, orgId);
  if (changed) await firstLinksStep(env, orgId);
  return changed ?? (await findOrganization(env.DB, orgId));
}

/** The organization after the call, or null when there is none. Already active: unchanged. */
export async function activateOrganization(env: Env, orgId: string): Promise<Organization | null> {
  return (await activateOrganizationRow(env.DB, orgId)) ?? (await findOrganization(env.DB, orgId));
}

/** Marks it deleting (credentials gone at once, see markOrganizationDeleting) and starts taking its links off KV. */
export async function deleteOrganization(env: Env, orgId: string): Promise<Organization | null> {
  const changed = await markOrganizationDeleting(env.DB, orgId);
  if (changed) await firstLinksStep(env, orgId);
  return changed ?? (await findOrganization(env.DB, orgId));
}

/** The change is durable already; a KV failure here only leaves the rest of the walk to the cron. */
async function firstLinksStep(env: Env, orgId: string): Promise<void> {
  try {
    const walk = await findLinksWalk(env.DB, orgId);
    if (walk) await unpublishLinksStep(env, walk, LINKS_PER_STEP);
  } catch (err) {
    console.error(JSON.stringify({ level: "warn", event: "links_walk_failed", orgId, error: err instanceof Error ? err.message : String(err) }));
  }
}

/**
 * Takes up to `limit` of the organization's links off KV, in code id order from where the walk
 * stopped, and moves the walk on (done when the page was not full). A failed KV delete throws
 * before the walk moves, so the same page is tried again.
 */
export async function unpublishLinksStep(env: Env, walk: LinksWalk, limit: number): Promise<number> {
  const page = await listShortTokensAfter(env.DB, walk.orgId, walk.after, limit);
  for (let i = 0; i < page.length; i += KV_CONCURRENCY) {
    await Promise.all(page.slice(i, i + KV_CONCURRENCY).map((code) => dropRedirect(env, code.shortToken)));
  }
  await advanceLinksWalk(env.DB, walk, page.length < limit ? null : page[page.length - 1]!.id);
  return page.length;
}

/** Cron job: LINKS_PER_STEP links in all per run, across the organizations waiting longest. */
export async function unpublishInactiveLinks(env: Env): Promise<number> {
  let budget = LINKS_PER_STEP;
  for (const walk of await listPendingLinksWalks(env.DB, ORGANIZATIONS_PER_RUN)) {
    if (budget === 0) break;
    budget -= await unpublishLinksStep(env, walk, budget);
  }
  return LINKS_PER_STEP - budget;
}

/**
 * One run's share of deleting an organization; how many rows and objects went, and whether the
 * organization itself is gone. Analytics go before the codes they are found through, and codes
 * only once the links walk is done (it finds links through the code rows). Files: R2 objects
 * first, then their rows, so nothing is left that no row points to.
 */
export async function purgeOrganizationStep(env: Env, orgId: string): Promise<{ removed: number; full: boolean; gone: boolean }> {
  const analytics = await deleteOrganizationAnalyticsPage(env.DB, orgId, ANALYTICS_ROWS_PER_RUN);
  let removed = analytics.deleted;
  let full = analytics.more;
  if (!analytics.more && !(await findLinksWalk(env.DB, orgId))) {
    const codes = await deleteOrganizationCodesPage(env.DB, orgId, CODES_PER_RUN);
    removed += codes;
    full ||= codes === CODES_PER_RUN;
  }
  const files = await listOrganizationFiles(env.DB, orgId, FILES_PER_RUN);
  if (files.length > 0) {
    await env.FILES.delete(files.map((file) => file.r2Key));
    removed += await deleteOrganizationFiles(env.DB, orgId, files.map((file) => file.id));
    full ||= files.length === FILES_PER_RUN;
  }
  // Its raw scans in the archive go too, before the row that names the organization to purge.
  const archived = await deleteArchivedPage(env.ARCHIVE, orgId);
  removed += archived.deleted;
  full ||= archived.more;
  const gone = archived.more ? false : await deleteEmptyOrganization(env.DB, orgId);
  return { removed, full, gone };
}

/** Cron job: organizations being deleted, oldest first, until one of them had a full page of work. */
export async function purgeDeletedOrganizations(env: Env): Promise<number> {
  let removed = 0;
  for (const orgId of await listDeletingOrganizationIds(env.DB, ORGANIZATIONS_PER_RUN)) {
    const step = await purgeOrganizationStep(env, orgId);
    removed += step.removed + (step.gone ? 1 : 0);
    if (step.full) break;
  }
  return removed;
}
