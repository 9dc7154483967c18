import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { serveDecoders } from "./test/support/decode-service.ts";
// @ts-expect-error: a plain ES module script, untyped
import { buildConsole } from "./scripts/build-console.mjs";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  // The worker project serves console/dist through the ASSETS binding ([assets] in wrangler.toml),
  // and `wrangler dev` in the browser tests bundles it: build it first when its sources changed.
  buildConsole({ quiet: true });
  return {
    test: {
      projects: [
        {
          // Pure code (encoder, renderers, payloads) runs in Node: fast, and independent of workerd.
          test: { name: "unit", include: ["test/unit/**/*.test.ts"], environment: "node", testTimeout: 60_000 },
        },
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ADMIN_TOKEN: "test-admin-token", ACCESS_KEY_ENCRYPTION_KEY: "test-access-key-encryption-key-0123456789" },
                // ZBar and quirc are native code workerd cannot run: the decode harness sends them the
                // pixels through this binding, served by this (Node) process. Tests only.
                serviceBindings: { TEST_DECODERS: serveDecoders },
              },
            }),
          ],
          test: {
            name: "worker",
            include: ["test/worker/**/*.test.ts"],
            setupFiles: ["./test/worker/apply-migrations.ts"],
            testTimeout: 60_000,
          },
        },
        {
          // Pages in a real browser (Debian's Chromium through playwright-core) against `wrangler dev`.
          test: { name: "browser", include: ["test/browser/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 240_000 },
        },
        {
          // The official Alibaba Cloud SDK (@alicloud/cams20200606) in Node against `wrangler dev`.
          test: { name: "sdk", include: ["test/sdk/**/*.test.ts"], environment: "node", testTimeout: 60_000, hookTimeout: 240_000 },
        },
        {
          // README.md's quick start and walk-throughs, run as written against a fresh `npm start`.
          test: { name: "readme", include: ["test/readme/**/*.test.ts"], environment: "node", testTimeout: 120_000, hookTimeout: 600_000 },
        },
      ],
    },
  };
});
