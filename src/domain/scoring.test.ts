/// <reference types="vite/client" />
// Catalogue files are read through Vite's `?raw` import so this test of a pure module needs no file system.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import bankYaml from "../../catalog/questions/ai-vendor-v1.yaml?raw";
import weightsYaml from "../../catalog/scoring/weights-v1.yaml?raw";
import { isAppError } from "./errors.ts";
import {
  FINDING_KINDS,
  FINDING_SEVERITIES,
  type Finding,
  type FindingKind,
  type FindingSeverity,
  SCORING_DIMENSIONS,
  type ScoringDimension,
} from "./findings.ts";
import { type Answers, parseQuestionBank, selectQuestions } from "./question-bank.ts";
import { parseScoringWeights, scoreAssessment } from "./scoring.ts";

const weights = parseScoringWeights(parse(weightsYaml));
const bank = parseQuestionBank(parse(bankYaml));
const tier2 = selectQuestions(bank, 2);

/** Every tier-2 question answered (the values do not matter to scoring, only that they are there). */
function allAnswered(): Answers {
  return Object.fromEntries(tier2.map((q) => [q.id, { value: q.answerType === "number" ? 1 : "x" }]));
}

let counter = 0;
function finding(
  dimension: ScoringDimension,
  severity: FindingSeverity,
  kind: FindingKind = "answer_check",
  ruleName?: string,
): Finding {
  counter += 1;
  const rule = ruleName ?? `rule_${counter}`;
  return {
    id: `${rule}:${counter}`,
    rule,
    kind,
    title: rule,
    severity,
    dimension,
    explanation: "test",
    evidence: [],
    questionIds: [],
  };
}

const dim = (s: ReturnType<typeof scoreAssessment>, d: ScoringDimension) =>
  s.dimensions.find((x) => x.dimension === d)?.score;

describe("scoreAssessment", () => {
  it("scores a complete questionnaire without findings as low risk everywhere", () => {
    const score = scoreAssessment({ questions: tier2, answers: allAnswered(), findings: [], weights });
    expect(score.dimensions.map((d) => d.score)).toEqual([1, 1, 1, 1]);
    expect(score.overall).toMatchObject({ score: 1, level: 1, label: "low" });
    expect(score.weightsVersion).toBe(1);
  });

  it.each([
    { name: "one low check", findings: () => [finding("data", "low")], data: 1.25, overall: 1.08 },
    { name: "one high check", findings: () => [finding("data", "high")], data: 2, overall: 1.3 },
    { name: "a critical check", findings: () => [finding("data", "critical")], data: 3, overall: 4 },
    { name: "info counts nothing", findings: () => [finding("data", "info")], data: 1, overall: 1 },
    {
      name: "a medium red flag",
      findings: () => [finding("data", "medium", "red_flag")],
      data: 1.75,
      overall: 3,
    },
    {
      name: "one rule repeated past its cap",
      findings: () =>
        Array.from({ length: 6 }, () => finding("data", "medium", "vague_answer", "vague_answer")),
      data: 3,
      overall: 1.6,
    },
    {
      name: "many rules past the maximum",
      findings: () => Array.from({ length: 6 }, () => finding("data", "high")),
      data: 5,
      overall: 2.2,
    },
  ])("$name → data $data, overall $overall", ({ findings, data, overall }) => {
    const score = scoreAssessment({
      questions: tier2,
      answers: allAnswered(),
      findings: findings(),
      weights,
    });
    expect(dim(score, "data")).toBe(data);
    expect(dim(score, "model")).toBe(1);
    expect(score.overall.score).toBe(overall);
  });

  it("counts unanswered required questions per dimension as coverage", () => {
    const answers = allAnswered();
    const model = tier2.filter((q) => q.dimension === "model");
    for (const q of model.slice(0, 2)) delete answers[q.id];
    const score = scoreAssessment({ questions: tier2, answers, findings: [], weights });
    const modelScore = score.dimensions.find((d) => d.dimension === "model");
    expect(modelScore?.contributions).toContainEqual({
      source: "coverage",
      label: `2 of ${model.length} required questions unanswered`,
      unanswered: 2,
      asked: model.length,
      points: Math.round((200 * 2) / model.length) / 100,
    });
    expect(modelScore?.questionsAsked).toBe(model.length);
  });

  it("ignores missing-answer findings themselves, since coverage counts the gap", () => {
    const score = scoreAssessment({
      questions: tier2,
      answers: allAnswered(),
      findings: [finding("model", "medium", "missing_answer")],
      weights,
    });
    expect(dim(score, "model")).toBe(1);
  });

  it("names the floor and the findings that raised the overall score", () => {
    const critical = finding("governance", "critical");
    const score = scoreAssessment({
      questions: tier2,
      answers: allAnswered(),
      findings: [critical],
      weights,
    });
    expect(score.overall.contributions.at(-1)).toEqual({
      source: "floor",
      atLeast: 4,
      findingIds: [critical.id],
      label: "a critical finding puts the overall score at 4 or above",
    });
    expect(score.overall).toMatchObject({ level: 4, label: "high" });
  });

  it("rejects weights that are not in the schema", () => {
    const raw = parse(weightsYaml) as Record<string, unknown>;
    raw.base = 0;
    try {
      parseScoringWeights(raw);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "CATALOG_INVALID")).toBe(true);
    }
  });
});

describe("scoreAssessment properties", () => {
  const arbFinding = fc
    .record({
      dimension: fc.constantFrom(...SCORING_DIMENSIONS),
      severity: fc.constantFrom(...FINDING_SEVERITIES),
      kind: fc.constantFrom(...FINDING_KINDS),
      rule: fc.constantFrom("a", "b", "c", "d"),
    })
    .map((r) => finding(r.dimension, r.severity, r.kind, r.rule));
  const arbAnswers = fc.subarray(tier2.map((q) => q.id)).map((ids) => {
    const answers = allAnswered();
    for (const id of ids) delete answers[id];
    return answers;
  });

  it("keeps scores in 1..5 and each dimension equal to the sum of its contributions", () => {
    fc.assert(
      fc.property(fc.array(arbFinding, { maxLength: 40 }), arbAnswers, (findings, answers) => {
        const score = scoreAssessment({ questions: tier2, answers, findings, weights });
        for (const d of score.dimensions) {
          expect(d.score).toBeGreaterThanOrEqual(1);
          expect(d.score).toBeLessThanOrEqual(5);
          const sum = d.contributions.reduce((s, c) => s + c.points, 0);
          expect(Math.abs(sum - d.score)).toBeLessThan(0.011);
        }
        expect(score.overall.score).toBeGreaterThanOrEqual(1);
        expect(score.overall.score).toBeLessThanOrEqual(5);
      }),
    );
  });

  it("never lowers a score when a finding is added", () => {
    fc.assert(
      fc.property(
        fc.array(arbFinding, { maxLength: 30 }),
        arbFinding,
        arbAnswers,
        (findings, extra, answers) => {
          const before = scoreAssessment({ questions: tier2, answers, findings, weights });
          const after = scoreAssessment({
            questions: tier2,
            answers,
            findings: [...findings, extra],
            weights,
          });
          for (const [i, d] of after.dimensions.entries()) {
            expect(d.score).toBeGreaterThanOrEqual(before.dimensions[i]?.score ?? 0);
          }
          expect(after.overall.score).toBeGreaterThanOrEqual(before.overall.score);
        },
      ),
    );
  });
});
