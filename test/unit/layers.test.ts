import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers of src/, top to bottom. A module may import (at run time) from its own layer or any
 * below it, never from one above: then a create or a scan, followed as data, only ever goes down
 * and comes back with the answer. Type-only imports carry no behaviour and are not counted.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["index.ts", "app.ts"],
  ["http"],
  ["cron"],
  ["codes", "pairing", "accounts", "analytics", "webhooks"],
  ["files", "pages"],
  ["db", "auth", "objects"],
  ["qr"],
  ["lib"],
];

const SRC = resolve(__dirname, "../../src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

/** The top-level part of src/ a file belongs to: its folder, or its own name at the root. */
const partOf = (file: string) => relative(SRC, file).split("/")[0]!;
const levelOf = (part: string) => LAYERS.findIndex((layer) => layer.includes(part));

/** Run-time imports of local modules: `import { a, type B } from "./x"` counts, `import type` does not. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const found: string[] = [];
  for (const match of text.matchAll(/^(?:import|export)\s+(type\s+)?(?:\{([^}]*)\}|[\w*\s,]+?)\s+from\s+"(\.[^"]+)";/gms)) {
    if (match[1]) continue;
    const names = match[2]?.split(",").map((name) => name.trim()).filter(Boolean);
    if (names && names.length > 0 && names.every((name) => name.startsWith("type "))) continue;
    found.push(resolve(dirname(file), match[3]!));
  }
  return found;
}

describe("layers of src/", () => {
  const files = sourceFiles(SRC);

  it("places every part of src/ in a layer", () => {
    const parts = new Set(files.map(partOf));
    expect([...parts].filter((part) => levelOf(part) < 0 && part !== "env.ts")).toEqual([]);
  });

  it("never imports from a layer above", () => {
    const climbs: string[] = [];
    for (const file of files) {
      const from = levelOf(partOf(file));
      for (const target of runtimeImports(file)) {
        const to = levelOf(partOf(target));
        if (to >= 0 && from >= 0 && to < from) climbs.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(climbs).toEqual([]);
  });
});
