import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { unexpectedErrorCount } from "../../src/http/errors";

const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`https://qr.test${path}`, init));

describe("platform routes", () => {
  it("reports health with the database reachable", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
    const body = await res.json<{ status: string; database: string; time: string; unexpectedErrors: number }>();
    expect(body.status).toBe("ok");
    expect(body.database).toBe("ok");
    expect(body.time).toMatch(/\+00:00$/);
    expect(body.unexpectedErrors).toBe(unexpectedErrorCount());
  });

  it("counts crashes that were answered with an opaque 500 in /health", async () => {
    const health = async () => (await (await call("/health")).json<{ unexpectedErrors: number }>()).unexpectedErrors;
    const before = await health();
    const spy = vi.spyOn(env.DB, "prepare").mockImplementation(() => {
      throw new Error("simulated D1 outage");
    });
    const crashed = await call("/admin/organizations", { headers: { Authorization: "Bearer test-admin-token" } });
    spy.mockRestore();
    expect(crashed.status).toBe(500);
    expect((await crashed.json<{ error: { code: string } }>()).error.code).toBe("INTERNAL");
    expect(await health()).toBe(before + 1);
    // Refusals are not crashes: a 404 and a 401 leave the counter alone.
    await call("/nope");
    await call("/admin/organizations");
    expect(await health()).toBe(before + 1);
  });

  it("keeps a well-formed incoming X-Request-Id and replaces a malformed one", async () => {
    const kept = await call("/nope", { headers: { "X-Request-Id": "edge-proxy-42_abc=" } });
    expect(kept.headers.get("X-Request-Id")).toBe("edge-proxy-42_abc=");
    expect((await kept.json<{ error: { requestId: string } }>()).error.requestId).toBe("edge-proxy-42_abc=");
    const replaced = await call("/nope", { headers: { "X-Request-Id": "two words;<script>" } });
    expect(replaced.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends Hono's secure headers on every response, images left embeddable elsewhere", async () => {
    for (const path of ["/health", "/docs", "/nope"]) {
      const res = await call(path);
      expect(res.headers.get("X-Content-Type-Options"), path).toBe("nosniff");
      expect(res.headers.get("X-Frame-Options"), path).toBe("SAMEORIGIN");
      expect(res.headers.get("Referrer-Policy"), path).toBe("no-referrer");
      expect(res.headers.get("Cross-Origin-Resource-Policy"), path).toBe("cross-origin");
      // The reference page (Scalar, from the Worker's assets) carries its own CSP header
      // (src/http/console-assets.ts, tested in console-routing.test.ts); the API's answers none.
      if (path !== "/docs") expect(res.headers.get("Content-Security-Policy"), path).toBeNull();
    }
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
