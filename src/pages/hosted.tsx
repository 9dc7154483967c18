import type { ContentOf } from "../codes/content";
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

/** Types with a page at /p/{token}: the hosted types, and vcard's contact card. */
export const PAGE_TYPES: ReadonlySet<QrCodeType> = new Set(["text", "links", "audio", "event", "vcard"]);

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
export function hostedPageHtml(code: PageSource, pageUrl: string): { html: string; theme: string | null } {
  const content = code.content;
  const theme = code.type === "vcard" ? null : themeCss(themeOf(content));
  const path = new URL(pageUrl).pathname;
  const imageOf = (value: unknown) => {
    const local = uploadPath(value);
    return local ? new URL(local, pageUrl).toString() : null;
  };
  const titled = (name: unknown) => str(name) ?? code.name;
  let node: unknown;
  switch (code.type) {
    case "text": {
      const c = content as ContentOf<"text">;
      const title = titled(c.name);
      node = (
        <Layout title={title} themeCss={theme} og={{ url: pageUrl, description: summary(c.text, title), image: imageOf(c.image) }}>
          <TextPage content={c} title={title} />
        </Layout>
      );
      break;
    }
    case "links": {
      const c = content as ContentOf<"links">;
      const title = titled(c.name);
      node = (
        <Layout title={title} themeCss={theme} og={{ url: pageUrl, description: summary(c.links.map((l) => l.name).join(" · "), title), image: imageOf(c.image) }}>
          <LinksPage content={c} title={title} />
        </Layout>
      );
      break;
    }
    case "audio": {
      const c = content as ContentOf<"audio">;
      const title = titled(c.name);
      node = (
        <Layout title={title} themeCss={theme} og={{ url: pageUrl, description: "Listen to the recording.", image: imageOf(c.image) }}>
          <AudioPage content={c} title={title} />
        </Layout>
      );
      break;
    }
    case "event": {
      const c = content as ContentOf<"event">;
      const when = eventTimeFallback(c.startDate);
      node = (
        <Layout title={c.name} themeCss={theme} localTimes og={{ url: pageUrl, description: summary([when, c.location].filter(Boolean).join(" · "), c.name), image: imageOf(c.image) }}>
          <EventPage content={c} calendarHref={`${path}/event.ics`} />
        </Layout>
      );
      break;
    }
    case "vcard": {
      const c = content as ContentOf<"vcard">;
      const name = contactName(c);
      node = (
        <Layout title={name} og={{ url: pageUrl, description: summary([c.jobTitle, c.organisation].filter(Boolean).join(" · "), "Contact card"), image: null }}>
          <VcardPage card={c} vcfHref={`${path}/contact.vcf`} />
        </Layout>
      );
      break;
    }
    default:
      throw new Error(`no hosted page for ${code.type}`);
  }
  return { html: documentOf(node), theme };
}
