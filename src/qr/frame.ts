import type { Appearance } from "./appearance";
import { type FrameStyle, layerPaint } from "./appearance-options";
import { luminance } from "./contrast";
import { QrError } from "./errors";
import { CAP_HEIGHT_EM, captionOutline, describeCharacter, drawOutline, REFERENCE_SIZE, unsupportedCharacters, useCaptionLayout } from "./fonts/outline";
import type { Box } from "./geometry";
import { PathData, type PathSink, roundedRect } from "./path";
import type { RenderPlan } from "./plan";
import type { PaintedLayer } from "./scene";

/**
 * Frames with a call to action: a border around the code and a short caption ("SCAN ME", "Menu",
 * any text the shipped font covers, right-to-left included). The styles are the ones Bitly and
 * QR Code Monkey offer most:
 *   banner-bottom  a solid border whose bottom edge is a band holding the caption
 *   banner-top     the same with the band above the code
 *   rounded        banner-bottom with rounded outer corners
 *   caption        a thin border, the caption below it on the background
 *   bubble         a rounded border, the caption in a speech bubble pointing up at the code
 * A frame takes its room inside the requested canvas: the code and its quiet zone shrink into the
 * square the frame leaves (`room`), so the image keeps the size asked for. Every length is a share
 * of the canvas, so a caption that fits at one size fits at all of them.
 */
export { FRAME_STYLES, MAX_FRAME_TEXT_LENGTH, type FrameStyle } from "./appearance-options";

/**
 * Captions are large bold text: WCAG asks 3:1 of large text against what it sits on. The code's
 * own contrast guard does not apply (no decoder reads the caption), legibility for people does.
 */
export const MIN_CAPTION_CONTRAST = 3;

// Shares of the canvas side.
const BORDER = 0.03;
const BAND = 0.16;
const CORNER_RADIUS = 0.06;
const BUBBLE_GAP = 0.02;
const BUBBLE_POINTER = 0.035;
const BUBBLE_LABEL = 0.14;
/** Room kept free on each side of a caption inside its label, as a share of the canvas. */
const CAPTION_PADDING = 0.04;
/** Caption font size as a share of its label's height, and the least it may shrink to for a long caption. */
const CAPTION_EM = 0.55;
const MIN_CAPTION_SCALE = 0.5;

/** What frame shapes are drawn into: the scene's PathData, or a recorder in tests. */
export type { PathSink };

/** A solid shape of the frame in absolute canvas pixels, wound so the nonzero rule fills it. */
export interface FrameLayer {
  /** "frame": the border and its bands; "caption": the text outlines, drawn over them */
  role: "frame" | "caption";
  color: string;
  draw(sink: PathSink): void;
}

export interface FramePlan {
  style: Exclude<FrameStyle, "none">;
  /** the square the code and its quiet zone are drawn in (the frame's opening) */
  room: { x: number; y: number; side: number };
  /** painted in order, after the code's layers (they never overlap it) */
  layers: FrameLayer[];
}

interface Geometry {
  room: { x: number; y: number; side: number };
  /** the frame's shapes */
  draw(sink: PathSink): void;
  /** where the caption goes */
  label: Box;
  /** what the caption is drawn on: the frame's colour, or the background around it */
  ground: "frame" | "background";
}

/** A rectangle, clockwise; `counter` winds it the other way, which punches a hole in a clockwise shape. */
function rect(sink: PathSink, x: number, y: number, w: number, h: number, counter = false): void {
  sink.moveTo(x, y);
  if (counter) {
    sink.lineTo(x, y + h);
    sink.lineTo(x + w, y + h);
    sink.lineTo(x + w, y);
  } else {
    sink.lineTo(x + w, y);
    sink.lineTo(x + w, y + h);
    sink.lineTo(x, y + h);
  }
  sink.close();
}

/**
 * Where each part of a style lands on a canvas of `size` pixels. The frame's opening is a plain
 * square even where the outside is rounded: a rounded inner corner would eat into the quiet zone.
 * Lengths are whole pixels so the code's modules stay on the pixel grid; `exact` keeps the bare
 * shares instead, which is what a caption's fit is judged on (the same at every size).
 */
export function frameGeometry(style: Exclude<FrameStyle, "none">, size: number, exact = false): Geometry {
  const px = exact ? (n: number) => n : Math.round;
  const t = px(BORDER * size);
  if (style === "caption") {
    const side = size - 2 * t - px(BAND * size);
    const outer = side + 2 * t;
    const x = px((size - outer) / 2);
    return {
      room: { x: x + t, y: t, side },
      draw: (sink) => {
        rect(sink, x, 0, outer, outer);
        rect(sink, x + t, t, side, side, true);
      },
      label: { x, y: outer, width: outer, height: size - outer },
      ground: "background",
    };
  }
  if (style === "bubble") {
    const label = px(BUBBLE_LABEL * size);
    const gap = px(BUBBLE_GAP * size);
    const pointer = px(BUBBLE_POINTER * size);
    const side = size - 2 * t - gap - pointer - label;
    const outer = side + 2 * t;
    const x = px((size - outer) / 2);
    const labelTop = outer + gap + pointer;
    const mid = size / 2;
    return {
      room: { x: x + t, y: t, side },
      draw: (sink) => {
        roundedRect(sink, x, 0, outer, outer, CORNER_RADIUS * size);
        rect(sink, x + t, t, side, side, true);
        roundedRect(sink, x, labelTop, outer, label, label * 0.3);
        // The pointer reaches a little into the label so no seam shows where they meet.
        sink.moveTo(mid - pointer, labelTop + pointer / 2);
        sink.lineTo(mid, outer + gap);
        sink.lineTo(mid + pointer, labelTop + pointer / 2);
        sink.close();
      },
      label: { x, y: labelTop, width: outer, height: label },
      ground: "frame",
    };
  }
  const band = px(BAND * size);
  const side = size - t - band;
  const outer = side + 2 * t;
  const x = px((size - outer) / 2);
  const top = style === "banner-top";
  const roomY = top ? band : t;
  return {
    room: { x: x + t, y: roomY, side },
    draw: (sink) => {
      if (style === "rounded") roundedRect(sink, x, 0, outer, size, CORNER_RADIUS * size);
      else rect(sink, x, 0, outer, size);
      rect(sink, x + t, roomY, side, side, true);
    },
    label: { x: x + t, y: top ? 0 : t + side, width: side, height: band },
    ground: "frame",
  };
}

/** The caption's colour: the one asked for, or one that reads on its ground (white on a dark frame, black on a light one). */
function captionColor(a: Appearance, ground: Geometry["ground"]): string {
  if (a.frameTextColor) return a.frameTextColor;
  if (ground === "background") return a.frameColor;
  return luminance(a.frameColor) < 0.18 ? "#ffffff" : "#000000";
}

function checkContrast(a: Appearance, ground: Geometry["ground"], color: string): void {
  const background = layerPaint(a, "backgroundOptions")!;
  const grounds = ground === "frame" ? [a.frameColor] : background.gradient ? background.gradient.colorStops.map((s) => s.color) : [background.color];
  const text = luminance(color);
  for (const g of grounds) {
    const l = luminance(g);
    const ratio = (Math.max(l, text) + 0.05) / (Math.min(l, text) + 0.05);
    if (ratio < MIN_CAPTION_CONTRAST) {
      const field = a.frameTextColor ? "frameTextColor" : "frameColor";
      const on = ground === "frame" ? "the frame colour it is drawn on" : "the background it is drawn on";
      throw new QrError(
        "LOW_CONTRAST",
        `The frame's caption colour ${color} is too close to ${on} (${g}, contrast ${ratio.toFixed(2)}:1; at least ${MIN_CAPTION_CONTRAST}:1 is needed to read it)`,
        field,
      );
    }
  }
}

/**
 * Refuses a caption the font cannot draw, naming the characters; the check needs no layout, so
 * it runs before resvg is started.
 */
export function checkCaptionCharacters(text: string): void {
  const missing = unsupportedCharacters(text);
  if (missing.length > 0)
    throw new QrError(
      "INVALID_APPEARANCE",
      `frameText has ${missing.length === 1 ? "a character" : "characters"} the frame font cannot draw: ${missing.map(describeCharacter).join(", ")} ` +
        "(the font covers Latin, Greek, Cyrillic, Hebrew and Arabic)",
      "frameText",
    );
}

/**
 * Starts what lays captions out (resvg's WebAssembly, shared with the PNG rasterizer) when the
 * design has a frame: planning is synchronous, so callers that plan a design from a user await
 * this first. Designs without a frame never wait.
 *
 * resvg's glue and the layout (with the font's 140 KB) are imported here, not at the top: a
 * browser bundle then fetches them only for a framed design. The Worker's bundle inlines them.
 */
export async function prepareFrame(a: Pick<Appearance, "frameStyle">): Promise<void> {
  if (!hasFrame(a)) return;
  const [{ ensureRaster }, { layOutCaption }] = await Promise.all([import("./resvg"), import("./fonts/layout")]);
  await ensureRaster();
  useCaptionLayout(layOutCaption);
}

/** Designs stored before frames existed have no frameStyle: they have no frame. */
const hasFrame = (a: Pick<Appearance, "frameStyle">): boolean => a.frameStyle !== undefined && a.frameStyle !== "none";

/**
 * The frame a design asks for on a canvas of `size` pixels, or null when it asks for none. Throws
 * QrError when the caption has characters the font lacks, is too wide for its label at the
 * smallest size captions shrink to, or does not stand out from what it is drawn on.
 */
export function planFrame(a: Appearance, size: number): FramePlan | null {
  if (!hasFrame(a) || a.frameStyle === "none") return null;
  const text = a.frameText ?? null;
  if (text === null) throw new QrError("INVALID_APPEARANCE", `frameText is required with frameStyle "${a.frameStyle}"`, "frameText");
  checkCaptionCharacters(text);
  const geometry = frameGeometry(a.frameStyle, size);
  const color = captionColor(a, geometry.ground);
  checkContrast(a, geometry.ground, color);
  const caption = placeCaption(text, geometry.label, frameGeometry(a.frameStyle, size, true).label, size);
  return {
    style: a.frameStyle,
    room: geometry.room,
    layers: [
      { role: "frame", color: a.frameColor, draw: geometry.draw },
      { role: "caption", color, draw: caption },
    ],
  };
}

/**
 * The caption's outlines, centred in its label: at CAPTION_EM of the label's height, shrunk for
 * a long caption down to MIN_CAPTION_SCALE of that, and refused beyond (never cut).
 */
function placeCaption(text: string, label: Box, exactLabel: Box, size: number): (sink: PathSink) => void {
  const outline = captionOutline(text);
  // Only joiners or bidi marks: nothing a reader would see.
  if (outline.ops.length === 0) throw new QrError("INVALID_APPEARANCE", "frameText has no visible characters", "frameText");
  const nominal = CAPTION_EM * exactLabel.height;
  const width = exactLabel.width - 2 * CAPTION_PADDING * size;
  const fontSize = Math.min(nominal, (width / Math.max(outline.ink.width, 1e-9)) * REFERENCE_SIZE);
  if (fontSize < MIN_CAPTION_SCALE * nominal) {
    const needed = (outline.ink.width * MIN_CAPTION_SCALE * nominal) / REFERENCE_SIZE;
    const share = Math.round((100 * needed) / width);
    const chars = [...text].length;
    const fitting = Math.max(1, Math.floor((chars * width) / needed));
    throw new QrError(
      "INVALID_APPEARANCE",
      `frameText is too long for the frame: at its smallest size the caption is ${share}% of the width the frame leaves for it; ` +
        `shorten it to about ${fitting} characters like these (it has ${chars})`,
      "frameText",
    );
  }
  const scale = fontSize / REFERENCE_SIZE;
  // Baseline under the middle of the label by half a cap height: capitals sit centred, and every
  // caption shares one baseline whatever its letters (centring the ink would move it per word).
  const baseline = label.y + label.height / 2 + (CAP_HEIGHT_EM * fontSize) / 2;
  const left = label.x + label.width / 2 - (outline.ink.x + outline.ink.width / 2) * scale;
  return (sink) => drawOutline(sink, outline, left, baseline, scale);
}

/**
 * The plan's frame as scene layers, in painting order: each its own layer (never merged with the
 * code's layer of the same colour), since a caption must be painted after the band it sits on.
 */
export function frameSceneLayers(plan: RenderPlan): PaintedLayer[] {
  return (plan.frame?.layers ?? []).map((layer) => {
    const path = new PathData();
    layer.draw(path);
    return { path, paint: { color: layer.color, gradient: null }, gradient: null };
  });
}
