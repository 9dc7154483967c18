// `npm run deploy:secrets [-- --rotate NAME | --finish-rotation] [--env NAME]`: the Worker's
// secrets, generated once into a git-ignored file and put on Cloudflare with wrangler.
//
// Cloudflare never shows a secret again, so a value generated straight into `wrangler secret put`
// is lost: the admin CLI needs ADMIN_TOKEN, and rotating ACCESS_KEY_ENCRYPTION_KEY needs the old
// value. Here every value lives first in .secrets/<env>.env (mode 600, never overwritten; only a
// rotation replaces a value), then goes to wrangler on stdin (`wrangler secret bulk`, one request,
// one new Worker version), never on a command line and never on screen. Plain Node ESM.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs, parseEnv } from "node:util";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER_JS = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

// What the Worker reads (src/env.ts). EDGE_HMAC_KEY is optional there (the edge falls back to
// ADMIN_TOKEN), but a key of its own lets the admin token rotate without touching visitor hashes.
const GENERATED = {
  ADMIN_TOKEN: () => randomBytes(32).toString("hex"),
  ACCESS_KEY_ENCRYPTION_KEY: () => randomBytes(32).toString("base64"),
  EDGE_HMAC_KEY: () => randomBytes(32).toString("hex"),
};
const PREVIOUS = "ACCESS_KEY_ENCRYPTION_KEY_PREVIOUS";
const ROTATABLE = Object.keys(GENERATED);
const MIN_LENGTH = { ADMIN_TOKEN: 16, ACCESS_KEY_ENCRYPTION_KEY: 32, [PREVIOUS]: 32, EDGE_HMAC_KEY: 32 };
// Written unquoted and fed to wrangler as JSON: a value must be one plain token.
const PLAIN = /^[A-Za-z0-9+/=._~-]+$/;

const USAGE = `Usage: npm run deploy:secrets [-- options]

Generates the Worker's missing secrets (${ROTATABLE.join(", ")}) into
.secrets/production.env (git-ignored, mode 600, never overwritten) and puts every secret in that
file on the Worker with \`wrangler secret bulk\` (values on stdin, never printed).

Options:
  --rotate NAME        replace one secret (${ROTATABLE.join(" | ")});
                       ACCESS_KEY_ENCRYPTION_KEY keeps the old value as ${PREVIOUS}
  --finish-rotation    after \`npm run admin -- accesskey re-encrypt\` reports remaining: 0,
                       delete ${PREVIOUS} from the Worker and the file
  --env NAME           a wrangler environment: .secrets/NAME.env, wrangler --env NAME
  -h, --help           this text`;

class UsageError extends Error {}
const say = (line) => console.log(`deploy:secrets: ${line}`);

function parse(argv) {
  const { values } = parseArgs({
    args: argv,
    options: { rotate: { type: "string" }, "finish-rotation": { type: "boolean" }, env: { type: "string" }, help: { type: "boolean", short: "h" } },
    strict: true,
  });
  if (values.rotate !== undefined && !ROTATABLE.includes(values.rotate)) throw new UsageError(`--rotate takes one of ${ROTATABLE.join(", ")}`);
  if (values.rotate !== undefined && values["finish-rotation"]) throw new UsageError("--rotate and --finish-rotation are separate steps");
  if (values.env !== undefined && !/^[A-Za-z0-9_-]+$/.test(values.env)) throw new UsageError("--env takes a wrangler environment name (letters, digits, - and _)");
  return values;
}

/** The secrets file: its lines (comments and unknown names kept as they are) and parsed values. */
function readSecretsFile(path) {
  if (!existsSync(path)) return { lines: null, values: {} };
  const text = readFileSync(path, "utf8");
  const values = parseEnv(text);
  for (const [name, value] of Object.entries(values)) {
    if (!(name in MIN_LENGTH)) continue;
    // Never the value itself in a message: this output ends up in terminals and CI logs.
    if (!PLAIN.test(value)) throw new UsageError(`${name} in ${rel(path)} must be one token of letters, digits and + / = . _ ~ -`);
    if (value.length < MIN_LENGTH[name]) throw new UsageError(`${name} in ${rel(path)} is shorter than ${MIN_LENGTH[name]} characters`);
  }
  return { lines: text.replace(/\n$/, "").split("\n"), values };
}

const header = (env) => [
  `# edge-qr Worker secrets${env ? ` (wrangler environment ${env})` : ""}, written by \`npm run deploy:secrets\`.`,
  "# Keep this file private and keep a copy somewhere safe (a password manager): Cloudflare never",
  "# shows a secret again, and without ACCESS_KEY_ENCRYPTION_KEY no stored AccessKey secret can be",
  "# decrypted. Rotate with `npm run deploy:secrets -- --rotate NAME`, not by editing.",
];

/** Sets (value) or removes (null) NAME=… lines, keeping every other line as it was. */
function edit(lines, changes) {
  const out = [...lines];
  for (const [name, value] of Object.entries(changes)) {
    const at = out.findIndex((line) => new RegExp(`^\\s*(export\\s+)?${name}\\s*=`).test(line));
    if (value === null) {
      if (at >= 0) out.splice(at, 1);
    } else if (at >= 0) out[at] = `${name}=${value}`;
    else out.push(`${name}=${value}`);
  }
  return out;
}

/** Written beside the target and renamed over it, so a crash never leaves half a file. */
function writeSecretsFile(path, lines, { create }) {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const text = `${lines.join("\n")}\n`;
  if (create) {
    // "wx": if another run created the file in the meantime, fail instead of replacing its values.
    writeFileSync(path, text, { mode: 0o600, flag: "wx" });
  } else {
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, text, { mode: 0o600, flag: "wx" });
    renameSync(temp, path);
  }
}

function wrangler(args, { input, capture = false } = {}) {
  if (!existsSync(WRANGLER_JS)) throw new UsageError("wrangler is not installed: run `npm ci` first");
  // Output is inherited (wrangler prints names, never values) unless we need to read it.
  return spawnSync(process.execPath, [WRANGLER_JS, ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    stdio: [input === undefined ? "ignore" : "pipe", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
    maxBuffer: 16 << 20,
  });
}

/** Names of the secrets already on the Worker; none when the Worker does not exist yet. */
function remoteSecretNames(envArgs) {
  const result = wrangler(["secret", "list", "--format", "json", ...envArgs], { capture: true });
  if (result.status !== 0) {
    if (/Worker "[^"]*"(?: \(env: [^)]*\))? not found/.test(result.stderr + result.stdout)) return new Set();
    process.stderr.write(result.stderr || result.stdout);
    throw new UsageError("could not list the Worker's secrets (`wrangler secret list`); are you logged in (`npx wrangler login`)?");
  }
  const json = result.stdout.slice(result.stdout.indexOf("["), result.stdout.lastIndexOf("]") + 1);
  try {
    return new Set(JSON.parse(json).map((secret) => secret.name));
  } catch {
    throw new UsageError("could not read `wrangler secret list --format json`");
  }
}

/** One `wrangler secret bulk` request: JSON on stdin, null deletes. */
function putSecrets(changes, envArgs) {
  const result = wrangler(["secret", "bulk", ...envArgs], { input: JSON.stringify(changes) });
  if (result.status !== 0) throw new UsageError(`\`wrangler secret bulk\` failed (exit ${result.status ?? result.signal})`);
}

const rel = (path) => relative(process.cwd(), path) || path;

function main(argv) {
  const options = parse(argv);
  if (options.help) return void console.log(USAGE);
  const envArgs = options.env ? ["--env", options.env] : [];
  const path = join(ROOT, ".secrets", `${options.env ?? "production"}.env`);
  const file = readSecretsFile(path);
  if (file.lines && (statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    say(`${rel(path)} was readable by others; now mode 600`);
  }
  const values = { ...file.values };
  let lines = file.lines ?? header(options.env);

  if (options["finish-rotation"]) {
    if (!values[PREVIOUS]) return void say(`no rotation in progress (${rel(path)} has no ${PREVIOUS})`);
    say(`deleting ${PREVIOUS} from the Worker`);
    putSecrets({ [PREVIOUS]: null }, envArgs);
    writeSecretsFile(path, edit(lines, { [PREVIOUS]: null }), { create: false });
    return void say(`rotation finished: ${PREVIOUS} is gone from the Worker and from ${rel(path)}`);
  }

  // A secret already on the Worker is replaced only by a value this file holds or by a rotation:
  // overwriting an ACCESS_KEY_ENCRYPTION_KEY nobody kept would leave every AccessKey undecryptable.
  const missing = ROTATABLE.filter((name) => !values[name]);
  const rotate = options.rotate;
  if (rotate && !values[rotate]) throw new UsageError(`${rotate} is not in ${rel(path)}; run \`npm run deploy:secrets\` first`);
  if (rotate === "ACCESS_KEY_ENCRYPTION_KEY" && values[PREVIOUS]) {
    throw new UsageError(`a rotation is in progress (${PREVIOUS} is set): run \`npm run admin -- accesskey re-encrypt\` until remaining: 0, then \`npm run deploy:secrets -- --finish-rotation\``);
  }
  if (missing.length > 0 || rotate === "ACCESS_KEY_ENCRYPTION_KEY") {
    const remote = remoteSecretNames(envArgs);
    const adopt = missing.filter((name) => remote.has(name));
    if (adopt.includes("ACCESS_KEY_ENCRYPTION_KEY")) {
      throw new UsageError(
        `ACCESS_KEY_ENCRYPTION_KEY is already set on the Worker but not in ${rel(path)}. Replacing it would leave every stored AccessKey secret undecryptable. ` +
          `Put its value in the file (ACCESS_KEY_ENCRYPTION_KEY=…) and run this again; if it is lost, delete it (\`npx wrangler secret delete ACCESS_KEY_ENCRYPTION_KEY\`) and issue new AccessKey pairs.`,
      );
    }
    if (rotate && remote.has(PREVIOUS)) {
      throw new UsageError(`${PREVIOUS} is set on the Worker but not in ${rel(path)}: finish that rotation first (re-encrypt, then \`npx wrangler secret delete ${PREVIOUS}\`)`);
    }
    for (const name of adopt) say(`${name} is already set on the Worker and not in the file: it will be replaced by a new value`);
  }

  const changes = {};
  for (const name of missing) changes[name] = GENERATED[name]();
  if (rotate === "ACCESS_KEY_ENCRYPTION_KEY") changes[PREVIOUS] = values.ACCESS_KEY_ENCRYPTION_KEY;
  if (rotate) changes[rotate] = GENERATED[rotate]();
  if (Object.keys(changes).length > 0) {
    // The file first: a value exists on Cloudflare only once it is safely on disk here.
    writeSecretsFile(path, edit(lines, changes), { create: file.lines === null });
    Object.assign(values, changes);
    const made = Object.keys(changes).filter((name) => name !== PREVIOUS);
    say(`${rotate ? `rotated ${rotate}` : `generated ${made.join(", ")}`} in ${rel(path)} (git-ignored, mode 600; values are never printed)`);
    if (file.lines === null) say("keep a copy of that file somewhere safe: Cloudflare never shows a secret again");
  } else {
    say(`${rel(path)} holds every secret; nothing generated`);
  }

  const upload = Object.fromEntries(Object.entries(values).filter(([name]) => name in MIN_LENGTH));
  say(`putting ${Object.keys(upload).join(", ")} on the Worker (wrangler secret bulk${options.env ? ` --env ${options.env}` : ""})`);
  try {
    putSecrets(upload, envArgs);
  } catch (error) {
    throw new UsageError(`${error.message}; ${rel(path)} is up to date, so \`npm run deploy:secrets${options.env ? ` -- --env ${options.env}` : ""}\` again uploads it`);
  }
  const token = `ADMIN_TOKEN="$(sed -n 's/^ADMIN_TOKEN=//p' ${rel(path)})"`;
  if (rotate === "ACCESS_KEY_ENCRYPTION_KEY") {
    say(`both keys decrypt now. Re-seal every AccessKey secret under the new one, until it reports remaining: 0:`);
    say(`  ${token} npm run admin -- --url https://<your Worker> accesskey re-encrypt`);
    say("then remove the old key: npm run deploy:secrets -- --finish-rotation");
  } else if (rotate === "ADMIN_TOKEN") {
    say("the old admin token no longer works; anything that used it needs the new one from the file");
  } else if (rotate === "EDGE_HMAC_KEY") {
    say("today's unique-visitor counts restart under the new key, and open hosted-page passes end");
  } else {
    say(`done. The admin CLI with this token: ${token} npm run admin -- --url https://<your Worker> org list`);
  }
}

try {
  main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError) && !String(error?.code).startsWith("ERR_PARSE_ARGS")) throw error;
  console.error(`deploy:secrets: ${error.message}`);
  if (!(error instanceof UsageError)) console.error(USAGE);
  process.exitCode = 1;
}
