// `npm run admin -- <command> [args] [--url URL] [--token TOKEN] [--json]`: a thin CLI over the
// admin HTTP API (/admin). Plain Node ESM, no dependencies. One table (COMMANDS) defines every
// command's words, arguments, flags, help text and request, so usage and parsing cannot drift.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const e = encodeURIComponent;

// Flag specs: `value` names the flag's argument (absent = boolean switch); `multi` = repeatable.
const NAME = (what) => ({ value: "NAME", required: true, help: `${what} name` });
const EMAIL = { value: "EMAIL", help: "email address" };
const ALLOW = { value: "IP_OR_CIDR", multi: true, help: "allowlisted IPv4/IPv6 address or CIDR (repeatable; none admits nobody)" };
const pick = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Each command: words, positional args, flags, summary, and req(args, flags) → [method, path, body?]. */
export const COMMANDS = [
  { cmd: "org create", flags: { name: NAME("organization"), whatsapp: { help: "enable the WhatsApp (message QR) product" } },
    summary: "Create an organization",
    req: (_, f) => ["POST", "/admin/organizations", { name: f.name, whatsappEnabled: !!f.whatsapp }] },
  { cmd: "org list", flags: { limit: { value: "N", help: "page size" }, offset: { value: "N", help: "items to skip" } },
    summary: "List organizations",
    req: (_, f) => ["GET", "/admin/organizations" + query({ limit: f.limit, offset: f.offset })] },
  { cmd: "org get", args: ["orgId"], summary: "Show one organization", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}`] },
  { cmd: "org whatsapp", args: ["orgId", "on|off"], summary: "Enable or disable the WhatsApp product",
    req: (a) => ["PATCH", `/admin/organizations/${e(a.orgId)}`, { whatsappEnabled: a["on|off"] === "on" }] },
  { cmd: "brand create", args: ["orgId"], flags: { name: NAME("brand") }, summary: "Create a brand in an organization",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/brands`, { name: f.name }] },
  { cmd: "brand list", args: ["orgId"], summary: "List an organization's brands", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/brands`] },
  { cmd: "member create", args: ["orgId"], flags: { name: NAME("member"), email: EMAIL }, summary: "Create a member in an organization",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/members`, pick({ name: f.name, email: f.email })] },
  { cmd: "member list", args: ["orgId"], summary: "List an organization's members", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/members`] },
  { cmd: "user create", args: ["orgId"], flags: { name: NAME("user"), email: EMAIL, member: { value: "MEMBER_ID", help: "link the user to a member" } },
    summary: "Create a user (prints its api_key once)",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/users`, pick({ name: f.name, email: f.email, memberId: f.member })] },
  { cmd: "user list", args: ["orgId"], summary: "List an organization's users", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/users`] },
  { cmd: "user get", args: ["userId"], summary: "Show one user", req: (a) => ["GET", `/admin/users/${e(a.userId)}`] },
  { cmd: "user activate", args: ["userId"], summary: "Activate a user", req: (a) => ["POST", `/admin/users/${e(a.userId)}/activate`] },
  { cmd: "user deactivate", args: ["userId"], summary: "Deactivate a user", req: (a) => ["POST", `/admin/users/${e(a.userId)}/deactivate`] },
  { cmd: "user rotate-key", args: ["userId"], summary: "Replace a user's api_key (prints the new one once)",
    req: (a) => ["POST", `/admin/users/${e(a.userId)}/api-key/rotate`] },
  { cmd: "devkey create", args: ["userId"], flags: { label: { value: "LABEL", help: "free-text label" }, allow: ALLOW },
    summary: "Issue a developer key for a user (prints the zdk_ secret once)",
    req: (a, f) => ["POST", `/admin/users/${e(a.userId)}/developer-keys`, pick({ label: f.label, allowlist: f.allow ?? [] })] },
  { cmd: "devkey list", args: ["userId"], summary: "List a user's developer keys", req: (a) => ["GET", `/admin/users/${e(a.userId)}/developer-keys`] },
  { cmd: "devkey allowlist", args: ["keyId"], flags: { allow: ALLOW }, summary: "Replace a developer key's IP allowlist",
    req: (a, f) => ["PUT", `/admin/developer-keys/${e(a.keyId)}/allowlist`, { allowlist: f.allow ?? [] }] },
  { cmd: "devkey revoke", args: ["keyId"], summary: "Revoke a developer key", req: (a) => ["POST", `/admin/developer-keys/${e(a.keyId)}/revoke`] },
  { cmd: "devkey reissue", args: ["keyId"], summary: "Revoke a developer key and issue a replacement (new secret shown once)",
    req: (a) => ["POST", `/admin/developer-keys/${e(a.keyId)}/reissue`] },
  { cmd: "apikey create", args: ["orgId"],
    flags: { name: NAME("key"), role: { value: "ROLE", required: true, choices: ["read-only", "read-write"], help: "read-only or read-write" },
      action: { value: "ACTION", multi: true, help: "permitted action, e.g. cams:CreatePhoneMessageQrdl (repeatable)" },
      expires: { value: "ISO_TIME", help: "expiry time (ISO 8601)" } },
    summary: "Create an organization bearer API key (prints the secret once)",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/api-keys`, pick({ name: f.name, role: f.role, actions: f.action ?? [], expiresAt: f.expires })] },
  { cmd: "apikey list", args: ["orgId"], summary: "List an organization's bearer API keys", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/api-keys`] },
  { cmd: "apikey revoke", args: ["keyId"], summary: "Revoke a bearer API key", req: (a) => ["POST", `/admin/api-keys/${e(a.keyId)}/revoke`] },
  { cmd: "accesskey create", args: ["orgId"],
    flags: { name: NAME("key"), action: { value: "ACTION", multi: true, help: "permitted action, e.g. cams:CreatePhoneMessageQrdl (repeatable)" } },
    summary: "Issue an AccessKey pair for the Alibaba Cloud SDK (prints the secret once)",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/access-keys`, { name: f.name, actions: f.action ?? [] }] },
  { cmd: "accesskey list", args: ["orgId"], summary: "List an organization's AccessKey pairs", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/access-keys`] },
  { cmd: "accesskey disable", args: ["accessKeyId"], summary: "Disable an AccessKey pair", req: (a) => ["POST", `/admin/access-keys/${e(a.accessKeyId)}/disable`] },
  { cmd: "accesskey enable", args: ["accessKeyId"], summary: "Enable a disabled AccessKey pair", req: (a) => ["POST", `/admin/access-keys/${e(a.accessKeyId)}/enable`] },
  { cmd: "accesskey delete", args: ["accessKeyId"], summary: "Delete an AccessKey pair", req: (a) => ["DELETE", `/admin/access-keys/${e(a.accessKeyId)}`] },
  { cmd: "accesskey re-encrypt", summary: "Re-encrypt every AccessKey secret under the current ACCESS_KEY_ENCRYPTION_KEY (rotation)",
    req: () => ["POST", "/admin/access-keys/re-encrypt"] },
  { cmd: "phone add", args: ["orgId", "phoneNumber"], flags: { space: { value: "CUST_SPACE_ID", help: "customer space id (CustSpaceId)" } },
    summary: "Register a WhatsApp channel phone number to an organization",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/whatsapp-phone-numbers`, pick({ phoneNumber: a.phoneNumber, custSpaceId: f.space })] },
  { cmd: "phone list", args: ["orgId"], summary: "List an organization's WhatsApp phone numbers", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/whatsapp-phone-numbers`] },
  { cmd: "phone remove", args: ["orgId", "phoneNumber"], summary: "Unregister a WhatsApp phone number",
    req: (a) => ["DELETE", `/admin/organizations/${e(a.orgId)}/whatsapp-phone-numbers/${e(a.phoneNumber)}`] },
  { cmd: "pairing create", args: ["orgId"],
    flags: { name: { value: "NAME", help: "instance name (default: Instance)" }, "pause-after": { value: "N", help: "unscanned QR rotations before pausing until restart (default 3)" } },
    summary: "Create a pairing instance (prints its token once)",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/pairing/instances`, pick({ name: f.name, pauseAfter: f["pause-after"] === undefined ? undefined : Number(f["pause-after"]) })] },
  { cmd: "pairing list", args: ["orgId"], summary: "List an organization's pairing instances", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/pairing/instances`] },
  { cmd: "pairing get", args: ["instanceId"], summary: "Show a pairing instance and whether a device is linked", req: (a) => ["GET", `/admin/pairing/instances/${e(a.instanceId)}`] },
  { cmd: "pairing connections", args: ["instanceId"], summary: "Show a pairing instance's connection history",
    req: (a) => ["GET", `/admin/pairing/instances/${e(a.instanceId)}/connections`] },
  { cmd: "pairing delete", args: ["instanceId"], summary: "Delete a pairing instance", req: (a) => ["DELETE", `/admin/pairing/instances/${e(a.instanceId)}`] },
  { cmd: "pairing client-token", args: ["orgId"], summary: "Create or rotate the organization's pairing Client-Token (prints it once)",
    req: (a) => ["POST", `/admin/organizations/${e(a.orgId)}/pairing/client-token`] },
  { cmd: "demo", summary: "Create the demo organization with every kind of credential (once)", req: () => ["POST", "/admin/demo"] },
];

const GLOBAL = {
  url: { value: "URL", help: "server address (default: $EDGE_QR_URL or http://127.0.0.1:8787)" },
  token: { value: "TOKEN", help: "admin token (default: $ADMIN_TOKEN or ADMIN_TOKEN in .dev.vars)" },
  json: { help: "print the raw JSON response" },
  help: { help: "show help" },
};

function query(params) {
  const q = new URLSearchParams(pick(params)).toString();
  return q ? `?${q}` : "";
}

const argName = (a) => (a.includes("|") ? a : `<${a}>`);
function flagUsage(name, s) {
  const text = `--${name}${s.value ? ` ${s.value}` : ""}${s.multi ? " ..." : ""}`;
  return s.required ? text : `[${text}]`;
}
const synopsis = (c) => [c.cmd, ...(c.args ?? []).map(argName), ...Object.entries(c.flags ?? {}).map(([n, s]) => flagUsage(n, s))].join(" ");
const flagLines = (flags) => Object.entries(flags).map(([n, s]) => `  ${`--${n}${s.value ? ` ${s.value}` : ""}`.padEnd(24)} ${s.help}${s.required ? " (required)" : ""}`);

function commandHelp(c) {
  return [`Usage: npm run admin -- ${synopsis(c)} [--url URL] [--token TOKEN] [--json]`, "", `${c.summary}.`,
    ...(c.flags ? ["", "Options:", ...flagLines(c.flags)] : []), "", "Global options:", ...flagLines(GLOBAL)].join("\n");
}

function programHelp(prefix = "") {
  const list = COMMANDS.filter((c) => c.cmd === prefix || c.cmd.startsWith(prefix ? `${prefix} ` : ""));
  const head = (c) => [c.cmd, ...(c.args ?? []).map(argName)].join(" ");
  const width = Math.max(...list.map((c) => head(c).length));
  return ["Usage: npm run admin -- <command> [args] [options] [--url URL] [--token TOKEN] [--json]", "",
    "Manage organizations, brands, members, users and keys through the admin API.", "", "Commands:",
    ...list.map((c) => `  ${head(c).padEnd(width)}  ${c.summary}`), "", "Global options:", ...flagLines(GLOBAL), "",
    "Run `npm run admin -- <command> --help` for a command's options."].join("\n");
}

class UsageError extends Error {}

// Whether a flag takes a value is the same in every command, so argv splits before the command is known.
const VALUED = new Set([GLOBAL, ...COMMANDS.map((c) => c.flags ?? {})].flatMap((f) => Object.keys(f).filter((n) => f[n].value)));

/** Splits argv into the matched command, its positional args and its flags; throws UsageError. */
export function parse(argv) {
  const words = [];
  const raw = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === "--") { words.push(...argv.slice(i + 1)); break; }
    if (token === "-h") { raw.push(["help"]); continue; }
    if (!token.startsWith("--")) { words.push(token); continue; }
    const eq = token.indexOf("=");
    const name = eq > 0 ? token.slice(2, eq) : token.slice(2);
    const value = eq > 0 ? token.slice(eq + 1) : VALUED.has(name) && argv[i + 1] !== undefined && !argv[i + 1].startsWith("--") ? argv[++i] : undefined;
    raw.push([name, value]);
  }
  // The longest table entry whose words start the positional words.
  const command = COMMANDS.filter((c) => c.cmd.split(" ").every((w, i) => words[i] === w)).sort((a, b) => b.cmd.length - a.cmd.length)[0];
  const fail = (message) => { throw new UsageError(message, { cause: command }); };
  const specs = { ...GLOBAL, ...command?.flags };
  const flags = {};
  for (const [name, value] of raw) {
    const spec = specs[name];
    if (!spec) fail(`unknown option --${name}${command ? ` for "${command.cmd}"` : ""}`);
    if (spec.value && value === undefined) fail(`--${name} needs a value (${spec.value})`);
    if (!spec.value && value !== undefined) fail(`--${name} takes no value`);
    if (spec.choices && !spec.choices.includes(value)) fail(`--${name} must be one of: ${spec.choices.join(", ")}`);
    flags[name] = spec.multi ? [...(flags[name] ?? []), value] : (value ?? true);
  }
  if (flags.help || !command) return { command, words, flags };
  const rest = words.slice(command.cmd.split(" ").length);
  const names = command.args ?? [];
  if (rest.length < names.length) fail(`missing ${names.slice(rest.length).map(argName).join(" ")}`);
  if (rest.length > names.length) fail(`unexpected argument: ${rest[names.length]}`);
  const args = Object.fromEntries(names.map((n, i) => [n, rest[i]]));
  for (const n of names) if (n.includes("|") && !n.split("|").includes(args[n])) fail(`expected ${n}, got "${args[n]}"`);
  for (const [n, s] of Object.entries(command.flags ?? {})) if (s.required && flags[n] === undefined) fail(`missing --${n} ${s.value}`);
  return { command, words, flags, args };
}

function readDevVarsToken() {
  try {
    const m = readFileSync(join(ROOT, ".dev.vars"), "utf8").match(/^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/m);
    return m ? m[1].replace(/^(["'])(.*)\1$/, "$2") : undefined;
  } catch {
    return undefined;
  }
}

// ---- human output ----------------------------------------------------------------------------
const SECRET = /^(secret|apiKey|api_key|\w+Secret)$/; // string fields that carry a one-time secret
const show = (v) => (v === null || v === undefined ? "-" : Array.isArray(v) ? (v.length ? v.map(show).join(", ") : "(none)") : typeof v === "object" ? JSON.stringify(v) : String(v));
const kv = (o, indent = "") => {
  const width = Math.max(0, ...Object.keys(o).map((k) => k.length));
  return Object.entries(o).map(([k, v]) => `${indent}${`${k}:`.padEnd(width + 1)} ${show(v)}`);
};

function table(items) {
  if (items.length === 0) return ["(none)"];
  const cols = [...new Set(items.flatMap((i) => Object.keys(i)))];
  const rows = [cols, ...items.map((i) => cols.map((c) => show(i[c])))];
  const widths = cols.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd());
}

/** Scalars as key: value lines, nested records as titled sections, secrets in a warning block. */
export function format(body) {
  if (body === null || typeof body !== "object") return [show(body)];
  if (Array.isArray(body.items)) return table(body.items);
  const out = [];
  const scalars = {};
  const secrets = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string" && SECRET.test(k)) secrets[k] = v;
    else if (v && typeof v === "object" && !Array.isArray(v)) out.push(`${k}:`, ...kv(v, "  "));
    else scalars[k] = v;
  }
  out.unshift(...kv(scalars));
  if (Object.keys(secrets).length) {
    const many = Object.keys(secrets).length > 1;
    out.push("", `!! ${many ? "These secrets are" : "This secret is"} shown once — store ${many ? "them" : "it"} now; the server keeps only a hash.`, ...kv(secrets, "   "));
  }
  return out;
}

// ---- main ------------------------------------------------------------------------------------
async function main(argv) {
  let parsed;
  try {
    parsed = parse(argv);
    if (parsed.flags.help) {
      console.log(parsed.command ? commandHelp(parsed.command) : programHelp(parsed.words[0] && COMMANDS.some((c) => c.cmd.startsWith(`${parsed.words[0]} `)) ? parsed.words[0] : ""));
      return 0;
    }
    if (!parsed.command) throw new UsageError(parsed.words.length ? `unknown command: ${parsed.words.join(" ")}` : "no command given");
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`admin: ${error.message}\n`);
    console.error(error.cause ? commandHelp(error.cause) : programHelp());
    return 2;
  }
  const { command, args, flags } = parsed;
  const base = (flags.url ?? process.env.EDGE_QR_URL ?? "http://127.0.0.1:8787").replace(/\/+$/, "");
  const token = flags.token ?? process.env.ADMIN_TOKEN ?? readDevVarsToken();
  if (!token) {
    console.error("admin: no admin token. Pass --token, set ADMIN_TOKEN, or run `npm start` once (it writes ADMIN_TOKEN to .dev.vars).");
    return 1;
  }
  const [method, path, body] = command.req(args, flags);
  let response;
  try {
    response = await fetch(base + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    const code = error?.cause?.code;
    console.error(code === "ECONNREFUSED"
      ? `admin: cannot connect to ${base} (connection refused). Is the server running? Start it with \`npm start\`, or pass --url.`
      : `admin: request to ${base} failed: ${error?.cause?.message ?? error?.message}`);
    return 1;
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = undefined;
  }
  if (flags.json && json !== undefined) console.log(JSON.stringify(json, null, 2));
  if (!response.ok) {
    const err = json?.error;
    console.error(`admin: ${method} ${path} failed: HTTP ${response.status}${err?.code ? ` ${err.code}` : ""}: ${err?.message ?? (text.slice(0, 500) || response.statusText)}`);
    const issues = err?.issues ?? [];
    if (issues.length > 1) for (const issue of issues) console.error(`  - ${issue.field ? `${issue.field}: ` : ""}${issue.message}`);
    const requestId = err?.requestId ?? response.headers.get("x-request-id");
    if (requestId) console.error(`  requestId: ${requestId}`);
    return 1;
  }
  if (json === undefined) {
    console.error(`admin: expected JSON from ${method} ${path}, got: ${text.slice(0, 200)}`);
    return 1;
  }
  if (!flags.json) console.log(format(json).join("\n"));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
