import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { BULK_MAX_ITEMS, writeInBulk, type BulkItem } from "../../codes/bulk";
import { checkHeader, CsvReader, rowToBody, type CsvRecord } from "../../codes/csv-import";
import type { AppEnv } from "../../env";
import { ApiError, issuesFromZod, limitBody, ValidationError } from "../errors";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { requirePermission } from "../bearer";
import { answerOnce, BULK_MAX_BYTES, bulkAnswer, BulkResultSchema, renderOutcome, summarize } from "./bulk";
import { mediaTypeOf } from "../../lib/media-type";
import { CodeBody } from "./input";
import { commonErrors, HEADERS, IDEMPOTENCY_KEY } from "./openapi";
import { idempotencyKeyFirst, writeScope } from "./write";

/**
 * POST /qr_codes/import: a CSV file of codes (a header row naming the fields, one code per row;
 * codes/csv-import.ts says which columns mean what), created as a bulk call's creates are, with one
 * JSON result per row carrying its line number. The body is parsed as it arrives, never held
 * whole: a malformed file or its 1,001st row is refused while the rest is still on the wire.
 */

type Ctx = Context<AppEnv>;

const CSV = "text/csv";

/** The rows of a CSV body, read chunk by chunk. */
async function readRows(body: ReadableStream<Uint8Array> | null): Promise<{ header: string[]; rows: CsvRecord[] }> {
  const reader = new CsvReader();
  // fatal: bytes that are not UTF-8 are a 400, not rows with U+FFFD in them.
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let header: string[] | null = null;
  const rows: CsvRecord[] = [];
  const take = (records: CsvRecord[]) => {
    for (const record of records) {
      if (header === null) header = checkHeader(record.cells);
      else if (rows.length === BULK_MAX_ITEMS) throw new ValidationError([{ field: "", message: `at most ${BULK_MAX_ITEMS} rows per import (line ${record.line} is row ${BULK_MAX_ITEMS + 1}); split the file` }]);
      else rows.push(record);
    }
  };
  const stream = body?.getReader();
  try {
    while (stream) {
      const { done, value } = await stream.read();
      if (done) break;
      take(reader.push(decodeChunk(decoder, value)));
    }
    take(reader.push(decodeChunk(decoder)));
    take(reader.end());
  } catch (err) {
    // Stop reading what will not be used (a refused body need not arrive whole).
    await stream?.cancel().catch(() => undefined);
    throw err;
  }
  if (header === null) throw new ValidationError([{ field: "", message: "The file is empty: its first row names the fields (name,type,url,…), each further row is a code" }]);
  if (rows.length === 0) throw new ValidationError([{ field: "", message: "The file has a header but no rows" }]);
  return { header, rows };
}

function decodeChunk(decoder: TextDecoder, bytes?: Uint8Array): string {
  try {
    return bytes ? decoder.decode(bytes, { stream: true }) : decoder.decode();
  } catch {
    throw new ValidationError([{ field: "", message: "The file must be UTF-8 text" }]);
  }
}

/** A row as a create, or refused with its violations (validated as POST /qr_codes validates a body). */
function toCreate(header: readonly string[], row: CsvRecord): BulkItem {
  let body: Record<string, unknown>;
  try {
    body = rowToBody(header, row);
  } catch (refused) {
    return { action: "create", refused };
  }
  const parsed = CodeBody.safeParse(body);
  return parsed.success ? { action: "create", input: parsed.data } : { action: "create", refused: new ValidationError(issuesFromZod(parsed.error)) };
}

const ImportResultSchema = BulkResultSchema.extend({ line: z.number().int().openapi({ description: "The row's line in the file (the header is line 1)", example: 2 }) }).openapi("QrCodeImportResult");

export const importRouter = newRouter();

importRouter.openapi(
  createRoute({
    method: "post",
    path: "/import",
    operationId: "importQrCodes",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Create up to 1,000 QR codes from a CSV file",
    description: [
      "`Content-Type: text/csv` (RFC 4180: comma-separated, fields with commas, quotes or line breaks quoted, quotes doubled; CRLF or LF; a UTF-8 byte order mark is skipped). The first row names the columns: `name` (required), `type` (default url) and `tags` (separated by commas); `content` as a JSON object; `appearance.<field>` and `limits.<field>` one field each (a cell that reads as JSON is JSON: `4`, `true`; otherwise text: `#0f172a`); any other column is a content field of the row's type, as text (`url`, `text`, `ssid`, …). An empty cell leaves its field out.",
      `Each row is created as POST /qr_codes would create it, on its own (per row, not all or nothing); the answer has one result per row in file order, with its line number. At most ${BULK_MAX_ITEMS} rows and ${BULK_MAX_BYTES} bytes. \`Idempotency-Key\` covers the whole file, as for the bulk call.`,
    ].join("\n\n"),
    middleware: [requirePermission("qr:WriteQrCode", "write"), idempotencyKeyFirst, limitBody(BULK_MAX_BYTES)] as const,
    parameters: [{ ...IDEMPOTENCY_KEY, description: "1 to 255 visible ASCII characters: a retry of the same import answers its first results again instead of creating the codes twice (kept 24 hours)" }],
    request: {
      body: {
        required: true,
        content: { [CSV]: { schema: z.string().openapi({ example: 'name,type,url,appearance.dotsOptionsColor\n"Table 1, terrace",url,https://example.com/menu?t=1,#0f172a\n' }) } },
      },
    },
    responses: {
      200: {
        description: "One result per row, in file order (failed ones carry their problem and line)",
        headers: { "Idempotent-Replayed": HEADERS.idempotentReplayed },
        content: { "application/json": { schema: bulkAnswer(ImportResultSchema, "QrCodeImportResponse") } },
      },
      400: problemResponse(`The file is empty, not UTF-8, its header is unusable or it has more than ${BULK_MAX_ITEMS} rows; or the Idempotency-Key is malformed`),
      413: problemResponse(`Request body larger than ${BULK_MAX_BYTES} bytes`),
      415: problemResponse(`Not ${CSV}`),
      422: problemResponse("This Idempotency-Key was already used with a different file"),
      ...commonErrors,
    },
  }),
  async (c: Ctx) => {
    if (mediaTypeOf(c.req.header("Content-Type")) !== CSV)
      throw new ApiError(415, "UNSUPPORTED_MEDIA_TYPE", `The import takes a CSV file as ${CSV} (its first row naming the fields)`);
    const { header, rows } = await readRows(c.req.raw.body);
    // What the file says, not how it was quoted: the same rows are the same import.
    const identity = JSON.stringify([header, ...rows.map((row) => row.cells)]);
    return answerOnce(c, "import", identity, async () => {
      const outcomes = await writeInBulk(writeScope(c), rows.map((row) => toCreate(header, row)), c.get("apiKey").name);
      return summarize(outcomes.map((outcome, index) => ({ line: rows[index]!.line, ...renderOutcome(c, outcome, index) })));
    }) as never;
  },
);
