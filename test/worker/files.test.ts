import { env, exports } from "cloudflare:workers";
import { strToU8, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { displayPrefix, generateSecret, hashSecret } from "../../src/auth/secrets";
import { insertApiKey, insertOrganization } from "../../src/db/accounts";
import { findFile, findFileById, type StoredFile } from "../../src/db/files";
import { importRemoteLogo, readFileBytes, resolveUploadedImage } from "../../src/files/logo";
import { MAX_BYTES } from "../../src/files/sniff";
import { fileHeaders } from "../../src/http/files";
import { InvalidInput } from "../../src/lib/invalid-input";
import type { Fetcher } from "../../src/lib/safe-fetch";

const ORIGIN = "https://qr.test";
const BOUNDARY = "----edgeqrTestBoundary7MA4YWxkTrZu0gW";

// Tiny but well-formed files of every accepted kind.
const b64 = (s: string) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
const bytes = (...parts: (string | number[] | Uint8Array)[]) => {
  const chunks = parts.map((p) => (typeof p === "string" ? strToU8(p) : p instanceof Uint8Array ? p : new Uint8Array(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
};
const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const le16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];

const PNG = b64("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");
/** 16x16 teal, baseline (sharp, quality 50). */
const JPEG = b64(
  "/9j/2wBDABALDA4MChAODQ4SERATGCgaGBYWGDEjJR0oOjM9PDkzODdASFxOQERXRTc4UG1RV19iZ2hnPk1xeXBkeFxlZ2P/2wBDARESEhgVGC8aGi9jQjhCY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2NjY2P/wAARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAX/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFQEBAQAAAAAAAAAAAAAAAAAABAX/xAAUEQEAAAAAAAAAAAAAAAAAAAAA/9oADAMBAAIRAxEAPwCWAejP/9k=",
);
/** A JPEG's signature and JFIF segment with no frame: no size to read. */
const JPEG_WITHOUT_FRAME = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], "JFIF", [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xd9]);
const GIF = b64("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
const WEBP = bytes("RIFF", le32(26), "WEBPVP8L", le32(13), [0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe, 0x07, 0]);
const PDF = strToU8("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");
const WAV = bytes("RIFF", le32(36 + 4), "WAVEfmt ", le32(16), le16(1), le16(1), le32(8000), le32(8000), le16(1), le16(8), "data", le32(4), [128, 128, 128, 128]);
const OGG = bytes("OggS", [0, 2], new Uint8Array(20), [1, 0x1e, 1], "vorbis", new Uint8Array(23));
const MP3_FRAME = bytes([0xff, 0xfb, 0x90, 0x64], new Uint8Array(413));
const MP3_ID3 = bytes("ID3", [3, 0, 0, 0, 0, 0, 0], MP3_FRAME);
const M4A = bytes([0, 0, 0, 0x20], "ftypM4A ", [0, 0, 0, 0], "M4A mp42isom", [0, 0, 0, 8], "free");
const DOCX = zipSync({
  "[Content_Types].xml": strToU8('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
  "_rels/.rels": strToU8("<Relationships/>"),
  "word/document.xml": strToU8("<w:document/>"),
});
const XLSX = zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "xl/workbook.xml": strToU8("<workbook/>") });
const PPTX = zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "ppt/presentation.xml": strToU8("<p/>") });
const ODT = zipSync({ mimetype: [strToU8("application/vnd.oasis.opendocument.text"), { level: 0 }], "content.xml": strToU8("<office:document-content/>") });
const ZIP = zipSync({ "notes.txt": strToU8("hello") });
const OLE = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], new Uint8Array(504));
const HTML = strToU8("<!doctype html><html><script>alert(document.cookie)</script></html>");
const SVG = strToU8('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');

type Part = { name: string; value: string } | { name: string; fileName: string; data: Uint8Array; contentType?: string };

function formBody(parts: Part[], close = true): Uint8Array {
  const chunks: (string | Uint8Array)[] = [];
  for (const part of parts) {
    if ("value" in part) chunks.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`);
    else {
      chunks.push(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.fileName}"\r\nContent-Type: ${part.contentType ?? "application/octet-stream"}\r\n\r\n`);
      chunks.push(part.data, "\r\n");
    }
  }
  if (close) chunks.push(`--${BOUNDARY}--\r\n`);
  return bytes(...chunks);
}

async function seedOrg() {
  const organization = await insertOrganization(env.DB, { name: `Files ${crypto.randomUUID()}` });
  return { organization, writeKey: await bearerKey(organization.id, "read-write", ["qr:ReadQrCode", "qr:WriteQrCode"]) };
}

/** A bearer key inserted directly (the admin API is not what these tests are about). */
async function bearerKey(orgId: string, role: "read-only" | "read-write", actions: string[]): Promise<string> {
  const secret = generateSecret("bearerKey");
  await insertApiKey(env.DB, orgId, { name: "files test", role, actions, secretHash: await hashSecret(secret), secretPrefix: displayPrefix(secret) });
  return secret;
}

async function upload(key: string | null, body: BodyInit, headers: Record<string, string> = {}) {
  const init: RequestInit & { duplex?: string } = {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`, ...(key ? { Authorization: `Bearer ${key}` } : {}), ...headers },
    body,
  };
  if (body instanceof ReadableStream) init.duplex = "half";
  return exports.default.fetch(new Request(`${ORIGIN}/files`, init));
}

interface Uploaded {
  id: string;
  fileName: string;
  mediaType: string;
  size: number;
  url: string;
}
interface Problem {
  status: number;
  detail: string;
  violations?: { propertyPath: string; message: string }[];
}

async function uploadFile(key: string, purpose: string, fileName: string, data: Uint8Array, contentType?: string) {
  return upload(key, formBody([{ name: "purpose", value: purpose }, { name: "file", fileName, data, ...(contentType ? { contentType } : {}) }]));
}

async function expectProblem(res: Response, status: number): Promise<Problem> {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  const body = await res.json<Problem>();
  expect(body.status).toBe(status);
  return body;
}

async function r2Keys(orgId: string): Promise<string[]> {
  return (await env.FILES.list({ prefix: `files/${orgId}/` })).objects.map((o) => o.key);
}

const getFile = (id: string, headers: Record<string, string> = {}, method = "GET") => exports.default.fetch(new Request(`${ORIGIN}/files/${id}`, { method, headers }));

describe("POST /files stores each accepted type, decided by its bytes", () => {
  const cases: [purpose: string, fileName: string, data: Uint8Array, mediaType: string][] = [
    ["logo", "logo.png", PNG, "image/png"],
    ["logo", "logo.jpg", JPEG, "image/jpeg"],
    ["audio", "song.mp3", MP3_FRAME, "audio/mpeg"],
    ["audio", "tagged.mp3", MP3_ID3, "audio/mpeg"],
    ["audio", "voice.m4a", M4A, "audio/mp4"],
    ["audio", "voice.ogg", OGG, "audio/ogg"],
    ["audio", "beep.wav", WAV, "audio/wav"],
    ["file", "menu.pdf", PDF, "application/pdf"],
    ["file", "photo.png", PNG, "image/png"],
    ["file", "photo.jpeg", JPEG, "image/jpeg"],
    ["file", "anim.gif", GIF, "image/gif"],
    ["file", "pic.webp", WEBP, "image/webp"],
    ["file", "letter.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
    ["file", "sheet.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"],
    ["file", "deck.pptx", PPTX, "application/vnd.openxmlformats-officedocument.presentationml.presentation"],
    ["file", "letter.odt", ODT, "application/vnd.oasis.opendocument.text"],
    ["file", "legacy.doc", OLE, "application/msword"],
    ["file", "legacy.xls", OLE, "application/vnd.ms-excel"],
    ["file", "archive.zip", ZIP, "application/zip"],
  ];
  for (const [purpose, fileName, data, mediaType] of cases)
    it(`${purpose}: ${fileName} → ${mediaType}`, async () => {
      const { organization, writeKey } = await seedOrg();
      // The client's Content-Type is a lie on purpose: it must not matter.
      const res = await uploadFile(writeKey, purpose, fileName, data, "text/html");
      expect(res.status).toBe(201);
      const body = await res.json<Uploaded>();
      expect(body).toEqual({ id: expect.stringMatching(/^[0-9a-f]{24}$/), fileName, mediaType, size: data.length, url: `${ORIGIN}/files/${body.id}` });
      expect(res.headers.get("location")).toBe(`/files/${body.id}`);

      const stored = await findFile(env.DB, organization.id, body.id);
      expect(stored).toMatchObject({ orgId: organization.id, purpose, fileName, mediaType, size: data.length, sourceUrl: null });
      expect(stored!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", data)), (b) => b.toString(16).padStart(2, "0")).join("");
      expect(stored!.sha256).toBe(digest);
      expect(await readFileBytes(env, stored!)).toEqual(data);

      const get = await getFile(body.id);
      expect(get.status).toBe(200);
      expect(get.headers.get("content-type")).toBe(mediaType);
      expect(new Uint8Array(await get.arrayBuffer())).toEqual(data);
    });

  it("accepts the purpose field with a quoted boundary and a UTF-8 filename*", async () => {
    const { writeKey } = await seedOrg();
    const body = bytes(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfile\r\n`,
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="menu.pdf"; filename*=UTF-8''caf%C3%A9%20menu.pdf\r\n\r\n`,
      PDF,
      `\r\n--${BOUNDARY}--`,
    );
    const res = await upload(writeKey, body, { "Content-Type": `multipart/form-data; boundary="${BOUNDARY}"` });
    expect(res.status).toBe(201);
    expect((await res.json<Uploaded>()).fileName).toBe("café menu.pdf");
  });

  it("sanitises the client's file name (paths, control characters)", async () => {
    const { writeKey } = await seedOrg();
    const res = await uploadFile(writeKey, "file", "..\\..\\C:\\evil/../../etc/rep\u202eort\u0007.pdf", PDF);
    expect((await res.json<Uploaded>()).fileName).toBe("report.pdf");
  });
});

describe("the streaming multipart reader", () => {
  it("finds boundaries split across tiny chunks, and keeps boundary look-alikes inside the file", async () => {
    const { writeKey } = await seedOrg();
    const tricky = bytes(PDF, `\r\n--${BOUNDARY.slice(0, 12)}\r\n--`, [13, 10, 45], `--${BOUNDARY}x`, "\r\n%%EOF");
    const form = bytes("preamble to ignore\r\n", formBody([{ name: "note", value: "ignored" }, { name: "purpose", value: "file" }, { name: "file", fileName: "t.pdf", data: tricky }]));
    for (const step of [1, 3, 7, 64]) {
      let at = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (at >= form.length) return controller.close();
          controller.enqueue(form.slice(at, at + step));
          at += step;
        },
      });
      const res = await upload(writeKey, stream);
      expect(res.status).toBe(201);
      const { id, size } = await res.json<Uploaded>();
      expect(size).toBe(tricky.length);
      expect(new Uint8Array(await (await getFile(id)).arrayBuffer())).toEqual(tricky);
    }
  });
});

describe("POST /files refuses what is not what it claims", () => {
  it("a PNG named .pdf is stored as image/png and downloads with a .png name", async () => {
    const { writeKey } = await seedOrg();
    const res = await uploadFile(writeKey, "file", "report.pdf", PNG, "application/pdf");
    expect(res.status).toBe(201);
    const body = await res.json<Uploaded>();
    expect(body.mediaType).toBe("image/png");
    expect(body.fileName).toBe("report.pdf");
    const get = await getFile(body.id);
    expect(get.headers.get("content-type")).toBe("image/png");
    expect(get.headers.get("content-disposition")).toBe(`inline; filename="report.pdf.png"; filename*=UTF-8''report.pdf.png`);
  });

  const refused: [purpose: string, fileName: string, data: Uint8Array][] = [
    ["logo", "logo.png", HTML],
    ["logo", "logo.svg", SVG],
    ["logo", "logo.png", GIF],
    ["logo", "logo.png", PDF],
    ["logo", "logo.png", MP3_FRAME],
    ["audio", "song.mp3", PNG],
    ["audio", "song.mp3", HTML],
    ["audio", "song.mp3", strToU8("RIFF\x24\x00\x00\x00AVI LIST")],
    ["file", "page.pdf", HTML],
    ["file", "image.png", SVG],
    ["file", "song.pdf", MP3_FRAME],
    ["file", "tool.pdf", strToU8("MZ\x90\x00\x03\x00\x00\x00")],
    ["file", "notes.txt", strToU8("just some text")],
  ];
  for (const [purpose, fileName, data] of refused)
    it(`${purpose}: ${fileName} holding ${new TextDecoder().decode(data.subarray(0, 8)).replace(/[^\x20-\x7e]/g, ".")}… → 400 on file`, async () => {
      const { organization, writeKey } = await seedOrg();
      const problem = await expectProblem(await uploadFile(writeKey, purpose, fileName, data, "image/png"), 400);
      expect(problem.violations).toEqual([{ propertyPath: "file", message: expect.stringContaining(`not an accepted ${purpose} type`) }]);
      expect(await r2Keys(organization.id)).toEqual([]);
    });

  it("a logo whose header gives no size → 400 on file, nothing stored; the same bytes are a fine file", async () => {
    const { organization, writeKey } = await seedOrg();
    const problem = await expectProblem(await uploadFile(writeKey, "logo", "logo.jpg", JPEG_WITHOUT_FRAME), 400);
    expect(problem.violations).toEqual([{ propertyPath: "file", message: "Logo must be a PNG or JPEG image" }]);
    expect(await r2Keys(organization.id)).toEqual([]);
    expect((await uploadFile(writeKey, "file", "photo.jpg", JPEG_WITHOUT_FRAME)).status).toBe(201);
  });

  it("an empty file → 400", async () => {
    const { writeKey } = await seedOrg();
    const problem = await expectProblem(await uploadFile(writeKey, "file", "empty.pdf", new Uint8Array(0)), 400);
    expect(problem.violations?.[0]?.propertyPath).toBe("file");
  });
});

describe("POST /files form errors", () => {
  it("missing purpose, unknown purpose, purpose after the file, missing file", async () => {
    const { writeKey } = await seedOrg();
    let problem = await expectProblem(await upload(writeKey, formBody([{ name: "file", fileName: "a.png", data: PNG }])), 400);
    expect(problem.violations?.[0]?.propertyPath).toBe("purpose");
    problem = await expectProblem(await upload(writeKey, formBody([{ name: "purpose", value: "avatar" }, { name: "file", fileName: "a.png", data: PNG }])), 400);
    expect(problem.violations?.[0]?.propertyPath).toBe("purpose");
    problem = await expectProblem(await upload(writeKey, formBody([{ name: "file", fileName: "a.png", data: PNG }, { name: "purpose", value: "logo" }])), 400);
    expect(problem.violations?.[0]).toEqual({ propertyPath: "purpose", message: expect.stringContaining("before the file") });
    problem = await expectProblem(await upload(writeKey, formBody([{ name: "purpose", value: "logo" }])), 400);
    expect(problem.violations?.[0]?.propertyPath).toBe("file");
    problem = await expectProblem(await upload(writeKey, formBody([{ name: "purpose", value: "logo" }, { name: "file", value: "not a file" }])), 400);
    expect(problem.violations?.[0]?.propertyPath).toBe("file");
  });

  it("not multipart → 415; truncated multipart → 400", async () => {
    const { writeKey } = await seedOrg();
    await expectProblem(await upload(writeKey, JSON.stringify({ purpose: "logo" }), { "Content-Type": "application/json" }), 415);
    await expectProblem(await upload(writeKey, PNG, { "Content-Type": "multipart/form-data" }), 415);
    const truncated = formBody([{ name: "purpose", value: "logo" }, { name: "file", fileName: "a.png", data: PNG }], false).subarray(0, 200);
    const problem = await expectProblem(await upload(writeKey, truncated), 400);
    expect(problem.detail).toMatch(/Malformed multipart body/);
  });
});

/** A form whose file part streams `fileBytes` bytes (a valid head, then zeros) without Content-Length. */
function streamingForm(purpose: string, fileName: string, head: Uint8Array, fileBytes: number) {
  const chunkSize = 64 * 1024;
  let sent = 0;
  let stage = 0;
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (stage === 0) {
        controller.enqueue(strToU8(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\n${purpose}\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${fileName}"\r\n\r\n`));
        stage = 1;
        return;
      }
      if (stage === 1 && sent < fileBytes) {
        const n = Math.min(chunkSize, fileBytes - sent);
        const chunk = new Uint8Array(n);
        if (sent === 0) chunk.set(head.subarray(0, n));
        sent += n;
        state.pulled = sent;
        controller.enqueue(chunk);
        return;
      }
      controller.enqueue(strToU8(`\r\n--${BOUNDARY}--\r\n`));
      controller.close();
    },
    cancel() {
      state.cancelled = true;
    },
  });
  return { stream, state };
}

describe("size limits, enforced while streaming", () => {
  it("a logo one byte over 512 KiB → 413 problem, nothing in R2 or D1", async () => {
    const { organization, writeKey } = await seedOrg();
    const { stream } = streamingForm("logo", "big.png", PNG, MAX_BYTES.logo + 1);
    const problem = await expectProblem(await upload(writeKey, stream), 413);
    expect(problem.detail).toMatch(/too large/i);
    expect(await r2Keys(organization.id)).toEqual([]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM files WHERE org_id = ?1").bind(organization.id).first<{ n: number }>()).toEqual({ n: 0 });
  });

  it("a logo of exactly 512 KiB is accepted", async () => {
    const { writeKey } = await seedOrg();
    const { stream } = streamingForm("logo", "edge.png", PNG, MAX_BYTES.logo);
    const res = await upload(writeKey, stream);
    expect(res.status).toBe(201);
    expect((await res.json<Uploaded>()).size).toBe(MAX_BYTES.logo);
  });

  it("a practically endless logo body stops being read soon after the cap", async () => {
    const { organization, writeKey } = await seedOrg();
    const { stream, state } = streamingForm("logo", "endless.png", PNG, 256 * 1024 * 1024);
    await expectProblem(await upload(writeKey, stream), 413);
    expect(state.pulled).toBeLessThan(16 * 1024 * 1024);
    expect(await r2Keys(organization.id)).toEqual([]);
  });

  it("audio over 20 MiB → 413 after parts went to an R2 multipart upload, which is aborted", async () => {
    const { organization, writeKey } = await seedOrg();
    const { stream } = streamingForm("audio", "long.mp3", MP3_FRAME, MAX_BYTES.audio + 100);
    await expectProblem(await upload(writeKey, stream), 413);
    expect(await r2Keys(organization.id)).toEqual([]);
  });

  it("a declared Content-Length past every limit → 413 before reading", async () => {
    const { writeKey } = await seedOrg();
    const { stream, state } = streamingForm("file", "huge.pdf", PDF, 64 * 1024 * 1024);
    await expectProblem(await upload(writeKey, stream, { "Content-Length": String(64 * 1024 * 1024 + 400) }), 413);
    expect(state.pulled).toBeLessThan(8 * 1024 * 1024);
  });

  it("an endless body that never shows a boundary → 413 once past the overall limit", async () => {
    const { writeKey } = await seedOrg();
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 64 * 1024 * 1024) return controller.close();
        pulled += 256 * 1024;
        controller.enqueue(new Uint8Array(256 * 1024).fill(120));
      },
    });
    await expectProblem(await upload(writeKey, stream), 413);
    expect(pulled).toBeLessThan(40 * 1024 * 1024);
  });

  it("a 12 MiB PDF goes through R2 multipart in 5 MiB parts and reads back byte for byte", async () => {
    const { organization, writeKey } = await seedOrg();
    const size = 12 * 1024 * 1024 + 12345;
    const data = new Uint8Array(size);
    data.set(PDF);
    for (let i = PDF.length; i < size; i += 4096) data[i] = i % 251;
    const res = await uploadFile(writeKey, "file", "big.pdf", data);
    expect(res.status).toBe(201);
    const body = await res.json<Uploaded>();
    expect(body.size).toBe(size);
    expect(await r2Keys(organization.id)).toEqual([`files/${organization.id}/${body.id}`]);
    const get = await getFile(body.id);
    expect(get.headers.get("content-length")).toBe(String(size));
    const back = new Uint8Array(await get.arrayBuffer());
    expect(back.length).toBe(size);
    expect(back.every((b, i) => b === data[i])).toBe(true);
    // The digest was computed while streaming, across part boundaries.
    const digest = Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", data)), (b) => b.toString(16).padStart(2, "0")).join("");
    expect(get.headers.get("etag")).toBe(`"${digest}"`);
  });
});

describe("POST /files authentication", () => {
  it("401 without a key or with a bad one", async () => {
    const res = await uploadFile("", "logo", "a.png", PNG);
    await expectProblem(res, 401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    await expectProblem(await uploadFile(generateSecret("bearerKey"), "logo", "a.png", PNG), 401);
  });

  it("403 with a read-only key or a key without qr:WriteQrCode", async () => {
    const { organization } = await seedOrg();
    const readOnly = await bearerKey(organization.id, "read-only", ["qr:ReadQrCode", "qr:WriteQrCode"]);
    await expectProblem(await uploadFile(readOnly, "logo", "a.png", PNG), 403);
    const otherAction = await bearerKey(organization.id, "read-write", ["qr:ReadQrCode"]);
    await expectProblem(await uploadFile(otherAction, "logo", "a.png", PNG), 403);
    expect(await r2Keys(organization.id)).toEqual([]);
  });
});

describe("GET /files/{id}", () => {
  it("a PDF is an attachment with nosniff, a sandboxing CSP, a long cache and an ETag", async () => {
    const { writeKey } = await seedOrg();
    const { id } = await (await uploadFile(writeKey, "file", "Café menu.pdf", PDF)).json<Uploaded>();
    const res = await getFile(id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="Caf_ menu.pdf"; filename*=UTF-8''Caf%C3%A9%20menu.pdf`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const stored = await findFileById(env.DB, id);
    expect(res.headers.get("etag")).toBe(`"${stored!.sha256}"`);
    expect(res.headers.get("content-length")).toBe(String(PDF.length));
  });

  it("office documents and zips are attachments; images and audio are inline", async () => {
    const { writeKey } = await seedOrg();
    for (const [purpose, name, data, disposition] of [
      ["file", "a.docx", DOCX, "attachment"],
      ["file", "a.zip", ZIP, "attachment"],
      ["file", "a.png", PNG, "inline"],
      ["audio", "a.mp3", MP3_FRAME, "inline"],
    ] as const) {
      const { id } = await (await uploadFile(writeKey, purpose, name, data)).json<Uploaded>();
      expect((await getFile(id)).headers.get("content-disposition")).toMatch(new RegExp(`^${disposition};`));
    }
  });

  it("anything that could run in a browser would be an attachment (SVG, HTML, XML, unknown)", () => {
    for (const mediaType of ["image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/pdf", "application/octet-stream", "text/plain"]) {
      const headers = fileHeaders(fakeFile(mediaType));
      expect(headers.get("content-disposition")).toMatch(/^attachment;/);
      expect(headers.get("x-content-type-options")).toBe("nosniff");
      expect(headers.get("content-security-policy")).toBe("default-src 'none'; sandbox");
    }
  });

  it("HEAD, If-None-Match and byte ranges", async () => {
    const { writeKey } = await seedOrg();
    const { id } = await (await uploadFile(writeKey, "audio", "beep.wav", WAV)).json<Uploaded>();
    const head = await getFile(id, {}, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe(String(WAV.length));
    expect(await head.text()).toBe("");

    const etag = head.headers.get("etag")!;
    const cached = await getFile(id, { "If-None-Match": etag });
    expect(cached.status).toBe(304);
    expect(cached.headers.get("etag")).toBe(etag);

    const ranged = await getFile(id, { Range: "bytes=4-11" });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes 4-11/${WAV.length}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(WAV.subarray(4, 12));

    const suffix = await getFile(id, { Range: "bytes=-4" });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(WAV.subarray(WAV.length - 4));

    const outside = await getFile(id, { Range: `bytes=${WAV.length}-` });
    await expectProblem(outside, 416);
    expect(outside.headers.get("content-range")).toBe(`bytes */${WAV.length}`);
  });

  it("unknown and malformed ids → 404 problem+json, identical bodies", async () => {
    const unknown = await expectProblem(await getFile("0123456789abcdef01234567"), 404);
    const malformed = await expectProblem(await getFile("not-a-file-id"), 404);
    expect(unknown.detail).toBe("File not found");
    expect(malformed).toEqual(unknown);
  });

  it("ids are 24 hex characters and differ every time", async () => {
    const { writeKey } = await seedOrg();
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await (await uploadFile(writeKey, "logo", "a.png", PNG)).json<Uploaded>()).id);
    expect(ids.size).toBe(5);
  });
});

function fakeFile(mediaType: string): StoredFile {
  return { id: "0".repeat(24), orgId: "o", purpose: "file", fileName: "x", mediaType, size: 1, sha256: "ab", r2Key: "k", sourceUrl: null, createdAt: "" };
}

describe("logos by URL: importRemoteLogo and resolveUploadedImage", () => {
  function fetcherServing(routes: Record<string, () => Response>) {
    const calls: string[] = [];
    const fetcher: Fetcher = async (input) => {
      calls.push(input);
      return routes[input]?.() ?? new Response("no", { status: 404 });
    };
    return { calls, fetcher };
  }

  async function validationField(promise: Promise<unknown>): Promise<{ field: string; message: string }> {
    const err = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InvalidInput);
    const issue = (err as InvalidInput).issues[0]!;
    expect(issue.field).toBe("appearance.uploadedImage");
    return issue;
  }

  it("fetches a PNG once, stores it in R2 with its source URL, and re-imports reuse it", async () => {
    const { organization } = await seedOrg();
    const { calls, fetcher } = fetcherServing({
      "https://cdn.example.com/brand/logo%20v2.png": () => new Response(null, { status: 302, headers: { Location: "/brand/final.png" } }),
      "https://cdn.example.com/brand/final.png": () => new Response(PNG, { headers: { "Content-Type": "application/octet-stream" } }),
    });
    const file = await importRemoteLogo(env, organization.id, "https://cdn.example.com/brand/logo%20v2.png", { fetcher });
    expect(file).toMatchObject({ orgId: organization.id, purpose: "logo", mediaType: "image/png", size: PNG.length, fileName: "final.png", sourceUrl: "https://cdn.example.com/brand/logo%20v2.png" });
    expect(await readFileBytes(env, file)).toEqual(PNG);
    expect(calls).toHaveLength(2);
    const again = await importRemoteLogo(env, organization.id, "https://cdn.example.com/brand/logo%20v2.png", { fetcher });
    expect(again.id).toBe(file.id);
    expect(await r2Keys(organization.id)).toEqual([file.r2Key]);
  });

  it("forbidden URLs are refused on appearance.uploadedImage without any request", async () => {
    const { organization } = await seedOrg();
    const { calls, fetcher } = fetcherServing({});
    for (const url of ["http://example.com/a.png", "https://169.254.169.254/latest/meta-data/", "https://[::1]/a.png", "https://2130706433/a.png", "https://localhost/a.png", "https://metadata.google.internal/"]) {
      const issue = await validationField(importRemoteLogo(env, organization.id, url, { fetcher }));
      expect(issue.message).toMatch(/could not be fetched: URL refused/);
    }
    expect(calls).toEqual([]);
  });

  it("a redirect into a private host is refused before it is followed", async () => {
    const { organization } = await seedOrg();
    const { calls, fetcher } = fetcherServing({ "https://cdn.example.com/a.png": () => new Response(null, { status: 301, headers: { Location: "https://10.0.0.5/a.png" } }) });
    await validationField(importRemoteLogo(env, organization.id, "https://cdn.example.com/a.png", { fetcher }));
    expect(calls).toEqual(["https://cdn.example.com/a.png"]);
  });

  it("HTML, SVG, oversize and slow answers are refused and nothing is stored", async () => {
    const { organization } = await seedOrg();
    const { fetcher } = fetcherServing({
      "https://a.example.com/html.png": () => new Response(HTML, { headers: { "Content-Type": "image/png" } }),
      "https://a.example.com/svg": () => new Response(SVG, { headers: { "Content-Type": "image/svg+xml" } }),
      "https://a.example.com/big.png": () => new Response(bytes(PNG, new Uint8Array(MAX_BYTES.logo))),
    });
    expect((await validationField(importRemoteLogo(env, organization.id, "https://a.example.com/html.png", { fetcher }))).message).toMatch(/PNG or JPEG/);
    await validationField(importRemoteLogo(env, organization.id, "https://a.example.com/svg", { fetcher }));
    expect((await validationField(importRemoteLogo(env, organization.id, "https://a.example.com/big.png", { fetcher }))).message).toMatch(/larger than/);
    const never: Fetcher = () => new Promise<Response>(() => undefined);
    expect((await validationField(importRemoteLogo(env, organization.id, "https://a.example.com/slow.png", { fetcher: never, timeoutMs: 50 }))).message).toMatch(/within 50 ms/);
    expect(await r2Keys(organization.id)).toEqual([]);
  });

  it("resolveUploadedImage takes an uploaded logo's id or its URL, only in the same organization", async () => {
    const { organization, writeKey } = await seedOrg();
    const other = await seedOrg();
    const logo = await (await uploadFile(writeKey, "logo", "l.png", PNG)).json<Uploaded>();
    const pdf = await (await uploadFile(writeKey, "file", "f.pdf", PDF)).json<Uploaded>();
    const { calls, fetcher } = fetcherServing({});
    expect((await resolveUploadedImage(env, organization.id, logo.id, { fetcher })).id).toBe(logo.id);
    expect((await resolveUploadedImage(env, organization.id, logo.url, { fetcher, publicOrigin: ORIGIN })).id).toBe(logo.id);
    await validationField(resolveUploadedImage(env, other.organization.id, logo.id, { fetcher }));
    await validationField(resolveUploadedImage(env, organization.id, pdf.id, { fetcher }));
    await validationField(resolveUploadedImage(env, organization.id, "logo.png", { fetcher }));
    expect(calls).toEqual([]);
  });
});

describe("OpenAPI", () => {
  it("documents POST /files and GET /files/{id}", async () => {
    const doc = await (await exports.default.fetch(new Request(`${ORIGIN}/openapi.json`))).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(Object.keys(doc.paths["/files"] ?? {})).toContain("post");
    expect(Object.keys(doc.paths["/files/{id}"] ?? {})).toContain("get");
    expect(JSON.stringify(doc.paths["/files"])).toContain("multipart/form-data");
  });
});
