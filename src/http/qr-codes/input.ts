import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../env";
import { CONTENT_SCHEMAS } from "../../codes/content";
import { hasLimits, LimitsSchema } from "../../codes/limits";
import type { CodeInput } from "../../codes/record";
import { isDynamicType, QR_CODE_TYPES } from "../../codes/types";
import { AppearanceSchema, type Appearance } from "../../qr/appearance";
import { BUILTIN_ICON_KEYS, isBuiltinIcon } from "../../qr/icons";
import { issuesFromZod, ValidationError, type FieldIssue } from "../errors";
import { violationMessage } from "../validation-messages";

/** The request body as JSON (a 400 violation when it is not); an empty body is `whenEmpty` if given. */
export async function readJsonBody(c: Context<AppEnv>, whenEmpty?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (whenEmpty !== undefined && text.trim() === "") return whenEmpty;
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError([{ field: "", message: "The request body must be valid JSON" }]);
  }
}

const BodySchema = z.object({
  name: z
    .string()
    .max(255)
    .refine((name) => name.trim() !== "", "must not be empty"),
  type: z.enum(QR_CODE_TYPES).default("url"),
  content: z.record(z.string(), z.unknown()),
  appearance: z.record(z.string(), z.unknown()).default({}),
  limits: LimitsSchema.nullable().default(null),
});

/**
 * Validates a create or replace body, collecting every violation at once (the body's fields, the
 * type's content and the appearance are checked independently so one bad field never hides another).
 */
export function parseCodeInput(body: unknown): CodeInput {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ValidationError([{ field: "", message: "The request body must be a JSON object" }]);
  const issues: FieldIssue[] = [];
  const base = BodySchema.safeParse(body, { error: violationMessage });
  if (!base.success) issues.push(...issuesFromZod(base.error));
  const raw = body as Record<string, unknown>;

  const type = base.success ? base.data.type : QR_CODE_TYPES.find((t) => t === (raw.type ?? "url"));
  let content: Record<string, unknown> | undefined;
  if (type && typeof raw.content === "object" && raw.content !== null && !Array.isArray(raw.content)) {
    const parsed = CONTENT_SCHEMAS[type].safeParse(raw.content, { error: violationMessage });
    if (parsed.success) content = parsed.data as Record<string, unknown>;
    else issues.push(...issuesFromZod(parsed.error, "content"));
  }

  let appearance: Appearance | undefined;
  const appearanceInput = raw.appearance ?? {};
  if (typeof appearanceInput === "object" && appearanceInput !== null && !Array.isArray(appearanceInput)) {
    const parsed = AppearanceSchema.safeParse(appearanceInput, { error: violationMessage });
    if (parsed.success) {
      appearance = parsed.data;
      if (appearance.predefinedImage !== null && !isBuiltinIcon(appearance.predefinedImage))
        issues.push({ field: "appearance.predefinedImage", message: `must be one of the built-in logos: ${BUILTIN_ICON_KEYS.join(", ")}` });
    } else issues.push(...issuesFromZod(parsed.error, "appearance"));
  }

  const limits = base.success && hasLimits(base.data.limits) ? base.data.limits : null;
  if (limits && type && !isDynamicType(type)) issues.push({ field: "limits", message: `apply to dynamic codes only; a ${type} code's image holds its payload and never passes through a short link` });

  if (issues.length > 0 || !base.success || !type || !content || !appearance) throw new ValidationError(issues);
  return { name: base.data.name, type, content, appearance, limits };
}

