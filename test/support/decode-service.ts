/**
 * ZBar and quirc for the worker tests. workerd can neither start zbarimg nor load node-quirc's
 * native addon, so vitest.config.ts gives the worker project a service binding (TEST_DECODERS)
 * whose handler is `serveDecoders`, running here in the vitest process (Node). decode.ts, inside
 * workerd, posts the pixels it has already composited and gets back what the two decoders read,
 * so a result carries `zbar` and `quirc` exactly as it does when the harness runs in Node.
 *
 * Test configuration only: wrangler.toml knows nothing of this binding, so no deployed Worker has it.
 */
// (with extensions: vitest.config.ts loads this file, and Vite's config loader wants them)
import { decodeWithQuirc } from "./quirc-node.js";
import { decodeWithZbar } from "./zbar-node.js";

/**
 * The service's answer, as JSON. `zbar` is absent when zbarimg is not installed here (so the harness
 * skips the ZBar check, as in Node) and null when it read nothing; `quirc` is null when it read nothing.
 */
export interface DecodersAnswer {
  zbar?: string | null;
  quirc: string | null;
}

/**
 * The request: POST `?width=W&height=H` with a body of W×H opaque RGBA pixels (8 bits a channel,
 * row-major), already composited onto the background. Raw pixels cost workerd nothing to produce and
 * Node nothing to read, where a PNG would be encoded on one side and decoded on the other.
 */
export async function serveDecoders(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const width = Number(url.searchParams.get("width"));
  const height = Number(url.searchParams.get("height"));
  const rgba = new Uint8ClampedArray(await request.arrayBuffer());
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || rgba.length !== width * height * 4) {
    return new Response(`decode service: expected ${width}x${height} RGBA pixels, got ${rgba.length} bytes`, { status: 400 });
  }
  const [zbar, quirc] = await Promise.all([decodeWithZbar(rgba, width, height), decodeWithQuirc(rgba, width, height)]);
  const answer: DecodersAnswer = { ...(zbar !== undefined ? { zbar } : {}), quirc };
  return Response.json(answer);
}
