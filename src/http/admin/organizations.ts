import { z } from "@hono/zod-openapi";
import { activateOrganization, ANALYTICS_ROWS_PER_RUN, CODES_PER_RUN, deactivateOrganization, deleteOrganization, FILES_PER_RUN, LINKS_PER_STEP } from "../../accounts/lifecycle";
import { findOrganization, insertBrand, insertMember, insertOrganization, listBrands, listMembers, listOrganizations, setOrganizationWhatsapp } from "../../db/accounts";
import { endOrganizationSessions } from "../../auth/sessions";
import { newRouter } from "../router";
import {
  adminRoute,
  BrandSchema,
  Email,
  errorResponses,
  found,
  json,
  jsonBody,
  listOf,
  MemberSchema,
  Name,
  organizationDeleting,
  OrganizationSchema,
  OrgParams,
  requireOrganization,
} from "./schemas";

/** Organizations (created, deactivated, activated, deleted) and what hangs off them without credentials: brands and members. */
export const organizationsRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations",
      operationId: "createOrganization",
      summary: "Create an organization",
      request: { body: jsonBody(z.object({ name: Name, whatsappEnabled: z.boolean().optional() })) },
      responses: { 201: json("The organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { name, whatsappEnabled } = c.req.valid("json");
      return c.json(await insertOrganization(c.env.DB, { name, whatsappEnabled }), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations",
      operationId: "listOrganizations",
      summary: "List organizations",
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).default(50),
          // Spelled out: the generator marks a coerced number defaulting to 0 as nullable.
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0).openapi({ type: "integer", minimum: 0, maximum: 1_000_000, default: 0 }),
        }),
      },
      responses: { 200: json("A page of organizations, oldest first", listOf(OrganizationSchema, "OrganizationList")), ...errorResponses },
    }),
    async (c) => {
      const { limit, offset } = c.req.valid("query");
      return c.json({ items: await listOrganizations(c.env.DB, limit, offset) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}",
      operationId: "getOrganization",
      summary: "Get an organization",
      request: { params: OrgParams },
      responses: { 200: json("The organization", OrganizationSchema), ...errorResponses },
    }),
    // Also while it is being deleted: its status says so.
    async (c) => c.json(found(await findOrganization(c.env.DB, c.req.valid("param").orgId), "Organization"), 200),
  )
  .openapi(
    adminRoute({
      method: "patch",
      path: "/organizations/{orgId}",
      operationId: "updateOrganization",
      summary: "Enable or disable the WhatsApp product",
      request: { params: OrgParams, body: jsonBody(z.object({ whatsappEnabled: z.boolean() })) },
      responses: { 200: json("The updated organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const { whatsappEnabled } = c.req.valid("json");
      await requireOrganization(c.env.DB, orgId);
      const updated = await setOrganizationWhatsapp(c.env.DB, orgId, whatsappEnabled);
      if (!updated) await requireOrganization(c.env.DB, orgId); // deleted meanwhile: 409 (or 404)
      return c.json(found(updated, "Organization"), 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/deactivate",
      operationId: "deactivateOrganization",
      summary: "Deactivate an organization (reversible)",
      description: `Idempotent. At once: none of its credentials authenticates (bearer keys 401, users' api_keys USER_INACTIVE in produceQRCode, AccessKeys InvalidAccessKeyId.Inactive, the pairing Client-Token 401 INVALID_CLIENT_TOKEN), and its short links, hosted pages, files and message QR images answer 404, as unknown ones do. Nothing is deleted. The scan fast path's KV copies of its links are removed ${LINKS_PER_STEP} within this request and the rest ${LINKS_PER_STEP} per cron run; until then, and for up to 35 s after (KV edge and isolate caches), such a link may still redirect.`,
      request: { params: OrgParams },
      responses: { 200: json("The organization, deactivated", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const organization = found(await deactivateOrganization(c.env, orgId), "Organization");
      if (organization.status === "deleting") throw organizationDeleting(orgId);
      // Console sessions end rather than pause: activating it again must not revive a stolen cookie.
      await endOrganizationSessions(c.env.DB, orgId);
      return c.json(organization, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/activate",
      operationId: "activateOrganization",
      summary: "Activate a deactivated organization again",
      description:
        "Idempotent. Its credentials authenticate again and its links work again: the first scan of each link reads D1 and puts it back on KV (a link that was scanned while deactivated may stay 404 up to 30 s longer in the isolate that saw it).",
      request: { params: OrgParams },
      responses: { 200: json("The organization, active", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const organization = found(await activateOrganization(c.env, orgId), "Organization");
      if (organization.status === "deleting") throw organizationDeleting(orgId);
      return c.json(organization, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "delete",
      path: "/organizations/{orgId}",
      operationId: "deleteOrganization",
      summary: "Delete an organization and everything it owns",
      description: `Idempotent; cannot be undone. At once, in one transaction: its bearer keys, AccessKeys, users (with their api_keys and developer keys) and pairing Client-Token are deleted, its WhatsApp numbers unregistered, its pairing instances deleted, and it is no longer the demo organization. From then on it behaves as deactivated (every link, hosted page, file and image 404) and the answer is 202 with status "deleting". The cron then removes, a bounded page per run, the KV copies of its links (${LINKS_PER_STEP} of them already within this request), its analytics (${ANALYTICS_ROWS_PER_RUN} rows per table), its codes (${CODES_PER_RUN}) with their message QR codes, its files (${FILES_PER_RUN}, R2 objects first), its pairing instances' state, and finally the organization with its brands and members; GET then answers 404. Short tokens stay reserved forever.`,
      request: { params: OrgParams },
      responses: { 202: json("The organization, being deleted", OrganizationSchema), ...errorResponses },
    }),
    async (c) => c.json(found(await deleteOrganization(c.env, c.req.valid("param").orgId), "Organization"), 202),
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/brands",
      operationId: "createBrand",
      summary: "Create a brand (numbered per organization)",
      request: { params: OrgParams, body: jsonBody(z.object({ name: Name })) },
      responses: { 201: json("The brand", BrandSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(await insertBrand(c.env.DB, orgId, c.req.valid("json").name), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/brands",
      operationId: "listBrands",
      summary: "List an organization's brands",
      request: { params: OrgParams },
      responses: { 200: json("The brands", listOf(BrandSchema, "BrandList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listBrands(c.env.DB, orgId) }, 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/organizations/{orgId}/members",
      operationId: "createMember",
      summary: "Create a member",
      request: { params: OrgParams, body: jsonBody(z.object({ name: Name, email: Email.optional() })) },
      responses: { 201: json("The member", MemberSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json(await insertMember(c.env.DB, orgId, c.req.valid("json")), 201);
    },
  )
  .openapi(
    adminRoute({
      method: "get",
      path: "/organizations/{orgId}/members",
      operationId: "listMembers",
      summary: "List an organization's members",
      request: { params: OrgParams },
      responses: { 200: json("The members", listOf(MemberSchema, "MemberList")), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      await requireOrganization(c.env.DB, orgId);
      return c.json({ items: await listMembers(c.env.DB, orgId) }, 200);
    },
  );
