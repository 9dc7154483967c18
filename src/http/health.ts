import { createRoute, z } from "@hono/zod-openapi";
import { droppedEventCount } from "../analytics/event";
import { unexpectedErrorCount } from "./errors";
import { newRouter } from "./router";

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    database: z.enum(["ok", "unavailable"]),
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

export const healthRouter = newRouter().openapi(
  createRoute({
    method: "get",
    path: "/health",
    tags: ["Platform"],
    summary: "Liveness and database reachability",
    responses: { 200: { description: "The Worker is up", content: { "application/json": { schema: HealthSchema } } } },
  }),
  async (c) => {
    let database: "ok" | "unavailable" = "ok";
    try {
      await c.env.DB.prepare("SELECT 1").first();
    } catch {
      database = "unavailable";
    }
    return c.json(
      { status: "ok" as const, database, time: new Date().toISOString().replace("Z", "+00:00"), unexpectedErrors: unexpectedErrorCount(), droppedEvents: droppedEventCount() },
      200,
    );
  },
);
