import { createRoute, z } from "@hono/zod-openapi";
import { droppedEventCount } from "../analytics/event";
import { HEALTH_PROBE } from "../analytics/consumer";
import { timingSafeEqualText } from "../auth/secrets";
import { isoAt } from "../lib/time";
import { dependencyFailureCount } from "../lib/unavailable";
import { unexpectedErrorCount } from "./errors";
import { newRouter } from "./router";

/**
 * GET /health: one cheap call to each dependency, in parallel, each bounded by CHECK_TIMEOUT_MS:
 * a D1 `SELECT 1`, a KV read of a key that never exists, an R2 HEAD of one in each bucket (uploads
 * and the raw-scan archive), and one queue message
 * the consumer acknowledges without writing anything. The route is public, so anonymous callers
 * get the isolate's last report for up to PUBLIC_REPORT_MS (hammering /health cannot eat into the
 * scan queue's throughput or the KV and R2 bills) and no error text; the admin token gets a fresh
 * report with each dependency's error.
 */

const CHECK_TIMEOUT_MS = 2_000;
const PUBLIC_REPORT_MS = 10_000;
const PROBE_KEY = "__health_probe__";

type Dependency = "d1" | "kv" | "r2" | "archive" | "queue";

const CHECKS: Record<Dependency, (env: Env) => Promise<unknown>> = {
  d1: (env) => env.DB.prepare("SELECT 1").first(),
  kv: (env) => env.LINKS.get(PROBE_KEY),
  r2: (env) => env.FILES.head(PROBE_KEY),
  archive: (env) => env.ARCHIVE.head(PROBE_KEY),
  queue: (env) => env.SCANS.send(HEALTH_PROBE, { contentType: "json" }),
};

/** What each dependency carries, said in /health so an operator reads the impact, not just a name. */
const ROLES: Record<Dependency, string> = {
  d1: "source of truth: every write, the management APIs, link lookups KV cannot answer, analytics",
  kv: "short-link lookups (D1 answers in its place, at a higher cost)",
  r2: "uploads, stored files and logos, the render cache",
  archive: "the raw-scan archive (R2): the queue consumer writes each batch there before D1, and exports read archived days from it",
  queue: "scan and page-view events",
};

const DependencySchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  latencyMs: z.number().openapi({ example: 3 }),
  role: z.string(),
  error: z.string().optional().openapi({ description: "Why the check failed (the dependency's own message, or a timeout); shown to the admin token only" }),
});

const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ description: "ok when every dependency answered; degraded (HTTP 503) when any did not" }),
    database: z.enum(["ok", "unavailable"]).openapi({ description: "D1's status (the same as dependencies.d1.status)" }),
    dependencies: z.object({ d1: DependencySchema, kv: DependencySchema, r2: DependencySchema, archive: DependencySchema, queue: DependencySchema }),
    time: z.string().openapi({ example: "2026-11-21T08:30:00+00:00" }),
    unexpectedErrors: z
      .number()
      .int()
      .openapi({ description: "Crashes this isolate turned into an opaque 500 (or a family's generic failure) since it started; 0 when healthy", example: 0 }),
    droppedEvents: z
      .number()
      .int()
      .openapi({ description: "Scan and view events this isolate gave up on (could not enqueue after retries, or not stored after the dead-letter queue's last try), each logged; 0 when healthy", example: 0 }),
    dependencyFailures: z
      .number()
      .int()
      .openapi({ description: "Calls to D1, KV, R2, a Durable Object or the queue that failed in this isolate since it started and were answered by degrading (a 503, a fallback, a render without its cache); 0 when healthy", example: 0 }),
  })
  .openapi("Health");

type DependencyReport = z.infer<typeof DependencySchema>;

/** One dependency's call, given `timeoutMs` to answer. */
export async function checkWithin(dependency: Dependency, call: () => Promise<unknown>, timeoutMs = CHECK_TIMEOUT_MS): Promise<DependencyReport> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([call(), timeout]);
    return { status: "ok", latencyMs: Date.now() - started, role: ROLES[dependency] };
  } catch (err) {
    return { status: "unavailable", latencyMs: Date.now() - started, role: ROLES[dependency], error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

type Report = { healthy: boolean; dependencies: Record<Dependency, DependencyReport>; at: number };
let lastReport: Report | undefined;

async function freshReport(env: Env): Promise<Report> {
  const names = Object.keys(CHECKS) as Dependency[];
  const reports = await Promise.all(names.map((name) => checkWithin(name, () => CHECKS[name](env))));
  const report = { healthy: reports.every((r) => r.status === "ok"), dependencies: Object.fromEntries(names.map((name, i) => [name, reports[i]!])) as Record<Dependency, DependencyReport>, at: Date.now() };
  lastReport = report;
  return report;
}

async function isAdmin(env: Env, authorization: string | undefined): Promise<boolean> {
  return Boolean(env.ADMIN_TOKEN && authorization?.startsWith("Bearer ") && (await timingSafeEqualText(authorization.slice(7), env.ADMIN_TOKEN)));
}

const withoutErrors = (dependencies: Record<Dependency, DependencyReport>) =>
  Object.fromEntries(Object.entries(dependencies).map(([name, { error: _error, ...rest }]) => [name, rest])) as Record<Dependency, DependencyReport>;

const healthResponse = (description: string) => ({ description, content: { "application/json": { schema: HealthSchema } } });

export const healthRouter = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "getHealth",
    tags: ["Platform"],
    // Anonymous or with the admin token (a fresh report with error text): both are answered.
    security: [{}, { adminToken: [] }],
    summary: "Liveness and the reachability of every dependency",
    description: "Checks D1, KV, both R2 buckets (uploads and the raw-scan archive) and the scan queue's producer in parallel (each bounded to 2 s). 200 when all answered; 503 with `status: degraded` when any did not, so an uptime monitor sees it. Anonymous callers get this isolate's last report for up to 10 s and no error text; `Authorization: Bearer <ADMIN_TOKEN>` gets a fresh report with each failure's error.",
    responses: { 200: healthResponse("Every dependency answered"), 503: healthResponse("At least one dependency did not answer") },
  }),
  async (c) => {
    const admin = await isAdmin(c.env, c.req.header("Authorization"));
    const report = !admin && lastReport && Date.now() - lastReport.at < PUBLIC_REPORT_MS ? lastReport : await freshReport(c.env);
    return c.json(
      {
        status: report.healthy ? ("ok" as const) : ("degraded" as const),
        database: report.dependencies.d1.status,
        dependencies: admin ? report.dependencies : withoutErrors(report.dependencies),
        time: isoAt(report.at),
        unexpectedErrors: unexpectedErrorCount(),
        droppedEvents: droppedEventCount(),
        dependencyFailures: dependencyFailureCount(),
      },
      report.healthy ? 200 : 503,
    );
  },
);
