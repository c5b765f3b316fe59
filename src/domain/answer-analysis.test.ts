/// <reference types="vite/client" />
// The bank is read through Vite's `?raw` import so this test of a pure module needs no file system.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import bankYaml from "../../catalog/questions/ai-vendor-v1.yaml?raw";
import { analyzeAnswers, quoteAnswer } from "./answer-analysis.ts";
import { type Answer, type Answers, parseQuestionBank, selectQuestions } from "./question-bank.ts";

const bank = parseQuestionBank(parse(bankYaml));
const tier3 = selectQuestions(bank, 3);
const tier2 = selectQuestions(bank, 2);

/** A complete, specific, consistent set of tier-3 answers that yields no finding. */
function goodAnswers(): Answers {
  const a = (value: Answer["value"], comment?: string): Answer =>
    comment === undefined ? { value } : { value, comment };
  return {
    q01: a("type2_current"),
    q02: a("Example & Co LLP, period 1 January 2026 to 31 December 2026"),
    q03: a("no"),
    q04: a("yes"),
    q05: a(48),
    q06: a("at_least_annual"),
    q07: a("yes"),
    q08: a("ExampleLM 3 (2026-05) and ExampleEmbed 2 (2026-02)"),
    q09: a("trained_in_house"),
    q10: a(
      "Licensed news archives, public-domain books, code under permissive licences and synthetic dialogues we generate; sources are listed in our training data summary.",
    ),
    q11: a(
      "Automated PII detection removes names, emails and phone numbers before training; samples are reviewed by staff.",
    ),
    q12: a("every_release", "Demographic parity and error-rate gaps across 14 groups."),
    q13: a("Each model has a dated version; customers get 90 days notice before a default changes."),
    q14: a("Deprecated models stay available for six months after announcement."),
    q15: a("yes"),
    q16: a("Prompts, attached files and generated outputs, only to answer the request."),
    q17: a("no"),
    q18: a("no"),
    q19: a("na"),
    q20: a(["eu"]),
    q21: a("Deletion through the API or the admin console, completed within 30 days of the request."),
    q22: a("yes"),
    q23: a("TLS 1.3 in transit, AES-256 at rest with keys in a managed KMS."),
    q24: a("PyTorch, vLLM, Kubernetes on AWS, and Cloud Provider X for GPU hosting."),
    q25: a(
      "Security review before contracting, yearly reassessment and continuous monitoring of their status pages.",
    ),
    q26: a("yes"),
    q27: a(
      "Signed artefacts, pinned dependencies, isolated build runners and reviews of every new model source.",
    ),
    q28: a("yes"),
    q29: a("Critical CVEs are patched within 72 hours, with compensating controls applied the same day."),
    q30: a(
      "Prompt injection, data leakage through outputs, model theft, training data poisoning and jailbreaks at scale.",
    ),
    q31: a(
      "Evaluation suites on every training run, canary prompts in production and anomaly alerts on output drift.",
    ),
    q32: a(4),
    q33: a("yes"),
    q34: a("E-mail to the admin contacts and a status page post within 24 hours of confirmation."),
    q35: a(["gdpr", "eu_ai_act"]),
    q36: a("yes"),
    q37: a("yes"),
    q38: a("yes", "Feature attributions and the retrieved sources are shown for each output."),
    q39: a(
      "We classify the service as a general-purpose AI system and publish documentation for deployers under Art. 53.",
    ),
    q40: a("yes"),
    q41: a("within_12_months", "Example Assurance Ltd, March 2026."),
  };
}

type Patch = Record<string, Answer | undefined>;

function answersWith(patch: Patch): Answers {
  const answers = goodAnswers();
  for (const [id, answer] of Object.entries(patch)) {
    if (answer === undefined) delete answers[id];
    else answers[id] = answer;
  }
  return answers;
}

const cases: { name: string; patch: Patch; rules: string[]; questions?: "tier2" }[] = [
  { name: "complete and consistent answers", patch: {}, rules: [] },
  { name: "a required answer left out", patch: { q05: undefined }, rules: ["missing_answer"] },
  { name: "a blank text answer", patch: { q21: { value: "  " } }, rules: ["missing_answer"] },
  {
    name: "training data called proprietary",
    patch: { q10: { value: "Proprietary." } },
    rules: ["vague_answer", "refuses_training_data"],
  },
  {
    name: "training data refused at length",
    patch: {
      q10: {
        value:
          "Our training corpus is confidential and we cannot disclose its sources or their licences to customers.",
      },
    },
    rules: ["refuses_training_data"],
  },
  {
    name: "models named vaguely and training data missing",
    patch: { q08: { value: "GPT" }, q10: undefined },
    rules: ["vague_answer", "missing_answer", "cannot_explain_ai", "refuses_training_data"],
  },
  {
    name: "models vague and origin missing",
    patch: { q08: { value: "AI" }, q09: undefined },
    rules: ["vague_answer", "missing_answer", "cannot_explain_ai"],
  },
  { name: "no model card", patch: { q15: { value: "no" } }, rules: ["no_model_card"] },
  {
    name: "model card question unanswered",
    patch: { q15: undefined },
    rules: ["missing_answer", "no_model_card"],
  },
  {
    name: "partial model cards without details",
    patch: { q15: { value: "partial" } },
    rules: ["vague_answer", "no_model_card"],
  },
  {
    name: "we handle everything",
    patch: { q24: { value: "None, we handle everything in-house." } },
    rules: ["claims_no_third_party"],
  },
  {
    name: "no third-party dependencies",
    patch: { q24: { value: "There are no third-party dependencies in our stack at all." } },
    rules: ["claims_no_third_party"],
  },
  {
    name: "bias question answered with SOC 2",
    patch: { q12: { value: "none", comment: "Covered by our SOC 2 Type II report." } },
    rules: ["no_bias_testing", "soc2_shield"],
  },
  {
    name: "training data answered with SOC 2",
    patch: { q10: { value: "See our SOC 2 report." } },
    rules: ["vague_answer", "soc2_shield"],
  },
  {
    name: "SOC 2 mentioned beside a real answer",
    patch: {
      q31: {
        value:
          "Evaluation suites on every training run, canary prompts in production and anomaly alerts on drift; the alerting pipeline is also tested in our SOC 2 examination.",
      },
    },
    rules: [],
  },
  {
    name: "not stored, yet logs kept 30 days",
    patch: { q17: { value: "no", comment: "Abuse-monitoring logs are retained for 30 days." } },
    rules: ["contradiction_retention"],
  },
  {
    name: "not stored, yet deletion text states a retention period",
    patch: {
      q21: { value: "Request logs are kept for 90 days and then purged automatically by a scheduled job." },
    },
    rules: ["contradiction_retention"],
  },
  {
    name: "trains on inference data while claiming no training on customer data",
    patch: {
      q18: { value: "yes", comment: "Used to improve model quality." },
      q16: { value: "Prompts and files only; we never use customer data for training." },
    },
    rules: ["trains_on_customer_data", "contradiction_training", "contradiction_opt_out"],
  },
  {
    name: "says no training, yet fine-tunes on customer prompts",
    patch: {
      q10: {
        value:
          "Licensed news archives and public-domain books. We also use customer prompts to fine-tune our models each quarter.",
      },
    },
    rules: ["contradiction_training"],
  },
  {
    name: "opt-out from training that does not happen",
    patch: { q19: { value: "yes" } },
    rules: ["contradiction_opt_out"],
  },
  {
    name: "no SOC 2 but an auditor named",
    patch: { q01: { value: "none" } },
    rules: ["no_soc2_type2", "contradiction_soc2"],
  },
  { name: "old SOC 2 report", patch: { q01: { value: "type2_older" } }, rules: ["soc2_type2_not_current"] },
  { name: "breach notice after 96 hours", patch: { q05: { value: 96 } }, rules: ["breach_notice_slow"] },
  { name: "breach notice at exactly 72 hours", patch: { q05: { value: 72 } }, rules: [] },
  {
    name: "N/A accepted where allowed",
    patch: { q02: { value: "N/A" }, q01: { value: "type1_only" } },
    rules: ["no_soc2_type2"],
  },
  {
    name: "Type II claimed but auditor not applicable",
    patch: { q02: { value: "N/A" }, q01: { value: "type2_current" } },
    rules: ["contradiction_soc2"],
  },
  { name: "N/A where not accepted", patch: { q16: { value: "N/A" } }, rules: ["vague_answer"] },
  { name: "na choice where not accepted", patch: { q04: { value: "na" } }, rules: ["vague_answer"] },
  {
    name: "see our website",
    patch: { q21: { value: "Please see our website for the full deletion process." } },
    rules: ["vague_answer"],
  },
  {
    name: "best practices",
    patch: { q23: { value: "We follow industry standard practices for all encryption." } },
    rules: ["vague_answer"],
  },
  {
    name: "choice needing a comment without one",
    patch: { q09: { value: "mixed" } },
    rules: ["vague_answer"],
  },
  {
    name: "no independent model audit",
    patch: { q41: { value: "none" } },
    rules: ["no_independent_model_audit"],
  },
  {
    name: "no bias testing, no scanning, no weight checks, no DPA",
    patch: { q12: { value: "none" }, q26: { value: "no" }, q28: { value: "no" }, q36: { value: "no" } },
    rules: ["no_bias_testing", "no_dependency_scanning", "no_weight_integrity_check", "no_gdpr_dpa"],
  },
  {
    name: "tier 2 never judges the tier-3-only supply chain question",
    questions: "tier2",
    patch: { q24: { value: "None." } },
    rules: [],
  },
];

describe("analyzeAnswers table", () => {
  it.each(cases)("$name → $rules", ({ patch, rules, questions }) => {
    const set = questions === "tier2" ? tier2 : tier3;
    const answers = answersWith(patch);
    for (const id of Object.keys(answers)) if (!set.some((q) => q.id === id)) delete answers[id];
    const findings = analyzeAnswers({ questions: set, answers });
    expect(findings.map((f) => f.rule).sort()).toEqual([...rules].sort());
  });
});

describe("analyzeAnswers evidence", () => {
  it("cites the questions and quotes the answers of a contradiction", () => {
    const findings = analyzeAnswers({
      questions: tier3,
      answers: answersWith({
        q17: { value: "no", comment: "Abuse-monitoring logs are retained for 30 days." },
      }),
    });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding).toMatchObject({
      id: "contradiction_retention:q17",
      kind: "contradiction",
      severity: "high",
      dimension: "data",
      questionIds: ["q17"],
    });
    expect(finding?.evidence).toEqual([
      {
        kind: "answer",
        questionId: "q17",
        questionText: tier3.find((q) => q.id === "q17")?.text,
        quote: "no — Abuse-monitoring logs are retained for 30 days.",
      },
    ]);
  });

  it("quotes missing answers as such and names every question a red flag read", () => {
    const findings = analyzeAnswers({
      questions: tier3,
      answers: answersWith({ q08: { value: "AI" }, q09: undefined }),
    });
    const flag = findings.find((f) => f.rule === "cannot_explain_ai");
    expect(flag?.questionIds).toEqual(["q08", "q09", "q10"]);
    expect(flag?.evidence.map((e) => e.quote)).toEqual([
      "AI",
      "(no answer)",
      expect.stringContaining("Licensed news archives"),
    ]);
    expect(flag?.explanation).toContain("q08, q09");
  });

  it("is deterministic and lists the most severe findings first", () => {
    const answers = answersWith({ q05: undefined, q15: { value: "no" }, q22: { value: "no" } });
    const first = analyzeAnswers({ questions: tier3, answers });
    expect(analyzeAnswers({ questions: tier3, answers })).toEqual(first);
    expect(first.map((f) => f.severity)).toEqual(["high", "medium", "low"]);
  });

  it("reports every required question as missing for an empty submission", () => {
    const findings = analyzeAnswers({ questions: tier2, answers: {} });
    expect(findings.filter((f) => f.rule === "missing_answer")).toHaveLength(25);
    expect(findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(["cannot_explain_ai", "no_model_card", "refuses_training_data"]),
    );
  });

  it("quotes choices by their label and numbers with their unit", () => {
    const q01 = tier3.find((q) => q.id === "q01");
    const q05 = tier3.find((q) => q.id === "q05");
    if (!q01 || !q05) throw new Error("bank lost q01 or q05");
    expect(quoteAnswer(q01, { value: "type1_only" })).toBe("Type I only");
    expect(quoteAnswer(q05, { value: 48 })).toBe("48 hours");
    expect(quoteAnswer(q05, undefined)).toBe("(no answer)");
  });
});

describe("analyzeAnswers on arbitrary vendor input", () => {
  const words = [
    "SOC 2",
    "none",
    "proprietary",
    "30 days",
    "retained",
    "we never train on customer data",
    "N/A",
    "see our website",
    "model",
    "yes",
    "no",
  ];
  const arbText = fc.oneof(
    fc.string({ maxLength: 300 }),
    fc.array(fc.constantFrom(...words), { maxLength: 12 }).map((w) => w.join(" ")),
  );
  const arbValue = fc.oneof(
    arbText,
    fc.constantFrom("yes", "no", "partial", "na", "none", "type2_current", "every_release"),
    fc.array(fc.constantFrom("eu", "us", "other", "gdpr"), { maxLength: 3 }),
    fc.double({ min: 0, max: 1e6, noNaN: true }),
    fc.constant(null),
  );
  const arbAnswers = fc.dictionary(
    fc.constantFrom(...tier3.map((q) => q.id)),
    fc.record(
      { value: arbValue, comment: fc.option(arbText, { nil: undefined }) },
      { requiredKeys: ["value"] },
    ),
  );

  it("never throws, is deterministic and cites only asked questions with bounded quotes", () => {
    fc.assert(
      fc.property(arbAnswers, (answers) => {
        const findings = analyzeAnswers({ questions: tier3, answers });
        expect(analyzeAnswers({ questions: tier3, answers })).toEqual(findings);
        const asked = new Set(tier3.map((q) => q.id));
        const ids = new Set<string>();
        for (const f of findings) {
          expect(ids.has(f.id)).toBe(false);
          ids.add(f.id);
          for (const id of f.questionIds) expect(asked.has(id)).toBe(true);
          for (const e of f.evidence) expect(e.quote.length).toBeLessThanOrEqual(500);
        }
        for (const q of tier3) {
          const a = answers[q.id];
          const blank =
            a === undefined ||
            a.value === null ||
            (typeof a.value === "string" && a.value.trim() === "") ||
            (Array.isArray(a.value) && a.value.length === 0);
          expect(ids.has(`missing_answer:${q.id}`)).toBe(blank);
        }
      }),
      { numRuns: 200 },
    );
  });
});
