/// <reference types="vite/client" />
// Catalogue files are read through Vite's `?raw` import so this test of a pure module needs no file system.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import regulationYaml from "../../catalog/regulation/eu-ai-act.yaml?raw";
import openaiYaml from "../../catalog/vendors/openai.yaml?raw";
import { classifyAiActRisk, parseAiActCatalog } from "./ai-act.ts";
import type { AiIntegration } from "./inventory.ts";
import { classifyTier } from "./tiering.ts";
import { parseVendorCatalogEntry } from "./vendor-catalog.ts";
import { buildVendorSummary, describeTierReason } from "./vendor-summary.ts";

const asOf = "2026-11-22";
const regulation = parseAiActCatalog(parse(regulationYaml));
const openaiEntry = parseVendorCatalogEntry(parse(openaiYaml));

const vendor = {
  name: "OpenAI",
  category: "foundation_model_provider" as const,
  status: "approved_with_conditions" as const,
  owner: "Dana Ortiz",
  website: "https://openai.com",
  headquartersCountry: "US",
  catalogSlug: "openai",
};

function integration(overrides: Partial<AiIntegration>): AiIntegration {
  return {
    id: "i",
    vendorId: "v",
    name: "x",
    models: [],
    processingRegions: [],
    ...overrides,
  };
}

const chatbot = integration({
  id: "i-chat",
  name: "Support chatbot",
  productFeature: "Help centre",
  service: "OpenAI API",
  models: [{ kind: "vendor_model", name: "gpt-4o", version: "2024-08-06" }],
  dataClasses: ["pii", "customer_data"],
  processingRegions: ["US"],
  retentionDays: 30,
  trainingUse: "no",
  customerFacing: true,
  decisionCritical: false,
  domain: "general",
  aiActUseCases: ["chatbot"],
});
const clinical = integration({
  id: "i-notes",
  name: "Clinical notes",
  productFeature: "Visit note summaries",
  service: "OpenAI API",
  dataClasses: ["phi"],
  processingRegions: ["EU", "US"],
  retentionDays: 0,
  trainingUse: "no",
  customerFacing: false,
  decisionCritical: false,
  domain: "healthcare",
});
const unknowns = integration({ id: "i-x", name: "Experiments", trainingUse: undefined });

function summaryOf(
  integrations: AiIntegration[],
  extra: Partial<Parameters<typeof buildVendorSummary>[0]> = {},
) {
  return buildVendorSummary({
    vendor,
    integrations,
    tier: classifyTier({ integrations, asOf }),
    aiAct: integrations.map((i) => classifyAiActRisk(i, { regulation, asOf })),
    asOf,
    ...extra,
  });
}

describe("buildVendorSummary", () => {
  it("says what we use the vendor for, with models, domain and AI Act class per integration", () => {
    const summary = summaryOf([chatbot, clinical]);
    expect(summary.uses.map((u) => [u.integration, u.feature, u.aiActClass])).toEqual([
      ["Clinical notes", "Visit note summaries", "minimal"],
      ["Support chatbot", "Help centre", "transparency"],
    ]);
    expect(summary.uses[1]).toMatchObject({
      models: ["gpt-4o (2024-08-06)"],
      customerFacing: "yes",
      domain: "general",
    });
    expect(summary.aiAct.highest).toBe("transparency");
    expect(summary.vendor).toMatchObject({
      category: "Foundation-model provider",
      status: "approved with conditions",
    });
  });

  it("lists the data sent, sensitive classes first, with regions, retention and training use", () => {
    const summary = summaryOf([chatbot, clinical, unknowns]);
    expect(summary.data.classes.map((c) => [c.label, c.sensitive, c.integrations])).toEqual([
      ["PHI", true, ["Clinical notes"]],
      ["Customer data", false, ["Support chatbot"]],
      ["PII", false, ["Support chatbot"]],
    ]);
    expect(summary.data.unknownIn).toEqual(["Experiments"]);
    expect(summary.data.regions).toEqual(["EU", "US", "unknown"]);
    expect(summary.data.retention).toEqual([
      "Clinical notes: not stored",
      "Experiments: unknown",
      "Support chatbot: 30 days",
    ]);
    expect(summary.data.trainingUse).toContain("Experiments: unknown");
  });

  it("gives the tier with every reason in words, its question count and review cadence", () => {
    const summary = summaryOf([chatbot, clinical]);
    expect(summary.tier).toMatchObject({
      tier: 3,
      computedTier: 3,
      override: null,
      questionCount: 40,
      reviewCadence: "every 3 months plus continuous monitoring",
      nextReviewDue: "2027-02-22",
    });
    expect(summary.tier.reasons).toEqual(
      expect.arrayContaining([
        "Clinical notes: sends PHI (tier 3)",
        "Clinical notes: used in the regulated healthcare domain (tier 3)",
        "Support chatbot: customer-facing (tier 2)",
        "Support chatbot: sends PII (tier 2)",
      ]),
    );
  });

  it("shows an override beside the computed tier", () => {
    const integrations = [chatbot];
    const tier = classifyTier({
      integrations,
      asOf,
      override: { tier: 3, justification: "Board asked for quarterly review of every chatbot vendor." },
    });
    const summary = buildVendorSummary({ vendor, integrations, tier, asOf });
    expect(summary.tier).toMatchObject({ tier: 3, computedTier: 2, override: { tier: 3 } });
    expect(summary.uses[0]?.aiActClass).toBe("not classified");
  });

  it("carries catalogue facts with their sources and as-of dates", () => {
    const summary = summaryOf([chatbot], { catalogEntry: openaiEntry });
    const training = summary.catalog?.facts.find((f) => f.label === "Trains on API data by default");
    expect(training).toEqual({
      label: "Trains on API data by default",
      value: openaiEntry.trainingOnApiData.value,
      source: openaiEntry.trainingOnApiData.source,
      asOf: openaiEntry.trainingOnApiData.asOf,
      uncertain: false,
    });
    expect(summary.catalog?.certifications.length).toBe(openaiEntry.certifications.length);
    expect(summaryOf([chatbot]).catalog).toBeNull();
  });

  it("reports required documents present, missing or expired (SOC 2 older than 12 months past its period)", () => {
    const summary = summaryOf([chatbot], {
      documents: [
        { kind: "dpa", title: "OpenAI DPA", date: "2025-06-01" },
        { kind: "soc2_report", title: "SOC 2 Type 2", date: "2025-09-30" },
        { kind: "iso27001_certificate", date: "2024-01-01", expiresOn: "2027-01-01" },
      ],
    });
    expect(summary.documents.map((d) => [d.kind, d.status])).toEqual([
      ["dpa", "present"],
      ["no_training_confirmation", "missing"],
      ["soc2_report", "expired"],
      ["iso27001_certificate", "present"],
    ]);
    expect(summary.documents.find((d) => d.kind === "soc2_report")?.detail).toMatch(/expired 2026-09-30/);
    expect(summary.documents.find((d) => d.kind === "iso27001_certificate")?.detail).toBe(
      "on file, dated 2024-01-01, valid until 2027-01-01",
    );
    expect(summary.documentGaps).toBe(2);
    const fresh = summaryOf([chatbot], { documents: [{ kind: "soc2_report", date: "2026-06-30" }] });
    expect(fresh.documents.find((d) => d.kind === "soc2_report")?.status).toBe("present");
  });

  it("counts open findings by severity and lists the worst first", () => {
    const summary = summaryOf([chatbot], {
      openFindings: [
        { title: "No model card", severity: "medium" },
        { title: "Retention contradicts DPA", severity: "critical", dueOn: "2026-12-01" },
        { title: "Vague incident answer", severity: "low" },
      ],
    });
    expect(summary.findings.items.map((f) => f.severity)).toEqual(["critical", "medium", "low"]);
    expect(summary.findings.bySeverity).toMatchObject({ critical: 1, medium: 1, low: 1, high: 0, info: 0 });
    expect(summary.findings.total).toBe(3);
  });

  it("describes a vendor with no integrations", () => {
    const summary = summaryOf([]);
    expect(summary.tier.reasons).toEqual([
      "Vendor: no integrations recorded yet, so what it receives is unknown (tier 2)",
    ]);
    expect(summary.aiAct.highest).toBe("not classified");
    expect(summary.data.regions).toEqual([]);
  });

  it.each([
    ["decision_critical_unknown", "decisionCritical", "unknown", /drives decisions is not recorded/],
    ["vendor_may_train", "trainingUse", "yes", /vendor trains on the data/],
    ["annex_iii_domain", "domain", "education", /education domain \(EU AI Act Annex III/],
    ["customer_data_class", "dataClasses", "customer_data", /: sends customer data \(tier 2\)$/],
    ["sensitive_data_class", "dataClasses", "payment_data", /: sends payment data \(tier 2\)$/],
  ] as const)("describes rule %s", (rule, attribute, value, text) => {
    expect(
      describeTierReason({ rule, attribute, value, tier: 2, integrationId: "i", integrationName: "Search" }),
    ).toMatch(text);
  });
});
