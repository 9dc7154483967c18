import type { ContentOf } from "../codes/catalog";
import type { QrCodeType } from "../codes/types";
import type { QrCodeRecord } from "../codes/record";
import { AudioPage } from "./audio";
import { EventPage, eventTimeFallback } from "./event";
import { documentOf, Layout } from "./layout";
import { LinksPage } from "./links";
import { str, uploadPath } from "./parts";
import { TextPage } from "./text";
import { styleHashSource, themeCss, themeOf } from "./theme";
import { contactName, VcardPage } from "./vcard";

/**
 * The CSP of every page we serve to people: nothing from another origin, no inline script, no
 * inline style except the theme rule pinned by its hash, no plugins, forms, frames or <base>.
 */
export function pageCsp(styleHash: string | null): string {
  return [
    "default-src 'none'",
    "img-src 'self'",
    "media-src 'self'",
    `style-src 'self'${styleHash ? ` ${styleHash}` : ""}`,
    "script-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export interface RenderedPage {
  html: string;
  csp: string;
}

const summary = (text: string | null | undefined, fallback: string) => {
  const flat = (text ?? "").replace(/\s+/g, " ").trim();
  return flat === "" ? fallback : flat;
};

type PageSource = Pick<QrCodeRecord, "type" | "name" | "content">;

/** Renders a code's page; `pageUrl` is its absolute /p/{token} URL (og:url, the .ics and .vcf links). */
export async function renderHostedPage(code: PageSource, pageUrl: string): Promise<RenderedPage> {
  const { html, theme } = hostedPageHtml(code, pageUrl);
  return { html, csp: pageCsp(theme ? await styleHashSource(theme) : null) };
}

/**
 * The page's HTML and its theme rule (null for the contact card), without the CSP's hash: all of
 * the page that comes from the content, so a write can build it before the code is saved.
 */
interface PageParts {
  pageUrl: string;
  /** The page's own path, for links to its .ics and .vcf. */
  path: string;
  theme: string | null;
  imageOf: (value: unknown) => string | null;
  titled: (name: unknown) => string;
}

interface PageOf<T extends QrCodeType> {
  /** Landing pages take their colours from the content (hostedPage… fields); the contact card has none. */
  themed: boolean;
  render: (content: ContentOf<T>, parts: PageParts) => unknown;
}

/** The page of each type that has one (catalog.ts says which do; test/unit/catalog.test.ts holds the two equal). */
export const PAGES: { [T in QrCodeType]?: PageOf<T> } = {
  text: { themed: true, render: (c, { pageUrl, theme, imageOf, titled }) => {
    const title = titled(c.name);
    return (
      <Layout title={title} themeCss={theme} og={{ url: pageUrl, description: summary(c.text, title), image: imageOf(c.image) }}>
        <TextPage content={c} title={title} />
      </Layout>
    );
  } },
  links: { themed: true, render: (c, { pageUrl, theme, imageOf, titled }) => {
    const title = titled(c.name);
    return (
      <Layout title={title} themeCss={theme} og={{ url: pageUrl, description: summary(c.links.map((l) => l.name).join(" · "), title), image: imageOf(c.image) }}>
        <LinksPage content={c} title={title} />
      </Layout>
    );
  } },
  audio: { themed: true, render: (c, { pageUrl, theme, imageOf, titled }) => {
    const title = titled(c.name);
    return (
      <Layout title={title} themeCss={theme} og={{ url: pageUrl, description: "Listen to the recording.", image: imageOf(c.image) }}>
        <AudioPage content={c} title={title} />
      </Layout>
    );
  } },
  event: { themed: true, render: (c, { pageUrl, path, theme, imageOf }) => {
    const when = eventTimeFallback(c.startDate);
    return (
      <Layout title={c.name} themeCss={theme} localTimes og={{ url: pageUrl, description: summary([when, c.location].filter(Boolean).join(" · "), c.name), image: imageOf(c.image) }}>
        <EventPage content={c} calendarHref={`${path}/event.ics`} />
      </Layout>
    );
  } },
  vcard: { themed: false, render: (c, { pageUrl, path }) => {
    const name = contactName(c);
    return (
      <Layout title={name} og={{ url: pageUrl, description: summary([c.jobTitle, c.organisation].filter(Boolean).join(" · "), "Contact card"), image: null }}>
        <VcardPage card={c} vcfHref={`${path}/contact.vcf`} />
      </Layout>
    );
  } },
};

/**
 * The page's HTML and its theme rule (null for the contact card, which has no colours to set),
 * without the CSP's hash: all of the page that comes from the content, so a write can build it
 * before the code is saved.
 */
export function hostedPageHtml(code: PageSource, pageUrl: string): { html: string; theme: string | null } {
  const page = PAGES[code.type] as PageOf<QrCodeType> | undefined;
  if (!page) throw new Error(`no hosted page for ${code.type}`);
  const theme = page.themed ? themeCss(themeOf(code.content)) : null;
  const imageOf = (value: unknown) => {
    const local = uploadPath(value);
    return local ? new URL(local, pageUrl).toString() : null;
  };
  const titled = (name: unknown) => str(name) ?? code.name;
  const node = page.render(code.content as ContentOf<QrCodeType>, { pageUrl, path: new URL(pageUrl).pathname, theme, imageOf, titled });
  return { html: documentOf(node), theme };
}
