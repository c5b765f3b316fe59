// Hostile text against the evidence text parsers: 1 MB of repeated fragments each pattern looks
// for. Time must stay linear: compared with splitting the same text into words (the baseline).
//   node bench/soc2-hostile.ts [--chars 1000000]
import { isAppError } from "../src/domain/errors.ts";
import { parseCertificate } from "../src/evidence/certificate/certificate.ts";
import { analyzeDpa } from "../src/evidence/dpa/dpa.ts";
import { analyzeModelCard } from "../src/evidence/modelcard/model-card.ts";
import { documentTextFromString } from "../src/evidence/pdf/document-text.ts";
import { parseSoc2Report } from "../src/evidence/soc2/soc2-report.ts";

const i = process.argv.indexOf("--chars");
const chars = i >= 0 && Number(process.argv[i + 1]) > 0 ? Number(process.argv[i + 1]) : 1_000_000;
const repeat = (s: string) => s.repeat(Math.ceil(chars / s.length)).slice(0, chars);
const doc = (t: string) => documentTextFromString(t);

const cases: [string, string, (t: string) => unknown][] = [
  ["certificate", "Scope ", (t) => parseCertificate(doc(t))],
  ["certificate", "Certificate No A ", (t) => parseCertificate(doc(t))],
  ["soc2", "throughout the period January 1, 2025 ", (t) => parseSoc2Report(doc(t))],
  ["soc2", "In our opinion, because of the significance ", (t) => parseSoc2Report(doc(t))],
  ["soc2", "Acme uses Cloud Hosting Services Inc ", (t) => parseSoc2Report(doc(t))],
  ["soc2", "CC6.1 Control 1 Exception noted. 2 of 5 ", (t) => parseSoc2Report(doc(t))],
  ["soc2", "Complementary User Entity Controls\n• a\n", (t) => parseSoc2Report(doc(t))],
  ["dpa", "subprocessor notice breach within five days train data may ", (t) => analyzeDpa(doc(t))],
  ["dpa", "Processor shall not use Customer Data to train models. ", (t) => analyzeDpa(doc(t))],
  ["modelcard", "## Evaluation\n", (t) => analyzeModelCard(t)],
  // White-space runs: each parser shortens them first, or adjacent \s* would backtrack.
  [
    "certificate",
    "Certificate No      ",
    (t) => parseCertificate(doc(`Certificate No${t.replace(/\S/g, " ")}x`)),
  ],
  [
    "soc2",
    "Basis for Qualified Opinion\n\n\n",
    (t) => parseSoc2Report(doc(`Basis for Qualified Opinion\n${t.replace(/\S/g, "\n")}x`)),
  ],
  ["dpa", "breach notify 5      ", (t) => analyzeDpa(doc(`breach notify 5${t.replace(/\S/g, " ")}x`))],
  ["modelcard", "# a      ", (t) => analyzeModelCard(`# a${t.replace(/\S/g, " ")}x`)],
  ["modelcard", "```\n# a\n", (t) => analyzeModelCard(t)],
];

let worst = 0;
for (const [reader, fragment, run] of cases) {
  const text = repeat(fragment);
  let started = performance.now();
  const words = text.split(/\s+/).length;
  const baseline = Math.max(performance.now() - started, 0.01);
  started = performance.now();
  let outcome = "";
  try {
    run(text);
  } catch (error) {
    // A limit is an answer too: the parser refused the text, quickly, with its error code.
    outcome = isAppError(error) ? `, refused: ${error.code}` : `, FAILED: ${String(error)}`;
  }
  const elapsed = performance.now() - started;
  worst = Math.max(worst, elapsed);
  console.log(
    `${reader.padEnd(12)} ${JSON.stringify(fragment).padEnd(64)} ${elapsed.toFixed(0).padStart(5)} ms  (${(elapsed / baseline).toFixed(1)}x word split of ${words} words${outcome})`,
  );
}
console.log(`worst ${worst.toFixed(0)} ms for ${chars} characters`);
