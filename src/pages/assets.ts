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
 * Mobile-first, one column. Colours come from custom properties: the defaults here, a code's own
 * in a small `:root{…}` block that the page's CSP admits by its SHA-256. Every user string may be
 * one unbroken 10,000-character word, so everything wraps anywhere; user text is bidi-isolated
 * (`dir="auto"` / `<bdi>`) so a right-to-left override cannot reorder what surrounds it.
 */
export const PAGE_CSS = `*,*::before,*::after{box-sizing:border-box}
:root{--bg:#f9fafb;--fg:#000000;--primary:#0e7490;--on-primary:#ffffff;--muted:color-mix(in srgb,var(--fg) 70%,var(--bg));--line:color-mix(in srgb,var(--fg) 18%,var(--bg));color-scheme:light}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;min-height:100vh;background:var(--bg);color:var(--fg);font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif;overflow-wrap:anywhere;word-break:break-word}
main{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 2rem;display:flex;flex-direction:column;gap:1rem;min-width:0}
h1{font-size:1.6rem;line-height:1.2;margin:0}
h2{font-size:1.1rem;margin:0}
p{margin:0}
[dir=auto],bdi{unicode-bidi:isolate}
.kicker{margin:0;color:var(--muted);font-size:.9rem;text-transform:uppercase;letter-spacing:.04em}
.hero{display:block;width:100%;max-height:50vh;object-fit:cover;border-radius:.75rem}
.body{white-space:pre-wrap}
.actions,.links{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:.75rem}
.button{display:flex;align-items:center;gap:.75rem;min-height:3rem;padding:.75rem 1rem;border-radius:.75rem;background:var(--primary);color:var(--on-primary);text-decoration:none;font-weight:600;min-width:0}
.button:focus-visible{outline:3px solid var(--fg);outline-offset:2px}
.button img{width:2.5rem;height:2.5rem;flex:none;object-fit:cover;border-radius:.5rem;background:var(--bg)}
.button span,.button bdi{min-width:0}
.button.inert{background:transparent;color:var(--fg);border:2px dashed var(--line);font-weight:400}
a{color:inherit}
audio{width:100%}
.when{display:flex;flex-direction:column;gap:.25rem}
.when time{font-weight:600}
dl{margin:0;display:grid;grid-template-columns:minmax(0,1fr);gap:.25rem}
dt{color:var(--muted);font-size:.9rem}
dd{margin:0 0 .5rem}
.note{color:var(--muted);font-size:.9rem}
footer{max-width:36rem;margin:0 auto;padding:0 1rem 2rem;color:var(--muted);font-size:.8rem}
`;

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
