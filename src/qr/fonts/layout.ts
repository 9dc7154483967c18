import { Resvg } from "@resvg/resvg-wasm";
import { QrError } from "../errors";
import { FRAME_FONT_BASE64, FRAME_FONT_FAMILY } from "./frame-font-data";
import { type Outline, paragraphDirection, REFERENCE_SIZE } from "./outline";

/**
 * Caption typesetting by resvg: its usvg layer shapes with rustybuzz (Arabic joining, ligatures,
 * kerning, marks), orders mixed-direction text with the Unicode bidi algorithm and writes each
 * glyph as a path. Laid-out captions are kept in a small LRU, since the same few captions are
 * drawn over and over.
 *
 * A module of its own, loaded by prepareFrame (frame.ts) with a dynamic import: it holds the
 * font's bytes and resvg's glue, which a browser bundle fetches only for a framed design.
 */

let fontBytes: Uint8Array | null = null;

function frameFont(): Uint8Array {
  if (!fontBytes) {
    const binary = atob(FRAME_FONT_BASE64);
    fontBytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) fontBytes[i] = binary.charCodeAt(i);
  }
  return fontBytes;
}

const escapeXml = (value: string): string => value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const COMMAND_OR_NUMBER = /[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/g;

/**
 * Lays `text` out with resvg and reads its path data back; resvg's WebAssembly must be started.
 * usvg lays every paragraph out left-to-right (it ignores the `direction` attribute), so a
 * right-to-left caption is wrapped in a right-to-left isolate (U+2067 ... U+2069): "امسح QR" then
 * reads with the Arabic word on the right, as the bidi algorithm orders it in a paragraph of its own.
 */
function layOut(text: string): Outline {
  const isolated = paragraphDirection(text) === "rtl" ? `\u2067${text}\u2069` : text;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">` +
    `<text x="0" y="0" font-family="${FRAME_FONT_FAMILY}" font-weight="bold" font-size="${REFERENCE_SIZE}" xml:space="preserve">${escapeXml(isolated)}</text></svg>`;
  let renderer: InstanceType<typeof Resvg>;
  try {
    renderer = new Resvg(svg, { font: { fontBuffers: [frameFont()], loadSystemFonts: false, defaultFontFamily: FRAME_FONT_FAMILY } });
  } catch (err) {
    if (err instanceof Error && /not been initialized/i.test(err.message))
      throw new QrError("RASTER_UNAVAILABLE", "Frame captions are laid out by resvg, which was not started: await prepareFrame(appearance) before planning a framed code");
    throw err;
  }
  try {
    const box = renderer.getBBox();
    const written = renderer.toString();
    let ops = "";
    const coords: number[] = [];
    for (const [, d] of written.matchAll(/ d="([^"]*)"/g))
      for (const [token] of d!.matchAll(COMMAND_OR_NUMBER)) {
        if (/[a-z]/i.test(token)) {
          // usvg writes absolute M, L, Q, C and Z only; anything else would be misread.
          if (!"MLQCZ".includes(token)) throw new Error(`unexpected path command ${token} in resvg's output`);
          ops += token;
        } else coords.push(Number(token));
      }
    const ink = box ? { x: box.x, y: box.y, width: box.width, height: box.height } : { x: 0, y: 0, width: 0, height: 0 };
    box?.free();
    return { ops, coords: Float64Array.from(coords), ink };
  } finally {
    renderer.free();
  }
}

/** Captions kept laid out; one is a few kilobytes of coordinates. */
const CACHE_ENTRIES = 64;
const cache = new Map<string, Outline>();

/** `text` as outlines at REFERENCE_SIZE, from the cache when it was laid out before. */
export function layOutCaption(text: string): Outline {
  const hit = cache.get(text);
  if (hit) {
    // A Map keeps insertion order: inserting again marks the entry as the most recently used.
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const outline = layOut(text);
  cache.set(text, outline);
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  return outline;
}
