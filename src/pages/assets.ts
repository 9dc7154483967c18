import { PAGE_CSS } from "./stylesheet";

/**
 * The hosted pages' static assets, kept as strings so the Worker serves them itself (no third
 * party, no build step). Each is served at a content-hashed path with an immutable Cache-Control,
 * so a browser fetches it once per release, and the pages' CSP can stay `style-src 'self'` /
 * `script-src 'self'` with no inline code.
 */

/** FNV-1a, 32 bits: a version stamp for a URL, not a security property. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * Shows event times in the visitor's own locale and time zone. The server renders the event's
 * own offset as the fallback; this replaces the text of every `<time data-local>` and marks it.
 */
export const LOCALE_SCRIPT = `(function () {
  "use strict";
  var format;
  try {
    format = new Intl.DateTimeFormat(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  } catch (e) {
    return;
  }
  var nodes = document.querySelectorAll("time[data-local]");
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i];
    var date = new Date(node.getAttribute("datetime") || "");
    if (isNaN(date.getTime())) continue;
    node.textContent = format.format(date);
    node.setAttribute("data-localized", "true");
  }
})();
`;

/** A small mark for the tab (without one, browsers ask for /favicon.ico and log its 404). */
export const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 7 7" shape-rendering="crispEdges"><path fill="#0e7490" d="M0 0h3v3H0zM4 0h3v3H4zM0 4h3v3H0zM4 4h1v1H4zM6 4h1v1H6zM5 5h1v1H5zM4 6h1v1H4zM6 6h1v1H6z"/></svg>`;

export const STYLESHEET_PATH = `/assets/page-${fnv1a(PAGE_CSS)}.css`;
export const LOCALE_SCRIPT_PATH = `/assets/locale-${fnv1a(LOCALE_SCRIPT)}.js`;
export const ICON_PATH = `/assets/icon-${fnv1a(ICON_SVG)}.svg`;

/** Changes whenever the assets do, so cached pages never point at an asset path that is gone. */
export const ASSETS_VERSION = fnv1a(STYLESHEET_PATH + LOCALE_SCRIPT_PATH + ICON_PATH);

/** Served assets by path; anything else under /assets/ is a 404. */
export const ASSETS: ReadonlyMap<string, { body: string; contentType: string }> = new Map([
  [STYLESHEET_PATH, { body: PAGE_CSS, contentType: "text/css; charset=utf-8" }],
  [LOCALE_SCRIPT_PATH, { body: LOCALE_SCRIPT, contentType: "text/javascript; charset=utf-8" }],
  [ICON_PATH, { body: ICON_SVG, contentType: "image/svg+xml" }],
]);
