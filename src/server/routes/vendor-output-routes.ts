import { z } from "@hono/zod-openapi";
import { type AiActResult, classifyAiActRisk } from "../../domain/ai-act.ts";
import { buildCompanyDataFlowDot, buildVendorDataFlowDot } from "../../domain/data-flow.ts";
import { buildVendorSummary, type VendorSummary } from "../../domain/vendor-summary.ts";
import { aiActCatalog, vendorCatalog } from "../../store/catalog.ts";
import { getVendor, listAllForDiagram, listIntegrations, today, vendorTier } from "../../store/inventory.ts";
import { vendorEvidenceForSummary } from "../../store/vendor-evidence.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { renderSvg } from "../render/diagram.ts";
import { renderVendorSummaryPdf } from "../render/vendor-summary-pdf.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, problemResponses } from "../schemas.ts";

const YesNoUnknown = z.enum(["yes", "no", "unknown"]);
const FactSchema = z.object({
  label: z.string(),
  value: z.string(),
  source: z.string().nullable(),
  asOf: z.string(),
  uncertain: z.boolean(),
});

export const VendorSummarySchema = z
  .object({
    asOf: z.string(),
    vendor: z.object({
      name: z.string(),
      category: z.string(),
      status: z.string(),
      owner: z.string(),
      website: z.string().nullable(),
      trustPortalUrl: z.string().nullable(),
      headquartersCountry: z.string(),
    }),
    uses: z.array(
      z.object({
        integration: z.string(),
        feature: z.string(),
        service: z.string(),
        models: z.array(z.string()),
        customerFacing: YesNoUnknown,
        decisionCritical: YesNoUnknown,
        domain: z.string(),
        aiActClass: z.string(),
        aiActRole: z.string(),
        aiActBasis: z.array(z.string()),
      }),
    ),
    data: z.object({
      classes: z.array(
        z.object({
          dataClass: z.string(),
          label: z.string(),
          sensitive: z.boolean(),
          integrations: z.array(z.string()),
        }),
      ),
      unknownIn: z.array(z.string()),
      regions: z.array(z.string()),
      retention: z.array(z.string()),
      trainingUse: z.array(z.string()),
    }),
    tier: z.object({
      tier: z.number().int(),
      computedTier: z.number().int(),
      override: z.object({ tier: z.number().int(), justification: z.string() }).nullable(),
      reasons: z.array(z.string()),
      questionCount: z.number().int(),
      reviewCadence: z.string(),
      nextReviewDue: z.string(),
    }),
    aiAct: z.object({ highest: z.string() }),
    catalog: z
      .object({ slug: z.string(), facts: z.array(FactSchema), certifications: z.array(FactSchema) })
      .nullable(),
    documents: z.array(
      z.object({
        kind: z.string(),
        label: z.string(),
        required: z.boolean(),
        status: z.enum(["present", "missing", "expired"]),
        detail: z.string(),
      }),
    ),
    documentGaps: z.number().int(),
    findings: z.object({
      total: z.number().int(),
      bySeverity: z.record(z.string(), z.number().int()),
      items: z.array(z.object({ title: z.string(), severity: z.string(), dueOn: z.string().optional() })),
    }),
  })
  .openapi("VendorSummary");

const svg = { description: "SVG", content: { "image/svg+xml": { schema: z.string() } } };

const routes = {
  summary: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/summary",
    tags: ["vendors"],
    summary:
      "One-page vendor summary: uses, data sent, tier and reasons, catalogue facts, documents, open findings",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: { description: "Summary", content: { "application/json": { schema: VendorSummarySchema } } },
      ...problemResponses(400, 401, 404),
    },
  }),
  summaryPdf: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/summary.pdf",
    tags: ["vendors"],
    summary: "The one-page vendor summary as a PDF download",
    access: "export",
    request: { params: IdParamSchema },
    responses: {
      200: {
        description: "PDF",
        content: { "application/pdf": { schema: z.string().openapi({ format: "binary" }) } },
      },
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  vendorDiagram: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/diagram.svg",
    tags: ["vendors"],
    summary: "Data-flow diagram of the vendor: our feature → data classes → vendor service → region",
    access: "read",
    request: { params: IdParamSchema },
    responses: { 200: svg, ...problemResponses(400, 401, 404) },
  }),
  companyDiagram: defineRoute({
    method: "get",
    path: "/api/diagram.svg",
    tags: ["vendors"],
    summary: "Data-flow diagram of the whole company across all vendors in use",
    access: "read",
    responses: { 200: svg, ...problemResponses(401) },
  }),
};

const SVG_HEADERS = {
  "content-type": "image/svg+xml; charset=utf-8",
  // The SVG is cleaned of scripts by the renderer; this stops a browser from running any anyway.
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  "cache-control": "no-cache",
};

export function vendorOutputRoutes(services: Services) {
  const { db } = services;

  async function summaryOf(workspaceId: string, vendorId: string): Promise<VendorSummary> {
    const vendor = await getVendor(db, workspaceId, vendorId);
    const integrations = await listIntegrations(db, workspaceId, vendorId);
    const asOf = today();
    const regulation = await aiActCatalog(db);
    const generalPurposeModel =
      vendor.category === "foundation_model_provider" || vendor.category === "cloud_ai_platform";
    const aiAct: AiActResult[] = integrations.map((i) =>
      classifyAiActRisk(i, { regulation, asOf, generalPurposeModel }),
    );
    const catalogEntry = vendor.catalogSlug
      ? (await vendorCatalog(db)).find((e) => e.slug === vendor.catalogSlug)
      : undefined;
    return buildVendorSummary({
      vendor,
      integrations,
      tier: await vendorTier(db, workspaceId, vendorId, asOf),
      aiAct,
      catalogEntry,
      ...(await vendorEvidenceForSummary(db, workspaceId, vendorId)),
      asOf,
    });
  }

  return newRouter()
    .openapi(routes.summary, async (c) =>
      c.json(await summaryOf(principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.summaryPdf, async (c) => {
      const summary = await summaryOf(principalOf(c).workspaceId, c.req.valid("param").id);
      const pdf = await renderVendorSummaryPdf(summary);
      const file = `${summary.vendor.name.replace(/[^\w.-]+/g, "-").replace(/^-+|-+$/g, "") || "vendor"}-summary.pdf`;
      return c.body(new Uint8Array(pdf), 200, {
        "content-type": "application/pdf",
        "content-disposition": `attachment; filename="${file}"`,
      }) as never;
    })
    .openapi(routes.vendorDiagram, async (c) => {
      const p = principalOf(c);
      const vendor = await getVendor(db, p.workspaceId, c.req.valid("param").id);
      const integrations = await listIntegrations(db, p.workspaceId, vendor.id);
      const body = await renderSvg(buildVendorDataFlowDot(vendor, integrations));
      return c.body(body, 200, SVG_HEADERS) as never;
    })
    .openapi(routes.companyDiagram, async (c) => {
      const { vendors, integrations } = await listAllForDiagram(db, principalOf(c).workspaceId);
      const body = await renderSvg(
        buildCompanyDataFlowDot(vendors, integrations, { title: "AI data flows" }),
      );
      return c.body(body, 200, SVG_HEADERS) as never;
    });
}
