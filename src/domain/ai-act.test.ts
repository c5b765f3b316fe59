/// <reference types="vite/client" />
// The catalogue is read through Vite's `?raw` import so this test of a pure module needs no file system.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import regulationYaml from "../../catalog/regulation/eu-ai-act.yaml?raw";
import { type AiActIntegration, classifyAiActRisk, parseAiActCatalog } from "./ai-act.ts";
import { isAppError } from "./errors.ts";

const regulation = parseAiActCatalog(parse(regulationYaml));
const asOf = "2026-11-22";

function buildIntegration(overrides: Partial<AiActIntegration> = {}): AiActIntegration {
  return {
    id: "int-1",
    name: "Ticket summaries",
    domain: "general",
    decisionCritical: false,
    customerFacing: false,
    deployment: "vendor_api",
    aiActUseCases: [],
    ...overrides,
  };
}

describe("eu-ai-act.yaml", () => {
  it("keeps the Act's dates in force and the Omnibus moves beside them as unverified", () => {
    const byId = new Map(regulation.milestones.map((m) => [m.id, m]));
    expect(byId.get("prohibitions_and_literacy")?.date).toBe("2025-02-02");
    expect(byId.get("gpai_and_governance")?.date).toBe("2025-08-02");
    expect(byId.get("annex_iii_high_risk")).toMatchObject({
      date: "2026-08-02",
      status: "in_force",
      pendingChange: { date: "2027-12-02", status: "reported_unverified" },
    });
    expect(byId.get("annex_i_high_risk")?.pendingChange?.date).toBe("2028-08-02");
    expect(byId.get("synthetic_content_marking")?.pendingChange?.date).toBe("2026-12-02");
  });

  it("rejects an obligation that points at a missing milestone", () => {
    const raw = parse(regulationYaml) as { obligations: { milestone: string }[] };
    const first = raw.obligations[0];
    if (first) first.milestone = "nowhere";
    try {
      parseAiActCatalog(raw);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "CATALOG_INVALID")).toBe(true);
    }
  });
});

describe("classifyAiActRisk class", () => {
  it.each([
    { name: "nothing recorded", change: {}, cls: "minimal", rules: ["no_trigger"] },
    {
      name: "social scoring",
      change: { aiActUseCases: ["social_scoring" as const] },
      cls: "prohibited",
      rules: ["prohibited_social_scoring"],
    },
    {
      name: "emotion recognition at work",
      change: { aiActUseCases: ["emotion_recognition_workplace_or_school" as const] },
      cls: "prohibited",
      rules: ["prohibited_emotion_recognition_workplace_or_school"],
    },
    {
      name: "CV screening use case",
      change: { aiActUseCases: ["recruitment_or_worker_management" as const] },
      cls: "high_risk",
      rules: ["annex_iii_recruitment_or_worker_management"],
    },
    {
      name: "decision-critical credit",
      change: { domain: "finance_credit" as const, decisionCritical: true },
      cls: "high_risk",
      rules: ["annex_iii_domain_decision"],
    },
    {
      name: "credit, decision role unknown",
      change: { domain: "finance_credit" as const, decisionCritical: null },
      cls: "high_risk",
      rules: ["annex_iii_domain_decision_unknown"],
    },
    {
      name: "credit, not decision-critical",
      change: { domain: "finance_credit" as const },
      cls: "minimal",
      rules: ["no_trigger"],
    },
    {
      name: "clinical decision support",
      change: { domain: "healthcare" as const, decisionCritical: true },
      cls: "high_risk",
      rules: ["annex_i_medical_device_possible"],
    },
    {
      name: "chatbot",
      change: { aiActUseCases: ["chatbot" as const] },
      cls: "transparency",
      rules: ["transparency_chatbot"],
    },
    {
      name: "emotion recognition outside work",
      change: { aiActUseCases: ["emotion_recognition" as const] },
      cls: "high_risk",
      rules: ["annex_iii_emotion_recognition", "transparency_emotion_recognition"],
    },
    {
      name: "deepfake and prohibited manipulation",
      change: { aiActUseCases: ["deepfake" as const, "manipulative_techniques" as const] },
      cls: "prohibited",
      rules: ["prohibited_manipulative_techniques", "transparency_deepfake"],
    },
  ])("$name → $cls", ({ change, cls, rules }) => {
    const result = classifyAiActRisk(buildIntegration(change), { regulation, asOf });
    expect(result.class).toBe(cls);
    expect(result.rules.map((r) => r.rule).sort()).toEqual([...rules].sort());
  });
});

describe("classifyAiActRisk role", () => {
  it.each([
    { change: {}, role: "deployer", rule: "role_internal_use" },
    { change: { customerFacing: true }, role: "provider", rule: "role_own_product" },
    {
      change: { deployment: "self_hosted_hub_model" as const },
      role: "provider",
      rule: "role_self_hosted_model",
    },
    {
      change: { customerFacing: true, aiActRole: "deployer" as const },
      role: "deployer",
      rule: "role_stated",
    },
  ])("$rule → $role", ({ change, role, rule }) => {
    const result = classifyAiActRisk(buildIntegration(change), { regulation, asOf });
    expect(result.role).toBe(role);
    expect(result.roleRule.rule).toBe(rule);
  });
});

describe("classifyAiActRisk obligations", () => {
  const ids = (
    i: AiActIntegration,
    extra: { generalPurposeModel?: boolean; providesPublicServices?: boolean } = {},
  ) =>
    classifyAiActRisk(i, { regulation, asOf, ...extra })
      .obligations.map((o) => o.id)
      .sort();

  it("gives a deployer of a high-risk hiring tool Art. 26 and Art. 25(1) but no FRIA", () => {
    expect(ids(buildIntegration({ domain: "employment", decisionCritical: true }))).toEqual(
      ["ai_literacy", "deployer_duties", "value_chain_role_check"].sort(),
    );
  });

  it("adds the Art. 27 FRIA for credit scoring and for public-service deployers", () => {
    expect(ids(buildIntegration({ aiActUseCases: ["creditworthiness_assessment"] }))).toContain(
      "fundamental_rights_impact_assessment",
    );
    expect(
      ids(buildIntegration({ domain: "education", decisionCritical: true }), {
        providesPublicServices: true,
      }),
    ).toContain("fundamental_rights_impact_assessment");
  });

  it("gives a provider of a high-risk system the provider duties and the Art. 25(4) agreement", () => {
    expect(
      ids(buildIntegration({ domain: "employment", decisionCritical: true, customerFacing: true })),
    ).toEqual(
      ["ai_literacy", "conformity_and_registration", "provider_requirements", "value_chain_agreement"].sort(),
    );
  });

  it("gives a customer-facing chatbot Art. 50(1) disclosure and, on a GPAI model, Art. 53 information", () => {
    const chatbot = buildIntegration({
      customerFacing: true,
      aiActUseCases: ["chatbot", "generates_synthetic_content"],
    });
    expect(ids(chatbot)).toEqual(["ai_literacy", "disclose_ai_interaction", "mark_synthetic_content"].sort());
    expect(ids(chatbot, { generalPurposeModel: true })).toContain("gpai_downstream_information");
  });

  it("dates each obligation, says whether it is in effect and carries a reported move", () => {
    const result = classifyAiActRisk(buildIntegration({ domain: "employment", decisionCritical: true }), {
      regulation,
      asOf: "2026-06-01",
    });
    const duties = result.obligations.find((o) => o.id === "deployer_duties");
    expect(duties).toMatchObject({
      article: "Art. 26",
      applicationDate: { date: "2026-08-02", status: "in_force" },
      pendingChange: { date: "2027-12-02", status: "reported_unverified" },
      inEffect: false,
    });
    expect(duties?.rule).toBe("class high_risk as deployer");
    expect(result.obligations.find((o) => o.id === "ai_literacy")?.inEffect).toBe(true);
  });

  it("dates high-risk duties of a possible medical device from the Annex I milestone", () => {
    const result = classifyAiActRisk(buildIntegration({ domain: "healthcare", decisionCritical: true }), {
      regulation,
      asOf,
    });
    expect(result.highRiskBasis).toBe("annex_i");
    expect(result.obligations.find((o) => o.id === "deployer_duties")?.applicationDate.date).toBe(
      "2027-08-02",
    );
  });

  it("orders a prohibited practice stopped", () => {
    const result = classifyAiActRisk(buildIntegration({ aiActUseCases: ["social_scoring"] }), {
      regulation,
      asOf,
    });
    expect(result.obligations.find((o) => o.id === "stop_prohibited_practice")).toMatchObject({
      article: "Art. 5",
      inEffect: true,
    });
  });
});
