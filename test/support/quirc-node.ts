/**
 * quirc as the fourth decoder, run in Node (node-quirc is a native addon; workerd cannot load one).
 * quirc is the decoder inside many embedded and open-source scanners, and it is the strictest we
 * test about finder patterns: it locates a finder by scanning rows for the 1:1:3:1:1 run
 * pattern and then flood-fills the ring and the centre as connected regions, so rings drawn as
 * separate dots, or rounded so far that a row through them loses the pattern, are not found.
 *
 * node-quirc builds with node-gyp at `npm ci` (a C compiler, make and Python; .ci/run installs them
 * on Debian). Imported by decode.ts outside workerd and by decode-service.ts, which serves it to the
 * worker tests.
 */
import { createRequire } from "node:module";

interface QuircCode {
  err?: string;
  version?: number;
  ecc_level?: string;
  mode?: "NUMERIC" | "ALNUM" | "BYTE" | "KANJI";
  eci?: string;
  data?: Buffer;
}

interface NodeQuirc {
  decode(img: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }): Promise<QuircCode[]>;
}

let quirc: NodeQuirc | undefined;
function load(): NodeQuirc {
  quirc ??= createRequire(import.meta.url)("node-quirc") as NodeQuirc;
  return quirc;
}

/**
 * quirc hands back the payload's bytes (numeric and alphanumeric segments as ASCII, Kanji as
 * Shift JIS) and the ECI it saw. Without an ECI, bytes are read as UTF-8, as phones do.
 */
function text(code: QuircCode): string {
  const bytes = code.data ?? new Uint8Array();
  if (code.eci === "ISO_8859_1") return new TextDecoder("latin1").decode(bytes);
  if (code.eci === "SHIFT_JIS" || (!code.eci && code.mode === "KANJI")) return new TextDecoder("shift_jis").decode(bytes);
  return new TextDecoder("utf-8").decode(bytes);
}

/**
 * Decodes opaque RGBA pixels (already composited onto the background) with quirc. Returns the
 * text of the one symbol read, null when none decoded, and the texts joined by newlines when more
 * than one did (so they never equal a single expected payload).
 */
export async function decodeWithQuirc(rgba: Uint8ClampedArray, width: number, height: number): Promise<string | null> {
  const codes = await load().decode({ data: rgba, width, height });
  const read = codes.filter((code) => !code.err).map(text);
  return read.length === 0 ? null : read.join("\n");
}
