// `npm start`: a working local instance from a fresh clone. Local D1, KV and R2 persist under
// .wrangler/state. Steps: make sure .dev.vars has an ADMIN_TOKEN, apply migrations, start
// `wrangler dev`, wait for /health, then create the demo organization once and print its
// credentials (also saved to .wrangler/demo-credentials.txt, which git ignores).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DEV_VARS = join(ROOT, ".dev.vars");
const SAVED = ".wrangler/demo-credentials.txt";
const port = process.env.PORT ?? "8787";
const host = process.env.HOST ?? "127.0.0.1";
const localHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "[::1]" : host.includes(":") ? `[${host}]` : host;
const base = `http://${localHost}:${port}`;
const log = (message) => console.log(`[start] ${message}`);

// Run wrangler's own entry point under this Node (no npx layer between us and signals).
const wranglerJs = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const wrangler = (args) => (existsSync(wranglerJs) ? [process.execPath, [wranglerJs, ...args]] : ["npx", ["wrangler", ...args]]);

// (a) ADMIN_TOKEN: generated once, never overwritten.
const devVars = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
let token = devVars.match(/^\s*ADMIN_TOKEN\s*=\s*(.*?)\s*$/m)?.[1]?.replace(/^(["'])(.*)\1$/, "$2");
if (!token) {
  token = randomBytes(32).toString("hex");
  appendFileSync(DEV_VARS, `${devVars && !devVars.endsWith("\n") ? "\n" : ""}ADMIN_TOKEN=${token}\n`, { mode: 0o600 });
  log(`generated ADMIN_TOKEN in .dev.vars (keep it private; it guards /admin)`);
}

// (a2) ACCESS_KEY_ENCRYPTION_KEY: seals AccessKey secrets (signature V3 needs them, so they are
// encrypted, not hashed). Generated once, never overwritten: a new key would orphan every secret.
{
  const current = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  if (!/^\s*ACCESS_KEY_ENCRYPTION_KEY\s*=\s*\S/m.test(current)) {
    appendFileSync(DEV_VARS, `${current && !current.endsWith("\n") ? "\n" : ""}ACCESS_KEY_ENCRYPTION_KEY=${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    log("generated ACCESS_KEY_ENCRYPTION_KEY in .dev.vars (it encrypts AccessKey secrets; keep it, and keep it private)");
  }
}

// (b) Migrations.
{
  const [cmd, args] = wrangler(["d1", "migrations", "apply", "DB", "--local"]);
  const result = spawnSync(cmd, args, { stdio: "inherit", cwd: ROOT });
  if (result.status !== 0) process.exit(result.status || 1);
}

// (c) The dev server, sharing our terminal. Ctrl-C reaches it directly (same process group);
// other signals sent only to us are forwarded. We exit when it does.
const [cmd, args] = wrangler(["dev", "--port", port, "--ip", host]);
const dev = spawn(cmd, args, { stdio: "inherit", cwd: ROOT });
let devExited = false;
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => {
    if (!devExited) dev.kill(signal);
  });
}
dev.on("exit", (code, signal) => {
  devExited = true;
  process.exit(code ?? (signal ? 0 : 1));
});

// (d) Wait for /health.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function waitForHealth(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !devExited) {
    try {
      const response = await fetch(`${base}/health`, { signal: AbortSignal.timeout(2000) });
      if (response.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(500);
  }
  return false;
}

async function api(method, path) {
  const response = await fetch(base + path, { method, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { error: { message: text.slice(0, 300) } };
  }
  return { status: response.status, ok: response.ok, body };
}

async function servedPaths() {
  try {
    const response = await fetch(`${base}/openapi.json`);
    return new Set(Object.keys((await response.json()).paths ?? {}));
  } catch {
    return new Set();
  }
}

// (e) The demo block: every credential once, plus a ready-to-paste curl for each API.
function demoBlock(d, paths) {
  const allow = d.developerKey?.allowlist ?? [];
  const bearer = d.bearerKey ?? {};
  const produceBody = JSON.stringify({ api_key: d.apiKey, developer_secret: d.developerSecret, url: "https://example.com", size: 300 });
  const savePng =
    `node -e 'let s="";process.stdin.on("data",(c)=>(s+=c)).on("end",()=>{const r=JSON.parse(s);` +
    `if(r.status!=="success"){console.error(r);process.exit(1)}require("fs").writeFileSync("qr.png",Buffer.from(r.data,"base64"));console.log("wrote qr.png")})'`;
  const cliUrl = base === "http://127.0.0.1:8787" ? "" : ` --url ${base}`;
  const rows = [
    ["organization", `${d.organization.id}  (${d.organization.name}; WhatsApp ${d.organization.whatsappEnabled ? "on" : "off"})`],
    ["brand_id", d.brand?.id],
    ["member_id", d.member?.id],
    ["user id", d.user?.id],
    ["api_key", `${d.apiKey}   <- shown once`],
    ["developer_secret", `${d.developerSecret}   <- shown once`],
    ["  allowlist", allow.length ? allow.join(", ") : "(empty: admits nobody)"],
    ["  developer key id", d.developerKey?.id],
    ["bearer API key", `${d.bearerSecret}   <- shown once`],
    ["  key id / role", `${bearer.id} / ${bearer.role}`],
    ["  actions", (bearer.actions ?? []).join(", ") || "(none)"],
    ...(d.pairingInstance
      ? [
          ["pairing instance", d.pairingInstance.id],
          ["  instance token", `${d.pairingInstanceSecret}   <- shown once`],
          ["  Client-Token", `${d.pairingClientTokenSecret}   <- shown once`],
        ]
      : []),
    ...(d.whatsappPhoneNumber ? [["WhatsApp phone number", `${d.whatsappPhoneNumber.phoneNumber}  (CustSpaceId ${d.whatsappPhoneNumber.custSpaceId ?? "-"})`]] : []),
    ...(d.accessKey
      ? [
          ["AccessKey ID", d.accessKey.id],
          ["AccessKey secret", `${d.accessKeySecret}   <- shown once`],
        ]
      : []),
    ["admin token", "ADMIN_TOKEN in .dev.vars"],
  ];
  const phone = d.whatsappPhoneNumber?.phoneNumber;
  const endpoint = base.replace(/^http:\/\//, "");
  const sdkSnippet = d.accessKey
    ? `node --input-type=module -e 'import Cams, * as cams from "@alicloud/cams20200606"; import { Config } from "@alicloud/openapi-client"; ` +
      `const client = new (Cams.default ?? Cams)(new Config({ accessKeyId: "${d.accessKey.id}", accessKeySecret: "${d.accessKeySecret}", endpoint: "${endpoint}", protocol: "http" })); ` +
      `const res = await client.createPhoneMessageQrdl(new cams.CreatePhoneMessageQrdlRequest({ phoneNumber: "${phone}", generateQrImage: "PNG", prefilledMessage: "Hello from the SDK 👋" })); ` +
      `console.log(res.body.data)'`
    : null;
  const width = Math.max(...rows.map(([k]) => k.length));
  const curls = [
    ["Health", `curl -s ${base}/health`],
    ["OpenAPI document (interactive docs: open " + `${base}/docs` + ")", `curl -s ${base}/openapi.json | head -c 600; echo`],
    ["Produce a QR code (api_key + developer_secret), saved as qr.png",
      `curl -s -X POST ${base}/apis/v2/public/crm/produceQRCode -H 'Content-Type: application/json' -d '${produceBody}' | ${savePng}`],
    ...(paths.has("/qr_codes")
      ? [
          ["QR code resource: create a dynamic url code (bearer API key)",
            `curl -s -X POST ${base}/qr_codes -H 'Authorization: Bearer ${d.bearerSecret}' -H 'Content-Type: application/json' -d '{"name":"Demo","type":"url","content":{"url":"https://example.com"},"appearance":{"dotsOptionsType":"rounded"}}'`],
          ["QR code resource: list the organization's codes", `curl -s ${base}/qr_codes -H 'Authorization: Bearer ${d.bearerSecret}'`],
        ]
      : []),
    ...(d.pairingInstance
      ? [
          ["Pairing: the current QR value (Client-Token header); also qr-code/image, phone-code/{phone}, status, disconnect, restart",
            `curl -s ${base}/instances/${d.pairingInstance.id}/token/${d.pairingInstanceSecret}/qr-code -H 'Client-Token: ${d.pairingClientTokenSecret}'`],
          ["Pairing: confirm as the phone would (paste the value from the call above)",
            `curl -s -X POST ${base}/pairing/confirm -H 'Content-Type: application/json' -d '{"value":"<value>","deviceName":"My phone"}'`],
          ["Pairing demo page (open in a browser; the tokens stay in the fragment)",
            `${base}/instances/${d.pairingInstance.id}/pair#token=${d.pairingInstanceSecret}&clientToken=${d.pairingClientTokenSecret}`],
        ]
      : []),
    ...(sdkSnippet
      ? [["Message QR code through the official Alibaba Cloud SDK (run from the project root; npm install brings the SDK)", sdkSnippet]]
      : []),
    ...(phone
      ? [["Message QR code with curl (bearer API key instead of a signature)",
          `curl -s -X POST ${base}/ -H 'Authorization: Bearer ${d.bearerSecret}' -H 'x-acs-action: CreatePhoneMessageQrdl' --data-urlencode PhoneNumber=${phone} -d GenerateQrImage=PNG --data-urlencode 'PrefilledMessage=Hello from curl'`]]
      : []),
    ["Admin API: list organizations (run from the project root)",
      `curl -s ${base}/admin/organizations -H "Authorization: Bearer $(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)"`],
    ["Same through the CLI", `npm run admin -- org list${cliUrl}`],
  ];
  const bar = "=".repeat(78);
  return [
    bar,
    " edge-qr demo organization: credentials",
    ` Created ${new Date().toISOString()} on ${base}`,
    " Every secret below is SHOWN ONCE - store it now. The server keeps only hashes (AccessKey secrets: encrypted).",
    bar,
    ...rows.map(([k, v]) => ` ${k.padEnd(width)}  ${v ?? "-"}`),
    "",
    " Try it:",
    ...curls.flatMap(([title, line]) => ["", ` # ${title}`, ` ${line}`]),
    bar,
  ].join("\n");
}

if (!(await waitForHealth(60_000))) {
  if (!devExited) log(`${base}/health did not answer 200 within 60 s; the server keeps running. Create the demo later with: npm run admin -- demo`);
} else {
  try {
    const { status, ok, body } = await api("POST", "/admin/demo");
    await sleep(300); // let wrangler print its request log line before our block
    if (status === 201 && body.created) {
      const block = demoBlock(body, await servedPaths());
      mkdirSync(join(ROOT, ".wrangler"), { recursive: true });
      writeFileSync(join(ROOT, SAVED), `${block}\n`, { mode: 0o600 });
      console.log(`\n${block}\n`);
      log(`this block is saved in ${SAVED} (git-ignored local state)`);
    } else if (ok && body.created === false) {
      log(
        `demo organization ${body.organization?.id} already exists; ` +
          (existsSync(join(ROOT, SAVED))
            ? `its credentials (shown once on first start) are saved in ${SAVED}`
            : `its secrets were shown once and are not saved here; issue new ones with npm run admin -- user rotate-key / devkey reissue`),
      );
    } else {
      const error = body.error ?? {};
      log(`could not create the demo organization: HTTP ${status} ${error.code ?? ""} ${error.message ?? ""}${error.requestId ? ` (requestId ${error.requestId})` : ""}; the server keeps running`);
    }
  } catch (error) {
    if (!devExited) log(`could not create the demo organization: ${error?.cause?.message ?? error?.message}; the server keeps running`);
  }
}
