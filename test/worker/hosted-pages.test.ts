import { env, exports } from "cloudflare:workers";
import { parseHTML } from "linkedom";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { VisitEvent } from "../../src/analytics/event";
import type { ContentOf } from "../../src/codes/catalog";
import { vcardOf } from "../../src/pages/attachments";
import { ICON_PATH, LOCALE_SCRIPT_PATH, STYLESHEET_PATH } from "../../src/pages/assets";
import { wavFixture } from "../support/media-fixtures";
import { encodePngFixture } from "../support/png-fixtures";
import { call, captureVisits, fetchSettled, seedOrg } from "./qr-support";
import { SAMPLES } from "./qr-samples";

afterEach(() => vi.restoreAllMocks());

const BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";

// The hostile strings of the issue. Names are capped at 255 characters by validation, so the
// 10,000-character case is the text / description (and a 255-character unbroken name).
const SCRIPT = "<script>alert(1)</script>";
const BREAKOUT = `"><img src=x onerror=alert(1)>`;
const JS_URL = "javascript:alert(document.cookie)";
const RTL = "\u202Egnp.exe\u202C invoice";
const LONG_NAME = "N".repeat(255);
const HOSTILE = [SCRIPT, BREAKOUT, JS_URL, RTL];
const PREFIX = HOSTILE.join("\n") + "\n";
/** Exactly 10,000 characters (the longest text and description allowed): the hostile strings, then one unbroken word. */
const hostileText = PREFIX + "W".repeat(10_000 - PREFIX.length);
const LONG_WORD = hostileText.slice(PREFIX.length);

const LOGO = encodePngFixture({ width: 8, height: 8, colorType: 2, bitDepth: 8, pixel: (x, y) => ((x + y) % 2 ? [14, 116, 144] : [255, 255, 255]) });

async function upload(key: string, purpose: string, fileName: string, bytes: Uint8Array): Promise<string> {
  const form = new FormData();
  form.append("purpose", purpose);
  form.append("file", new File([bytes], fileName));
  const res = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${key}` }, body: form }));
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function createCode(key: string, body: Record<string, unknown>) {
  const res = await call("POST", "/qr_codes", { key, body: { name: "code", ...body } });
  expect(res.status, res.text).toBe(201);
  return res.json as { id: string; content: Record<string, unknown>; metadata: { shortToken: string } };
}

async function get(path: string) {
  const res = await exports.default.fetch(new Request(`https://qr.test${path}`, { headers: { "User-Agent": BROWSER, "CF-Connecting-IP": "198.51.100.7" } }));
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function page(token: string) {
  const res = await get(`/p/${token}`);
  const { document } = parseHTML(res.text);
  return { ...res, document };
}


type Document = ReturnType<typeof parseHTML>["document"];

const ALLOWED_TAGS = new Set(["HTML", "HEAD", "META", "TITLE", "LINK", "STYLE", "SCRIPT", "BODY", "MAIN", "HEADER", "DIV", "H1", "P", "BDI", "IMG", "A", "SPAN", "UL", "LI", "AUDIO", "DL", "DT", "DD", "TIME", "BR"]);

/** What must hold on every hosted page, whatever the content: the DOM is ours alone. */
function expectInert(document: Document, token: string) {
  for (const element of document.querySelectorAll("*")) {
    expect(ALLOWED_TAGS.has(element.tagName), element.tagName).toBe(true);
    for (const attribute of [...element.attributes]) {
      expect(attribute.name.startsWith("on"), `${element.tagName} ${attribute.name}`).toBe(false);
      if (["href", "src", "action", "formaction", "poster"].includes(attribute.name))
        expect(attribute.value, `${element.tagName} ${attribute.name}`).toMatch(/^(\/(files|assets|p)\/|https?:\/\/|tel:|mailto:)/i);
    }
  }
  // The only script is the same-origin locale script; no inline code.
  for (const script of document.querySelectorAll("script")) {
    expect(script.getAttribute("src")).toBe(LOCALE_SCRIPT_PATH);
    expect(script.textContent).toBe("");
  }
  expect([...document.querySelectorAll("a[href]")].some((a) => /^\s*javascript:/i.test(a.getAttribute("href")!))).toBe(false);
  expect(document.querySelector(`link[rel=stylesheet]`)?.getAttribute("href")).toBe(STYLESHEET_PATH);
  expect(document.querySelector(`link[rel=icon]`)?.getAttribute("href")).toBe(ICON_PATH);
  expect(document.querySelector('meta[property="og:url"]')?.getAttribute("content")).toBe(`https://qr.test/p/${token}`);
}

/** Each hostile string is present as text, and the RTL override sits inside a bidi-isolated element. */
function expectHostileAsText(document: Document, strings: string[]) {
  const text = document.body.textContent ?? "";
  for (const s of strings) expect(text.includes(s), JSON.stringify(s.slice(0, 40))).toBe(true);
  const rtlHosts = [...document.body.querySelectorAll("*")].filter((el) => [...el.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? "").includes("\u202E")));
  expect(rtlHosts.length).toBeGreaterThan(0);
  for (const host of rtlHosts) expect(host.closest("bdi, [dir=auto]"), host.outerHTML.slice(0, 80)).not.toBeNull();
}

async function sha256Source(text: string) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return `'sha256-${btoa(String.fromCharCode(...digest))}'`;
}

describe("GET /p/{token}: every hosted type renders hostile content inert", () => {
  it("text: name, uploaded image, file link; hostile strings and a 10,000-character word are text", async () => {
    captureVisits();
    const org = await seedOrg();
    const image = await upload(org.writeKey, "logo", "logo.png", LOGO);
    const file = await upload(org.writeKey, "file", "menu.pdf", new TextEncoder().encode("%PDF-1.4\n%%EOF\n"));
    const code = await createCode(org.writeKey, {
      name: BREAKOUT,
      type: "text",
      content: { text: hostileText, name: `${SCRIPT} ${RTL}`, image, publicFilePath: file, hostedPageBackgroundColor: "#1E293B", hostedPagePrimaryColor: "#FDE047" },
    });
    const token = code.metadata.shortToken;
    const { status, headers, document } = await page(token);
    expect(status).toBe(200);
    expectInert(document, token);
    expectHostileAsText(document, [...HOSTILE, LONG_WORD]);
    expect(document.querySelector("p.body")!.textContent).toBe(hostileText);
    expect(document.querySelector("p.body")!.getAttribute("dir")).toBe("auto");
    expect(document.querySelector("h1")!.textContent).toBe(`${SCRIPT} ${RTL}`);
    expect(document.querySelector("title")!.textContent).toBe(`${SCRIPT} ${RTL}`);
    expect(document.querySelector("img.hero")!.getAttribute("src")).toBe(`/files/${image}`);
    // The page opens on its masthead (the band in the primary colour): the image, then the title.
    const masthead = document.querySelector("main > header")!;
    expect([...masthead.children].map((e) => e.tagName)).toEqual(["IMG", "H1"]);
    expect(document.querySelector('meta[property="og:image"]')!.getAttribute("content")).toBe(`https://qr.test/files/${image}`);
    expect(document.querySelector('meta[property="og:title"]')!.getAttribute("content")).toBe(`${SCRIPT} ${RTL}`);
    expect(document.querySelector(`a[href="/files/${file}"]`)).not.toBeNull();
    // Dark background: white text; yellow primary: black text. The rule is pinned by its hash.
    const style = document.querySelector("style")!.textContent!;
    expect(style).toBe(":root{--bg:#1e293b;--fg:#ffffff;--primary:#fde047;--on-primary:#000000}");
    expect(headers.get("content-security-policy")).toBe(
      `default-src 'none'; img-src 'self'; media-src 'self'; style-src 'self' ${await sha256Source(style)}; script-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    );
    expect(headers.get("cache-control")).toBe("no-store");
    expect(headers.get("x-robots-tag")).toBe("noindex");
    expect(headers.get("referrer-policy")).toBe("no-referrer");
    expect(headers.get("x-content-type-options")).toBe("nosniff");
    expect(headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("text: the code's name is the title when the content has none; a remote image is not loaded", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { name: LONG_NAME, type: "text", content: { text: "hi", image: "https://tracker.example/pixel.png", publicFilePath: "https://files.example/menu.pdf" } });
    const { document } = await page(code.metadata.shortToken);
    expectInert(document, code.metadata.shortToken);
    expect(document.querySelector("h1")!.textContent).toBe(LONG_NAME);
    expect(document.querySelectorAll("img")).toHaveLength(0);
    expect(document.querySelector('meta[property="og:image"]')).toBeNull();
    expect(document.querySelector("style")).toBeNull();
    const link = document.querySelector('a[href="https://files.example/menu.pdf"]')!;
    expect(link.getAttribute("rel")).toBe("noopener noreferrer");
  });

  it("links: buttons with uploaded images; names are text; a non-http URL written behind the API's back is not a link", async () => {
    captureVisits();
    const org = await seedOrg();
    const image = await upload(org.writeKey, "logo", "logo.png", LOGO);
    const code = await createCode(org.writeKey, {
      type: "links",
      content: {
        name: RTL,
        links: [
          { url: "https://example.com/a?x=1&y=2", name: SCRIPT, image },
          { url: "https://example.com/b", name: BREAKOUT, image: "https://remote.example/i.png" },
          { url: "https://example.com/c", name: JS_URL },
        ],
      },
    });
    // Validation refuses javascript: URLs at write time; render defensively all the same.
    const stored = { ...code.content, links: [...(code.content.links as object[]), { url: JS_URL, name: "sneaky" }, { url: "data:text/html,<b>x</b>", name: "data" }] };
    await env.DB.prepare("UPDATE qr_codes SET content = ?1 WHERE id = ?2").bind(JSON.stringify(stored), code.id).run();
    const token = code.metadata.shortToken;
    const { status, document } = await page(token);
    expect(status).toBe(200);
    expectInert(document, token);
    expectHostileAsText(document, HOSTILE);
    const anchors = [...document.querySelectorAll("ul.links a")];
    expect(anchors.map((a) => a.getAttribute("href"))).toEqual(["https://example.com/a?x=1&y=2", "https://example.com/b", "https://example.com/c"]);
    for (const a of anchors) expect(a.getAttribute("rel")).toBe("noopener noreferrer");
    expect(anchors[0]!.querySelector("img")!.getAttribute("src")).toBe(`/files/${image}`);
    expect(anchors[1]!.querySelector("img")).toBeNull();
    const inert = [...document.querySelectorAll("ul.links span.inert")].map((s) => s.textContent);
    expect(inert).toEqual(["sneaky", "data"]);
  });

  it("audio: an <audio> player of the uploaded file", async () => {
    captureVisits();
    const org = await seedOrg();
    const audio = await upload(org.writeKey, "audio", "jingle.wav", wavFixture());
    const code = await createCode(org.writeKey, { type: "audio", content: { fileName: audio, name: `${BREAKOUT}${RTL}`, hostedPagePrimaryColor: "#000000" } });
    const { status, document, headers } = await page(code.metadata.shortToken);
    expect(status).toBe(200);
    expectInert(document, code.metadata.shortToken);
    expectHostileAsText(document, [BREAKOUT, RTL]);
    const player = document.querySelector("audio")!;
    expect(player.getAttribute("src")).toBe(`/files/${audio}`);
    expect(player.hasAttribute("controls")).toBe(true);
    expect(document.querySelector("style")!.textContent).toBe(":root{--primary:#000000;--on-primary:#ffffff}");
    expect(headers.get("content-security-policy")).toContain("media-src 'self'");
  });

  it("event: times in UTC for the script, the event's own offset as text, location and description inert, a calendar link", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, {
      type: "event",
      content: { name: `Launch; party, ${SCRIPT}`, eventType: RTL, startDate: "2026-12-10T18:00:00+02:00", endDate: "2026-12-10T21:30:00+02:00", location: BREAKOUT, description: hostileText },
    });
    const token = code.metadata.shortToken;
    const { status, document } = await page(token);
    expect(status).toBe(200);
    expectInert(document, token);
    expectHostileAsText(document, [...HOSTILE, LONG_WORD]);
    const times = [...document.querySelectorAll("time[data-local]")];
    expect(times.map((t) => t.getAttribute("datetime"))).toEqual(["2026-12-10T16:00:00.000Z", "2026-12-10T19:30:00.000Z"]);
    expect(times[0]!.textContent).toMatch(/^Thursday,? 10 December 2026\D+18:00 \(UTC\+02:00\)$/);
    expect(times[1]!.textContent).toContain("21:30 (UTC+02:00)");
    expect(document.querySelector("script")!.getAttribute("src")).toBe(LOCALE_SCRIPT_PATH);
    expect(document.querySelector(`a[href="/p/${token}/event.ics"]`)).not.toBeNull();
    expect(document.querySelector('meta[property="og:description"]')!.getAttribute("content")).toContain(BREAKOUT);
  });

  it("vcard: a contact card with Save contact; every field is text", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, {
      type: "vcard",
      content: { ...SAMPLES.vcard.content, firstName: SCRIPT, lastName: RTL, jobTitle: BREAKOUT, note: PREFIX + LONG_WORD.slice(0, 1500), url: "https://ada.example/?a=1&b=2" },
    });
    const token = code.metadata.shortToken;
    const { status, document } = await page(token);
    expect(status).toBe(200);
    expectInert(document, token);
    expectHostileAsText(document, [...HOSTILE, LONG_WORD.slice(0, 1500)]);
    expect(document.querySelector("h1")!.textContent).toBe(`${SCRIPT} ${RTL}`);
    // Its mark is the initials: the first letter of each name, never a symbol or a bidi control.
    expect(document.querySelector("header [aria-hidden=true]")!.textContent).toBe("SG");
    expect(document.querySelector(`a[href="/p/${token}/contact.vcf"]`)!.textContent).toBe("Save contact");
    expect(document.querySelector('a[href^="tel:"]')!.getAttribute("href")).toBe("tel:+442079460000");
    expect(document.querySelector('a[href^="mailto:"]')!.getAttribute("href")).toBe("mailto:ada@example.com");
    expect(document.querySelector('a[href="https://ada.example/?a=1&b=2"]')!.getAttribute("rel")).toBe("noopener noreferrer");
  });
});

describe("downloads behind the pages", () => {
  it("event.ics: one VEVENT in UTC, text escaped by the library, as an attachment", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, {
      type: "event",
      content: { name: "Launch; party, 2026", startDate: "2026-12-10T18:00:00+02:00", endDate: "2026-12-10T21:30:00+02:00", location: "Quai 7, Paris", description: "Doors at six\nBring a friend; or two" },
    });
    const res = await get(`/p/${code.metadata.shortToken}/event.ics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="event.ics"');
    const lines = res.text.replace(/\r\n[ \t]/g, "").split("\r\n");
    expect(lines[0]).toBe("BEGIN:VCALENDAR");
    expect(lines).toContain("BEGIN:VEVENT");
    expect(lines).toContain("DTSTART:20261210T160000Z");
    expect(lines).toContain("DTEND:20261210T193000Z");
    expect(lines).toContain("SUMMARY:Launch\\; party\\, 2026");
    expect(lines).toContain("LOCATION:Quai 7\\, Paris");
    expect(lines).toContain("DESCRIPTION:Doors at six\\nBring a friend\\; or two");
    expect(lines).toContain(`UID:${code.id}@qr.test`);
    expect(lines.filter((l) => l === "END:VCALENDAR")).toHaveLength(1);
  });

  it("contact.vcf is vcardOf(content)", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "vcard", content: { ...SAMPLES.vcard.content, note: "Line one\nLine; two, three" } });
    const res = await get(`/p/${code.metadata.shortToken}/contact.vcf`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/vcard; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="contact.vcf"');
    expect(res.text).toBe(vcardOf(code.content as ContentOf<"vcard">));
  });

  it("each download exists only for its type", async () => {
    captureVisits();
    const org = await seedOrg();
    const text = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content });
    const event = await createCode(org.writeKey, { type: "event", content: SAMPLES.event.content });
    expect((await get(`/p/${text.metadata.shortToken}/event.ics`)).status).toBe(404);
    expect((await get(`/p/${text.metadata.shortToken}/contact.vcf`)).status).toBe(404);
    expect((await get(`/p/${event.metadata.shortToken}/contact.vcf`)).status).toBe(404);
  });
});

describe("what is not a page", () => {
  it("unknown, malformed, deleted and non-hosted tokens answer the 404 page", async () => {
    captureVisits();
    const org = await seedOrg();
    const url = await createCode(org.writeKey, { type: "url", content: SAMPLES.url.content });
    const deleted = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content });
    expect((await call("DELETE", `/qr_codes/${deleted.id}`, { key: org.writeKey })).status).toBe(204);
    for (const token of [url.metadata.shortToken, deleted.metadata.shortToken, "Zz9Zz9Zz", "short", "waytoolongtoken", "abc$defg", "%3Cscript%3E"]) {
      const res = await page(token);
      expect(res.status, token).toBe(404);
      expect(res.document.querySelector("h1")!.textContent).toBe("This QR code leads nowhere");
      expect(res.headers.get("content-security-policy")).toMatch(/^default-src 'none';/);
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("a code outside its validity window shows the inactive page", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content, limits: { validFrom: "2099-01-01T00:00:00+00:00" } });
    const res = await page(code.metadata.shortToken);
    expect(res.status).toBe(410);
    expect(res.document.querySelector("h1")!.textContent).toBe("This QR code is not active yet");
  });

  it("the assets are served at content-hashed paths, immutable; others are 404", async () => {
    const css = await get(STYLESHEET_PATH);
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(css.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const js = await get(LOCALE_SCRIPT_PATH);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.text).toContain("Intl.DateTimeFormat");
    const icon = await get(ICON_PATH);
    expect(icon.status).toBe(200);
    expect(icon.headers.get("content-type")).toBe("image/svg+xml");
    expect((await get("/assets/page-00000000.css")).status).toBe(404);
  });
});

describe("views and cost", () => {
  it("each view is enqueued as a view of the code", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "text", content: SAMPLES.text.content });
    expect((await page(code.metadata.shortToken)).status).toBe(200);
    expect((await page(code.metadata.shortToken)).status).toBe(200);
    const events = await waitFor(2, code.id, { atLeast: true });
    expect(events.map((e) => [e.kind, e.codeId, e.orgId])).toEqual([
      ["view", code.id, org.orgId],
      ["view", code.id, org.orgId],
    ]);
  });

  it("a second view comes from the cache without reading D1; an edit is seen at once", async () => {
    const { waitFor } = captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "text", content: { text: "first version" } });
    const token = code.metadata.shortToken;
    // A version is cached once it is a few seconds old (updatedAt has one-second resolution).
    const old = "2026-01-01T00:00:00+00:00";
    await env.DB.prepare("UPDATE qr_codes SET updated_at = ?1 WHERE id = ?2").bind(old, code.id).run();
    await env.LINKS.put(token, JSON.stringify({ ...(await env.LINKS.get<object>(token, "json")), updatedAt: old }));
    // Settled: the cache write made after the first response has landed.
    const first = await fetchSettled(new Request(`https://qr.test/p/${token}`));
    expect(parseHTML(await first.text()).document.querySelector("p.body")!.textContent).toBe("first version");
    await waitFor(1, code.id, { atLeast: true });
    const prepare = vi.spyOn(env.DB, "prepare");
    const second = await page(token);
    expect(second.document.querySelector("p.body")!.textContent).toBe("first version");
    await waitFor(2, code.id, { atLeast: true });
    expect(prepare.mock.calls.filter(([sql]) => /qr_codes/.test(sql))).toEqual([]);
    prepare.mockRestore();

    const put = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "code", type: "text", content: { text: "second version" } } });
    expect(put.status, put.text).toBe(200);
    expect((await page(token)).document.querySelector("p.body")!.textContent).toBe("second version");
  });

  it("without a KV record D1 answers, and the record is put back", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "text", content: { text: "from D1" } });
    const token = code.metadata.shortToken;
    await env.LINKS.delete(token);
    expect((await page(token)).document.querySelector("p.body")!.textContent).toBe("from D1");
    let record: unknown = null;
    for (let i = 0; i < 100 && !record; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      record = await env.LINKS.get(token, "json");
    }
    expect(record).toMatchObject({ codeId: code.id, type: "text" });
  });
});

describe("hosted page cache keys", () => {
  it("edits within the same second never show a stale page (the key is the code's version)", async () => {
    captureVisits();
    const org = await seedOrg();
    const code = await createCode(org.writeKey, { type: "text", content: { text: "first" } });
    const token = code.metadata.shortToken;
    expect((await page(token)).document.body.textContent).toContain("first");
    for (const text of ["second", "third", "fourth"]) {
      const res = await call("PUT", `/qr_codes/${code.id}`, { key: org.writeKey, body: { name: "code", type: "text", content: { text } } });
      expect(res.status).toBe(200);
      // Twice: the first view may fill the cache, the second must read it back with the same content.
      expect((await page(token)).document.body.textContent).toContain(text);
      expect((await page(token)).document.body.textContent).toContain(text);
    }
  });
});
