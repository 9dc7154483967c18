import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ANALYTICS_ROWS_PER_RUN, CODES_PER_RUN, FILES_PER_RUN, LINKS_PER_STEP, purgeDeletedOrganizations, unpublishInactiveLinks } from "../../src/accounts/lifecycle";
import { KNOWN_ACTIONS } from "../../src/auth/actions";
import { insertOrganization } from "../../src/db/accounts";
import worker from "../../src/index";
import { PDF_FIXTURE } from "../support/media-fixtures";
import { admin, bearer, expectAcsError, seedMessageOrg, signed, type MessageOrg } from "./message-qrdl-support";
import { pairingGet } from "./pairing-support";
import { call } from "./qr-support";

// Deactivating, activating and deleting organizations, and deleting users, through the admin API;
// each consequence proven through the API the credential or link belongs to.

afterEach(() => vi.restoreAllMocks());

const CLIENT_IP = "203.0.113.7";
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/10 * * * *" }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const produce = async (apiKey: string, secret: string) => {
  const res = await exports.default.fetch(
    new Request("https://qr.test/apis/v2/public/crm/produceQRCode", {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": CLIENT_IP },
      body: JSON.stringify({ api_key: apiKey, developer_secret: secret, url: "https://example.com" }),
    }),
  );
  return res.json<{ status: string; code?: string }>();
};

const count = async (sql: string, ...binds: unknown[]) => (await env.DB.prepare(sql).bind(...binds).first<number>("n"))!;

/** An organization with one of everything: every kind of credential, two dynamic codes, a file, a message QR code. */
async function seedEverything() {
  const org: MessageOrg = await seedMessageOrg();
  const orgId = org.orgId;
  const bearerKey = await org.issueBearer("read-write", [...KNOWN_ACTIONS]);
  const user = (await admin("POST", `/admin/organizations/${orgId}/users`, { name: "Ada" })).json;
  const developer = (await admin("POST", `/admin/users/${user.user.id}/developer-keys`, { allowlist: [CLIENT_IP] })).json;
  const clientToken = (await admin("POST", `/admin/organizations/${orgId}/pairing/client-token`)).json.secret as string;
  const instance = (await admin("POST", `/admin/organizations/${orgId}/pairing/instances`, { name: "Till" })).json;
  const pairing = { instanceId: instance.instance.id as string, token: instance.secret as string, clientToken };

  const form = new FormData();
  form.append("purpose", "file");
  form.append("file", new File([PDF_FIXTURE], "menu.pdf"));
  const uploaded = await exports.default.fetch(new Request("https://qr.test/files", { method: "POST", headers: { Authorization: `Bearer ${bearerKey}` }, body: form }));
  expect(uploaded.status).toBe(201);
  const fileId = (await uploaded.json<{ id: string }>()).id;

  const codes = [];
  for (const url of ["https://example.com/one", "https://example.com/two"]) {
    const created = await call("POST", "/qr_codes", { key: bearerKey, body: { name: "n", content: { url } } });
    expect(created.status).toBe(201);
    codes.push({ id: created.json.id as string, token: created.json.metadata.shortToken as string });
  }
  const message = await signed({ key: org.key, action: "CreatePhoneMessageQrdl", params: { PhoneNumber: org.phone, GenerateQrImage: "PNG", PrefilledMessage: "Hi" } });
  expect(message.status, JSON.stringify(message.json)).toBe(200);
  const qrdlCode = message.json.Data.QrdlCode as string;
  return { org, orgId, bearerKey, apiKey: user.apiKey as string, userId: user.user.id as string, developerSecret: developer.secret as string, pairing, fileId, codes, qrdlCode };
}

describe("deactivating an organization", () => {
  it("stops every credential and public resource of it at once, deletes nothing, and activating brings it all back", async () => {
    const s = await seedEverything();
    expect(await env.LINKS.get(s.codes[0]!.token)).not.toBeNull();

    const res = await admin("POST", `/admin/organizations/${s.orgId}/deactivate`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id: s.orgId, status: "deactivated" });
    expect(res.json.statusChangedAt).toMatch(TIMESTAMP);

    // Credentials, each in its own family's words.
    const listed = await call("GET", "/qr_codes", { key: s.bearerKey });
    expect(listed.status).toBe(401);
    expect(listed.json.message ?? listed.text).toContain("organization is deactivated");
    expect((await produce(s.apiKey, s.developerSecret)).code).toBe("USER_INACTIVE");
    expectAcsError(await signed({ key: s.org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: s.org.phone } }), "InvalidAccessKeyId.Inactive");
    expectAcsError(await bearer(s.bearerKey, "ListPhoneMessageQrdl", { PhoneNumber: s.org.phone }), "InvalidAccessKeyId.NotFound", 404);
    const paired = await pairingGet(s.pairing, "qr-code");
    expect(paired.status).toBe(401);
    expect(paired.json).toEqual({ error: "This Client-Token's account is deactivated", code: "INVALID_CLIENT_TOKEN" });

    // Public resources: gone from KV and refused by D1, like unknown ones.
    for (const { token } of s.codes) expect(await env.LINKS.get(token)).toBeNull();
    expect((await call("GET", `/r/${s.codes[0]!.token}`)).status).toBe(404);
    expect((await call("GET", `/r/${s.qrdlCode}`)).status).toBe(404);
    expect((await call("GET", `/files/${s.fileId}`)).status).toBe(404);
    expect((await call("GET", `/message-qrdl/${s.qrdlCode}.png`)).status).toBe(404);

    // Nothing is deleted, and the administrator still sees and manages it.
    expect(await count("SELECT COUNT(*) AS n FROM qr_codes WHERE org_id = ?1", s.orgId)).toBe(3);
    expect((await admin("GET", `/admin/organizations/${s.orgId}/api-keys`)).json.items).toHaveLength(1);
    const again = await admin("POST", `/admin/organizations/${s.orgId}/deactivate`);
    expect(again.json).toEqual(res.json);

    const active = await admin("POST", `/admin/organizations/${s.orgId}/activate`);
    expect(active.status).toBe(200);
    expect(active.json.status).toBe("active");
    expect((await call("GET", "/qr_codes", { key: s.bearerKey })).status).toBe(200);
    expect((await produce(s.apiKey, s.developerSecret)).status).toBe("success");
    expect((await signed({ key: s.org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: s.org.phone } })).status).toBe(200);
    expect((await pairingGet(s.pairing, "qr-code")).status).toBe(200);
    expect((await call("GET", `/files/${s.fileId}`)).status).toBe(200);
    expect((await call("GET", `/message-qrdl/${s.qrdlCode}.png`)).status).toBe(200);
    // A link nobody scanned while it was off: D1 answers and KV is filled again.
    const scan = await call("GET", `/r/${s.codes[1]!.token}`, { settle: true });
    expect(scan.status).toBe(302);
    expect(scan.headers.get("location")).toBe("https://example.com/two");
    expect(await env.LINKS.get(s.codes[1]!.token)).not.toBeNull();
    expect((await admin("POST", `/admin/organizations/${s.orgId}/activate`)).json.status).toBe("active");
  });

  it("answers 404 for an unknown organization", async () => {
    for (const action of ["deactivate", "activate"]) expect((await admin("POST", `/admin/organizations/nope/${action}`)).status).toBe(404);
    expect((await admin("DELETE", "/admin/organizations/nope")).status).toBe(404);
  });
});

describe("deleting an organization", () => {
  it("removes its credentials at once, its links at once from KV, and everything else through the cron", async () => {
    const s = await seedEverything();
    const [code] = s.codes;
    const day = new Date().toISOString().slice(0, 10);
    await env.DB.batch([
      env.DB.prepare("INSERT INTO scan_events (id, batch_id, code_id, org_id, kind, at, day, device, bot, visitor) VALUES (?1, 'b', ?2, ?3, 'scan', ?4, ?5, 'mobile', 0, 'v')").bind(
        crypto.randomUUID(), code!.id, s.orgId, `${day}T00:00:00+00:00`, day,
      ),
      env.DB.prepare("INSERT INTO scan_daily (code_id, kind, day, total, humans, bots) VALUES (?1, 'scan', ?2, 1, 1, 0)").bind(code!.id, day),
      env.DB.prepare("INSERT INTO scan_daily_dimensions (code_id, kind, day, dimension, value, humans, bots) VALUES (?1, 'scan', ?2, 'device', 'mobile', 1, 0)").bind(code!.id, day),
      env.DB.prepare("INSERT INTO scan_daily_visitors (code_id, kind, day, visitor) VALUES (?1, 'scan', ?2, 'v')").bind(code!.id, day),
    ]);
    const r2Key = (await env.DB.prepare("SELECT r2_key FROM files WHERE id = ?1").bind(s.fileId).first<{ r2_key: string }>())!.r2_key;
    expect(await env.FILES.head(r2Key)).not.toBeNull();

    const res = await admin("DELETE", `/admin/organizations/${s.orgId}`);
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ id: s.orgId, status: "deleting", isDemo: false });

    // At once: no credential of it exists any more.
    expect((await call("GET", "/qr_codes", { key: s.bearerKey })).status).toBe(401);
    expect((await produce(s.apiKey, s.developerSecret)).code).toBe("INVALID_API_KEY");
    expectAcsError(await signed({ key: s.org.key, action: "ListPhoneMessageQrdl", params: { PhoneNumber: s.org.phone } }), "InvalidAccessKeyId.NotFound", 404);
    expect((await pairingGet(s.pairing, "qr-code")).json).toEqual({ error: "Invalid Client-Token", code: "INVALID_CLIENT_TOKEN" });
    for (const table of ["api_keys", "access_keys", "users", "pairing_client_tokens", "whatsapp_phone_numbers"])
      expect(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE org_id = ?1`, s.orgId), table).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM developer_keys WHERE user_id = ?1", s.userId)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM pairing_instances WHERE org_id = ?1 AND deleted_at IS NULL", s.orgId)).toBe(0);
    // Its WhatsApp number is free for another organization at once.
    const other = (await admin("POST", "/admin/organizations", { name: "Other" })).json;
    expect((await admin("POST", `/admin/organizations/${other.id}/whatsapp-phone-numbers`, { phoneNumber: `+${s.org.phone}` })).status).toBe(201);

    // At once: nothing public of it is reachable.
    for (const { token } of s.codes) {
      expect(await env.LINKS.get(token)).toBeNull();
      expect((await call("GET", `/r/${token}`)).status).toBe(404);
    }
    expect((await call("GET", `/files/${s.fileId}`)).status).toBe(404);
    expect((await call("GET", `/message-qrdl/${s.qrdlCode}.png`)).status).toBe(404);

    // While it is being deleted it can be read, not changed; deleting again is the same answer.
    expect((await admin("GET", `/admin/organizations/${s.orgId}`)).json.status).toBe("deleting");
    for (const [method, path, body] of [
      ["POST", `/admin/organizations/${s.orgId}/brands`, { name: "b" }],
      ["POST", `/admin/organizations/${s.orgId}/api-keys`, { name: "k", role: "read-only" }],
      ["PATCH", `/admin/organizations/${s.orgId}`, { whatsappEnabled: false }],
      ["POST", `/admin/organizations/${s.orgId}/deactivate`, undefined],
      ["POST", `/admin/organizations/${s.orgId}/activate`, undefined],
    ] as const) {
      const refused = await admin(method, path, body);
      expect(refused.status, path).toBe(409);
      expect(refused.json.error.code).toBe("ORGANIZATION_DELETING");
    }
    expect((await admin("DELETE", `/admin/organizations/${s.orgId}`)).status).toBe(202);

    // The cron removes the rest, then the organization.
    for (let run = 0; run < 3 && (await admin("GET", `/admin/organizations/${s.orgId}`)).status === 200; run++) await runCron();
    expect((await admin("GET", `/admin/organizations/${s.orgId}`)).status).toBe(404);
    for (const table of ["qr_codes", "files", "message_qrdl", "file_references", "pairing_instances", "brands", "members", "idempotency_keys"])
      expect(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE org_id = ?1`, s.orgId), table).toBe(0);
    for (const table of ["scan_events", "scan_daily", "scan_daily_dimensions", "scan_daily_visitors"])
      expect(await count(`SELECT COUNT(*) AS n FROM ${table} WHERE code_id = ?1`, code!.id), table).toBe(0);
    expect(await env.FILES.head(r2Key)).toBeNull();
    expect((await pairingGet(s.pairing, "status")).status).toBe(401);
    // Its short tokens stay reserved: no new code ever gets one of them.
    expect(await count("SELECT COUNT(*) AS n FROM short_tokens WHERE token = ?1", code!.token)).toBe(1);
    expect((await admin("DELETE", `/admin/organizations/${s.orgId}`)).status).toBe(404);
  });

  it("works a bounded page at a time: links, analytics, codes and files", async () => {
    const org = await insertOrganization(env.DB, { name: "Big" });
    const codes = CODES_PER_RUN + 1;
    // Codes and their KV records straight into storage: the admin API is what is under test.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO qr_codes (id, org_id, name, type, content, appearance, short_token, created_at, updated_at)
       SELECT printf('%024x', i) || '', ?1, 'n', 'url', '{"url":"https://example.com"}', '{}', printf('b%07d', i), '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00' FROM n`,
    )
      .bind(org.id, codes)
      .run();
    const tokens = Array.from({ length: codes }, (_, i) => `b${String(i + 1).padStart(7, "0")}`);
    for (let i = 0; i < tokens.length; i += 50) await Promise.all(tokens.slice(i, i + 50).map((token) => env.LINKS.put(token, "{}")));
    const firstCode = "0".repeat(23) + "1";
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO scan_daily (code_id, kind, day, total, humans, bots) SELECT ?1, 'scan', printf('d%05d', i), 1, 1, 0 FROM n`,
    )
      .bind(firstCode, ANALYTICS_ROWS_PER_RUN + 1)
      .run();
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       INSERT INTO files (id, org_id, purpose, file_name, media_type, size, sha256, r2_key, created_at)
       SELECT printf('%024x', i + 1000000), ?1, 'file', 'f', 'application/pdf', 1, 'x', 'files/' || ?1 || '/' || i, '2026-01-01T00:00:00+00:00' FROM n`,
    )
      .bind(org.id, FILES_PER_RUN + 1)
      .run();
    await env.FILES.put(`files/${org.id}/1`, "one");
    await env.FILES.put(`files/${org.id}/${FILES_PER_RUN + 1}`, "last");
    const onKv = async () => (await Promise.all(tokens.map((token) => env.LINKS.get(token)))).filter((v) => v !== null).length;

    expect((await admin("DELETE", `/admin/organizations/${org.id}`)).status).toBe(202);
    // The request takes the first LINKS_PER_STEP links off KV; the walk's next run the rest.
    expect(await onKv()).toBe(codes - LINKS_PER_STEP);
    expect(await unpublishInactiveLinks(env)).toBe(1);
    expect(await onKv()).toBe(0);
    expect(await unpublishInactiveLinks(env)).toBe(0);

    const left = async () => ({
      analytics: await count("SELECT COUNT(*) AS n FROM scan_daily WHERE code_id = ?1", firstCode),
      codes: await count("SELECT COUNT(*) AS n FROM qr_codes WHERE org_id = ?1", org.id),
      files: await count("SELECT COUNT(*) AS n FROM files WHERE org_id = ?1", org.id),
      org: await count("SELECT COUNT(*) AS n FROM organizations WHERE id = ?1", org.id),
    });
    // Run 1: a full page of analytics, so no code goes yet; a full page of files, R2 objects first.
    await purgeDeletedOrganizations(env);
    expect(await left()).toEqual({ analytics: 1, codes, files: 1, org: 1 });
    expect(await env.FILES.head(`files/${org.id}/1`)).toBeNull();
    // Run 2: the last analytics row, a page of codes, the last file.
    await purgeDeletedOrganizations(env);
    expect(await left()).toEqual({ analytics: 0, codes: 1, files: 0, org: 1 });
    expect(await env.FILES.head(`files/${org.id}/${FILES_PER_RUN + 1}`)).toBeNull();
    // Run 3: the last code, then the organization.
    await purgeDeletedOrganizations(env);
    expect(await left()).toEqual({ analytics: 0, codes: 0, files: 0, org: 0 });
  });

  it("frees the demo flag, so a new demo organization can be created", async () => {
    await env.DB.prepare("UPDATE organizations SET is_demo = 0 WHERE is_demo = 1").run();
    const first = await admin("POST", "/admin/demo");
    expect(first.status).toBe(201);
    expect((await admin("DELETE", `/admin/organizations/${first.json.organization.id}`)).json.isDemo).toBe(false);
    const second = await admin("POST", "/admin/demo");
    expect(second.status).toBe(201);
    expect(second.json.created).toBe(true);
    expect(second.json.organization.id).not.toBe(first.json.organization.id);
  });
});

describe("deleting a user", () => {
  it("deletes the user and its developer keys; its api_key stops at once; the organization keeps the rest", async () => {
    const s = await seedEverything();
    expect((await produce(s.apiKey, s.developerSecret)).status).toBe("success");
    const res = await admin("DELETE", `/admin/users/${s.userId}`);
    expect(res.status).toBe(204);
    expect((await produce(s.apiKey, s.developerSecret)).code).toBe("INVALID_API_KEY");
    expect((await admin("GET", `/admin/users/${s.userId}`)).status).toBe(404);
    expect(await count("SELECT COUNT(*) AS n FROM developer_keys WHERE user_id = ?1", s.userId)).toBe(0);
    expect((await call("GET", "/qr_codes", { key: s.bearerKey })).status).toBe(200);
    const again = await admin("DELETE", `/admin/users/${s.userId}`);
    expect(again.status).toBe(404);
    expect(again.json.error.code).toBe("NOT_FOUND");
  });

  it("deletes a user whose keys replaced one another", async () => {
    const org = (await admin("POST", "/admin/organizations", { name: "Reissued" })).json;
    const user = (await admin("POST", `/admin/organizations/${org.id}/users`, { name: "Ada" })).json.user;
    const key = (await admin("POST", `/admin/users/${user.id}/developer-keys`, { allowlist: [] })).json.developerKey;
    expect((await admin("POST", `/admin/developer-keys/${key.id}/reissue`)).status).toBe(201);
    expect((await admin("DELETE", `/admin/users/${user.id}`)).status).toBe(204);
    expect(await count("SELECT COUNT(*) AS n FROM developer_keys WHERE user_id = ?1", user.id)).toBe(0);
  });
});
