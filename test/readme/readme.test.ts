import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePng, decodeSvg, expectDecoded } from "../support/decode";
import { BROWSER_TESTS_RUN, launchChromium } from "../support/chromium";
import { freePort } from "../../bench/http/worker";

/**
 * The README as a newcomer follows it: a copy of the repository (its files as they are now,
 * node_modules linked), `npm start` in the background exactly as the quick start says, then every
 * block fenced ```sh, top to bottom, in one bash process in the copy, as one would paste them into
 * a second terminal. Blocks fenced ```sh deploy (a Cloudflare account), ```sh start (the start
 * itself, done here) and ```sh skip are not run. Afterwards every QR code image the blocks wrote
 * is decoded and compared with what it should hold, and a few answers the README promises in its
 * comments are checked in the output.
 */

const ROOT = path.join(import.meta.dirname, "../..");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");
const MARK = "@@readme-block";
const VAR_MARK = "@@readme-var";
/** Hang guards, not timing checks: a start or a run that never ends fails instead of hanging. */
const START_GUARD_MS = 180_000;
const RUN_GUARD_MS = 300_000;

interface Block {
  /** The info string's words: ["sh"], ["sh", "deploy"], ["json"], [] … */
  info: string[];
  text: string;
  /** The README line of the opening fence, for messages. */
  line: number;
}

/** Every fenced block of a Markdown text, indented ones (inside list items) included. */
function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]!.match(/^(\s*)```(.*)$/);
    if (!open) continue;
    const indent = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.startsWith(indent) ? lines[j]!.slice(indent.length) : lines[j]!);
    if (j === lines.length) throw new Error(`README.md line ${i + 1}: a fence that never closes`);
    blocks.push({ info: open[2]!.trim().split(/\s+/).filter(Boolean), text: body.join("\n"), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** What each `sh` marker means; any other marker is a mistake (it would skip a block silently). */
const MARKERS: Record<string, string> = {
  deploy: "needs a Cloudflare account",
  start: "the start itself: this test runs npm start",
  skip: "not run (say why beside the block)",
};

const blocks = fencedBlocks(README);
const shellBlocks = blocks.filter((b) => ["sh", "bash", "shell", "console"].includes(b.info[0] ?? ""));
const runnable = shellBlocks.filter((b) => b.info.length === 1 && b.info[0] === "sh");

/**
 * Images the blocks write (in the working directory) and what each must decode to, from the
 * shell's variables after the last block; null for an image that is not a QR code. An image
 * missing from this table fails the test, so a new one gets its expectation.
 */
const IMAGES: Record<string, ((v: Record<string, string>) => string) | null> = {
  "qr.png": () => "https://acme.com/pricing", // produceQRCode encodes the url itself
  "launch.png": (v) => v.LINK!, // a dynamic code encodes its short link
  "launch.svg": (v) => v.LINK!,
  "launch-framed.png": (v) => v.LINK!, // the same code in a frame with a caption
  "message.svg": (v) => v.DEEP_LINK!,
  "pairing.png": (v) => v.VALUE!, // the value the same moment's /qr-code answered
  "logo-code.png": (v) => v.LOGO_LINK!,
  "logo.png": null, // the logo the upload example makes
};
const VARS = ["B", "LINK", "DEEP_LINK", "VALUE", "LOGO_LINK"];

/** Answers the README's comments promise, found in the run's output (why each matters beside it). */
const PROMISED: [RegExp, string][] = [
  [/^success$/m, "produceQRCode with the demo credentials succeeds"],
  [/^rounded$/m, "a PUT of the read representation keeps the design"],
  [/^SCAN ME$/m, "a merge patch adds a frame with its caption"],
  [/^302 https:\/\/example\.com\/offer$/m, "the first phone scan reaches the target"],
  [/^302 https:\/\/example\.com\/sold-out$/m, "the second, over the budget of one, gets the fallback"],
  [/^\{"all":3,"human":2,"unique":1,"bots":1\}$/m, "the analytics example counts today's scans: phones as people, curl as a bot"],
  [/^fallback$/m, "the newest scan's outcome"],
  [/^OK \S/m, "the official SDK's createPhoneMessageQrdl"],
  [/^https:\/\/wa\.me\/\d+\?text=Hello%20%F0%9F%91%8B$/m, "the message code's deep link"],
];

/**
 * A newcomer's environment: PATH without what npm and scripts/with-node.sh put in front for this
 * test run (node_modules/.bin, the Node 24 of .tools), and none of this run's npm or secret
 * variables (an ADMIN_TOKEN from CI would be used by the admin CLI instead of .dev.vars).
 */
function newcomerEnv(): Record<string, string> {
  const PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => !/node_modules[\\/]\.bin$|node-gyp-bin$|[\\/]\.tools[\\/]/.test(dir))
    .join(path.delimiter);
  const keep = Object.fromEntries(["HOME", "TMPDIR", "USER", "SHELL"].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])));
  return { ...keep, PATH, LANG: "C.UTF-8" };
}

/** The repository as a clone with everything committed would have it, node_modules (and .tools) linked. */
function copyRepository(): { dir: string; files: Set<string> } {
  const dir = mkdtempSync(path.join(tmpdir(), "edge-qr-readme-"));
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" }).split("\0").filter(Boolean);
  const files = new Set<string>();
  for (const file of listed) {
    const from = path.join(ROOT, file);
    if (!existsSync(from) || !statSync(from).isFile()) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(from, path.join(dir, file));
    files.add(file);
  }
  for (const linked of ["node_modules", ".tools"]) if (existsSync(path.join(ROOT, linked))) symlinkSync(path.join(ROOT, linked), path.join(dir, linked));
  return { dir, files };
}

/** Stops a process group we started: SIGTERM, then SIGKILL if it is still there. */
async function stopGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

let dir = "";
let copied = new Set<string>();
let server: ChildProcess | undefined;
let serverOutput = "";
let run: { code: number | null; output: string; vars: Record<string, string> } | undefined;

const startLog = () => {
  const log = path.join(dir, ".wrangler/start.log");
  return existsSync(log) ? readFileSync(log, "utf8").replace(/\x1b\[[0-9;]*m/g, "").slice(-3000) : "(no .wrangler/start.log)";
};

/** `npm start` in the copy, until it has printed the credentials and written .wrangler/demo.env. */
async function startServer(): Promise<void> {
  const port = await freePort();
  server = spawn("npm", ["start"], { cwd: dir, env: { ...newcomerEnv(), PORT: String(port) }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => reject(new Error(`npm start ${why}:\n${serverOutput}\n--- .wrangler/start.log (end) ---\n${startLog()}`));
    const guard = setTimeout(() => fail(`did not finish starting within ${START_GUARD_MS / 1000} s`), START_GUARD_MS);
    const onData = (chunk: Buffer) => {
      serverOutput += chunk.toString();
      if (/^ {2}✗ /m.test(serverOutput)) {
        clearTimeout(guard);
        fail("reported a failed step");
      } else if (serverOutput.includes("Ctrl-C stops the server")) {
        clearTimeout(guard);
        if (existsSync(path.join(dir, ".wrangler/demo.env"))) resolve();
        else fail("did not write .wrangler/demo.env");
      }
    };
    server!.stdout!.on("data", onData);
    server!.stderr!.on("data", onData);
    server!.once("exit", (code) => {
      clearTimeout(guard);
      fail(`exited (${code})`);
    });
  });
}

/** Every runnable block in one `bash` in the copy, each announced by a marker line in the output. */
async function runBlocks(): Promise<NonNullable<typeof run>> {
  const script = [
    "set -euo pipefail",
    // curl exits 0 on a 4xx or 5xx answer: here an error answer fails its block like any other error.
    'curl() { command curl --fail-with-body "$@"; }',
    ...runnable.flatMap((block, i) => [`printf '\\n${MARK} %s\\n' ${i}`, block.text]),
    `printf '\\n${MARK} end\\n'`,
    ...VARS.map((name) => `printf '${VAR_MARK} %s=%s\\n' ${name} "\${${name}-}"`),
  ].join("\n");
  const scriptFile = path.join(dir, ".wrangler/readme-blocks.sh");
  writeFileSync(scriptFile, `${script}\n`);
  const outputFile = path.join(dir, ".wrangler/readme-blocks.out");
  const out = openSync(outputFile, "w");
  // stdout and stderr on one file descriptor: the output keeps the order it was written in.
  const child = spawn("bash", ["--noprofile", "--norc", scriptFile], { cwd: dir, env: newcomerEnv(), stdio: ["ignore", out, out], detached: true });
  closeSync(out);
  const guard = setTimeout(() => void stopGroup(child), RUN_GUARD_MS);
  const code = await new Promise<number | null>((resolve) => child.once("exit", (status) => resolve(status)));
  clearTimeout(guard);
  const output = readFileSync(outputFile, "utf8");
  const vars = Object.fromEntries([...output.matchAll(new RegExp(`^${VAR_MARK} (\\w+)=(.*)$`, "gm"))].map((m) => [m[1]!, m[2]!]));
  return { code, output, vars };
}

/** The failing block: its source, where it is in README.md, and what it printed. */
function failureReport(result: NonNullable<typeof run>): string {
  const parts = result.output.split(new RegExp(`\\n${MARK} (\\d+|end)\\n`));
  // parts: [before, index0, output0, index1, output1, …]
  const lastIndex = parts.length >= 3 ? parts[parts.length - 2]! : undefined;
  const block = lastIndex === undefined || lastIndex === "end" ? undefined : runnable[Number(lastIndex)];
  return [
    block ? `README.md block at line ${block.line} failed (exit ${result.code}):` : `the run failed (exit ${result.code}) outside a block:`,
    ...(block ? ["```sh", block.text, "```"] : []),
    "--- its output ---",
    parts[parts.length - 1]!.slice(-6000),
    "--- .wrangler/start.log (end) ---",
    startLog(),
  ].join("\n");
}

describe("README.md", () => {
  it("marks its shell blocks: sh runs, sh deploy|start|skip do not", () => {
    for (const block of shellBlocks) {
      expect(block.info[0], `README.md line ${block.line}: shell blocks are fenced sh`).toBe("sh");
      for (const marker of block.info.slice(1)) expect(Object.keys(MARKERS), `README.md line ${block.line}: unknown marker "${marker}"`).toContain(marker);
    }
    const start = shellBlocks.filter((b) => b.info.includes("start"));
    expect(start).toHaveLength(1);
    expect(start[0]!.text).toContain("npm start");
    expect(runnable.length).toBeGreaterThanOrEqual(10);
    // The walk-throughs start from the file npm start writes, not from an address typed in.
    expect(runnable[0]!.text).toMatch(/^\. \.wrangler\/demo\.env$/m);
    expect(README).not.toContain("../shared");
  });

  describe("against a fresh npm start", () => {
    beforeAll(async () => {
      // The copy links the checkout's node_modules: an install through that link empties the
      // checkout's (npm ci removes node_modules' contents first). Installing is the start block's job.
      for (const block of runnable) {
        if (/\bnpm\s+(ci|install|i|update)\b/.test(block.text)) throw new Error(`README.md line ${block.line}: a sh block that installs packages; fence it sh start or sh skip`);
      }
      for (const tool of ["bash", "curl", "git"]) {
        try {
          execFileSync("sh", ["-c", `command -v ${tool}`], { env: newcomerEnv(), stdio: "ignore" });
        } catch {
          throw new Error(`the README's examples need ${tool} on PATH`);
        }
      }
      ({ dir, files: copied } = copyRepository());
      await startServer();
      run = await runBlocks();
    }, START_GUARD_MS + RUN_GUARD_MS);

    afterAll(async () => {
      await stopGroup(server);
      if (dir) rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it("runs every sh block as written, in order, in one shell", () => {
      if (run!.code !== 0) throw new Error(failureReport(run!));
      expect(run!.output).toContain(`${MARK} end`);
    });

    it("prints what its comments promise", () => {
      for (const [pattern, what] of PROMISED) expect(run!.output, `${what}: ${pattern} not in the output`).toMatch(pattern);
    });

    it("writes QR code images that scan as what they are meant to hold", async () => {
      const vars = run!.vars;
      const written = readdirSync(dir).filter((name) => /\.(png|svg)$/.test(name) && !copied.has(name));
      expect(written.filter((name) => !(name in IMAGES)), "images the README writes that have no expectation here").toEqual([]);
      expect(Object.keys(IMAGES).filter((name) => !written.includes(name)), "images expected but not written").toEqual([]);
      for (const name of written) {
        const expected = IMAGES[name]?.(vars);
        if (expected === undefined) continue;
        expect(expected, `${name}: the variable it should hold is empty`).toBeTruthy();
        const bytes = readFileSync(path.join(dir, name));
        const result = name.endsWith(".svg")
          ? await decodeSvg(bytes.toString("utf8"), Number(bytes.toString("utf8").match(/width="(\d+)"/)?.[1] ?? 600))
          : await decodePng(new Uint8Array(bytes));
        expectDecoded(result, expected);
      }
      // Dynamic codes hold this instance's short links.
      expect(vars.LINK).toMatch(new RegExp(`^${vars.B}/r/[0-9A-Za-z]{8}$`));
    });

    // Issue 17's "done when": a newcomer opens the console npm start printed, signs in with the
    // printed credentials, designs a code by clicking, downloads it, scans it and sees the scan on a
    // chart, with nothing but what the screen says.
    it.skipIf(!BROWSER_TESTS_RUN)("takes a newcomer from the printed console address to a scan on a chart", async () => {
      const consoleUrl = serverOutput.match(/^ Console +(http:\/\/\S+\/console\/)/m)?.[1];
      const [, email, password] = serverOutput.match(/^ console sign-in +(\S+) +password (\S+)/m) ?? [];
      expect(consoleUrl, "npm start prints the console's address").toBeTruthy();
      expect(password, "npm start prints the demo user's sign-in").toBeTruthy();
      const browser = await launchChromium();
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (error) => errors.push(error.message));
        await page.goto(consoleUrl!);
        await page.getByLabel("Email").fill(email!);
        await page.getByLabel("Password").fill(password!);
        await page.getByRole("button", { name: "Sign in" }).click();

        await page.getByRole("link", { name: "New code" }).click();
        await page.getByLabel("Website").check();
        await page.getByRole("textbox", { name: /^Name/ }).fill("My first code");
        await page.getByLabel("Web address").fill("https://example.com/hello");
        await page.getByRole("button", { name: "Create code" }).click();
        await page.getByRole("heading", { name: "My first code", level: 1 }).waitFor();
        const shortLink = (await page.locator(".code-summary dd a").first().textContent())!;
        expect(shortLink).toMatch(/\/r\/[0-9A-Za-z]{8}$/);

        await page.getByRole("link", { name: "Design" }).click();
        await page.getByRole("heading", { name: "Design: My first code", level: 1 }).waitFor();
        await page.getByRole("button", { name: "Rounded blue" }).click();
        await page.getByRole("button", { name: "Save design" }).click();
        await page.getByText("Saved. Downloads now draw this design.").waitFor();
        await page.getByLabel("Format", { exact: true }).selectOption("png");
        const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download PNG" }).click()]);
        const saved = path.join(dir, ".wrangler/newcomer.png");
        await download.saveAs(saved);
        expectDecoded(await decodePng(new Uint8Array(readFileSync(saved))), shortLink);

        // The scan: a phone opens what the code holds.
        const phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
        const scan = await fetch(shortLink, { redirect: "manual", headers: { "User-Agent": phone } });
        expect(scan.status).toBe(302);
        expect(scan.headers.get("Location")).toBe("https://example.com/hello");

        await page.getByRole("link", { name: "Back to the code" }).click();
        await page.locator("main").getByRole("link", { name: "Analytics" }).click();
        await page.getByRole("heading", { name: "Analytics: My first code", level: 1 }).waitFor();
        const human = page.locator(".total", { hasText: "Human scans" }).locator("dd");
        // The scan reaches the chart once the queue has written it (batches of up to 5 s locally).
        await expect
          .poll(
            async () => {
              await page.reload();
              await page.locator(".total").first().waitFor();
              return human.textContent();
            },
            { timeout: 60_000, interval: 1_000 },
          )
          .toBe("1");
        await page.locator(".chart canvas").first().waitFor();
        expect(errors).toEqual([]);
        await context.close();
      } finally {
        await browser.close();
      }
    }, 180_000);
  });
});
