import { createRoute, z } from "@hono/zod-openapi";
import { listTagCounts } from "../../db/tags";
import { requirePermission } from "../bearer";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { collectionView, commonErrors, PartialCollectionViewSchema } from "./openapi";
import { PageParam } from "./query";

/**
 * `GET /qr_codes/tags`: the organization's tags, each with how many of its codes carry it. Mounted
 * inside the resource router before `/{id}`, so "tags" is never read as a code id.
 */

/** Tags per page: a short list in practice, bounded all the same (10 per code x any number of codes). */
export const TAGS_PAGE_SIZE = 100;

const TagCountSchema = z.object({ tag: z.string().openapi({ example: "menu" }), codes: z.number().int().describe("How many of the organization's codes carry it") }).openapi("TagCount");

const TagCollectionSchema = z
  .object({
    "@id": z.literal("/qr_codes/tags"),
    "@type": z.literal("Collection"),
    totalItems: z.number().int().describe("How many distinct tags the organization's codes carry"),
    member: z.array(TagCountSchema),
    view: PartialCollectionViewSchema,
  })
  .openapi("TagCollection");

export const tagsRouter = newRouter();

tagsRouter.openapi(
  createRoute({
    method: "get",
    path: "/tags",
    operationId: "listQrCodeTags",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "List the organization's tags with their counts",
    description: `Every tag its codes carry, in name order, ${TAGS_PAGE_SIZE} per page, each with how many codes carry it. A tag exists while a code carries it.`,
    middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
    request: { query: withViolationMessages(z.object({ page: PageParam })) },
    responses: {
      200: { description: "A page of tags", content: { "application/ld+json": { schema: TagCollectionSchema } } },
      400: problemResponse("A query parameter is invalid"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const { page } = c.req.valid("query");
    const { items, total } = await listTagCounts(c.env.DB, c.get("apiKey").orgId, { limit: TAGS_PAGE_SIZE, offset: (page - 1) * TAGS_PAGE_SIZE });
    return c.json(
      {
        "@id": "/qr_codes/tags" as const,
        "@type": "Collection" as const,
        totalItems: total,
        member: items,
        view: collectionView(page, total, TAGS_PAGE_SIZE, (n) => `/qr_codes/tags?page=${n}`),
      },
      200,
      { "Content-Type": "application/ld+json; charset=utf-8" },
    );
  },
);
