import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`https://qr.test${path}`, init));

describe("platform routes", () => {
  it("reports health with the database reachable", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    const body = await res.json<{ status: string; database: string; time: string }>();
    expect(body.status).toBe("ok");
    expect(body.database).toBe("ok");
    expect(body.time).toMatch(/\+00:00$/);
  });

  it("serves an OpenAPI 3.1 document listing the health route", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = await res.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toContain("/health");
  });

  it("serves the interactive reference without any external script", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("/openapi.json");
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
  });

  it("answers unknown routes with a 404 envelope carrying the request id", async () => {
    const res = await call("/nope");
    expect(res.status).toBe(404);
    const body = await res.json<{ error: { code: string; requestId: string } }>();
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.requestId).toBe(res.headers.get("X-Request-Id"));
  });
});
