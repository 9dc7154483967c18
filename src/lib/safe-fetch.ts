/**
 * Fetching a resource a client named by URL (a logo), without letting the client aim the Worker
 * at something private (SSRF).
 *
 * Layer one, here: every URL, the first and each redirect hop, must be https on the default port,
 * carry no credentials, and name its host by a public-looking DNS name. IP literals are refused in
 * every spelling (the WHATWG parser turns `0x7f000001`, `2130706433`, `0177.1` into dotted quads,
 * which are then refused; bracketed IPv6 is refused as such), and so are names that only resolve
 * inside a network (`localhost`, `*.local`, `*.internal`, single labels…), the public wildcard-DNS
 * zones that resolve a name to whatever address it spells or always to loopback (`nip.io`,
 * `sslip.io`, `localtest.me`…), and any name that spells an address the way those services read
 * one (`127.0.0.1.x`, `127-0-0-1.x`, `7f000001.x`, `2130706433.x`, `fe80--1.x`), on any domain.
 * A Worker cannot resolve DNS before it fetches, so a name on no list that resolves to a private
 * address (someone's own zone, or DNS rebinding) is not caught here.
 *
 * Layer two is the platform: a deployed Worker's fetch() leaves from Cloudflare's edge and cannot
 * reach private networks, loopback or link-local metadata endpoints. (`wrangler dev` on a laptop
 * has no such layer, which is why layer one refuses everything it can by name.)
 */

import { mediaTypeOf } from "./media-type";
import { concatBytes } from "./bytes";

export type Fetcher = (input: string, init: RequestInit) => Promise<Response>;

export interface SafeFetchOptions {
  /** Bytes of body accepted; more fails while streaming (a lying Content-Length cannot get past). */
  maxBytes: number;
  /** Whole operation, every hop and the body included. */
  timeoutMs?: number;
  /** At most this many redirects are followed; the next one fails before it is fetched. */
  maxRedirects?: number;
  /** Injected in tests to prove that a forbidden URL is never fetched. */
  fetcher?: Fetcher;
  accept?: string;
}

export interface FetchedResource {
  bytes: Uint8Array;
  /** The Content-Type the server claimed (lower-cased, no parameters); callers sniff the bytes. */
  mediaType: string | null;
  finalUrl: string;
}

export type SafeFetchFailure = "FORBIDDEN_URL" | "TOO_MANY_REDIRECTS" | "HTTP_STATUS" | "TOO_LARGE" | "TIMEOUT" | "NETWORK";

export class SafeFetchError extends Error {
  constructor(
    readonly reason: SafeFetchFailure,
    message: string,
  ) {
    super(message);
    this.name = "SafeFetchError";
  }
}

export const DEFAULT_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_REDIRECTS = 3;

/** Names that never resolve on the public internet (RFC 6761, RFC 8375, common private zones). */
const PRIVATE_SUFFIXES = ["localhost", "local", "internal", "intranet", "lan", "home", "corp", "private", "localdomain", "home.arpa", "arpa", "test", "invalid", "onion"];

/**
 * Public wildcard-DNS zones: every name under them resolves to the address it spells (nip.io,
 * sslip.io, xip.io, nip.direct, traefik.me) or to loopback whatever it says (the rest). Refused
 * whole, so a spelling the checks below do not know (sslip.io's 32-digit hex IPv6) is refused too.
 */
const WILDCARD_DNS_ZONES = [
  "nip.io",
  "sslip.io",
  "xip.io",
  "nip.direct",
  "traefik.me",
  "localtest.me",
  "lvh.me",
  "vcap.me",
  "lacolhost.com",
  "localhost.direct",
  "localho.st",
  "fuf.me",
  "colasloth.com",
  "127.ca",
];

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const NUMERIC_LABEL = /^(0x[0-9a-f]*|[0-9]+)$/;
/**
 * An IPv4 address spelt inside a name, as wildcard-DNS services read one: a run of the name that
 * starts and ends at a dot, a dash or the end of the name, and is four numbers joined by dots or
 * dashes (`app.127.0.0.1.x`, `127-0-0-1.x`), eight hex digits (`7f000001.x`, `app-c0a80001.x`) or
 * one decimal number of 8 to 10 digits (`2130706433.x`). Every quantifier is bounded: no
 * backtracking over the host.
 */
const EMBEDDED_IPV4 = [/(?<![^.-])(?:\d{1,3}[.-]){3}\d{1,3}(?![^.-])/, /(?<![^.-])[0-9a-f]{8}(?![^.-])/, /(?<![^.-])\d{8,10}(?![^.-])/];
const HEX_GROUP = /^[0-9a-f]{0,4}$/;

/**
 * An IPv6 address spelt in a label with dashes for colons (`--1` is ::1, `fe80--1`,
 * `2a01-4f8-c17-b8f--2`, sslip.io's form): any run of the label's dash-separated groups that is
 * an IPv6 address once the dashes are colons. Punycode's `xn--` never is (`x` is not hex).
 */
function embedsDashedIpv6(label: string): boolean {
  if (!label.includes("-")) return false;
  const groups = label.split("-");
  for (let start = 0; start < groups.length; start++) {
    if (!HEX_GROUP.test(groups[start]!)) continue;
    // An address is at most 9 groups this way (eight, plus the empty one of a leading or trailing ::).
    for (let end = start + 1; end < Math.min(groups.length, start + 9) && HEX_GROUP.test(groups[end]!); end++)
      if (URL.canParse(`http://[${groups.slice(start, end + 1).join(":")}]/`)) return true;
  }
  return false;
}

const underZone = (host: string, zone: string) => host === zone || host.endsWith(`.${zone}`);

/**
 * Why a URL may not be fetched, or null when it may. Exported for tests and for callers that want
 * to refuse a URL at validation time, before any work.
 */
export function forbiddenUrlReason(input: string | URL, options: { allowHttp?: boolean } = {}): string | null {
  let url: URL;
  try {
    url = typeof input === "string" ? new URL(input) : input;
  } catch {
    return "not a valid URL";
  }
  if (url.protocol !== "https:" && !(options.allowHttp && url.protocol === "http:")) return options.allowHttp ? "only http and https URLs are allowed" : "only https URLs are allowed";
  if (url.username !== "" || url.password !== "") return "URLs with credentials are not allowed";
  if (url.port !== "") return `only the default ${options.allowHttp ? "port" : "https port"} is allowed`;
  const host = url.hostname.toLowerCase();
  if (host.startsWith("[") || host.includes(":")) return "IP addresses are not allowed; use a DNS name";
  if (host.length === 0 || host.length > 253) return "the host is not a valid DNS name";
  if (host.endsWith(".")) return "the host is not a valid DNS name";
  const labels = host.split(".");
  if (labels.length < 2) return "the host must be a fully qualified public DNS name";
  // The parser has already turned decimal, octal and hex IPv4 spellings into dotted quads; any
  // all-numeric last label is an address in some spelling (or not a real TLD).
  if (NUMERIC_LABEL.test(labels.at(-1)!)) return "IP addresses are not allowed; use a DNS name";
  if (WILDCARD_DNS_ZONES.some((zone) => underZone(host, zone))) return "wildcard DNS names (nip.io, sslip.io, localtest.me…) are not allowed";
  if (EMBEDDED_IPV4.some((pattern) => pattern.test(host)) || labels.some(embedsDashedIpv6)) return "host names that embed an IP address are not allowed";
  if (!labels.every((l) => LABEL.test(l))) return "the host is not a valid DNS name";
  for (const suffix of PRIVATE_SUFFIXES) if (underZone(host, suffix)) return "the host is not a public DNS name";
  return null;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches `url` under the SSRF rules above, redirects followed by hand and each hop re-checked
 * before it is fetched, and hands the final answer (not a redirect) to `read` within the same
 * deadline; every failure becomes a SafeFetchError.
 */
async function fetchFollowing<T>(
  url: string,
  method: "GET" | "HEAD",
  options: Omit<SafeFetchOptions, "maxBytes"> & { allowHttp?: boolean },
  read: (response: Response, finalUrl: string, signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const fetcher: Fetcher = options.fetcher ?? ((input, init) => fetch(input, init));
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const signal = controller.signal;
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      const reason = forbiddenUrlReason(current, { allowHttp: options.allowHttp });
      if (reason) throw new SafeFetchError("FORBIDDEN_URL", `${hop === 0 ? "URL" : "redirect target"} refused: ${reason}`);
      const response = await untilAborted(fetcher(current, { method, redirect: "manual", signal, headers: { accept: options.accept ?? "*/*" } }), signal);
      if (REDIRECTS.has(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        const location = response.headers.get("location");
        if (!location) throw new SafeFetchError("HTTP_STATUS", `redirect ${response.status} without a Location`);
        if (hop >= maxRedirects) throw new SafeFetchError("TOO_MANY_REDIRECTS", `more than ${maxRedirects} redirects`);
        try {
          current = new URL(location, current).href;
        } catch {
          throw new SafeFetchError("FORBIDDEN_URL", "redirect target refused: not a valid URL");
        }
        continue;
      }
      return await read(response, current, signal);
    }
  } catch (err) {
    if (err instanceof SafeFetchError) throw err;
    if (signal.aborted) throw new SafeFetchError("TIMEOUT", `no complete answer within ${timeoutMs} ms`);
    throw new SafeFetchError("NETWORK", "the resource could not be fetched");
  } finally {
    clearTimeout(timer);
  }
}

/** GET `url` under the SSRF rules above, the body counted while it streams, one deadline for everything. */
export function fetchPublicResource(url: string, options: SafeFetchOptions): Promise<FetchedResource> {
  return fetchFollowing(url, "GET", options, async (response, finalUrl, signal) => {
    if (response.status < 200 || response.status > 299) {
      await response.body?.cancel().catch(() => undefined);
      throw new SafeFetchError("HTTP_STATUS", `the server answered HTTP ${response.status}`);
    }
    const bytes = await readCapped(response, options.maxBytes, signal);
    const contentType = response.headers.get("content-type");
    return { bytes, mediaType: mediaTypeOf(contentType) ?? null, finalUrl };
  });
}

/** Answers a server may give HEAD when it only serves GET: the probe asks again with GET. */
const HEAD_REFUSED = new Set([400, 403, 404, 405, 406, 409, 429, 500, 501, 502, 503]);

/**
 * Whether `url` answers, for destination checks: HEAD (no body), then GET when HEAD fails or a
 * server refuses HEAD (the body is never read), both under the SSRF rules above, http allowed (a
 * code may send people to an http page). The final status, or a SafeFetchError.
 */
export async function probePublicUrl(url: string, options: Omit<SafeFetchOptions, "maxBytes"> = {}): Promise<{ status: number; finalUrl: string }> {
  const status = async (response: Response, finalUrl: string) => {
    await response.body?.cancel().catch(() => undefined);
    return { status: response.status, finalUrl };
  };
  let head: { status: number; finalUrl: string } | null = null;
  try {
    head = await fetchFollowing(url, "HEAD", { ...options, allowHttp: true }, status);
  } catch (err) {
    if (err instanceof SafeFetchError && (err.reason === "FORBIDDEN_URL" || err.reason === "TOO_MANY_REDIRECTS")) throw err;
  }
  if (head && !HEAD_REFUSED.has(head.status)) return head;
  return fetchFollowing(url, "GET", { ...options, allowHttp: true }, status);
}

/** Rejects as soon as the signal aborts, even if `promise` ignores the signal. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("aborted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err);
      },
    );
  });
}

async function readCapped(response: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new SafeFetchError("TOO_LARGE", `larger than ${maxBytes} bytes`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) throw new SafeFetchError("TOO_LARGE", `larger than ${maxBytes} bytes`);
      chunks.push(value);
    }
  } catch (err) {
    reader.cancel().catch(() => undefined);
    throw err;
  }
  return concatBytes(chunks);
}
