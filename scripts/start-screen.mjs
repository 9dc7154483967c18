// What `npm start` prints, as pure functions of what it learned (scripts/start.mjs does the work):
// one short line per step, then the URLs, every credential of the demo organization and a
// ready-to-paste command for each API. Kept apart so a unit test can hold the screen to its line
// budget (the credentials within the first 30 lines of `npm start`).

/** `  ✓ server    wrangler dev ready in 6.2 s` */
export const stepLine = (ok, label, text) => `  ${ok === true ? "✓" : ok === false ? "✗" : "…"} ${label.padEnd(9)} ${text}`;

/** "10 applied" or "up to date" from `wrangler d1 migrations apply` output; null when unrecognised. */
export function migrationSummary(output) {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  if (/No migrations to apply/i.test(plain)) return "up to date";
  const count = plain.match(/About to apply (\d+) migration/i)?.[1];
  return count ? `${count} applied` : null;
}

/** The URL line: the origin and where to look first. */
export const urlLine = (base) => ` URLs         ${base}   docs ${base}/docs   OpenAPI /openapi.json   health /health`;

/** Where people sign in: the console (the demo user's email and password are among the credentials). */
export const consoleLine = (base, email) => ` Console      ${base}/console/${email ? `   sign in as ${email}` : ""}`;

/** Every credential of a freshly created demo organization, one row each (ids beside their secret). */
export function credentialRows(d) {
  const allow = d.developerKey?.allowlist ?? [];
  const bearer = d.bearerKey ?? {};
  const rows = [
    ["organization", `${d.organization.id}  (${d.organization.name}; WhatsApp ${d.organization.whatsappEnabled ? "on" : "off"})`],
    ["brand_id", d.brand?.id],
    ["member_id", d.member?.id],
    ["api_key", `${d.apiKey}  (user id ${d.user?.id ?? "-"})`],
    ["developer_secret", `${d.developerSecret}  (key id ${d.developerKey?.id ?? "-"}; allowlist ${allow.length ? allow.join(", ") : "empty: admits nobody"})`],
    ["bearer API key", `${d.bearerSecret}  (key id ${bearer.id ?? "-"}; ${bearer.role ?? "-"})`],
    ["  actions", (bearer.actions ?? []).join(", ") || "(none)"],
    ...(d.pairingInstance
      ? [
          ["pairing instance", d.pairingInstance.id],
          ["  instance token", d.pairingInstanceSecret],
          ["  Client-Token", d.pairingClientTokenSecret],
        ]
      : []),
    ...(d.whatsappPhoneNumber ? [["WhatsApp number", `${d.whatsappPhoneNumber.phoneNumber}  (CustSpaceId ${d.whatsappPhoneNumber.custSpaceId ?? "-"})`]] : []),
    ...(d.accessKey
      ? [
          ["AccessKey ID", d.accessKey.id],
          ["AccessKey secret", d.accessKeySecret],
        ]
      : []),
    ...(d.console ? [["console sign-in", `${d.console.email}  password ${d.console.password}  (owner)`]] : []),
    ["admin token", "ADMIN_TOKEN in .dev.vars"],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => ` ${k.padEnd(width)}  ${v ?? "-"}`);
}

/** The shell file `npm start` writes beside the saved screen; the README's examples source it. */
export const DEMO_ENV = ".wrangler/demo.env";

/** `. .wrangler/demo.env` in another terminal: what to type, and what it sets (for `withCommands`, the screen's too). */
export const demoEnvLine = (withCommands = false) =>
  ` In another terminal, from this directory: . ${DEMO_ENV}   (sets $B, $KEY, … for the README${withCommands ? " and the commands below" : ""})`;

const shellQuote = (value) => `'${String(value).replaceAll("'", `'\\''`)}'`;

/**
 * The demo organization's ids and secrets as `export NAME='value'` lines for `. .wrangler/demo.env`,
 * so that commands (the README's walk-throughs, the screen's) name secrets by variable and none is
 * typed on a command line or kept in shell history. `B` is the server's address, and EDGE_QR_URL
 * points the admin CLI at it (the CLI reads ADMIN_TOKEN from .dev.vars, so it is not here).
 */
export function demoEnv(d, base) {
  const vars = [
    ["B", base],
    ["EDGE_QR_URL", base],
    ["ORG_ID", d.organization.id],
    ["BRAND_ID", d.brand?.id],
    ["MEMBER_ID", d.member?.id],
    ["USER_ID", d.user?.id],
    ["API_KEY", d.apiKey],
    ["DEV_KEY_ID", d.developerKey?.id],
    ["DEV_SECRET", d.developerSecret],
    ["KEY", d.bearerSecret],
    ["PHONE", d.whatsappPhoneNumber?.phoneNumber],
    ["CUST_SPACE_ID", d.whatsappPhoneNumber?.custSpaceId],
    ["ACCESS_KEY_ID", d.accessKey?.id],
    ["ACCESS_KEY_SECRET", d.accessKeySecret],
    ["INSTANCE", d.pairingInstance?.id],
    ["INSTANCE_TOKEN", d.pairingInstanceSecret],
    ["CLIENT_TOKEN", d.pairingClientTokenSecret],
    ["CONSOLE_EMAIL", d.console?.email],
    ["CONSOLE_PASSWORD", d.console?.password],
  ].filter(([, value]) => value !== undefined && value !== null);
  return [
    `# The demo organization's credentials, written by npm start (secrets: keep this file private).`,
    `# Load them into a shell with: . ${DEMO_ENV}`,
    ...vars.map(([name, value]) => `export ${name}=${shellQuote(value)}`),
    "",
  ].join("\n");
}

/** The same file with `B` and EDGE_QR_URL moved to this start's address (a later start may use another PORT). */
export const withBase = (text, base) => text.replace(/^export (B|EDGE_QR_URL)=.*$/gm, (_, name) => `export ${name}=${shellQuote(base)}`);

/**
 * A titled command for each API, in the order a newcomer tries them: [title, command line]. Secrets
 * are named by the variables of .wrangler/demo.env, never spelled out: a command line shows in `ps`
 * and stays in shell history.
 */
export function tryCommands(d, base, paths) {
  const produceBody = `'{"api_key":"'"$API_KEY"'","developer_secret":"'"$DEV_SECRET"'","url":"https://example.com","size":300}'`;
  const savePng =
    `node -e 'let s="";process.stdin.on("data",(c)=>(s+=c)).on("end",()=>{const r=JSON.parse(s);` +
    `if(r.status!=="success"){console.error(r);process.exit(1)}require("fs").writeFileSync("qr.png",Buffer.from(r.data,"base64"));console.log("wrote qr.png")})'`;
  const cliUrl = base === "http://127.0.0.1:8787" ? "" : ` --url ${base}`;
  const phone = d.whatsappPhoneNumber?.phoneNumber;
  const bearer = `-H "Authorization: Bearer $KEY"`;
  return [
    ["Health", `curl -s ${base}/health`],
    [`OpenAPI document (interactive docs: open ${base}/docs)`, `curl -s ${base}/openapi.json | head -c 600; echo`],
    ["Produce a QR code (api_key + developer_secret), saved as qr.png",
      `curl -s -X POST ${base}/apis/v2/public/crm/produceQRCode -H 'Content-Type: application/json' -d ${produceBody} | ${savePng}`],
    ...(paths.has("/qr_codes")
      ? [
          ["QR code resource: create a dynamic url code (bearer API key)",
            `curl -s -X POST ${base}/qr_codes ${bearer} -H 'Content-Type: application/json' -d '{"name":"Demo","type":"url","content":{"url":"https://example.com"},"appearance":{"dotsOptionsType":"rounded"}}'`],
          ["QR code resource: list the organization's codes", `curl -s ${base}/qr_codes ${bearer}`],
        ]
      : []),
    ...(d.pairingInstance
      ? [
          ["Pairing: the current QR value (Client-Token header); also qr-code/image, phone-code/{phone}, status, disconnect, restart",
            `curl -s ${base}/instances/$INSTANCE/token/$INSTANCE_TOKEN/qr-code -H "Client-Token: $CLIENT_TOKEN"`],
          ["Pairing: confirm as the phone would (paste the value from the call above)",
            `curl -s -X POST ${base}/pairing/confirm -H 'Content-Type: application/json' -d '{"value":"<value>","deviceName":"My phone"}'`],
          ["Pairing demo page (open in a browser; the tokens stay in the fragment)",
            `${base}/instances/${d.pairingInstance.id}/pair#token=${d.pairingInstanceSecret}&clientToken=${d.pairingClientTokenSecret}`],
        ]
      : []),
    ...(d.accessKey && phone
      ? [["Message QR code through the official Alibaba Cloud SDK (run from the project root; npm ci brings the SDK)",
          `node --input-type=module -e 'import Cams, * as cams from "@alicloud/cams20200606"; import { Config } from "@alicloud/openapi-client"; const env = process.env; ` +
            `const client = new (Cams.default ?? Cams)(new Config({ accessKeyId: env.ACCESS_KEY_ID, accessKeySecret: env.ACCESS_KEY_SECRET, endpoint: new URL(env.B).host, protocol: "http" })); ` +
            `const res = await client.createPhoneMessageQrdl(new cams.CreatePhoneMessageQrdlRequest({ phoneNumber: env.PHONE, generateQrImage: "PNG", prefilledMessage: "Hello from the SDK 👋" })); ` +
            `console.log(res.body.data)'`]]
      : []),
    ...(phone
      ? [["Message QR code with curl (bearer API key instead of a signature)",
          `curl -s -X POST ${base}/ ${bearer} -H 'x-acs-action: CreatePhoneMessageQrdl' --data-urlencode PhoneNumber=$PHONE -d GenerateQrImage=PNG --data-urlencode 'PrefilledMessage=Hello from curl'`]]
      : []),
    ["Admin API: list organizations (run from the project root)",
      `curl -s ${base}/admin/organizations -H "Authorization: Bearer $(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)"`],
    ["Same through the CLI", `npm run admin -- org list${cliUrl}`],
  ];
}

/**
 * The block for a demo organization created just now: URLs, credentials, then the commands (each
 * on one line under its `#` title, so a triple-click copies it whole). Also what is saved to
 * .wrangler/demo-credentials.txt.
 */
export function demoScreen(d, { base, paths, createdAt }) {
  return [
    urlLine(base),
    ...(d.console ? [consoleLine(base, d.console.email)] : []),
    ` Secrets are shown once (the server keeps only hashes; AccessKey secrets encrypted). Created ${createdAt}.`,
    ...credentialRows(d),
    demoEnvLine(true),
    "",
    " Try it there (one command per line):",
    ...tryCommands(d, base, paths).flatMap(([title, line]) => [` # ${title}`, ` ${line}`]),
  ];
}
