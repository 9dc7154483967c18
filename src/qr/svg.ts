import type { Gradient, Paint } from "./appearance";
import { bytesToBase64 } from "./base64";
import { functionModules } from "./codewords";
import { type Box, finderBoxes, gradientGeometry, round2 } from "./geometry";
import { BUILTIN_ICONS } from "./icons";
import { isHidden, type RenderPlan } from "./plan";
import { drawCornerDot, drawCornerSquare, drawDot, finderDrawing, inFinder, legibleDotType, type Neighbour, PathData } from "./shapes";

const fmt = (n: number): string => String(round2(n));

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function gradientElement(id: string, gradient: Gradient, box: Box, additionalRotation: number): string {
  const stops = gradient.colorStops
    .map((stop) => `<stop offset="${fmt(100 * stop.offset)}%" stop-color="${escapeXml(stop.color)}"/>`)
    .join("");
  const g = gradientGeometry(gradient, box, additionalRotation);
  if (g.type === "radial")
    return `<radialGradient id="${id}" gradientUnits="userSpaceOnUse" fx="${fmt(g.cx)}" fy="${fmt(g.cy)}" cx="${fmt(g.cx)}" cy="${fmt(g.cy)}" r="${fmt(g.r)}">${stops}</radialGradient>`;
  return `<linearGradient id="${id}" gradientUnits="userSpaceOnUse" x1="${g.x1}" y1="${g.y1}" x2="${g.x2}" y2="${g.y2}">${stops}</linearGradient>`;
}

/** The layers a paint can belong to; a keyed document gives each its own pure colour channel. */
export type Role = "dots" | "cornersSquare" | "cornersDot";
const KEY_FILL: Record<Role, string> = { dots: "#ff0000", cornersSquare: "#00ff00", cornersDot: "#0000ff" };

/** Groups subpaths by paint so each paint is one <path>, and collects gradient definitions. */
class Layers {
  readonly defs: string[] = [];
  private readonly layers = new Map<string, PathData>();
  private gradients = 0;

  /** Keyed: every role in its key colour, no gradients (the coverage document of rasterizePlan). */
  constructor(private readonly keyed: boolean) {}

  /** The path to draw into for a paint whose gradient spans `box`. */
  pathFor(paint: Paint, box: Box, role: Role, additionalRotation = 0): PathData {
    let fill: string;
    if (this.keyed) fill = KEY_FILL[role];
    else if (paint.gradient) {
      const id = `g${this.gradients++}`;
      this.defs.push(gradientElement(id, paint.gradient, box, additionalRotation));
      fill = `url(#${id})`;
    } else fill = escapeXml(paint.color);
    let path = this.layers.get(fill);
    if (!path) this.layers.set(fill, (path = new PathData()));
    return path;
  }

  fill(paint: Paint, box: Box): string {
    if (this.keyed) return "#000000";
    if (!paint.gradient) return escapeXml(paint.color);
    const id = `g${this.gradients++}`;
    this.defs.push(gradientElement(id, paint.gradient, box, 0));
    return `url(#${id})`;
  }

  paths(): string {
    let out = "";
    for (const [fill, path] of this.layers) if (!path.isEmpty) out += `<path fill="${fill}" d="${path}"/>`;
    return out;
  }
}

function drawModules(plan: RenderPlan, path: PathData): void {
  const { matrix, dotSize, x0, y0, hidden, appearance } = plan;
  const count = matrix.size;
  const hide = appearance.imageOptionsHideBackgroundDots && plan.imageBox !== null;
  const drawn = (row: number, col: number): boolean =>
    matrix.isDark(row, col) && !inFinder(count, row, col) && !(hide && isHidden(count, hidden, row, col));
  const type = legibleDotType(appearance.dotsOptionsType, dotSize, appearance.scannability);
  // Loose dots make an alignment pattern a scatter jsQR does not always find from version 2 up
  // (measured in bench/scannability.ts: 7 of 44 codes failed); under "universal" its modules are
  // drawn as "rounded" ones, whose half-module corners read everywhere.
  const alignment = type === "dots" && appearance.scannability === "universal" ? functionModules(matrix.version).isAlignment : null;
  for (let row = 0; row < count; row++) {
    if (type === "square") {
      // Horizontal runs make far fewer subpaths than one square per module.
      for (let col = 0; col < count; ) {
        if (!drawn(row, col)) {
          col++;
          continue;
        }
        const start = col;
        while (col < count && drawn(row, col)) col++;
        path.rect(x0 + start * dotSize, y0 + row * dotSize, (col - start) * dotSize, dotSize);
      }
      continue;
    }
    for (let col = 0; col < count; col++) {
      if (!drawn(row, col)) continue;
      if (alignment?.[row * count + col]) {
        const joined: Neighbour = (dx, dy) => drawn(row + dy, col + dx) && alignment[(row + dy) * count + col + dx] === 1;
        drawDot(path, "rounded", x0 + col * dotSize, y0 + row * dotSize, dotSize, joined);
        continue;
      }
      const has: Neighbour = (dx, dy) => drawn(row + dy, col + dx);
      drawDot(path, type, x0 + col * dotSize, y0 + row * dotSize, dotSize, has);
    }
  }
  if (appearance.shape === "circle") drawCircleFill(plan, path);
}

/**
 * For the circle shape, qr-code-styling fills the ring between the symbol and the circle with
 * decorative modules copied from the symbol, keeping a one-module gap as quiet zone.
 */
function drawCircleFill(plan: RenderPlan, path: PathData): void {
  const { matrix, dotSize, x0, y0, size, margin, appearance } = plan;
  const count = matrix.size;
  const minSize = size - margin * 2;
  const round = (v: number) => (appearance.dotsOptionsRoundSize ? Math.floor(v) : v);
  const extra = round((minSize / dotSize - count) / 2);
  if (extra <= 0) return;
  const fakeCount = count + extra * 2;
  const center = round(fakeCount / 2);
  const source = (i: number) => (i - 2 * extra < 0 ? i : i >= count ? i - 2 * extra : i - extra);
  const fake = (row: number, col: number): boolean => {
    if (row < 0 || col < 0 || row >= fakeCount || col >= fakeCount) return false;
    if (row >= extra - 1 && row <= fakeCount - extra && col >= extra - 1 && col <= fakeCount - extra) return false;
    if (Math.hypot(row - center, col - center) > center) return false;
    return matrix.isDark(source(col), source(row));
  };
  const fx = x0 - extra * dotSize;
  const fy = y0 - extra * dotSize;
  for (let row = 0; row < fakeCount; row++)
    for (let col = 0; col < fakeCount; col++)
      if (fake(row, col))
        drawDot(path, legibleDotType(appearance.dotsOptionsType, dotSize, appearance.scannability), fx + col * dotSize, fy + row * dotSize, dotSize, (dx, dy) => fake(row + dy, col + dx));
}

function drawCorners(plan: RenderPlan, layers: Layers, dotsPath: PathData): void {
  const { dotSize, appearance: a, paints } = plan;
  // Corners without a type of their own are drawn module by module in the dots' type.
  const dots = legibleDotType(a.dotsOptionsType, dotSize, a.scannability);
  const finder = finderDrawing(a.cornersSquareOptionsType ?? dots, a.cornersDotOptionsType ?? dots, dots, a.scannability, plan.universalRing);
  for (const { square, dot, rotation } of finderBoxes(plan)) {
    const squarePath = paints.cornersSquare ? layers.pathFor(paints.cornersSquare, square, "cornersSquare", rotation) : dotsPath;
    drawCornerSquare(squarePath, finder.ring, square.x, square.y, dotSize);
    const dotPath = paints.cornersDot ? layers.pathFor(paints.cornersDot, dot, "cornersDot", rotation) : dotsPath;
    drawCornerDot(dotPath, finder.centre, square.x, square.y, dotSize);
  }
}

function drawImage(plan: RenderPlan): string {
  const box = plan.imageBox;
  const image = plan.image;
  if (!box || !image) return "";
  if (image.kind === "raster") {
    return `<image x="${fmt(box.x)}" y="${fmt(box.y)}" width="${fmt(box.width)}" height="${fmt(box.height)}" preserveAspectRatio="xMidYMid meet" href="data:${image.mime};base64,${bytesToBase64(image.bytes)}"/>`;
  }
  const icon = BUILTIN_ICONS[image.key];
  if (!icon) return "";
  // Icons are square; centre them in the box and paint them like the modules.
  const side = Math.min(box.width, box.height);
  const ix = box.x + (box.width - side) / 2;
  const iy = box.y + (box.height - side) / 2;
  const dots = plan.paints.dots;
  const color = dots.gradient ? dots.gradient.colorStops[0]!.color : dots.color;
  return `<g transform="translate(${fmt(ix)} ${fmt(iy)}) scale(${fmt(side / 24)})" color="${escapeXml(color)}">${icon.body}</g>`;
}

function documentFor(plan: RenderPlan, keyed: boolean): string {
  const { size, paints } = plan;
  const layers = new Layers(keyed);
  const canvas = { x: 0, y: 0, width: size, height: size };
  const background = `<rect width="${size}" height="${size}" fill="${layers.fill(paints.background, canvas)}"/>`;
  const dotsPath = layers.pathFor(paints.dots, canvas, "dots");
  drawModules(plan, dotsPath);
  drawCorners(plan, layers, dotsPath);
  const body = background + layers.paths() + (keyed ? "" : drawImage(plan));
  const defs = layers.defs.length ? `<defs>${layers.defs.join("")}</defs>` : "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${defs}${body}</svg>`;
}

/** A standalone SVG document for a render plan. */
export function renderSvg(plan: RenderPlan): string {
  return documentFor(plan, false);
}

/**
 * The same shapes as coverage: black background, the dots layer pure red, corner squares pure
 * green and corner dots pure blue, no gradients and no image. The layers never overlap, so each
 * channel of the rendered pixel is exactly that layer's anti-aliased coverage.
 */
export function renderKeySvg(plan: RenderPlan): string {
  return documentFor(plan, true);
}

/** Only the centre image, on a transparent canvas framed to the given pixel rectangle; "" when there is none. */
export function renderImageSvg(plan: RenderPlan, frame: Box): string {
  const image = drawImage(plan);
  if (!image) return "";
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${frame.width}" height="${frame.height}" viewBox="${frame.x} ${frame.y} ${frame.width} ${frame.height}">${image}</svg>`;
}

/** A document that is only a raster image stretched to `width` x `height` pixels: resvg decodes (and scales) it from this. */
export function rasterImageSvg(image: { mime: string; bytes: Uint8Array }, width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<image width="${width}" height="${height}" preserveAspectRatio="none" href="data:${image.mime};base64,${bytesToBase64(image.bytes)}"/></svg>`
  );
}
