// The console and the reference page share the Worker with the API: only /console/… and /docs
// reach the static assets, GET / opens the console, and the API's unknown paths keep their JSON 404.
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedOrg } from "./qr-support";

const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`https://qr.test${path}`, { redirect: "manual", ...init }));

const directive = (policy: string, name: string) =>
  policy
    .split(";")
    .map((d) => d.trim())
    .find((d) => d === name || d.startsWith(`${name} `));

describe("the console's routes", () => {
  it("serves the console's HTML at /console/ under a strict CSP", async () => {
    const res = await call("/console/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<div id="app">');
    // Scripts are files of this origin; none is inline.
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/src="\/console\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe("");
    }
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    const policy = res.headers.get("Content-Security-Policy")!;
    expect(directive(policy, "default-src")).toBe("default-src 'none'");
    // 'self' only; the designer may compile WebAssembly (resvg lays out frame captions), never eval.
    expect(directive(policy, "script-src")).toMatch(/^script-src 'self'( 'wasm-unsafe-eval')?$/);
    expect(directive(policy, "connect-src")).toBe("connect-src 'self'");
    expect(directive(policy, "img-src")).toBe("img-src 'self' data: blob:");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toMatch(/'unsafe-eval'/);
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });

  it("serves the app's script with a long cache life (its name is its content hash)", async () => {
    const html = await (await call("/console/")).text();
    const script = html.match(/src="(\/console\/assets\/[^"]+\.js)"/)![1]!;
    const res = await call(script);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("Cache-Control")).toBe("public, max-age=31536000, immutable");
    await res.arrayBuffer();
  });

  it("falls back to the app's index.html for any console path without a file", async () => {
    for (const path of ["/console/anything", "/console/codes/new"]) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toContain('<div id="app">');
      expect(res.headers.get("Content-Security-Policy"), path).toMatch(/script-src 'self'/);
    }
  });

  it("answers a missing console file with a 404, not the app", async () => {
    const res = await call("/console/assets/missing-0000.js");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/json/);
    await res.arrayBuffer();
  });

  it("redirects / and /console to /console/", async () => {
    const root = await call("/");
    expect(root.status).toBe(302);
    expect(root.headers.get("Location")).toBe("/console/");
    const bare = await call("/console");
    expect(bare.status).toBe(301);
    expect(bare.headers.get("Location")).toBe("/console/");
  });

  it("keeps the API's JSON 404 for unknown API paths", async () => {
    const { readKey } = await seedOrg();
    for (const path of ["/qr_codes/nope/x", "/nope", "/consoles", "/docs/x"]) {
      const res = await call(path, { headers: { Authorization: `Bearer ${readKey}` } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type"), path).toMatch(/json/);
      expect(await res.text(), path).not.toContain('<div id="app">');
    }
  });

  it("leaves POST / to the message QR code RPC endpoint", async () => {
    const res = await call("/?Action=ListPhoneMessageQrdl", { method: "POST" });
    expect(res.status).not.toBe(302);
    expect(res.headers.get("content-type")).toMatch(/json/);
    await res.arrayBuffer();
  });
});

describe("GET /docs", () => {
  it("serves Scalar's reference from this origin, configured by a script file, under the script CSP", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    const sources = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)].map(([, attributes, body]) => {
      expect(body!.trim()).toBe("");
      return attributes!.match(/src="([^"]+)"/)![1];
    });
    expect(sources).toEqual(["/console/reference/standalone.js", "/console/reference/init.js"]);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    const policy = res.headers.get("Content-Security-Policy")!;
    expect(directive(policy, "script-src")).toBe("script-src 'self'");
    expect(directive(policy, "connect-src")).toBe("connect-src 'self'");
    expect(policy).not.toMatch(/'unsafe-eval'/);

    const init = await (await call("/console/reference/init.js")).text();
    expect(html).toContain('data-url="/openapi.json"');
    expect(init).toContain("createApiReference");
    const scalar = await call("/console/reference/standalone.js");
    expect(scalar.status).toBe(200);
    expect(scalar.headers.get("content-type")).toMatch(/javascript/);
    await scalar.arrayBuffer();
  });

  it("sends the reference page's own path to /docs", async () => {
    const res = await call("/console/reference/");
    expect(res.status).toBe(301);
    expect(res.headers.get("Location")).toBe("/docs");
  });
});
