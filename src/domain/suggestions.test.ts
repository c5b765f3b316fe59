/// <reference types="vite/client" />
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import bankYaml from "../../catalog/questions/ai-vendor-v1.yaml?raw";
import { isAppError } from "./errors.ts";
import { FindingSchema } from "./findings.ts";
import { type Answers, parseQuestionBank, selectQuestions } from "./question-bank.ts";
import {
  answerTextForPrompt,
  buildSuggestionMessages,
  droppedCount,
  MAX_SUGGESTIONS,
  normalizeWhitespace,
  parseSuggestionReply,
  SUGGESTION_DROP_REASONS,
  SUGGESTION_RULE,
  type SuggestionInput,
} from "./suggestions.ts";

const bank = parseQuestionBank(parse(bankYaml));
const questions = selectQuestions(bank, 2);

const answers: Answers = {
  q08: { value: "ExampleLM 3 and a fine-tuned   ExampleLM 2\nfor summaries" },
  q10: { value: "Licensed news archives and public web pages collected in 2024." },
  q16: { value: "Prompts and outputs, kept for 30 days for abuse monitoring." },
  q17: { value: "no", comment: "Inference data is never stored." },
};
const input: SuggestionInput = { questions, answers };

const good = {
  title: "Retention contradicts storage answer",
  severity: "high",
  dimension: "data",
  explanation: "One answer keeps prompts for 30 days while another says inference data is never stored.",
  questionIds: ["q16", "q17"],
  quotes: [
    { questionId: "q16", quote: "kept for 30 days for abuse monitoring" },
    { questionId: "q17", quote: "Inference data is never stored." },
  ],
};

const reply = (...findings: unknown[]) => JSON.stringify({ findings });

describe("buildSuggestionMessages", () => {
  it("sends the questions and answers, and asks for the JSON shape", () => {
    const [system, user] = buildSuggestionMessages(input);
    expect(system?.role).toBe("system");
    expect(system?.content).toContain('"findings"');
    expect(system?.content).toContain('"quotes"');
    expect(user?.role).toBe("user");
    const json = JSON.parse(user?.content.slice(user.content.indexOf("{")) ?? "{}") as {
      questionnaire: { id: string; question: string; answer: string | null }[];
    };
    expect(json.questionnaire.map((q) => q.id)).toEqual(questions.map((q) => q.id));
    const q16 = json.questionnaire.find((q) => q.id === "q16");
    expect(q16?.answer).toBe(answers.q16?.value);
    expect(q16?.question).toBe(questions.find((q) => q.id === "q16")?.text);
    expect(json.questionnaire.find((q) => q.id === "q01")?.answer).toBeNull();
  });

  it("refuses a questionnaire without answers", () => {
    let code = "none";
    try {
      buildSuggestionMessages({ questions, answers: {} });
    } catch (error) {
      if (isAppError(error)) code = error.code;
    }
    expect(code).toBe("VALIDATION_FAILED");
  });

  it("refuses answers too long to send", () => {
    // Each answer goes in cut to 4000 characters; sixty of them overflow the prompt limit.
    const template = questions.find((q) => q.answerType === "text");
    if (!template) throw new Error("the bank has no text question");
    const many = Array.from({ length: 60 }, (_, i) => ({ ...template, id: `c-long-${i}` }));
    const long: Answers = Object.fromEntries(many.map((q) => [q.id, { value: "y ".repeat(10_000) }]));
    let code = "none";
    try {
      buildSuggestionMessages({ questions: many, answers: long });
    } catch (error) {
      if (isAppError(error)) code = error.code;
    }
    expect(code).toBe("INPUT_TOO_LARGE");
    expect(() => buildSuggestionMessages({ questions: many.slice(0, 10), answers: long })).not.toThrow();
  });

  it("shows choices by their labels, with the comment", () => {
    const q = questions.find((x) => x.answerType === "single_choice" && x.options);
    const option = q?.options?.[0];
    expect(q && option).toBeTruthy();
    if (!q || !option) return;
    expect(answerTextForPrompt(q, { value: option.value, comment: "since 2023" })).toBe(
      `${option.label}\nComment: since 2023`,
    );
    expect(answerTextForPrompt(q, { value: "" })).toBeNull();
  });
});

describe("parseSuggestionReply", () => {
  const table: {
    name: string;
    reply: string;
    outcome: "ok" | "empty" | "malformed";
    kept: number;
    drops?: Partial<Record<(typeof SUGGESTION_DROP_REASONS)[number], number>>;
    fenced?: boolean;
  }[] = [
    { name: "a good reply", reply: reply(good), outcome: "ok", kept: 1 },
    { name: "no findings", reply: reply(), outcome: "ok", kept: 0 },
    {
      name: "an invented quote",
      reply: reply({ ...good, quotes: [{ questionId: "q16", quote: "deleted immediately after use" }] }),
      outcome: "ok",
      kept: 0,
      drops: { quote_not_found: 1 },
    },
    {
      name: "a quote from another question's answer",
      reply: reply({ ...good, quotes: [{ questionId: "q08", quote: "kept for 30 days" }] }),
      outcome: "ok",
      kept: 0,
      drops: { quote_not_found: 1 },
    },
    {
      name: "a quote of an unanswered question",
      reply: reply({ ...good, quotes: [{ questionId: "q01", quote: "SOC 2" }] }),
      outcome: "ok",
      kept: 0,
      drops: { quote_not_found: 1 },
    },
    {
      name: "an unknown question id",
      reply: reply({ ...good, questionIds: ["q16", "q99"] }),
      outcome: "ok",
      kept: 0,
      drops: { unknown_question: 1 },
    },
    {
      name: "a question of tier 3 not asked here",
      reply: reply({ ...good, questionIds: ["q40"] }),
      outcome: "ok",
      kept: 0,
      drops: { unknown_question: 1 },
    },
    {
      name: "a bad severity and a bad dimension",
      reply: reply({ ...good, severity: "severe" }, { ...good, dimension: "ethics" }),
      outcome: "ok",
      kept: 0,
      drops: { invalid_severity: 1, invalid_dimension: 1 },
    },
    {
      name: "entries without quotes, title or as plain strings",
      reply: reply({ ...good, quotes: [] }, { ...good, title: "" }, "Retention is unclear", null),
      outcome: "ok",
      kept: 0,
      drops: { malformed_finding: 4 },
    },
    {
      name: "the same suggestion twice",
      reply: reply(good, { ...good, title: "  retention CONTRADICTS storage answer " }),
      outcome: "ok",
      kept: 1,
      drops: { duplicate: 1 },
    },
    {
      name: "JSON in a code fence",
      reply: `\`\`\`json\n${reply(good)}\n\`\`\``,
      outcome: "ok",
      kept: 1,
      fenced: true,
    },
    { name: "an empty reply", reply: "   \n", outcome: "empty", kept: 0 },
    { name: "an empty fence", reply: "```\n\n```", outcome: "empty", kept: 0, fenced: true },
    { name: "prose", reply: "Here are my findings: retention is unclear.", outcome: "malformed", kept: 0 },
    { name: "truncated JSON", reply: reply(good).slice(0, 80), outcome: "malformed", kept: 0 },
    { name: "JSON without a findings list", reply: '{"risks": []}', outcome: "malformed", kept: 0 },
    { name: "a bare array", reply: JSON.stringify([good]), outcome: "malformed", kept: 0 },
  ];

  for (const row of table) {
    it(`reads ${row.name}`, () => {
      const result = parseSuggestionReply(row.reply, input);
      expect(result.outcome).toBe(row.outcome);
      expect(result.findings).toHaveLength(row.kept);
      expect(result.fenced).toBe(row.fenced ?? false);
      expect(result.problem === null).toBe(row.outcome === "ok");
      for (const reason of SUGGESTION_DROP_REASONS) {
        expect(result.dropped[reason], reason).toBe(row.drops?.[reason] ?? 0);
      }
    });
  }

  it("turns a good suggestion into a cited, quoted finding", () => {
    const [finding] = parseSuggestionReply(reply(good), input).findings;
    expect(FindingSchema.parse(finding)).toEqual(finding);
    expect(finding?.rule).toBe(SUGGESTION_RULE);
    expect(finding?.kind).toBe("assistant");
    expect(finding?.severity).toBe("high");
    expect(finding?.dimension).toBe("data");
    expect(finding?.questionIds).toEqual(["q16", "q17"]);
    expect(finding?.evidence).toEqual([
      {
        kind: "answer",
        questionId: "q16",
        questionText: questions.find((q) => q.id === "q16")?.text,
        quote: "kept for 30 days for abuse monitoring",
      },
      {
        kind: "answer",
        questionId: "q17",
        questionText: questions.find((q) => q.id === "q17")?.text,
        quote: "Inference data is never stored.",
      },
    ]);
  });

  it("matches quotes across line breaks and runs of spaces", () => {
    const result = parseSuggestionReply(
      reply({
        ...good,
        questionIds: ["q08"],
        quotes: [{ questionId: "q08", quote: "fine-tuned ExampleLM 2 for summaries" }],
      }),
      input,
    );
    expect(result.findings).toHaveLength(1);
  });

  it("gives the same id to the same suggestion and different ids to different ones", () => {
    const a = parseSuggestionReply(reply(good), input).findings[0];
    const b = parseSuggestionReply(reply({ ...good, explanation: "Worded differently." }), input).findings[0];
    const c = parseSuggestionReply(reply({ ...good, title: "Another point" }), input).findings[0];
    expect(a?.id).toBe(b?.id);
    expect(a?.id).not.toBe(c?.id);
    expect(a?.id.startsWith(`${SUGGESTION_RULE}:q16+q17+`)).toBe(true);
  });

  it(`keeps at most ${MAX_SUGGESTIONS} suggestions and counts the rest`, () => {
    const many = Array.from({ length: MAX_SUGGESTIONS + 4 }, (_, i) => ({ ...good, title: `Point ${i}` }));
    const result = parseSuggestionReply(reply(...many), input);
    expect(result.findings).toHaveLength(MAX_SUGGESTIONS);
    expect(result.dropped.too_many).toBe(4);
    expect(result.received).toBe(MAX_SUGGESTIONS + 4);
  });

  it("never throws, and every kept finding quotes its answers (property)", () => {
    const entry = fc.record({
      title: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(good.title)),
      severity: fc.oneof(fc.constantFrom("info", "low", "medium", "high", "critical"), fc.string()),
      dimension: fc.oneof(fc.constantFrom("infrastructure", "model", "data", "governance"), fc.string()),
      explanation: fc.string({ maxLength: 60 }),
      questionIds: fc.array(fc.constantFrom("q08", "q10", "q16", "q17", "q99", "q01"), { maxLength: 3 }),
      quotes: fc.array(
        fc.record({
          questionId: fc.constantFrom("q08", "q10", "q16", "q17", "q99"),
          quote: fc.oneof(
            fc.string({ maxLength: 20 }),
            fc.constantFrom("Licensed news archives", "kept for 30 days", "ExampleLM 3"),
          ),
        }),
        { maxLength: 3 },
      ),
    });
    const replies = fc.oneof(
      fc.string(),
      fc.json(),
      fc.array(fc.oneof(entry, fc.anything()), { maxLength: 20 }).map((f) => JSON.stringify({ findings: f })),
    );
    fc.assert(
      fc.property(replies, (text) => {
        const result = parseSuggestionReply(text, input);
        if (result.outcome === "ok") {
          expect(result.findings.length + droppedCount(result)).toBe(result.received);
        } else {
          expect(result.findings).toEqual([]);
        }
        for (const f of result.findings) {
          FindingSchema.parse(f);
          for (const e of f.evidence) {
            if (e.kind !== "answer") throw new Error("evidence is not an answer quote");
            const q = questions.find((x) => x.id === e.questionId);
            const text = q ? answerTextForPrompt(q, answers[q.id]) : null;
            expect(normalizeWhitespace(text ?? "")).toContain(e.quote);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps any verbatim slice of an answer as a quote (property)", () => {
    const answerText = fc.string({ minLength: 5, maxLength: 200 });
    fc.assert(
      fc.property(answerText, fc.nat(), fc.nat(), (text, a, b) => {
        const start = a % text.length;
        const end = Math.min(text.length, start + 3 + (b % 40));
        const quote = text.slice(start, end);
        fc.pre(normalizeWhitespace(quote).length >= 3);
        const own: SuggestionInput = { questions, answers: { q10: { value: text } } };
        const result = parseSuggestionReply(
          reply({ ...good, questionIds: ["q10"], quotes: [{ questionId: "q10", quote }] }),
          own,
        );
        expect(result.findings).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
