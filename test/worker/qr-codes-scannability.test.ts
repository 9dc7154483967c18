import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodePng, expectDecoded } from "../support/decode";
import { call, seedOrg } from "./qr-support";

// Which decoder families a design is drawn for, as the representation and the download say it.
const DOTTED = { cornersSquareOptionsType: "dot", cornersDotOptionsType: "dot", dotsOptionsType: "dots" };

async function download(key: string, id: string) {
  return exports.default.fetch(
    new Request(`https://qr.test/qr_codes/${id}/download`, { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" }, body: '{"size":600}' }),
  );
}

describe("scannability: universal by default, relaxed on request", () => {
  it("draws a dotted design for every family unless asked otherwise, and says so", async () => {
    const org = await seedOrg();
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Dotted", content: { url: "https://example.com/dotted" }, appearance: DOTTED } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.appearance.scannability).toBe("universal");
    expect(created.json.attributes.scannability).toEqual({ guarantee: "universal", mayFail: [] });
    const res = await download(org.readKey, created.json.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("X-Scannability")).toBe("universal");
    expectDecoded(await decodePng(new Uint8Array(await res.arrayBuffer())), created.json.attributes.dynamicUrl);
  });

  it("draws exactly what was asked under relaxed, naming the families measured to fail", async () => {
    const org = await seedOrg();
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Dotted", content: { url: "https://example.com/dotted" }, appearance: { ...DOTTED, scannability: "relaxed" } } });
    expect(created.status, created.text).toBe(201);
    const verdict = created.json.attributes.scannability;
    expect(verdict.guarantee).toBe("relaxed");
    expect(verdict.mayFail).toContain("quirc");
    const res = await download(org.readKey, created.json.id);
    expect(res.headers.get("X-Scannability")).toBe(`relaxed; may fail: ${verdict.mayFail.join(", ")}`);
    // A different drawing than the universal one: the render cache never mixes them up.
    const universal = await call("PATCH", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: { appearance: { scannability: "universal" } }, headers: { "Content-Type": "application/merge-patch+json" } });
    expect(universal.status, universal.text).toBe(200);
    const redrawn = await download(org.readKey, created.json.id);
    expect(redrawn.headers.get("X-Scannability")).toBe("universal");
    expect(redrawn.headers.get("ETag")).not.toBe(res.headers.get("ETag"));
  });

  it("refuses an unknown guarantee", async () => {
    const org = await seedOrg();
    const res = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: { url: "https://example.com" }, appearance: { scannability: "lenient" } } });
    expect(res.status).toBe(400);
    expect(res.json.violations[0].propertyPath).toBe("appearance.scannability");
  });
});
