import { initWasm } from "@resvg/resvg-wasm";
import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";
import { it } from "vitest";
import { expectSvgScans } from "../support/decode";
import { decodeHarnessSuite, SAMPLES } from "../support/decode-harness.suite";
import { pngDecodeSuite } from "../support/png-decode.suite";
import { qrToSvg, referenceQr } from "../support/reference-qr";

// Production code (src/qr/raster.ts) initialises resvg-wasm in this same isolate; initWasm may only
// run once per isolate. Simulate it getting there first: the harness must carry on regardless.
it("tolerates resvg-wasm already initialised by other code", async () => {
  try {
    await initWasm(resvgWasm);
  } catch (e) {
    if (!(e instanceof Error && /Already initialized/.test(e.message))) throw e; // another file got there first
  }
  const code = referenceQr(SAMPLES.url);
  await expectSvgScans(qrToSvg(code), (code.size + 8) * 8, SAMPLES.url);
});

decodeHarnessSuite("workerd");
pngDecodeSuite("workerd");
