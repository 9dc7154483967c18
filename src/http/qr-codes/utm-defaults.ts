import { createRoute, z } from "@hono/zod-openapi";
import { hasUtm, NO_UTM, UtmSchema } from "../../codes/smart-links";
import { findUtmDefaults, setUtmDefaults } from "../../db/utm-defaults";
import { requirePermission } from "../bearer";
import { issuesFromZod, ValidationError } from "../errors";
import { problemResponse } from "../problem";
import { newRouter } from "../router";
import { withViolationMessages } from "../validation-messages";
import { jsonBody, notAnObject, UtmInputSchema, UtmOutputSchema } from "./input";
import { commonErrors } from "./openapi";
import { refusingUnknownFields } from "./unknown-fields";

/**
 * `/qr_codes/utm_defaults`: the organization's UTM parameters for codes that do not set their own.
 * A dynamic code created or replaced without `utm` gets a copy of them (shown on the code, so what
 * a scan gets is always on the code itself); `utm: null` opts out. Changing them leaves existing
 * codes as they are. Mounted before `/{id}`.
 */

const UtmDefaultsBody = withViolationMessages(refusingUnknownFields(UtmSchema));
const UtmDefaultsSchema = z.object({ "@id": z.literal("/qr_codes/utm_defaults"), utm: UtmOutputSchema }).openapi("UtmDefaults");

const represent = (utm: z.output<typeof UtmSchema> | null) => ({ "@id": "/qr_codes/utm_defaults" as const, utm: utm ?? NO_UTM });

export const utmDefaultsRouter = newRouter();

utmDefaultsRouter.openapi(
  createRoute({
    method: "get",
    path: "/utm_defaults",
    operationId: "getUtmDefaults",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "The organization's UTM defaults",
    description: "The UTM parameters a dynamic code created or replaced without `utm` gets (every field null: none).",
    middleware: [requirePermission("qr:ReadQrCode", "read")] as const,
    responses: { 200: { description: "The defaults", content: { "application/json": { schema: UtmDefaultsSchema } } }, ...commonErrors },
  }),
  async (c) => c.json(represent(await findUtmDefaults(c.env.DB, c.get("apiKey").orgId)), 200),
);

utmDefaultsRouter.openapi(
  createRoute({
    method: "put",
    path: "/utm_defaults",
    operationId: "setUtmDefaults",
    tags: ["QR codes"],
    security: [{ bearerKey: [] }],
    summary: "Set the organization's UTM defaults",
    description:
      "Replaces the defaults (fields left out or null: none). They apply to codes created or replaced from now on without their own `utm`; existing codes keep theirs (PATCH a code's `utm` to change it).",
    middleware: [requirePermission("qr:WriteQrCode", "write"), jsonBody()] as const,
    request: { body: { required: true, content: { "application/json": { schema: UtmInputSchema } } } },
    responses: {
      200: { description: "The defaults as stored", content: { "application/json": { schema: UtmDefaultsSchema } } },
      400: problemResponse("The body is invalid; `violations` names each field"),
      ...commonErrors,
    },
  }),
  async (c) => {
    const parsed = UtmDefaultsBody.safeParse(await c.req.json(), { error: notAnObject });
    if (!parsed.success) throw new ValidationError(issuesFromZod(parsed.error));
    const utm = hasUtm(parsed.data) ? parsed.data : null;
    await setUtmDefaults(c.env.DB, c.get("apiKey").orgId, utm);
    return c.json(represent(utm), 200);
  },
);
