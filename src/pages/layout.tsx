import type { Child, FC } from "hono/jsx";
import { ICON_PATH, LOCALE_SCRIPT_PATH, STYLESHEET_PATH } from "./assets";

/**
 * The one layout of every page people see (hosted pages, contact cards, status pages, the pairing
 * demo): `<main>` is the card (full width on a phone, centred on a tinted band on a desktop), and
 * each page fills it with a Masthead and a Content (parts.tsx), styled by stylesheet.ts. Everything
 * it prints goes through hono/jsx's escaping; the only inline code is the theme's `:root{…}` rule,
 * built from validated hex colours and admitted by its hash in the page's CSP.
 */

export interface OpenGraph {
  /** Absolute URL of the page (og:url). */
  url: string;
  description: string;
  /** Absolute URL of a same-origin uploaded image, or null. */
  image: string | null;
}

export interface LayoutProps {
  title: string;
  og?: OpenGraph;
  /** The theme rule (see theme.ts); its hash must be in the response's CSP. */
  themeCss?: string | null;
  /** Loads the locale script that shows `<time data-local>` in the visitor's time zone. */
  localTimes?: boolean;
  children?: Child;
}

/** Open Graph titles and descriptions are previews: keep them to what a card shows. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export const Layout: FC<LayoutProps> = ({ title, og, themeCss, localTimes, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="robots" content="noindex" />
      <meta name="referrer" content="no-referrer" />
      <title>{clip(title, 120)}</title>
      {og && (
        <>
          <meta name="description" content={clip(og.description, 200)} />
          <meta property="og:type" content="website" />
          <meta property="og:title" content={clip(title, 120)} />
          <meta property="og:description" content={clip(og.description, 200)} />
          <meta property="og:url" content={og.url} />
          {og.image && <meta property="og:image" content={og.image} />}
          <meta name="twitter:card" content={og.image ? "summary_large_image" : "summary"} />
        </>
      )}
      <link rel="icon" href={ICON_PATH} type="image/svg+xml" />
      <link rel="stylesheet" href={STYLESHEET_PATH} />
      {themeCss && <style>{themeCss}</style>}
      {localTimes && <script src={LOCALE_SCRIPT_PATH} defer></script>}
    </head>
    <body>
      <main>{children}</main>
    </body>
  </html>
);

/** A page as the HTTP response body: the doctype, then the rendered tree. */
export const documentOf = (node: unknown): string => "<!doctype html>" + String(node);
