import { describe, expect, it } from "vitest";
import { CONTENT_TYPES, DYNAMIC_TYPES, hasPage, linkTarget, PAGE_TYPES, staticPayload, uploadReferences } from "../../src/codes/catalog";
import { QR_CODE_TYPES } from "../../src/codes/types";
import { ATTACHMENTS } from "../../src/pages/attachments";
import { PAGES } from "../../src/pages/hosted";

// The catalog is the one place a content type is described; these hold its parts together.
describe("content-type catalog", () => {
  it("has one entry per type of the contract, in its order", () => {
    expect(Object.keys(CONTENT_TYPES)).toEqual([...QR_CODE_TYPES]);
  });

  it("gives a page exactly to the types that have a page component, and a builder to every attachment", () => {
    expect(Object.keys(PAGES).sort()).toEqual([...PAGE_TYPES].sort());
    // Landing pages take the content's colours; the contact card has none.
    for (const type of PAGE_TYPES) expect(PAGES[type]!.themed, type).toBe(CONTENT_TYPES[type].page === "landing");
    for (const type of QR_CODE_TYPES) {
      const attachment = CONTENT_TYPES[type].attachment;
      if (attachment) expect(ATTACHMENTS[attachment], type).toBeDefined();
      // A page is reached through the short link, so only a dynamic type can have one.
      if (hasPage(type)) expect(DYNAMIC_TYPES, type).toContain(type);
    }
  });

  it("makes every type either static (a payload) or dynamic (a short-link target), never both", () => {
    const samples: Record<string, Record<string, unknown>> = {
      url: { url: "https://example.com/" },
      email: { address: "a@example.com" },
      call: { phoneNumber: "+15551234567" },
      sms: { phoneNumber: "+15551234567", message: "hi" },
      geo: { latitude: 1, longitude: 2 },
      wifi: { ssid: "Cafe", password: "secret12", encryption: "WPA", hidden: false },
      file: { fileName: "0123456789abcdef01234567" },
    };
    for (const type of QR_CODE_TYPES) {
      const content = samples[type] ?? {};
      const dynamic = DYNAMIC_TYPES.includes(type);
      if (!samples[type]) {
        expect(dynamic, `${type} has no sample, so it must be a page type`).toBe(true);
        expect(linkTarget(type, content, "abcdEFGH")).toBe("/p/abcdEFGH");
        continue;
      }
      expect(staticPayload(type, content) === null, type).toBe(dynamic);
      expect(linkTarget(type, content, "abcdEFGH") === null, type).toBe(!dynamic);
    }
    expect(linkTarget("url", samples.url!, "abcdEFGH")).toBe("https://example.com/");
    expect(linkTarget("file", samples.file!, "abcdEFGH")).toBe("/files/0123456789abcdef01234567");
  });

  it("finds every upload a content refers to, and only upload ids", () => {
    const id = (n: number) => String(n).repeat(24).slice(0, 24);
    expect(uploadReferences("links", { links: [{ url: "https://a.example", name: "A", image: id(1) }, { url: "https://b.example", name: "B", image: "https://img.example/x.png" }], image: id(2), publicFilePath: id(3) })).toEqual([
      { path: "image", id: id(2), purpose: "image" },
      { path: "publicFilePath", id: id(3), purpose: "file" },
      { path: "links.0.image", id: id(1), purpose: "image" },
    ]);
    expect(uploadReferences("audio", { fileName: id(4) })).toEqual([{ path: "fileName", id: id(4), purpose: "audio" }]);
    expect(uploadReferences("url", { url: "https://example.com" })).toEqual([]);
  });
});
