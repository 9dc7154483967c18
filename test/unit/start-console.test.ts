import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

// What `npm start` prints about the console (scripts/start-screen.mjs): its URL and the demo user's
// sign-in, within the screen's budget (test/unit/start.test.ts runs the whole start).
const screen = async () =>
  (await import(pathToFileURL(path.join(import.meta.dirname, "../../scripts/start-screen.mjs")).href)) as {
    credentialRows(d: unknown): string[];
    demoScreen(d: unknown, o: { base: string; paths: Set<string>; createdAt: string }): string[];
    demoEnv(d: unknown, base: string): string;
    consoleLine(base: string, email?: string): string;
  };

const BASE = "http://127.0.0.1:8787";
const DEMO = {
  created: true,
  organization: { id: "org-1", name: "Demo organization", whatsappEnabled: true },
  brand: { id: 1 },
  member: { id: "member-1" },
  user: { id: "user-1" },
  apiKey: "zak_a",
  developerKey: { id: "dk-1", allowlist: ["127.0.0.1"] },
  developerSecret: "zdk_a",
  bearerKey: { id: "bk-1", role: "read-write", actions: ["qr:ReadQrCode"] },
  bearerSecret: "zbk_a",
  whatsappPhoneNumber: { phoneNumber: "12515550156", custSpaceId: "cams-demo" },
  pairingInstance: { id: "PI" },
  pairingInstanceSecret: "zit_a",
  pairingClientTokenSecret: "zct_a",
  accessKey: { id: "EQAK" },
  accessKeySecret: "secret",
  console: { url: `${BASE}/console/`, email: "demo@example.com", password: "Xy12Xy12Xy12Xy12Xy12" },
};

describe("npm start: the console", () => {
  it("prints the console URL under the URLs and the demo user's email and password among the credentials", async () => {
    const { demoScreen, credentialRows } = await screen();
    const lines = demoScreen(DEMO, { base: BASE, paths: new Set(), createdAt: "2026-12-03T00:00:00Z" });
    expect(lines[0]).toMatch(/^ URLs /);
    expect(lines[1]).toBe(` Console      ${BASE}/console/   sign in as demo@example.com`);
    const rows = credentialRows(DEMO);
    expect(rows.length).toBeLessThanOrEqual(15);
    expect(rows.find((row) => row.includes("console sign-in"))).toContain("demo@example.com  password Xy12Xy12Xy12Xy12Xy12  (owner)");
    // Still within 30 lines of the terminal: npm's 4 header lines, the title, up to 5 step lines and a blank.
    const lastCredential = lines.findIndex((line) => line.startsWith(" admin token"));
    expect(4 + 1 + 5 + 1 + lastCredential + 1).toBeLessThanOrEqual(30);
  });

  it("saves the sign-in with the other demo credentials for the shell", async () => {
    const { demoEnv } = await screen();
    const text = demoEnv(DEMO, BASE);
    expect(text).toContain("export CONSOLE_EMAIL='demo@example.com'");
    expect(text).toContain("export CONSOLE_PASSWORD='Xy12Xy12Xy12Xy12Xy12'");
  });

  it("a later start prints the console URL, with the email when it was saved", async () => {
    const { consoleLine } = await screen();
    expect(consoleLine(BASE, "demo@example.com")).toBe(` Console      ${BASE}/console/   sign in as demo@example.com`);
    expect(consoleLine(BASE)).toBe(` Console      ${BASE}/console/`);
  });
});
