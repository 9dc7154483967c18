import { z } from "zod";

/**
 * Refusing what a client misspelled. A zod object drops keys it does not know, so a design sent
 * with `dotsOptionType` used to come back plain and 201: the typo was invisible. The objects a
 * client fills field by field (`content`, `appearance`) refuse unknown keys instead, one violation
 * each, naming the nearest known field when one is close enough to be what was meant.
 */

/**
 * Edit distance counting an adjacent swap as one edit (optimal string alignment): the typos
 * people make are a letter missing, added, changed or two letters swapped.
 */
export function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The known name `name` most likely meant, or undefined when none is close: case is ignored, and a
 * candidate may be at most a third of the name's length away (at least 2 edits), TypeScript's rule
 * for "did you mean".
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(name.length * 0.34));
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    if (Math.abs(candidate.length - name.length) > limit) continue;
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name;
}

export function unknownFieldMessage(name: string, known: readonly string[]): string {
  const suggestion = closestName(name, known);
  return suggestion === undefined ? "unknown field" : `unknown field; did you mean ${suggestion}?`;
}

/** A JSON object (not null, not an array). */
export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `schema`, refusing keys it does not declare (one violation per key, beside every other violation
 * of the object) except `ignored` ones, which are accepted and dropped: read-only fields a
 * representation adds, so that a client can send back what it read.
 */
export function refusingUnknownFields<T extends z.ZodObject>(schema: T, ignored: readonly string[] = []): z.ZodType<z.output<T>, Record<string, unknown>> {
  const known = Object.keys(schema.shape);
  const accepted = new Set([...known, ...ignored]);
  return schema
    .loose()
    .superRefine(
      (value, ctx) => {
        for (const key of Object.keys(value)) if (!accepted.has(key)) ctx.addIssue({ code: "custom", path: [key], message: unknownFieldMessage(key, known) });
      },
      // Also when a declared field failed: every violation of the object is reported at once.
      { when: (payload) => isRecord(payload.value) },
    )
    .transform((value) => Object.fromEntries(Object.entries(value).filter(([key]) => known.includes(key))) as z.output<T>);
}
