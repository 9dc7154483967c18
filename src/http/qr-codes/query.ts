import { z } from "@hono/zod-openapi";
import { TagFilterParam } from "../../codes/tags";
import { QR_CODE_TYPES } from "../../codes/types";
import { withViolationMessages } from "../validation-messages";

/** The paging every JSON-LD collection of this family shares (the codes, their scans and page views). */
export const PAGE_SIZE = 30;
export const MAX_PAGE = 1_000_000;
const PAGE_MESSAGE = `must be a whole number from 1 to ${MAX_PAGE}`;

/** Query values are text, and a repeated parameter a list: the first one counts, as `c.req.query(name)` reads it. */
const firstValue = (value: unknown) => (Array.isArray(value) ? value[0] : value);

/** A query parameter checked by `schema` (its first value when repeated). */
export const queryParam = <T extends z.ZodType>(schema: T) => z.preprocess(firstValue, schema);

/** A query parameter holding a whole number: digits become a number, anything else stays text for `schema` to refuse. */
export const integerParam = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => {
    const text = firstValue(value);
    return typeof text === "string" && /^-?\d+$/.test(text) ? Number(text) : text;
  }, schema);

/** `?page=N`: 1 to MAX_PAGE, written as plain digits (no sign, no decimals, no exponent). */
export const PageParam = z.preprocess(
  (value) => {
    const text = firstValue(value);
    return typeof text === "string" && /^[0-9]{1,7}$/.test(text) ? Number(text) : text;
  },
  z.number({ error: PAGE_MESSAGE }).int().min(1, PAGE_MESSAGE).max(MAX_PAGE, PAGE_MESSAGE).default(1),
);

/** GET /qr_codes: which page, of which codes, in which order. */
export const ListQuery = withViolationMessages(
  z.object({
    page: PageParam,
    type: queryParam(z.enum(QR_CODE_TYPES).optional()),
    search: queryParam(z.string().max(255).optional()).describe("Part of the name (case-insensitive for ASCII)"),
    "order[createdAt]": queryParam(z.enum(["asc", "desc"]).default("desc")),
    tag: TagFilterParam,
  }),
);
export type ListParams = z.output<typeof ListQuery>;
