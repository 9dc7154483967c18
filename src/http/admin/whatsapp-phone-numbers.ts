import { z } from "@hono/zod-openapi";
import { isUniqueViolation } from "../../db/constraints";
import { deletePhoneNumber, findPhoneNumber, insertPhoneNumber, listPhoneNumbers } from "../../db/message-qrdl";
import { ApiError } from "../errors";
import { normalizePhoneNumber } from "../../accounts/phone-numbers";
import { newRouter } from "../router";
import { adminRoute, errorResponses, Id, json, jsonBody, listOf, requireOrganization, WhatsappPhoneNumberSchema } from "./schemas";

/** WhatsApp channel phone numbers, registered to one organization each (optionally inside a customer space). */

export const PhoneNumberInput = z
  .string()
  .max(32)
  .transform((text, ctx) => {
    const phone = normalizePhoneNumber(text);
    if (phone === null) {
      ctx.addIssue({ code: "custom", input: text, message: "must be 6 to 15 digits with the country code (a leading + is allowed)" });
      return z.NEVER;
    }
    return phone;
  });

export const CustSpaceId = z.string().trim().min(1).max(64);

const PhoneParams = z.object({ orgId: Id, phoneNumber: z.string().max(32) });

export const whatsappPhoneNumbersRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/whatsapp-phone-numbers",
      operationId: "registerWhatsappPhoneNumber",
      summary: "Register a WhatsApp channel phone number to an organization",
      request: {
        params: z.object({ orgId: Id }),
        body: jsonBody(z.object({ phoneNumber: PhoneNumberInput, custSpaceId: CustSpaceId.optional() })),
      },
      responses: {
        201: json("The registered number", WhatsappPhoneNumberSchema),
        ...errorResponses,
        409: json("The number is already registered, or the organization is being deleted (ORGANIZATION_DELETING)", errorResponses[400].content["application/json"].schema),
      },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const { phoneNumber, custSpaceId } = c.req.valid("json");
      await requireOrganization(c.env.DB, orgId);
      try {
        return c.json(await insertPhoneNumber(c.env.DB, orgId, phoneNumber, custSpaceId ?? null), 201);
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        const owner = await findPhoneNumber(c.env.DB, phoneNumber);
        throw new ApiError(409, "PHONE_NUMBER_TAKEN", owner?.orgId === orgId ? "This number is already registered to this organization" : "This number is registered to another organization");
      }
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/whatsapp-phone-numbers",
      operationId: "listWhatsappPhoneNumbers",
      summary: "List an organization's WhatsApp channel phone numbers",
      request: { params: z.object({ orgId: Id }) },
      responses: { 200: json("The numbers", listOf(WhatsappPhoneNumberSchema, "WhatsappPhoneNumberList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listPhoneNumbers(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "delete",
      path: "/organizations/{orgId}/whatsapp-phone-numbers/{phoneNumber}",
      operationId: "unregisterWhatsappPhoneNumber",
      summary: "Unregister a phone number (its message QR codes keep working; new ones cannot be made)",
      request: { params: PhoneParams },
      responses: { 204: { description: "Removed" }, ...errorResponses },
    }),
    async (c) => {
      const { orgId, phoneNumber } = c.req.valid("param");
      const phone = normalizePhoneNumber(phoneNumber);
      if (phone === null || !(await deletePhoneNumber(c.env.DB, orgId, phone))) throw new ApiError(404, "NOT_FOUND", "Phone number not found");
      return c.body(null, 204);
    },
  );
