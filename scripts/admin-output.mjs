// What the admin CLI prints for people (scripts/admin.mjs): records as `key: value` lines, lists as
// tables that fit TABLE_WIDTH columns, one-time secrets in a warning block. `--json` bypasses all of
// it and prints the server's JSON as is, for scripts.

/** Lists fit this many columns: a terminal of 100 shows every row on one line. */
export const TABLE_WIDTH = 100;
/** A shrunk column never gets narrower than this (or its header). */
const MIN_COLUMN = 6;

// String fields that carry a one-time secret; AccessKey secrets are sealed (encrypted), not hashed.
const SECRET = /^(secret|apiKey|api_key|\w+Secret)$/;
const SEALED = /^accessKeySecret$/;

export const show = (v) =>
  v === null || v === undefined ? "-" : Array.isArray(v) ? (v.length ? v.map(show).join(", ") : "(none)") : typeof v === "object" ? JSON.stringify(v) : String(v);

const kv = (o, indent = "") => {
  const width = Math.max(0, ...Object.keys(o).map((k) => k.length));
  return Object.entries(o).map(([k, v]) => `${indent}${`${k}:`.padEnd(width + 1)} ${show(v)}`);
};

// ---- tables ----------------------------------------------------------------------------------

/**
 * A column: its header, how a cell is read from an item, and `whole` for identifiers, which are
 * never cut (they are what the next command is given; the other columns give way instead).
 */
export const col = (label, get, options = {}) => ({ label, get: typeof get === "string" ? (item) => item[get] : get, whole: false, ...options });
export const idCol = (label = "id", key = "id") => col(label, key, { whole: true });
/** `2026-11-21T08:30:00+00:00` → `2026-11-21 08:30` (UTC, as the server writes it). */
export const minute = (key, label = key) => col(label, (item) => (item[key] ? String(item[key]).slice(0, 16).replace("T", " ") : "-"));
export const day = (key, label = key) => col(label, (item) => (item[key] ? String(item[key]).slice(0, 10) : "-"));
export const yesNo = (key, label = key) => col(label, (item) => (item[key] ? "yes" : "no"));

const cut = (text, width) => (text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`);

/**
 * Rows padded into columns two spaces apart, at most `width` characters each: while too wide, the
 * widest column that may be cut loses a character, and cut cells end in "…".
 */
export function renderTable(items, columns, width = TABLE_WIDTH) {
  if (items.length === 0) return ["(none)"];
  const rows = items.map((item) => columns.map((c) => show(c.get(item)).replace(/\s+/g, " ")));
  const widths = columns.map((c, i) => Math.max(c.label.length, ...rows.map((r) => r[i].length)));
  let over = widths.reduce((a, b) => a + b, 0) + 2 * (columns.length - 1) - width;
  while (over > 0) {
    let widest = -1;
    columns.forEach((c, i) => {
      if (!c.whole && widths[i] > Math.max(MIN_COLUMN, c.label.length) && (widest < 0 || widths[i] > widths[widest])) widest = i;
    });
    if (widest < 0) break;
    widths[widest]--;
    over--;
  }
  return [columns.map((c) => c.label), ...rows].map((r) => r.map((cell, i) => cut(cell, widths[i]).padEnd(widths[i])).join("  ").trimEnd());
}

/** Columns for a list no command described: every field, `id` kept whole. */
function defaultColumns(items) {
  const keys = [...new Set(items.flatMap((item) => Object.keys(item)))];
  return keys.map((k) => (k === "id" ? idCol() : col(k, k)));
}

// ---- records ---------------------------------------------------------------------------------

function secretWarning(secrets) {
  const names = Object.keys(secrets);
  const sealed = names.filter((k) => SEALED.test(k));
  const many = names.length > 1;
  const head = `!! ${many ? "These secrets are" : "This secret is"} shown once — store ${many ? "them" : "it"} now;`;
  if (sealed.length === 0) return `${head} the server keeps only a hash.`;
  if (sealed.length === names.length)
    return `${head} the server keeps ${many ? "them" : "it"} sealed (encrypted with ACCESS_KEY_ENCRYPTION_KEY, since signatures need ${many ? "them" : "it"}) and never shows ${many ? "them" : "it"} again.`;
  return `${head} the server keeps a hash of each (the AccessKey secret sealed with ACCESS_KEY_ENCRYPTION_KEY, since signatures need it) and never shows them again.`;
}

/**
 * A list (`{items}`) as a table with the command's columns; anything else as scalars in
 * `key: value` lines, nested records as titled sections, secrets in a warning block.
 */
export function format(body, columns) {
  if (body === null || typeof body !== "object") return [show(body)];
  if (Array.isArray(body.items)) return renderTable(body.items, columns ?? defaultColumns(body.items));
  const out = [];
  const scalars = {};
  const secrets = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string" && SECRET.test(k)) secrets[k] = v;
    else if (v && typeof v === "object" && !Array.isArray(v)) out.push(`${k}:`, ...kv(v, "  "));
    else scalars[k] = v;
  }
  out.unshift(...kv(scalars));
  if (Object.keys(secrets).length) out.push("", secretWarning(secrets), ...kv(secrets, "   "));
  return out;
}
