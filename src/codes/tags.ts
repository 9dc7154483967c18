import { z } from "@hono/zod-openapi";

/**
 * Tags: short labels a team puts on its codes ("menu", "table 12", "spring-2027") to find them
 * again and to filter listings and exports. A tag is stored and compared in one normal form, so
 * "Menu", " menu " and "MENU" are one tag:
 *
 * - Unicode NFC, trimmed, runs of white space made one space, lower-cased;
 * - then 1 to 32 characters, each a letter, a digit, `-`, `_` or a space (any script's letters
 *   and digits: "café", "菜单" are tags);
 * - at most 10 distinct tags per code (duplicates after normalising count once); they are kept
 *   sorted, so a code's tags compare as a set and a PUT of the same ones is the same state.
 */

export const MAX_TAG_LENGTH = 32;
export const MAX_TAGS_PER_CODE = 10;
const TAG_CHARACTERS = /^[\p{L}\p{M}\p{N}_\- ]+$/u;

export const TAG_RULES = `Normalised (Unicode NFC, trimmed, inner white space one space, lower case), then 1-${MAX_TAG_LENGTH} letters, digits, '-', '_' or spaces`;

export function normalizeTag(raw: string): string {
  return raw.normalize("NFC").trim().replace(/\s+/gu, " ").toLowerCase();
}

/** Why a normalised tag is refused, or null when it is a tag. */
export function tagProblem(tag: string): string | null {
  const length = [...tag].length;
  if (length === 0) return "must not be empty";
  if (length > MAX_TAG_LENGTH) return `must be at most ${MAX_TAG_LENGTH} characters`;
  if (!TAG_CHARACTERS.test(tag)) return "may hold only letters, digits, '-', '_' and spaces";
  return null;
}

/** Distinct, sorted: the stored form of a code's tags. */
export const tagSet = (tags: readonly string[]): string[] => [...new Set(tags)].sort();

/** One tag as a request sends it; parses to its normal form. */
export const TagSchema = z
  .string()
  .transform((raw, ctx) => {
    const tag = normalizeTag(raw);
    const problem = tagProblem(tag);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
    return tag;
  })
  .openapi({ type: "string", minLength: 1, maxLength: MAX_TAG_LENGTH, description: TAG_RULES, example: "menu" });

export const TAGS_DESCRIPTION = `Labels to find the code by (?tag= on the listing and exports). ${TAG_RULES}; at most ${MAX_TAGS_PER_CODE} distinct, kept sorted.`;

/** A code's tags as a request sends them; parses to the stored form (distinct, sorted). */
export const TagsSchema = z
  .array(TagSchema)
  // Bounds the work on a hostile body before the count that matters (distinct tags) is checked.
  .max(100, `at most ${MAX_TAGS_PER_CODE} tags`)
  .transform((tags, ctx) => {
    const set = tagSet(tags);
    if (set.length > MAX_TAGS_PER_CODE) ctx.addIssue({ code: "custom", message: `at most ${MAX_TAGS_PER_CODE} tags` });
    return set;
  })
  .openapi({
    type: "array",
    maxItems: MAX_TAGS_PER_CODE,
    items: { type: "string", minLength: 1, maxLength: MAX_TAG_LENGTH },
    description: TAGS_DESCRIPTION,
    example: ["menu", "table 12"],
  });

/**
 * `?tag=` (repeatable): the codes carrying every tag named (AND), each normalised as stored, so
 * `?tag=Menu` finds "menu". Query values arrive as text, or a list when the parameter repeats.
 */
export const TagFilterParam = z
  .preprocess((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(TagSchema).max(MAX_TAGS_PER_CODE, `at most ${MAX_TAGS_PER_CODE} tags`))
  .transform(tagSet)
  .openapi({
    param: { style: "form", explode: true },
    type: "array",
    items: { type: "string" },
    description: `Only codes carrying this tag; repeat the parameter for codes carrying every one of them (AND), at most ${MAX_TAGS_PER_CODE}. Compared in normal form: ${TAG_RULES}.`,
    example: ["menu"],
  });
