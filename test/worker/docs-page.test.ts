import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { docsPage } from "../../src/http/docs-page";

const call = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`https://qr.test${path}`, init));

async function sha256Base64(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest));
}

function csp(html: string): string {
  const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
  expect(meta, "CSP meta tag").not.toBeNull();
  return meta![1]!;
}

const directive = (policy: string, name: string) =>
  policy
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

describe("GET /docs", () => {
  it("serves a self-contained HTML page", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?(https?:)?\/\//i);
    expect(html).toContain('data-spec="/openapi.json"');
  });

  it("carries a strict CSP whose hashes match every inline script and style", async () => {
    const html = await (await call("/docs")).text();
    const policy = csp(html);
    expect(directive(policy, "default-src")).toBe("default-src 'none'");
    expect(directive(policy, "connect-src")).toBe("connect-src 'self'");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toContain("unsafe-eval");

    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    const styles = [...html.matchAll(/<style\b([^>]*)>([\s\S]*?)<\/style>/g)];
    expect(scripts).toHaveLength(1);
    expect(styles).toHaveLength(1);
    expect(scripts[0]![1]).toBe(""); // no src=, no attributes at all
    expect(html).not.toMatch(/<link\b(?![^>]*href="data:)/i); // only the data: favicon
    expect(html).not.toMatch(/\sstyle\s*=/i); // inline style attributes would be blocked by the CSP
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // so would inline event handlers

    const scriptHash = await sha256Base64(scripts[0]![2]!);
    const styleHash = await sha256Base64(styles[0]![2]!);
    expect(directive(policy, "script-src"), "update SCRIPT_HASH in src/http/docs-page.ts").toBe(`script-src 'sha256-${scriptHash}'`);
    expect(directive(policy, "style-src"), "update STYLE_HASH in src/http/docs-page.ts").toBe(`style-src 'sha256-${styleHash}'`);
  });

  it("keeps the spec URL out of the hashed code and escapes it", () => {
    const a = docsPage("/openapi.json");
    const b = docsPage('/x?a=1&b="><script>alert(1)</script>');
    expect(b).toContain('data-spec="/x?a=1&amp;b=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(b.match(/<script>/g)).toHaveLength(1);
    const code = (html: string) => html.match(/<script>([\s\S]*?)<\/script>/)![1];
    expect(code(a)).toBe(code(b));
    expect(code(a)).not.toContain("innerHTML");
  });
});
