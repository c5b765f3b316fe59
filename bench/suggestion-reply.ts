/**
 * The cost of checking a model's suggested findings against a tier-3 questionnaire, for a typical
 * reply and for a hostile one (the longest answers, 200 entries of 20 long quotes each). The
 * baseline, measured in the same run on the same reply text, is JSON.parse of the reply: the
 * least any reader of the reply does.
 * Run: node bench/suggestion-reply.ts [iterations]
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { type Answers, parseQuestionBank, selectQuestions } from "../src/domain/question-bank.ts";
import { parseSuggestionReply, type SuggestionInput } from "../src/domain/suggestions.ts";

const root = new URL("../", import.meta.url);
const bank = parseQuestionBank(
  parse(readFileSync(new URL("catalog/questions/ai-vendor-v1.yaml", root), "utf8")),
);
const questions = selectQuestions(bank, 3);
const textQuestions = questions.filter((q) => q.answerType === "text");
const iterations = Number(process.argv[2] ?? 300);

const sentence = "Prompts and files are processed in the EU region only and deleted after 30 days. ";
function inputWith(repeat: number): SuggestionInput {
  const answers: Answers = {};
  for (const q of textQuestions)
    answers[q.id] = { value: sentence.repeat(repeat), comment: "Reviewed yearly." };
  return { questions, answers };
}

function entry(i: number, quoteChars: number, quotes: number) {
  const q = textQuestions[i % textQuestions.length];
  const id = q?.id ?? "q10";
  const quote = sentence
    .repeat(Math.ceil(quoteChars / sentence.length))
    .slice(0, quoteChars)
    .trim();
  return {
    title: `Point ${i}`,
    severity: "medium",
    dimension: "data",
    explanation: "Retention is stated without a contractual limit.",
    questionIds: [id],
    quotes: Array.from({ length: quotes }, () => ({ questionId: id, quote })),
  };
}

function time(work: () => unknown): number {
  work();
  const start = performance.now();
  for (let i = 0; i < iterations; i += 1) work();
  const ms = (performance.now() - start) / iterations;
  return ms;
}

function measure(name: string, input: SuggestionInput, reply: string) {
  const base = time(() => JSON.parse(reply));
  const checked = time(() => parseSuggestionReply(reply, input));
  const result = parseSuggestionReply(reply, input);
  console.log(
    `${name.padEnd(52)} reply ${String(reply.length).padStart(8)} chars · JSON.parse ${base.toFixed(3)} ms · ` +
      `parseSuggestionReply ${checked.toFixed(3)} ms (${(checked / base).toFixed(1)}x) · kept ${result.findings.length}`,
  );
}

const typical = inputWith(2);
measure(
  "typical: 15 findings, 2 quotes of 60 chars",
  typical,
  JSON.stringify({ findings: Array.from({ length: 15 }, (_, i) => entry(i, 60, 2)) }),
);
const hostile = inputWith(250); // 20,000-char answers, cut to 4,000 for the prompt
measure(
  "hostile: 200 entries x 20 quotes of 2,000 chars",
  hostile,
  JSON.stringify({ findings: Array.from({ length: 200 }, (_, i) => entry(i, 2000, 20)) }),
);
