import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CONTENT_SCHEMAS, staticPayload, type ContentOf } from "../../src/codes/catalog";
import { vcardOf } from "../../src/pages/attachments";
import { QR_CODE_TYPES, type QrCodeType } from "../../src/codes/types";
import { unexpectedErrorCount } from "../../src/http/errors";
import type { CodeInput } from "../../src/codes/record";
import { checkRenderable } from "../../src/codes/write-checks";
import { toApiError } from "../../src/http/errors";
import { violationMessage } from "../../src/http/validation-messages";
import { eventCalendar } from "../../src/pages/calendar";
import { renderHostedPage } from "../../src/pages/hosted";
import { PAGE_TYPES } from "../../src/codes/catalog";
import { AppearanceSchema } from "../../src/qr";
import { call, seedOrg } from "./qr-support";
import { SAMPLES } from "./qr-samples";

const LONE = "\ud800";
const UNICODE_VIOLATION = "must be valid Unicode text (no lone surrogates)";
const FILE_ID = "0123456789abcdef01234567";

/** For each type: valid content with a lone surrogate in one of its strings, and that field's path. */
const TAINTED: Record<QrCodeType, { content: Record<string, unknown>; field: string }> = {
  url: { content: { url: `https://example.com/${LONE}` }, field: "url" },
  text: { content: { ...SAMPLES.text.content, text: `Hello ${LONE}` }, field: "text" },
  email: { content: { ...SAMPLES.email.content, subject: `Hi ${LONE}` }, field: "subject" },
  call: { content: { phoneNumber: `+1 555 0100${LONE}` }, field: "phoneNumber" },
  sms: { content: { ...SAMPLES.sms.content, message: `STOP${LONE}` }, field: "message" },
  geo: { content: { ...SAMPLES.geo.content, query: `Eiffel${LONE}` }, field: "query" },
  wifi: { content: { ...SAMPLES.wifi.content, ssid: `Cafe${LONE}` }, field: "ssid" },
  vcard: { content: { ...SAMPLES.vcard.content, firstName: `Ada${LONE}` }, field: "firstName" },
  file: { content: { fileName: `${FILE_ID.slice(1)}${LONE}` }, field: "fileName" },
  links: { content: { links: [{ url: "https://example.com/a", name: `Site${LONE}` }] }, field: "links.0.name" },
  audio: { content: { fileName: FILE_ID, name: `Song${LONE}` }, field: "name" },
  event: { content: { ...SAMPLES.event.content, description: `Doors${LONE}` }, field: "description" },
};

describe("a lone surrogate in any content string is refused when the code is written", () => {
  it('a vcard with "\\ud800" is a 400 naming the field, not a 201 whose contact.vcf answers 500', async () => {
    const org = await seedOrg();
    const errorsBefore = unexpectedErrorCount();
    const res = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Card", type: "vcard", content: { firstName: LONE } } });
    expect(res.status, res.text).toBe(400);
    expect(res.json.violations).toEqual([{ propertyPath: "content.firstName", message: UNICODE_VIOLATION }]);
    expect(unexpectedErrorCount()).toBe(errorsBefore);
  });

  for (const type of QR_CODE_TYPES)
    it(`${type}: content.${TAINTED[type].field}`, async () => {
      const org = await seedOrg();
      const body = { name: `Tainted ${type}`, type, content: TAINTED[type].content };
      const res = await call("POST", "/qr_codes", { key: org.writeKey, body });
      expect(res.status, res.text).toBe(400);
      expect(res.json.violations).toEqual([{ propertyPath: `content.${TAINTED[type].field}`, message: UNICODE_VIOLATION }]);
    });

  it("PUT refuses it too, and a well-formed pair (an emoji) is accepted and served", async () => {
    const org = await seedOrg();
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Card", type: "vcard", content: { ...SAMPLES.vcard.content, firstName: "Ada 👋" } } });
    expect(created.status, created.text).toBe(201);
    const replaced = await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: { name: "Card", type: "vcard", content: { ...SAMPLES.vcard.content, note: `x${LONE}` } } });
    expect(replaced.status, replaced.text).toBe(400);
    expect(replaced.json.violations).toEqual([{ propertyPath: "content.note", message: UNICODE_VIOLATION }]);
    const vcf = await call("GET", `/p/${created.json.metadata.shortToken}/contact.vcf`);
    expect(vcf.status).toBe(200);
    expect(vcf.text).toContain("FN:Ada 👋 Lovelace");
  });
});

describe("every document a read builds is built when the code is written", () => {
  const appearance = AppearanceSchema.parse({});
  const input = (type: QrCodeType, content: Record<string, unknown>): CodeInput => ({ name: "Probe", type, content, appearance, limits: null, routing: null, utm: null, tags: [] });

  // Past the schema (as a future field or a builder stricter than its schema would be): the
  // write still refuses, as a 400 on the field, what the .vcf builder would throw on for every reader.
  it("content the vCard builder throws on is a violation at write time", () => {
    let thrown: unknown;
    try {
      checkRenderable(input("vcard", { firstName: "Ada", organisation: `Engines${LONE}` }), "https://qr.test", null);
    } catch (err) {
      thrown = err;
    }
    // The check lives below http/ and throws InvalidInput; every family renders it as this 400.
    expect(toApiError(thrown, "test")).toMatchObject({ status: 400, code: "VALIDATION_FAILED", issues: [{ field: "content.organisation", message: expect.stringContaining("not valid Unicode text") }] });
  });
});

// Strings of every kind: any code unit (lone surrogates included), graphemes, and values the
// schemas accept, so that each type is accepted often enough for the property to say something.
const anyText = fc.oneof(fc.string({ unit: "binary", maxLength: 24 }), fc.string({ unit: "grapheme", maxLength: 24 }), fc.constantFrom("", " ", "a;b,c\\d", "\r\n", LONE, `x${LONE}y`, "👋"));
const maybe = <T,>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });
// Mostly well-formed, sometimes anything: a content object has several of these and is accepted
// only when all of them are.
const usually = <T,>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: anyText, weight: 1 });
const webUrl = usually(fc.webUrl({ withQueryParameters: true, withFragments: true }));
const phone = usually(fc.stringMatching(/^\+?[0-9][0-9 ]{2,12}[0-9]$/));
const email = usually(fc.oneof(fc.stringMatching(/^[a-z0-9_+-]{1,10}@[a-z0-9][a-z0-9-]{0,8}\.[a-z]{2,6}$/), fc.emailAddress()));
const image = maybe(fc.oneof(fc.constant(FILE_ID), webUrl));
const colour = maybe(fc.oneof(fc.stringMatching(/^#[0-9a-f]{6}$/), anyText));
const hosted = { hostedPageBackgroundColor: colour, hostedPagePrimaryColor: colour, publicFilePath: image };
const instant = fc.date({ min: new Date("2000-01-01"), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString().replace("Z", "+00:00"));

const CONTENT: Record<QrCodeType, fc.Arbitrary<Record<string, unknown>>> = {
  url: fc.record({ url: webUrl }),
  text: fc.record({ text: anyText, name: maybe(anyText), image, ...hosted }, { requiredKeys: ["text"] }),
  email: fc.record({ address: email, subject: maybe(anyText), message: maybe(anyText) }, { requiredKeys: ["address"] }),
  call: fc.record({ phoneNumber: phone }),
  sms: fc.record({ phoneNumber: phone, message: anyText }),
  geo: fc.record({ latitude: fc.double({ min: -90, max: 90, noNaN: true }), longitude: fc.double({ min: -180, max: 180, noNaN: true }), query: maybe(anyText) }, { requiredKeys: ["latitude", "longitude"] }),
  wifi: fc.record({ ssid: anyText, password: maybe(anyText), encryption: fc.constantFrom("WPA", "WEP", "nopass"), hidden: fc.boolean() }, { requiredKeys: ["ssid"] }),
  vcard: fc.record(
    {
      firstName: maybe(anyText),
      lastName: maybe(anyText),
      organisation: maybe(anyText),
      jobTitle: maybe(anyText),
      gender: maybe(anyText),
      note: maybe(anyText),
      street: maybe(anyText),
      city: maybe(anyText),
      zipCode: maybe(anyText),
      state: maybe(anyText),
      country: maybe(anyText),
      tel: maybe(phone),
      url: maybe(webUrl),
      email: maybe(email),
    },
    { requiredKeys: [] },
  ),
  file: fc.record({ fileName: fc.oneof(fc.constant(FILE_ID), anyText) }),
  links: fc.record({ links: fc.array(fc.record({ url: webUrl, name: anyText, image }, { requiredKeys: ["url", "name"] }), { minLength: 1, maxLength: 4 }), name: maybe(anyText), image, ...hosted }, { requiredKeys: ["links"] }),
  audio: fc.record({ fileName: fc.oneof(fc.constant(FILE_ID), anyText), name: maybe(anyText), image, ...hosted }, { requiredKeys: ["fileName"] }),
  event: fc
    .record({ name: anyText, start: instant, minutes: fc.integer({ min: -60, max: 60 * 24 * 30 }), eventType: maybe(anyText), image, location: maybe(anyText), description: maybe(anyText), ...hosted })
    .map(({ start, minutes, ...rest }) => ({ ...rest, startDate: start, endDate: new Date(Date.parse(start) + minutes * 60_000).toISOString().replace("Z", "+00:00") })),
};

describe("whatever the schemas accept, every read can build", () => {
  for (const type of QR_CODE_TYPES)
    it(`${type}: its payload, page, .vcf and .ics never throw`, async () => {
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(CONTENT[type], async (raw) => {
          const parsed = CONTENT_SCHEMAS[type].safeParse(raw, { error: violationMessage });
          if (!parsed.success) return;
          accepted++;
          const content = parsed.data as Record<string, unknown>;
          staticPayload(type, content);
          const pageUrl = "https://qr.test/p/abcdefgh";
          if (PAGE_TYPES.includes(type)) await renderHostedPage({ type, name: "Code", content }, pageUrl);
          if (type === "vcard") vcardOf(content as ContentOf<"vcard">);
          if (type === "event") eventCalendar(content as ContentOf<"event">, { uid: "id@qr.test", pageUrl, stamp: "2026-01-01T00:00:00+00:00" });
        }),
        { numRuns: 300 },
      );
      // Not vacuous: a good share of the generated contents passed validation.
      expect(accepted).toBeGreaterThan(20);
    });
});
