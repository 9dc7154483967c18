import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const REDOCLY = fileURLToPath(new URL("../../node_modules/@redocly/cli/bin/cli.js", import.meta.url));

interface LintProblem {
  ruleId: string;
  severity: "error" | "warn";
  message: string;
  location: { pointer?: string }[];
}

describe("openapi.json", () => {
  it("lints clean with redocly.yaml: no errors, no warnings", () => {
    // No telemetry and no update check: tests reach no network.
    const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
    const run = spawnSync(process.execPath, [REDOCLY, "lint", "openapi.json", "--config", "redocly.yaml", "--format=json"], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
    let report: { totals: { errors: number; warnings: number }; problems: LintProblem[] };
    try {
      report = JSON.parse(run.stdout);
    } catch {
      throw new Error(`redocly lint printed no report (exit ${run.status}):\n${run.stderr}`);
    }
    const lines = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer ?? "#"}: ${p.message}`);
    // Every problem in the message (a diff of the list would be cut short), one a line.
    expect(lines.length, `redocly lint openapi.json: ${report.totals.errors} errors, ${report.totals.warnings} warnings\n${lines.join("\n")}\n`).toBe(0);
  });
});
