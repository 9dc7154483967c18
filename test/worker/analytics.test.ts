import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { consumeVisits } from "../../src/analytics/consumer";
import type { VisitEvent } from "../../src/analytics/event";
import { expireVisitorsBefore } from "../../src/db/analytics";
import worker from "../../src/index";
import { call, seedOrg, type TestOrg } from "./qr-support";

// Scan and page-view collections: events go through the real queue consumer, codes and reads
// through HTTP.

const CODE_BODIES = {
  url: { name: "Poster", type: "url", content: { url: "https://example.com/poster" } },
  text: { name: "Menu", type: "text", content: { text: "Today: soup" } },
  wifi: { name: "Guest Wi-Fi", type: "wifi", content: { ssid: "guests", password: "welcome123", encryption: "WPA" } },
} as const;

async function createCode(org: TestOrg, type: keyof typeof CODE_BODIES): Promise<string> {
  const res = await call("POST", "/qr_codes", { key: org.writeKey, body: CODE_BODIES[type] });
  expect(res.status).toBe(201);
  return res.json.id;
}

type Code = { id: string; orgId: string };

/** A human scan on an iPhone from France unless told otherwise. */
function visit(code: Code, at: string, overrides: Partial<VisitEvent> = {}): VisitEvent {
  return {
    id: crypto.randomUUID(),
    at,
    codeId: code.id,
    orgId: code.orgId,
    kind: "scan",
    country: "FR",
    region: "Île-de-France",
    city: "Paris",
    device: "mobile",
    os: "iOS",
    browser: "Mobile Safari",
    referrerHost: null,
    bot: false,
    botReason: null,
    visitor: "visitor-a",
    outcome: "target",
    rule: null,
    variant: null,
    ...overrides,
  };
}

const bot = (reason: VisitEvent["botReason"], overrides: Partial<VisitEvent> = {}): Partial<VisitEvent> => ({
  bot: true,
  botReason: reason,
  device: "bot",
  os: null,
  browser: null,
  visitor: `bot-${crypto.randomUUID()}`,
  ...overrides,
});

const messagesOf = (bodies: unknown[]) => bodies.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body }));

/** Runs the consumer on one batch and returns what it reported and what it acked. */
async function consume(bodies: unknown[]) {
  const batch = createMessageBatch("edge-qr-scans", messagesOf(bodies));
  const written = await consumeVisits(batch, env);
  const result = await getQueueResult(batch, createExecutionContext());
  return { written, result };
}

const get = (org: TestOrg, path: string) => call("GET", path, { key: org.readKey });

async function rawRowCount(codeId: string): Promise<number> {
  return (await env.DB.prepare("SELECT COUNT(*) AS n FROM scan_events WHERE code_id = ?1").bind(codeId).first<{ n: number }>())!.n;
}

describe("scans: totals and breakdowns", () => {
  it("counts humans and bots per day, country, device, OS, browser and referrer", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    const events = [
      visit(code, "2026-11-01T08:00:00+00:00"),
      visit(code, "2026-11-01T09:00:00+00:00"), // the same visitor again that day: one unique
      visit(code, "2026-11-01T10:00:00+00:00", { country: "US", region: null, city: null, device: "desktop", os: "Windows", browser: "Chrome", referrerHost: "news.example", visitor: "visitor-b" }),
      visit(code, "2026-11-01T11:00:00+00:00", bot("preview", { country: "US" })),
      visit(code, "2026-11-02T07:00:00+00:00", { visitor: "visitor-a-day-2" }),
      visit(code, "2026-11-02T08:00:00+00:00", bot("head", { country: null, device: "desktop" })),
    ];
    const { written, result } = await consume(events);
    expect(written).toEqual({ written: 6, malformed: 0 });
    expect(result.explicitAcks.sort()).toEqual(messagesOf(events).map((m) => m.id).sort());

    const res = await get(org, `/qr_codes/${code.id}/scans`);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/ld+json; charset=utf-8");
    expect(res.json.totals).toEqual({ all: 6, human: 4, unique: 3, bots: 2 });
    expect(res.json.breakdowns).toEqual({
      byDay: [
        { day: "2026-11-01", humans: 3, bots: 1, unique: 2 },
        { day: "2026-11-02", humans: 1, bots: 1, unique: 1 },
      ],
      byCountry: [
        { value: "FR", humans: 3, bots: 0 },
        { value: "US", humans: 1, bots: 1 },
        { value: "unknown", humans: 0, bots: 1 },
      ],
      byDevice: [
        { value: "mobile", humans: 3, bots: 0 },
        { value: "desktop", humans: 1, bots: 1 },
        { value: "bot", humans: 0, bots: 1 },
      ],
      byOs: [
        { value: "iOS", humans: 3, bots: 0 },
        { value: "Windows", humans: 1, bots: 0 },
        { value: "unknown", humans: 0, bots: 2 },
      ],
      byBrowser: [
        { value: "Mobile Safari", humans: 3, bots: 0 },
        { value: "Chrome", humans: 1, bots: 0 },
        { value: "unknown", humans: 0, bots: 2 },
      ],
      byReferrer: [
        { value: "direct", humans: 3, bots: 2 },
        { value: "news.example", humans: 1, bots: 0 },
      ],
      byRule: [],
      byVariant: [],
    });
    expect(res.json.range).toEqual({ from: null, to: null, days: { from: null, to: null } });

    // Members: human events only by default, newest first, without the visitor key.
    expect(res.json.totalItems).toBe(4);
    expect(res.json.member.map((m: { at: string }) => m.at)).toEqual(["2026-11-02T07:00:00+00:00", "2026-11-01T10:00:00+00:00", "2026-11-01T09:00:00+00:00", "2026-11-01T08:00:00+00:00"]);
    const b = events[2]!;
    expect(res.json.member[1]).toEqual({
      "@id": `/qr_codes/${code.id}/scans/${b.id}`,
      "@type": "ScanLog",
      id: b.id,
      at: "2026-11-01T10:00:00+00:00",
      country: "US",
      region: null,
      city: null,
      device: "desktop",
      os: "Windows",
      browser: "Chrome",
      referrerHost: "news.example",
      bot: false,
      botReason: null,
      outcome: "target",
      rule: null,
      variant: null,
    });
    expect(res.text).not.toContain("visitor");
    expect(Object.keys(res.json)).toEqual(["@context", "@id", "@type", "totalItems", "member", "view", "range", "totals", "breakdowns"]);
    expect(res.json["@context"]).toBe("/contexts/ScanLog");
    expect(res.json["@id"]).toBe(`/qr_codes/${code.id}/scans`);

    // bots=include lists every event; the totals do not depend on it.
    const all = await get(org, `/qr_codes/${code.id}/scans?bots=include`);
    expect(all.json.totalItems).toBe(6);
    expect(all.json.member[0]).toMatchObject({ at: "2026-11-02T08:00:00+00:00", bot: true, botReason: "head", device: "desktop", country: null });
    expect(all.json.totals).toEqual(res.json.totals);
    expect(all.json.view["@id"]).toBe(`/qr_codes/${code.id}/scans?bots=include&page=1`);

    // The invariant: the resource's counter is the human total.
    const resource = await get(org, `/qr_codes/${code.id}`);
    expect(resource.json.analytics).toEqual({ scans: 4, clicks: 0 });

    // Each member dereferences.
    const item = await get(org, res.json.member[1]["@id"]);
    expect(item.status).toBe(200);
    expect(item.json).toEqual({ "@context": "/contexts/ScanLog", ...res.json.member[1] });
  });

  it("a day whose visitor rows expired keeps its frozen unique count", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    await consume([
      visit(code, "2025-06-01T08:00:00+00:00", { visitor: "a" }),
      visit(code, "2025-06-01T09:00:00+00:00", { visitor: "b" }),
      visit(code, "2025-06-01T10:00:00+00:00", { visitor: "a" }),
      visit(code, "2025-06-03T10:00:00+00:00", { visitor: "a" }),
    ]);
    const before = await get(org, `/qr_codes/${code.id}/scans`);
    expect(before.json.totals).toEqual({ all: 4, human: 4, unique: 3, bots: 0 });
    await expireVisitorsBefore(env.DB, "2025-06-02", 1000);
    const left = await env.DB.prepare("SELECT day FROM scan_daily_visitors WHERE code_id = ?1").bind(code.id).all<{ day: string }>();
    expect(left.results.map((r) => r.day)).toEqual(["2025-06-03"]);
    const after = await get(org, `/qr_codes/${code.id}/scans`);
    expect(after.json.totals).toEqual(before.json.totals);
    expect(after.json.breakdowns.byDay).toEqual([
      { day: "2025-06-01", humans: 3, bots: 0, unique: 2 },
      { day: "2025-06-03", humans: 1, bots: 0, unique: 1 },
    ]);
  });

  it("lists the top 50 values of a dimension, most humans first", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    const events = Array.from({ length: 55 }, (_, i) => visit(code, "2026-11-05T12:00:00+00:00", { referrerHost: `site${String(i).padStart(2, "0")}.example`, visitor: `v${i}` }));
    events.push(visit(code, "2026-11-05T12:00:01+00:00", { referrerHost: "site54.example" }), visit(code, "2026-11-05T12:00:02+00:00", { referrerHost: "site54.example" }));
    await consume(events);
    const res = await get(org, `/qr_codes/${code.id}/scans`);
    expect(res.json.totals.human).toBe(57);
    expect(res.json.breakdowns.byReferrer).toHaveLength(50);
    expect(res.json.breakdowns.byReferrer[0]).toEqual({ value: "site54.example", humans: 3, bots: 0 });
    expect(res.json.breakdowns.byReferrer[1]).toEqual({ value: "site00.example", humans: 1, bots: 0 });
    expect(res.json.breakdowns.byReferrer[49].value).toBe("site48.example");
  });

  it("a static code has an empty scan log", async () => {
    const org = await seedOrg();
    const id = await createCode(org, "wifi");
    const res = await get(org, `/qr_codes/${id}/scans`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ totalItems: 0, member: [], totals: { all: 0, human: 0, unique: 0, bots: 0 } });
    expect(res.json.breakdowns).toEqual({ byDay: [], byCountry: [], byDevice: [], byOs: [], byBrowser: [], byReferrer: [], byRule: [], byVariant: [] });
  });
});

describe("the consumer", () => {
  it("a redelivered batch changes no counter and no rollup, and is acked again", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    const events = [visit(code, "2026-11-07T08:00:00+00:00"), visit(code, "2026-11-07T08:05:00+00:00", { visitor: "b" }), visit(code, "2026-11-07T09:00:00+00:00", bot("isbot"))];
    const ids = messagesOf(events).map((m) => m.id).sort();

    // Through the Worker's own queue() handler, as the runtime delivers it.
    const deliver = async () => {
      const batch = createMessageBatch("edge-qr-scans", messagesOf(events));
      const ctx = createExecutionContext();
      await worker.queue(batch, env);
      return getQueueResult(batch, ctx);
    };
    expect((await deliver()).explicitAcks.sort()).toEqual(ids);
    const first = await get(org, `/qr_codes/${code.id}/scans?bots=include`);
    const firstCode = await get(org, `/qr_codes/${code.id}`);
    const again = await deliver();
    expect(again.explicitAcks.sort()).toEqual(ids);
    expect(again.retryMessages).toEqual([]);
    expect((await get(org, `/qr_codes/${code.id}/scans?bots=include`)).text).toBe(first.text);
    expect((await get(org, `/qr_codes/${code.id}`)).json.analytics).toEqual(firstCode.json.analytics);
    expect(firstCode.json.analytics).toEqual({ scans: 2, clicks: 0 });
    expect(await rawRowCount(code.id)).toBe(3);

    // A batch mixing one old event and one new one adds only the new one.
    await consume([events[0], visit(code, "2026-11-07T10:00:00+00:00", { visitor: "c" })]);
    const mixed = await get(org, `/qr_codes/${code.id}/scans`);
    expect(mixed.json.totals).toEqual({ all: 4, human: 3, unique: 3, bots: 1 });
    expect((await get(org, `/qr_codes/${code.id}`)).json.analytics).toEqual({ scans: 3, clicks: 0 });
  });

  it("malformed messages are acknowledged and never written", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    const good = visit(code, "2026-11-08T08:00:00+00:00");
    const bodies = [
      good,
      { ...visit(code, "2026-11-08T08:00:00+00:00"), kind: "download" },
      { ...visit(code, "2026-11-08T08:00:00+00:00"), at: "yesterday" },
      { ...visit(code, "2026-11-08T08:00:00+00:00"), bot: "no" },
      { ...visit(code, "2026-11-08T08:00:00+00:00"), visitor: undefined },
      "not an event",
      null,
    ];
    let loggedEvents: string[] = [];
    const logged = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const { written, result } = await consume(bodies).finally(() => (loggedEvents = logged.mock.calls.map(([line]) => JSON.parse(String(line)).event)));
    logged.mockRestore();
    expect(written).toEqual({ written: 1, malformed: 6 });
    expect(loggedEvents).toEqual(Array(6).fill("visit_malformed"));
    expect(result.explicitAcks.sort()).toEqual(messagesOf(bodies).map((m) => m.id).sort());
    expect(result.retryMessages).toEqual([]);
    expect(await rawRowCount(code.id)).toBe(1);
    const res = await get(org, `/qr_codes/${code.id}/scans`);
    expect(res.json.totals).toEqual({ all: 1, human: 1, unique: 1, bots: 0 });
    expect(res.json.member.map((m: { id: string }) => m.id)).toEqual([good.id]);
  });
});

describe("paging and ranges", () => {
  it("30 per page, newest first, with bots=include and order kept in the links", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    const at = (i: number) => `2026-11-10T08:${String(i).padStart(2, "0")}:00+00:00`;
    const humans = Array.from({ length: 31 }, (_, i) => visit(code, at(i), { visitor: `v${i}` }));
    // Two bots in the same second as human 0: ties keep a stable order.
    await consume([...humans, visit(code, at(0), bot("isbot")), visit(code, at(0), bot("prefetch"))]);
    const path = `/qr_codes/${code.id}/scans`;

    const one = await get(org, path);
    expect(one.json.totalItems).toBe(31);
    expect(one.json.member).toHaveLength(30);
    expect(one.json.member[0].id).toBe(humans[30]!.id);
    expect(one.json.view).toEqual({ "@id": `${path}?page=1`, "@type": "PartialCollectionView", first: `${path}?page=1`, last: `${path}?page=2`, next: `${path}?page=2` });
    const two = await get(org, `${path}?page=2`);
    expect(two.json.member.map((m: { id: string }) => m.id)).toEqual([humans[0]!.id]);
    expect(two.json.view).toEqual({ "@id": `${path}?page=2`, "@type": "PartialCollectionView", first: `${path}?page=1`, last: `${path}?page=2`, previous: `${path}?page=1` });
    const past = await get(org, `${path}?page=9`);
    expect(past.status).toBe(200);
    expect(past.json.member).toEqual([]);
    expect(past.json.view.previous).toBe(`${path}?page=2`);
    expect(past.json.view).not.toHaveProperty("next");

    const withBots = await get(org, `${path}?bots=include&page=2`);
    expect(withBots.json.totalItems).toBe(33);
    expect(withBots.json.member).toHaveLength(3);
    expect(withBots.json.view.first).toBe(`${path}?bots=include&page=1`);
    const pages = [...(await get(org, `${path}?bots=include`)).json.member, ...withBots.json.member].map((m: { id: string }) => m.id);
    expect(new Set(pages).size).toBe(33);

    const asc = await get(org, `${path}?order%5Bat%5D=asc&bots=include`);
    expect(asc.json.member.slice(0, 3).map((m: { at: string }) => m.at)).toEqual([at(0), at(0), at(0)]);
    expect(asc.json.member[3].at).toBe(at(1));
    expect(asc.json.view.next).toBe(`${path}?bots=include&order%5Bat%5D=asc&page=2`);
  });

  it("from is inclusive, to exclusive; totals cover the UTC days the range touches", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "url"), orgId: org.orgId };
    const events = [
      visit(code, "2026-11-01T08:00:00+00:00", { visitor: "a" }),
      visit(code, "2026-11-01T23:30:00+00:00", { visitor: "b" }),
      visit(code, "2026-11-02T00:00:00+00:00", { visitor: "a2" }),
      visit(code, "2026-11-03T12:00:00+00:00", { visitor: "a3" }),
    ];
    await consume(events);
    const path = `/qr_codes/${code.id}/scans`;
    const ats = (res: { json: { member: { at: string }[] } }) => res.json.member.map((m) => m.at);

    const from = await get(org, `${path}?from=2026-11-02`);
    expect(ats(from)).toEqual(["2026-11-03T12:00:00+00:00", "2026-11-02T00:00:00+00:00"]);
    expect(from.json.totals).toEqual({ all: 2, human: 2, unique: 2, bots: 0 });
    expect(from.json.range).toEqual({ from: "2026-11-02T00:00:00+00:00", to: null, days: { from: "2026-11-02", to: null } });
    expect(from.json.view.first).toBe(`${path}?from=2026-11-02&page=1`);

    const to = await get(org, `${path}?to=2026-11-02`);
    expect(ats(to)).toEqual(["2026-11-01T23:30:00+00:00", "2026-11-01T08:00:00+00:00"]);
    expect(to.json.totals.human).toBe(2);
    expect(to.json.breakdowns.byDay.map((d: { day: string }) => d.day)).toEqual(["2026-11-01"]);

    // Within a day: members are exact, totals cover both days touched.
    const hours = await get(org, `${path}?from=2026-11-01T23:00:00Z&to=2026-11-02T00:00:01Z`);
    expect(ats(hours)).toEqual(["2026-11-02T00:00:00+00:00", "2026-11-01T23:30:00+00:00"]);
    expect(hours.json.totals).toEqual({ all: 3, human: 3, unique: 3, bots: 0 });
    expect(hours.json.range.days).toEqual({ from: "2026-11-01", to: "2026-11-03" });

    // Offsets convert to UTC; an unencoded "+" (read as a space) still means an offset.
    const offset = await get(org, `${path}?from=2026-11-02T01:00:00%2B01:00&to=2026-11-03T00:00:00-12:00`);
    expect(ats(offset)).toEqual(["2026-11-02T00:00:00+00:00"]);
    expect(offset.json.range).toMatchObject({ from: "2026-11-02T00:00:00+00:00", to: "2026-11-03T12:00:00+00:00" });
    const plus = await get(org, `${path}?from=2026-11-02T01:00:00+01:00`);
    expect(plus.status).toBe(200);
    expect(ats(plus)).toEqual(["2026-11-03T12:00:00+00:00", "2026-11-02T00:00:00+00:00"]);
    expect(plus.json.view.first).toBe(`${path}?from=2026-11-02T01%3A00%3A00%2B01%3A00&page=1`);

    // A fraction of a second: events are stored to the second, so to=…00.5 includes …00.
    const fraction = await get(org, `${path}?from=2026-11-01T23:30:00.000Z&to=2026-11-02T00:00:00.5Z`);
    expect(ats(fraction)).toEqual(["2026-11-02T00:00:00+00:00", "2026-11-01T23:30:00+00:00"]);

    // No range: the human total equals the resource's counter.
    const none = await get(org, path);
    expect(none.json.totals.human).toBe((await get(org, `/qr_codes/${code.id}`)).json.analytics.scans);
  });

  it("refuses bad parameters with one violation each", async () => {
    const org = await seedOrg();
    const id = await createCode(org, "url");
    const res = await get(org, `/qr_codes/${id}/scans?page=0&from=yesterday&to=2026-02-30&bots=maybe&order%5Bat%5D=up`);
    expect(res.status).toBe(400);
    expect(res.headers.get("Content-Type")).toBe("application/problem+json; charset=utf-8");
    const message = "must be an ISO 8601 date (2026-11-21) or date-time with an offset (2026-11-21T08:30:00Z), from 1970 to 9999";
    expect(res.json.violations).toEqual([
      { propertyPath: "page", message: "must be a whole number from 1 to 1000000" },
      { propertyPath: "from", message },
      { propertyPath: "to", message },
      { propertyPath: "bots", message: "must be one of: include, exclude" },
      { propertyPath: "order[at]", message: "must be one of: asc, desc" },
    ]);
    expect(res.json.detail).toContain("bots: must be one of: include, exclude");
    const bad = ["2026-11-01T08:00:00", "2026-13-01", "2026-11-01T24:00:00Z", "2026-11-01T08:00:00+24:00", "1969-12-31", "26-11-01", "2026-11-01T08:00:60Z"];
    for (const value of bad) {
      const one = await get(org, `/qr_codes/${id}/scans?from=${encodeURIComponent(value)}`);
      expect(one.status, value).toBe(400);
      expect(one.json.violations, value).toEqual([{ propertyPath: "from", message }]);
    }
    const reversed = await get(org, `/qr_codes/${id}/scans?from=2026-11-02&to=2026-11-02`);
    expect(reversed.json.violations).toEqual([{ propertyPath: "to", message: "must be later than from" }]);
  });
});

describe("page views", () => {
  it("hosted codes list views apart from scans; each counter equals its human total", async () => {
    const org = await seedOrg();
    const code = { id: await createCode(org, "text"), orgId: org.orgId };
    const views = [visit(code, "2026-11-12T08:00:00+00:00", { kind: "view" }), visit(code, "2026-11-12T08:01:00+00:00", { kind: "view", visitor: "b" }), visit(code, "2026-11-12T08:02:00+00:00", { kind: "view", ...bot("preview") })];
    const scans = [visit(code, "2026-11-12T07:59:00+00:00")];
    await consume([...views, ...scans]);

    const pageViews = await get(org, `/qr_codes/${code.id}/page-views`);
    expect(pageViews.status).toBe(200);
    expect(pageViews.json["@context"]).toBe("/contexts/PageView");
    expect(pageViews.json.totals).toEqual({ all: 3, human: 2, unique: 2, bots: 1 });
    expect(pageViews.json.member.map((m: { id: string }) => m.id)).toEqual([views[1]!.id, views[0]!.id]);
    expect(pageViews.json.member[0]["@type"]).toBe("PageView");
    expect(pageViews.json.member[0]["@id"]).toBe(`/qr_codes/${code.id}/page-views/${views[1]!.id}`);
    const scanLog = await get(org, `/qr_codes/${code.id}/scans`);
    expect(scanLog.json.totals).toEqual({ all: 1, human: 1, unique: 1, bots: 0 });

    const resource = await get(org, `/qr_codes/${code.id}`);
    expect(resource.json.analytics).toEqual({ scans: scanLog.json.totals.human, views: pageViews.json.totals.human, clicks: 0 });
    expect(resource.json.links.find((l: { rel: string }) => l.rel.endsWith("page-views")).href).toBe(`/qr_codes/${code.id}/page-views`);

    // Items are found under their own kind only.
    expect((await get(org, `/qr_codes/${code.id}/page-views/${views[0]!.id}`)).json.id).toBe(views[0]!.id);
    const wrongKind = await get(org, `/qr_codes/${code.id}/scans/${views[0]!.id}`);
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.json.detail).toBe("Scan not found");
    expect((await get(org, `/qr_codes/${code.id}/page-views/${scans[0]!.id}`)).json.detail).toBe("Page view not found");
  });

  it("a code without a hosted page answers a clear 400", async () => {
    const org = await seedOrg();
    const id = await createCode(org, "url");
    for (const path of [`/qr_codes/${id}/page-views`, `/qr_codes/${id}/page-views/some-event`]) {
      const res = await get(org, path);
      expect(res.status).toBe(400);
      expect(res.json).toEqual({
        "@context": "/contexts/Error",
        "@type": "Error",
        title: "An error occurred",
        detail: "Page views exist only for hosted types (text, links, audio, event); this is a url code",
        status: 400,
        type: "/errors/400",
      });
    }
  });
});

describe("access", () => {
  it("another organization's code answers exactly as a missing one", async () => {
    const owner = await seedOrg();
    const other = await seedOrg();
    const urlCode = { id: await createCode(owner, "url"), orgId: owner.orgId };
    const textId = await createCode(owner, "text");
    const event = visit(urlCode, "2026-11-14T08:00:00+00:00");
    await consume([event]);
    const missing = await get(other, "/qr_codes/0000000000000000000000ff/scans");
    expect(missing.status).toBe(400);
    expect(missing.json.detail).toBe("QR code not found");
    for (const path of [
      `/qr_codes/${urlCode.id}/scans`,
      `/qr_codes/${urlCode.id}/scans/${event.id}`,
      `/qr_codes/${urlCode.id}/page-views`, // not hosted, but not theirs to know
      `/qr_codes/${textId}/page-views`,
      "/qr_codes/not-an-id/scans",
      "/qr_codes/0000000000000000000000ff/page-views",
    ]) {
      const res = await get(other, path);
      expect(res.status, path).toBe(400);
      expect(res.text, path).toBe(missing.text);
    }
    // An event of one code is not reachable under another of the same organization.
    const sibling = await createCode(owner, "url");
    expect((await get(owner, `/qr_codes/${sibling}/scans/${event.id}`)).json.detail).toBe("Scan not found");
  });

  it("401 without a usable key, 403 without qr:ReadQrCode", async () => {
    const org = await seedOrg();
    const id = await createCode(org, "text");
    for (const path of [`/qr_codes/${id}/scans`, `/qr_codes/${id}/page-views`, `/qr_codes/${id}/scans/x`]) {
      const anonymous = await call("GET", path);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.json).toMatchObject({ "@type": "Error", status: 401, type: "/errors/401" });
      expect((await call("GET", path, { key: "zbk_not_a_real_key" })).status).toBe(401);
    }
    const noAction = await org.issueKey({ role: "read-only", actions: ["cams:CreatePhoneMessageQrdl"] });
    const forbidden = await call("GET", `/qr_codes/${id}/scans`, { key: noAction.secret });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.detail).toBe("Access Denied: this API key is not granted qr:ReadQrCode");
    // Reading needs only the read action: a read-only key is enough.
    expect((await call("GET", `/qr_codes/${id}/page-views`, { key: org.readKey })).status).toBe(200);
  });
});

describe("the organization's summary: /analytics/scans and /analytics/page-views", () => {
  it("adds up every code of the organization, and only its codes, with the codes ranked", async () => {
    const org = await seedOrg();
    const other = await seedOrg();
    const poster = { id: await createCode(org, "url"), orgId: org.orgId };
    const menu = { id: await createCode(org, "text"), orgId: org.orgId };
    const quiet = await createCode(org, "url"); // never scanned: not in byCode
    const theirs = { id: await createCode(other, "url"), orgId: other.orgId };
    await consume([
      visit(poster, "2026-11-01T08:00:00+00:00"),
      visit(poster, "2026-11-01T09:00:00+00:00", { visitor: "visitor-b", country: "US" }),
      visit(poster, "2026-11-02T08:00:00+00:00", bot("preview")),
      visit(menu, "2026-11-01T10:00:00+00:00"), // visitor-a again, on another code: counted once per code
      visit(menu, "2026-11-03T10:00:00+00:00", { kind: "view" }),
      visit(theirs, "2026-11-01T08:00:00+00:00"),
      visit(theirs, "2026-11-01T08:30:00+00:00", { visitor: "visitor-z" }),
    ]);

    const res = await get(org, "/analytics/scans");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("application/ld+json; charset=utf-8");
    expect(res.json).toMatchObject({ "@context": "/contexts/ScanSummary", "@id": "/analytics/scans", "@type": "ScanSummary" });
    expect(res.json.totals).toEqual({ all: 4, human: 3, unique: 3, bots: 1 });
    expect(res.json.breakdowns.byDay).toEqual([
      { day: "2026-11-01", humans: 3, bots: 0, unique: 3 },
      { day: "2026-11-02", humans: 0, bots: 1, unique: 0 },
    ]);
    expect(res.json.breakdowns.byCountry).toEqual([
      { value: "FR", humans: 2, bots: 1 },
      { value: "US", humans: 1, bots: 0 },
    ]);
    expect(res.json.byCode).toEqual([
      { id: poster.id, name: "Poster", type: "url", humans: 2, bots: 1 },
      { id: menu.id, name: "Menu", type: "text", humans: 1, bots: 0 },
    ]);
    expect(res.json.byCode.map((c: { id: string }) => c.id)).not.toContain(quiet);

    // The same numbers as each code's own collection, added up.
    const perCode = await Promise.all([poster.id, menu.id].map(async (id) => (await get(org, `/qr_codes/${id}/scans`)).json.totals));
    expect(perCode.reduce((sum, t) => sum + t.human, 0)).toBe(res.json.totals.human);

    // Page views are their own family; a range keeps whole UTC days.
    const views = await get(org, "/analytics/page-views");
    expect(views.json.totals).toEqual({ all: 1, human: 1, unique: 1, bots: 0 });
    expect(views.json["@type"]).toBe("PageViewSummary");
    const firstDay = await get(org, "/analytics/scans?from=2026-11-01&to=2026-11-02");
    expect(firstDay.json.totals).toEqual({ all: 3, human: 3, unique: 3, bots: 0 });
    expect(firstDay.json.range).toEqual({ from: "2026-11-01T00:00:00+00:00", to: "2026-11-02T00:00:00+00:00", days: { from: "2026-11-01", to: "2026-11-02" } });

    // The other organization sees only its own.
    expect((await get(other, "/analytics/scans")).json.totals).toEqual({ all: 2, human: 2, unique: 2, bots: 0 });
  });

  it("refuses bad ranges with one violation each; 401 without a key, 403 without qr:ReadQrCode", async () => {
    const org = await seedOrg();
    const bad = await get(org, "/analytics/scans?from=2026-13-01&to=yesterday");
    expect(bad.status).toBe(400);
    expect(bad.json.violations).toEqual([
      { propertyPath: "from", message: expect.stringContaining("ISO 8601") },
      { propertyPath: "to", message: expect.stringContaining("ISO 8601") },
    ]);
    const backwards = await get(org, "/analytics/scans?from=2026-11-02&to=2026-11-01");
    expect(backwards.json.violations).toEqual([{ propertyPath: "to", message: "must be later than from" }]);
    expect((await call("GET", "/analytics/scans")).status).toBe(401);
    const noAction = await org.issueKey({ role: "read-only", actions: ["cams:CreatePhoneMessageQrdl"] });
    expect((await call("GET", "/analytics/page-views", { key: noAction.secret })).status).toBe(403);
    expect((await get(org, "/analytics/nothing")).status).toBe(404);
  });
});

describe("OpenAPI", () => {
  it("documents both collections and their items under the bearer scheme", async () => {
    const doc = (await call("GET", "/openapi.json")).json;
    for (const path of ["/qr_codes/{id}/scans", "/qr_codes/{id}/page-views", "/qr_codes/{id}/scans/{eventId}", "/qr_codes/{id}/page-views/{eventId}"]) {
      expect(doc.paths[path]?.get, path).toMatchObject({ tags: ["QR codes"], security: [{ bearerKey: [] }] });
      expect(Object.keys(doc.paths[path].get.responses), path).toEqual(expect.arrayContaining(["200", "400", "401", "403"]));
    }
    expect(doc.paths["/qr_codes/{id}/scans"].get.parameters.map((p: { name: string }) => p.name)).toEqual(["page", "from", "to", "bots", "order[at]", "id"]);
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["ScanLog", "PageView", "ScanLogCollection", "PageViewCollection"]));
    expect(Object.keys(doc.components.schemas.ScanLog.properties)).not.toContain("visitor");
  });
});
