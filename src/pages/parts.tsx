import type { Child, FC } from "hono/jsx";
import { FILE_ID_PATTERN } from "../lib/file-ids";
import { isHttpUrl } from "../lib/urls";

/**
 * Building blocks the hosted pages share. The rules they enforce, whatever is stored:
 * - an `href` is an http(s) URL we validated again here, or a path on this Worker; anything else
 *   is shown as plain text;
 * - an `<img>`/`<audio>` source is an upload on this Worker (`/files/{id}`); remote URLs are never
 *   loaded (the page makes no third-party request), a remote image is simply left out;
 * - user text is bidi-isolated, so an RTL override stays inside its own element.
 */

/** `/files/{id}` for an upload id, null for anything else (remote URLs included). */
export const uploadPath = (value: unknown): string | null => (typeof value === "string" && FILE_ID_PATTERN.test(value) ? `/files/${value}` : null);

export const httpHref = (value: unknown): string | null => (typeof value === "string" && isHttpUrl(value) ? value : null);

/** A string someone typed: isolated from the text around it. */
export const UserText: FC<{ text: string }> = ({ text }) => <bdi>{text}</bdi>;

/**
 * The page's image, in the masthead: shown at its own size up to the card's width, never
 * stretched (a 256 px logo stays a crisp 256 px logo), aspect ratio kept, framed like an avatar.
 */
export const HeroImage: FC<{ image: unknown }> = ({ image }) => {
  const src = uploadPath(image);
  return src ? <img class="hero" src={src} alt="" /> : null;
};

/**
 * The top of every page: a band of the code's primary colour (text in the black or white that
 * contrasts with it), holding the image or a mark, an optional kicker, the title and a lede.
 */
export const Masthead: FC<{ title: string; kicker?: string | null; mark?: Child; children?: Child }> = ({ title, kicker, mark, children }) => (
  <header class="masthead">
    {mark}
    {kicker && (
      <p class="kicker">
        <UserText text={kicker} />
      </p>
    )}
    <h1>
      <UserText text={title} />
    </h1>
    {children}
  </header>
);

/** The body of the card below the masthead. */
export const Content: FC<{ children?: Child }> = ({ children }) => <div class="content">{children}</div>;

/** A link to another site: http(s) only, no opener, no referrer; otherwise the label alone. */
export const ExternalLink: FC<{ href: unknown; class?: string; children?: Child }> = ({ href, class: className, children }) => {
  const safe = httpHref(href);
  if (!safe) return <span class={className ? `${className} inert` : undefined}>{children}</span>;
  return (
    <a class={className} href={safe} rel="noopener noreferrer" target="_blank">
      {children}
    </a>
  );
};

/** publicFilePath: an upload (served by us) or an http(s) URL (a link, never embedded). */
export const FileLink: FC<{ file: unknown }> = ({ file }) => {
  const local = uploadPath(file);
  if (local)
    return (
      <a class="button center" href={local} download="">
        <span>Download the file</span>
      </a>
    );
  if (httpHref(file))
    return (
      <ExternalLink class="button center" href={file}>
        <span>Open the file</span>
      </ExternalLink>
    );
  return null;
};

export const str = (value: unknown): string | null => (typeof value === "string" && value.trim() !== "" ? value : null);
