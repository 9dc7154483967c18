import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createStyledCode, downloadPng, qrCodeClient, renameCode } from "../client/qr-codes";
import { expectScans, readPng } from "../support/decode";
import { ORIGIN_URL, seedOrg } from "./qr-support";

describe("a client generated from openapi.json (openapi-fetch over openapi-typescript's types)", () => {
  it("creates a styled code, reads it, renames it by PATCH with the design kept, and downloads a PNG that scans", async () => {
    const org = await seedOrg();
    const client = qrCodeClient({ baseUrl: ORIGIN_URL, apiKey: org.writeKey, fetch: (request) => exports.default.fetch(request) });

    const created = await createStyledCode(client, "Launch landing page", "https://example.com/launch");
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    const code = created.data!;
    expect(created.response.headers.get("location")).toBe(`/qr_codes/${code.id}`);
    expect(code.appearance.dotsOptionsType).toBe("rounded");
    expect(code.appearance.shape).toBe("square");

    const read = await client.GET("/qr_codes/{id}", { params: { path: { id: code.id } } });
    expect(read.data).toEqual(code);
    const etag = read.response.headers.get("etag")!;

    const renamed = await renameCode(client, code.id, "Launch (spring)", etag);
    expect(renamed.response.status, JSON.stringify(renamed.error)).toBe(200);
    expect(renamed.data!.name).toBe("Launch (spring)");
    expect(renamed.data!.appearance).toEqual(code.appearance);
    expect(renamed.data!.content).toEqual(code.content);
    expect(renamed.data!.metadata.shortToken).toBe(code.metadata.shortToken);

    // The tag of the first read is stale now: the error comes back typed as the Problem it is.
    const stale = await renameCode(client, code.id, "Launch (summer)", etag);
    expect(stale.response.status).toBe(412);
    expect(stale.error).toMatchObject({ "@type": "Error", status: 412, type: "/errors/412" });

    const png = await downloadPng(client, code.id, 300);
    expect(png.response.status).toBe(200);
    expect(png.response.headers.get("content-type")).toBe("image/png");
    const bytes = new Uint8Array(png.data!);
    expect(readPng(bytes).width).toBe(300);
    await expectScans(bytes, code.attributes.dynamicUrl!);
  });

  it("an invalid body from an untyped caller gets the violations back as the typed error", async () => {
    const org = await seedOrg();
    const client = qrCodeClient({ baseUrl: ORIGIN_URL, apiKey: org.writeKey, fetch: (request) => exports.default.fetch(request) });
    const refused = await client.POST("/qr_codes", { body: JSON.parse('{"name":"n","type":"url","content":{"text":"hello"}}') });
    expect(refused.response.status).toBe(400);
    expect(refused.error?.violations).toEqual([
      { propertyPath: "content.url", message: "is required" },
      { propertyPath: "content.text", message: "unknown field" },
    ]);
  });
});
