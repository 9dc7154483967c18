import { correction, generate, mode, type Correction, type Mode } from "lean-qr";
import { QrError } from "./errors";
import { chooseMask, formatWord, readFormatWord } from "./mask";
import { blockStructure, moduleCount } from "./tables";

export const ECC_LEVELS = ["L", "M", "Q", "H"] as const;
export type EccLevel = (typeof ECC_LEVELS)[number];
export const ENCODING_MODES = ["Numeric", "Alphanumeric", "Byte", "Kanji"] as const;
export type EncodingMode = (typeof ENCODING_MODES)[number];

export interface EncodeOptions {
  errorCorrectionLevel: EccLevel;
  /**
   * A fixed level is used exactly. Otherwise it is a minimum: a higher level is taken whenever
   * it fits in the same version, which makes the code more robust at no cost in size.
   */
  errorCorrectionFixed?: boolean;
  /** 1..40 for a fixed version, 0 (or absent) for the smallest version that fits. */
  version?: number;
  /** With an automatic version: the smallest version to consider (default 1). */
  minVersion?: number;
  /** Forces one mode for the whole content; null or absent mixes modes for the shortest code. */
  mode?: EncodingMode | null;
}

/** An encoded symbol: `size` x `size` modules, row-major, 1 = dark. */
export interface QrMatrix {
  readonly size: number;
  readonly version: number;
  readonly errorCorrectionLevel: EccLevel;
  readonly modules: Uint8Array;
  isDark(row: number, col: number): boolean;
}

const LEAN_QR_CORRECTION: Record<EccLevel, Correction> = { L: correction.L, M: correction.M, Q: correction.Q, H: correction.H };
// lean-qr reports "too much data" as error code 4; anything else is a bug worth surfacing as-is.
const LEAN_QR_TOO_MUCH_DATA = /error 4\b/;
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;
const NUMERIC = /^[0-9]*$/;
// Shift JIS double-byte characters are what Kanji mode stores; lean-qr tests one character at a time.
const isKanjiEncodable = (text: string): boolean => [...text].every((ch) => mode.shift_jis.test(ch));
const isAscii = (text: string): boolean => /^[\x00-\x7f]*$/.test(text);

/**
 * ASCII text mixes numeric, alphanumeric and 7-bit byte segments for the shortest code, with no ECI.
 * Latin-1 (ECI 3) and Kanji would sometimes be shorter, but many phone scanners ignore ECI and read
 * byte mode as UTF-8, and some mis-read Kanji segments; UTF-8 is the encoding every reader gets right.
 * Any other text is one ECI 26 (UTF-8) designator followed by one byte segment (utf8Segments).
 */
const AUTO_MODES_ASCII = [mode.numeric, mode.alphaNumeric, mode.ascii];

/**
 * ECI once, at the very start, then the UTF-8 bytes in byte mode. lean-qr's mixing would put the
 * ECI after a numeric or alphanumeric segment, or mix it with alphanumeric ones: valid ISO 18004,
 * but not read by at least one widely used decoder (every sms and wifi code with non-ASCII text
 * failed there), so the few bits mixing saves are not worth it.
 */
const utf8Segments = (text: string): Mode => mode.multi(mode.eci(26), mode.bytes(new TextEncoder().encode(text)));

function forcedMode(text: string, forced: EncodingMode): Mode {
  switch (forced) {
    case "Numeric":
      if (!NUMERIC.test(text)) throw new QrError("MODE_MISMATCH", "Numeric mode only encodes the digits 0-9", "qrOptionsMode");
      return mode.numeric(text);
    case "Alphanumeric":
      if (!ALPHANUMERIC.test(text))
        throw new QrError("MODE_MISMATCH", "Alphanumeric mode only encodes 0-9, A-Z (upper case), space and $%*+-./:", "qrOptionsMode");
      return mode.alphaNumeric(text);
    case "Kanji":
      if (!isKanjiEncodable(text)) throw new QrError("MODE_MISMATCH", "Kanji mode only encodes Shift JIS double-byte characters", "qrOptionsMode");
      return mode.shift_jis(text);
    case "Byte":
      // Pure ASCII needs no ECI; anything else is announced as UTF-8 so readers never guess.
      return isAscii(text) ? mode.ascii(text) : utf8Segments(text);
  }
}

/** Largest number of data bits a version/level holds, for error messages. */
export function dataCapacityBits(version: number, level: EccLevel): number {
  return blockStructure(version, level).dataCodewords * 8;
}

export function encodeQr(text: string, options: EncodeOptions): QrMatrix {
  const level = options.errorCorrectionLevel;
  const version = options.version ?? 0;
  if (!Number.isInteger(version) || version < 0 || version > 40)
    throw new QrError("INVALID_APPEARANCE", "Version must be an integer between 0 (automatic) and 40", "qrOptionsTypeNumber");
  const data = options.mode ? forcedMode(text, options.mode) : isAscii(text) ? text : utf8Segments(text);
  let bitmap;
  try {
    bitmap = generate(data, {
      modes: AUTO_MODES_ASCII,
      minCorrectionLevel: LEAN_QR_CORRECTION[level],
      maxCorrectionLevel: options.errorCorrectionFixed ? LEAN_QR_CORRECTION[level] : correction.H,
      minVersion: version || options.minVersion || 1,
      maxVersion: version || 40,
      // Drawn once with mask 0; chooseMask derives and scores the other seven far faster.
      mask: 0,
    });
  } catch (err) {
    if (!(err instanceof Error) || !LEAN_QR_TOO_MUCH_DATA.test(err.message)) throw err;
    const limitVersion = version || 40;
    const capacity = dataCapacityBits(limitVersion, level);
    if (version)
      throw new QrError(
        "VERSION_TOO_SMALL",
        `Content does not fit in version ${version} at error correction ${level} (${capacity} data bits, about ${Math.floor(capacity / 8)} bytes); use a larger version or 0 for automatic`,
        "qrOptionsTypeNumber",
      );
    throw new QrError(
      "CAPACITY_EXCEEDED",
      `Content is too long for a QR code at error correction ${level}: the largest symbol (version 40) holds ${capacity} data bits, about ${Math.floor(capacity / 8)} bytes`,
      "content",
    );
  }
  const size = bitmap.size;
  const masked0 = new Uint8Array(size * size);
  for (let row = 0; row < size; row++) for (let col = 0; col < size; col++) masked0[row * size + col] = bitmap.get(col, row) ? 1 : 0;
  const chosenVersion = (size - 17) / 4;
  const errorCorrectionLevel = readEccLevel(masked0, chosenVersion);
  const { modules } = chooseMask(masked0, chosenVersion, LEVEL_BITS[errorCorrectionLevel]);
  const isDark = (row: number, col: number) => row >= 0 && col >= 0 && row < size && col < size && modules[row * size + col] === 1;
  return { size, version: chosenVersion, errorCorrectionLevel, modules, isDark };
}

// Format information: 2 bits of level (L=01 M=00 Q=11 H=10) + 3 bits of mask, BCH(15,5), XOR 0x5412.
const LEVEL_BITS: Record<EccLevel, number> = { L: 1, M: 0, Q: 3, H: 2 };
const FORMAT_WORDS = new Map<number, EccLevel>();
for (const level of ECC_LEVELS) for (let mask = 0; mask < 8; mask++) FORMAT_WORDS.set(formatWord(LEVEL_BITS[level], mask), level);

/** Reads back the level lean-qr actually chose, from the first copy of the format information. */
function readEccLevel(modules: Uint8Array, version: number): EccLevel {
  const level = FORMAT_WORDS.get(readFormatWord(modules, version));
  if (!level) throw new Error(`unreadable format information in a version ${version} symbol`);
  return level;
}

export { moduleCount };
