import type { D1Migration } from "cloudflare:test";

declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import("../../src/index");
    }
    interface Env {
      TEST_MIGRATIONS: D1Migration[];
      /** ZBar and quirc for the decode harness, run in the vitest process (test/support/decode-service.ts). */
      TEST_DECODERS: Fetcher;
    }
  }
}
