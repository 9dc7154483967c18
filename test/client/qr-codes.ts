import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema";

/**
 * A client of the QR code resource built the way an outside developer would build one: openapi-fetch
 * over the types openapi-typescript generates from openapi.json with its default options
 * (`npm run openapi`). `npm run typecheck` compiles this file, so a document that types a request
 * wrongly (a design whose every field is required, a content not tied to its type) fails there;
 * the worker test qr-codes-client.test.ts runs it against the Worker.
 */

export type QrCodeClient = Client<paths>;
export type QrCode = components["schemas"]["QrCode"];

/** `fetch` is injected: the Worker's own in tests, globalThis.fetch against a deployment. */
export function qrCodeClient(options: { baseUrl: string; apiKey: string; fetch?: (request: Request) => Promise<Response> }): QrCodeClient {
  return createClient<paths>({ baseUrl: options.baseUrl, headers: { Authorization: `Bearer ${options.apiKey}` }, fetch: options.fetch });
}

/** A styled create as a user writes it: what they choose, nothing else (every other field has a default). */
export function createStyledCode(client: QrCodeClient, name: string, url: string) {
  return client.POST("/qr_codes", { body: { name, type: "url", content: { url }, appearance: { dotsOptionsType: "rounded" } } });
}

/** A rename: a JSON merge patch of the name alone, so the design and everything else stay. */
export function renameCode(client: QrCodeClient, id: string, name: string, ifMatch?: string) {
  return client.PATCH("/qr_codes/{id}", {
    params: { path: { id }, header: ifMatch === undefined ? undefined : { "If-Match": ifMatch } },
    body: { name },
    // openapi-fetch sends application/json unless told; a merge patch says what it is.
    headers: { "Content-Type": "application/merge-patch+json" },
  });
}

/**
 * The image as bytes: a PNG is binary, not JSON. The format comes from Accept (PNG is also the
 * default): a `format: "png"` in the body would widen to string while openapi-fetch infers the
 * options, and `data` would lose its ArrayBuffer type.
 */
export function downloadPng(client: QrCodeClient, id: string, size: number) {
  return client.POST("/qr_codes/{id}/download", { params: { path: { id } }, body: { size }, headers: { Accept: "image/png" }, parseAs: "arrayBuffer" });
}

/** Typed as binary: this compiles only while a download's data is an ArrayBuffer. */
export async function downloadedBytes(client: QrCodeClient, id: string): Promise<ArrayBuffer | undefined> {
  return (await downloadPng(client, id, 300)).data;
}

/**
 * What the generated types refuse: each line would be a 400 from the server, and is a compile
 * error here. Never called; `npm run typecheck` fails if a line stops being an error.
 */
export function refusedAtCompileTime(client: QrCodeClient): void {
  // @ts-expect-error a url code's content is {url}; {text} is a text code's
  void client.POST("/qr_codes", { body: { name: "Mixed up", type: "url", content: { text: "hello" } } });
  // @ts-expect-error appearance has no dotsOptionType (the field is dotsOptionsType)
  void client.POST("/qr_codes", { body: { name: "Typo", type: "url", content: { url: "https://example.com" }, appearance: { dotsOptionType: "rounded" } } });
  // @ts-expect-error a size is a number of pixels
  void client.POST("/qr_codes/{id}/download", { params: { path: { id: "0" } }, body: { size: "600" } });
}
