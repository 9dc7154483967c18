// The console's one description of the 12 content types (console/src/codes/content-types.ts)
// against the API's: every field the API takes has a control, nothing more, required where the API
// requires it; and form values become the content the API wants and come back unchanged.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONTENT_TYPES, contentOf, draftOf, emptyDraft, isoToLocal, localToIso, typeSpec } from "../../console/src/codes/content-types";

const document = JSON.parse(readFileSync(new URL("../../openapi.json", import.meta.url), "utf8")) as {
  components: { schemas: Record<string, { properties: { content: { properties: Record<string, unknown>; required?: string[] } } }> };
};
/** Read-only fields a representation adds; writes ignore them, so the form has no control for them. */
const DERIVED = new Set(["publicAudioFilePath"]);
const schemaName = (type: string) => `${type[0]!.toUpperCase()}${type.slice(1)}QrCodeInput`;

describe("the console's content types", () => {
  it("covers the API's 12 types", () => {
    const apiTypes = Object.keys(document.components.schemas)
      .filter((name) => /^[A-Z][a-z]+QrCodeInput$/.test(name))
      .map((name) => name.replace(/QrCodeInput$/, "").toLowerCase());
    expect(CONTENT_TYPES.map((spec) => spec.type).sort()).toEqual(apiTypes.sort());
  });

  for (const spec of CONTENT_TYPES) {
    it(`${spec.type}: a control for every content field, required as the API requires`, () => {
      const content = document.components.schemas[schemaName(spec.type)]!.properties.content;
      expect(spec.fields.map((f) => f.name).sort()).toEqual(Object.keys(content.properties).filter((name) => !DERIVED.has(name)).sort());
      expect(spec.fields.filter((f) => f.required).map((f) => f.name).sort()).toEqual([...(content.required ?? [])].sort());
    });
  }

  it("leaves empty optional fields out, keeps required ones, and types numbers and booleans", () => {
    const wifi = typeSpec("wifi");
    expect(contentOf(wifi, { ...emptyDraft(wifi), ssid: "Cafe" })).toEqual({ ssid: "Cafe", encryption: "WPA", hidden: false });
    const geo = typeSpec("geo");
    expect(contentOf(geo, { ...emptyDraft(geo), latitude: "48.85", longitude: "2.35" })).toEqual({ latitude: 48.85, longitude: 2.35 });
    // What is not a number goes as typed, so the API names the field.
    expect(contentOf(geo, { ...emptyDraft(geo), latitude: "north", longitude: "2" })).toEqual({ latitude: "north", longitude: 2 });
    const sms = typeSpec("sms");
    expect(contentOf(sms, { ...emptyDraft(sms), phoneNumber: "+33 1 23 45 67 89" })).toEqual({ phoneNumber: "+33 1 23 45 67 89", message: "" });
  });

  it("round-trips a saved code's content through the form", () => {
    const links = typeSpec("links");
    const content = { links: [{ url: "https://example.com/a", name: "A" }, { url: "https://example.com/b", name: "B", image: "https://example.com/b.png" }], name: "Ours", hostedPagePrimaryColor: "#7c3aed" };
    expect(contentOf(links, draftOf(links, content))).toEqual(content);
    const event = typeSpec("event");
    const start = localToIso("2026-05-10T18:00");
    const saved = { name: "Launch", startDate: start, endDate: localToIso("2026-05-10T20:30") };
    expect(contentOf(event, draftOf(event, saved))).toEqual(saved);
  });

  it("writes local date-times with the zone's offset and reads them back", () => {
    const iso = localToIso("2026-05-10T18:00");
    expect(iso).toMatch(/^2026-05-10T18:00:00[+-]\d\d:\d\d$/);
    expect(new Date(iso).getTime()).toBe(new Date("2026-05-10T18:00").getTime());
    expect(isoToLocal(iso)).toBe("2026-05-10T18:00");
  });
});
