// The bench's second baseline (issue 16): qr-code-styling, the library people reach for when they
// want styled codes, drawing on node-canvas (cairo) through jsdom in Node, as its README shows;
// beside it qr-code-styling-node, the fork for Node that draws on node-canvas without jsdom.
//
// It is not in package.json: node-canvas compiles against cairo's development packages when no
// prebuilt binary downloads (none can here: no internet but the npm registry), and users' `npm ci`
// must not need cairo. The bench installs it, pinned, into .tools/bench-peers on first run, the way
// `npm run openapi` installs openapi-typescript; on a Debian machine where it runs as root it first
// installs the cairo packages with apt-get, as .ci/run does for zbar. When none of that works the
// bench says why in one line and the targets that need the peer report "not measured".
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Appearance } from "../src/qr";
import { installPinned, pinnedInstalled } from "../scripts/pinned-tools.mjs";
import { encodePngFixture } from "../test/support/png-fixtures";

const PEER_TOOLS = fileURLToPath(new URL("../.tools/bench-peers", import.meta.url));
// The versions npm installed on 2026-12-03; qr-code-styling's Node example passes jsdom and canvas in.
const PINNED = { "qr-code-styling": "1.9.2", "qr-code-styling-node": "1.5.0", canvas: "3.2.3", jsdom: "27.0.0" };
/** What node-canvas builds against (its README's list for Debian), and pkg-config to find them. */
const CAIRO_PACKAGES = ["pkg-config", "libcairo2-dev", "libpango1.0-dev", "libjpeg-dev", "libgif-dev", "librsvg2-dev"];

export const PEERS = ["qr-code-styling", "qr-code-styling-node"] as const;
export type PeerId = (typeof PEERS)[number];
export const PEER_LABELS: Record<PeerId, string> = {
  "qr-code-styling": "qr-code-styling (node-canvas)",
  "qr-code-styling-node": "qr-code-styling-node (node-canvas)",
};

export type PeerStatus = { available: true } | { available: false; reason: string };

/** A 256 px PNG logo, the same bytes on both sides: a teal ring on transparency, as logos often are. */
export const PNG_LOGO_256 = encodePngFixture({
  width: 256,
  height: 256,
  colorType: 6,
  bitDepth: 8,
  pixel: (x, y) => {
    const r = Math.hypot(x - 127.5, y - 127.5);
    return r > 80 && r < 118 ? [14, 116, 144, 255] : [255, 255, 255, 0];
  },
});

const cairoFound = () => spawnSync("pkg-config", ["--exists", "cairo", "pangocairo"], { stdio: "ignore" }).status === 0;

/** Installs cairo's development packages when this process may (root, apt-get); says whether they are there. */
function ensureCairo(progress: (line: string) => void): boolean {
  if (cairoFound()) return true;
  const canInstall = process.getuid?.() === 0 && spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0;
  if (!canInstall) return false;
  progress(`peer: installing ${CAIRO_PACKAGES.join(" ")} with apt-get (node-canvas builds against them)`);
  for (const args of [["update"], ["install", "-y", "--no-install-recommends", ...CAIRO_PACKAGES]])
    if (spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"] }).status !== 0) return false;
  return cairoFound();
}

/**
 * Makes the peer loadable, installing what it needs when it is missing, and says whether it is.
 * A failed install is tried again by the next bench run.
 */
export function preparePeers(progress: (line: string) => void): PeerStatus {
  try {
    if (!pinnedInstalled(PEER_TOOLS, PINNED)) {
      // Without cairo the install can still work where node-canvas's prebuilt binary downloads.
      const cairo = ensureCairo(progress);
      try {
        installPinned(PEER_TOOLS, PINNED, (packages) => progress(`peer: installing ${packages} into .tools/bench-peers (node-canvas may build from source: about a minute)`));
      } catch (err) {
        if (cairo) throw err;
        throw new Error(`node-canvas could not be installed and cairo's development packages are missing (as root: apt-get install ${CAIRO_PACKAGES.join(" ")})`);
      }
    }
    // The native part is what fails to load when anything does (a build for another Node, say).
    peerRequire()("canvas");
    return { available: true };
  } catch (err) {
    const [reason, ...details] = (err as Error).message.split("\n");
    // npm's own errors (the end of a failed node-gyp build, say) once, above the one-line reason.
    for (const line of details) progress(`peer: ${line}`);
    return { available: false, reason: reason! };
  }
}

interface QrCodeStylingInstance {
  getRawData(extension: "png"): Promise<Uint8Array>;
}
type QrCodeStyling = new (options: object) => QrCodeStylingInstance;

const peerRequire = () => createRequire(join(PEER_TOOLS, "package.json"));
const loaded = new Map<PeerId, { QRCodeStyling: QrCodeStyling; extra: object }>();

/** Each peer as its README sets it up; loaded once per process (a bench child runs one side). */
function loadPeer(id: PeerId) {
  let peer = loaded.get(id);
  if (peer) return peer;
  const require = peerRequire();
  const nodeCanvas = require("canvas");
  if (id === "qr-code-styling") peer = { QRCodeStyling: require("qr-code-styling"), extra: { jsdom: require("jsdom").JSDOM, nodeCanvas } };
  else {
    // Its webpack bundle reads the browser's `self` as it loads; Node has no such global.
    (globalThis as { self?: unknown }).self ??= globalThis;
    peer = { QRCodeStyling: require("qr-code-styling-node"), extra: { nodeCanvas } };
  }
  loaded.set(id, peer);
  return peer;
}

export interface PeerInput {
  content: string;
  appearance: Appearance;
  size: number;
  logo: Uint8Array;
}

type Layer = "dotsOptions" | "backgroundOptions" | "cornersSquareOptions" | "cornersDotOptions";

/** One layer of our flat appearance as qr-code-styling's nested options (our names mirror theirs). */
function layer(a: Appearance, name: Layer) {
  const field = (suffix: string) => (a as unknown as Record<string, unknown>)[`${name}${suffix}`] ?? undefined;
  return {
    type: field("Type"),
    color: field("Color"),
    ...(field("GradientType") !== undefined && { gradient: { type: field("GradientType"), rotation: field("GradientRotation") ?? 0, colorStops: field("GradientColorStops") } }),
  };
}

/** The same design as ours, in qr-code-styling's options; the logo goes in as a data: URL of the same bytes. */
function peerOptions({ content, appearance: a, size, logo }: PeerInput) {
  return {
    type: "canvas",
    width: size,
    height: size,
    data: content,
    margin: a.margin,
    shape: a.shape,
    image: `data:image/png;base64,${Buffer.from(logo).toString("base64")}`,
    qrOptions: { typeNumber: a.qrOptionsTypeNumber, errorCorrectionLevel: a.qrOptionsErrorCorrectionLevel },
    imageOptions: { hideBackgroundDots: a.imageOptionsHideBackgroundDots, imageSize: a.imageOptionsImageSize, margin: a.imageOptionsMargin },
    dotsOptions: layer(a, "dotsOptions"),
    backgroundOptions: layer(a, "backgroundOptions"),
    cornersSquareOptions: layer(a, "cornersSquareOptions"),
    cornersDotOptions: layer(a, "cornersDotOptions"),
  };
}

/** A peer's PNG for the input: a new instance each time, as a server makes one per request. */
export async function peerPng(id: PeerId, input: PeerInput): Promise<Uint8Array> {
  const { QRCodeStyling, extra } = loadPeer(id);
  return new Uint8Array(await new QRCodeStyling({ ...peerOptions(input), ...extra }).getRawData("png"));
}

/**
 * What zbarimg reads in a PNG: its text, null when it finds no code, or undefined when zbarimg is
 * not installed (Debian: zbar-tools). Proves an image is a real code; not timed.
 */
export function readWithZbar(png: Uint8Array): string | null | undefined {
  if (spawnSync("zbarimg", ["--version"], { stdio: "ignore" }).status !== 0) return undefined;
  const directory = mkdtempSync(join(tmpdir(), "bench-zbar-"));
  try {
    const file = join(directory, "code.png");
    writeFileSync(file, png);
    const zbar = spawnSync("zbarimg", ["--raw", "-q", "-Sdisable", "-Sqrcode.enable", file], { encoding: "utf8" });
    return zbar.status === 0 ? zbar.stdout.replace(/\n$/, "") : null;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
