import resvgWasm from "@resvg/resvg-wasm/index_bg.wasm";
import { app } from "./app";
import { consumeVisits } from "./analytics/consumer";
import { runScheduledJobs } from "./cron";
import { configureRaster } from "./qr";
import { deliverWebhooks, WEBHOOK_DEAD_LETTER_QUEUE, WEBHOOK_QUEUE } from "./webhooks/delivery";

// Workers may not compile WebAssembly from bytes at run time; the bundle ships it as a module,
// and resvg instantiates it on the first styled PNG of each isolate.
configureRaster(() => resvgWasm);

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduledJobs(controller, env));
  },
  async queue(batch, env) {
    // One handler for every queue this Worker consumes, told apart by the queue's name.
    if (batch.queue === WEBHOOK_QUEUE || batch.queue === WEBHOOK_DEAD_LETTER_QUEUE) await deliverWebhooks(batch, env);
    else await consumeVisits(batch, env);
  },
} satisfies ExportedHandler<Env>;

export { ScanLimiter } from "./objects/scan-limiter";
export { CallerGate } from "./objects/caller-gate";
export { PairingInstance } from "./objects/pairing-instance";
export { SignInGate } from "./objects/sign-in-gate";
