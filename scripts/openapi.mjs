// `npm run openapi`: writes the API description the Worker serves at /openapi.json to openapi.json
// (pretty-printed, so clients can be generated without running a server and a change shows in a
// diff), then the TypeScript types openapi-typescript 7 generates from it, with its default
// options, to test/client/schema.d.ts and (the same file) console/src/api-schema.d.ts. test/worker/openapi.test.ts fails when openapi.json is
// stale; test/unit/openapi-lint.test.ts lints it with redocly.yaml.
//
// openapi-typescript 7 needs TypeScript 5's compiler API and this project builds with TypeScript 7
// (no JS API), so it cannot be a devDependency: it is installed on first use, pinned, into
// .tools/openapi-typescript (ignored by git, like the Node that scripts/with-node.sh fetches).
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installPinned } from "./pinned-tools.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DOCUMENT = join(ROOT, "openapi.json");
const CLIENT_TYPES = join(ROOT, "test/client/schema.d.ts");
// The console's API client (openapi-fetch) is typed by the same file, so an API change that breaks
// the console breaks its typecheck (`tsc -p console/tsconfig.json`, a step of `npm test`).
const CONSOLE_TYPES = join(ROOT, "console/src/api-schema.d.ts");
const TOOLS = join(ROOT, ".tools/openapi-typescript");
const PINNED = { "openapi-typescript": "7.13.0", typescript: "5.9.3" };

// No telemetry, no Request.cf download: the document needs nothing but loopback.
Object.assign(process.env, { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_HIDE_BANNER: "true" });

/** The document as the Worker serves it, from a local `wrangler dev` with throwaway state. */
async function servedDocument() {
  const { unstable_dev } = await import("wrangler");
  const state = mkdtempSync(join(tmpdir(), "edge-qr-openapi-"));
  const worker = await unstable_dev(join(ROOT, "src/index.ts"), {
    config: join(ROOT, "wrangler.toml"),
    ip: "127.0.0.1",
    logLevel: "error",
    persistTo: state,
    experimental: { disableExperimentalWarning: true, showInteractiveDevSession: false, watch: false, testScheduled: false },
  });
  try {
    const res = await worker.fetch("/openapi.json");
    const body = await res.text();
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}: ${body.slice(0, 500)}`);
    return JSON.parse(body);
  } finally {
    await worker.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

/** openapi-typescript's CLI, installed into .tools/ at the pinned versions when it is not there yet. */
function openapiTypescriptCli() {
  installPinned(TOOLS, PINNED, (packages) => console.log(`openapi: installing ${packages} into .tools/openapi-typescript`));
  return join(TOOLS, "node_modules/openapi-typescript/bin/cli.js");
}

const document = await servedDocument();
writeFileSync(DOCUMENT, `${JSON.stringify(document, null, 2)}\n`);
console.log(`openapi: wrote openapi.json (${Object.keys(document.paths ?? {}).length} paths)`);

mkdirSync(dirname(CLIENT_TYPES), { recursive: true });
// Run from .tools/: in the repository it would lint with redocly.yaml and refuse to generate while
// any finding is left, which is the lint test's verdict to give, not this script's.
const generated = spawnSync(process.execPath, [openapiTypescriptCli(), DOCUMENT, "--output", CLIENT_TYPES], { cwd: TOOLS, stdio: ["ignore", "ignore", "inherit"] });
if (generated.status !== 0) {
  console.error(`openapi: openapi-typescript failed (exit ${generated.status ?? generated.signal})`);
  process.exit(1);
}
copyFileSync(CLIENT_TYPES, CONSOLE_TYPES);
console.log("openapi: wrote test/client/schema.d.ts and console/src/api-schema.d.ts");
