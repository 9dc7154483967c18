import { createRoute, z } from "@hono/zod-openapi";
import { droppedEventCount } from "../analytics/event";
import { HEALTH_PROBE } from "../analytics/consumer";
import { unexpectedErrorCount } from "./errors";
import { newRouter } from "./router";

/**
 * GET /health: one cheap call to each dependency, in parallel, each bounded by CHECK_TIMEOUT_MS.
 * Cost per call: a D1 `SELECT 1`, a KV read of a key that never exists, an R2 HEAD of one, and one
 * queue message the consumer acknowledges without writing anything.
 */

const CHECK_TIMEOUT_MS = 2_000;
const PROBE_KEY = "__health_probe__";

type Dependency = "d1" | "kv" | "r2" | "queue";

const CHECKS: Record<Dependency, (env: Env) => Promise<unknown>> = {
  d1: (env) => env.DB.prepare("SELECT 1").first(),
  kv: (env) => env.LINKS.get(PROBE_KEY),
  r2: (env) => env.FILES.head(PROBE_KEY),
  queue: (env) => env.SCANS.send(HEALTH_PROBE, { contentType: "json" }),
};

/** What each dependency carries, said in /health so an operator reads the impact, not just a name. */
const ROLES: Record<Dependency, string> = {
  d1: "source of truth: every write, the management APIs, link lookups KV cannot answer, analytics",
  kv: "short-link lookups (D1 answers in its place, at a higher cost)",
  r2: "uploads, stored files and logos, the render cache",
  queue: "scan and page-view events",
};

const DependencySchema = z.object({
  status: z.enum(["ok", "unavailable"]),
  latencyMs: z.number().openapi({ example: 3 }),
  role: z.string(),
  error: z.string().optional().openapi({ description: "Why the check failed (the dependency's own message, or a timeout)" }),
});

const HealthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]).openapi({ description: "ok when every dependency answered; degraded (HTTP 503) when any did not" }),
    database: z.enum(["ok", "unavailable"]).openapi({ description: "D1's status (the same as dependencies.d1.status)" }),
    dependencies: z.object({ d1: DependencySchema, kv: DependencySchema, r2: DependencySchema, queue: DependencySchema }),
    time: z.string().openapi({ example: "2026-11-21T08:30:00+00:00" }),
    unexpectedErrors: z
      .number()
      .int()
      .openapi({ description: "Crashes this isolate turned into an opaque 500 (or a family's generic failure) since it started; 0 when healthy", example: 0 }),
    droppedEvents: z
      .number()
      .int()
      .openapi({ description: "Scan and view events this isolate could not enqueue after retries (each is logged in full); 0 when healthy", example: 0 }),
  })
  .openapi("Health");

type DependencyReport = z.infer<typeof DependencySchema>;

async function check(env: Env, dependency: Dependency): Promise<DependencyReport> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([CHECKS[dependency](env), timeout]);
    return { status: "ok", latencyMs: Date.now() - started, role: ROLES[dependency] };
  } catch (err) {
    return { status: "unavailable", latencyMs: Date.now() - started, role: ROLES[dependency], error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

const healthResponse = (description: string) => ({ description, content: { "application/json": { schema: HealthSchema } } });

export const healthRouter = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["Platform"],
    summary: "Liveness and the reachability of every dependency",
    description: "Checks D1, KV, R2 and the scan queue's producer in parallel (each bounded to 2 s). 200 when all answered; 503 with `status: degraded` when any did not, so an uptime monitor sees it.",
    responses: { 200: healthResponse("Every dependency answered"), 503: healthResponse("At least one dependency did not answer") },
  }),
  async (c) => {
    const names = Object.keys(CHECKS) as Dependency[];
    const reports = await Promise.all(names.map((name) => check(c.env, name)));
    const dependencies = Object.fromEntries(names.map((name, i) => [name, reports[i]!])) as Record<Dependency, DependencyReport>;
    const healthy = reports.every((report) => report.status === "ok");
    return c.json(
      {
        status: healthy ? ("ok" as const) : ("degraded" as const),
        database: dependencies.d1.status,
        dependencies,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, "+00:00"),
        unexpectedErrors: unexpectedErrorCount(),
        droppedEvents: droppedEventCount(),
      },
      healthy ? 200 : 503,
    );
  },
);
