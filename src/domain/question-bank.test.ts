/// <reference types="vite/client" />
// The bank is read through Vite's `?raw` import so this test of a pure module needs no file system.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import bankYaml from "../../catalog/questions/ai-vendor-v1.yaml?raw";
import { isAppError } from "./errors.ts";
import {
  allowedValues,
  BANK_QUESTION_ID,
  parseQuestionBank,
  type QuestionInput,
  questionsByReference,
  RED_FLAG_RULES,
  selectQuestions,
  validateAnswers,
} from "./question-bank.ts";

const bank = parseQuestionBank(parse(bankYaml));

function customQuestion(overrides: Partial<QuestionInput> = {}): QuestionInput {
  return {
    id: "c-export-controls",
    section: "F",
    text: "Is the service subject to export controls in any country?",
    answerType: "yes_no_partial_na",
    dimension: "governance",
    tiers: [2, 3],
    ...overrides,
  };
}

function expectBankError(run: () => unknown): void {
  try {
    run();
    expect.unreachable();
  } catch (error) {
    expect(isAppError(error, "QUESTION_BANK_INVALID")).toBe(true);
  }
}

describe("ai-vendor-v1 question bank", () => {
  it("has forty seed questions in sections A-F plus the tier-3 model audit, ids unique and in order", () => {
    expect(bank.version).toBe(1);
    expect(bank.questions).toHaveLength(41);
    const ids = bank.questions.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(Array.from({ length: 41 }, (_, i) => `q${String(i + 1).padStart(2, "0")}`));
    const perSection = Object.fromEntries(
      ["A", "B", "C", "D", "E", "F"].map((s) => [s, bank.questions.filter((q) => q.section === s).length]),
    );
    expect(perSection).toEqual({ A: 7, B: 8, C: 8, D: 6, E: 5, F: 7 });
  });

  it.each([
    { tier: 1 as const, count: 10, sections: ["A", "C"] },
    { tier: 2 as const, count: 25, sections: ["A", "B", "C", "E"] },
    { tier: 3 as const, count: 41, sections: ["A", "B", "C", "D", "E", "F"] },
  ])("tier $tier asks $count questions from sections $sections", ({ tier, count, sections }) => {
    const selected = selectQuestions(bank, tier);
    expect(selected).toHaveLength(count);
    expect([...new Set(selected.map((q) => q.section))].sort()).toEqual(sections);
  });

  it("nests the tiers: every tier-1 question is in tier 2, every tier-2 question in tier 3", () => {
    for (const q of bank.questions) {
      if (q.tiers.includes(1)) expect(q.tiers).toContain(2);
      if (q.tiers.includes(2)) expect(q.tiers).toContain(3);
    }
  });

  it("asks tier 1 the SOC 2 basics and inference data handling", () => {
    const ids = selectQuestions(bank, 1).map((q) => q.id);
    expect(ids).toEqual(expect.arrayContaining(["q01", "q02", "q03", "q16", "q17", "q18", "q19"]));
  });

  it("asks tier 3 for the independent model audit only", () => {
    const audit = bank.questions.find((q) => q.id === "q41");
    expect(audit?.tiers).toEqual([3]);
    expect(audit?.checks.map((c) => c.rule)).toContain("no_independent_model_audit");
  });

  it("tags the seed's red-flag questions", () => {
    const tagged = (rule: string) =>
      bank.questions.filter((q) => (q.redFlags as string[]).includes(rule)).map((q) => q.id);
    expect(tagged("cannot_explain_ai")).toEqual(["q08", "q09", "q10"]);
    expect(tagged("no_model_card")).toEqual(["q15"]);
    expect(tagged("refuses_training_data")).toEqual(["q10"]);
    expect(tagged("claims_no_third_party")).toEqual(["q24"]);
    expect(tagged("soc2_shield").length).toBeGreaterThanOrEqual(5);
    for (const rule of RED_FLAG_RULES) expect(tagged(rule).length).toBeGreaterThan(0);
  });

  it("gives every question evidence expected and at least one framework reference", () => {
    for (const q of bank.questions) {
      expect(q.evidenceExpected.length, q.id).toBeGreaterThan(0);
      const refs = Object.values(q.references).flat();
      expect(refs.length, q.id).toBeGreaterThan(0);
    }
  });

  it("rejects a bank with a duplicate id, a choice without options or an unknown field", () => {
    const raw = () => parse(bankYaml) as { questions: Record<string, unknown>[] };
    const dup = raw();
    dup.questions.push({ ...dup.questions[0] });
    expectBankError(() => parseQuestionBank(dup));
    const noOptions = raw();
    const q01 = noOptions.questions[0];
    if (q01) delete q01.options;
    expectBankError(() => parseQuestionBank(noOptions));
    const extra = raw();
    const q02 = extra.questions[1];
    if (q02) q02.weight = 3;
    expectBankError(() => parseQuestionBank(extra));
  });
});

describe("custom questions", () => {
  it("are added to the tiers they name, after the bank's questions", () => {
    const tier2 = selectQuestions(bank, 2, [customQuestion()]);
    expect(tier2).toHaveLength(26);
    expect(tier2.at(-1)?.id).toBe("c-export-controls");
    expect(selectQuestions(bank, 1, [customQuestion()])).toHaveLength(10);
  });

  it.each([
    { name: "a bank-style id", q: customQuestion({ id: "q42" }) },
    { name: "an id without the c- prefix", q: customQuestion({ id: "export" }) },
    { name: "a choice without options", q: customQuestion({ answerType: "single_choice" }) },
    {
      name: "a check on an unknown option",
      q: customQuestion({
        checks: [{ rule: "x", when: { answerIn: ["maybe"] }, severity: "low", title: "t", explanation: "e" }],
      }),
    },
    { name: "an empty tier list", q: customQuestion({ tiers: [] }) },
  ])("reject $name", ({ q }) => {
    expectBankError(() => selectQuestions(bank, 2, [q]));
  });

  it("cannot reuse an id among themselves", () => {
    expectBankError(() => selectQuestions(bank, 2, [customQuestion(), customQuestion()]));
  });

  it("never collide with bank ids", () => {
    for (const q of bank.questions) expect(BANK_QUESTION_ID.test(q.id)).toBe(true);
    expect(BANK_QUESTION_ID.test("c-export-controls")).toBe(false);
  });
});

describe("validateAnswers", () => {
  const questions = selectQuestions(bank, 3);

  it("accepts well-typed answers and blanks", () => {
    expect(
      validateAnswers(questions, {
        q01: { value: "type2_current" },
        q05: { value: 72 },
        q17: { value: "no" },
        q19: { value: "na" },
        q20: { value: ["eu", "us"] },
        q10: { value: "" },
        q11: { value: null },
      }),
    ).toEqual([]);
  });

  it.each([
    { id: "q01", value: "type3", why: "unknown option" },
    { id: "q05", value: "72h", why: "text for a number" },
    { id: "q05", value: -1, why: "negative number" },
    { id: "q17", value: "maybe", why: "not yes/no/partial/na" },
    { id: "q18", value: "na", why: "n.a. where not allowed" },
    { id: "q20", value: ["eu", "eu"], why: "repeated choice" },
    { id: "q20", value: ["mars"], why: "unknown choice" },
    { id: "q10", value: ["a"], why: "list for text" },
    { id: "q99", value: "yes", why: "not a question of the set" },
  ])("reports $id = $value ($why)", ({ id, value }) => {
    const issues = validateAnswers(questions, { [id]: { value } });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.questionId).toBe(id);
  });
});

describe("helpers for forms, spreadsheets and the audit pack", () => {
  const byId = (id: string) => {
    const q = bank.questions.find((x) => x.id === id);
    if (!q) throw new Error(`bank lost ${id}`);
    return q;
  };

  it("lists the allowed values of each answer type", () => {
    expect(allowedValues(byId("q17"))).toEqual(["yes", "no", "partial"]);
    expect(allowedValues(byId("q19"))).toEqual(["yes", "no", "partial", "na"]);
    expect(allowedValues(byId("q06"))).toEqual(["at_least_annual", "less_than_annual", "none"]);
    expect(allowedValues(byId("q10"))).toBeUndefined();
  });

  it("maps framework clauses to the questions that address them", () => {
    const map = questionsByReference(bank.questions);
    const cc92 = map.soc2.find((r) => r.clause === "CC9.2");
    expect(cc92?.questionIds).toEqual(expect.arrayContaining(["q01", "q24", "q25"]));
    expect(map.euAiAct.find((r) => r.clause === "Art. 25")?.questionIds).toEqual(["q24", "q39"]);
    expect(map.nistAiRmf.map((r) => r.clause)).toContain("GV-6.1");
    const soc2Clauses = map.soc2.map((r) => r.clause);
    expect(soc2Clauses.indexOf("CC2.3")).toBeLessThan(soc2Clauses.indexOf("CC9.2"));
  });
});
