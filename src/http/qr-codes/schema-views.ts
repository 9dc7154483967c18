import { z } from "@hono/zod-openapi";

/**
 * How one object is documented on each side of a request. A field with a default is optional in
 * what a client sends and always present in what it reads back, but zod-to-openapi writes one
 * schema for both: the field left out of `required` with a `default` keyword. openapi-typescript
 * (default options) reads a `default` in a component as "always present", so a generated client
 * then demanded every appearance field in a create. These views are derived from the validating
 * objects, field by field, so the document cannot drift from what is checked:
 *
 * - request: a defaulted field is optional, its default stated in its description (no `default`
 *   keyword for a generator to turn into "required");
 * - response: a defaulted field is required (the server always fills it in);
 * - merge patch: every field optional, and `null` (RFC 7396: remove) where a default takes over.
 *
 * Refinements are not carried over: they validate, they describe nothing a schema keyword can.
 */

type Shape = Record<string, z.ZodType>;

/** The schema under a default (or prefault) and the value it fills in, or undefined. */
function defaultOf(field: z.ZodType): { inner: z.ZodType; value: unknown } | undefined {
  const def = field.def as { type: string; innerType?: z.ZodType; defaultValue?: unknown };
  return (def.type === "default" || def.type === "prefault") && def.innerType ? { inner: def.innerType, value: def.defaultValue } : undefined;
}

const shown = (value: unknown) => `\`${typeof value === "string" ? value : JSON.stringify(value)}\``;
const sentence = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(" ");
const mapShape = (shape: Shape, map: (field: z.ZodType) => z.ZodType): Shape => Object.fromEntries(Object.entries(shape).map(([key, field]) => [key, map(field)]));

export function requestField(field: z.ZodType): z.ZodType {
  const defaulted = defaultOf(field);
  if (!defaulted) return field;
  return defaulted.inner.optional().describe(sentence(field.description ?? defaulted.inner.description, `Defaults to ${shown(defaulted.value)}.`));
}

export function responseField(field: z.ZodType): z.ZodType {
  const defaulted = defaultOf(field);
  if (!defaulted) return field;
  const description = field.description ?? defaulted.inner.description;
  return description ? defaulted.inner.describe(description) : defaulted.inner;
}

export function mergePatchField(field: z.ZodType): z.ZodType {
  const defaulted = defaultOf(field);
  if (!defaulted) return field.optional();
  return defaulted.inner
    .nullable()
    .optional()
    .describe(sentence(field.description ?? defaulted.inner.description, `\`null\` puts back the default, ${shown(defaulted.value)}.`));
}

export const requestShape = (shape: Shape) => mapShape(shape, requestField);
export const responseShape = (shape: Shape) => mapShape(shape, responseField);
export const mergePatchShape = (shape: Shape) => mapShape(shape, mergePatchField);
