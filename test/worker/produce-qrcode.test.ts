import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { generateSecret } from "../../src/auth/secrets";
import { insertDeveloperKey, revokeDeveloperKey, setDeveloperKeyAllowlist, setUserStatus } from "../../src/db/accounts";
import { expectScans, readPng } from "../support/decode";
import { seedAccount } from "./seed";

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
    const { secret: fresh } = await insertDeveloperKey(env.DB, user.id, { allowlist: [CLIENT_IP] });
    expect((await produce({ api_key: apiKey, developer_secret: fresh, url: "https://a.example" })).body.status).toBe("success");
    await revokeDeveloperKey(env.DB, developerKey.id);
    await revokeDeveloperKey(env.DB, (await insertDeveloperKey(env.DB, user.id, { allowlist: [CLIENT_IP] })).record.id);
  });

  it("a revoked key stops working and its reissued successor works", async () => {
    const { apiKey, secret, developerKey, user } = await seedAccount();
    await revokeDeveloperKey(env.DB, developerKey.id);
    await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example" }), "INVALID_DEVELOPER_SECRET", "Invalid developer_secret");
    const { secret: reissued } = await insertDeveloperKey(env.DB, user.id, { allowlist: developerKey.allowlist, replacesId: developerKey.id });
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
    for (const url of ["ftp://a.example", "javascript:alert(1)", "acme.com", "https://", "http:///path", "https://a b.example", "tel:", "tel:+1 (555) abc", "tel:12", 42, "HTTPS://A.EXAMPLE", `https://a.example/${"x".repeat(5000)}`])
      await expectError(produce({ api_key: apiKey, developer_secret: secret, url, size: 5 }), "INVALID_URL", "Invalid URL format");
  });

  it("size out of range, after the url checks", async () => {
    const { apiKey, secret } = await seedAccount();
    for (const size of [99, 1001, 0, -5, 300.5, "300", true, []])
      await expectError(produce({ api_key: apiKey, developer_secret: secret, url: "https://a.example", size }), "INVALID_SIZE", "Size must be between 100 and 1000");
  });

  it("content that cannot be drawn at the size is a generation failure", async () => {
    const { apiKey, secret } = await seedAccount();
    const url = `https://a.example/${"x".repeat(1500)}`;
    await expectError(produce({ api_key: apiKey, developer_secret: secret, url, size: 100 }), "GENERATION_FAILED", "Failed to generate QR code");
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
  it("arbitrary JSON bodies and headers never produce anything but a 200 envelope", async () => {
    const { apiKey, secret } = await seedAccount();
    const field = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(apiKey), fc.constant(secret), fc.array(fc.string(), { maxLength: 2 }));
    const body = fc.oneof(
      fc.record({ api_key: field, developer_secret: field, url: fc.oneof(field, fc.webUrl()), size: field, org_id: field, brand_id: field, member_id: field }, { requiredKeys: [] }),
      fc.json().map((text) => text),
      fc.string(),
    );
    const headers = fc.dictionary(fc.constantFrom("CF-Connecting-IP", "X-Forwarded-For", "Content-Type", "X-Anything"), fc.string({ unit: "binary-ascii", maxLength: 40 }).map((s) => s.replace(/[\r\n\0]/g, "")));
    await fc.assert(
      fc.asyncProperty(body, headers, async (payload, extraHeaders) => {
        const res = await exports.default.fetch(
          new Request(PATH, { method: "POST", headers: extraHeaders, body: typeof payload === "string" ? payload : JSON.stringify(payload) }),
        );
        expect(res.status).toBe(200);
        const envelope = await res.json<Envelope>();
        expect(["success", "error"]).toContain(envelope.status);
        if (envelope.status === "error") expect(Array.isArray(envelope.data)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });
});

describe("documentation", () => {
  it("lists the endpoint in the OpenAPI document", async () => {
    const doc = await (await exports.default.fetch(new Request("https://qr.test/openapi.json"))).json<{ paths: Record<string, Record<string, unknown>> }>();
    expect(doc.paths["/apis/v2/public/crm/produceQRCode"]?.post).toBeDefined();
  });
});

