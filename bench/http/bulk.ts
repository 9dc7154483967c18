// "1,000 creates in one call against 1,000 single creates": POST /qr_codes/bulk with 1,000 url
// codes against POST /qr_codes one code at a time, compared per code created (itemsPerRequest).
// The same for updates (a merge patch each, against PATCH /qr_codes/{id}) and deletes (against
// DELETE /qr_codes/{id}), on codes the suite creates first through the bulk call.
import { expectAnswer } from "./load";
import { createOrganization } from "./seed";
import type { HttpSuite } from "./cases";
import type { LocalWorker } from "./worker";

const BULK_SIZE = 1000;
const BULK_CALLS = 4;
const BULK_WARM_UP = 1;
const SINGLE_CALLS = 1000;
const SINGLE_WARM_UP = 10;

const request = (secret: string, method: string, path: string, body?: unknown, contentType = "application/json") => ({
  path,
  method,
  headers: { Authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { "Content-Type": contentType }) },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});
const post = (secret: string, path: string, body: unknown) => request(secret, "POST", path, body);

/** Distinct codes (a name and URL each), as a menu's table cards would be. */
const code = (i: number) => ({ name: `Table ${i}`, type: "url", content: { url: `https://example.com/menu?table=${i}` } });

/** Creates `count` codes through the bulk call and returns their ids in order (a delete needs a code of its own). */
async function seedCodes(worker: LocalWorker, secret: string, count: number, first: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += BULK_SIZE) {
    const operations = Array.from({ length: Math.min(BULK_SIZE, count - start) }, (_, k) => ({ action: "create", code: code(first + start + k) }));
    const { path, ...init } = post(secret, "/qr_codes/bulk", { operations });
    const response = await fetch(worker.baseUrl + path, init);
    const answer = (await response.json()) as { failed: number; results: { id: string }[] };
    if (!response.ok || answer.failed > 0) throw new Error(`seeding ${count} codes: HTTP ${response.status}, ${answer.failed} failed`);
    ids.push(...answer.results.map((r) => r.id));
  }
  return ids;
}

export const bulkCreates: HttpSuite = {
  name: "bulk",
  rounds: 2,
  async prepare(worker) {
    const org = await createOrganization(worker, "bench bulk");
    // Updated over and over (no ifMatch: each call finds the version the one before left).
    const updated = await seedCodes(worker, org.secret, BULK_SIZE, 1_000_000);
    const bulkDeleted = await seedCodes(worker, org.secret, (BULK_CALLS + BULK_WARM_UP) * BULK_SIZE, 2_000_000);
    const singleDeleted = await seedCodes(worker, org.secret, SINGLE_CALLS + SINGLE_WARM_UP, 3_000_000);
    return [
      {
        name: "1,000 creates in one call",
        itemsPerRequest: BULK_SIZE,
        load: {
          count: BULK_CALLS,
          concurrency: 1,
          warmUp: BULK_WARM_UP,
          request: (i) => post(org.secret, "/qr_codes/bulk", { operations: Array.from({ length: BULK_SIZE }, (_, k) => ({ action: "create", code: code(i * BULK_SIZE + k) })) }),
          check: expectAnswer(200),
        },
      },
      {
        // Sequential, as a client without the bulk call creates a list of codes.
        name: "1,000 single creates",
        baseline: "1,000 creates in one call",
        load: { count: SINGLE_CALLS, concurrency: 1, warmUp: SINGLE_WARM_UP, request: (i) => post(org.secret, "/qr_codes", code(-1 - i)), check: expectAnswer(201) },
      },
      {
        name: "1,000 updates in one call",
        itemsPerRequest: BULK_SIZE,
        load: {
          count: BULK_CALLS,
          concurrency: 1,
          warmUp: BULK_WARM_UP,
          request: (i) => post(org.secret, "/qr_codes/bulk", { operations: updated.map((id, k) => ({ action: "update", id, patch: { name: `Table ${k} (call ${i})` } })) }),
          check: expectAnswer(200),
        },
      },
      {
        name: "1,000 single updates",
        baseline: "1,000 updates in one call",
        load: {
          count: SINGLE_CALLS,
          concurrency: 1,
          warmUp: SINGLE_WARM_UP,
          request: (i) => request(org.secret, "PATCH", `/qr_codes/${updated[i % BULK_SIZE]}`, { name: `Table ${i} (single)` }, "application/merge-patch+json"),
          check: expectAnswer(200),
        },
      },
      {
        name: "1,000 deletes in one call",
        itemsPerRequest: BULK_SIZE,
        load: {
          count: BULK_CALLS,
          concurrency: 1,
          warmUp: BULK_WARM_UP,
          request: (i) => post(org.secret, "/qr_codes/bulk", { operations: bulkDeleted.slice(i * BULK_SIZE, (i + 1) * BULK_SIZE).map((id) => ({ action: "delete", id })) }),
          check: expectAnswer(200),
        },
      },
      {
        name: "1,000 single deletes",
        baseline: "1,000 deletes in one call",
        load: { count: SINGLE_CALLS, concurrency: 1, warmUp: SINGLE_WARM_UP, request: (i) => request(org.secret, "DELETE", `/qr_codes/${singleDeleted[i]}`), check: expectAnswer(204) },
      },
    ];
  },
};
