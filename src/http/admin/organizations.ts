import { z } from "@hono/zod-openapi";
import { insertBrand, insertMember, insertOrganization, listBrands, listMembers, listOrganizations, setOrganizationWhatsapp } from "../../db/accounts";
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
  OrganizationSchema,
  OrgParams,
  requireOrganization,
} from "./schemas";

/** Organizations and what hangs off them without credentials: brands and members. */
export const organizationsRouter = newRouter()
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations",
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
      path: "/admin/organizations",
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
      path: "/admin/organizations/{orgId}",
      summary: "Get an organization",
      request: { params: OrgParams },
      responses: { 200: json("The organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => c.json(await requireOrganization(c.env.DB, c.req.valid("param").orgId), 200),
  )
  .openapi(
    adminRoute({
      method: "patch",
      path: "/admin/organizations/{orgId}",
      summary: "Enable or disable the WhatsApp product",
      request: { params: OrgParams, body: jsonBody(z.object({ whatsappEnabled: z.boolean() })) },
      responses: { 200: json("The updated organization", OrganizationSchema), ...errorResponses },
    }),
    async (c) => {
      const { orgId } = c.req.valid("param");
      const { whatsappEnabled } = c.req.valid("json");
      return c.json(found(await setOrganizationWhatsapp(c.env.DB, orgId, whatsappEnabled), "Organization"), 200);
    },
  )
  .openapi(
    adminRoute({
      method: "post",
      path: "/admin/organizations/{orgId}/brands",
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
      path: "/admin/organizations/{orgId}/brands",
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
      path: "/admin/organizations/{orgId}/members",
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
      path: "/admin/organizations/{orgId}/members",
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
