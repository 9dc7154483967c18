// The console's build: Preact through Vite, served by the Worker at /console/ from Workers Static
// Assets (console/dist is the assets directory; console/dist/console/… answers /console/…).
import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: here,
  base: "/console/",
  plugins: [preact({ prerender: { enabled: false } })],
  build: {
    outDir: fileURLToPath(new URL("./dist/console", import.meta.url)),
    emptyOutDir: true,
    // The CSP allows scripts from 'self' only: no inline polyfill, no eval-based source maps.
    modulePreload: { polyfill: false },
    sourcemap: false,
    target: "es2022", // syntax; String.prototype.isWellFormed (src/qr) is in every browser the console supports
  },
});
