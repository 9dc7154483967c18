import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { QR_CODE_TYPES } from "../../src/codes/types";
import { unexpectedErrorCount } from "../../src/http/errors";
import { CORNER_DOT_TYPES, CORNER_SQUARE_TYPES, DOT_TYPES } from "../../src/qr";
import { call, seedOrg } from "./qr-support";

/** Values that are sometimes right and often wrong: the edges validation must hold at. */
const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom("https://example.com/a", "HTTPS://EXAMPLE.COM", "javascript:alert(1)", "+15550100", "a@b.example", "2026-12-10T18:00:00+00:00", "#0f172a", "", " ", "\u0000", "\ud800"),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }),
);
const url = fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), anyValue);
const hex = fc.oneof(fc.stringMatching(/^#[0-9a-fA-F]{6}$/), anyValue);
const stops = fc.oneof(fc.constant(null), fc.array(fc.record({ offset: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), anyValue), color: hex }), { minLength: 0, maxLength: 4 }));

const content = fc.oneof(
  fc.record({ url }, { requiredKeys: [] }),
  fc.record({ text: fc.oneof(fc.string({ unit: "grapheme", maxLength: 200 }), anyValue), name: anyValue, hostedPageBackgroundColor: hex, hostedPagePrimaryColor: hex }, { requiredKeys: [] }),
  fc.record({ address: fc.oneof(fc.emailAddress(), anyValue), subject: anyValue, message: anyValue }, { requiredKeys: [] }),
  fc.record({ phoneNumber: fc.oneof(fc.stringMatching(/^\+?[0-9 ]{3,20}$/), anyValue), message: anyValue }, { requiredKeys: [] }),
  fc.record({ latitude: fc.oneof(fc.double({ min: -100, max: 100 }), anyValue), longitude: fc.oneof(fc.double({ min: -200, max: 200 }), anyValue), query: anyValue }, { requiredKeys: [] }),
  fc.record({ ssid: fc.oneof(fc.string({ maxLength: 40 }), anyValue), password: anyValue, encryption: fc.oneof(fc.constantFrom("WPA", "WEP", "nopass"), anyValue), hidden: anyValue }, { requiredKeys: [] }),
  fc.record({ firstName: anyValue, lastName: anyValue, organisation: anyValue, tel: anyValue, email: anyValue, url, note: anyValue }, { requiredKeys: [] }),
  fc.record({ links: fc.oneof(fc.array(fc.record({ url, name: anyValue, image: anyValue }, { requiredKeys: [] }), { maxLength: 4 }), anyValue), name: anyValue }, { requiredKeys: [] }),
  fc.record({ name: anyValue, startDate: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyValue), endDate: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyValue), location: anyValue }, { requiredKeys: [] }),
  fc.record({ fileName: anyValue }, { requiredKeys: [] }),
  anyValue,
);

const appearance = fc.oneof(
  fc.record(
    {
      shape: fc.oneof(fc.constantFrom("square", "circle"), anyValue),
      margin: fc.oneof(fc.integer({ min: -5, max: 60 }), anyValue),
      qrOptionsTypeNumber: fc.oneof(fc.integer({ min: -1, max: 41 }), anyValue),
      qrOptionsMode: fc.oneof(fc.constantFrom("Numeric", "Alphanumeric", "Byte", "Kanji", null), anyValue),
      qrOptionsErrorCorrectionLevel: fc.oneof(fc.constantFrom("L", "M", "Q", "H"), anyValue),
      imageOptionsImageSize: fc.oneof(fc.double({ min: -0.5, max: 1.5 }), anyValue),
      predefinedImage: fc.oneof(fc.constantFrom(null, "wifi", "no-such"), anyValue),
      dotsOptionsColor: hex,
      dotsOptionsType: fc.oneof(fc.constantFrom(...DOT_TYPES), anyValue),
      dotsOptionsRoundSize: anyValue,
      dotsOptionsGradientType: fc.oneof(fc.constantFrom("linear", "radial", null), anyValue),
      dotsOptionsGradientColorStops: stops,
      dotsOptionsGradientRotation: anyValue,
      backgroundOptionsColor: hex,
      cornersSquareOptionsType: fc.oneof(fc.constantFrom(...CORNER_SQUARE_TYPES, null), anyValue),
      cornersDotOptionsType: fc.oneof(fc.constantFrom(...CORNER_DOT_TYPES, null), anyValue),
      cornersDotOptionsColor: hex,
    },
    { requiredKeys: [] },
  ),
  anyValue,
);

/** Bodies built to be valid, with random values inside the documented bounds: they exercise the success path. */
const text = (max: number) => fc.string({ unit: "grapheme", minLength: 1, maxLength: max }).filter((s) => s.trim() !== "" && s.isWellFormed());
const httpUrl = fc.webUrl({ withQueryParameters: true, withFragments: true }).filter((u) => u.length <= 2048);
const phone = fc.stringMatching(/^\+?[1-9][0-9]{4,12}$/);
const validContent = fc.oneof(
  fc.record({ type: fc.constant("url"), content: fc.record({ url: httpUrl }) }),
  fc.record({ type: fc.constant("text"), content: fc.record({ text: text(300), name: text(40), hostedPageBackgroundColor: fc.stringMatching(/^#[0-9a-f]{6}$/) }, { requiredKeys: ["text"] }) }),
  fc.record({ type: fc.constant("email"), content: fc.record({ address: fc.constantFrom("a@b.example", "first.last+tag@sub.example.org"), subject: text(60), message: text(200) }, { requiredKeys: ["address"] }) }),
  fc.record({ type: fc.constant("call"), content: fc.record({ phoneNumber: phone }) }),
  fc.record({ type: fc.constant("sms"), content: fc.record({ phoneNumber: phone, message: fc.string({ unit: "grapheme", maxLength: 160 }).filter((s) => s.isWellFormed()) }) }),
  fc.record({ type: fc.constant("geo"), content: fc.record({ latitude: fc.double({ min: -90, max: 90, noNaN: true }), longitude: fc.double({ min: -180, max: 180, noNaN: true }), query: text(40) }, { requiredKeys: ["latitude", "longitude"] }) }),
  fc.record({ type: fc.constant("wifi"), content: fc.record({ ssid: text(32).filter((s) => s.length <= 32), password: fc.string({ minLength: 8, maxLength: 63 }).filter((s) => s.isWellFormed()), encryption: fc.constantFrom("WPA", "WEP"), hidden: fc.boolean() }) }),
  fc.record({ type: fc.constant("vcard"), content: fc.record({ firstName: text(40), lastName: text(40), organisation: text(40), note: text(200), tel: phone, url: httpUrl }, { requiredKeys: ["firstName"] }) }),
  fc.record({ type: fc.constant("links"), content: fc.record({ links: fc.array(fc.record({ url: httpUrl, name: text(40) }), { minLength: 1, maxLength: 5 }), name: text(40) }, { requiredKeys: ["links"] }) }),
  fc.record({
    type: fc.constant("event"),
    content: fc.tuple(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 1e9 }), text(60), text(200)).map(([start, length, name, description]) => ({
      name,
      description,
      startDate: new Date(start).toISOString().replace(/\.\d{3}Z$/, "+00:00"),
      endDate: new Date(start + length).toISOString(),
    })),
  }),
);
const validAppearance = fc.record(
  {
    shape: fc.constantFrom("square", "circle"),
    margin: fc.integer({ min: 0, max: 40 }),
    qrOptionsErrorCorrectionLevel: fc.constantFrom("L", "M", "Q", "H"),
    dotsOptionsType: fc.constantFrom(...DOT_TYPES),
    dotsOptionsColor: fc.constantFrom("#000000", "#0f172a", "#1d4ed8"),
    cornersSquareOptionsType: fc.constantFrom(...CORNER_SQUARE_TYPES, null),
    cornersDotOptionsType: fc.constantFrom(...CORNER_DOT_TYPES, null),
    imageOptionsImageSize: fc.double({ min: 0, max: 0.5, noNaN: true }),
    predefinedImage: fc.constantFrom(null, "wifi", "heart"),
  },
  { requiredKeys: [] },
);
const validLimits = fc.option(fc.record({ maxScans: fc.integer({ min: 1, max: 1000 }), fallbackUrl: httpUrl }, { requiredKeys: [] }), { nil: undefined });
const validBody = fc
  .tuple(text(60), validContent, validAppearance, validLimits)
  .map(([name, typed, look, limits]) => ({ name, ...typed, appearance: look, ...(limits && typed.type !== "call" && typed.type !== "sms" && typed.type !== "email" && typed.type !== "geo" && typed.type !== "wifi" ? { limits } : {}) }));

/** Smart-link fields (routing rules, variants, UTM, a password) at and past their bounds. */
const condition = <T>(values: fc.Arbitrary<T>) => fc.oneof(fc.array(values, { maxLength: 4 }), anyValue);
const rule = fc.oneof(
  fc.record(
    {
      name: anyValue,
      url,
      os: condition(fc.constantFrom("ios", "android", "other", "windows")),
      countries: condition(fc.constantFrom("DE", "fr", "ZZ", "XK", "T1", "", "USA")),
      languages: condition(fc.constantFrom("de", "pt-BR", "not a tag", "x", "zh-Hant-TW", "*")),
      window: fc.oneof(
        fc.record(
          {
            days: condition(fc.constantFrom("mon", "sun", "fri", "xyz")),
            from: fc.oneof(fc.constantFrom("00:00", "09:30", "24:00", "23:59", "9:00", "25:00"), anyValue),
            until: fc.oneof(fc.constantFrom("00:00", "17:00", "24:00", "06:00"), anyValue),
            timeZone: fc.oneof(fc.constantFrom("Europe/Berlin", "UTC", "Etc/GMT+14", "Mars/Olympus", "America/New_York"), anyValue),
          },
          { requiredKeys: [] },
        ),
        anyValue,
      ),
    },
    { requiredKeys: [] },
  ),
  anyValue,
);
const routing = fc.oneof(
  fc.record(
    {
      rules: fc.oneof(fc.array(rule, { maxLength: 22 }), anyValue),
      variants: fc.oneof(fc.array(fc.record({ name: anyValue, url: fc.oneof(url, fc.constant(null)), weight: fc.oneof(fc.integer({ min: -5, max: 105 }), anyValue) }, { requiredKeys: [] }), { maxLength: 11 }), anyValue),
    },
    { requiredKeys: [] },
  ),
  anyValue,
);
const utm = fc.oneof(fc.record({ source: anyValue, medium: anyValue, campaign: anyValue, term: anyValue, content: anyValue }, { requiredKeys: [] }), anyValue);

const body = fc.oneof(
  { weight: 6, arbitrary: validBody },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        name: fc.oneof(fc.string({ unit: "grapheme", minLength: 1, maxLength: 60 }), anyValue),
        type: fc.oneof(fc.constantFrom(...QR_CODE_TYPES), anyValue),
        content,
        appearance,
        limits: fc.oneof(
          anyValue,
          fc.record(
            {
              validFrom: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyValue),
              validUntil: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), anyValue),
              maxScans: fc.oneof(fc.integer({ min: -2, max: 1e10 }), anyValue),
              fallbackUrl: url,
            },
            { requiredKeys: [] },
          ),
        ),
        routing,
        utm,
        password: fc.oneof(fc.string({ maxLength: 140 }), anyValue),
      },
      { requiredKeys: ["name"] },
    ),
  },
  { weight: 1, arbitrary: anyValue },
);

describe("fuzzing create and replace bodies", () => {
  it("never answers 5xx, never crashes behind a clean answer, and reads back what it accepted", async () => {
    const org = await seedOrg();
    const seed = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "target", content: { url: "https://example.com" } } });
    const id = seed.json.id as string;
    const crashesBefore = unexpectedErrorCount();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (input, replace) => {
        const res = replace ? await call("PUT", `/qr_codes/${id}`, { key: org.writeKey, body: input }) : await call("POST", "/qr_codes", { key: org.writeKey, body: input });
        expect(res.status, res.text).toBeLessThan(500);
        expect(unexpectedErrorCount()).toBe(crashesBefore);
        if (res.status === 200 || res.status === 201) {
          accepted++;
          const read = await call("GET", `/qr_codes/${res.json.id}`, { key: org.readKey });
          expect(read.json).toEqual(res.json);
          // What was accepted is stored as sent: every content field given comes back unchanged.
          // Compared with what went over the wire: JSON has no -0 (JSON.stringify(-0) is "0").
          const sent = JSON.parse(JSON.stringify((input as { content: Record<string, unknown> }).content)) as Record<string, unknown>;
          for (const [field, value] of Object.entries(sent)) if (field in res.json.content) expect(res.json.content[field]).toEqual(value);
        } else {
          expect([400, 413, 422]).toContain(res.status);
          expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
          expect(res.json.detail.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 300 },
    );
    // The generators must reach the success path, or the round-trip half proves nothing.
    expect(accepted).toBeGreaterThan(10);
  }, 240_000);
});
