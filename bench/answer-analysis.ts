/**
 * Answer analysis and scoring throughput, and their cost on hostile (very long, repetitive)
 * vendor answers. The baseline, measured in the same run on the same answers, is a JSON
 * round-trip of the answers: the least work any handler of a submitted questionnaire does.
 * Run: node bench/answer-analysis.ts [iterations]
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { analyzeAnswers } from "../src/domain/answer-analysis.ts";
import { type Answers, parseQuestionBank, selectQuestions } from "../src/domain/question-bank.ts";
import { parseScoringWeights, scoreAssessment } from "../src/domain/scoring.ts";

const root = new URL("../", import.meta.url);
const bank = parseQuestionBank(
  parse(readFileSync(new URL("catalog/questions/ai-vendor-v1.yaml", root), "utf8")),
);
const weights = parseScoringWeights(
  parse(readFileSync(new URL("catalog/scoring/weights-v1.yaml", root), "utf8")),
);
const questions = selectQuestions(bank, 3);
const iterations = Number(process.argv[2] ?? 2000);

function realisticAnswers(seed: number): Answers {
  const answers: Answers = {};
  for (const q of questions) {
    const n = (seed + q.id.charCodeAt(2)) % 7;
    if (n === 0) continue; // some left open
    if (q.answerType === "number") answers[q.id] = { value: 24 + n * 12 };
    else if (q.answerType === "yes_no_partial_na")
      answers[q.id] = {
        value: n % 3 === 0 ? "no" : "yes",
        comment: "Logs are retained for 30 days for abuse monitoring.",
      };
    else if (q.answerType === "single_choice")
      answers[q.id] = { value: q.options?.[n % q.options.length]?.value ?? null };
    else if (q.answerType === "multi_choice") answers[q.id] = { value: [q.options?.[0]?.value ?? "x"] };
    else
      answers[q.id] = {
        value:
          n % 2 === 0
            ? "Covered by our SOC 2 report."
            : "Prompts and files are processed in the EU region only and deleted after 30 days; we never train on customer data.",
      };
  }
  return answers;
}

function hostileAnswers(unit: string): Answers {
  const text = unit.repeat(Math.floor(20_000 / unit.length));
  return Object.fromEntries(questions.map((q) => [q.id, { value: text, comment: text.slice(0, 10_000) }]));
}

function time(label: string, sets: Answers[], work: (a: Answers) => unknown): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i += 1) work(sets[i % sets.length] as Answers);
  const ms = performance.now() - start;
  console.log(`${label.padEnd(44)} ${(ms / iterations).toFixed(4)} ms/op`);
  return ms;
}

const realistic = Array.from({ length: 50 }, (_, i) => realisticAnswers(i));
// Warm up the JIT so the first measured phase is not charged for compilation.
for (let i = 0; i < 500; i += 1) {
  const a = realistic[i % realistic.length] as Answers;
  JSON.parse(JSON.stringify(a));
  scoreAssessment({ questions, answers: a, weights, findings: analyzeAnswers({ questions, answers: a }) });
}
const baseline = time("baseline: JSON round-trip of answers", realistic, (a) =>
  JSON.parse(JSON.stringify(a)),
);
const analysis = time("analyzeAnswers (41 questions)", realistic, (a) =>
  analyzeAnswers({ questions, answers: a }),
);
const both = time("analyzeAnswers + scoreAssessment", realistic, (a) =>
  scoreAssessment({ questions, answers: a, weights, findings: analyzeAnswers({ questions, answers: a }) }),
);
console.log(`ratio analysis / baseline: ${(analysis / baseline).toFixed(1)}x`);
console.log(`ratio analysis+scoring / baseline: ${(both / baseline).toFixed(1)}x`);

const hostileIterations = Math.max(1, Math.floor(iterations / 100));
for (const unit of ["SOC 2 ", "no no ", "our SOC 2 covers ", "1 days retained ", "see our ", "x'.-"]) {
  const sets = [hostileAnswers(unit)];
  const b = performance.now();
  for (let i = 0; i < hostileIterations; i += 1) JSON.parse(JSON.stringify(sets[0]));
  const base = performance.now() - b;
  const s = performance.now();
  for (let i = 0; i < hostileIterations; i += 1) analyzeAnswers({ questions, answers: sets[0] as Answers });
  const ms = performance.now() - s;
  console.log(
    `hostile ${JSON.stringify(unit).padEnd(22)} ${(ms / hostileIterations).toFixed(2)} ms/op, ratio ${(ms / base).toFixed(1)}x`,
  );
}
