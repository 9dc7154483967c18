/**
 * Built-in centre logos for QR codes, drawn for this project (plain geometry: no third-party
 * artwork and no trademarks). Each body is a list of SVG elements for a `0 0 24 24` box, painted
 * with `currentColor` so the renderer can colour them by wrapping the body in
 * `<g color="…">…</g>`. Every presentation attribute is spelled out on each element (nothing
 * relies on SVG defaults or on inherited fill/stroke), so a body renders the same wherever it
 * is embedded. Outlines are 2 units wide with round caps and joins; small accents (dots, wheels,
 * note heads) are solid.
 */

export interface BuiltinIcon {
  key: string;
  title: string;
  /** SVG elements drawn in a 0 0 24 24 box, filled with currentColor, no stroke attributes relying on defaults */
  body: string;
}

/** Outline style: 2-unit round-capped stroke in currentColor, no fill. */
const LINE = 'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"';
/** Solid style: currentColor fill, no stroke. */
const SOLID = 'fill="currentColor" stroke="none"';
/** Solid with a rounding stroke of the same colour (softens sharp corners). */
const SOLID_ROUND =
  'fill="currentColor" stroke="currentColor" stroke-width="1.5" stroke-linecap="round" stroke-linejoin="round"';

const path = (d: string, style = LINE): string => `<path d="${d}" ${style}/>`;
const circle = (cx: number, cy: number, r: number, style = LINE): string =>
  `<circle cx="${cx}" cy="${cy}" r="${r}" ${style}/>`;
const rect = (x: number, y: number, w: number, h: number, rx: number, style = LINE): string =>
  `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="${rx}" ${style}/>`;

const ICONS: BuiltinIcon[] = [
  {
    key: "link",
    title: "Link",
    body:
      path("M9.14 19.38L13.38 15.14A3.2 3.2 0 0 0 8.86 10.62L4.62 14.86A3.2 3.2 0 0 0 9.14 19.38z") +
      path("M15.14 13.38L19.38 9.14A3.2 3.2 0 0 0 14.86 4.62L10.62 8.86A3.2 3.2 0 0 0 15.14 13.38z"),
  },
  {
    key: "globe",
    title: "Website",
    body:
      circle(12, 12, 10) +
      `<ellipse cx="12" cy="12" rx="4.2" ry="10" ${LINE}/>` +
      path("M2 12h20"),
  },
  {
    key: "phone",
    title: "Phone",
    body:
      path("M5.35 5.25A13.4 13.4 0 0 0 18.75 18.65", 'fill="none" stroke="currentColor" stroke-width="3.2" stroke-linecap="butt" stroke-linejoin="round"') +
      rect(3.25, 3.25, 6.5, 5.5, 2, SOLID) +
      rect(15.25, 14.25, 5.5, 6.5, 2, SOLID),
  },
  {
    key: "email",
    title: "Email",
    body: rect(2, 5, 20, 14, 2) + path("M3 7l9 6.5 9-6.5"),
  },
  {
    key: "sms",
    title: "Text message",
    body:
      path("M4 3h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-6 4.5V5a2 2 0 0 1 2-2z") +
      circle(7.5, 10, 1.3, SOLID) +
      circle(12, 10, 1.3, SOLID) +
      circle(16.5, 10, 1.3, SOLID),
  },
  {
    key: "chat",
    title: "Chat",
    body:
      path("M9 6V5a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2h-3") +
      path("M4 9h8a2 2 0 0 1 2 2v6a2 2 0 0 1-2 2H8l-4 3v-3a2 2 0 0 1-2-2v-6a2 2 0 0 1 2-2z"),
  },
  {
    key: "wifi",
    title: "Wi-Fi",
    body:
      path("M2.1 9.6A14 14 0 0 1 21.9 9.6") +
      path("M5.64 13.14A9 9 0 0 1 18.36 13.14") +
      path("M9.17 16.67A4 4 0 0 1 14.83 16.67") +
      circle(12, 19.5, 1.75, SOLID),
  },
  {
    key: "location",
    title: "Location",
    body: path("M12 22C12 22 4 15.5 4 10a8 8 0 0 1 16 0c0 5.5-8 12-8 12z") + circle(12, 10, 3),
  },
  {
    key: "calendar",
    title: "Calendar",
    body:
      rect(3, 4.5, 18, 16.5, 2) +
      path("M3 9.5h18") +
      path("M8 2.5v4") +
      path("M16 2.5v4") +
      circle(8, 13.5, 1.1, SOLID) +
      circle(12, 13.5, 1.1, SOLID) +
      circle(16, 13.5, 1.1, SOLID) +
      circle(8, 17.2, 1.1, SOLID) +
      circle(12, 17.2, 1.1, SOLID),
  },
  {
    key: "contact",
    title: "Contact",
    body: circle(12, 7, 4) + path("M4.5 21a7.5 7.5 0 0 1 15 0z"),
  },
  {
    key: "file",
    title: "File",
    body:
      path("M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z") +
      path("M14 2v6h6") +
      path("M8 13h8") +
      path("M8 17h8"),
  },
  {
    key: "music",
    title: "Music",
    body: path("M9 18V5l12-2v13") + circle(6, 18, 3, SOLID) + circle(18, 16, 3, SOLID),
  },
  {
    key: "play",
    title: "Play",
    body: circle(12, 12, 10) + path("M9.8 8l6 4-6 4z", SOLID_ROUND),
  },
  {
    key: "star",
    title: "Star",
    body: path("M12 2.4L14.52 9.13L21.7 9.45L16.07 13.92L18 20.85L12 16.88L6 20.85L7.93 13.92L2.3 9.45L9.48 9.13z"),
  },
  {
    key: "heart",
    title: "Heart",
    body: path("M12 21C12 21 2.5 15 2.5 8.5A5 5 0 0 1 12 6a5 5 0 0 1 9.5 2.5C21.5 15 12 21 12 21z"),
  },
  {
    key: "cart",
    title: "Shopping cart",
    body:
      path("M2 3.5h2.5L7.2 15.5h11.6L21 7H5.3") +
      circle(8.5, 19.5, 1.6, SOLID) +
      circle(17.5, 19.5, 1.6, SOLID),
  },
  {
    key: "info",
    title: "Information",
    body: circle(12, 12, 10) + circle(12, 7.6, 1.4, SOLID) + path("M12 11v6"),
  },
];

/** Built-in icons by key. */
export const BUILTIN_ICONS: Readonly<Record<string, BuiltinIcon>> = Object.freeze(
  Object.fromEntries(ICONS.map((icon) => [icon.key, Object.freeze(icon)])),
);

/** Keys of the built-in icons, in display order. */
export const BUILTIN_ICON_KEYS: readonly string[] = Object.freeze(ICONS.map((icon) => icon.key));

/** True when `key` names a built-in icon (own keys only: "constructor", "__proto__" are not icons). */
export function isBuiltinIcon(key: string): boolean {
  return Object.prototype.hasOwnProperty.call(BUILTIN_ICONS, key);
}
