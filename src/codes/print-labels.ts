import { InvalidInput } from "../lib/invalid-input";

/**
 * A print run's labels (print-runs.ts): each child's, from a pattern numbered from a start or
 * from a list, checked so that every child can be told apart on a sheet and in a ZIP. Pure: no D1,
 * no Worker bindings.
 */

/** Serial numbers start at any value up to this (a second run can continue where the first ended). */
export const PRINT_RUN_MAX_START = 1_000_000;
/** A label is printed under its code: longer than this would not fit under a 2 cm code anyway. */
export const PRINT_RUN_MAX_LABEL = 64;
/** How the children are labelled: a pattern numbered from `start`, or every label given. */
export type LabelSpec = { count: number; pattern: string; start: number } | { labels: readonly string[] };

/** 1 → A, 26 → Z, 27 → AA (as spreadsheet columns): flyer batch A..Z, then AA.. */
export function letters(n: number): string {
  let out = "";
  for (let k = n; k > 0; k = Math.floor((k - 1) / 26)) out = String.fromCharCode(65 + ((k - 1) % 26)) + out;
  return out;
}

const PLACEHOLDER = /\{(n(?::([1-9]))?|A|a)\}/g;

/** The pattern with `{n}` (the serial), `{n:3}` (zero-padded to 3 digits), `{A}` / `{a}` (as letters) replaced. */
export function labelOf(pattern: string, serial: number): string {
  return pattern.replace(PLACEHOLDER, (_, token: string, width: string | undefined) =>
    token === "A" ? letters(serial) : token === "a" ? letters(serial).toLowerCase() : String(serial).padStart(width ? Number(width) : 0, "0"),
  );
}

/** The labels a spec makes, checked: 1 to 64 characters after trimming, all different (they name files and sheets). */
export function labelsOf(spec: LabelSpec): string[] {
  if ("labels" in spec) {
    const labels = spec.labels.map((label) => label.trim());
    const issues = labels.flatMap((label, i) =>
      label === "" ? [{ field: `labels.${i}`, message: "must not be empty" }] : label.length > PRINT_RUN_MAX_LABEL ? [{ field: `labels.${i}`, message: `must be at most ${PRINT_RUN_MAX_LABEL} characters` }] : [],
    );
    const seen = new Map<string, number>();
    for (const [i, label] of labels.entries()) {
      const first = seen.get(label);
      if (first !== undefined) issues.push({ field: `labels.${i}`, message: `repeats labels.${first} ("${label}"): every child needs its own label` });
      else seen.set(label, i);
    }
    if (issues.length > 0) throw new InvalidInput(issues);
    return labels;
  }
  const { count, pattern, start } = spec;
  if (count > 1 && !new RegExp(PLACEHOLDER.source).test(pattern))
    throw new InvalidInput([{ field: "labelPattern", message: "must contain {n}, {n:3}, {A} or {a}: every child needs its own label" }]);
  const labels = Array.from({ length: count }, (_, i) => labelOf(pattern, start + i).trim());
  const tooLong = labels.findIndex((label) => label.length > PRINT_RUN_MAX_LABEL);
  if (tooLong >= 0) throw new InvalidInput([{ field: "labelPattern", message: `makes "${labels[tooLong]!.slice(0, 80)}", longer than ${PRINT_RUN_MAX_LABEL} characters` }]);
  if (labels.some((label) => label === "")) throw new InvalidInput([{ field: "labelPattern", message: "must not make an empty label" }]);
  return labels;
}
