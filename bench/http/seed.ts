// Seeding a local Worker: organizations and keys through the admin API, codes through the QR
// code API, and thousands of codes straight into D1 (one wrangler call instead of a POST each).
import { randomBytes } from "node:crypto";
import { isoAt } from "../../src/lib/time";
import type { LocalWorker } from "./worker";

export interface Organization {
  orgId: string;
  /** A read-write bearer key (zbk_…) with qr:ReadQrCode and qr:WriteQrCode. */
  secret: string;
}

async function send(worker: LocalWorker, method: string, path: string, token: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(worker.baseUrl + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

export async function createOrganization(worker: LocalWorker, name: string): Promise<Organization> {
  const org = await send(worker, "POST", "/admin/organizations", worker.adminToken, { name });
  const orgId = org.id as string;
  const key = await send(worker, "POST", `/admin/organizations/${orgId}/api-keys`, worker.adminToken, {
    name: `${name} key`,
    role: "read-write",
    actions: ["qr:ReadQrCode", "qr:WriteQrCode"],
  });
  return { orgId, secret: key.secret as string };
}

export interface CodeInput {
  name: string;
  type: string;
  content: Record<string, unknown>;
  appearance?: Record<string, unknown>;
  /** Smart links (dynamic types): routing rules and variants, UTM parameters. */
  routing?: Record<string, unknown>;
  utm?: Record<string, unknown>;
}

/** POST /qr_codes; the answer is the code's representation (id, metadata.shortToken, …). */
export const createCode = (worker: LocalWorker, org: Organization, input: CodeInput) => send(worker, "POST", "/qr_codes", org.secret, input);

export const listTotal = async (worker: LocalWorker, org: Organization, query = "") =>
  (await send(worker, "GET", `/qr_codes${query}`, org.secret)).totalItems as number;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const ROWS_PER_STATEMENT = 500;

export interface BulkCode {
  name: string;
  /** The code this row copies its type, content and appearance from (one created through the API). */
  templateId: string;
  /** Replaces content.url (url codes). */
  url?: string;
  /** Dynamic types get a short token, reserved in short_tokens as the API does. */
  dynamic: boolean;
}

/**
 * Inserts codes into `qr_codes` the way the API stores them: 24-hex ids (12 of milliseconds, 12
 * random) one second apart ending before `newestMs`, a unique 8-character base62 short token for
 * dynamic ones, version 1. Content and appearance are copied from a code the API created, so
 * every row holds a complete, validated appearance. Their KV redirect copies are not written.
 */
export function insertCodes(worker: LocalWorker, orgId: string, codes: BulkCode[], newestMs: number): void {
  const tokens = new Set<string>();
  const newToken = () => {
    for (;;) {
      const token = [...randomBytes(8)].map((b) => BASE62[b % 62]).join("");
      if (!tokens.has(token)) return tokens.add(token), token;
    }
  };
  const rows = codes.map((code, i) => {
    const ms = newestMs - (codes.length - i) * 1000;
    return { ...code, id: ms.toString(16).padStart(12, "0") + randomBytes(6).toString("hex"), at: isoAt(ms), token: code.dynamic ? newToken() : null };
  });
  const statements: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    const values = chunk.map((r) => `(${[r.id, r.name, r.templateId, r.url ?? null, r.token, r.at].map((v) => (v === null ? "NULL" : quote(v))).join(", ")})`);
    // VALUES columns are column1…column6: id, name, template id, url, short token, timestamp.
    statements.push(
      `INSERT INTO qr_codes (id, org_id, name, type, content, appearance, logo_file_id, short_token, created_by, version, scans, views, created_at, updated_at)
SELECT v.column1, ${quote(orgId)}, v.column2, t.type, CASE WHEN v.column4 IS NULL THEN t.content ELSE json_set(t.content, '$.url', v.column4) END,
       t.appearance, NULL, v.column5, 'bench', 1, 0, 0, v.column6, v.column6
FROM (VALUES ${values.join(",\n")}) AS v JOIN qr_codes AS t ON t.id = v.column3;`,
    );
    const tokenRows = chunk.filter((r) => r.token !== null).map((r) => `(${quote(r.token!)}, ${quote(r.id)}, ${quote(r.at)})`);
    if (tokenRows.length > 0) statements.push(`INSERT INTO short_tokens (token, code_id, created_at) VALUES ${tokenRows.join(",\n")};`);
  }
  worker.executeSql(statements.join("\n"));
}
