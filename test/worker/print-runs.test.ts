import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { unzipSync, unzlibSync, strFromU8 } from "fflate";
import { PDFArray, PDFDocument, PDFHexString, PDFName, PDFNumber, PDFRawStream } from "pdf-lib";
import { crc32 } from "../../src/lib/crc32";
import { describe, expect, it } from "vitest";
import { consumeVisits } from "../../src/analytics/consumer";
import type { VisitEvent } from "../../src/analytics/event";
import { unexpectedErrorCount } from "../../src/http/errors";
import { PRINT_RUN_MAX_BYTES } from "../../src/http/qr-codes/print-runs";
import { decodeRgba, expectDecoded, expectScans, expectSvgScans, readPng, type RgbaImage } from "../support/decode";
import { call, seedOrg, type TestOrg } from "./qr-support";

/** Print runs (POST /print_runs and what hangs off a run), through HTTP in workerd. */

const TEMPLATE = {
  name: "Table",
  type: "url",
  content: { url: "https://example.com/menu" },
  appearance: { dotsOptionsType: "rounded", dotsOptionsColor: "#1e3a8a", cornersSquareOptionsType: "extra-rounded" },
  tags: ["menu"],
};

const createRun = (org: TestOrg, body: unknown, headers: Record<string, string> = {}) => call("POST", "/print_runs", { key: org.writeKey, body, headers, settle: true });

async function madeRun(org: TestOrg, body: unknown = { code: TEMPLATE, count: 12, labelPattern: "Table {n}" }) {
  const res = await createRun(org, body);
  expect(res.status, res.text.slice(0, 800)).toBe(201);
  return res.json;
}

function scan(code: { id: string }, orgId: string, visitor: string): VisitEvent {
  return {
    id: crypto.randomUUID(),
    at: "2026-11-20T10:00:00+00:00",
    codeId: code.id,
    orgId,
    kind: "scan",
    country: "FR",
    region: null,
    city: null,
    device: "mobile",
    os: "iOS",
    browser: "Mobile Safari",
    referrerHost: null,
    bot: false,
    botReason: null,
    visitor,
    outcome: "target",
    rule: null,
    variant: null,
  } as VisitEvent;
}

async function consume(events: VisitEvent[]) {
  const batch = createMessageBatch("edge-qr-scans", events.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })));
  await consumeVisits(batch, env);
  await getQueueResult(batch, createExecutionContext());
}

/** A PNG file around an image XObject whose data is PNG's own (FlateDecode with /Predictor 15), as the sheet embeds ours. */
function pngOfImage(stream: PDFRawStream): Uint8Array {
  const get = (key: string) => stream.dict.get(PDFName.of(key));
  const width = (get("Width") as PDFNumber).asNumber();
  const height = (get("Height") as PDFNumber).asNumber();
  const bits = (get("BitsPerComponent") as PDFNumber).asNumber();
  const space = get("ColorSpace");
  const indexed = space instanceof PDFArray;
  const chunk = (type: string, body: Uint8Array) => {
    const out = new Uint8Array(12 + body.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, body.length);
    out.set(new TextEncoder().encode(type), 4);
    out.set(body, 8);
    view.setUint32(8 + body.length, crc32(type, body));
    return out;
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([bits, indexed ? 3 : 2, 0, 0, 0], 8);
  const parts = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a), chunk("IHDR", header)];
  if (indexed) parts.push(chunk("PLTE", ((space as PDFArray).get(3) as PDFHexString).asBytes()));
  parts.push(chunk("IDAT", stream.contents), chunk("IEND", new Uint8Array(0)));
  const png = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (png.set(p, at), at + p.length), 0);
  return png;
}

/** The image XObjects of a PDF in the order they were embedded (objects are numbered as they are made), as RGBA. */
function pdfImages(doc: PDFDocument): RgbaImage[] {
  const images: { n: number; image: RgbaImage }[] = [];
  for (const [ref, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream) || object.dict.get(PDFName.of("Subtype")) !== PDFName.of("Image")) continue;
    // The renderer's PNGs go in as they are: PNG's predictor, no soft mask (they are opaque).
    expect(object.dict.get(PDFName.of("DecodeParms"))?.toString()).toContain("/Predictor 15");
    expect(object.dict.get(PDFName.of("SMask"))).toBeUndefined();
    images.push({ n: ref.objectNumber, image: readPng(pngOfImage(object)) });
  }
  return images.sort((a, b) => a.n - b.n).map(({ image }) => image);
}

/** A page's content stream(s) as text. */
function pageSource(doc: PDFDocument, index: number): string {
  const contents = doc.getPage(index).node.Contents();
  const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => doc.context.lookup(ref)) : [contents];
  return streams
    .map((stream) => {
      const raw = stream as PDFRawStream;
      return strFromU8(raw.dict.get(PDFName.of("Filter")) !== undefined ? unzlibSync(raw.contents) : raw.contents, true);
    })
    .join("\n");
}

/** The text a page shows (pdf-lib writes each string as hex before Tj). */
function pageText(doc: PDFDocument, index: number): string[] {
  return [...pageSource(doc, index).matchAll(/<([0-9A-Fa-f]*)> Tj/g)].map((match) => match[1]!.replace(/../g, (h) => String.fromCharCode(parseInt(h, 16))));
}

describe("POST /print_runs", () => {
  it("makes 12 serialised children that share the template's target and appearance, each with its own short link", async () => {
    const org = await seedOrg();
    const res = await createRun(org, { code: TEMPLATE, count: 12, labelPattern: "Table {n}" });
    expect(res.status, res.text.slice(0, 500)).toBe(201);
    expect(res.headers.get("Content-Type")).toBe("application/ld+json; charset=utf-8");
    const run = res.json;
    expect(res.headers.get("Location")).toBe(`/print_runs/${run.id}`);
    expect(run).toMatchObject({ "@type": "PrintRun", name: "Table", size: 12, analytics: { scans: 0, views: 0 } });
    expect(run.codes.map((c: any) => c.label)).toEqual(Array.from({ length: 12 }, (_, i) => `Table ${i + 1}`));
    expect(run.codes.map((c: any) => c.serial)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(run.codes.map((c: any) => c.shortToken)).size).toBe(12);
    for (const child of run.codes) expect(child.dynamicUrl).toBe(`https://qr.test/r/${child.shortToken}`);

    // Each child is an ordinary code: named by its label, the template's design and tags, its own token.
    const seventh = await call("GET", `/qr_codes/${run.codes[6].id}`, { key: org.readKey });
    expect(seventh.status).toBe(200);
    expect(seventh.json).toMatchObject({ name: "Table 7", type: "url", content: { url: "https://example.com/menu" }, tags: ["menu"], metadata: { shortToken: run.codes[6].shortToken } });
    expect(seventh.json.appearance).toMatchObject(TEMPLATE.appearance);
    const list = await call("GET", "/qr_codes?tag=menu", { key: org.readKey });
    expect(list.json.totalItems).toBe(12);

    // Every short link redirects to the shared target, from KV.
    for (const child of run.codes) {
      const redirect = await exports.default.fetch(new Request(child.dynamicUrl, { redirect: "manual", headers: { "User-Agent": "curl/8" } }));
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get("Location")).toBe("https://example.com/menu");
      expect(await env.LINKS.get(child.shortToken)).not.toBeNull();
    }
  });

  it("labels with letters, zero-padded numbers from any start, or an explicit list", async () => {
    const org = await seedOrg();
    const letters = await madeRun(org, { code: { ...TEMPLATE, name: "Flyer" }, count: 28, labelPattern: "Flyer batch {A}" });
    expect(letters.codes.map((c: any) => c.label).slice(24)).toEqual(["Flyer batch Y", "Flyer batch Z", "Flyer batch AA", "Flyer batch AB"]);
    const padded = await madeRun(org, { code: TEMPLATE, count: 3, labelPattern: "Seat {n:3}", start: 41 });
    expect(padded.codes.map((c: any) => c.label)).toEqual(["Seat 041", "Seat 042", "Seat 043"]);
    const byDefault = await madeRun(org, { code: { ...TEMPLATE, name: "Room" }, count: 2 });
    expect(byDefault.codes.map((c: any) => c.label)).toEqual(["Room 1", "Room 2"]);
    const listed = await madeRun(org, { code: TEMPLATE, labels: ["Terrace", " Bar ", "Κήπος"] });
    expect(listed.codes.map((c: any) => c.label)).toEqual(["Terrace", "Bar", "Κήπος"]);
  });

  it("lists a run's children in serial order, page by page, and the organization's runs", async () => {
    const org = await seedOrg();
    const run = await madeRun(org, { code: TEMPLATE, count: 150, labelPattern: "T{n}" });
    const first = await call("GET", `/print_runs/${run.id}/codes`, { key: org.readKey });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ "@type": "Collection", totalItems: 150, view: { next: `/print_runs/${run.id}/codes?page=2` } });
    expect(first.json.member).toHaveLength(100);
    const second = await call("GET", `/print_runs/${run.id}/codes?page=2`, { key: org.readKey });
    expect([...first.json.member, ...second.json.member].map((c: any) => c.label)).toEqual(Array.from({ length: 150 }, (_, i) => `T${i + 1}`));
    expect(second.json.member[0]).toEqual({ ...run.codes[100], analytics: { scans: 0, views: 0 } });
    const runs = await call("GET", "/print_runs", { key: org.readKey });
    expect(runs.json.totalItems).toBe(1);
    expect(runs.json.member[0]).toMatchObject({ id: run.id, size: 150 });
  });

  it("rolls its children's scans up on the run, each child keeping its own", async () => {
    const org = await seedOrg();
    const run = await madeRun(org);
    const [one, two, three] = run.codes;
    await consume([scan(one, org.orgId, "a"), scan(one, org.orgId, "b"), scan(two, org.orgId, "c"), scan(three, org.orgId, "d"), scan(three, org.orgId, "e"), scan(three, org.orgId, "f")]);
    const got = await call("GET", `/print_runs/${run.id}`, { key: org.readKey });
    expect(got.status).toBe(200);
    expect(got.json.analytics).toEqual({ scans: 6, views: 0 });
    const children = await call("GET", `/print_runs/${run.id}/codes`, { key: org.readKey });
    expect(children.json.member.slice(0, 4).map((c: any) => c.analytics.scans)).toEqual([2, 1, 3, 0]);
    const third = await call("GET", `/qr_codes/${three.id}`, { key: org.readKey });
    expect(third.json.analytics.scans).toBe(3);
    // The summary over every child, from the daily rollups, as a code's and the organization's.
    const summary = await call("GET", `/print_runs/${run.id}/scans?from=2026-11-01&to=2026-12-01`, { key: org.readKey });
    expect(summary.status).toBe(200);
    expect(summary.json).toMatchObject({ "@type": "PrintRunScanSummary", totals: { all: 6, human: 6, unique: 6, bots: 0 } });
    expect(summary.json.breakdowns.byDay).toEqual([{ day: "2026-11-20", humans: 6, bots: 0, unique: 6 }]);
    expect(summary.json.breakdowns.byCountry).toEqual([{ value: "FR", humans: 6, bots: 0 }]);
    // Another run of the organization, and a code outside any run, are not in it.
    const other = await madeRun(org, { code: TEMPLATE, count: 1 });
    await consume([scan(other.codes[0], org.orgId, "g")]);
    const again = await call("GET", `/print_runs/${run.id}/scans?from=2026-11-01&to=2026-12-01`, { key: org.readKey });
    expect(again.json.totals.human).toBe(6);
    expect((await call("GET", `/print_runs/${run.id}/scans?from=tomorrow`, { key: org.readKey })).status).toBe(400);
  });

  it("replays its answer for a retried Idempotency-Key instead of making a second run", async () => {
    const org = await seedOrg();
    const key = crypto.randomUUID();
    const body = { code: TEMPLATE, count: 3 };
    const first = await createRun(org, body, { "Idempotency-Key": key });
    const again = await createRun(org, body, { "Idempotency-Key": key });
    expect(again.status).toBe(201);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(again.json).toEqual(first.json);
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(3);
    const other = await createRun(org, { ...body, count: 4 }, { "Idempotency-Key": key });
    expect(other.status).toBe(422);
  });

  it("makes 1,000 children in one call (D1 batches); a download larger than one draws is refused, and taken in parts", async () => {
    const org = await seedOrg();
    const run = await madeRun(org, { code: TEMPLATE, count: 1000, labelPattern: "Card {n}" });
    expect(run.codes).toHaveLength(1000);
    expect(run.codes[999].label).toBe("Card 1000");
    const pending = await env.DB.prepare("SELECT COUNT(*) AS n FROM redirect_sync r JOIN qr_codes c ON c.short_token = r.token WHERE c.org_id = ?1").bind(org.orgId).first<{ n: number }>();
    expect(pending!.n).toBe(0);
    // 2,000 px codes: 90 a download (360 million pixels), 100 mm on a sheet: 257.
    const big = await call("GET", `/print_runs/${run.id}/download?format=zip-png&size=2000`, { key: org.readKey });
    expect(big.status).toBe(400);
    expect(big.json.violations).toEqual([{ propertyPath: "from", message: expect.stringContaining("at most 90 codes and these are 1000") }]);
    const sheet = await call("GET", `/print_runs/${run.id}/download?format=pdf&codeSize=100&from=1&to=258`, { key: org.readKey });
    expect(sheet.status).toBe(400);
    expect(sheet.json.violations[0].message).toContain("at most 257 codes and these are 258");
    const part = await call("GET", `/print_runs/${run.id}/download?format=zip-svg&from=996`, { key: org.readKey });
    expect(part.status).toBe(200);
    const files = unzipSync(part.bytes);
    expect(Object.keys(files)).toEqual(["0996 Card 996.svg", "0997 Card 997.svg", "0998 Card 998.svg", "0999 Card 999.svg", "1000 Card 1000.svg", "index.csv"]);
    await expectSvgScans(strFromU8(files["1000 Card 1000.svg"]!), 400, run.codes[999].dynamicUrl);
    const backwards = await call("GET", `/print_runs/${run.id}/download?from=5&to=4`, { key: org.readKey });
    expect(backwards.json.violations[0].propertyPath).toBe("to");
    const deleted = await call("DELETE", `/print_runs/${run.id}`, { key: org.writeKey, settle: true });
    expect(deleted.status).toBe(204);
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(0);
  }, 60_000);
});

describe("GET /print_runs/{id}/download", () => {
  it("zips one PNG per child (stored, not deflated again), each decoding to its child's short link", async () => {
    const org = await seedOrg();
    const run = await madeRun(org);
    const res = await call("GET", `/print_runs/${run.id}/download?format=zip-png&size=400`, { key: org.readKey });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/zip");
    expect(res.headers.get("Content-Disposition")).toContain(`filename="print-run-${run.id}.zip"`);
    const files = unzipSync(res.bytes);
    const names = Object.keys(files);
    expect(names).toEqual([...run.codes.map((c: any) => `${String(c.serial).padStart(3, "0")} ${c.label}.png`), "index.csv"]);
    for (const child of run.codes) await expectScans(files[`${String(child.serial).padStart(3, "0")} ${child.label}.png`]!, child.dynamicUrl);
    const index = strFromU8(files["index.csv"]!).trim().split("\r\n");
    expect(index[0]).toBe("serial,label,file,id,dynamic_url");
    expect(index[7]).toBe(`7,Table 7,007 Table 7.png,${run.codes[6].id},${run.codes[6].dynamicUrl}`);
  });

  it("zips one SVG per child, each rasterised and decoded to its child's short link", async () => {
    const org = await seedOrg();
    const run = await madeRun(org);
    const res = await call("GET", `/print_runs/${run.id}/download?format=zip-svg`, { key: org.readKey });
    expect(res.status).toBe(200);
    const files = unzipSync(res.bytes);
    for (const child of run.codes) {
      const svg = strFromU8(files[`${String(child.serial).padStart(3, "0")} ${child.label}.svg`]!);
      expect(svg.startsWith("<svg") || svg.startsWith("<?xml")).toBe(true);
      await expectSvgScans(svg, 400, child.dynamicUrl);
    }
  });

  it("draws a PDF sheet: every code at 300 dpi and at least 2 cm, labelled, each decoding to its child's short link", async () => {
    const org = await seedOrg();
    const run = await madeRun(org);
    const res = await call("GET", `/print_runs/${run.id}/download?format=pdf&paper=letter&codeSize=30`, { key: org.readKey });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/pdf");
    const doc = await PDFDocument.load(res.bytes);
    expect(doc.getTitle()).toBe("Table");
    const page = doc.getPage(0);
    expect(page.getSize()).toEqual({ width: 612, height: 792 });
    const images = pdfImages(doc);
    expect(images).toHaveLength(12);
    for (const [i, image] of images.entries()) {
      expect(image.width).toBe(Math.ceil((30 / 25.4) * 300)); // 355 px: 30 mm at 300 dpi
      expectDecoded(await decodeRgba(image), run.codes[i].dynamicUrl);
    }
    const texts = Array.from({ length: doc.getPageCount() }, (_, i) => pageText(doc, i)).flat();
    for (const child of run.codes) expect(texts).toContain(child.label);
    // Each image is drawn at 30 mm: the page's content stream scales it to 85.04 pt.
    expect(pageSource(doc, 0)).toMatch(/85\.0393\d* 0 0 85\.0393\d* /);
  });

  it("spreads a larger run over pages, and prints a label in a script the standard font lacks as ?", async () => {
    const org = await seedOrg();
    const run = await madeRun(org, { code: TEMPLATE, labels: [...Array.from({ length: 29 }, (_, i) => `Seat ${i + 1}`), "Κήπος"] });
    const res = await call("GET", `/print_runs/${run.id}/download?format=pdf`, { key: org.readKey });
    expect(res.status).toBe(200);
    const doc = await PDFDocument.load(res.bytes);
    // A4 at 40 mm: 4 columns, 5 rows.
    expect(doc.getPageCount()).toBe(2);
    expect(pdfImages(doc)).toHaveLength(30);
    expect(pageText(doc, 1)).toContain("?????");
  });

  it("answers a bad option with a 400 naming it, and a size too small for the code with the smallest that works", async () => {
    const org = await seedOrg();
    const run = await madeRun(org, { code: TEMPLATE, count: 2 });
    for (const [query, field] of [
      ["format=gif", "format"],
      ["paper=a3", "paper"],
      ["codeSize=10", "codeSize"],
      ["codeSize=abc", "codeSize"],
      ["size=99999", "size"],
      ["margin=-1", "margin"],
      ["format=zip-png&size=12", "size"],
    ]) {
      const res = await call("GET", `/print_runs/${run.id}/download?${query}`, { key: org.readKey });
      expect(res.status, query).toBe(400);
      expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      expect(res.json.violations.map((v: any) => v.propertyPath), query).toContain(field);
    }
  });

  it("never answers a fuzzed download query with a 5xx", async () => {
    const org = await seedOrg();
    const run = await madeRun(org, { code: TEMPLATE, count: 2 });
    const value = fc.oneof(fc.constantFrom("pdf", "zip-png", "zip-svg", "a4", "letter", "", "0", "1", "2", "20", "100", "300", "-1", "1e3", "abc", "%00"), fc.integer({ min: -10, max: 3000 }).map(String), fc.string({ maxLength: 6 }));
    const query = fc.dictionary(fc.constantFrom("format", "size", "margin", "paper", "codeSize", "from", "to", "page"), value, { maxKeys: 5 });
    const before = unexpectedErrorCount();
    await fc.assert(
      fc.asyncProperty(query, async (params) => {
        const res = await call("GET", `/print_runs/${run.id}/download?${new URLSearchParams(params)}`, { key: org.readKey });
        expect([200, 400], JSON.stringify(params)).toContain(res.status);
      }),
      { numRuns: 40 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  }, 120_000);
});

describe("print runs: bad input, permissions, tenants, deletion", () => {
  it("answers bad bodies with 400 problem+json and one violation each, writing nothing", async () => {
    const org = await seedOrg();
    const cases: [unknown, string][] = [
      [{ code: TEMPLATE }, "count"],
      [{ code: TEMPLATE, count: 2, labels: ["a", "b"] }, "count"],
      [{ code: TEMPLATE, count: 0 }, "count"],
      [{ code: TEMPLATE, count: 1001 }, "count"],
      [{ code: TEMPLATE, count: 2, labelPattern: "Same" }, "labelPattern"],
      [{ code: TEMPLATE, labels: ["a", "b"], start: 3 }, "start"],
      [{ code: TEMPLATE, labels: ["a", "a"] }, "labels.1"],
      [{ code: TEMPLATE, labels: ["a", " "] }, "labels.1"],
      [{ code: TEMPLATE, labels: ["x".repeat(65)] }, "labels.0"],
      [{ code: TEMPLATE, count: 2, labelPattern: "x".repeat(60) + "{n:9}" }, "labelPattern"],
      [{ code: { ...TEMPLATE, content: { url: "ftp://nope" } }, count: 2 }, "code.content.url"],
      [{ code: { ...TEMPLATE, appearance: { dotsOptionsColour: "#000000" } }, count: 2 }, "code.appearance.dotsOptionsColour"],
      [{ code: { name: "Wi-Fi", type: "wifi", content: { ssid: "guests", encryption: "nopass" } }, count: 2 }, "code.type"],
      [{ count: 2 }, "code"],
    ];
    for (const [body, field] of cases) {
      const res = await createRun(org, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      expect(res.json.violations.map((v: any) => v.propertyPath), JSON.stringify(body)).toContain(field);
    }
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(0);
    expect((await call("GET", "/print_runs", { key: org.readKey })).json.totalItems).toBe(0);
  });

  it("refuses a body over 256 KB with 413 problem+json while it streams, writing nothing", async () => {
    const org = await seedOrg();
    // Refused for its size before anything reads it as a run (its labels are too long as well: a 400 otherwise).
    const body = JSON.stringify({ code: TEMPLATE, labels: Array.from({ length: 1000 }, (_, i) => `${i} ${"x".repeat(300)}`) });
    expect(body.length).toBeGreaterThan(PRINT_RUN_MAX_BYTES);
    const res = await call("POST", "/print_runs", { key: org.writeKey, body });
    expect(res.status).toBe(413);
    expect(res.headers.get("Content-Type")).toContain("application/problem+json");
    expect(res.json.detail).toContain(String(PRINT_RUN_MAX_BYTES));
    // Just under the cap, the same kind of body is read and answered on its merits.
    const under = await call("POST", "/print_runs", { key: org.writeKey, body: JSON.stringify({ code: TEMPLATE, labels: Array.from({ length: 600 }, (_, i) => `${i} ${"x".repeat(300)}`) }) });
    expect(under.status).toBe(400);
    expect((await call("GET", "/print_runs", { key: org.readKey })).json.totalItems).toBe(0);
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(0);
  });

  it("never answers a fuzzed body with a 5xx", async () => {
    const org = await seedOrg();
    const anyValue = fc.oneof(fc.string({ maxLength: 12 }), fc.integer({ min: -5, max: 1100 }), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }));
    const body = fc.oneof(
      fc.record(
        {
          code: fc.oneof(fc.constant(TEMPLATE), fc.record({ name: anyValue, type: fc.oneof(fc.constantFrom("url", "wifi", "text"), anyValue), content: fc.oneof(fc.record({ url: anyValue }), anyValue) }, { requiredKeys: [] }), anyValue),
          count: fc.oneof(fc.integer({ min: -1, max: 4 }), anyValue),
          labelPattern: fc.oneof(fc.constantFrom("T {n}", "{A}", "{n:3}", "{a}{n}", "{", "{n:0}", "{x}"), fc.string({ unit: "grapheme", maxLength: 70 }), anyValue),
          start: fc.oneof(fc.integer({ min: -2, max: 1_000_002 }), anyValue),
          labels: fc.oneof(fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 70 }), anyValue), { maxLength: 4 }), anyValue),
        },
        { requiredKeys: [] },
      ),
      anyValue,
    );
    const before = unexpectedErrorCount();
    await fc.assert(
      fc.asyncProperty(body, async (b) => {
        const res = await createRun(org, b);
        expect(res.status, JSON.stringify(b)).toBeLessThan(500);
        expect([201, 400]).toContain(res.status);
      }),
      { numRuns: 120 },
    );
    expect(unexpectedErrorCount()).toBe(before);
  }, 60_000);

  it("lets a read-only key read and download but not make or delete a run", async () => {
    const org = await seedOrg();
    const denied = await call("POST", "/print_runs", { key: org.readKey, body: { code: TEMPLATE, count: 2 } });
    expect(denied.status).toBe(403);
    const run = await madeRun(org, { code: TEMPLATE, count: 2 });
    expect((await call("GET", `/print_runs/${run.id}`, { key: org.readKey })).status).toBe(200);
    expect((await call("GET", `/print_runs/${run.id}/download?format=zip-svg`, { key: org.readKey })).status).toBe(200);
    expect((await call("DELETE", `/print_runs/${run.id}`, { key: org.readKey })).status).toBe(403);
    expect((await call("GET", `/print_runs/${run.id}`)).status).toBe(401);
  });

  it("answers another organization's run as missing, byte for byte as a run that does not exist", async () => {
    const owner = await seedOrg();
    const other = await seedOrg();
    const run = await madeRun(owner, { code: TEMPLATE, count: 2 });
    const missing = "0193a1b2c3d4e5f6a7b8c9e0";
    for (const [method, suffix] of [
      ["GET", ""],
      ["GET", "/codes"],
      ["GET", "/scans"],
      ["GET", "/download?format=pdf"],
      ["DELETE", ""],
    ] as const) {
      const theirs = await call(method, `/print_runs/${run.id}${suffix}`, { key: other.writeKey });
      const none = await call(method, `/print_runs/${missing}${suffix}`, { key: other.writeKey });
      expect(theirs.status, `${method} ${suffix}`).toBe(404);
      expect(theirs.json.detail).toBe("Print run not found");
      expect({ ...theirs.json, instance: undefined }).toEqual({ ...none.json, instance: undefined });
    }
    expect((await call("GET", "/print_runs", { key: other.readKey })).json.totalItems).toBe(0);
    expect((await call("GET", `/print_runs/${run.id}`, { key: owner.readKey })).status).toBe(200);
  });

  it("deletes the run with its children: their short links stop resolving; a child deleted alone leaves the run", async () => {
    const org = await seedOrg();
    const run = await madeRun(org, { code: TEMPLATE, count: 3 });
    const alone = await call("DELETE", `/qr_codes/${run.codes[0].id}`, { key: org.writeKey, settle: true });
    expect(alone.status).toBe(204);
    const after = await call("GET", `/print_runs/${run.id}`, { key: org.readKey });
    expect(after.json.size).toBe(2);
    const res = await call("DELETE", `/print_runs/${run.id}`, { key: org.writeKey, settle: true });
    expect(res.status).toBe(204);
    expect((await call("GET", `/print_runs/${run.id}`, { key: org.readKey })).status).toBe(404);
    for (const child of run.codes) {
      expect((await call("GET", `/qr_codes/${child.id}`, { key: org.readKey })).status).toBe(400);
      const redirect = await exports.default.fetch(new Request(child.dynamicUrl, { redirect: "manual", headers: { "User-Agent": "curl/8" } }));
      expect(redirect.status).toBe(404);
      expect(await env.LINKS.get(child.shortToken)).toBeNull();
    }
  });
});
