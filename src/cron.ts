/**
 * Scheduled jobs, one function each. The trigger is declared in wrangler.toml from the start;
 * the purge jobs arrive with the tables they purge (pairing values, uploads, scan logs).
 */
export type ScheduledJob = (env: Env, now: Date) => Promise<number>;

const jobs: Record<string, ScheduledJob> = {};

export async function runScheduledJobs(controller: ScheduledController, env: Env): Promise<Record<string, number>> {
  const now = new Date(controller.scheduledTime);
  const results: Record<string, number> = {};
  for (const [name, job] of Object.entries(jobs)) {
    try {
      results[name] = await job(env, now);
    } catch (err) {
      // One failing job must not stop the others; the next trigger retries it.
      console.error(JSON.stringify({ level: "error", job: name, error: err instanceof Error ? err.message : String(err) }));
      results[name] = -1;
    }
  }
  return results;
}
