import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { generateSecret } from "../../src/auth/secrets";
import { revokeDeveloperKey, setDeveloperKeyAllowlist, setUserStatus } from "../../src/db/accounts";
import { unexpectedErrorCount } from "../../src/http/errors";
import { expectScans, readPng } from "../support/decode";
import { seedAccount, seedDeveloperKey } from "./seed";

const PATH = "https://qr.test/apis/v2/public/crm/produceQRCode";
const CLIENT_IP = "203.0.113.7";

interface Envelope {
  status: "success" | "error";
  data: string | string[];
  code?: string;
}

async function produce(body: unknown, headers: Record<string, string> = { "CF-Connecting-IP": CLIENT_IP }): Promise<{ status: number; body: Envelope }> {
  const res = await exports.default.fetch(
    new Request(PATH, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }),
  );
  return { status: res.status, body: await res.json<Envelope>() };
}

/** Sends the body as a stream of chunks with no Content-Length, as a chunked upload arrives. */
async function produceChunked(text: string, chunkBytes = 1024): Promise<{ status: number; headers: Headers; body: Envelope }> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunkBytes));
      offset += chunkBytes;
    },
  });
  const request = new Request(PATH, { method: "POST", headers: { "Content-Type": "application/json", "CF-Connecting-IP": CLIENT_IP }, body: stream });
  expect(request.headers.has("content-length")).toBe(false);
  const res = await exports.default.fetch(request);
  return { status: res.status, headers: res.headers, body: await res.json<Envelope>() };
}

/** Produces a code and checks it is a size x size PNG that decodes to exactly `url`. */
async function expectProduced(body: Record<string, unknown>, url: string, size = 500) {
  const { status, body: envelope } = await produce({ ...body, url, size });
  expect(status).toBe(200);
  expect(envelope.status, JSON.stringify(envelope)).toBe("success");
  const png = decodeBase64(envelope.data as string);
  const image = readPng(png);
  expect([image.width, image.height]).toEqual([size, size]);
  await expectScans(png, url);
}

async function expectError(result: Promise<{ status: number; body: Envelope }>, code: string, message: string) {
  const { status, body } = await result;
  expect(status).toBe(200);
  expect(body).toEqual({ status: "error", data: [message], code });
}

const decodeBase64 = (b64: string) => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

afterEach(() => vi.restoreAllMocks());

describe("produceQRCode success", () => {
  for (const size of [100, 500, 1000])
    it(`returns a ${size} px PNG that decodes to the exact url`, async () => {
      const { apiKey, secret } = await seedAccount();
      const url = "https://acme.com/pricing?plan=pro&ref=qr#compare";
      const { status, body } = await produce({ api_key: apiKey, developer_secret: secret, url, size });
      expect(status).toBe(200);
      expect(body.status).toBe("success");
      expect(typeof body.data).toBe("string");
      expect(body.data as string).not.toMatch(/^data:/);
      const png = decodeBase64(body.data as string);
      const image = readPng(png);
      expect([image.width, image.height]).toEqual([size, size]);
      await expectScans(png, url);
    });

  it("encodes tel: URIs and defaults the size to 500", async () => {
    const { apiKey, secret } = await seedAccount();
    const { body } = await produce({ api_key: apiKey, developer_secret: secret, url: "tel:+15550123456" });
    const png = decodeBase64(body.data as string);
    expect(readPng(png).width).toBe(500);
    await expectScans(png, "tel:+15550123456");
  });

  it("accepts org_id, brand_id and member_id of the key's organization", async () => {
    const { apiKey, secret, organization, brand, member } = await seedAccount();
    const { body } = await produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example", org_id: organization.id, brand_id: String(brand.id), member_id: member.id });
    expect(body.status).toBe("success");
  });
});

describe("produceQRCode errors, one check at a time in the documented order", () => {
  it("missing api_key comes first", async () => {
    await expectError(produce({}), "MISSING_API_KEY", "API key is required");
    await expectError(produce({ api_key: "", developer_secret: "" }), "MISSING_API_KEY", "API key is required");
  });

  it("missing developer_secret comes before an invalid api_key", async () => {
    await expectError(produce({ api_key: "nonsense" }), "MISSING_DEVELOPER_SECRET", "Missing developer_secret");
    await expectError(produce({ api_key: "nonsense", developer_secret: "" }), "MISSING_DEVELOPER_SECRET", "Missing developer_secret");
  });

  it("invalid api_key: malformed, bad checksum, unknown, wrong length", async () => {
    const { secret } = await seedAccount();
    const unknown = generateSecret("userApiKey");
    for (const key of ["nonsense", unknown, `${unknown}x`, unknown.slice(0, -1), `${unknown.slice(0, -1)}${unknown.endsWith("A") ? "B" : "A"}`, "zdk_" + unknown.slice(4)])
      await expectError(produce({ api_key: key, developer_secret: secret, url: "bad" }), "INVALID_API_KEY", "Invalid API key");
  });

  it("rejects a key with a bad checksum without reading the database", async () => {
    const { apiKey, secret } = await seedAccount();
    const prepare = vi.spyOn(env.DB, "prepare");
    const broken = `${apiKey.slice(0, -1)}${apiKey.endsWith("A") ? "B" : "A"}`;
    await expectError(produce({ api_key: broken, developer_secret: secret }), "INVALID_API_KEY", "Invalid API key");
    expect(prepare).not.toHaveBeenCalled();
    // The spy does see reads on the normal path, so its silence above means something.
    await produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example" });
    expect(prepare).toHaveBeenCalled();
  });

  it("inactive user comes before the developer secret check", async () => {
    const { apiKey, user } = await seedAccount();
    await setUserStatus(env.DB, user.id, "inactive");
    await expectError(produce({ api_key: apiKey, developer_secret: "zdk_wrong" }), "USER_INACTIVE", "User account is not active");
  });

  it("invalid developer_secret: unknown, revoked, another user's, wrong length", async () => {
    const { apiKey, user, developerKey } = await seedAccount();
    const other = await seedAccount();
    for (const secret of ["zdk_short", generateSecret("developerSecret"), other.secret, `${other.secret}0`, generateSecret("userApiKey")])
      await expectError(produce({ api_key: apiKey, developer_secret: secret }), "INVALID_DEVELOPER_SECRET", "Invalid developer_secret");
    const { secret: fresh } = await seedDeveloperKey(user.id, { allowlist: [CLIENT_IP] });
    expect((await produce({ api_key: apiKey, developer_secret: fresh, url: "https://a.example" })).body.status).toBe("success");
    await revokeDeveloperKey(env.DB, developerKey.id);
    await revokeDeveloperKey(env.DB, (await seedDeveloperKey(user.id, { allowlist: [CLIENT_IP] })).record.id);
  });

  it("a revoked key stops working and its reissued successor works", async () => {
    const { apiKey, secret, developerKey, user } = await seedAccount();
    await revokeDeveloperKey(env.DB, developerKey.id);
    await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example" }), "INVALID_DEVELOPER_SECRET", "Invalid developer_secret");
    const { secret: reissued } = await seedDeveloperKey(user.id, { allowlist: developerKey.allowlist, replacesId: developerKey.id });
    expect((await produce({ api_key: apiKey, developer_secret: reissued, url: "https://a.example" })).body.status).toBe("success");
  });

  it("IP not allowlisted comes before the url checks", async () => {
    const { apiKey, secret } = await seedAccount();
    await expectError(produce({ api_key: apiKey, developer_secret: secret }, { "CF-Connecting-IP": "198.51.100.1" }), "IP_NOT_WHITELISTED", "IP address not whitelisted");
  });

  it("org, brand and member of another organization are refused after authentication", async () => {
    const { apiKey, secret } = await seedAccount();
    const other = await seedAccount();
    await expectError(produce({ api_key: apiKey, developer_secret: secret, org_id: other.organization.id }), "INVALID_ORG_ID", "Invalid org ID");
    await expectError(produce({ api_key: apiKey, developer_secret: secret, brand_id: 999 }), "INVALID_BRAND_ID", "Invalid brand ID");
    await expectError(produce({ api_key: apiKey, developer_secret: secret, member_id: other.member.id }), "INVALID_MEMBER_ID", "Invalid member ID");
  });

  it("missing url, then invalid url", async () => {
    const { apiKey, secret } = await seedAccount();
    await expectError(produce({ api_key: apiKey, developer_secret: secret, size: 5 }), "MISSING_URL", "URL is required");
    await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "" }), "MISSING_URL", "URL is required");
    for (const url of ["ftp://a.example", "javascript:alert(1)", "acme.com", "https://", "http:///path", "https://a b.example", "tel:", "tel:+1 (555) abc", "tel:12", 42, "HTTPS://", "TEL:", "Ftp://a.example", `https://a.example/${"x".repeat(5000)}`])
      await expectError(produce({ api_key: apiKey, developer_secret: secret, url, size: 5 }), "INVALID_URL", "Invalid URL format");
  });

  it("size out of range, after the url checks", async () => {
    const { apiKey, secret } = await seedAccount();
    for (const size of [99, 1001, 0, -5, 300.5, "300", true, []])
      await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example", size }), "INVALID_SIZE", "Size must be between 100 and 1000");
  });

  it("content that cannot be drawn at the size fails and names the smallest size that works", async () => {
    const { apiKey, secret } = await seedAccount();
    const url = `https://a.example/${"x".repeat(1500)}`;
    const { status, body } = await produce({ api_key: apiKey, developer_secret: secret, url, size: 100 });
    expect(status).toBe(200);
    expect(body.status).toBe("error");
    expect(body.code).toBe("GENERATION_FAILED");
    expect(body.data).toHaveLength(2);
    expect(body.data[0]).toBe("Failed to generate QR code");
    const minimum = Number(/at least (\d+) px/.exec(body.data[1]!)?.[1]);
    expect(body.data[1]).toBe(`This URL needs a size of at least ${minimum} px to be readable; send "size": ${minimum} or more.`);
    expect(minimum).toBeGreaterThan(100);
    expect(minimum).toBeLessThanOrEqual(1000);
    // The size it names works, and one pixel less does not.
    await expectProduced({ api_key: apiKey, developer_secret: secret }, url, minimum);
    expect((await produce({ api_key: apiKey, developer_secret: secret, url, size: minimum - 1 })).body.code).toBe("GENERATION_FAILED");
  });

  it("a URL too long for any QR code says so", async () => {
    const { apiKey, secret } = await seedAccount();
    const url = `https://a.example/${"x".repeat(3000)}`;
    const { body } = await produce({ api_key: apiKey, developer_secret: secret, url, size: 1000 });
    expect(body).toEqual({
      status: "error",
      data: ["Failed to generate QR code", "This URL is too long for this endpoint: it does not fit a readable QR code of 1000 px; shorten it."],
      code: "GENERATION_FAILED",
    });
  });

  it("malformed JSON, non-object bodies and wrong types get the envelope, never a 500", async () => {
    await expectError(produce("{not json"), "INVALID_REQUEST", "Request body must be valid JSON");
    await expectError(produce("[1,2]"), "INVALID_REQUEST", "Request body must be a JSON object");
    await expectError(produce("null"), "INVALID_REQUEST", "Request body must be a JSON object");
    await expectError(produce({ api_key: 12 }), "INVALID_REQUEST", "api_key must be a string");
    await expectError(produce({ api_key: "k", developer_secret: { a: 1 } }), "INVALID_REQUEST", "developer_secret must be a string");
    await expectError(produce(JSON.stringify({ pad: "x".repeat(20_000) })), "REQUEST_TOO_LARGE", "Request body is too large");
  });
});

describe("a developer key's last use", () => {
  it("is written at most once a minute (as bearer keys are): two calls within 60 s write once, a call after 60 s writes again", async () => {
    const { apiKey, secret, developerKey } = await seedAccount();
    const prepare = vi.spyOn(env.DB, "prepare");
    const touches = () => prepare.mock.calls.filter(([sql]) => /^UPDATE developer_keys SET last_used_at/.test(sql)).length;
    const lastUsed = () => env.DB.prepare("SELECT last_used_at FROM developer_keys WHERE id = ?1").bind(developerKey.id).first<string | null>("last_used_at");
    // The write happens after the response (waitUntil): poll until it has landed.
    const landed = async (expected: string) => {
      for (let i = 0; i < 200 && (await lastUsed()) !== expected; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      expect(await lastUsed()).toBe(expected);
    };
    // The clock is the test's: Date is set for each call, nothing waits for time to pass.
    const callAt = async (iso: string) => {
      vi.setSystemTime(new Date(iso));
      const { body } = await produce({ api_key: apiKey, developer_secret: secret, url: "https://acme.com", size: 100 });
      expect(body.status).toBe("success");
    };
    try {
      await callAt("2031-03-01T12:00:00Z");
      await landed("2031-03-01T12:00:00+00:00");
      await callAt("2031-03-01T12:00:59Z");
      expect(touches()).toBe(1);
      await landed("2031-03-01T12:00:00+00:00");
      await callAt("2031-03-01T12:01:01Z");
      await landed("2031-03-01T12:01:01+00:00");
      expect(touches()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("request body cap (16 KiB), counted while the body streams", () => {
  it("refuses a chunked body over the cap with the endpoint's envelope", async () => {
    const { apiKey, secret } = await seedAccount();
    const text = JSON.stringify({ api_key: apiKey, developer_secret: secret, url: "https://a.example", pad: "x".repeat(17 * 1024) });
    const { status, headers, body } = await produceChunked(text);
    expect(status).toBe(200);
    expect(body).toEqual({ status: "error", data: ["Request body is too large"], code: "REQUEST_TOO_LARGE" });
    expect(headers.get("X-Request-Id")).toBeTruthy();
  });

  it("refuses a body just over the cap and accepts one just under it, both chunked", async () => {
    const { apiKey, secret } = await seedAccount();
    const url = "https://acme.com/pricing";
    const sized = (bytes: number) => {
      const head = JSON.stringify({ api_key: apiKey, developer_secret: secret, url, size: 200, pad: "" });
      return head.replace('"pad":""', `"pad":"${"x".repeat(bytes - head.length)}"`);
    };
    expect(new TextEncoder().encode(sized(16 * 1024 + 1)).length).toBe(16 * 1024 + 1);
    expect((await produceChunked(sized(16 * 1024 + 1), 4096)).body.code).toBe("REQUEST_TOO_LARGE");
    const under = await produceChunked(sized(16 * 1024), 4096);
    expect(under.body.status).toBe("success");
    await expectScans(decodeBase64(under.body.data as string), url);
  });

  it("accepts an ordinary small chunked request", async () => {
    const { apiKey, secret } = await seedAccount();
    const url = "tel:+15550123456";
    const { body } = await produceChunked(JSON.stringify({ api_key: apiKey, developer_secret: secret, url, size: 150 }), 16);
    expect(body.status).toBe("success");
    await expectScans(decodeBase64(body.data as string), url);
  });
});

describe("produceQRCode: schemes, error correction and size", () => {
  it("treats URL schemes as case-insensitive and encodes the URL exactly as sent", async () => {
    const { apiKey, secret } = await seedAccount();
    for (const url of ["HTTPS://EXAMPLE.COM/ABC", "Http://x.y", "hTTp://Acme.com/Pricing?Plan=Pro", "TEL:+15550123456", "Tel:+15550123456"])
      await expectProduced({ api_key: apiKey, developer_secret: secret }, url, 300);
  });

  it("draws a 1,520-character URL at 300 px by falling back to error correction L", async () => {
    const { apiKey, secret } = await seedAccount();
    const url = `https://example.com/${"a1B2c3D4e5".repeat(150)}`;
    expect(url).toHaveLength(1520);
    await expectProduced({ api_key: apiKey, developer_secret: secret }, url, 300);
  });

  it("keeps level M (or better) for URLs that fit it", async () => {
    const { apiKey, secret } = await seedAccount();
    // The same URL at 1000 px fits at M; it decodes, and short URLs are unaffected.
    await expectProduced({ api_key: apiKey, developer_secret: secret }, `https://example.com/${"a1B2c3D4e5".repeat(150)}`, 1000);
    await expectProduced({ api_key: apiKey, developer_secret: secret }, "https://acme.com/pricing", 100);
  });
});

describe("IP allowlist", () => {
  const matrix: [string, string[], string | null, boolean][] = [
    ["exact IPv4", ["203.0.113.7"], "203.0.113.7", true],
    ["IPv4 outside", ["203.0.113.7"], "203.0.113.8", false],
    ["IPv4 CIDR", ["198.51.100.0/24"], "198.51.100.200", true],
    ["IPv4 CIDR outside", ["198.51.100.0/24"], "198.51.101.1", false],
    ["IPv6 /64 compressed client", ["2001:db8:1:2::/64"], "2001:db8:1:2::abcd", true],
    ["IPv6 /64 expanded client", ["2001:db8:1:2::/64"], "2001:0db8:0001:0002:0000:0000:0000:abcd", true],
    ["IPv6 outside /64", ["2001:db8:1:2::/64"], "2001:db8:1:3::1", false],
    ["IPv4-mapped IPv6 client", ["203.0.113.7"], "::ffff:203.0.113.7", true],
    ["garbage header", ["203.0.113.7"], "not-an-ip", false],
    ["no header", ["203.0.113.7"], null, false],
    ["empty allowlist admits nobody", [], "203.0.113.7", false],
  ];
  it.each(matrix)("%s", async (_name, allowlist, clientIp, admitted) => {
    const { apiKey, secret, developerKey } = await seedAccount();
    await setDeveloperKeyAllowlist(env.DB, developerKey.id, allowlist);
    const headers: Record<string, string> = clientIp ? { "CF-Connecting-IP": clientIp } : {};
    const { body } = await produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example", size: 100 }, headers);
    if (admitted) expect(body.status).toBe("success");
    else expect(body).toEqual({ status: "error", data: ["IP address not whitelisted"], code: "IP_NOT_WHITELISTED" });
  });

  it("an allowlisted address sent only in X-Forwarded-For is not trusted", async () => {
    const { apiKey, secret } = await seedAccount();
    const headers = { "X-Forwarded-For": CLIENT_IP, "X-Real-IP": CLIENT_IP, "CF-Connecting-IP": "198.51.100.9" };
    await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example" }, headers), "IP_NOT_WHITELISTED", "IP address not whitelisted");
    await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example" }, { "X-Forwarded-For": CLIENT_IP }), "IP_NOT_WHITELISTED", "IP address not whitelisted");
  });
});

describe("fuzzing", () => {
  it("authenticated requests with valid-ish and junk fields answer 200 and never crash", async () => {
    const clientIp = "198.51.100.23";
    const { apiKey, secret, organization, brand, member } = await seedAccount([clientIp]);
    const junk = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
    const usually = <T>(value: T) => fc.oneof({ weight: 12, arbitrary: fc.constant(value) }, { weight: 1, arbitrary: junk });
    const scheme = fc.constantFrom("http", "https", "HTTP", "HTTPS", "Http", "hTtPs");
    const webUrl = fc.tuple(scheme, fc.webUrl({ withQueryParameters: true, withFragments: true })).map(([s, url]) => s + url.slice(url.indexOf(":")));
    const telUri = fc.tuple(fc.constantFrom("tel:", "TEL:", "Tel:"), fc.stringMatching(/^\+?[0-9]{3,15}$/)).map(([s, n]) => s + n);
    const longUrl = fc.tuple(scheme, fc.integer({ min: 200, max: 3200 })).map(([s, n]) => `${s}://example.com/${"x".repeat(n)}`);
    const url = fc.oneof({ weight: 6, arbitrary: webUrl }, { weight: 2, arbitrary: telUri }, { weight: 2, arbitrary: longUrl }, { weight: 2, arbitrary: junk }, { weight: 1, arbitrary: fc.string().map((t) => `https://${t}`) });
    const size = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 100, max: 1000 }) }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: junk });
    const body = fc.record(
      {
        api_key: usually(apiKey),
        developer_secret: usually(secret),
        url,
        size,
        org_id: usually(organization.id),
        brand_id: fc.oneof(fc.constant(brand.id), usually(String(brand.id))),
        member_id: usually(member.id),
        extra: junk,
      },
      { requiredKeys: ["api_key", "developer_secret", "url"] },
    );
    const headers = fc.dictionary(fc.constantFrom("X-Forwarded-For", "Content-Type", "X-Request-Id", "X-Anything"), fc.string({ unit: "binary-ascii", maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, "")));
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(body, headers, async (payload, extraHeaders) => {
        const before = unexpectedErrorCount();
        const res = await exports.default.fetch(
          new Request(PATH, { method: "POST", headers: { ...extraHeaders, "CF-Connecting-IP": clientIp }, body: JSON.stringify(payload) }),
        );
        expect(res.status).toBe(200);
        const envelope = await res.json<Envelope>();
        // A crash masked as GENERATION_FAILED still counts: the envelope alone cannot tell.
        expect(unexpectedErrorCount(), JSON.stringify(envelope)).toBe(before);
        if (envelope.status === "success") {
          successes++;
          // A PNG of the size asked for (500 when none was sent): signature, then IHDR width/height.
          const png = decodeBase64(envelope.data as string);
          expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
          const view = new DataView(png.buffer, png.byteOffset);
          const expected = typeof payload.size === "number" ? payload.size : 500;
          expect([view.getUint32(16), view.getUint32(20)]).toEqual([expected, expected]);
        } else {
          expect(envelope.status).toBe("error");
          expect(Array.isArray(envelope.data) && envelope.data.every((m) => typeof m === "string")).toBe(true);
          expect(typeof envelope.code).toBe("string");
          // Generation fails only with its reason beside the contract's message.
          if (envelope.code === "GENERATION_FAILED") expect(envelope.data).toHaveLength(2);
        }
      }),
      { numRuns: 150 },
    );
    // The generators mostly authenticate and reach rendering; a run that never did proves little.
    expect(successes).toBeGreaterThan(30);
  });

  it("the counter it watches does move when a crash is masked", async () => {
    const { apiKey, secret } = await seedAccount();
    const before = unexpectedErrorCount();
    const spy = vi.spyOn(env.DB, "prepare").mockImplementation(() => {
      throw new Error("simulated D1 outage");
    });
    const { body } = await produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example" });
    spy.mockRestore();
    expect(body).toEqual({ status: "error", data: ["Failed to generate QR code"], code: "GENERATION_FAILED" });
    expect(unexpectedErrorCount()).toBe(before + 1);
  });
});

describe("documentation", () => {
  it("lists the endpoint in the OpenAPI document", async () => {
    const doc = await (await exports.default.fetch(new Request("https://qr.test/openapi.json"))).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(doc.paths["/apis/v2/public/crm/produceQRCode"]?.post).toBeDefined();
  });
});

