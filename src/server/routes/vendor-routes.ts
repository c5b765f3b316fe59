import { z } from "@hono/zod-openapi";
import { classifyAiActRisk } from "../../domain/ai-act.ts";
import {
  AiIntegrationCreateSchema,
  AiIntegrationUpdateSchema,
  VENDOR_CATEGORIES,
  VENDOR_STATUSES,
  VendorCreateSchema,
  VendorUpdateSchema,
} from "../../domain/inventory.ts";
import { aiActCatalog, vendorCatalog, vendorCatalogEntry } from "../../store/catalog.ts";
import {
  createIntegration,
  createVendor,
  deleteIntegration,
  deleteVendor,
  getVendor,
  inventoryDashboard,
  listIntegrations,
  listVendors,
  setTierOverride,
  setVendorStatus,
  today,
  updateIntegration,
  updateVendor,
  VENDOR_SORTS,
  vendorFromCatalog,
  vendorTier,
} from "../../store/inventory.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import {
  AiActResultSchema,
  CatalogVendorSchema,
  DashboardSchema,
  IntegrationSchema,
  TierResultSchema,
  TierSchema,
  VendorSchema,
} from "../inventory-schemas.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, jsonBody, jsonResponse, problemResponses } from "../schemas.ts";

/** "1,3" or "approved,in_review" → a validated list. */
const csvList = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .max(500)
    .transform((s) =>
      s
        .split(",")
        .map((v) => v.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(values)).max(values.length))
    .optional();

const VendorListQuerySchema = z.object({
  q: z.string().max(200).optional().openapi({ description: "Search in name and owner" }),
  tier: z
    .string()
    .max(20)
    .transform((s) => s.split(",").map((v) => Number(v.trim())))
    .pipe(z.array(z.union([z.literal(1), z.literal(2), z.literal(3)])).max(3))
    .optional()
    .openapi({ description: "Comma-separated tiers, e.g. 2,3", type: "string" }),
  status: csvList(VENDOR_STATUSES).openapi({ type: "string", description: "Comma-separated statuses" }),
  category: csvList(VENDOR_CATEGORIES).openapi({ type: "string", description: "Comma-separated categories" }),
  sort: z.enum(VENDOR_SORTS).default("name"),
  direction: z.enum(["asc", "desc"]).default("asc"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

const VendorPageSchema = z
  .object({ items: z.array(VendorSchema), total: z.number().int(), nextCursor: z.string().nullable() })
  .openapi("VendorPage");
const SlugParamSchema = z.object({
  slug: z
    .string()
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
    .max(64)
    .openapi({ param: { name: "slug", in: "path" } }),
});
const StatusChangeSchema = z
  .strictObject({ status: z.enum(VENDOR_STATUSES), note: z.string().trim().max(2000).optional() })
  .openapi("VendorStatusChange");
const TierOverrideBodySchema = z
  .strictObject({
    tier: TierSchema,
    justification: z
      .string()
      .trim()
      .min(20, { error: "explain the override in at least 20 characters" })
      .max(2000),
  })
  .openapi("TierOverrideRequest");
const FromCatalogSchema = z
  .strictObject({ owner: z.string().trim().min(1).max(200).optional() })
  .openapi("VendorFromCatalog");

const routes = {
  list: defineRoute({
    method: "get",
    path: "/api/vendors",
    tags: ["vendors"],
    summary: "List vendors with search, filters, sorting and cursor paging",
    access: "read",
    request: { query: VendorListQuerySchema },
    responses: { 200: jsonResponse(VendorPageSchema, "A page of vendors"), ...problemResponses(400, 401) },
  }),
  create: defineRoute({
    method: "post",
    path: "/api/vendors",
    tags: ["vendors"],
    summary: "Add a vendor",
    access: "write",
    request: { body: jsonBody(VendorCreateSchema) },
    responses: { 201: jsonResponse(VendorSchema, "Created"), ...problemResponses(400, 401, 403, 409, 415) },
  }),
  get: defineRoute({
    method: "get",
    path: "/api/vendors/{id}",
    tags: ["vendors"],
    summary: "One vendor",
    access: "read",
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(VendorSchema, "The vendor"), ...problemResponses(400, 401, 404) },
  }),
  patch: defineRoute({
    method: "patch",
    path: "/api/vendors/{id}",
    tags: ["vendors"],
    summary: "Change a vendor's fields (status moves through POST …/status)",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(VendorUpdateSchema) },
    responses: {
      200: jsonResponse(VendorSchema, "Updated"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  remove: defineRoute({
    method: "delete",
    path: "/api/vendors/{id}",
    tags: ["vendors"],
    summary: "Delete a vendor and its integrations (offboarding keeps the history; prefer it)",
    access: "write",
    request: { params: IdParamSchema },
    responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404) },
  }),
  status: defineRoute({
    method: "post",
    path: "/api/vendors/{id}/status",
    tags: ["vendors"],
    summary:
      "Move a vendor through proposed → in review → approved / with conditions / rejected → offboarded",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(StatusChangeSchema) },
    responses: {
      200: jsonResponse(VendorSchema, "Moved"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  tier: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/tier",
    tags: ["vendors"],
    summary: "The vendor's tier with every reason, question count, review cadence and next review",
    access: "read",
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(TierResultSchema, "Tier"), ...problemResponses(400, 401, 404) },
  }),
  setOverride: defineRoute({
    method: "put",
    path: "/api/vendors/{id}/tier-override",
    tags: ["vendors"],
    summary:
      "Override the computed tier with a written justification (audit-logged; the computed tier stays visible)",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(TierOverrideBodySchema) },
    responses: {
      200: jsonResponse(TierResultSchema, "Tier with the override"),
      ...problemResponses(400, 401, 403, 404, 415),
    },
  }),
  clearOverride: defineRoute({
    method: "delete",
    path: "/api/vendors/{id}/tier-override",
    tags: ["vendors"],
    summary: "Remove a tier override",
    access: "write",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(TierResultSchema, "Tier without override"),
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  aiAct: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/ai-act",
    tags: ["vendors"],
    summary: "EU AI Act class, role and obligations of each integration, with the rules that fired",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(z.object({ asOf: z.string(), items: z.array(AiActResultSchema) }), "Per integration"),
      ...problemResponses(400, 401, 404),
    },
  }),
  integrations: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/integrations",
    tags: ["integrations"],
    summary: "The vendor's AI integrations",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(IntegrationSchema), total: z.number().int() }),
        "Integrations",
      ),
      ...problemResponses(400, 401, 404),
    },
  }),
  addIntegration: defineRoute({
    method: "post",
    path: "/api/vendors/{id}/integrations",
    tags: ["integrations"],
    summary: "Record an AI integration under the vendor (the vendor's tier is recomputed)",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(AiIntegrationCreateSchema) },
    responses: {
      201: jsonResponse(IntegrationSchema, "Created"),
      ...problemResponses(400, 401, 403, 404, 415),
    },
  }),
  patchIntegration: defineRoute({
    method: "patch",
    path: "/api/integrations/{id}",
    tags: ["integrations"],
    summary: "Change an integration (the vendor's tier is recomputed)",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(AiIntegrationUpdateSchema) },
    responses: {
      200: jsonResponse(IntegrationSchema, "Updated"),
      ...problemResponses(400, 401, 403, 404, 415),
    },
  }),
  removeIntegration: defineRoute({
    method: "delete",
    path: "/api/integrations/{id}",
    tags: ["integrations"],
    summary: "Delete an integration",
    access: "write",
    request: { params: IdParamSchema },
    responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404) },
  }),
  catalog: defineRoute({
    method: "get",
    path: "/api/catalog/vendors",
    tags: ["catalog"],
    summary: "The built-in AI vendor catalogue, every fact with its source and as-of date",
    access: "read",
    responses: {
      200: jsonResponse(z.object({ items: z.array(CatalogVendorSchema) }), "Catalogue"),
      ...problemResponses(401),
    },
  }),
  fromCatalog: defineRoute({
    method: "post",
    path: "/api/vendors/from-catalog/{slug}",
    tags: ["vendors"],
    summary: "Add a vendor pre-filled from the catalogue",
    access: "write",
    request: {
      params: SlugParamSchema,
      body: { content: { "application/json": { schema: FromCatalogSchema } }, required: false },
    },
    responses: {
      201: jsonResponse(VendorSchema, "Created"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  dashboard: defineRoute({
    method: "get",
    path: "/api/dashboard",
    tags: ["vendors"],
    summary: "Inventory tiles: vendors by tier and status, reviews due in 30 days, unreviewed vendors",
    access: "read",
    responses: { 200: jsonResponse(DashboardSchema, "Tiles"), ...problemResponses(401) },
  }),
};

export function vendorRoutes(services: Services) {
  const { db } = services;
  return newRouter()
    .openapi(routes.list, async (c) => {
      const q = c.req.valid("query");
      const page = await listVendors(db, principalOf(c).workspaceId, {
        q: q.q,
        tiers: q.tier,
        statuses: q.status,
        categories: q.category,
        sort: q.sort,
        direction: q.direction,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json(page, 200);
    })
    .openapi(routes.create, async (c) => {
      const p = principalOf(c);
      return c.json(await createVendor(db, p.workspaceId, c.req.valid("json"), p.actor), 201);
    })
    .openapi(routes.get, async (c) =>
      c.json(await getVendor(db, principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.patch, async (c) => {
      const p = principalOf(c);
      return c.json(
        await updateVendor(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        200,
      );
    })
    .openapi(routes.remove, async (c) => {
      const p = principalOf(c);
      await deleteVendor(db, p.workspaceId, c.req.valid("param").id, p.actor);
      return c.body(null, 204);
    })
    .openapi(routes.status, async (c) => {
      const p = principalOf(c);
      return c.json(
        await setVendorStatus(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        200,
      );
    })
    .openapi(routes.tier, async (c) =>
      c.json(await vendorTier(db, principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.setOverride, async (c) => {
      const p = principalOf(c);
      return c.json(
        await setTierOverride(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        200,
      );
    })
    .openapi(routes.clearOverride, async (c) => {
      const p = principalOf(c);
      return c.json(await setTierOverride(db, p.workspaceId, c.req.valid("param").id, null, p.actor), 200);
    })
    .openapi(routes.aiAct, async (c) => {
      const p = principalOf(c);
      const vendor = await getVendor(db, p.workspaceId, c.req.valid("param").id);
      const regulation = await aiActCatalog(db);
      const asOf = today();
      const generalPurposeModel =
        vendor.category === "foundation_model_provider" || vendor.category === "cloud_ai_platform";
      const items = (await listIntegrations(db, p.workspaceId, vendor.id)).map((integration) =>
        classifyAiActRisk(integration, { regulation, asOf, generalPurposeModel }),
      );
      return c.json({ asOf, items }, 200);
    })
    .openapi(routes.integrations, async (c) => {
      const p = principalOf(c);
      const vendor = await getVendor(db, p.workspaceId, c.req.valid("param").id);
      const items = await listIntegrations(db, p.workspaceId, vendor.id);
      return c.json({ items, total: items.length }, 200);
    })
    .openapi(routes.addIntegration, async (c) => {
      const p = principalOf(c);
      return c.json(
        await createIntegration(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        201,
      );
    })
    .openapi(routes.patchIntegration, async (c) => {
      const p = principalOf(c);
      return c.json(
        await updateIntegration(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        200,
      );
    })
    .openapi(routes.removeIntegration, async (c) => {
      const p = principalOf(c);
      await deleteIntegration(db, p.workspaceId, c.req.valid("param").id, p.actor);
      return c.body(null, 204);
    })
    .openapi(routes.catalog, async (c) => c.json({ items: await vendorCatalog(db) }, 200))
    .openapi(routes.fromCatalog, async (c) => {
      const p = principalOf(c);
      const entry = await vendorCatalogEntry(db, c.req.valid("param").slug);
      const body = (await c.req.json().catch(() => ({}))) as { owner?: string };
      const vendor = await createVendor(
        db,
        p.workspaceId,
        vendorFromCatalog(entry, body.owner ? { owner: body.owner } : {}),
        p.actor,
      );
      return c.json(vendor, 201);
    })
    .openapi(routes.dashboard, async (c) =>
      c.json(await inventoryDashboard(db, principalOf(c).workspaceId), 200),
    );
}
