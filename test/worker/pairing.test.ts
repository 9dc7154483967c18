import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { PHONE_CODE_ALPHABET } from "../../src/objects/pairing-instance";
import { expectScans } from "../support/decode";
import { advance, confirm, pairingGet, seedInstance, seedPairing } from "./pairing-support";
import { call } from "./qr-support";

const base64ToBytes = (text: string) => Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));

// Every instance runs in this isolate, so with Date frozen (on a whole second) an instance's clock
// moves only through advance(): "within its life" and "after 20 seconds" hold however long the
// requests take on a busy machine.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Math.ceil(Date.now() / 1000) * 1000);
});
afterEach(() => vi.useRealTimers());

describe("qr-code: the current value", () => {
  it("is stable within its life, carries its expiry, and rotates after 20 seconds", async () => {
    const seed = await seedPairing();
    const first = await pairingGet(seed, "qr-code");
    expect(first.status).toBe(200);
    expect(Object.keys(first.json)).toEqual(["value", "expiresAt"]);
    const { value, expiresAt } = first.json as { value: string; expiresAt: string };
    // The instance id, then 192 random bits (32 base64url characters).
    expect(value).toMatch(new RegExp(`^${seed.instanceId}\\.[A-Za-z0-9_-]{32}$`));
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    expect(Date.parse(first.headers.get("Expires")!)).toBe(Date.parse(expiresAt));
    expect(Date.parse(expiresAt) - Date.now()).toBe(20_000);
    expect(first.headers.get("Cache-Control")).toBe("no-store");

    await advance(seed.instanceId, 19_999);
    expect((await pairingGet(seed, "qr-code")).json).toEqual({ value, expiresAt });

    await advance(seed.instanceId, 1);
    const next = await pairingGet(seed, "qr-code");
    expect(next.status).toBe(200);
    expect(next.json.value).not.toBe(value);
    expect(Date.parse(next.json.expiresAt)).toBe(Date.parse(expiresAt) + 20_000);
  });

  it("qr-code/image is a PNG data URL that decodes to the same value", async () => {
    const seed = await seedPairing();
    const raw = (await pairingGet(seed, "qr-code")).json.value as string;
    const image = await pairingGet(seed, "qr-code/image");
    expect(image.status).toBe(200);
    expect(image.json.expiresAt).toBeTypeOf("string");
    expect(image.headers.get("Expires")).not.toBeNull();
    const dataUrl = image.json.value as string;
    expect(dataUrl.startsWith("data:image/png;base64,")).toBe(true);
    await expectScans(base64ToBytes(dataUrl.slice("data:image/png;base64,".length)), raw);
  });

  it("pauses after N unscanned rotations until restart (default 3, configurable)", async () => {
    const seed = await seedPairing();
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const answer = await pairingGet(seed, "qr-code");
      expect(answer.status).toBe(200);
      seen.add(answer.json.value);
      await advance(seed.instanceId, 20_000);
    }
    expect(seen.size).toBe(3);
    const paused = await pairingGet(seed, "qr-code/image");
    expect(paused.status).toBe(409);
    expect(paused.json).toEqual({ error: "No code was scanned in 3 rotations; call restart to show a new one", code: "PAUSED" });
    // Still paused, however long the screen keeps polling.
    await advance(seed.instanceId, 600_000);
    expect((await pairingGet(seed, "qr-code")).status).toBe(409);

    expect((await pairingGet(seed, "restart")).json).toEqual({ value: true });
    const fresh = await pairingGet(seed, "qr-code");
    expect(fresh.status).toBe(200);
    expect(seen.has(fresh.json.value)).toBe(false);

    const once = await seedInstance(seed.orgId, 1);
    const single = { ...seed, ...once };
    expect((await pairingGet(single, "qr-code")).status).toBe(200);
    await advance(once.instanceId, 20_000);
    expect((await pairingGet(single, "qr-code")).status).toBe(409);
  });
});

describe("confirmation by QR value", () => {
  it("connects; qr-code and phone-code then answer already connected; status says so", async () => {
    const seed = await seedPairing();
    expect((await pairingGet(seed, "status")).text).toBe('{"connected":false,"error":"You are not connected.","smartphoneConnected":false}');
    const value = (await pairingGet(seed, "qr-code")).json.value;
    const done = await confirm({ value, deviceName: "Pixel 8" });
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ connected: true, instance: seed.instanceId, deviceName: "Pixel 8" });

    for (const path of ["qr-code", "qr-code/image", "phone-code/5511999999999"]) {
      const answer = await pairingGet(seed, path);
      expect(answer.status, path).toBe(200);
      expect(answer.text, path).toBe('{"connected":true,"error":"You are already connected."}');
    }
    expect((await pairingGet(seed, "status")).json).toEqual({ connected: true, error: "You are already connected.", smartphoneConnected: true });

    const history = await env.DB.prepare("SELECT device_name, method, disconnected_at FROM pairing_connections WHERE instance_id = ?1").bind(seed.instanceId).all();
    expect(history.results).toEqual([{ device_name: "Pixel 8", method: "qr", disconnected_at: null }]);
  });

  it("refuses a value older than 20 seconds, accepts one within its life", async () => {
    const seed = await seedPairing();
    const old = (await pairingGet(seed, "qr-code")).json.value;
    await advance(seed.instanceId, 20_000);
    const late = await confirm({ value: old, deviceName: "Late phone" });
    expect(late.status).toBe(410);
    expect(late.json.code).toBe("EXPIRED");
    expect((await pairingGet(seed, "status")).json.connected).toBe(false);

    const current = (await pairingGet(seed, "qr-code")).json.value;
    // Replaced by now, it still answers "expired" (not "unknown") to a phone that was just too slow.
    expect((await confirm({ value: old, deviceName: "Late phone" })).status).toBe(410);
    await advance(seed.instanceId, 19_999);
    expect((await confirm({ value: current, deviceName: "Quick phone" })).status).toBe(200);
  });

  it("of 50 racing confirmations exactly one wins", async () => {
    const seed = await seedPairing();
    const value = (await pairingGet(seed, "qr-code")).json.value;
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => confirm({ value, deviceName: `Phone ${i}` })));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    expect(answers.find((a) => a.status === 409)!.json).toEqual({ error: "This value was already used", code: "ALREADY_USED" });
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_connections WHERE instance_id = ?1").bind(seed.instanceId).first("n");
    expect(rows).toBe(1);
  });

  it("a value binds its instance: it never links another, and a forged one is unknown", async () => {
    const a = await seedPairing();
    const b = { ...a, ...(await seedInstance(a.orgId)) };
    const valueA = (await pairingGet(a, "qr-code")).json.value as string;
    await pairingGet(b, "qr-code");
    const secretA = valueA.split(".")[1];
    // A's random part under B's id: B's object compares its own whole value.
    const forged = await confirm({ value: `${b.instanceId}.${secretA}`, deviceName: "Mallory" });
    expect(forged.status).toBe(404);
    expect(forged.json).toEqual({ error: "Unknown pairing value", code: "INVALID_PAIRING_VALUE" });
    // An instance that does not exist answers the same, and malformed values too.
    const ghost = await confirm({ value: `${"A".repeat(32)}.${secretA}`, deviceName: "Mallory" });
    expect(ghost.text).toBe(forged.text);
    expect((await confirm({ value: "nonsense", deviceName: "Mallory" })).text).toBe(forged.text);
    expect((await pairingGet(b, "status")).json.connected).toBe(false);
    expect((await confirm({ value: valueA, deviceName: "Real phone" })).json.instance).toBe(a.instanceId);
    expect((await pairingGet(b, "status")).json.connected).toBe(false);
  });

  it("disconnect ends the link (history closed) and a new value connects again", async () => {
    const seed = await seedPairing();
    expect((await confirm({ value: (await pairingGet(seed, "qr-code")).json.value, deviceName: "First" })).status).toBe(200);
    const used = (await pairingGet(seed, "qr-code")).json;
    expect(used.connected).toBe(true);
    expect((await pairingGet(seed, "disconnect")).json).toEqual({ value: true });
    expect((await pairingGet(seed, "disconnect")).json).toEqual({ value: true });
    expect((await pairingGet(seed, "status")).json.connected).toBe(false);
    const value = (await pairingGet(seed, "qr-code")).json.value;
    expect((await confirm({ value, deviceName: "Second" })).status).toBe(200);
    const history = await env.DB.prepare("SELECT device_name, disconnected_at FROM pairing_connections WHERE instance_id = ?1 ORDER BY device_name")
      .bind(seed.instanceId)
      .all<{ device_name: string; disconnected_at: string | null }>();
    expect(history.results.map((r) => [r.device_name, r.disconnected_at === null])).toEqual([
      ["First", false],
      ["Second", true],
    ]);
  });

  it("validates the body", async () => {
    expect((await confirm({ deviceName: "x" })).status).toBe(400);
    expect((await confirm({ value: "v", phone: "+5511999999999", code: "ABCD2345", deviceName: "x" })).status).toBe(400);
    expect((await confirm({ phone: "+5511999999999", deviceName: "x" })).json.code).toBe("VALIDATION_FAILED");
    expect((await confirm({ value: "v", deviceName: "" })).status).toBe(400);
    expect((await call("POST", "/pairing/confirm", { body: "{", headers: { "Content-Type": "application/json" } })).status).toBe(400);
  });
});

describe("phone codes", () => {
  it("8 characters without look-alikes, stable within their window, bound to the phone, single-use", async () => {
    const seed = await seedPairing();
    const first = await pairingGet(seed, "phone-code/5511999999999");
    expect(first.status).toBe(200);
    const { code, expiresAt } = first.json as { code: string; expiresAt: string };
    expect(code).toMatch(new RegExp(`^[${PHONE_CODE_ALPHABET}]{8}$`));
    expect(code).not.toMatch(/[01OI]/);
    expect(Date.parse(first.headers.get("Expires")!)).toBe(Date.parse(expiresAt));
    expect((await pairingGet(seed, "phone-code/+5511999999999")).json).toEqual({ code, expiresAt });
    const other = (await pairingGet(seed, "phone-code/5511988887777")).json.code;
    expect(other).not.toBe(code);

    // Another phone's number with this code, or this number with the other's code: unknown.
    expect((await confirm({ phone: "+5511988887777", code, deviceName: "x" })).status).toBe(404);
    expect((await confirm({ phone: "+5511999999999", code: other, deviceName: "x" })).status).toBe(404);
    const ok = await confirm({ phone: "+55 11 99999-9999", code: `${code.slice(0, 4)}-${code.slice(4).toLowerCase()}`, deviceName: "Moto" });
    expect(ok.status).toBe(200);
    expect(ok.json.instance).toBe(seed.instanceId);
    const again = await confirm({ phone: "+5511999999999", code, deviceName: "Moto" });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe("ALREADY_USED");
    // The other pending code went with the link.
    expect((await confirm({ phone: "+5511988887777", code: other, deviceName: "x" })).status).toBe(404);
    const history = await env.DB.prepare("SELECT method, phone FROM pairing_connections WHERE instance_id = ?1").bind(seed.instanceId).first();
    expect(history).toEqual({ method: "phone", phone: "+5511999999999" });

    await pairingGet(seed, "disconnect");
    expect((await confirm({ phone: "+5511999999999", code, deviceName: "Moto" })).status).toBe(404);
  });

  it("expires after its window; wrong guesses by anyone cannot spend it", async () => {
    const seed = await seedPairing();
    const code = (await pairingGet(seed, "phone-code/4915112345678")).json.code as string;
    await advance(seed.instanceId, 120_000);
    expect((await confirm({ phone: "+4915112345678", code, deviceName: "x" })).status).toBe(410);
    const fresh = (await pairingGet(seed, "phone-code/4915112345678")).json.code as string;
    expect(fresh).not.toBe(code);
    const wrong = fresh === "22222222" ? "33333333" : "22222222";
    // Confirmation is unauthenticated: a stranger's wrong guesses must not lock the owner out.
    for (let i = 0; i < 6; i++) expect((await confirm({ phone: "+4915112345678", code: wrong, deviceName: "x" })).status).toBe(404);
    expect((await confirm({ phone: "+4915112345678", code: fresh, deviceName: "x" })).status).toBe(200);
  });

  it("other accounts requesting codes for the same number never crowd out the right instance", async () => {
    const victim = await seedPairing();
    const code = (await pairingGet(victim, "phone-code/4917612345678")).json.code as string;
    for (let i = 0; i < 7; i++) {
      const other = await seedPairing();
      expect((await pairingGet(other, "phone-code/4917612345678")).status).toBe(200);
    }
    const answer = await confirm({ phone: "+4917612345678", code, deviceName: "Pixel" });
    expect(answer.status).toBe(200);
    expect(answer.json.instance).toBe(victim.instanceId);
  });

  it("refuses numbers that are not E.164", async () => {
    const seed = await seedPairing();
    for (const phone of ["123", "05511999999999", "abc", "+1234567890123456"]) {
      const answer = await pairingGet(seed, `phone-code/${encodeURIComponent(phone)}`);
      expect(answer.status, phone).toBe(400);
      expect(answer.json.code).toBe("INVALID_PHONE");
    }
  });
});

describe("credentials", () => {
  it("one error shape: 401 for the Client-Token, the same 404 for an unknown instance and a wrong token, 403 across accounts", async () => {
    const seed = await seedPairing();
    const missing = await pairingGet(seed, "qr-code", null);
    expect(missing.status).toBe(401);
    expect(missing.json).toEqual({ error: "The Client-Token header is required", code: "MISSING_CLIENT_TOKEN" });
    expect((await pairingGet(seed, "qr-code", "nonsense")).json).toEqual({ error: "Invalid Client-Token", code: "INVALID_CLIENT_TOKEN" });
    const other = await seedPairing();
    // Well formed, but rotated away: an old Client-Token is unknown.
    const unknownClient = (await import("../../src/auth/secrets")).generateSecret("pairingClientToken");
    expect((await pairingGet(seed, "status", unknownClient)).status).toBe(401);

    const unknownInstance = await pairingGet({ ...seed, instanceId: "F".repeat(32) }, "qr-code");
    const wrongToken = await pairingGet({ ...seed, token: other.token }, "qr-code");
    const garbage = await pairingGet({ ...seed, instanceId: "x", token: "y" }, "status");
    expect(unknownInstance.status).toBe(404);
    expect(unknownInstance.text).toBe('{"error":"Instance not found","code":"INSTANCE_NOT_FOUND"}');
    expect(wrongToken.text).toBe(unknownInstance.text);
    expect(garbage.text).toBe(unknownInstance.text);
    // Even without a valid Client-Token nothing tells existing instances apart: it is 401 first.
    expect((await pairingGet(seed, "qr-code", unknownClient)).text).toBe((await pairingGet({ ...seed, instanceId: "F".repeat(32) }, "qr-code", unknownClient)).text);

    const crossed = await pairingGet(seed, "qr-code", other.clientToken);
    expect(crossed.status).toBe(403);
    expect(crossed.json.code).toBe("FORBIDDEN");
    expect((await pairingGet(seed, "status")).headers.get("X-Request-Id")).toBeTruthy();
    // Paths the contract does not have answer in the same shape, after the same checks.
    expect((await pairingGet(seed, "nothing-here")).json).toEqual({ error: `No route for GET /instances/${seed.instanceId}/token/${seed.token}/nothing-here`, code: "NOT_FOUND" });
    expect((await pairingGet({ ...seed, token: other.token }, "nothing-here")).text).toBe(unknownInstance.text);
    expect((await call("GET", `/instances/${seed.instanceId}`)).json).toEqual({ error: `No route for GET /instances/${seed.instanceId}`, code: "NOT_FOUND" });
  });
});
