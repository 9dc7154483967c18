import type { Gradient, Paint } from "./appearance";
import { bytesToBase64 } from "./base64";
import { type Box, type GradientGeometry, round2 } from "./geometry";
import { BUILTIN_ICONS } from "./icons";
import type { RenderPlan } from "./plan";
import { sceneOf } from "./scene";

const fmt = (n: number): string => String(round2(n));

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function gradientElement(id: string, gradient: Gradient, g: GradientGeometry): string {
  const stops = gradient.colorStops
    .map((stop) => `<stop offset="${fmt(100 * stop.offset)}%" stop-color="${escapeXml(stop.color)}"/>`)
    .join("");
  if (g.type === "radial")
    return `<radialGradient id="${id}" gradientUnits="userSpaceOnUse" fx="${fmt(g.cx)}" fy="${fmt(g.cy)}" cx="${fmt(g.cx)}" cy="${fmt(g.cy)}" r="${fmt(g.r)}">${stops}</radialGradient>`;
  return `<linearGradient id="${id}" gradientUnits="userSpaceOnUse" x1="${g.x1}" y1="${g.y1}" x2="${g.x2}" y2="${g.y2}">${stops}</linearGradient>`;
}

const SVG_NS = 'xmlns="http://www.w3.org/2000/svg"';
const XLINK_NS = 'xmlns:xlink="http://www.w3.org/1999/xlink"';

/**
 * Images are linked with xlink:href, the SVG 1.1 spelling: Illustrator and Inkscape 1.2 draw
 * nothing for SVG 2's plain href (qr-code-styling #163). The prefix is declared only where used.
 */
function namespaces(body: string): string {
  return body.includes("xlink:href=") ? `${SVG_NS} ${XLINK_NS}` : SVG_NS;
}

function drawImage(plan: RenderPlan): string {
  const box = plan.imageBox;
  const image = plan.image;
  if (!box || !image) return "";
  if (image.kind === "raster") {
    return `<image x="${fmt(box.x)}" y="${fmt(box.y)}" width="${fmt(box.width)}" height="${fmt(box.height)}" preserveAspectRatio="xMidYMid meet" xlink:href="data:${image.mime};base64,${bytesToBase64(image.bytes)}"/>`;
  }
  const icon = iconOf(plan);
  if (!icon) return "";
  return `<g transform="translate(${icon.x} ${icon.y}) scale(${fmt(icon.scale)})">${icon.body}</g>`;
}

/**
 * A built-in icon as the document draws it: its body in its own colour, and the square it fills
 * (the box's largest, centred), at the coordinates the document writes.
 */
function iconOf(plan: RenderPlan): { body: string; x: number; y: number; scale: number } | null {
  const box = plan.imageBox;
  const image = plan.image;
  if (!box || image?.kind !== "icon") return null;
  const icon = BUILTIN_ICONS[image.key];
  if (!icon) return null;
  // Icons are square; centre them in the box and paint them like the modules.
  const side = Math.min(box.width, box.height);
  const dots = plan.paints.dots;
  const color = dots.gradient ? dots.gradient.colorStops[0]!.color : dots.color;
  // The colour is written into the icon: several editors' importers paint currentColor black
  // whatever colour the group sets (penpot #2276; Illustrator).
  return {
    body: icon.body.replaceAll("currentColor", escapeXml(color)),
    x: round2(box.x + (box.width - side) / 2),
    y: round2(box.y + (box.height - side) / 2),
    scale: round2(side / 24),
  };
}

function documentFor(plan: RenderPlan): string {
  const { size } = plan;
  const scene = sceneOf(plan);
  const defs: string[] = [];
  const fillOf = (painted: { paint: Paint; gradient: GradientGeometry | null }): string => {
    const { paint, gradient } = painted;
    if (!paint.gradient || !gradient) return escapeXml(paint.color ?? "");
    const id = `g${defs.length}`;
    defs.push(gradientElement(id, paint.gradient, gradient));
    return `url(#${id})`;
  };
  let body = `<rect width="${size}" height="${size}" fill="${fillOf(scene.background)}"/>`;
  for (const layer of scene.layers) {
    const fill = fillOf(layer);
    if (!layer.path.isEmpty) body += `<path fill="${fill}" d="${layer.path}"/>`;
  }
  body += drawImage(plan);
  const defsElement = defs.length ? `<defs>${defs.join("")}</defs>` : "";
  return `<svg ${namespaces(body)} width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">${defsElement}${body}</svg>`;
}

/** A standalone SVG document for a render plan. */
export function renderSvg(plan: RenderPlan): string {
  return documentFor(plan);
}

export function renderImageSvg(plan: RenderPlan, frame: Box): string {
  const image = drawImage(plan);
  if (!image) return "";
  return `<svg ${namespaces(image)} width="${frame.width}" height="${frame.height}" viewBox="${frame.x} ${frame.y} ${frame.width} ${frame.height}">${image}</svg>`;
}

/** A document that is only a raster image stretched to `width` x `height` pixels: resvg decodes (and scales) it from this. */
export function rasterImageSvg(image: { mime: string; bytes: Uint8Array }, width: number, height: number): string {
  return (
    `<svg ${SVG_NS} ${XLINK_NS} width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<image width="${width}" height="${height}" preserveAspectRatio="none" xlink:href="data:${image.mime};base64,${bytesToBase64(image.bytes)}"/></svg>`
  );
}
