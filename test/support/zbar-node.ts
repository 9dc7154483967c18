/**
 * ZBar as a third decoder, run in Node (workerd cannot start processes: the worker tests reach it
 * through decode-service.ts). zbarimg shares no code with ZXing or jsQR, and unlike them it samples
 * versions 7+ through a grid anchored on every alignment pattern, so it catches damage the other two
 * never see (see LOGO_DAMAGE_BUDGET).
 *
 * Runs when `zbarimg` is on PATH (Debian/Ubuntu: zbar-tools); otherwise every call answers
 * "not run" and one console note says so, except in CI (CI=true), where a missing zbarimg is an
 * error. Imported by decode.ts outside workerd and by decode-service.ts.
 */
import { Buffer } from "node:buffer";
import { execFile, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** zbarimg's exit status when it read the image and found no symbol. */
const NOTHING_FOUND = 4;

const IN_CI = process.env.CI === "true";
let available: boolean | undefined;
let directory: string | undefined;

export function zbarAvailable(): boolean {
  if (available === undefined) {
    available = spawnSync("zbarimg", ["--version"], { stdio: "ignore" }).status === 0;
    if (!available && !IN_CI) console.warn("decode harness: zbarimg is not on PATH, so ZBar checks are skipped (apt-get install zbar-tools)");
  }
  // Every call, so that no decode in CI passes without ZBar's answer.
  if (!available && IN_CI) throw new Error("decode harness: CI=true and zbarimg is not on PATH: install zbar-tools (apt-get install zbar-tools)");
  return available;
}

/**
 * Decodes opaque RGBA pixels (already composited onto the background) with zbarimg, QR only.
 * Returns what ZBar read, null when it found no symbol, and undefined when zbarimg is not
 * installed.
 *
 * Without -Sbinary, zbarimg turns every segment into UTF-8 (honouring ECI and converting Kanji
 * from Shift JIS), which is what our payloads are; --raw prints each symbol's text followed by
 * one newline. One symbol is therefore the output without its last "\n"; two or more come back
 * joined by newlines and so never equal a single expected payload.
 */
export async function decodeWithZbar(rgba: Uint8ClampedArray, width: number, height: number): Promise<string | null | undefined> {
  if (!zbarAvailable()) return undefined;
  directory ??= mkdtempSync(join(tmpdir(), "qr-zbar-"));
  // Binary PPM: no compression to spend time on, and ZBar does its own conversion to grey.
  const header = new TextEncoder().encode(`P6\n${width} ${height}\n255\n`);
  const ppm = new Uint8Array(header.length + width * height * 3);
  ppm.set(header);
  for (let i = 0, o = header.length; i < rgba.length; i += 4, o += 3) {
    ppm[o] = rgba[i]!;
    ppm[o + 1] = rgba[i + 1]!;
    ppm[o + 2] = rgba[i + 2]!;
  }
  const file = join(directory, `${randomUUID()}.ppm`);
  writeFileSync(file, ppm);
  try {
    const stdout = await new Promise<Buffer | null>((resolve, reject) =>
      execFile(
        "zbarimg",
        ["--raw", "-q", "-Sdisable", "-Sqrcode.enable", file],
        { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
        (error, out) => {
          if (!error) resolve(out);
          else if (error.code === NOTHING_FOUND) resolve(null);
          else reject(new Error(`decode harness: zbarimg failed (${error.code ?? error.message})`));
        },
      ),
    );
    if (stdout === null) return null;
    const text = Buffer.from(stdout).toString("utf8");
    if (!text.endsWith("\n")) return null;
    return text.slice(0, -1);
  } finally {
    rmSync(file, { force: true });
  }
}
