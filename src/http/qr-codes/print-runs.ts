import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bulkRequestFingerprint, replayBulk, rememberBulk } from "../../codes/bulk";
import { loadCodeLogo, renderCodeImage } from "../../codes/code-image";
import { childrenOf, createPrintRun, deletePrintRun, PRINT_RUN_MAX_CODES, PRINT_RUN_MAX_LABEL, PRINT_RUN_MAX_START, PrintRunNotFound, requirePrintRun } from "../../codes/print-runs";
import { MAX_CODE_MM, MIN_CODE_MM, pdfSheet, sheetLayout, zipStream, type SheetItem } from "../../codes/print-sheet";
import { dynamicUrl } from "../../codes/representation";
import { encodedText } from "../../codes/write-checks";
import { summarizeVisits } from "../../db/analytics-reads";
import { countPrintRunChildren, listPrintRunChildren, listPrintRuns, type PrintRunChild, type PrintRunSummary } from "../../db/print-runs";
import type { AppEnv } from "../../env";
import { contentDisposition } from "../../files/names";
import { MIN_CANVAS, type CenterImage } from "../../qr";
import { bearerKeyAuth, requirePermission } from "../bearer";
import { ApiError, limitBody } from "../errors";
import { publicBaseUrl } from "../origin";
import { problemEnvelope, problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { CodeBody, jsonBody } from "./input";
import { collectionView, commonErrors, HEADERS, IDEMPOTENCY_KEY, PartialCollectionViewSchema } from "./openapi";
import { BREAKDOWN_LIMIT, EVERY_VIOLATION, fromBeforeTo, instantParam, rangeOf, representSummary, SUMMARY_FIELDS } from "./analytics";
import { integerParam, PageParam, queryParam } from "./query";
import { idempotencyKeyFirst, writeScope } from "./write";

/**
 * `/print_runs`: N serialised children of one template code made in one call, listed, rolled up,
 * downloaded as a ZIP of images or a PDF sheet, and deleted together (codes/print-runs.ts says
 * what a run is; codes/print-sheet.ts packs the files). A resource of its own beside `/qr_codes`
 * rather than under it: `/qr_codes/print_runs/{id}` and `/qr_codes/{id}/download` would be two
 * readings of one path. It speaks the QR code resource's problem+json and JSON-LD, with its keys.
 */

type Ctx = Context<AppEnv>;

/** A run's body: the template and up to 1,000 labels of up to 64 characters (about 100 KB with the code). */
export const PRINT_RUN_MAX_BYTES = 256 * 1024;
/** Children per page of a run's listing. */
const CHILDREN_PAGE_SIZE = 100;
const RUNS_PAGE_SIZE = 30;
/**
 * What one download may draw: 1,000 codes of 600 px (360 million pixels). Measured (README, Print
 * runs) at 4 to 10 ms of CPU a 600 px code (plain or styled PNG; an SVG 3 to 5 ms, a PDF cell at
 * 40 mm 2 to 4 ms, its PNG embedded as it is), so a download stays near 10 s of CPU, inside the
 * 30 s a Workers Paid request may use; the cost grows with the pixels. A PDF is built in memory:
 * at 100 mm (1,182 px a code) the same budget is 257 codes, about 30 MB of styled images. A larger
 * run downloads in parts (`from`, `to`).
 */
export const DOWNLOAD_PIXEL_BUDGET = 1000 * 600 * 600;
const maxCodesAt = (pixels: number) => Math.min(PRINT_RUN_MAX_CODES, Math.floor(DOWNLOAD_PIXEL_BUDGET / (pixels * pixels)));
/** Pixels of a ZIP's images: enough for a poster at 300 dpi over 17 cm; more is a single download's job. */
const ZIP_MAX_SIZE = 2000;
const ZIP_DEFAULT_SIZE = 600;
const DEFAULT_MARGIN = 10;
const MAX_MARGIN = 30;
const DEFAULT_CODE_MM = 40;

const read = requirePermission("qr:ReadQrCode", "read");
const write = requirePermission("qr:WriteQrCode", "write");
const security = [{ bearerKey: [] }];
const tags = ["Print runs"];
const LD_JSON = { "Content-Type": "application/ld+json; charset=utf-8" };

const RunId = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "0193a1b2c3d4e5f6a7b8c9e0" }) });

const runNotFound = (what: string) => problemResponse(`${what}; or the print run was not found (the same answer for another organization's id)`);

/** A missing run is a 404 (this resource has no older contract that says 400, as the code's has). */
async function runOr404<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PrintRunNotFound) throw new ApiError(404, "NOT_FOUND", err.message);
    throw err;
  }
}

const PrintRunRequest = withViolationMessages(
  z
    .object({
      code: CodeBody.describe("The template every child copies: type (a dynamic one), target, appearance, limits and tags. Its name names the run, and the children's labels by default"),
      count: z.number().int().min(1).max(PRINT_RUN_MAX_CODES).optional().describe(`How many children, 1 to ${PRINT_RUN_MAX_CODES}, labelled by \`labelPattern\`; or send \`labels\` instead`),
      labelPattern: z
        .string()
        .min(1)
        .max(PRINT_RUN_MAX_LABEL)
        .optional()
        .describe("With `count`: each child's label (and name), where `{n}` is its serial number, `{n:3}` the same zero-padded to 3 digits, `{A}` / `{a}` its letters (1 → A, 27 → AA). Defaults to the code's name, a space and `{n}`"),
      start: z.number().int().min(0).max(PRINT_RUN_MAX_START).optional().describe("With `count`: the first serial number (default 1), so a second run can continue where the first ended"),
      labels: z
        .array(z.string().max(PRINT_RUN_MAX_LABEL))
        .min(1)
        .max(PRINT_RUN_MAX_CODES)
        .optional()
        .describe(`Instead of \`count\`: every child's label, in order, 1 to ${PRINT_RUN_MAX_CODES} different ones of 1 to ${PRINT_RUN_MAX_LABEL} characters`),
    })
    .superRefine((body, ctx) => {
      if ((body.count === undefined) === (body.labels === undefined)) ctx.addIssue({ code: "custom", path: ["count"], message: "send either count (with an optional labelPattern and start) or labels" });
      if (body.labels !== undefined)
        for (const field of ["labelPattern", "start"] as const) if (body[field] !== undefined) ctx.addIssue({ code: "custom", path: [field], message: "goes with count, not with labels" });
    })
    .openapi("PrintRunRequest", {
      example: { code: { name: "Table", type: "url", content: { url: "https://example.com/menu" }, appearance: { dotsOptionsType: "rounded" } }, count: 12, labelPattern: "Table {n}" },
    }),
);

const Analytics = z.object({
  scans: z.number().int().describe("Human scans of every child, summed"),
  views: z.number().int().describe("Hosted page views of every child, summed"),
});

const PrintRunSchema = z
  .object({
    "@id": z.string().openapi({ example: "/print_runs/0193a1b2c3d4e5f6a7b8c9e0" }),
    "@type": z.literal("PrintRun"),
    id: z.string(),
    name: z.string(),
    size: z.number().int().describe("How many children the run has now (a child deleted on its own leaves it)"),
    analytics: Analytics,
    createdBy: z.string().nullable(),
    createdAt: z.string().openapi({ example: "2026-12-03T08:31:00+00:00" }),
    links: z.object({ codes: z.string(), download: z.string() }),
  })
  .openapi("PrintRun");

const PrintRunCodeSchema = z
  .object({
    "@id": z.string().openapi({ example: "/qr_codes/0193a1b2c3d4e5f6a7b8c9d0" }),
    "@type": z.literal("PrintRunCode"),
    serial: z.number().int().describe("The child's position in the run, from 1"),
    label: z.string().openapi({ example: "Table 7" }),
    id: z.string().describe("The child's code id: read, change or download it as any code"),
    shortToken: z.string().nullable(),
    dynamicUrl: z.string().nullable().describe("What its image encodes"),
    analytics: Analytics.describe("This child's own counts"),
  })
  .openapi("PrintRunCode");

const CreatedRunSchema = PrintRunSchema.extend({ codes: z.array(PrintRunCodeSchema).describe("Every child, in serial order") }).openapi("PrintRunCreated");

const collection = (name: string, member: z.ZodTypeAny) =>
  z.object({ "@id": z.string(), "@type": z.literal("Collection"), totalItems: z.number().int(), member: z.array(member), view: PartialCollectionViewSchema }).openapi(name);
const PrintRunCollectionSchema = collection("PrintRunCollection", PrintRunSchema);
const PrintRunCodeCollectionSchema = collection("PrintRunCodeCollection", PrintRunCodeSchema);

const runPath = (id: string) => `/print_runs/${id}`;

function representRun(run: PrintRunSummary) {
  return {
    "@id": runPath(run.id),
    "@type": "PrintRun" as const,
    id: run.id,
    name: run.name,
    size: run.codes,
    analytics: { scans: run.scans, views: run.views },
    createdBy: run.createdBy,
    createdAt: run.createdAt,
    links: { codes: `${runPath(run.id)}/codes`, download: `${runPath(run.id)}/download` },
  };
}

function representChild(child: Pick<PrintRunChild, "serial" | "label" | "id" | "type" | "shortToken" | "scans" | "views">, base: string) {
  return {
    "@id": `/qr_codes/${child.id}`,
    "@type": "PrintRunCode" as const,
    serial: child.serial,
    label: child.label,
    id: child.id,
    shortToken: child.shortToken,
    dynamicUrl: dynamicUrl(child, base),
    analytics: { scans: child.scans, views: child.views },
  };
}

export const printRunsRouter = newRouter();

// Mounted at /print_runs (app.ts): problem+json errors and a bearer key (or console session), as /qr_codes.
printRunsRouter.use("*", async (c, next) => {
  c.set("envelope", problemEnvelope);
  await next();
});
printRunsRouter.use("*", bearerKeyAuth());

printRunsRouter.openapi(
  createRoute({
    method: "post",
    path: "/",
    operationId: "createPrintRun",
    tags,
    security,
    summary: "Make a print run: N serialised codes sharing a target and an appearance",
    description: [
      `One call makes up to ${PRINT_RUN_MAX_CODES} children of the template \`code\` (a dynamic type), each an ordinary code with its own short link and scans, named by its label (\`count\` with \`labelPattern\`, or \`labels\`). The run rolls their scans up and downloads them as one ZIP or PDF sheet.`,
      "The children copy the template when the run is made and are independent codes after: change one with PATCH /qr_codes/{id}, all of them with POST /qr_codes/bulk (the run's listing gives their ids). The call is all or nothing: a bad template or label writes nothing.",
      "`Idempotency-Key` covers the whole call: a retry with the same key and body answers the first run again (Idempotent-Replayed: true) instead of making a second one, for 24 hours; the same key with another body is a 422.",
    ].join("\n\n"),
    middleware: [write, idempotencyKeyFirst, limitBody(PRINT_RUN_MAX_BYTES), jsonBody()] as const,
    parameters: [{ ...IDEMPOTENCY_KEY, description: "1 to 255 visible ASCII characters: a retry of the same call answers the first run again instead of making a second (kept 24 hours)" }],
    request: { body: { required: true, content: { "application/json": { schema: PrintRunRequest } } } },
    responses: {
      201: {
        description: "The run and every child in serial order; Location names the run",
        headers: { Location: { description: "The run's path, `/print_runs/{id}`", schema: { type: "string" } }, "Idempotent-Replayed": HEADERS.idempotentReplayed },
        content: { "application/ld+json": { schema: CreatedRunSchema } },
      },
      400: problemResponse("The body is invalid (one violation per field: the template's under `code.`, a label's under `labels.N`), the type is static, or the Idempotency-Key is malformed"),
      413: problemResponse(`Request body larger than ${PRINT_RUN_MAX_BYTES} bytes`),
      415: problemResponse("A body that is not JSON"),
      422: problemResponse("This Idempotency-Key was already used with a different body"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const apiKey = c.get("apiKey");
    const key = c.req.header("Idempotency-Key");
    const fingerprint = key === undefined ? null : await bulkRequestFingerprint(c.env, "print_run", await c.req.text());
    if (key !== undefined) {
      const replay = await replayBulk(c.env.DB, apiKey.orgId, key, fingerprint!);
      if (replay !== null) return c.body(replay, 201, { ...LD_JSON, Location: (JSON.parse(replay) as { "@id": string })["@id"], "Idempotent-Replayed": "true" }) as never;
    }
    const spec = body.labels !== undefined ? { labels: body.labels } : { count: body.count!, pattern: body.labelPattern ?? `${body.code.name.trim()} {n}`, start: body.start ?? 1 };
    const { run, children } = await createPrintRun(writeScope(c), body.code, spec, apiKey.name);
    const base = publicBaseUrl(c);
    const answer = JSON.stringify({ ...representRun(run), codes: children.map(({ serial, label, code }) => representChild({ serial, label, ...code }, base)) });
    if (key !== undefined) await rememberBulk(c.env.DB, apiKey.orgId, key, fingerprint!, answer);
    return c.body(answer, 201, { ...LD_JSON, Location: runPath(run.id) }) as never;
  },
);

printRunsRouter.openapi(
  createRoute({
    method: "get",
    path: "/",
    operationId: "listPrintRuns",
    tags,
    security,
    summary: "List the organization's print runs",
    description: `JSON-LD collection, ${RUNS_PAGE_SIZE} per page, newest first, each run with its children's scans summed.`,
    middleware: [read] as const,
    request: { query: withViolationMessages(z.object({ page: PageParam })) },
    responses: { 200: { description: "A page of print runs", content: { "application/ld+json": { schema: PrintRunCollectionSchema } } }, 400: problemResponse("A query parameter is invalid"), ...commonErrors },
  }),
  async (c) => {
    const { page } = c.req.valid("query");
    const { items, total } = await listPrintRuns(c.env.DB, c.get("apiKey").orgId, { limit: RUNS_PAGE_SIZE, offset: (page - 1) * RUNS_PAGE_SIZE });
    return c.json({ "@id": "/print_runs", "@type": "Collection" as const, totalItems: total, member: items.map(representRun), view: collectionView(page, total, RUNS_PAGE_SIZE, (n) => `/print_runs?page=${n}`) }, 200, LD_JSON);
  },
);

printRunsRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}",
    operationId: "getPrintRun",
    tags,
    security,
    summary: "Retrieve a print run, its children's scans rolled up",
    middleware: [read] as const,
    request: { params: RunId },
    responses: { 200: { description: "The run", content: { "application/ld+json": { schema: PrintRunSchema } } }, 404: runNotFound("No such run"), ...commonErrors },
  }),
  async (c) => {
    const run = await runOr404(() => requirePrintRun(c.env.DB, c.get("apiKey").orgId, c.req.valid("param").id));
    return c.json(representRun(run), 200, LD_JSON);
  },
);

printRunsRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/codes",
    operationId: "listPrintRunCodes",
    tags,
    security,
    summary: "List a print run's children in serial order",
    description: `JSON-LD collection, ${CHILDREN_PAGE_SIZE} per page, each child with its label, short link and own scans.`,
    middleware: [read] as const,
    request: { params: RunId, query: withViolationMessages(z.object({ page: PageParam })) },
    responses: {
      200: { description: "A page of children", content: { "application/ld+json": { schema: PrintRunCodeCollectionSchema } } },
      400: problemResponse("A query parameter is invalid"),
      404: runNotFound("No such run"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { page } = c.req.valid("query");
    const run = await runOr404(() => requirePrintRun(c.env.DB, c.get("apiKey").orgId, id));
    const children = await listPrintRunChildren(c.env.DB, run.id, { afterSerial: 0, limit: CHILDREN_PAGE_SIZE, offset: (page - 1) * CHILDREN_PAGE_SIZE });
    const base = publicBaseUrl(c);
    const path = `${runPath(run.id)}/codes`;
    return c.json(
      {
        "@id": path,
        "@type": "Collection" as const,
        totalItems: run.codes,
        member: children.map((child) => representChild(child, base)),
        view: collectionView(page, run.codes, CHILDREN_PAGE_SIZE, (n) => `${path}?page=${n}`),
      },
      200,
      LD_JSON,
    );
  },
);

printRunsRouter.openapi(
  createRoute({
    method: "delete",
    path: "/{id}",
    operationId: "deletePrintRun",
    tags,
    security,
    summary: "Delete a print run and its children",
    description: "Every child is deleted as DELETE /qr_codes/{id} would: its short link stops resolving and its token is never issued again. A child changed while the run is deleted is kept, as a code of its own.",
    middleware: [write] as const,
    request: { params: RunId },
    responses: { 204: { description: "Deleted" }, 404: runNotFound("No such run"), ...commonErrors },
  }),
  async (c) => {
    await runOr404(() => deletePrintRun(writeScope(c), c.req.valid("param").id));
    return c.body(null, 204);
  },
);

const PrintRunScanSummarySchema = z
  .object({ "@context": z.string(), "@id": z.string(), "@type": z.literal("PrintRunScanSummary"), ...SUMMARY_FIELDS })
  .openapi("PrintRunScanSummary");

printRunsRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/scans",
    operationId: "getPrintRunScanSummary",
    tags,
    security,
    summary: "A print run's scans: totals and breakdowns over all its children",
    description:
      "Totals, scans per day and the breakdowns (country, device, OS, browser, referrer, …) of every child in [from, to), whole UTC days, from the daily rollups, as a code's and the organization's summaries are; `totals.unique` adds up each child's unique visitors. Each child's own count is in the run's listing. A child deleted on its own no longer counts.",
    middleware: [read] as const,
    request: { params: RunId, query: withViolationMessages(z.object({ from: instantParam("Inclusive"), to: instantParam("Exclusive") }).superRefine(fromBeforeTo, EVERY_VIOLATION)) },
    responses: {
      200: { description: "The summary", content: { "application/ld+json": { schema: PrintRunScanSummarySchema } } },
      400: problemResponse("A query parameter is invalid (one violation each)"),
      404: runNotFound("No such run"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    const run = await runOr404(() => requirePrintRun(c.env.DB, c.get("apiKey").orgId, c.req.valid("param").id));
    const range = rangeOf(query.from?.ms ?? null, query.to?.ms ?? null);
    const summary = await summarizeVisits(c.env.DB, { runId: run.id }, "scan", range, BREAKDOWN_LIMIT);
    return c.json({ "@context": "/contexts/PrintRunScanSummary", "@id": `${runPath(run.id)}/scans`, "@type": "PrintRunScanSummary" as const, ...representSummary(range, summary) } as never, 200, LD_JSON);
  },
);

const DownloadQuery = withViolationMessages(
  z.object({
    format: queryParam(z.enum(["zip-png", "zip-svg", "pdf"]).default("pdf")).describe("`pdf` (default): a sheet of labelled codes; `zip-png` / `zip-svg`: one image per child, named by serial and label, with an index.csv"),
    size: integerParam(z.number().int().min(MIN_CANVAS).max(ZIP_MAX_SIZE).optional()).describe(`ZIP only: pixels of each image, square (default ${ZIP_DEFAULT_SIZE})`),
    margin: integerParam(z.number().int().min(0).max(MAX_MARGIN).optional()).describe(`Pixels of quiet zone around each image; overrides appearance.margin (default ${DEFAULT_MARGIN})`),
    paper: queryParam(z.enum(["a4", "letter"]).default("a4")).describe("PDF only: the sheet's paper"),
    codeSize: integerParam(z.number().int().min(MIN_CODE_MM).max(MAX_CODE_MM).default(DEFAULT_CODE_MM)).describe(`PDF only: each code's printed side in millimetres, ${MIN_CODE_MM} to ${MAX_CODE_MM} (default ${DEFAULT_CODE_MM}); drawn at 300 dpi`),
    from: integerParam(z.number().int().min(1).max(PRINT_RUN_MAX_CODES).default(1)).describe("The first child (by serial, from 1) to include: a run larger than one download holds is downloaded in parts"),
    to: integerParam(z.number().int().min(1).max(PRINT_RUN_MAX_CODES).optional()).describe("The last child (by serial) to include; defaults to the last"),
  }),
);

printRunsRouter.openapi(
  createRoute({
    method: "get",
    path: "/{id}/download",
    operationId: "downloadPrintRun",
    tags,
    security,
    summary: "Download a print run as a PDF sheet or a ZIP of PNG or SVG files",
    description: [
      "`pdf`: an A4 or Letter sheet, codes in a grid at `codeSize` mm (300 dpi images), each with its label under it. `zip-png` / `zip-svg`: one image per child (`001 Table 1.png`) and `index.csv` (serial, label, file, id, dynamic_url), streamed as each code is drawn.",
      `One download draws at most ${DOWNLOAD_PIXEL_BUDGET / 1e6} million pixels: 1,000 codes at 600 px or 40 mm, fewer when larger (the 400 says how many); \`from\` and \`to\` (serials) take a run in parts.`,
      "Every image applies its child's whole appearance as it is now, as a single download does.",
    ].join("\n\n"),
    middleware: [read] as const,
    request: { params: RunId, query: DownloadQuery },
    responses: {
      200: {
        description: "The sheet or the archive, as an attachment named after the run",
        headers: { "Content-Disposition": { description: "`attachment`, named after the run", schema: { type: "string" } } },
        content: { "application/pdf": { schema: { type: "string", format: "binary" } }, "application/zip": { schema: { type: "string", format: "binary" } } },
      },
      400: problemResponse("A query parameter is invalid (one violation each), the size too small for the code, or more codes asked than one download draws at that size (on `from`, saying how many it holds)"),
      404: runNotFound("No such run"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const query = c.req.valid("query");
    const run = await runOr404(() => requirePrintRun(c.env.DB, c.get("apiKey").orgId, id));
    const pixels = query.format === "pdf" ? sheetLayout(query.paper, query.codeSize).pixels : (query.size ?? ZIP_DEFAULT_SIZE);
    const range = { from: query.from, to: query.to ?? PRINT_RUN_MAX_CODES };
    if (range.to < range.from) throw new ApiError(400, "VALIDATION_FAILED", "to: must be from or more", [{ field: "to", message: "must be from or more" }]);
    const count = await countPrintRunChildren(c.env.DB, run.id, range.from, range.to);
    const max = maxCodesAt(pixels);
    if (count > max) {
      const message = `at ${pixels} px a code, one download holds at most ${max} codes and these are ${count}: download them in parts with from and to, or smaller`;
      throw new ApiError(400, "VALIDATION_FAILED", `from: ${message}`, [{ field: "from", message }]);
    }
    const base = publicBaseUrl(c);
    const imageOptions = { format: query.format === "zip-svg" ? ("svg" as const) : ("png" as const), size: pixels, margin: query.margin ?? DEFAULT_MARGIN };
    // The children share their logo as a rule: each upload is read once per download.
    const logos = new Map<string, Promise<{ image: CenterImage | null }>>();
    const records = new Map<number, PrintRunChild>();
    async function* items(): AsyncGenerator<SheetItem> {
      for await (const child of childrenOf(c.env.DB, run.id, range)) {
        records.set(child.serial, child);
        yield { serial: child.serial, label: child.label, id: child.id, text: encodedText(child.type, child.content, dynamicUrl(child, base)) };
      }
    }
    const draw = async (item: SheetItem): Promise<Uint8Array> => {
      const child = records.get(item.serial)!;
      records.delete(item.serial);
      const logoKey = child.logoFileId ?? `builtin:${child.appearance.predefinedImage ?? ""}`;
      if (!logos.has(logoKey)) logos.set(logoKey, loadCodeLogo(c.env, child));
      return renderCodeImage(item.text, child, imageOptions, (await logos.get(logoKey)!).image, c.req.raw.signal);
    };
    const digits = Math.max(3, String(run.codes).length);
    if (query.format === "pdf") {
      const pdf = await pdfSheet(items(), sheetLayout(query.paper, query.codeSize), run.name, draw);
      return c.body(pdf as Uint8Array<ArrayBuffer>, 200, {
        "Content-Type": "application/pdf",
        "Content-Disposition": contentDisposition("attachment", `${run.name}.pdf`, `print-run-${run.id}.pdf`),
        "Cache-Control": "private, no-store",
      });
    }
    // The first child is drawn before the answer starts: a size too small for the code is then a
    // 400, not a broken archive (the children share a design, so the first speaks for the rest).
    const first = await childrenOf(c.env.DB, run.id, { ...range, pageSize: 1 }).next();
    if (!first.done) {
      const child = first.value;
      await renderCodeImage(encodedText(child.type, child.content, dynamicUrl(child, base)), child, imageOptions, (await loadCodeLogo(c.env, child)).image);
    }
    return c.body(zipStream(items(), imageOptions.format, draw, digits), 200, {
      "Content-Type": "application/zip",
      "Content-Disposition": contentDisposition("attachment", `${run.name}.zip`, `print-run-${run.id}.zip`),
      "Cache-Control": "private, no-store",
    });
  },
);
