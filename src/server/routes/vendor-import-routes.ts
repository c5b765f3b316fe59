import { z } from "@hono/zod-openapi";
import { AppError } from "../../domain/errors.ts";
import { classifyTier } from "../../domain/tiering.ts";
import { IMPORT_FIELDS, mapImportRows, suggestColumnMapping } from "../../domain/vendor-import.ts";
import { readTable } from "../../evidence/spreadsheet/index.ts";
import { vendorCatalog } from "../../store/catalog.ts";
import { createVendorsInBulk, fillDemoWorkspace, IMPORT_MAX_BYTES, today } from "../../store/inventory.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { problemResponses } from "../schemas.ts";

const MappingSchema = z
  .partialRecord(z.enum(IMPORT_FIELDS), z.string().min(1).max(200))
  .openapi("ImportColumnMapping", {
    description: "Spreadsheet header feeding each field; omitted fields are not imported.",
  });

const ImportRequestSchema = z
  .strictObject({
    fileName: z.string().max(255).optional(),
    format: z.enum(["auto", "csv", "xlsx"]).default("auto"),
    contentBase64: z
      .string()
      .min(1)
      .max(Math.ceil((IMPORT_MAX_BYTES * 4) / 3) + 4)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: "must be base64" }),
    sheet: z.string().max(100).optional(),
    mapping: MappingSchema.optional().openapi({ description: "Omit to use the suggested mapping." }),
    dryRun: z.boolean().default(true).openapi({ description: "Preview only (the default); false imports." }),
    skipRejected: z
      .boolean()
      .default(false)
      .openapi({ description: "Import the good rows even when some are rejected." }),
  })
  .openapi("VendorImportRequest");

const RejectionSchema = z.object({
  rowNumber: z.number().int(),
  reason: z.string(),
  column: z.string().optional(),
  value: z.string().optional(),
});

const ImportResponseSchema = z
  .object({
    format: z.enum(["csv", "xlsx"]),
    sheet: z.string().optional(),
    headers: z.array(z.string()),
    suggestedMapping: MappingSchema,
    mapping: MappingSchema,
    rowCount: z.number().int(),
    vendors: z.array(
      z.object({
        rowNumbers: z.array(z.number().int()),
        name: z.string(),
        category: z.string(),
        integrations: z.number().int(),
        tier: z.number().int(),
      }),
    ),
    rejected: z.array(RejectionSchema),
    imported: z.object({ vendors: z.number().int(), integrations: z.number().int() }).nullable(),
  })
  .openapi("VendorImportResult");

const routes = {
  importVendors: defineRoute({
    method: "post",
    path: "/api/vendors/import",
    tags: ["vendors"],
    summary:
      "Import a vendor spreadsheet (CSV or XLSX): preview with column mapping, then import all rows or none",
    description:
      "Send the file base64-encoded. With dryRun (the default) nothing is written: the answer shows the mapping, the vendors that would be created with their tiers, and every rejected row with its number and reason. With dryRun false the import happens in one transaction, and is refused (422, with the rejections) while any row is rejected unless skipRejected is true.",
    access: "write",
    request: { body: { content: { "application/json": { schema: ImportRequestSchema } }, required: true } },
    responses: {
      200: {
        description: "Preview or import result",
        content: { "application/json": { schema: ImportResponseSchema } },
      },
      ...problemResponses(400, 401, 403, 409, 413, 415, 422),
    },
  }),
  demo: defineRoute({
    method: "post",
    path: "/api/demo",
    tags: ["vendors"],
    summary: "Fill an empty workspace with a realistic example company (vendors of every tier)",
    access: "admin",
    responses: {
      201: {
        description: "Created",
        content: {
          "application/json": {
            schema: z.object({
              company: z.string(),
              vendors: z.number().int(),
              integrations: z.number().int(),
            }),
          },
        },
      },
      ...problemResponses(401, 403, 409),
    },
  }),
};

export function vendorImportRoutes(services: Services) {
  const { db } = services;
  return newRouter()
    .openapi(routes.importVendors, async (c) => {
      const p = principalOf(c);
      const body = c.req.valid("json");
      const bytes = Buffer.from(body.contentBase64, "base64");
      const table = await readTable(new Uint8Array(bytes), {
        format: body.format,
        sheet: body.sheet,
        maxBytes: IMPORT_MAX_BYTES,
      });
      const suggestedMapping = suggestColumnMapping(table.headers);
      const mapping = body.mapping ?? suggestedMapping;
      const catalog = (await vendorCatalog(db)).map((e) => ({
        slug: e.slug,
        name: e.name,
        category: e.category,
        website: e.website,
      }));
      const mapped = mapImportRows(table, mapping, { catalog });
      const asOf = today();
      const preview = {
        format: table.format,
        ...(table.sheet ? { sheet: table.sheet } : {}),
        headers: [...table.headers],
        suggestedMapping,
        mapping,
        rowCount: mapped.rowCount,
        vendors: mapped.vendors.map((v) => ({
          rowNumbers: v.rowNumbers,
          name: v.vendor.name,
          category: v.vendor.category,
          integrations: v.integrations.length,
          tier: classifyTier({ integrations: v.integrations.map((i, n) => ({ ...i, id: String(n) })), asOf })
            .tier,
        })),
        rejected: mapped.rejected,
        imported: null as { vendors: number; integrations: number } | null,
      };
      if (body.dryRun) return c.json(preview, 200);
      if (mapped.rejected.length > 0 && !body.skipRejected) {
        throw new AppError(
          "IMPORT_INVALID",
          `${mapped.rejected.length} row(s) were rejected; fix them, or import with skipRejected. Nothing was imported.`,
          { details: { rejected: mapped.rejected } },
        );
      }
      if (mapped.vendors.length === 0) throw new AppError("IMPORT_INVALID", "No vendor rows to import.");
      const result = await createVendorsInBulk(
        db,
        p.workspaceId,
        mapped.vendors.map((v) => ({ vendor: v.vendor, integrations: v.integrations, status: v.status })),
        p.actor,
        "vendor.import",
      );
      preview.imported = { vendors: result.vendorIds.length, integrations: result.integrations };
      return c.json(preview, 200);
    })
    .openapi(routes.demo, async (c) => {
      const p = principalOf(c);
      return c.json(await fillDemoWorkspace(db, p.workspaceId, p.actor), 201);
    });
}
