// "1,000 creates in one call against 1,000 single creates": POST /qr_codes/bulk with 1,000 url
// codes against POST /qr_codes one code at a time, compared per code created (itemsPerRequest).
import { expectAnswer } from "./load";
import { createOrganization } from "./seed";
import type { HttpSuite } from "./cases";

const BULK_SIZE = 1000;
const BULK_CALLS = 4;
const SINGLE_CREATES = 1000;

const post = (secret: string, path: string, body: unknown) => ({
  path,
  method: "POST",
  headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
  body: JSON.stringify(body),
});

/** Distinct codes (a name and URL each), as a menu's table cards would be. */
const code = (i: number) => ({ name: `Table ${i}`, type: "url", content: { url: `https://example.com/menu?table=${i}` } });

export const bulkCreates: HttpSuite = {
  name: "bulk",
  rounds: 2,
  async prepare(worker) {
    const org = await createOrganization(worker, "bench bulk");
    return [
      {
        name: "1,000 creates in one call",
        itemsPerRequest: BULK_SIZE,
        load: {
          count: BULK_CALLS,
          concurrency: 1,
          warmUp: 1,
          request: (i) => post(org.secret, "/qr_codes/bulk", { operations: Array.from({ length: BULK_SIZE }, (_, k) => ({ action: "create", code: code(i * BULK_SIZE + k) })) }),
          check: expectAnswer(200),
        },
      },
      {
        // Sequential, as a client without the bulk call creates a list of codes.
        name: "1,000 single creates",
        baseline: "1,000 creates in one call",
        load: { count: SINGLE_CREATES, concurrency: 1, warmUp: 10, request: (i) => post(org.secret, "/qr_codes", code(-1 - i)), check: expectAnswer(201) },
      },
    ];
  },
};
