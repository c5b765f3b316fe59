import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "./errors.ts";
import { DATA_CLASSES, INTEGRATION_DOMAINS, TRAINING_USE } from "./inventory.ts";
import { classifyTier, type TieringIntegration, type TierRule } from "./tiering.ts";

/** An integration that fires no rule: internal, non-sensitive, known in every attribute. */
function buildIntegration(overrides: Partial<TieringIntegration> = {}): TieringIntegration {
  return {
    id: "int-1",
    name: "Release-note summaries",
    decisionCritical: false,
    domain: "general",
    dataClasses: ["internal"],
    customerFacing: false,
    trainingUse: "no",
    ...overrides,
  };
}

const asOf = "2026-11-22";

describe("classifyTier rules", () => {
  const cases: { name: string; change: Partial<TieringIntegration>; tier: 1 | 2 | 3; rules: TierRule[] }[] = [
    { name: "internal, known, low", change: {}, tier: 1, rules: [] },
    { name: "public data only", change: { dataClasses: ["public"] }, tier: 1, rules: [] },
    { name: "decision-critical", change: { decisionCritical: true }, tier: 3, rules: ["decision_critical"] },
    {
      name: "decision-critical unknown",
      change: { decisionCritical: null },
      tier: 3,
      rules: ["decision_critical_unknown"],
    },
    {
      name: "decision-critical missing",
      change: { decisionCritical: undefined },
      tier: 3,
      rules: ["decision_critical_unknown"],
    },
    { name: "healthcare", change: { domain: "healthcare" }, tier: 3, rules: ["regulated_domain"] },
    { name: "finance/credit", change: { domain: "finance_credit" }, tier: 3, rules: ["regulated_domain"] },
    { name: "insurance", change: { domain: "insurance" }, tier: 3, rules: ["regulated_domain"] },
    { name: "employment", change: { domain: "employment" }, tier: 3, rules: ["regulated_domain"] },
    { name: "legal", change: { domain: "legal" }, tier: 3, rules: ["regulated_domain"] },
    {
      name: "critical infrastructure",
      change: { domain: "critical_infrastructure" },
      tier: 3,
      rules: ["regulated_domain"],
    },
    { name: "law enforcement", change: { domain: "law_enforcement" }, tier: 3, rules: ["regulated_domain"] },
    { name: "biometrics domain", change: { domain: "biometrics" }, tier: 3, rules: ["regulated_domain"] },
    { name: "domain unknown", change: { domain: undefined }, tier: 3, rules: ["domain_unknown"] },
    { name: "education", change: { domain: "education" }, tier: 2, rules: ["annex_iii_domain"] },
    { name: "other domain", change: { domain: "other" }, tier: 1, rules: [] },
    { name: "PHI", change: { dataClasses: ["internal", "phi"] }, tier: 3, rules: ["sensitive_data_class"] },
    {
      name: "payment data",
      change: { dataClasses: ["payment_data"] },
      tier: 3,
      rules: ["sensitive_data_class"],
    },
    {
      name: "biometric data",
      change: { dataClasses: ["biometric"] },
      tier: 3,
      rules: ["sensitive_data_class"],
    },
    {
      name: "credentials",
      change: { dataClasses: ["credentials"] },
      tier: 3,
      rules: ["sensitive_data_class"],
    },
    {
      name: "data classes missing",
      change: { dataClasses: undefined, trainingUse: "no" },
      tier: 3,
      rules: ["data_classes_unknown"],
    },
    { name: "data classes empty", change: { dataClasses: [] }, tier: 3, rules: ["data_classes_unknown"] },
    {
      name: "customer data",
      change: { dataClasses: ["customer_data"] },
      tier: 2,
      rules: ["customer_data_class"],
    },
    { name: "PII", change: { dataClasses: ["pii"] }, tier: 2, rules: ["customer_data_class"] },
    { name: "customer-facing", change: { customerFacing: true }, tier: 2, rules: ["customer_facing"] },
    {
      name: "customer-facing unknown",
      change: { customerFacing: null },
      tier: 2,
      rules: ["customer_facing_unknown"],
    },
    { name: "vendor trains", change: { trainingUse: "yes" }, tier: 2, rules: ["vendor_may_train"] },
    { name: "training unknown", change: { trainingUse: undefined }, tier: 2, rules: ["vendor_may_train"] },
    {
      name: "vendor trains on public data only",
      change: { trainingUse: "yes", dataClasses: ["public"] },
      tier: 1,
      rules: [],
    },
    { name: "opt-out available", change: { trainingUse: "opt_out_available" }, tier: 1, rules: [] },
  ];

  it.each(cases)("$name → tier $tier", ({ change, tier, rules }) => {
    const result = classifyTier({ integrations: [buildIntegration(change)], asOf });
    expect(result.computedTier).toBe(tier);
    expect(result.tier).toBe(tier);
    expect(result.reasons.map((r) => r.rule).sort()).toEqual([...rules].sort());
    for (const reason of result.reasons) {
      expect(reason.integrationId).toBe("int-1");
      expect(reason.integrationName).toBe("Release-note summaries");
    }
  });

  it("lists every reason across integrations, highest tier first, with attribute and value", () => {
    const result = classifyTier({
      asOf,
      integrations: [
        buildIntegration({ id: "a", name: "Support chatbot", customerFacing: true, dataClasses: ["pii"] }),
        buildIntegration({ id: "b", name: "Claims triage", domain: "insurance", dataClasses: ["phi"] }),
      ],
    });
    expect(result.tier).toBe(3);
    expect(result.reasons).toEqual([
      {
        integrationId: "b",
        integrationName: "Claims triage",
        attribute: "domain",
        value: "insurance",
        tier: 3,
        rule: "regulated_domain",
      },
      {
        integrationId: "b",
        integrationName: "Claims triage",
        attribute: "dataClasses",
        value: "phi",
        tier: 3,
        rule: "sensitive_data_class",
      },
      {
        integrationId: "a",
        integrationName: "Support chatbot",
        attribute: "dataClasses",
        value: "pii",
        tier: 2,
        rule: "customer_data_class",
      },
      {
        integrationId: "a",
        integrationName: "Support chatbot",
        attribute: "customerFacing",
        value: "true",
        tier: 2,
        rule: "customer_facing",
      },
    ]);
  });

  it("puts a vendor with a dangerous model file in tier 3, naming the artifact", () => {
    const dangerousModels = [{ id: "m-1", name: "acme/sentiment" }];
    for (const integrations of [[], [buildIntegration()]]) {
      const result = classifyTier({ integrations, asOf, dangerousModels });
      expect(result.computedTier).toBe(3);
      expect(result.reasons[0]).toEqual({
        integrationId: null,
        integrationName: null,
        attribute: "modelArtifact",
        value: "acme/sentiment",
        tier: 3,
        rule: "dangerous_model_file",
      });
    }
    expect(classifyTier({ integrations: [buildIntegration()], asOf, dangerousModels: [] }).tier).toBe(1);
  });

  it("puts a vendor with no integrations in tier 2 with a vendor-level reason", () => {
    const result = classifyTier({ integrations: [], asOf });
    expect(result.tier).toBe(2);
    expect(result.reasons).toEqual([
      {
        integrationId: null,
        integrationName: null,
        attribute: "integrations",
        value: "none recorded",
        tier: 2,
        rule: "no_integrations",
      },
    ]);
  });
});

describe("classifyTier policy and dates", () => {
  it.each([
    { change: {}, tier: 1, questions: 10, months: 12, monitoring: false, due: "2027-11-22" },
    {
      change: { customerFacing: true },
      tier: 2,
      questions: 25,
      months: 6,
      monitoring: false,
      due: "2027-05-22",
    },
    {
      change: { domain: "healthcare" as const },
      tier: 3,
      questions: 40,
      months: 3,
      monitoring: true,
      due: "2027-02-22",
    },
  ])(
    "tier $tier asks $questions questions every $months months",
    ({ change, tier, questions, months, monitoring, due }) => {
      const result = classifyTier({ integrations: [buildIntegration(change)], asOf });
      expect(result).toMatchObject({
        tier,
        questionCount: questions,
        reviewCadenceMonths: months,
        continuousMonitoring: monitoring,
        nextReviewDue: due,
        override: null,
      });
    },
  );

  it("counts the next review from the last review when there was one", () => {
    const result = classifyTier({ integrations: [buildIntegration()], asOf, lastReviewedOn: "2026-01-31" });
    expect(result.nextReviewDue).toBe("2027-01-31");
  });
});

describe("tier override", () => {
  const justification = "Used only on synthetic test records; legal confirmed on 2026-11-02.";

  it("takes the override's tier and cadence and keeps the computed tier visible", () => {
    const result = classifyTier({
      integrations: [buildIntegration({ domain: "healthcare" })],
      asOf,
      override: { tier: 2, justification, by: "ciso@example.com" },
    });
    expect(result.tier).toBe(2);
    expect(result.computedTier).toBe(3);
    expect(result.questionCount).toBe(25);
    expect(result.nextReviewDue).toBe("2027-05-22");
    expect(result.override).toEqual({ tier: 2, justification, by: "ciso@example.com" });
    expect(result.reasons.map((r) => r.rule)).toEqual(["regulated_domain"]);
  });

  it.each([
    { name: "too short", override: { tier: 1 as const, justification: "trust me" } },
    { name: "blank", override: { tier: 1 as const, justification: "                          " } },
  ])("rejects a justification that is $name", ({ override }) => {
    try {
      classifyTier({ integrations: [buildIntegration()], asOf, override });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
    }
  });
});

describe("classifyTier properties", () => {
  const arbIntegration: fc.Arbitrary<TieringIntegration> = fc.record({
    id: fc.uuid(),
    name: fc.string({ minLength: 1, maxLength: 20 }),
    decisionCritical: fc.constantFrom(true, false, null, undefined),
    domain: fc.option(fc.constantFrom(...INTEGRATION_DOMAINS), { nil: undefined }),
    dataClasses: fc.option(fc.subarray([...DATA_CLASSES]), { nil: undefined }),
    customerFacing: fc.constantFrom(true, false, null, undefined),
    trainingUse: fc.option(fc.constantFrom(...TRAINING_USE), { nil: undefined }),
  });

  it("gives the highest reason's tier and the matching policy", () => {
    fc.assert(
      fc.property(fc.array(arbIntegration, { maxLength: 6 }), (integrations) => {
        const result = classifyTier({ integrations, asOf });
        const highest = Math.max(1, ...result.reasons.map((r) => r.tier));
        expect(result.tier).toBe(highest);
        expect(result.questionCount).toBe({ 1: 10, 2: 25, 3: 40 }[result.tier]);
        if (result.tier > 1) expect(result.reasons.length).toBeGreaterThan(0);
      }),
    );
  });

  it("never lowers the tier when an integration is added or an attribute becomes unknown", () => {
    fc.assert(
      fc.property(
        fc.array(arbIntegration, { minLength: 1, maxLength: 5 }),
        arbIntegration,
        fc.constantFrom("decisionCritical", "domain", "dataClasses", "customerFacing", "trainingUse"),
        (integrations, extra, attribute) => {
          const base = classifyTier({ integrations, asOf }).tier;
          expect(classifyTier({ integrations: [...integrations, extra], asOf }).tier).toBeGreaterThanOrEqual(
            base,
          );
          const [first, ...rest] = integrations;
          if (first === undefined) return;
          const blurred = { ...first, [attribute]: undefined };
          expect(classifyTier({ integrations: [blurred, ...rest], asOf }).tier).toBeGreaterThanOrEqual(base);
        },
      ),
    );
  });
});
