import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import checkedIn from "../../openapi.json";

/** JSON pointers where `a` and `b` differ, the first `limit` of them (an object's keys in order). */
function differences(a: unknown, b: unknown, pointer = "", found: string[] = [], limit = 20): string[] {
  if (found.length >= limit || Object.is(a, b)) return found;
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) {
    found.push(pointer || "/");
    return found;
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    differences(a[key], b[key], `${pointer}/${key.replaceAll("~", "~0").replaceAll("/", "~1")}`, found, limit);
  }
  return found;
}

describe("openapi.json", () => {
  it("is the document the Worker serves at /openapi.json", async () => {
    const res = await exports.default.fetch(new Request("https://qr.test/openapi.json"));
    expect(res.status).toBe(200);
    const served = await res.json();
    const stale = differences(served, checkedIn);
    expect(stale, "openapi.json differs from what the Worker serves at these pointers: run npm run openapi").toEqual([]);
    // The pointers say where; the deep equality is the proof.
    expect(served, "openapi.json is stale: run npm run openapi").toEqual(checkedIn);
  });
});
