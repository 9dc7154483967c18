import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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

  // What redocly's rules cannot express, and a client generated from the document relies on.
  it("follows the HTTP conventions redocly does not check", () => {
    const doc = JSON.parse(readFileSync(`${ROOT}/openapi.json`, "utf8"));
    const resolve = (o: any): any =>
      typeof o?.$ref === "string" ? o.$ref.slice(2).split("/").reduce((at: any, key: string) => at?.[key.replaceAll("~1", "/").replaceAll("~0", "~")], doc) : o;
    const found: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const method of ["get", "put", "post", "delete", "patch", "head"]) {
        const operation = item[method];
        if (!operation) continue;
        const where = `${method.toUpperCase()} ${path}`;
        const parameters = [...(item.parameters ?? []), ...(operation.parameters ?? [])].map(resolve);
        const hasHeader = (name: string) => parameters.some((p) => p.in === "header" && p.name.toLowerCase() === name.toLowerCase());
        const responses = Object.entries<any>(operation.responses ?? {}).map(([status, response]) => [status, resolve(response)] as const);
        const descriptions = new Map<string, string>();
        for (const [status, response] of responses) {
          const headers = Object.keys(response.headers ?? {}).map((name) => name.toLowerCase());
          if (status === "304" && !hasHeader("If-None-Match")) found.push(`${where}: a 304 without an If-None-Match header parameter`);
          if (status === "304" && !headers.includes("etag")) found.push(`${where} 304: no ETag header`);
          if (status === "412" && !hasHeader("If-Match")) found.push(`${where}: a 412 without an If-Match header parameter`);
          if ((status === "200" || status === "206") && !response.content) found.push(`${where} ${status}: no content (a body without a media type or schema)`);
          for (const name of ["Retry-After", "Location", "ETag", "Expires", "Content-Disposition", "Idempotent-Replayed"]) {
            if (new RegExp(`\\b${name}\\b`).test(response.description) && !headers.includes(name.toLowerCase()))
              found.push(`${where} ${status}: says ${name} but does not declare the header`);
          }
          const twin = descriptions.get(response.description);
          if (twin) found.push(`${where} ${status}: the same description as ${twin} ("${response.description}")`);
          descriptions.set(response.description, status);
        }
      }
    }
    expect(found.length, `${found.length} findings:\n${found.join("\n")}\n`).toBe(0);
  });
});
