/**
 * The questionnaire as data: the versioned question bank (catalog/questions/ai-vendor-v1.yaml),
 * the custom questions admins add, the selection of questions for a tier, and the shape and
 * validation of a vendor's answers. Callers parse the YAML and pass the object in; nothing here
 * reads files.
 */
import { z } from "zod";
import { isCalendarDate } from "./business-days.ts";
import { AppError } from "./errors.ts";
import { FINDING_SEVERITIES, SCORING_DIMENSIONS } from "./findings.ts";
import type { Tier } from "./tiering.ts";

export const ANSWER_TYPES = [
  "yes_no_partial_na",
  "text",
  "date",
  "single_choice",
  "multi_choice",
  "number",
  "file",
] as const;
export type AnswerType = (typeof ANSWER_TYPES)[number];

export const YES_NO_VALUES = ["yes", "no", "partial", "na"] as const;
export type YesNoValue = (typeof YES_NO_VALUES)[number];

export const SECTION_IDS = ["A", "B", "C", "D", "E", "F"] as const;
export type SectionId = (typeof SECTION_IDS)[number];

/** The red-flag rules (seed: "Red flags that don't show up in SOC 2 reports"). */
export const RED_FLAG_RULES = [
  "cannot_explain_ai",
  "no_model_card",
  "refuses_training_data",
  "claims_no_third_party",
  "soc2_shield",
] as const;
export type RedFlagRule = (typeof RED_FLAG_RULES)[number];

/** Bank question ids: q01, q02, … Custom question ids start with "c-" so the two never collide. */
export const BANK_QUESTION_ID = /^q\d{2}$/;
export const CUSTOM_QUESTION_ID = /^c-[a-z0-9][a-z0-9-]{0,39}$/;

const ruleId = z.string().regex(/^[a-z][a-z0-9_]*$/);
const optionValue = z.string().regex(/^[a-z0-9][a-z0-9_]{0,63}$/);

const checkSchema = z
  .object({
    rule: ruleId,
    when: z.union([
      z.object({ answerIn: z.array(optionValue).min(1) }).strict(),
      z.object({ numberAbove: z.number() }).strict(),
    ]),
    severity: z.enum(FINDING_SEVERITIES),
    title: z.string().min(1).max(200),
    explanation: z.string().min(1).max(1000),
  })
  .strict();
export type AnswerCheck = z.infer<typeof checkSchema>;

const referencesSchema = z
  .object({
    soc2: z.array(z.string().regex(/^(CC\d\.\d|A1\.\d|C1\.\d|PI1\.\d|P\d\.\d)$/)).optional(),
    iso42001: z.array(z.string().regex(/^A\.\d+(\.\d+){1,2}$/)).optional(),
    nistAiRmf: z.array(z.string().regex(/^(GV|MP|MS|MG)-\d\.\d+$/)).optional(),
    euAiAct: z.array(z.string().regex(/^(Art\. \d+|Annex [IVX]+)/)).optional(),
  })
  .strict();

function questionSchema(idPattern: RegExp) {
  return z
    .object({
      id: z.string().regex(idPattern),
      section: z.enum(SECTION_IDS),
      text: z.string().trim().min(5).max(500),
      help: z.string().trim().min(1).max(1000).optional(),
      answerType: z.enum(ANSWER_TYPES),
      options: z
        .array(z.object({ value: optionValue, label: z.string().min(1).max(200) }).strict())
        .min(2)
        .max(30)
        .optional(),
      unit: z.string().min(1).max(30).optional(),
      evidenceExpected: z.array(z.string().min(1).max(200)).max(10).default([]),
      dimension: z.enum(SCORING_DIMENSIONS),
      tiers: z
        .array(z.union([z.literal(1), z.literal(2), z.literal(3)]))
        .min(1)
        .max(3),
      required: z.boolean().default(true),
      naAllowed: z.boolean().default(false),
      /** Words an answer (or its comment, where one is required) needs to count as specific. */
      minWords: z.number().int().min(0).max(200).default(0),
      commentRequiredFor: z.array(optionValue).max(30).default([]),
      redFlags: z.array(z.enum(RED_FLAG_RULES)).max(RED_FLAG_RULES.length).default([]),
      checks: z.array(checkSchema).max(10).default([]),
      references: referencesSchema.default({}),
    })
    .strict()
    .superRefine((q, ctx) => {
      const choice = q.answerType === "single_choice" || q.answerType === "multi_choice";
      if (choice && q.options === undefined) {
        ctx.addIssue({ code: "custom", path: ["options"], message: "a choice question needs options" });
      }
      if (!choice && q.options !== undefined) {
        ctx.addIssue({ code: "custom", path: ["options"], message: "only choice questions have options" });
      }
      const allowed = new Set<string>(
        q.answerType === "yes_no_partial_na" ? YES_NO_VALUES : (q.options ?? []).map((o) => o.value),
      );
      if (q.options && new Set(q.options.map((o) => o.value)).size !== q.options.length) {
        ctx.addIssue({ code: "custom", path: ["options"], message: "option values repeat" });
      }
      q.commentRequiredFor.forEach((v, i) => {
        if (!allowed.has(v))
          ctx.addIssue({ code: "custom", path: ["commentRequiredFor", i], message: `unknown value ${v}` });
      });
      q.checks.forEach((c, i) => {
        if ("answerIn" in c.when) {
          for (const v of c.when.answerIn) {
            if (!allowed.has(v))
              ctx.addIssue({ code: "custom", path: ["checks", i], message: `unknown value ${v}` });
          }
        } else if (q.answerType !== "number") {
          ctx.addIssue({
            code: "custom",
            path: ["checks", i],
            message: "numberAbove needs a number question",
          });
        }
      });
    });
}

export const BankQuestionSchema = questionSchema(BANK_QUESTION_ID);
/** Admins' questions: the same fields, ids in their own "c-…" namespace. */
export const CustomQuestionSchema = questionSchema(CUSTOM_QUESTION_ID);
export type Question = z.infer<typeof BankQuestionSchema>;
export type QuestionInput = z.input<typeof CustomQuestionSchema>;

export const QuestionBankSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/),
    version: z.number().int().positive(),
    title: z.string().min(1).max(200),
    sections: z
      .array(z.object({ id: z.enum(SECTION_IDS), title: z.string().min(1).max(200) }).strict())
      .length(SECTION_IDS.length),
    questions: z.array(BankQuestionSchema).min(1).max(500),
  })
  .strict()
  .superRefine((bank, ctx) => {
    const seen = new Set<string>();
    bank.questions.forEach((q, i) => {
      if (seen.has(q.id))
        ctx.addIssue({ code: "custom", path: ["questions", i, "id"], message: `duplicate id ${q.id}` });
      seen.add(q.id);
    });
  });
export type QuestionBank = z.infer<typeof QuestionBankSchema>;

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.slice(0, 50).map((i) => ({ path: i.path.join("."), message: i.message }));
}

/** Validates a parsed question bank; throws QUESTION_BANK_INVALID listing the bad paths. */
export function parseQuestionBank(raw: unknown): QuestionBank {
  const parsed = QuestionBankSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("QUESTION_BANK_INVALID", "The question bank does not match its schema.", {
      details: { issues: issuesOf(parsed.error) },
    });
  }
  return parsed.data;
}

/** Validates admins' custom questions (ids unique among themselves); throws QUESTION_BANK_INVALID. */
export function parseCustomQuestions(raw: unknown): Question[] {
  const parsed = z.array(CustomQuestionSchema).max(200).safeParse(raw);
  if (!parsed.success) {
    throw new AppError("QUESTION_BANK_INVALID", "A custom question is not valid.", {
      details: { issues: issuesOf(parsed.error) },
    });
  }
  const seen = new Set<string>();
  for (const q of parsed.data) {
    if (seen.has(q.id)) {
      throw new AppError("QUESTION_BANK_INVALID", `Custom question id ${q.id} is used twice.`, {
        details: { id: q.id },
      });
    }
    seen.add(q.id);
  }
  return parsed.data;
}

/**
 * The questions an assessment of `tier` asks: the bank's questions tagged with the tier, in bank
 * order, then the custom questions tagged with it. Custom questions are validated here too.
 */
export function selectQuestions(
  bank: QuestionBank,
  tier: Tier,
  customQuestions: readonly unknown[] = [],
): Question[] {
  const custom = parseCustomQuestions(customQuestions);
  return [...bank.questions, ...custom].filter((q) => q.tiers.includes(tier));
}

// ---------------------------------------------------------------------------------------------
// Answers

export const AnswerSchema = z
  .object({
    value: z.union([
      z.string().max(20_000),
      z.array(z.string().max(200)).max(50),
      z.number().finite(),
      z.null(),
    ]),
    comment: z.string().max(10_000).optional(),
    /** Ids or SHA-256 hashes of uploaded evidence files. */
    evidence: z.array(z.string().min(1).max(200)).max(20).optional(),
  })
  .strict();
export type Answer = z.infer<typeof AnswerSchema>;

export const AnswersSchema = z.record(z.string().max(64), AnswerSchema);
export type Answers = Record<string, Answer>;

export interface AnswerIssue {
  questionId: string;
  message: string;
}

/** True when the answer holds no value (no text, no choice, no file). */
export function isBlankAnswer(answer: Answer | undefined): boolean {
  if (answer === undefined || answer.value === null) return (answer?.evidence?.length ?? 0) === 0;
  if (typeof answer.value === "string") return answer.value.trim() === "";
  if (Array.isArray(answer.value)) return answer.value.length === 0;
  return false;
}

/**
 * Checks each answer's value against its question's type (a choice among the options, a date,
 * a number, yes/no/partial/na). Blank answers are allowed here (drafts); answer analysis reports
 * them as missing. Answers to questions not in the set are reported too.
 */
export function validateAnswers(questions: readonly Question[], answers: Answers): AnswerIssue[] {
  const issues: AnswerIssue[] = [];
  const byId = new Map(questions.map((q) => [q.id, q]));
  for (const id of Object.keys(answers)) {
    if (!byId.has(id)) issues.push({ questionId: id, message: "not a question of this assessment" });
  }
  for (const q of questions) {
    const answer = answers[q.id];
    if (answer === undefined || answer.value === null) continue;
    const v = answer.value;
    const problem = ((): string | undefined => {
      switch (q.answerType) {
        case "yes_no_partial_na":
          if (typeof v !== "string" || !(YES_NO_VALUES as readonly string[]).includes(v)) {
            return "expected yes, no, partial or na";
          }
          if (v === "na" && !q.naAllowed) return "not applicable is not accepted for this question";
          return undefined;
        case "single_choice":
          return typeof v === "string" && (q.options ?? []).some((o) => o.value === v)
            ? undefined
            : "expected one of the listed options";
        case "multi_choice":
          return Array.isArray(v) &&
            new Set(v).size === v.length &&
            v.every((x) => (q.options ?? []).some((o) => o.value === x))
            ? undefined
            : "expected distinct values from the listed options";
        case "number":
          return typeof v === "number" && v >= 0 ? undefined : "expected a number of zero or more";
        case "date":
          return typeof v === "string" && (v === "" || isCalendarDate(v))
            ? undefined
            : "expected a date YYYY-MM-DD";
        case "text":
          return typeof v === "string" ? undefined : "expected text";
        case "file":
          return Array.isArray(v) ? undefined : "expected a list of uploaded files";
      }
    })();
    if (problem !== undefined) issues.push({ questionId: q.id, message: problem });
  }
  return issues;
}

/**
 * The values an answer to `question` may take, for spreadsheets and forms: yes/no/partial (and
 * na where accepted) or the option values of a choice; undefined for free answers.
 */
export function allowedValues(question: Question): string[] | undefined {
  if (question.answerType === "yes_no_partial_na") {
    return YES_NO_VALUES.filter((v) => v !== "na" || question.naAllowed);
  }
  if (question.answerType === "single_choice" || question.answerType === "multi_choice") {
    return (question.options ?? []).map((o) => o.value);
  }
  return undefined;
}

export const REFERENCE_FRAMEWORKS = ["soc2", "iso42001", "nistAiRmf", "euAiAct"] as const;
export type ReferenceFramework = (typeof REFERENCE_FRAMEWORKS)[number];

/**
 * Which questions address which framework clause (SOC 2 criterion, ISO/IEC 42001 Annex A control,
 * NIST AI RMF subcategory, EU AI Act article), from the questions' references; for the audit
 * pack's framework mapping. Clauses and question ids are sorted.
 */
export function questionsByReference(
  questions: readonly Question[],
): Record<ReferenceFramework, { clause: string; questionIds: string[] }[]> {
  const out = {} as Record<ReferenceFramework, { clause: string; questionIds: string[] }[]>;
  for (const framework of REFERENCE_FRAMEWORKS) {
    const byClause = new Map<string, Set<string>>();
    for (const q of questions) {
      for (const clause of q.references[framework] ?? []) {
        const set = byClause.get(clause) ?? new Set<string>();
        set.add(q.id);
        byClause.set(clause, set);
      }
    }
    out[framework] = [...byClause.entries()]
      .sort(([a], [b]) => a.localeCompare(b, "en", { numeric: true }))
      .map(([clause, ids]) => ({ clause, questionIds: [...ids].sort() }));
  }
  return out;
}

/** Drops answers that carry nothing (no value, comment or evidence) and empty parts of the rest. */
export function normalizeAnswers(answers: Answers): Answers {
  const out: Answers = {};
  for (const [id, a] of Object.entries(answers)) {
    let value = a.value;
    if (typeof value === "string" && value === "") value = null;
    if (Array.isArray(value) && value.length === 0) value = null;
    const next: Answer = { value };
    if (a.comment !== undefined && a.comment !== "") next.comment = a.comment;
    if (a.evidence !== undefined && a.evidence.length > 0) next.evidence = [...a.evidence];
    if (next.value === null && next.comment === undefined && next.evidence === undefined) continue;
    out[id] = next;
  }
  return out;
}
