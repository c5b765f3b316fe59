/**
 * Answer analysis: deterministic, explainable findings from a vendor's questionnaire answers.
 * Five families of rules, each citing the questions and quoting the answers it read:
 *   - missing answers to required questions;
 *   - vague answers where the question asks for specifics (too few words, boilerplate such as
 *     "see our website", "N/A" where it is not accepted);
 *   - per-question checks declared in the bank (an answer that is itself a gap, such as
 *     "no bias testing");
 *   - contradictions between answers (data "not stored" beside a retention period, "no training
 *     on customer data" beside "inference data used for training", opt-out claims that do not fit
 *     the training answer, no SOC 2 report beside an auditor's name);
 *   - the five red flags of the seed (cannot explain its AI, no model card, refuses to discuss
 *     training data, claims no third-party dependencies, SOC 2 used as a shield).
 * The same answers always give the same findings in the same order. Contradiction rules read
 * question ids of bank v1 (q01, q02, q16-q19, q21, q10, q11); a rule whose questions are not in
 * the assessment does not run.
 */
import {
  type Finding,
  type FindingEvidence,
  type FindingSeverity,
  findingId,
  type ScoringDimension,
  sortFindings,
} from "./findings.ts";
import {
  type Answer,
  type Answers,
  isBlankAnswer,
  type Question,
  type RedFlagRule,
} from "./question-bank.ts";

export interface AnalyzeAnswersInput {
  /** The questions the assessment asked (bank selection plus custom questions). */
  questions: readonly Question[];
  answers: Answers;
}

const QUOTE_LIMIT = 500;
/** Comments required by `commentRequiredFor` need at least this many words even if minWords is 0. */
const MIN_COMMENT_WORDS = 3;

const WORD = /[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu;

function countWords(text: string): number {
  return text.match(WORD)?.length ?? 0;
}

/** Phrases that point somewhere else instead of answering. */
const DEFLECTIONS: readonly { pattern: RegExp; label: string }[] = [
  {
    pattern:
      /\b(see|visit|check|consult)\s+(our|the)\s+(web\s?site|site|docs|documentation|trust\s+(portal|cent(er|re)|page)|policy|policies|faq|terms)\b/i,
    label: "points to a website or document instead of answering",
  },
  { pattern: /\b(refer|referred)\s+to\s+(our|the)\b/i, label: "refers elsewhere instead of answering" },
  { pattern: /\bavailable\s+(on|upon)\s+request\b/i, label: "says the answer is available on request" },
  {
    pattern: /\b(industry[-\s]standard|best)\s+practices?\b/i,
    label: "cites best practice instead of specifics",
  },
];

/** Whole answers that say nothing. */
const EMPTY_ANSWER =
  /^\s*(n\/?a|none|tbd|tba|to be (confirmed|determined)|-+|\?+|yes|no|ok|okay|various|standard)\.?\s*$/i;
const NOT_APPLICABLE = /^\s*(n\/?a|not applicable)\.?\s*$/i;

const REFUSAL =
  /\b(proprietary|confidential|trade secrets?|(cannot|can't|can not|unable to|not able to|do not|don't|will not|won't|decline to)\s+(disclose|share|discuss|provide|reveal)|not\s+(publicly\s+)?disclosed)\b/i;

const SOC2 = /\bSOC\s?-?(2|II)\b/i;
const SOC2_SHIELD_PHRASE =
  /\b(covered|addressed|handled)\s+(by|in|under)\s+(our|the)\s+SOC\s?-?(2|II)|\b(see|refer to)\s+(our|the)\s+SOC\s?-?(2|II)|\bSOC\s?-?(2|II)\s+(type\s+(2|II)\s+)?(compliant|certified|audited|attested)\b|\bour\s+SOC\s?-?(2|II)\b.{0,30}\bcovers?\b/i;

const NO_THIRD_PARTY =
  /^\s*(none|n\/?a|no)\.?\s*$|\bno\s+(third[-\s]part(y|ies)|external\s+(dependenc(y|ies)|providers?|vendors?)|dependenc(y|ies)|outside\s+(providers?|vendors?))\b|\b(everything|all of it|the (entire|whole) stack)\s+(is\s+)?(built|developed|run|handled|managed)\s+in[-\s]house\b|\bwe\s+(handle|manage|build|do|own)\s+everything\b/i;

const DURATION = /\b\d+\s*(hours?|days?|weeks?|months?|years?)\b/i;
const RETENTION_WORD =
  /\b(retain|retains|retained|retention|keep|keeps|kept|store|stores|stored|log|logs|logged|held|delet\w*\s+after|purged?)\b/i;

const TRAINING_WORD =
  /\b(train|trains|training|trained|retrain\w*|improve\s+(our\s+)?(models?|services?)|fine[-\s]?tun\w*)\b/i;
const NEGATION = /\b(not|never|no|don't|doesn't|won't|do not|does not|will not|neither)\b/i;
const CUSTOMER_DATA = /\b(customer|customers'?|client|your|user|inference|api|prompt)s?\b/i;

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?;])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function truncate(text: string): string {
  return text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT - 1)}…` : text;
}

/** The answer as a reviewer would read it: the chosen label or the text, then the comment. */
export function quoteAnswer(question: Question, answer: Answer | undefined): string {
  if (answer === undefined || isBlankAnswer(answer)) return "(no answer)";
  const v = answer.value;
  const label = (value: string) => question.options?.find((o) => o.value === value)?.label ?? value;
  let main: string;
  if (v === null) main = `(files: ${(answer.evidence ?? []).join(", ")})`;
  else if (Array.isArray(v))
    main = question.answerType === "file" ? `(files: ${v.join(", ")})` : v.map(label).join("; ");
  else if (typeof v === "number") main = question.unit === undefined ? String(v) : `${v} ${question.unit}`;
  else if (question.answerType === "single_choice") main = label(v);
  else main = v;
  const comment = answer.comment?.trim();
  return truncate(comment ? `${main} — ${comment}` : main);
}

/** All free text of an answer: its text value and its comment. */
function freeText(answer: Answer | undefined): string {
  if (answer === undefined) return "";
  const parts: string[] = [];
  if (typeof answer.value === "string") parts.push(answer.value);
  if (answer.comment) parts.push(answer.comment);
  return parts.join("\n");
}

function chosenValues(answer: Answer | undefined): string[] {
  if (answer === undefined || answer.value === null) return [];
  if (Array.isArray(answer.value)) return answer.value;
  return typeof answer.value === "string" ? [answer.value] : [];
}

interface Vagueness {
  reason: string;
}

/**
 * Why an answer is too vague to accept, or undefined when it is specific enough. Text answers
 * need `minWords`; choices named in `commentRequiredFor` need a comment of that length.
 */
function vaguenessOf(q: Question, answer: Answer): Vagueness | undefined {
  const value = answer.value;
  if (value === "na" && q.answerType === "yes_no_partial_na" && !q.naAllowed) {
    return { reason: "answers “not applicable”, which this question does not accept" };
  }
  let text: string | undefined;
  let need = q.minWords;
  if (q.answerType === "text" && typeof value === "string") {
    text = value;
    if (!q.naAllowed && NOT_APPLICABLE.test(value)) {
      return { reason: "answers “N/A”, which this question does not accept" };
    }
    if (q.naAllowed && NOT_APPLICABLE.test(value)) return undefined;
  } else if (chosenValues(answer).some((v) => q.commentRequiredFor.includes(v))) {
    text = answer.comment ?? "";
    need = Math.max(need, MIN_COMMENT_WORDS);
  }
  if (text === undefined) return undefined;
  if (text.trim() === "") return { reason: "gives no explanation where one is required" };
  if (EMPTY_ANSWER.test(text)) return { reason: `says only “${text.trim()}”` };
  for (const d of DEFLECTIONS) if (d.pattern.test(text)) return { reason: d.label };
  const words = countWords(text);
  if (words < need)
    return { reason: `has ${words} word${words === 1 ? "" : "s"} where at least ${need} are expected` };
  return undefined;
}

function isSoc2Shield(text: string): boolean {
  if (!SOC2.test(text)) return false;
  // What the answer says besides the SOC 2 mention and filler words.
  const rest = countWords(
    text
      .replace(new RegExp(SOC2.source, "gi"), " ")
      .replace(/\b(type|ii|2|report|our|the|we|have|a|an|is|are|see)\b/gi, " "),
  );
  // A shield phrase ("covered by our SOC 2") with little substance, or barely anything but SOC 2.
  return (SOC2_SHIELD_PHRASE.test(text) && rest < 15) || rest < 6;
}

// ---------------------------------------------------------------------------------------------

interface Context {
  questions: readonly Question[];
  byId: Map<string, Question>;
  answers: Answers;
}

function evidenceFor(ctx: Context, ids: readonly string[]): FindingEvidence[] {
  return ids.flatMap((id) => {
    const q = ctx.byId.get(id);
    return q === undefined
      ? []
      : [
          {
            kind: "answer" as const,
            questionId: id,
            questionText: q.text,
            quote: quoteAnswer(q, ctx.answers[id]),
          },
        ];
  });
}

function make(
  ctx: Context,
  f: {
    rule: string;
    kind: Finding["kind"];
    title: string;
    severity: FindingSeverity;
    dimension: ScoringDimension;
    explanation: string;
    questionIds: string[];
  },
): Finding {
  return {
    id: findingId(f.rule, f.questionIds),
    rule: f.rule,
    kind: f.kind,
    title: f.title,
    severity: f.severity,
    dimension: f.dimension,
    explanation: f.explanation,
    evidence: evidenceFor(ctx, f.questionIds),
    questionIds: f.questionIds,
  };
}

function missingAndVague(ctx: Context): { findings: Finding[]; unexplained: Set<string> } {
  const findings: Finding[] = [];
  const unexplained = new Set<string>();
  for (const q of ctx.questions) {
    const answer = ctx.answers[q.id];
    if (isBlankAnswer(answer)) {
      if (q.required) {
        unexplained.add(q.id);
        findings.push(
          make(ctx, {
            rule: "missing_answer",
            kind: "missing_answer",
            title: `No answer to ${q.id}`,
            severity: "medium",
            dimension: q.dimension,
            explanation: `Question ${q.id} (“${q.text}”) is required and was left unanswered.`,
            questionIds: [q.id],
          }),
        );
      }
      continue;
    }
    if (answer === undefined) continue;
    const vague = vaguenessOf(q, answer);
    if (vague !== undefined) {
      unexplained.add(q.id);
      findings.push(
        make(ctx, {
          rule: "vague_answer",
          kind: "vague_answer",
          title: `Vague answer to ${q.id}`,
          severity: q.redFlags.length > 0 ? "medium" : "low",
          dimension: q.dimension,
          explanation: `The answer to ${q.id} ${vague.reason}; the question asks for specifics.`,
          questionIds: [q.id],
        }),
      );
    }
  }
  return { findings, unexplained };
}

function answerChecks(ctx: Context): Finding[] {
  const out: Finding[] = [];
  for (const q of ctx.questions) {
    const answer = ctx.answers[q.id];
    if (answer === undefined || isBlankAnswer(answer)) continue;
    for (const check of q.checks) {
      const fired =
        "answerIn" in check.when
          ? chosenValues(answer).some((v) => "answerIn" in check.when && check.when.answerIn.includes(v))
          : typeof answer.value === "number" && answer.value > check.when.numberAbove;
      if (!fired) continue;
      out.push(
        make(ctx, {
          rule: check.rule,
          kind: "answer_check",
          title: check.title,
          severity: check.severity,
          dimension: q.dimension,
          explanation: `${check.explanation} (answer to ${q.id}: “${quoteAnswer(q, answer)}”)`,
          questionIds: [q.id],
        }),
      );
    }
  }
  return out;
}

function tagged(ctx: Context, rule: RedFlagRule): Question[] {
  return ctx.questions.filter((q) => q.redFlags.includes(rule));
}

function redFlags(ctx: Context, unexplained: ReadonlySet<string>): Finding[] {
  const out: Finding[] = [];
  const flag = (
    rule: RedFlagRule,
    title: string,
    dimension: ScoringDimension,
    explanation: string,
    ids: string[],
    severity: FindingSeverity = "high",
  ) =>
    out.push(
      make(ctx, { rule, kind: "red_flag", title, severity, dimension, explanation, questionIds: ids }),
    );

  const refused = (q: Question) => REFUSAL.test(freeText(ctx.answers[q.id]));

  // 1. "We use AI" but cannot explain how: most of the model questions are missing, vague or refused.
  const explainQs = tagged(ctx, "cannot_explain_ai");
  const notExplained = explainQs.filter((q) => unexplained.has(q.id) || refused(q));
  if (explainQs.length > 0 && notExplained.length >= Math.min(2, explainQs.length)) {
    flag(
      "cannot_explain_ai",
      "Vendor cannot explain how it uses AI",
      "model",
      `${notExplained.length} of ${explainQs.length} questions about the models, their origin and training data are missing, vague or refused (${notExplained.map((q) => q.id).join(", ")}).`,
      explainQs.map((q) => q.id),
    );
  }

  // 2. No model card or documentation.
  for (const q of tagged(ctx, "no_model_card")) {
    const answer = ctx.answers[q.id];
    const said = chosenValues(answer);
    if (isBlankAnswer(answer) || said.includes("no") || unexplained.has(q.id)) {
      flag(
        "no_model_card",
        "No model card or model documentation",
        "model",
        isBlankAnswer(answer)
          ? `No answer to ${q.id}: the vendor does not show that its models are documented.`
          : `The answer to ${q.id} does not show model cards or equivalent documentation (intended use, limitations, training data, evaluation).`,
        [q.id],
      );
    }
  }

  // 3. Refuses to discuss training data.
  for (const q of tagged(ctx, "refuses_training_data")) {
    const answer = ctx.answers[q.id];
    const said = chosenValues(answer);
    if (isBlankAnswer(answer) || refused(q) || said.includes("no")) {
      flag(
        "refuses_training_data",
        "Vendor does not disclose its training data",
        "model",
        isBlankAnswer(answer)
          ? `${q.id} about training data was left unanswered; legitimate vendors name at least the categories of data used.`
          : `The answer to ${q.id} withholds the training data (for example as proprietary or confidential); legitimate vendors name at least the categories of data used.`,
        [q.id],
      );
    }
  }

  // 4. Claims no third-party dependencies.
  for (const q of tagged(ctx, "claims_no_third_party")) {
    const text = freeText(ctx.answers[q.id]);
    if (text !== "" && NO_THIRD_PARTY.test(text)) {
      flag(
        "claims_no_third_party",
        "Vendor claims no third-party dependencies",
        q.dimension,
        `The answer to ${q.id} claims the vendor depends on no third parties; every AI stack rests on libraries, hosting or base models, so the claim is either wrong or describes an unusual build-everything approach that needs its own review.`,
        [q.id],
      );
    }
  }

  // 5. SOC 2 used as a shield for model or data questions.
  const shielded = tagged(ctx, "soc2_shield").filter((q) => isSoc2Shield(freeText(ctx.answers[q.id])));
  if (shielded.length > 0) {
    flag(
      "soc2_shield",
      "SOC 2 offered in place of AI-specific answers",
      shielded[0]?.dimension ?? "model",
      `${shielded.map((q) => q.id).join(", ")} ${shielded.length === 1 ? "is" : "are"} answered by pointing at the SOC 2 report. SOC 2 covers infrastructure controls, not model behaviour, training data or bias.`,
      shielded.map((q) => q.id),
      "medium",
    );
  }
  return out;
}

function contradictions(ctx: Context): Finding[] {
  const out: Finding[] = [];
  const has = (id: string) => ctx.byId.has(id) && !isBlankAnswer(ctx.answers[id]);
  const values = (id: string) => chosenValues(ctx.answers[id]);
  const push = (
    rule: string,
    title: string,
    severity: FindingSeverity,
    dimension: ScoringDimension,
    explanation: string,
    ids: string[],
  ) =>
    out.push(
      make(ctx, { rule, kind: "contradiction", title, severity, dimension, explanation, questionIds: ids }),
    );

  // Inference data "not stored" beside a stated retention period.
  if (has("q17") && values("q17").includes("no")) {
    const sources = ["q17", "q21", "q16"].filter((id) => {
      if (!has(id)) return false;
      return sentences(freeText(ctx.answers[id])).some((s) => DURATION.test(s) && RETENTION_WORD.test(s));
    });
    if (sources.length > 0) {
      const ids = [...new Set(["q17", ...sources])];
      push(
        "contradiction_retention",
        "Inference data “not stored”, yet a retention period is stated",
        "high",
        "data",
        `${ids.join(" and ")} disagree: q17 says inputs and outputs are not kept, while ${sources.join(", ")} states how long data is kept. The real retention period must be confirmed and written into the contract.`,
        ids,
      );
    }
  }

  // Training on our data: the yes/no answer against what the free text says.
  if (has("q18")) {
    const trains = values("q18").some((v) => v === "yes" || v === "partial");
    const others = ["q10", "q11", "q16", "q17", "q19", "q21"].filter(has);
    const claimNoTraining = others.filter((id) =>
      sentences(freeText(ctx.answers[id])).some(
        (s) => TRAINING_WORD.test(s) && NEGATION.test(s) && CUSTOMER_DATA.test(s),
      ),
    );
    const claimTraining = others.filter((id) =>
      sentences(freeText(ctx.answers[id])).some(
        (s) =>
          TRAINING_WORD.test(s) &&
          !NEGATION.test(s) &&
          CUSTOMER_DATA.test(s) &&
          /\b(use|used|uses|using)\b/i.test(s),
      ),
    );
    const freeTextOf18 = sentences(freeText(ctx.answers.q18));
    if (trains && claimNoTraining.length > 0) {
      const ids = ["q18", ...claimNoTraining];
      push(
        "contradiction_training",
        "“No training on customer data” contradicts the training answer",
        "high",
        "data",
        `q18 says inference data is used to train or improve models, while ${claimNoTraining.join(", ")} says customer data is not used for training.`,
        ids,
      );
    } else if (
      values("q18").includes("no") &&
      (claimTraining.length > 0 ||
        freeTextOf18.some(
          (s) => TRAINING_WORD.test(s) && !NEGATION.test(s) && /\b(use|used|uses)\b/i.test(s),
        ))
    ) {
      const ids = [...new Set(["q18", ...claimTraining])];
      push(
        "contradiction_training",
        "Training answer contradicts what the vendor writes elsewhere",
        "high",
        "data",
        `q18 says inference data is not used for training, while ${claimTraining.length > 0 ? claimTraining.join(", ") : "its own comment"} describes customer data being used to train or improve models.`,
        ids,
      );
    }
  }

  // Opt-out claims that do not fit the training answer.
  if (has("q18") && has("q19")) {
    const trains = values("q18").some((v) => v === "yes" || v === "partial");
    if (trains && values("q19").includes("na")) {
      push(
        "contradiction_opt_out",
        "Opt-out called not applicable although the vendor trains on our data",
        "medium",
        "data",
        "q18 says inference data is used for training, yet q19 answers that an opt-out is not applicable.",
        ["q18", "q19"],
      );
    } else if (values("q18").includes("no") && values("q19").some((v) => v === "yes" || v === "partial")) {
      push(
        "contradiction_opt_out",
        "Opt-out offered from training that supposedly does not happen",
        "low",
        "data",
        "q18 says inference data is not used for training, but q19 offers an opt-out from it, which suggests training is on by default for some customers or products.",
        ["q18", "q19"],
      );
    }
  }

  // A Type II report claimed, yet no auditor or period given.
  if (has("q01") && has("q02") && values("q01").some((v) => v === "type2_current" || v === "type2_older")) {
    if (NOT_APPLICABLE.test(freeText(ctx.answers.q02))) {
      push(
        "contradiction_soc2",
        "SOC 2 Type II report claimed, yet auditor and period called not applicable",
        "medium",
        "infrastructure",
        "q01 says a Type II report exists while q02 answers that the auditor and period do not apply; ask for the report itself.",
        ["q01", "q02"],
      );
    }
  }

  // No SOC 2 report, yet an auditor and period are named.
  if (has("q01") && has("q02") && values("q01").includes("none")) {
    const q02 = freeText(ctx.answers.q02);
    if (!NOT_APPLICABLE.test(q02) && countWords(q02) >= 2) {
      push(
        "contradiction_soc2",
        "No SOC 2 report, yet an auditor and period are given",
        "medium",
        "infrastructure",
        "q01 says there is no SOC 2 report while q02 names an audit firm or period; ask which examination the vendor means.",
        ["q01", "q02"],
      );
    }
  }
  return out;
}

/**
 * Decides the findings for one set of answers: missing and vague answers, the bank's per-question
 * checks, contradictions and red flags, each citing question ids and quoting the answers.
 */
export function analyzeAnswers(input: AnalyzeAnswersInput): Finding[] {
  const ctx: Context = {
    questions: input.questions,
    byId: new Map(input.questions.map((q) => [q.id, q])),
    answers: input.answers,
  };
  const { findings, unexplained } = missingAndVague(ctx);
  return sortFindings([
    ...findings,
    ...answerChecks(ctx),
    ...contradictions(ctx),
    ...redFlags(ctx, unexplained),
  ]);
}
