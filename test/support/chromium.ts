/**
 * Debian's Chromium for the browser tests, driven by playwright-core (which never downloads a
 * browser). Without it the tests skip with a visible warning, except in CI (CI=true), where a
 * missing browser is a failure: a check that silently does not run is not a check.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === "true";

/** Whether the browser tests run here (false only outside CI without a Chromium). */
export const BROWSER_TESTS_RUN = HAVE_CHROMIUM || IN_CI;

if (!BROWSER_TESTS_RUN)
  console.warn(`\n⚠ Browser test SKIPPED: no Chromium at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH). In CI (CI=true) this is a failure.\n`);

export async function launchChromium(): Promise<Browser> {
  if (!HAVE_CHROMIUM) throw new Error(`CI=true and no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH.`);
  return chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}
