/**
 * Accuracy of the usage classifier: precision and recall per detection kind and per data class on
 * a labelled corpus generated at run time (realistic prompts, planted sensitive values and
 * look-alikes: cards failing Luhn, IBANs failing mod-97, SSNs in never-issued ranges, random digit
 * strings, version numbers, UUIDs, git hashes, dates, drug names without a patient).
 *
 *   node bench/usage-accuracy.ts            # 20,000 prompts, seed 42
 *   USAGE_ACCURACY_N=5000 USAGE_ACCURACY_SEED=7 node bench/usage-accuracy.ts
 */

import type { AccuracyRow } from "../src/evidence/usage/accuracy.ts";
import { measureAccuracy } from "../src/evidence/usage/accuracy.ts";
import { createRandom, generatePrompt } from "../src/evidence/usage/corpus.ts";
import { createClassifier } from "../src/evidence/usage/detectors.ts";

const n = Number(process.env.USAGE_ACCURACY_N ?? 20_000);
const seed = Number(process.env.USAGE_ACCURACY_SEED ?? 42);

const table = (title: string, rows: AccuracyRow[]) => {
  console.log(`\n| ${title} | TP | FP | FN | precision | recall |`);
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    console.log(
      `| ${r.label} | ${r.truePositives} | ${r.falsePositives} | ${r.falseNegatives} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} |`,
    );
  }
};

for (const hard of [false, true]) {
  const rng = createRandom(seed);
  // Half the prompts carry planted values, half carry a look-alike (independently).
  const corpus = Array.from({ length: n }, () => generatePrompt(rng, 0.5, 0.5, [1, 3], hard));
  const report = measureAccuracy(corpus, createClassifier());
  const lookAlikes = corpus.filter((s) => s.lookAlike !== null).length;
  console.log(
    `\n### ${hard ? "Hard set" : "Standard set"}: ${report.samples} prompts (seed ${seed}), ${lookAlikes} with a look-alike`,
  );
  table("kind", report.byKind);
  table("data class", report.byDataClass);
  console.log(`\nfalse positives caused by look-alikes: ${JSON.stringify(report.lookAlikeFalsePositives)}`);
}
