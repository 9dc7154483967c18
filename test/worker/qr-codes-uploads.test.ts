import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeRgba, expectDecoded, expectScans, expectSvgScans, rasterizeSvg, readPng } from "../support/decode";
import { downscale, onPaper } from "../support/image-ops";
import { ringLogo } from "../support/big-png";
import { PDF_FIXTURE, wavFixture } from "../support/media-fixtures";
import { RING_LOGO_96 } from "../support/png-fixtures";
import { call, seedOrg } from "./qr-support";

afterEach(() => vi.restoreAllMocks());

const LOGO = RING_LOGO_96;

async function upload(key: string, purpose: string, fileName: string, bytes: Uint8Array): Promise<{ id: string; url: string; mediaType: string }> {
  const form = new FormData();
  form.append("purpose", purpose);
  form.append("file", new File([bytes], fileName));
  const res = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${key}` }, body: form }));
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

describe("codes that point at uploads", () => {
  it("file: the short link leads to the stored file; the image encodes the short link", async () => {
    const org = await seedOrg();
    const pdf = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Menu", type: "file", content: { fileName: pdf.id } } });
    expect(created.status, created.text).toBe(201);
    const token = created.json.metadata.shortToken;
    expect(await env.LINKS.get(token, "json")).toMatchObject({ type: "file", target: `/files/${pdf.id}` });
    const png = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { size: 300 } });
    await expectScans(png.bytes, created.json.attributes.dynamicUrl);
  });

  it("audio: publicAudioFilePath names the stored file; a PDF is not audio", async () => {
    const org = await seedOrg();
    const audio = await upload(org.writeKey, "audio", "jingle.wav", wavFixture());
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Jingle", type: "audio", content: { fileName: audio.id, name: "Our jingle" } } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.content).toEqual({ fileName: audio.id, name: "Our jingle", publicAudioFilePath: `https://qr.test/files/${audio.id}` });
    expect(created.json.attributes.hostedPageUrl).toMatch(/\/p\/[0-9A-Za-z]{8}$/);
    // Sending the representation back (derived field included) is accepted and changes nothing.
    const again = await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: created.json });
    expect(again.json.content).toEqual(created.json.content);
    const pdf = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const wrong = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", type: "audio", content: { fileName: pdf.id } } });
    expect(wrong.status).toBe(400);
    expect(wrong.json.violations).toEqual([{ propertyPath: "content.fileName", message: "must be an uploaded audio (this file is application/pdf)" }]);
  });

  it("another organization's upload cannot be referenced", async () => {
    const owner = await seedOrg();
    const other = await seedOrg();
    const pdf = await upload(owner.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const res = await call("POST", "/qr_codes", { key: other.writeKey, body: { name: "x", type: "file", content: { fileName: pdf.id } } });
    expect(res.status).toBe(400);
    expect(res.json.violations).toEqual([{ propertyPath: "content.fileName", message: "no uploaded file has this id" }]);
    const logo = await upload(owner.writeKey, "logo", "logo.png", LOGO);
    const styled = await call("POST", "/qr_codes", { key: other.writeKey, body: { name: "x", content: { url: "https://a.example" }, appearance: { uploadedImage: logo.id } } });
    expect(styled.status).toBe(400);
    expect(styled.json.violations[0].propertyPath).toBe("appearance.uploadedImage");
  });

  it("hosted page images must be images", async () => {
    const org = await seedOrg();
    const logo = await upload(org.writeKey, "logo", "logo.png", LOGO);
    const pdf = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const ok = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", type: "text", content: { text: "hi", image: logo.id, publicFilePath: pdf.id } } });
    expect(ok.status, ok.text).toBe(201);
    const bad = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", type: "links", content: { links: [{ url: "https://a.example", name: "A", image: pdf.id }] } } });
    expect(bad.json.violations).toEqual([{ propertyPath: "content.links.0.image", message: "must be an uploaded image (this file is application/pdf)" }]);
  });
});

describe("downloads of the upload-backed types", () => {
  it("file and audio codes: PNG and SVG at 100, 300 and 5000 px decode to their short link", async () => {
    const org = await seedOrg();
    const pdf = await upload(org.writeKey, "file", "menu.pdf", PDF_FIXTURE);
    const audio = await upload(org.writeKey, "audio", "jingle.wav", wavFixture());
    for (const [type, fileName] of [["file", pdf.id], ["audio", audio.id]] as const) {
      const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: type, type, content: { fileName }, appearance: { dotsOptionsType: "rounded" } } });
      expect(created.status, created.text).toBe(201);
      const text = created.json.attributes.dynamicUrl as string;
      for (const size of [100, 300, 5000]) {
        const png = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { format: "png", size, margin: 4 } });
        expect(png.status).toBe(200);
        const image = readPng(png.bytes);
        expect([image.width, image.height]).toEqual([size, size]);
        // 5000 px is read after a box filter down to 500 px: the decoders are fast there.
        if (size === 5000) expectDecoded(await decodeRgba(onPaper(downscale(image, 10))), text);
        else await expectScans(png.bytes, text);
        const svg = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { format: "svg", size, margin: 4 } });
        if (size === 5000) expectDecoded(await decodeRgba(onPaper(await rasterizeSvg(svg.text, 500))), text);
        else await expectSvgScans(svg.text, size, text);
      }
      expect((await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { size: 10 } })).status).toBe(400);
    }
  });
});

describe("uploaded logos", () => {
  it("an uploaded logo is drawn in the centre and the code still scans, by id or by our own URL", async () => {
    const org = await seedOrg();
    const logo = await upload(org.writeKey, "logo", "logo.png", LOGO);
    for (const reference of [logo.id, logo.url]) {
      const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Logo", content: { url: "https://example.com/logo" }, appearance: { uploadedImage: reference, qrOptionsErrorCorrectionLevel: "H", dotsOptionsType: "rounded" } } });
      expect(created.status, created.text).toBe(201);
      expect(created.json.appearance.uploadedImage).toBe(reference);
      for (const format of ["png", "svg"] as const) {
        const res = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { format, size: 400 } });
        expect(res.status).toBe(200);
        if (format === "svg") expect(res.text).toContain("data:image/png;base64,");
      }
      const png = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { size: 400 } });
      await expectScans(png.bytes, created.json.attributes.dynamicUrl);
    }
  });

  it("a logo whose stored bytes vanished is drawn without it, never a 500", async () => {
    const org = await seedOrg();
    const logo = await upload(org.writeKey, "logo", "logo.png", LOGO);
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Logo", content: { url: "https://example.com/logo" }, appearance: { uploadedImage: logo.id, qrOptionsErrorCorrectionLevel: "H" } } });
    expect(created.status).toBe(201);
    await env.FILES.delete(`files/${org.orgId}/${logo.id}`);
    const png = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { size: 300 } });
    expect(png.status).toBe(200);
    await expectScans(png.bytes, created.json.attributes.dynamicUrl);
    // Saving a design with it now says what happened instead of failing.
    const again = await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body: { name: "Logo", content: { url: "https://example.com/logo" }, appearance: { uploadedImage: logo.id } } });
    expect(again.status).toBe(400);
    expect(again.json.violations[0].propertyPath).toBe("appearance.uploadedImage");
  });

  it("a logo URL on a forbidden host is refused without any outbound request", async () => {
    const org = await seedOrg();
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    for (const uploadedImage of [
      "http://example.com/logo.png",
      "https://127.0.0.1/logo.png",
      "https://localhost/logo.png",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/logo.png",
      "https://10.0.0.8/logo.png",
      "https://100.64.0.1/logo.png",
      "https://2130706433/logo.png",
      "https://0x7f000001/logo.png",
      "https://user@127.0.0.1/logo.png",
      "https://printer.local/logo.png",
      "javascript:alert(1)",
    ]) {
      const res = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: { url: "https://a.example" }, appearance: { uploadedImage } } });
      expect(res.status, uploadedImage).toBe(400);
      expect(res.json.violations[0].propertyPath).toBe("appearance.uploadedImage");
    }
    expect(fetchSpy).not.toHaveBeenCalled();
    expect((await call("GET", "/qr_codes", { key: org.readKey })).json.totalItems).toBe(0);
  });
});

describe("large logos", () => {
  /** A 5000 px download decodes after a box filter down to 500 px, the others as they are. */
  async function expectDownloadScans(org: { readKey: string }, id: string, size: number, text: string) {
    const png = await call("POST", `/qr_codes/${id}/download`, { key: org.readKey, body: { format: "png", size } });
    expect(png.status, png.text).toBe(200);
    const image = readPng(png.bytes);
    expect([image.width, image.height]).toEqual([size, size]);
    if (size === 5000) expectDecoded(await decodeRgba(onPaper(downscale(image, 10))), text);
    else await expectScans(png.bytes, text);
  }

  const r2Keys = async (orgId: string) => (await env.FILES.list({ prefix: `files/${orgId}/` })).objects.map((o) => o.key);

  it("a PNG of a few hundred KB declaring 4096x4096 is refused from its header: 400 on file, nothing stored", async () => {
    const org = await seedOrg();
    const bomb = ringLogo(4096, 4096);
    expect(bomb.length).toBeLessThan(512 * 1024);
    const form = new FormData();
    form.append("purpose", "logo");
    form.append("file", new File([bomb], "bomb.png"));
    const res = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${org.writeKey}` }, body: form }));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = await res.json<{ violations: { propertyPath: string; message: string }[] }>();
    expect(problem.violations).toEqual([
      { propertyPath: "file", message: "Logo images may have at most 4194304 pixels (2048x2048, or any shape of that area); this one is 4096x4096; scale it down and send it again" },
    ]);
    expect(await r2Keys(org.orgId)).toEqual([]);
  });

  it("a logo over 1024 px a side is stored scaled to 1024 px as a PNG, and its code downloads at 5000 and 1000 px", async () => {
    const org = await seedOrg();
    const original = ringLogo(2048, 1536);
    const logo = await upload(org.writeKey, "logo", "ring.png", original);
    expect(logo.mediaType).toBe("image/png");
    const stored = await exports.default.fetch(new Request(logo.url));
    expect(stored.status).toBe(200);
    const image = readPng(new Uint8Array(await stored.arrayBuffer()));
    expect([image.width, image.height]).toEqual([1024, 768]);
    const created = await call("POST", "/qr_codes", {
      key: org.writeKey,
      body: { name: "Ring", content: { url: "https://example.com/ring" }, appearance: { uploadedImage: logo.id, qrOptionsErrorCorrectionLevel: "H", imageOptionsImageSize: 0.3, dotsOptionsType: "rounded" } },
    });
    expect(created.status, created.text).toBe(201);
    for (const size of [5000, 1000]) await expectDownloadScans(org, created.json.id, size, created.json.attributes.dynamicUrl);
  });

  it("a logo URL is imported the same way: scaled when large, refused over the pixel bound", async () => {
    const org = await seedOrg();
    const served: Record<string, Uint8Array> = { "https://cdn.example.com/wide.png": ringLogo(2048, 2048), "https://cdn.example.com/bomb.png": ringLogo(4096, 4096) };
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input) => {
      const body = served[String(input instanceof Request ? input.url : input)];
      return body ? new Response(body, { headers: { "Content-Type": "image/png" } }) : new Response("no", { status: 404 });
    });
    const refused = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "x", content: { url: "https://a.example" }, appearance: { uploadedImage: "https://cdn.example.com/bomb.png" } } });
    expect(refused.status).toBe(400);
    expect(refused.json.violations).toEqual([{ propertyPath: "appearance.uploadedImage", message: expect.stringMatching(/at most 4194304 pixels .*this one is 4096x4096/) }]);
    const body = { name: "Wide", content: { url: "https://example.com/wide" }, appearance: { uploadedImage: "https://cdn.example.com/wide.png", qrOptionsErrorCorrectionLevel: "H" } };
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body });
    expect(created.status, created.text).toBe(201);
    const [key] = await r2Keys(org.orgId);
    const stored = await env.FILES.get(key!);
    const image = readPng(new Uint8Array(await stored!.arrayBuffer()));
    expect([image.width, image.height]).toEqual([1024, 1024]);
    // Saving the design again imports the URL again and finds the scaled copy already stored.
    expect((await call("PUT", `/qr_codes/${created.json.id}`, { key: org.writeKey, body })).status).toBe(200);
    expect(await r2Keys(org.orgId)).toEqual([key]);
    await expectDownloadScans(org, created.json.id, 1000, created.json.attributes.dynamicUrl);
  });

  it("logos stored before uploads were scaled: up to the pixel bound they render, past it the download is a clear 400", async () => {
    const org = await seedOrg();
    const logo = await upload(org.writeKey, "logo", "logo.png", LOGO);
    const created = await call("POST", "/qr_codes", { key: org.writeKey, body: { name: "Old", content: { url: "https://example.com/old" }, appearance: { uploadedImage: logo.id, qrOptionsErrorCorrectionLevel: "H" } } });
    expect(created.status, created.text).toBe(201);
    // What the upload stored as it was, before it checked and scaled logos.
    await env.FILES.put(`files/${org.orgId}/${logo.id}`, ringLogo(2048, 2048));
    for (const size of [5000, 1000]) await expectDownloadScans(org, created.json.id, size, created.json.attributes.dynamicUrl);
    await env.FILES.put(`files/${org.orgId}/${logo.id}`, ringLogo(4096, 4096));
    for (const format of ["png", "svg"]) {
      const res = await call("POST", `/qr_codes/${created.json.id}/download`, { key: org.readKey, body: { format, size: 600 } });
      expect(res.status).toBe(400);
      expect(res.json.violations).toEqual([
        { propertyPath: "appearance.uploadedImage", message: expect.stringMatching(/this one is 4096x4096; scale it down, upload it again and use the new upload$/) },
      ]);
    }
  });
});
