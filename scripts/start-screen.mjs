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
    ["admin token", "ADMIN_TOKEN in .dev.vars"],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => ` ${k.padEnd(width)}  ${v ?? "-"}`);
}

/** A titled command for each API, in the order a newcomer tries them: [title, command line]. */
export function tryCommands(d, base, paths) {
  const produceBody = JSON.stringify({ api_key: d.apiKey, developer_secret: d.developerSecret, url: "https://example.com", size: 300 });
  const savePng =
    `node -e 'let s="";process.stdin.on("data",(c)=>(s+=c)).on("end",()=>{const r=JSON.parse(s);` +
    `if(r.status!=="success"){console.error(r);process.exit(1)}require("fs").writeFileSync("qr.png",Buffer.from(r.data,"base64"));console.log("wrote qr.png")})'`;
  const cliUrl = base === "http://127.0.0.1:8787" ? "" : ` --url ${base}`;
  const phone = d.whatsappPhoneNumber?.phoneNumber;
  const endpoint = base.replace(/^http:\/\//, "");
  const bearer = `-H 'Authorization: Bearer ${d.bearerSecret}'`;
  return [
    ["Health", `curl -s ${base}/health`],
    [`OpenAPI document (interactive docs: open ${base}/docs)`, `curl -s ${base}/openapi.json | head -c 600; echo`],
    ["Produce a QR code (api_key + developer_secret), saved as qr.png",
      `curl -s -X POST ${base}/apis/v2/public/crm/produceQRCode -H 'Content-Type: application/json' -d '${produceBody}' | ${savePng}`],
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
            `curl -s ${base}/instances/${d.pairingInstance.id}/token/${d.pairingInstanceSecret}/qr-code -H 'Client-Token: ${d.pairingClientTokenSecret}'`],
          ["Pairing: confirm as the phone would (paste the value from the call above)",
            `curl -s -X POST ${base}/pairing/confirm -H 'Content-Type: application/json' -d '{"value":"<value>","deviceName":"My phone"}'`],
          ["Pairing demo page (open in a browser; the tokens stay in the fragment)",
            `${base}/instances/${d.pairingInstance.id}/pair#token=${d.pairingInstanceSecret}&clientToken=${d.pairingClientTokenSecret}`],
        ]
      : []),
    ...(d.accessKey && phone
      ? [["Message QR code through the official Alibaba Cloud SDK (run from the project root; npm ci brings the SDK)",
          `node --input-type=module -e 'import Cams, * as cams from "@alicloud/cams20200606"; import { Config } from "@alicloud/openapi-client"; ` +
            `const client = new (Cams.default ?? Cams)(new Config({ accessKeyId: "${d.accessKey.id}", accessKeySecret: "${d.accessKeySecret}", endpoint: "${endpoint}", protocol: "http" })); ` +
            `const res = await client.createPhoneMessageQrdl(new cams.CreatePhoneMessageQrdlRequest({ phoneNumber: "${phone}", generateQrImage: "PNG", prefilledMessage: "Hello from the SDK 👋" })); ` +
            `console.log(res.body.data)'`]]
      : []),
    ...(phone
      ? [["Message QR code with curl (bearer API key instead of a signature)",
          `curl -s -X POST ${base}/ ${bearer} -H 'x-acs-action: CreatePhoneMessageQrdl' --data-urlencode PhoneNumber=${phone} -d GenerateQrImage=PNG --data-urlencode 'PrefilledMessage=Hello from curl'`]]
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
    ` Secrets are shown once (the server keeps only hashes; AccessKey secrets encrypted). Created ${createdAt}.`,
    ...credentialRows(d),
    "",
    " Try it (one command per line):",
    ...tryCommands(d, base, paths).flatMap(([title, line]) => [` # ${title}`, ` ${line}`]),
  ];
}
