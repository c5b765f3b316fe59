import { describe, expect, it } from "vitest";
import { isAppError } from "./errors.ts";
import {
  AiIntegrationCreateSchema,
  AiIntegrationUpdateSchema,
  transitionVendorStatus,
  VENDOR_STATUS_TRANSITIONS,
  VENDOR_STATUSES,
  VendorCreateSchema,
  type VendorStatus,
  VendorUpdateSchema,
} from "./inventory.ts";

describe("vendor input", () => {
  it("accepts a complete vendor and fills defaults", () => {
    const parsed = VendorCreateSchema.parse({
      name: "  Example AI  ",
      website: "https://example.ai",
      category: "foundation_model_provider",
      headquartersCountry: "US",
      subprocessors: [{ name: "Cloud Co", purpose: "hosting", country: "IE" }],
    });
    expect(parsed.name).toBe("Example AI");
    expect(parsed.subprocessors).toHaveLength(1);
    expect(VendorCreateSchema.parse({ name: "X", category: "other" }).subprocessors).toEqual([]);
  });

  it.each([
    { name: "unknown field", input: { name: "X", category: "other", tier: 3 } },
    { name: "unknown category", input: { name: "X", category: "llm" } },
    { name: "empty name", input: { name: "   ", category: "other" } },
    { name: "name too long", input: { name: "x".repeat(201), category: "other" } },
    { name: "non-http website", input: { name: "X", category: "other", website: "javascript:alert(1)" } },
    {
      name: "country name instead of code",
      input: { name: "X", category: "other", headquartersCountry: "Germany" },
    },
    {
      name: "too many subprocessors",
      input: {
        name: "X",
        category: "other",
        subprocessors: Array.from({ length: 501 }, () => ({ name: "s" })),
      },
    },
    { name: "status set directly", input: { name: "X", category: "other", status: "approved" } },
  ])("rejects $name", ({ input }) => {
    expect(VendorCreateSchema.safeParse(input).success).toBe(false);
  });

  it("updates with a subset and rejects an empty update", () => {
    expect(VendorUpdateSchema.parse({ owner: "sec-team" })).toEqual({ owner: "sec-team" });
    expect(VendorUpdateSchema.safeParse({}).success).toBe(false);
    expect(VendorUpdateSchema.safeParse({ status: "approved" }).success).toBe(false);
  });
});

describe("integration input", () => {
  it("accepts vendor and hub models and leaves unknowns undefined", () => {
    const parsed = AiIntegrationCreateSchema.parse({
      name: "Support assistant",
      models: [
        { kind: "vendor_model", name: "gpt-4o", version: "2024-08-06" },
        { kind: "hub_model", repo: "mistralai/Mistral-7B-Instruct-v0.3", revision: "e0bc86c" },
      ],
      dataClasses: ["pii", "customer_data"],
      aiActUseCases: ["chatbot"],
    });
    expect(parsed.models).toHaveLength(2);
    expect(parsed.decisionCritical).toBeUndefined();
    expect(parsed.processingRegions).toEqual([]);
  });

  it.each([
    { name: "unknown field", input: { name: "x", vendor: "y" } },
    { name: "repeated data class", input: { name: "x", dataClasses: ["pii", "pii"] } },
    { name: "unknown data class", input: { name: "x", dataClasses: ["secrets"] } },
    { name: "negative retention", input: { name: "x", retentionDays: -1 } },
    { name: "fractional retention", input: { name: "x", retentionDays: 1.5 } },
    { name: "hub repo without owner", input: { name: "x", models: [{ kind: "hub_model", repo: "bert" }] } },
    {
      name: "model with extra field",
      input: { name: "x", models: [{ kind: "vendor_model", name: "m", size: 7 }] },
    },
    { name: "unknown use case", input: { name: "x", aiActUseCases: ["mind_reading"] } },
  ])("rejects $name", ({ input }) => {
    expect(AiIntegrationCreateSchema.safeParse(input).success).toBe(false);
  });

  it("accepts null as an explicit unknown in updates", () => {
    expect(AiIntegrationUpdateSchema.parse({ decisionCritical: null, retentionDays: null })).toEqual({
      decisionCritical: null,
      retentionDays: null,
    });
  });
});

describe("vendor status lifecycle", () => {
  const allowed: [VendorStatus, VendorStatus][] = [
    ["proposed", "in_review"],
    ["in_review", "approved"],
    ["in_review", "approved_with_conditions"],
    ["in_review", "rejected"],
    ["approved_with_conditions", "approved"],
    ["approved", "in_review"],
    ["rejected", "offboarded"],
    ["approved", "offboarded"],
  ];
  it.each(allowed)("%s → %s is allowed", (from, to) => {
    expect(transitionVendorStatus(from, to)).toBe(to);
  });

  const refused: [VendorStatus, VendorStatus][] = [
    ["proposed", "approved"],
    ["offboarded", "in_review"],
    ["rejected", "approved"],
    ["approved", "approved"],
  ];
  it.each(refused)("%s → %s is refused with CONFLICT", (from, to) => {
    try {
      transitionVendorStatus(from, to);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "CONFLICT")).toBe(true);
    }
  });

  it("makes offboarded final and reachable from every other status", () => {
    expect(VENDOR_STATUS_TRANSITIONS.offboarded).toEqual([]);
    for (const status of VENDOR_STATUSES.filter((s) => s !== "offboarded")) {
      expect(VENDOR_STATUS_TRANSITIONS[status]).toContain("offboarded");
    }
  });
});
