/// <reference types="vite/client" />
// Catalogue files are read through Vite's glob import so this test of a pure module needs no file system.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import regulationYaml from "../../catalog/regulation/eu-ai-act.yaml?raw";
import { classifyAiActRisk, parseAiActCatalog } from "./ai-act.ts";
import { calendarDaysBetween } from "./business-days.ts";
import { buildDemoCompany } from "./demo-company.ts";
import {
  AiIntegrationCreateSchema,
  transitionVendorStatus,
  VENDOR_STATUSES,
  VendorCreateSchema,
  type VendorStatus,
} from "./inventory.ts";
import { classifyTier, nextReviewDate } from "./tiering.ts";
import { parseVendorCatalog } from "./vendor-catalog.ts";

const files = import.meta.glob("../../catalog/vendors/*.yaml", {
  query: "?raw",
  import: "default",
  eager: true,
});
const catalog = parseVendorCatalog(
  Object.entries(files).map(([name, text]) => ({ name: name.replace(/^.*\//, ""), text: String(text) })),
);
const regulation = parseAiActCatalog(parse(regulationYaml));
const asOf = "2026-11-22";
const demo = buildDemoCompany(catalog, { asOf });

function tierOf(v: (typeof demo.vendors)[number]) {
  const integrations = v.integrations.map((i, n) => {
    const parsed = AiIntegrationCreateSchema.parse(i);
    return { ...parsed, id: `${v.key}-${n}` };
  });
  return classifyTier({ integrations, asOf, lastReviewedOn: v.lastReviewedOn ?? undefined });
}

describe("buildDemoCompany", () => {
  it("holds about a dozen vendors, every one and every integration valid for the inventory schemas", () => {
    expect(catalog.length).toBeGreaterThanOrEqual(11);
    expect(demo.vendors.length).toBeGreaterThanOrEqual(12);
    expect(demo.vendors.length).toBeLessThanOrEqual(15);
    for (const v of demo.vendors) {
      const vendor = VendorCreateSchema.safeParse(v.vendor);
      expect(vendor.success, `${v.key}: ${vendor.error?.message}`).toBe(true);
      expect(v.integrations.length).toBeGreaterThanOrEqual(1);
      expect(v.integrations.length).toBeLessThanOrEqual(3);
      for (const i of v.integrations) {
        const parsed = AiIntegrationCreateSchema.safeParse(i);
        expect(parsed.success, `${v.key}/${i.name}: ${parsed.error?.message}`).toBe(true);
      }
    }
  });

  it("takes every catalogue vendor from its entry and adds a labeling and an observability vendor of its own", () => {
    const slugs = demo.vendors.map((v) => v.vendor.catalogSlug).filter((s) => s !== undefined);
    expect(new Set(slugs)).toEqual(new Set(catalog.map((e) => e.slug)));
    for (const v of demo.vendors) {
      const entry = catalog.find((e) => e.slug === v.vendor.catalogSlug);
      if (entry)
        expect(v.vendor).toMatchObject({
          name: entry.name,
          website: entry.website,
          category: entry.category,
        });
    }
    const own = demo.vendors.filter((v) => v.vendor.catalogSlug === undefined).map((v) => v.vendor.category);
    expect(own).toEqual(expect.arrayContaining(["labeling", "observability"]));
  });

  it("covers all three tiers, computed by the tiering rules", () => {
    const tiers = demo.vendors.map((v) => tierOf(v).tier);
    expect(new Set(tiers)).toEqual(new Set([1, 2, 3]));
    const byKey = new Map(demo.vendors.map((v) => [v.key, tierOf(v)]));
    expect(byKey.get("cohere")?.tier).toBe(1);
    expect(byKey.get("openai")?.tier).toBe(2);
    expect(byKey.get("anthropic")?.reasons).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: "sensitive_data_class", value: "phi" })]),
    );
    expect(byKey.get("aws-bedrock")?.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(["decision_critical", "regulated_domain", "sensitive_data_class"]),
    );
  });

  it("uses unique names for vendors and for integrations", () => {
    const vendorNames = demo.vendors.map((v) => v.vendor.name.toLowerCase());
    expect(new Set(vendorNames).size).toBe(vendorNames.length);
    const integrationNames = demo.vendors.flatMap((v) => v.integrations.map((i) => i.name.toLowerCase()));
    expect(new Set(integrationNames).size).toBe(integrationNames.length);
    expect(new Set(demo.vendors.map((v) => v.key)).size).toBe(demo.vendors.length);
  });

  it("puts vendors in every status through allowed transitions", () => {
    expect(new Set(demo.vendors.map((v) => v.status))).toEqual(new Set(VENDOR_STATUSES));
    for (const v of demo.vendors) {
      let status: VendorStatus = "proposed";
      for (const next of v.statusPath) status = transitionVendorStatus(status, next);
      expect(status).toBe(v.status);
    }
  });

  it("leaves some values unknown and has reviews both due within 30 days and overdue", () => {
    const integrations = demo.vendors.flatMap((v) => v.integrations);
    expect(integrations.some((i) => i.retentionDays === null || i.retentionDays === undefined)).toBe(true);
    expect(integrations.some((i) => (i.processingRegions ?? []).length === 0)).toBe(true);
    expect(integrations.some((i) => i.trainingUse === "unknown" || i.trainingUse === undefined)).toBe(true);
    expect(integrations.some((i) => i.decisionCritical === null || i.decisionCritical === undefined)).toBe(
      true,
    );
    const dueIn = demo.vendors
      .filter((v) => v.lastReviewedOn !== null)
      .map((v) => calendarDaysBetween(asOf, nextReviewDate(tierOf(v).tier, v.lastReviewedOn ?? asOf)));
    expect(dueIn.some((d) => d >= 0 && d <= 30)).toBe(true);
    expect(dueIn.some((d) => d < 0)).toBe(true);
    expect(demo.vendors.some((v) => v.lastReviewedOn === null)).toBe(true);
  });

  it("spans the EU AI Act classes high-risk, transparency and minimal", () => {
    const classes = demo.vendors.flatMap((v) =>
      v.integrations.map((i, n) => {
        const parsed = AiIntegrationCreateSchema.parse(i);
        return classifyAiActRisk({ ...parsed, id: `${v.key}-${n}` }, { regulation, asOf }).class;
      }),
    );
    expect(classes).toEqual(expect.arrayContaining(["high_risk", "transparency", "minimal"]));
    expect(classes).not.toContain("prohibited");
  });

  it("is deterministic, and falls back to built-in vendor data when the catalogue lacks an entry", () => {
    expect(buildDemoCompany(catalog, { asOf })).toEqual(demo);
    const bare = buildDemoCompany([], { asOf });
    expect(bare.vendors.map((v) => v.vendor.name)).toHaveLength(demo.vendors.length);
    for (const v of bare.vendors) {
      expect(v.vendor.catalogSlug).toBeUndefined();
      expect(VendorCreateSchema.safeParse(v.vendor).success).toBe(true);
    }
  });
});
