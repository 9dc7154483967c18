// `npm run admin -- <command> [args] [--url URL] [--json]`: a thin CLI over the admin HTTP API
// (/admin). Plain Node ESM, no dependencies. One table (COMMANDS) defines every command's words,
// arguments, flags, help text, request and list columns, so usage and parsing cannot drift. The
// admin token comes from ADMIN_TOKEN, standard input (--token-stdin) or, for a local server only,
// .dev.vars; --token still works but warns, since `ps`, shell history and npm's banner show it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import catalog from "../src/auth/actions.json" with { type: "json" };
import { col, day, format, idCol, minute, yesNo } from "./admin-output.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_URL = "http://127.0.0.1:8787";
const e = encodeURIComponent;

// The server's action catalog (src/auth/actions.json): what --action accepts and --help lists.
export const ACTIONS = Object.keys(catalog);
const READ_ACTIONS = ACTIONS.filter((a) => catalog[a].access === "read");
const CAMS_ACTIONS = ACTIONS.filter((a) => a.startsWith("cams:"));
const actionLines = () => {
  const width = Math.max(...ACTIONS.map((a) => a.length));
  return ["Actions (--action):", ...ACTIONS.map((a) => `  ${a.padEnd(width)}  ${catalog[a].access.padEnd(5)}  ${catalog[a].summary}`)];
};
/** Words into lines of at most `width` characters. */
const wrap = (text, width = 100) =>
  text.split(" ").reduce((lines, word) => {
    const last = lines[lines.length - 1];
    if (last !== undefined && `${last} ${word}`.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
    return lines;
  }, []);
const compactActions = (actions) => (actions.length === ACTIONS.length && ACTIONS.every((a) => actions.includes(a)) ? "all" : actions.join(", ") || "(none)");

// Flag specs: `value` names the flag's argument (absent = boolean switch); `multi` = repeatable.
const NAME = (what) => ({ value: "NAME", required: true, help: `${what} name` });
const EMAIL = { value: "EMAIL", help: "email address" };
const ALLOW = { value: "IP_OR_CIDR", multi: true, help: "allowlisted IPv4/IPv6 address or CIDR (repeatable; none admits nobody)" };
const ACTION = (fallback) => ({ value: "ACTION", multi: true, choices: ACTIONS, help: `permitted action (repeatable); without it: ${fallback}` });
const YES = { yes: { confirms: true, help: "confirm: this cannot be undone" } };
const pick = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/**
 * Each command: words, positional args, flags, summary, req(args, flags) → [method, path, body?],
 * and optionally `columns` (how its list prints), `confirm` (what --yes confirms), `notes` (more
 * help lines) and `after(json, context)` (lines printed after the answer).
 */
export const COMMANDS = [
  { cmd: "org create", flags: { name: NAME("organization"), whatsapp: { help: "enable the WhatsApp (message QR) product" } },
    summary: "Create an organization",
    req: (_, f) => ["POST", "/admin/organizations", { name: f.name, whatsappEnabled: !!f.whatsapp }] },
  { cmd: "org list", flags: { limit: { value: "N", help: "page size" }, offset: { value: "N", help: "items to skip" } },
    summary: "List organizations",
    req: (_, f) => ["GET", "/admin/organizations" + query({ limit: f.limit, offset: f.offset })],
    columns: [idCol(), col("name", "name"), col("status", "status"), yesNo("whatsappEnabled", "whatsapp"), col("demo", (o) => (o.isDemo ? "yes" : "")), day("createdAt", "created")] },
  { cmd: "org get", args: ["orgId"], summary: "Show one organization", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}`] },
  { cmd: "org whatsapp", args: ["orgId", "on|off"], summary: "Enable or disable the WhatsApp product",
    req: (a) => ["PATCH", `/admin/organizations/${e(a.orgId)}`, { whatsappEnabled: a["on|off"] === "on" }] },
  { cmd: "org deactivate", args: ["orgId"], summary: "Stop an organization's keys, links and files (reversible)",
    notes: () => wrap("At once, nothing deleted: none of its keys authenticates (bearer keys, users' api_keys, AccessKeys, the pairing Client-Token), and its short links, hosted pages, files and message QR images answer 404. `org activate` brings everything back."),
    req: (a) => ["POST", `/admin/organizations/${e(a.orgId)}/deactivate`] },
  { cmd: "org activate", args: ["orgId"], summary: "Activate a deactivated organization again", req: (a) => ["POST", `/admin/organizations/${e(a.orgId)}/activate`] },
  { cmd: "org delete", args: ["orgId"], flags: YES, summary: "Delete an organization and everything it owns",
    confirm: "deletes the organization: its keys and users at once, its codes, analytics, files and pairing instances in the next cron runs",
    notes: () => wrap("At once: its bearer keys, AccessKeys, users (with their developer keys), Client-Token and WhatsApp numbers are deleted, and its links, hosted pages, files and images answer 404. The cron (every 10 minutes) then removes its codes, analytics, files and pairing instances a bounded page per run, then the organization; until then `org get` shows status \"deleting\"."),
    req: (a) => ["DELETE", `/admin/organizations/${e(a.orgId)}`] },
  { cmd: "brand create", args: ["orgId"], flags: { name: NAME("brand") }, summary: "Create a brand in an organization",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/brands`, { name: f.name }] },
  { cmd: "brand list", args: ["orgId"], summary: "List an organization's brands", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/brands`],
    columns: [idCol(), col("name", "name"), day("createdAt", "created")] },
  { cmd: "member create", args: ["orgId"], flags: { name: NAME("member"), email: EMAIL }, summary: "Create a member in an organization",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/members`, pick({ name: f.name, email: f.email })] },
  { cmd: "member list", args: ["orgId"], summary: "List an organization's members", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/members`],
    columns: [idCol(), col("name", "name"), col("email", "email"), day("createdAt", "created")] },
  { cmd: "user create", args: ["orgId"], flags: { name: NAME("user"), email: EMAIL, member: { value: "MEMBER_ID", help: "link the user to a member" } },
    summary: "Create a user (prints its api_key once)",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/users`, pick({ name: f.name, email: f.email, memberId: f.member })] },
  { cmd: "user list", args: ["orgId"], summary: "List an organization's users", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/users`],
    columns: [idCol(), col("name", "name"), col("email", "email"), col("status", "status"), col("api_key", "apiKeyPrefix"), day("createdAt", "created")] },
  { cmd: "user get", args: ["userId"], summary: "Show one user", req: (a) => ["GET", `/admin/users/${e(a.userId)}`] },
  { cmd: "user activate", args: ["userId"], summary: "Activate a user", req: (a) => ["POST", `/admin/users/${e(a.userId)}/activate`] },
  { cmd: "user deactivate", args: ["userId"], summary: "Deactivate a user", req: (a) => ["POST", `/admin/users/${e(a.userId)}/deactivate`] },
  { cmd: "user delete", args: ["userId"], flags: YES, summary: "Delete a user and its developer keys",
    notes: () => wrap("Its api_key and developer keys stop working at once. The organization's codes, keys and files stay. To stop a user for a while instead: `user deactivate`."),
    confirm: "deletes the user: its api_key and developer keys stop working at once", req: (a) => ["DELETE", `/admin/users/${e(a.userId)}`] },
  { cmd: "user rotate-key", args: ["userId"], summary: "Replace a user's api_key (prints the new one once)",
    req: (a) => ["POST", `/admin/users/${e(a.userId)}/api-key/rotate`] },
  { cmd: "user set-password", args: ["userId"],
    flags: { "password-stdin": { help: "read the new password from the first line of standard input (without it one is generated and printed once)" } },
    summary: "Set a user's console password; the user's sessions end",
    notes: () => wrap("The user needs an email no other user signs in with. A password is never taken as an argument (`ps` and shell history would show it): pipe it in with --password-stdin, or let the server generate one. To let the person choose, mint a link instead: `user sign-in-link`."),
    req: async (a, f) => ["PUT", `/admin/users/${e(a.userId)}/password`, f["password-stdin"] ? { password: await readPasswordLine("New password: ") } : {}] },
  { cmd: "user role", args: ["userId", "owner|editor|viewer"], summary: "Set a user's console role",
    notes: () => wrap("owner: members, roles and keys, and everything an editor does; editor: reads and writes codes and files; viewer: reads only."),
    req: (a) => ["PUT", `/admin/users/${e(a.userId)}/console-role`, { role: a["owner|editor|viewer"] }] },
  { cmd: "user sign-in-link", args: ["userId"],
    flags: { invite: { help: "an invite (the default for a user without a password)" }, reset: { help: "a password reset (the default for a user with one)" } },
    summary: "Mint a one-time console link (24 h) that sets the password and signs in",
    req: (a, f) => ["POST", `/admin/users/${e(a.userId)}/sign-in-links`, pick({ purpose: f.reset ? "reset" : f.invite ? "invite" : undefined })] },
  { cmd: "devkey create", args: ["userId"], flags: { label: { value: "LABEL", help: "free-text label" }, allow: ALLOW },
    summary: "Issue a developer key for a user (prints the zdk_ secret once)",
    req: (a, f) => ["POST", `/admin/users/${e(a.userId)}/developer-keys`, pick({ label: f.label, allowlist: f.allow ?? [] })] },
  { cmd: "devkey list", args: ["userId"], summary: "List a user's developer keys", req: (a) => ["GET", `/admin/users/${e(a.userId)}/developer-keys`],
    columns: [idCol(), col("label", "label"), col("status", "status"), col("allowlist", "allowlist"), minute("lastUsedAt", "last used"), day("createdAt", "created")] },
  { cmd: "devkey allowlist", args: ["keyId"], flags: { allow: ALLOW }, summary: "Replace a developer key's IP allowlist",
    req: (a, f) => ["PUT", `/admin/developer-keys/${e(a.keyId)}/allowlist`, { allowlist: f.allow ?? [] }] },
  { cmd: "devkey revoke", args: ["keyId"], summary: "Revoke a developer key", req: (a) => ["POST", `/admin/developer-keys/${e(a.keyId)}/revoke`] },
  { cmd: "devkey reissue", args: ["keyId"], summary: "Revoke an active developer key and issue a replacement (new secret shown once)",
    req: (a) => ["POST", `/admin/developer-keys/${e(a.keyId)}/reissue`] },
  { cmd: "apikey create", args: ["orgId"],
    flags: { name: NAME("key"), role: { value: "ROLE", required: true, choices: ["read-only", "read-write"], help: "read-only or read-write" },
      action: ACTION("every action the role can use"),
      expires: { value: "ISO_TIME", help: "expiry time (ISO 8601)" } },
    summary: "Create an organization bearer API key (prints the secret once)",
    notes: () => [...actionLines(), "", ...wrap(`Without --action a read-only key gets every read action (${READ_ACTIONS.join(", ")}), a read-write key every action.`)],
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/api-keys`, pick({ name: f.name, role: f.role, actions: f.action, expiresAt: f.expires })] },
  { cmd: "apikey list", args: ["orgId"], summary: "List an organization's bearer API keys", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/api-keys`],
    columns: [idCol(), col("name", "name"), col("role", "role"), col("status", "status"), col("actions", (k) => compactActions(k.actions)), day("expiresAt", "expires")] },
  { cmd: "apikey revoke", args: ["keyId"], summary: "Revoke a bearer API key", req: (a) => ["POST", `/admin/api-keys/${e(a.keyId)}/revoke`] },
  { cmd: "accesskey create", args: ["orgId"],
    flags: { name: NAME("key"), action: ACTION("every message QR code (cams:) action") },
    summary: "Issue an AccessKey pair for the Alibaba Cloud SDK (prints the secret once)",
    notes: () => [...actionLines(), "", ...wrap(`Without --action the key gets every message QR code action (${CAMS_ACTIONS.join(", ")}), the only API it signs for.`)],
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/access-keys`, pick({ name: f.name, actions: f.action })] },
  { cmd: "accesskey list", args: ["orgId"], summary: "List an organization's AccessKey pairs", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/access-keys`],
    columns: [idCol(), col("name", "name"), col("status", "status"), col("actions", (k) => compactActions(k.actions)), minute("lastUsedAt", "last used")] },
  { cmd: "accesskey disable", args: ["accessKeyId"], summary: "Disable an AccessKey pair", req: (a) => ["POST", `/admin/access-keys/${e(a.accessKeyId)}/disable`] },
  { cmd: "accesskey enable", args: ["accessKeyId"], summary: "Enable a disabled AccessKey pair", req: (a) => ["POST", `/admin/access-keys/${e(a.accessKeyId)}/enable`] },
  { cmd: "accesskey delete", args: ["accessKeyId"], summary: "Delete an AccessKey pair", req: (a) => ["DELETE", `/admin/access-keys/${e(a.accessKeyId)}`] },
  { cmd: "accesskey re-encrypt", summary: "Re-encrypt every AccessKey secret under the current ACCESS_KEY_ENCRYPTION_KEY (rotation)",
    req: () => ["POST", "/admin/access-keys/re-encrypt"] },
  { cmd: "phone add", args: ["orgId", "phoneNumber"], flags: { space: { value: "CUST_SPACE_ID", help: "customer space id (CustSpaceId)" } },
    summary: "Register a WhatsApp channel phone number to an organization",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/whatsapp-phone-numbers`, pick({ phoneNumber: a.phoneNumber, custSpaceId: f.space })] },
  { cmd: "phone list", args: ["orgId"], summary: "List an organization's WhatsApp phone numbers", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/whatsapp-phone-numbers`],
    columns: [idCol("phoneNumber", "phoneNumber"), col("custSpaceId", "custSpaceId"), day("createdAt", "created")] },
  { cmd: "phone remove", args: ["orgId", "phoneNumber"], summary: "Unregister a WhatsApp phone number",
    req: (a) => ["DELETE", `/admin/organizations/${e(a.orgId)}/whatsapp-phone-numbers/${e(a.phoneNumber)}`] },
  { cmd: "pairing create", args: ["orgId"],
    flags: { name: { value: "NAME", help: "instance name (default: Instance)" }, "pause-after": { value: "N", help: "unscanned QR rotations before pausing until restart (default 3)" } },
    summary: "Create a pairing instance (prints its token once, and its demo page)",
    req: (a, f) => ["POST", `/admin/organizations/${e(a.orgId)}/pairing/instances`, pick({ name: f.name, pauseAfter: f["pause-after"] === undefined ? undefined : Number(f["pause-after"]) })],
    after: (json, { base, args }) => pairingPage(base, args.orgId, json) },
  { cmd: "pairing list", args: ["orgId"], summary: "List an organization's pairing instances", req: (a) => ["GET", `/admin/organizations/${e(a.orgId)}/pairing/instances`],
    columns: [idCol(), col("name", "name"), col("token", "tokenPrefix"), col("pauseAfter", "pauseAfter"), minute("createdAt", "created")] },
  { cmd: "pairing get", args: ["instanceId"], summary: "Show a pairing instance and whether a device is linked", req: (a) => ["GET", `/admin/pairing/instances/${e(a.instanceId)}`] },
  { cmd: "pairing connections", args: ["instanceId"], summary: "Show a pairing instance's connection history",
    req: (a) => ["GET", `/admin/pairing/instances/${e(a.instanceId)}/connections`],
    columns: [col("device", "deviceName"), col("method", "method"), col("phone", "phone"), minute("connectedAt", "connected"), minute("disconnectedAt", "disconnected")] },
  { cmd: "pairing delete", args: ["instanceId"], summary: "Delete a pairing instance", req: (a) => ["DELETE", `/admin/pairing/instances/${e(a.instanceId)}`] },
  { cmd: "pairing client-token", args: ["orgId"], summary: "Create or rotate the organization's pairing Client-Token (prints it once)",
    req: (a) => ["POST", `/admin/organizations/${e(a.orgId)}/pairing/client-token`] },
  { cmd: "demo", summary: "Create the demo organization with every kind of credential (once)", req: () => ["POST", "/admin/demo"] },
];

/**
 * The demo page of a new instance (src/http/pairing/page.ts): the tokens ride in the fragment,
 * which never leaves the browser. The Client-Token is the organization's, issued separately.
 */
function pairingPage(base, orgId, json) {
  const { instance, secret } = json ?? {};
  if (!instance?.id || !secret) return [];
  return ["", "Demo page (shows the instance's QR code until a device links; put the organization's Client-Token in place of <Client-Token>):",
    `   ${base}/instances/${e(instance.id)}/pair#token=${e(secret)}&clientToken=<Client-Token>`,
    `   No Client-Token yet? npm run admin -- pairing client-token ${orgId}`];
}

const GLOBAL = {
  url: { value: "URL", help: `server address (default: $EDGE_QR_URL or ${DEFAULT_URL})` },
  "token-stdin": { help: "read the admin token from the first line of standard input" },
  token: { value: "TOKEN", help: "admin token as an argument (discouraged: ps and logs show it)" },
  json: { help: "print the server's JSON as is (for scripts)" },
  help: { help: "show help" },
};
const TOKEN_HELP = [
  "Admin token, first found: --token-stdin, --token, $ADMIN_TOKEN, then ADMIN_TOKEN in .dev.vars",
  "(written by `npm start`), which is used only when the URL is 127.0.0.1, localhost or [::1].",
];

function query(params) {
  const q = new URLSearchParams(pick(params)).toString();
  return q ? `?${q}` : "";
}

const argName = (a) => (a.includes("|") ? a : `<${a}>`);
function flagUsage(name, s) {
  const text = `--${name}${s.value ? ` ${s.value}` : ""}${s.multi ? " ..." : ""}`;
  return s.required || s.confirms ? text : `[${text}]`;
}
const synopsis = (c) => [c.cmd, ...(c.args ?? []).map(argName), ...Object.entries(c.flags ?? {}).map(([n, s]) => flagUsage(n, s))].join(" ");
const flagLines = (flags) => Object.entries(flags).map(([n, s]) => `  ${`--${n}${s.value ? ` ${s.value}` : ""}`.padEnd(24)} ${s.help}${s.required ? " (required)" : ""}`);

function commandHelp(c) {
  return [`Usage: npm run admin -- ${synopsis(c)} [--url URL] [--json]`, "", `${c.summary}.`,
    ...(c.flags ? ["", "Options:", ...flagLines(c.flags)] : []), ...(c.notes ? ["", ...c.notes()] : []),
    "", "Global options:", ...flagLines(GLOBAL), "", ...TOKEN_HELP].join("\n");
}

function programHelp(prefix = "") {
  const list = COMMANDS.filter((c) => c.cmd === prefix || c.cmd.startsWith(prefix ? `${prefix} ` : ""));
  const head = (c) => [c.cmd, ...(c.args ?? []).map(argName)].join(" ");
  const width = Math.max(...list.map((c) => head(c).length));
  return ["Usage: npm run admin -- <command> [args] [options] [--url URL] [--json]", "",
    "Manage organizations, brands, members, users and keys through the admin API.", "", "Commands:",
    ...list.map((c) => `  ${head(c).padEnd(width)}  ${c.summary}`), "", "Global options:", ...flagLines(GLOBAL), "", ...TOKEN_HELP, "",
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
    if (spec.choices && !spec.choices.includes(value)) fail(`--${name} must be one of: ${spec.choices.join(", ")} (got "${value}")`);
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
  if (command.confirm && !flags.yes) fail(`"${command.cmd}" cannot be undone: it ${command.confirm}. Pass --yes to go ahead.`);
  if (flags.token !== undefined && flags["token-stdin"]) fail("give the token one way: --token-stdin or --token, not both");
  if (flags["password-stdin"] && flags["token-stdin"]) fail("standard input holds one thing: --password-stdin or --token-stdin, not both (set ADMIN_TOKEN instead)");
  if (flags.invite && flags.reset) fail("a link is an --invite or a --reset, not both");
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

/** The local `npm start` server (and only it) may be given the token from .dev.vars. */
export function isLocalUrl(base) {
  const { hostname } = new URL(base);
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

async function readTokenLine() {
  return readLine("Admin token: ");
}

/** The first line of standard input, trimmed unless `trim` is false ("" when there is none); the prompt only on a terminal. */
async function readLine(prompt, { trim = true } = {}) {
  if (process.stdin.isTTY) process.stderr.write(prompt);
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return trim ? line.trim() : line;
  }
  return "";
}

/**
 * A password from the first line of standard input, exactly as given: spaces are part of a
 * password (trimming them set a password other than the one the person will type at sign-in).
 * Typed on a terminal, it is not echoed, so it stays out of the scrollback and off a shared screen.
 */
async function readPasswordLine(prompt) {
  if (!process.stdin.isTTY) return readLine(prompt, { trim: false });
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  return new Promise((resolve) => {
    let typed = [];
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish();
          return resolve(typed.join(""));
        }
        if (ch === "\u0003") {
          // Ctrl-C: the terminal is given back as it was, and the command stops as an interrupt would.
          finish();
          process.exit(130);
        }
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else typed.push(ch);
      }
    };
    stdin.on("data", onData);
    stdin.resume();
  });
}

class TokenError extends Error {}

/**
 * The admin token: --token-stdin, then --token (with a warning), then $ADMIN_TOKEN, then
 * .dev.vars for a local URL. A token meant for the local server is never sent anywhere else.
 */
async function resolveToken(flags, base) {
  if (flags["token-stdin"]) {
    const token = await readTokenLine();
    if (!token) throw new TokenError("--token-stdin: standard input had no token (pipe it in, e.g. printf '%s\\n' \"$TOKEN\" | npm run admin -- ...)");
    return token;
  }
  if (flags.token !== undefined) {
    console.error("admin: warning: --token puts the admin token in `ps` output, shell history and npm's command banner (CI logs); set ADMIN_TOKEN or pipe it to --token-stdin instead.");
    return flags.token;
  }
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  if (!isLocalUrl(base)) {
    throw new TokenError(
      `no admin token for ${base}. Set ADMIN_TOKEN in the environment, or pipe it in: printf '%s\\n' "$TOKEN" | npm run admin -- <command> --url ${base} --token-stdin` +
        " (the token in .dev.vars belongs to the local server and is never sent elsewhere)",
    );
  }
  const local = readDevVarsToken();
  if (!local) throw new TokenError("no admin token. Set ADMIN_TOKEN, pipe it to --token-stdin, or run `npm start` once (it writes ADMIN_TOKEN to .dev.vars).");
  return local;
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
  const base = (flags.url ?? process.env.EDGE_QR_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  if (!URL.canParse(base) || !/^https?:$/.test(new URL(base).protocol)) {
    console.error(`admin: ${flags.url === undefined ? "$EDGE_QR_URL" : "--url"} must be an http:// or https:// address, got "${base}"`);
    return 2;
  }
  let token;
  try {
    token = await resolveToken(flags, base);
  } catch (error) {
    if (!(error instanceof TokenError)) throw error;
    console.error(`admin: ${error.message}`);
    return 1;
  }
  const [method, path, body] = await command.req(args, flags);
  if (body && "password" in body && !body.password) {
    console.error("admin: --password-stdin: standard input had no password");
    return 1;
  }
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
  if (flags.json) return 0;
  console.log(json === null ? `Done (HTTP ${response.status}).` : format(json, command.columns).join("\n"));
  const after = command.after?.(json, { base, args }) ?? [];
  if (after.length) console.log(after.join("\n"));
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
