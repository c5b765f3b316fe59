import { describe, expect, it } from "vitest";
import type { AiIntegration } from "../../domain/inventory.ts";
import { classifyTier } from "../../domain/tiering.ts";
import { buildVendorSummary } from "../../domain/vendor-summary.ts";
import { escapeHtml, renderVendorSummaryHtml } from "./vendor-summary-html.ts";

const asOf = "2026-11-22";
const hostile = `<script>alert("x")</script>&'`;

function integration(overrides: Partial<AiIntegration>): AiIntegration {
  return {
    id: "i1",
    vendorId: "v",
    name: "Clinical notes",
    models: [],
    processingRegions: ["EU"],
    dataClasses: ["phi"],
    domain: "healthcare",
    customerFacing: false,
    decisionCritical: false,
    trainingUse: "no",
    ...overrides,
  };
}

function html(name: string, extra: Partial<AiIntegration> = {}, website = "https://example.com") {
  const integrations = [integration(extra)];
  return renderVendorSummaryHtml(
    buildVendorSummary({
      vendor: { name, category: "other", status: "proposed", website, trustPortalUrl: "javascript:alert(1)" },
      integrations,
      tier: classifyTier({ integrations, asOf }),
      openFindings: [{ title: hostile, severity: "critical" }],
      documents: [{ kind: "dpa", title: hostile }],
      asOf,
    }),
  );
}

describe("renderVendorSummaryHtml", () => {
  it("holds every section with the vendor, tier and reasons", () => {
    const page = html("Acme AI");
    for (const text of [
      "<title>Vendor summary: Acme AI</title>",
      "Tier 3",
      "Clinical notes: sends PHI (tier 3)",
      "Clinical notes: used in the regulated healthcare domain (tier 3)",
      "What we use it for",
      "Data sent",
      "Catalogue facts",
      "No-training confirmation: MISSING",
      "Open findings (1)",
    ]) {
      expect(page).toContain(text);
    }
  });

  it("escapes every value and never links anything but http(s)", () => {
    const page = html(hostile, { name: hostile, productFeature: hostile });
    expect(page).not.toContain("<script");
    expect(page).toContain(escapeHtml(hostile));
    expect(page).not.toMatch(/href="javascript:/i);
    expect(page).toContain('href="https://example.com"');
    expect(page.match(/<a /g)).toHaveLength(1);
    expect(page).toContain("default-src 'none'");
  });

  it.each([
    ["<", "&lt;"],
    ['a"b', "a&quot;b"],
    ["it's", "it&#39;s"],
    ["&amp;", "&amp;amp;"],
  ])("escapes %j as %j", (input, output) => {
    expect(escapeHtml(input)).toBe(output);
  });
});
