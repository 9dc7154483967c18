import { describe, expect, it, vi } from "vitest";
import { fetchPublicResource, forbiddenUrlReason, SafeFetchError, type Fetcher } from "../../src/lib/safe-fetch";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

/** A fetcher that records every URL it is asked for and answers from a table (404 otherwise). */
function recordingFetcher(routes: Record<string, () => Response> = {}) {
  const calls: string[] = [];
  const fetcher: Fetcher = async (input, init) => {
    calls.push(input);
    expect(init.redirect).toBe("manual");
    const route = routes[input];
    return route ? route() : new Response("not found", { status: 404 });
  };
  return { calls, fetcher };
}

const redirect = (location: string, status = 302) => () => new Response(null, { status, headers: { Location: location } });
const png = () => new Response(PNG, { headers: { "Content-Type": "image/png" } });

async function failure(promise: Promise<unknown>): Promise<SafeFetchError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SafeFetchError);
  return err as SafeFetchError;
}

const FORBIDDEN = [
  "http://example.com/logo.png",
  "ftp://example.com/logo.png",
  "file:///etc/passwd",
  "data:image/png;base64,iVBORw0KGgo=",
  "javascript:alert(1)",
  "https://127.0.0.1/logo.png",
  "https://10.0.0.1/logo.png",
  "https://10.1.2.3/",
  "https://100.64.0.1/",
  "https://172.16.0.1/",
  "https://192.168.1.1/",
  "https://169.254.169.254/latest/meta-data/",
  "https://0.0.0.0/",
  "https://8.8.8.8/",
  "https://0x7f000001/",
  "https://0x7f.0x0.0x0.0x1/",
  "https://2130706433/",
  "https://017700000001/",
  "https://0177.0.0.1/",
  "https://127.1/",
  "https://[::1]/",
  "https://[::ffff:127.0.0.1]/",
  "https://[fe80::1]/",
  "https://[fd00::1]/",
  "https://[2606:4700::1111]/",
  "https://localhost/",
  "https://LOCALHOST/",
  "https://localhost./",
  "https://api.localhost/",
  "https://printer.local/",
  "https://metadata.google.internal/computeMetadata/v1/",
  "https://intranet/",
  "https://router.home.arpa/",
  "https://1.0.0.127.in-addr.arpa/",
  "https://127.0.0.1.nip.io/",
  "https://example.com.:443/",
  "https://example.com:8443/",
  "https://user@example.com/",
  "https://user:pass@example.com/",
  "https://example.com@127.0.0.1/",
  "https://evil.com@[::1]/",
  "https://exa mple.com/",
  "not a url",
  "//example.com/logo.png",
];

describe("forbidden URLs make zero requests", () => {
  for (const url of FORBIDDEN)
    it(url, async () => {
      expect(forbiddenUrlReason(url)).not.toBeNull();
      const { calls, fetcher } = recordingFetcher();
      const err = await failure(fetchPublicResource(url, { maxBytes: 1024, fetcher }));
      expect(err.reason).toBe("FORBIDDEN_URL");
      expect(calls).toEqual([]);
    });
});

/** Names that resolve wherever they say, or always to loopback: refused by zone, whatever they spell. */
const WILDCARD_DNS = [
  "127-0-0-1.sslip.io",
  "app.10.0.0.1.sslip.io",
  "--1.sslip.io",
  "7f000001.nip.io",
  "app-c0a80001.nip.io",
  "nip.io",
  "10.0.0.1.xip.io",
  "x.nip.direct",
  "10-0-0-1.traefik.me",
  "localtest.me",
  "readme.localtest.me",
  "lvh.me",
  "app.lvh.me",
  "vcap.me",
  "api.vcap.me",
  "lacolhost.com",
  "www.lacolhost.com",
  "app.localhost.direct",
  "localho.st",
  "x.fuf.me",
  "SSLIP.IO",
];

/** An address spelt inside a name, on any domain (a wildcard service we do not list reads them too). */
const EMBEDDED = [
  "127.0.0.1.example.com",
  "app.169.254.169.254.example.com",
  "127-0-0-1.example.com",
  "app-10-0-0-1.example.com",
  "10-0-0-1-app.example.com",
  "app.192.168.0-1.example.com",
  "7f000001.example.com",
  "app-c0a80001.example.com",
  "x.7f000001.y.example.com",
  "2130706433.example.com",
  "a--1.example.com",
  "fe80--1.example.com",
  "app-2a01-4f8-c17-b8f--2.example.com",
  "fd00-0-0-0-0-0-0-1.example.com",
];

describe("wildcard DNS names and addresses spelt in names", () => {
  for (const host of WILDCARD_DNS)
    it(`${host} is refused as wildcard DNS`, async () => {
      expect(forbiddenUrlReason(`https://${host}/logo.png`)).toBe("wildcard DNS names (nip.io, sslip.io, localtest.me…) are not allowed");
      const { calls, fetcher } = recordingFetcher();
      expect((await failure(fetchPublicResource(`https://${host}/logo.png`, { maxBytes: 1024, fetcher }))).reason).toBe("FORBIDDEN_URL");
      expect(calls).toEqual([]);
    });
  for (const host of EMBEDDED)
    it(`${host} is refused for the address it spells`, () => expect(forbiddenUrlReason(`https://${host}/logo.png`)).toBe("host names that embed an IP address are not allowed"));

  it("a redirect to a wildcard DNS name is never fetched", async () => {
    const { calls, fetcher } = recordingFetcher({ "https://a.example/": redirect("https://127-0-0-1.sslip.io/") });
    expect((await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }))).reason).toBe("FORBIDDEN_URL");
    expect(calls).toEqual(["https://a.example/"]);
  });
});

describe("allowed URLs", () => {
  const allowed = [
    "https://example.com/logo.png",
    "https://cdn.example.co.uk/a/b.png?x=1",
    "https://xn--caf-dma.example/logo.png",
    "https://xn--80ak6aa92e.com/",
    "https://a-b.example.org/",
    // Numbers and hex that do not spell an address, as public hosts use them.
    "https://pub-0123456789abcdef0123456789abcdef.r2.dev/logo.png",
    "https://bucket.0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com/logo.png",
    "https://cdn-2024-01.example.com/",
    "https://v1-2-3.example.com/",
    "https://img1.example.com/",
    "https://cafe-babe.example.com/",
    "https://notnip.io/",
  ];
  for (const url of allowed) it(`${url} is allowed`, () => expect(forbiddenUrlReason(url)).toBeNull());

  it("fetches the bytes, the claimed type and the final URL", async () => {
    const { calls, fetcher } = recordingFetcher({ "https://example.com/logo.png": png });
    const result = await fetchPublicResource("https://example.com/logo.png", { maxBytes: 1024, fetcher });
    expect(result.bytes).toEqual(PNG);
    expect(result.mediaType).toBe("image/png");
    expect(result.finalUrl).toBe("https://example.com/logo.png");
    expect(calls).toEqual(["https://example.com/logo.png"]);
  });

  it("follows up to three redirects, relative ones included", async () => {
    const { calls, fetcher } = recordingFetcher({
      "https://a.example/1": redirect("https://b.example/2", 301),
      "https://b.example/2": redirect("/3", 307),
      "https://b.example/3": redirect("https://c.example/logo.png", 308),
      "https://c.example/logo.png": png,
    });
    const result = await fetchPublicResource("https://a.example/1", { maxBytes: 1024, fetcher });
    expect(result.finalUrl).toBe("https://c.example/logo.png");
    expect(calls).toEqual(["https://a.example/1", "https://b.example/2", "https://b.example/3", "https://c.example/logo.png"]);
  });
});

describe("redirects are re-checked hop by hop", () => {
  const targets = ["http://example.com/x", "https://127.0.0.1/", "https://169.254.169.254/latest/meta-data/", "https://[::1]/", "https://localhost/", "https://0x7f000001/", "https://metadata.google.internal/"];
  for (const target of targets) {
    it(`a redirect to ${target} at hop 1 is never fetched`, async () => {
      const { calls, fetcher } = recordingFetcher({ "https://a.example/": redirect(target) });
      const err = await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }));
      expect(err.reason).toBe("FORBIDDEN_URL");
      expect(calls).toEqual(["https://a.example/"]);
    });
  }

  it("a forbidden target at hop 2 is never fetched", async () => {
    const { calls, fetcher } = recordingFetcher({ "https://a.example/": redirect("https://b.example/"), "https://b.example/": redirect("https://10.0.0.1/") });
    const err = await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }));
    expect(err.reason).toBe("FORBIDDEN_URL");
    expect(calls).toEqual(["https://a.example/", "https://b.example/"]);
  });

  it("a forbidden target at hop 3 is never fetched", async () => {
    const { calls, fetcher } = recordingFetcher({
      "https://a.example/": redirect("https://b.example/"),
      "https://b.example/": redirect("https://c.example/"),
      "https://c.example/": redirect("https://2130706433/"),
    });
    const err = await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }));
    expect(err.reason).toBe("FORBIDDEN_URL");
    expect(calls).toEqual(["https://a.example/", "https://b.example/", "https://c.example/"]);
  });

  it("a fourth redirect is refused before it is followed", async () => {
    const { calls, fetcher } = recordingFetcher({
      "https://a.example/": redirect("https://b.example/"),
      "https://b.example/": redirect("https://c.example/"),
      "https://c.example/": redirect("https://d.example/"),
      "https://d.example/": redirect("https://e.example/logo.png"),
      "https://e.example/logo.png": png,
    });
    const err = await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }));
    expect(err.reason).toBe("TOO_MANY_REDIRECTS");
    expect(calls).toEqual(["https://a.example/", "https://b.example/", "https://c.example/", "https://d.example/"]);
  });

  it("a redirect without Location fails", async () => {
    const { fetcher } = recordingFetcher({ "https://a.example/": () => new Response(null, { status: 302 }) });
    expect((await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }))).reason).toBe("HTTP_STATUS");
  });
});

describe("responses", () => {
  it("a non-2xx status fails", async () => {
    const { fetcher } = recordingFetcher();
    expect((await failure(fetchPublicResource("https://a.example/missing.png", { maxBytes: 1024, fetcher }))).reason).toBe("HTTP_STATUS");
  });

  it("a declared Content-Length over the cap fails before the body is read", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(100));
      },
    });
    const { fetcher } = recordingFetcher({ "https://a.example/big.png": () => new Response(body, { headers: { "Content-Length": "5000" } }) });
    expect((await failure(fetchPublicResource("https://a.example/big.png", { maxBytes: 1024, fetcher }))).reason).toBe("TOO_LARGE");
    expect(pulled).toBeLessThanOrEqual(1);
  });

  it("an endless body without Content-Length is cut at the cap while streaming", async () => {
    let sent = 0;
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 256;
        controller.enqueue(new Uint8Array(256));
      },
      cancel() {
        cancelled = true;
      },
    });
    const { fetcher } = recordingFetcher({ "https://a.example/endless": () => new Response(body) });
    expect((await failure(fetchPublicResource("https://a.example/endless", { maxBytes: 1024, fetcher }))).reason).toBe("TOO_LARGE");
    expect(sent).toBeLessThanOrEqual(1024 + 2 * 256);
    expect(cancelled).toBe(true);
  });

  it("a body of exactly the cap is accepted", async () => {
    const { fetcher } = recordingFetcher({ "https://a.example/x": () => new Response(new Uint8Array(1024)) });
    expect((await fetchPublicResource("https://a.example/x", { maxBytes: 1024, fetcher })).bytes.length).toBe(1024);
  });

  it("a server that never answers times out at the deadline, not before", async () => {
    // On fake timers: the deadline is proven on the clock the test moves, not measured.
    vi.useFakeTimers();
    try {
      const fetcher: Fetcher = () => new Promise<Response>(() => undefined);
      let settled = false;
      const outcome = failure(fetchPublicResource("https://slow.example/", { maxBytes: 1024, timeoutMs: 50, fetcher })).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(49);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toBe(true);
      expect((await outcome).reason).toBe("TIMEOUT");
    } finally {
      vi.useRealTimers();
    }
  });

  it("a body that stalls times out", async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(10));
      },
    });
    const { fetcher } = recordingFetcher({ "https://a.example/stall": () => new Response(body) });
    expect((await failure(fetchPublicResource("https://a.example/stall", { maxBytes: 1024, timeoutMs: 50, fetcher }))).reason).toBe("TIMEOUT");
  });

  it("the timeout is passed to the fetcher as an AbortSignal", async () => {
    let signal: AbortSignal | undefined;
    const fetcher: Fetcher = (_input, init) => {
      signal = init.signal ?? undefined;
      return new Promise<Response>(() => undefined);
    };
    await failure(fetchPublicResource("https://slow.example/", { maxBytes: 1024, timeoutMs: 20, fetcher }));
    expect(signal?.aborted).toBe(true);
  });

  it("a network error is reported as such", async () => {
    const fetcher: Fetcher = () => Promise.reject(new TypeError("fetch failed"));
    expect((await failure(fetchPublicResource("https://a.example/", { maxBytes: 1024, fetcher }))).reason).toBe("NETWORK");
  });
});
