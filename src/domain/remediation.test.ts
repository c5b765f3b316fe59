/// <reference types="vite/client" />
// Catalogue files are read through Vite's `?raw` import so this test of a pure module needs no file system.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import bankYaml from "../../catalog/questions/ai-vendor-v1.yaml?raw";
import templatesYaml from "../../catalog/remediation/templates-v1.yaml?raw";
import { analyzeAnswers } from "./answer-analysis.ts";
import { isAppError } from "./errors.ts";
import type { Finding, FindingSeverity } from "./findings.ts";
import { parseQuestionBank, RED_FLAG_RULES, selectQuestions } from "./question-bank.ts";
import {
  conditionsFromPlan,
  isRemediationOverdue,
  parseRemediationTemplates,
  planRemediation,
  type RemediationItem,
  updateRemediationItem,
} from "./remediation.ts";

const templates = parseRemediationTemplates(parse(templatesYaml));
const bank = parseQuestionBank(parse(bankYaml));
const decidedOn = "2026-11-23";

function finding(rule: string, questionIds: string[], severity: FindingSeverity = "medium"): Finding {
  return {
    id: `${rule}:${questionIds.join("+")}`,
    rule,
    kind: "answer_check",
    title: rule,
    severity,
    dimension: "data",
    explanation: "test",
    evidence: [],
    questionIds,
  };
}

describe("planRemediation", () => {
  it.each([
    { rule: "no_model_card", q: ["q15"], template: "model_card", due: "2026-12-23" },
    {
      rule: "contradiction_retention",
      q: ["q17", "q21"],
      template: "contractual_retention_limit",
      due: "2027-01-22",
    },
    { rule: "vague_answer", q: ["q17"], template: "contractual_retention_limit", due: "2027-01-22" },
    { rule: "vague_answer", q: ["q08"], template: "complete_answers", due: "2026-12-07" },
    { rule: "missing_answer", q: ["q21"], template: "contractual_retention_limit", due: "2027-01-22" },
    { rule: "no_bias_testing", q: ["q12"], template: "independent_bias_audit", due: "2027-02-21" },
    { rule: "no_soc2_type2", q: ["q01"], template: "soc2_type2_report", due: "2027-11-23" },
    { rule: "soc2_type2_not_current", q: ["q01"], template: "soc2_bridge_letter", due: "2026-12-23" },
    { rule: "trains_on_customer_data", q: ["q18"], template: "no_training_commitment", due: "2026-12-23" },
    {
      rule: "no_independent_model_audit",
      q: ["q41"],
      template: "independent_model_audit",
      due: "2027-02-21",
    },
  ])("$rule on $q → $template due $due", ({ rule, q, template, due }) => {
    const plan = planRemediation({ findings: [finding(rule, q)], templates, decidedOn });
    expect(plan.unmatched).toEqual([]);
    expect(plan.items).toHaveLength(1);
    expect(plan.items[0]).toMatchObject({ templateId: template, dueDate: due, status: "open", owner: null });
    expect(plan.items[0]?.closingEvidence.length).toBeGreaterThan(0);
  });

  it("groups findings of one template into one item with the worst severity and all cited questions", () => {
    const plan = planRemediation({
      findings: [
        finding("contradiction_retention", ["q17", "q21"], "high"),
        finding("vague_answer", ["q21"], "low"),
      ],
      templates,
      decidedOn,
      owner: "privacy@example.com",
    });
    expect(plan.items).toEqual([
      expect.objectContaining({
        templateId: "contractual_retention_limit",
        severity: "high",
        owner: "privacy@example.com",
        findingIds: ["contradiction_retention:q17+q21", "vague_answer:q21"],
        questionIds: ["q17", "q21"],
        responsibleParty: "us",
      }),
    ]);
  });

  it("lists blocking items first, then by due date, and keeps unmatched findings apart", () => {
    const plan = planRemediation({
      findings: [
        finding("no_soc2_type2", ["q01"]),
        finding("no_model_card", ["q15"]),
        finding("no_gdpr_dpa", ["q36"]),
        finding("no_iso27001", ["q04"], "low"),
      ],
      templates,
      decidedOn,
    });
    expect(plan.items.map((i) => [i.templateId, i.blocking])).toEqual([
      ["gdpr_dpa", true],
      ["model_card", false],
      ["soc2_type2_report", false],
    ]);
    expect(plan.unmatched.map((f) => f.rule)).toEqual(["no_iso27001"]);
  });

  it("turns a real analysis of weak answers into a plan", () => {
    const questions = selectQuestions(bank, 2);
    const findings = analyzeAnswers({
      questions,
      answers: { q15: { value: "no" }, q17: { value: "no", comment: "Logs are retained for 30 days." } },
    });
    const plan = planRemediation({ findings, templates, decidedOn });
    const ids = plan.items.map((i) => i.templateId);
    expect(ids).toEqual(
      expect.arrayContaining(["model_card", "contractual_retention_limit", "complete_answers"]),
    );
    const covered = new Set(plan.items.flatMap((i) => i.findingIds));
    for (const f of findings) expect(covered.has(f.id) || plan.unmatched.includes(f)).toBe(true);
  });
});

describe("templates-v1.yaml", () => {
  it("covers every red flag, contradiction and every medium-or-worse check of the bank", () => {
    const rules = new Set(templates.templates.flatMap((t) => t.match.map((m) => m.rule)));
    const needed = [
      ...RED_FLAG_RULES,
      "contradiction_retention",
      "contradiction_training",
      "contradiction_opt_out",
      "contradiction_soc2",
      "missing_answer",
      "vague_answer",
      ...bank.questions.flatMap((q) =>
        q.checks.filter((c) => c.severity !== "low" && c.severity !== "info").map((c) => c.rule),
      ),
    ];
    for (const rule of needed) expect(rules.has(rule), rule).toBe(true);
  });

  it("rejects a catalogue with a repeated template id", () => {
    const raw = parse(templatesYaml) as { templates: unknown[] };
    raw.templates.push(raw.templates[0]);
    try {
      parseRemediationTemplates(raw);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "CATALOG_INVALID")).toBe(true);
    }
  });
});

describe("following an item up", () => {
  function modelCardItem(): RemediationItem {
    const item = planRemediation({ findings: [finding("no_model_card", ["q15"])], templates, decidedOn })
      .items[0];
    if (!item) throw new Error("no item planned");
    return item;
  }

  it("closes an item only with evidence and records the date", () => {
    const started = updateRemediationItem(modelCardItem(), { status: "in_progress", on: "2026-11-30" });
    const closed = updateRemediationItem(started, {
      status: "closed",
      on: "2026-12-10",
      evidenceRefs: ["sha256:4f2a0c", "https://vendor.example/model-card"],
    });
    expect(closed).toMatchObject({
      status: "closed",
      closedOn: "2026-12-10",
      evidenceRefs: ["sha256:4f2a0c", "https://vendor.example/model-card"],
    });
    expect(isRemediationOverdue(closed, "2027-01-30")).toBe(false);
    const reopened = updateRemediationItem(closed, {
      status: "open",
      on: "2027-01-05",
      note: "Card omits evaluation.",
    });
    expect(reopened).toMatchObject({ status: "open", closedOn: null, note: "Card omits evaluation." });
  });

  it.each([
    {
      name: "closing without evidence",
      update: { status: "closed", on: "2026-12-10", evidenceRefs: [] },
    },
    {
      name: "accepting a risk without a reason",
      update: { status: "risk_accepted", on: "2026-12-10", note: "fine" },
    },
    {
      name: "an impossible date",
      update: { status: "in_progress", on: "2026-13-01" },
    },
  ])("rejects $name as VALIDATION_FAILED", ({ update }) => {
    try {
      updateRemediationItem(modelCardItem(), update as Parameters<typeof updateRemediationItem>[1]);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
    }
  });

  it("refuses to move a closed item anywhere but back to open", () => {
    const closed = updateRemediationItem(modelCardItem(), {
      status: "closed",
      on: "2026-12-10",
      evidenceRefs: ["sha256:1"],
    });
    try {
      updateRemediationItem(closed, { status: "in_progress", on: "2026-12-11" });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "CONFLICT")).toBe(true);
    }
  });

  it("knows when an open item is overdue and lists conditions for the decision", () => {
    const item = modelCardItem();
    expect(item.dueDate).toBe("2026-12-23");
    expect(isRemediationOverdue(item, "2026-12-23")).toBe(false);
    expect(isRemediationOverdue(item, "2026-12-24")).toBe(true);
    const plan = planRemediation({
      findings: [finding("no_model_card", ["q15"]), finding("no_gdpr_dpa", ["q36"])],
      templates,
      decidedOn,
    });
    expect(conditionsFromPlan(plan)).toEqual(["gdpr_dpa", "model_card"]);
  });
});
