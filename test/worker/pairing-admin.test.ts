import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { isWellFormedSecret } from "../../src/auth/secrets";
import { markPairingInstanceDeleted } from "../../src/db/pairing";
import { setServiceValue } from "../../src/db/service-meta";
import worker from "../../src/index";
import type { PairingInstance } from "../../src/objects/pairing-instance";
import { PAIR_SCRIPT_PATH } from "../../src/pages/pairing-script";
import { advance, confirm, pairingGet, seedPairing, stubOf } from "./pairing-support";
import { call } from "./qr-support";

const ADMIN = { Authorization: "Bearer test-admin-token" };
const admin = (method: string, path: string, body?: unknown) => call(method, path, { headers: ADMIN, body });

async function runCron(scheduledTime: number) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime, cron: "*/10 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** What the instance's object holds: its state row and phone codes. */
const storageOf = (instanceId: string) =>
  runInDurableObject(stubOf(instanceId), (_: PairingInstance, state) => ({
    state: state.storage.sql.exec("SELECT value, connected, issued FROM state").toArray(),
    codes: state.storage.sql.exec("SELECT phone FROM phone_codes").toArray().length,
  }));

describe("admin API: instances and the Client-Token", () => {
  it("creates, lists, shows, rotates and deletes", async () => {
    const org = (await admin("POST", "/admin/organizations", { name: "Pairing admin" })).json;
    const created = await admin("POST", `/admin/organizations/${org.id}/pairing/instances`, { name: "Front desk", pauseAfter: 5 });
    expect(created.status).toBe(201);
    const { instance, secret: token } = created.json;
    expect(instance).toMatchObject({ orgId: org.id, name: "Front desk", pauseAfter: 5 });
    expect(instance.id).toMatch(/^[0-9A-F]{32}$/);
    expect(isWellFormedSecret(token, "pairingInstanceToken")).toBe(true);
    expect(instance.tokenPrefix).toBe(`${token.slice(0, 8)}…`);
    const defaults = (await admin("POST", `/admin/organizations/${org.id}/pairing/instances`, {})).json.instance;
    expect(defaults).toMatchObject({ name: "Instance", pauseAfter: 3 });

    const listed = await admin("GET", `/admin/organizations/${org.id}/pairing/instances`);
    expect(listed.json.items.map((i: { id: string }) => i.id)).toEqual([instance.id, defaults.id]);
    expect(listed.text).not.toContain(token);

    const first = await admin("POST", `/admin/organizations/${org.id}/pairing/client-token`);
    expect(first.status).toBe(201);
    expect(isWellFormedSecret(first.json.secret, "pairingClientToken")).toBe(true);
    const seed = { instanceId: instance.id, token, clientToken: first.json.secret as string };
    expect((await pairingGet(seed, "status")).status).toBe(200);
    const rotated = await admin("POST", `/admin/organizations/${org.id}/pairing/client-token`);
    expect((await pairingGet(seed, "status")).status).toBe(401);
    expect((await pairingGet({ ...seed, clientToken: rotated.json.secret }, "status")).status).toBe(200);
    const shown = await admin("GET", `/admin/organizations/${org.id}/pairing/client-token`);
    expect(shown.json).toEqual(rotated.json.clientToken);
    expect(shown.text).not.toContain(rotated.json.secret);

    const live = { ...seed, clientToken: rotated.json.secret as string };
    await confirm({ value: (await pairingGet(live, "qr-code")).json.value, deviceName: "Tablet" });
    expect((await admin("GET", `/admin/pairing/instances/${instance.id}`)).json).toMatchObject({ connected: true, deviceName: "Tablet" });
    const history = (await admin("GET", `/admin/pairing/instances/${instance.id}/connections`)).json.items;
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ deviceName: "Tablet", method: "qr", phone: null, disconnectedAt: null });

    expect((await admin("DELETE", `/admin/pairing/instances/${instance.id}`)).status).toBe(204);
    expect((await pairingGet(live, "status")).status).toBe(404);
    expect((await admin("GET", `/admin/pairing/instances/${instance.id}`)).status).toBe(404);
    expect((await admin("DELETE", `/admin/pairing/instances/${instance.id}`)).status).toBe(404);
    expect(await storageOf(instance.id)).toEqual({ state: [], codes: 0 });
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_instances WHERE id = ?1").bind(instance.id).first("n")).toBe(0);
  });

  it("validates input and needs the admin token", async () => {
    const org = (await admin("POST", "/admin/organizations", { name: "Pairing validation" })).json;
    expect((await admin("POST", `/admin/organizations/${org.id}/pairing/instances`, { pauseAfter: 0 })).status).toBe(400);
    expect((await admin("POST", `/admin/organizations/nope/pairing/instances`, {})).status).toBe(404);
    expect((await call("POST", `/admin/organizations/${org.id}/pairing/client-token`)).status).toBe(401);
  });
});

describe("the demo organization", () => {
  it("comes with a pairing instance and a Client-Token that work together", async () => {
    // Make room for a fresh demo (another test may have created one).
    await env.DB.prepare("UPDATE organizations SET is_demo = 0 WHERE is_demo = 1").run();
    const demo = await admin("POST", "/admin/demo");
    expect(demo.status).toBe(201);
    const { pairingInstance, pairingInstanceSecret, pairingClientTokenSecret } = demo.json;
    expect(pairingInstance).toMatchObject({ orgId: demo.json.organization.id, name: "Demo instance", pauseAfter: 3 });
    const seed = { instanceId: pairingInstance.id, token: pairingInstanceSecret, clientToken: pairingClientTokenSecret };
    const value = (await pairingGet(seed, "qr-code")).json.value;
    expect((await confirm({ value, deviceName: "Demo phone" })).status).toBe(200);
    expect((await pairingGet(seed, "status")).json.connected).toBe(true);
  });
});

describe("cleanup", () => {
  it("the cron removes expired phone-code routes, expired values, and deleted instances' state", async () => {
    const seed = await seedPairing();
    await pairingGet(seed, "qr-code");
    await pairingGet(seed, "phone-code/5511912345678");
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_phone_codes WHERE instance_id = ?1").bind(seed.instanceId).first("n")).toBe(1);

    const gone = await seedPairing();
    await pairingGet(gone, "qr-code");
    // A delete whose purge did not happen (the Durable Object was unreachable): the cron finishes it.
    await markPairingInstanceDeleted(env.DB, gone.instanceId);
    expect((await pairingGet(gone, "status")).status).toBe(404);

    await setServiceValue(env.DB, "pairing_sweep_cursor", null);
    await runCron(Date.now() + 10 * 60_000);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_phone_codes WHERE instance_id = ?1").bind(seed.instanceId).first("n")).toBe(0);
    const swept = await storageOf(seed.instanceId);
    expect(swept.codes).toBe(0);
    expect(swept.state).toEqual([{ value: null, connected: 0, issued: 1 }]);
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_instances WHERE id = ?1").bind(gone.instanceId).first("n")).toBe(0);
    expect(await storageOf(gone.instanceId)).toEqual({ state: [], codes: 0 });
    // Idempotent: nothing more to do.
    await runCron(Date.now() + 10 * 60_000);
    expect((await storageOf(seed.instanceId)).state).toEqual([{ value: null, connected: 0, issued: 1 }]);
  });

  it("deleting purges the instance's object, phone-code routes and row; when the object is unreachable the cron's purge finishes it", async () => {
    const routesOf = (instanceId: string) => env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_phone_codes WHERE instance_id = ?1").bind(instanceId).first("n");
    const rowsOf = (instanceId: string) => env.DB.prepare("SELECT COUNT(*) AS n FROM pairing_instances WHERE id = ?1").bind(instanceId).first("n");
    const now = await seedPairing();
    const later = await seedPairing();
    for (const seed of [now, later]) {
      await pairingGet(seed, "qr-code");
      await pairingGet(seed, "phone-code/5511912345678");
      expect(await routesOf(seed.instanceId)).toBe(1);
    }

    expect((await admin("DELETE", `/admin/pairing/instances/${now.instanceId}`)).status).toBe(204);
    expect([await routesOf(now.instanceId), await rowsOf(now.instanceId), await storageOf(now.instanceId)]).toEqual([0, 0, { state: [], codes: 0 }]);

    const unreachable = new Proxy({}, { get: () => () => Promise.reject(new Error("object unreachable")) });
    const spy = vi.spyOn(env.PAIRING_INSTANCE, "get").mockReturnValue(unreachable as unknown as ReturnType<typeof env.PAIRING_INSTANCE.get>);
    try {
      expect((await admin("DELETE", `/admin/pairing/instances/${later.instanceId}`)).status).toBe(204);
    } finally {
      spy.mockRestore();
    }
    // Deleted at once for its callers, though nothing of it is wiped yet.
    expect((await pairingGet(later, "status")).status).toBe(404);
    expect([await routesOf(later.instanceId), await rowsOf(later.instanceId), (await storageOf(later.instanceId)).codes]).toEqual([1, 1, 1]);
    await runCron(Date.now());
    expect([await routesOf(later.instanceId), await rowsOf(later.instanceId), await storageOf(later.instanceId)]).toEqual([0, 0, { state: [], codes: 0 }]);
  });

  it("the instance's alarm removes what expired, and an idle instance keeps no storage", async () => {
    const seed = await seedPairing();
    await pairingGet(seed, "phone-code/5511912345678");
    expect((await storageOf(seed.instanceId)).codes).toBe(1);
    await advance(seed.instanceId, 120_000 + 60_000);
    expect(await runDurableObjectAlarm(stubOf(seed.instanceId))).toBe(true);
    expect(await storageOf(seed.instanceId)).toEqual({ state: [], codes: 0 });

    await pairingGet(seed, "qr-code");
    await advance(seed.instanceId, 20_000 + 60_000);
    expect(await runDurableObjectAlarm(stubOf(seed.instanceId))).toBe(true);
    // The unscanned count stays (a pause must survive), the value is gone.
    expect((await storageOf(seed.instanceId)).state).toEqual([{ value: null, connected: 0, issued: 1 }]);
  });
});

describe("the demo page and the OpenAPI document", () => {
  it("serves the page under a strict CSP with its same-origin script", async () => {
    const id = "0123456789ABCDEF0123456789ABCDEF";
    const page = await call("GET", `/instances/${id}/pair`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("Content-Security-Policy")!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(page.text).toContain(`data-instance="${id}"`);
    expect(page.text).toContain(`<script src="${PAIR_SCRIPT_PATH}" defer="">`);
    expect(page.text).not.toMatch(/<script>(?!<\/script>)/);
    const script = await call("GET", PAIR_SCRIPT_PATH);
    expect(script.status).toBe(200);
    expect(script.headers.get("Content-Type")).toContain("text/javascript");
    expect((await call("GET", "/instances/not-an-id/pair")).status).toBe(404);
  });

  it("documents the pairing calls and the confirm endpoint", async () => {
    const doc = (await exports.default.fetch(new Request("https://qr.test/openapi.json"))).json<any>();
    const { paths, components } = await doc;
    for (const path of ["qr-code", "qr-code/image", "phone-code/{phone}", "status", "disconnect", "restart"])
      expect(paths[`/instances/{instance}/token/{token}/${path}`]?.get, path).toBeDefined();
    expect(paths["/pairing/confirm"].post.requestBody).toBeDefined();
    expect(paths["/instances/{instance}/pair"].get).toBeDefined();
    expect(components.securitySchemes.clientToken).toMatchObject({ type: "apiKey", in: "header", name: "Client-Token" });
    expect(paths["/admin/organizations/{orgId}/pairing/instances"].post).toBeDefined();
  });
});
