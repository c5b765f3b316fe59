// Speed of reading a 150-page SOC 2 report: text extraction plus analysis, against bare pdf.js
// text extraction of the same file in the same run.
//   node bench/soc2-parse.ts [--pages 150] [--runs 5]

import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../src/evidence/fixtures/soc2-report-fixture.ts";
import { analyzeSoc2Pdf } from "../src/evidence/soc2/soc2-analysis.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const pages = arg("pages", 150);
const runs = arg("runs", 5);
const BUDGET_MS = 3_000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The baseline: pdf.js alone, every page's text content, no limits, checks or analysis. */
async function barePdfjs(bytes: Uint8Array): Promise<number> {
  const pdf = await getDocument({ data: new Uint8Array(bytes), isEvalSupported: false, verbosity: 0 })
    .promise;
  let items = 0;
  for (let n = 1; n <= pdf.numPages; n++) {
    const page = await pdf.getPage(n);
    items += (await page.getTextContent()).items.length;
  }
  await pdf.destroy();
  return items;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

const pdf = await buildSoc2ReportPdf({
  minPages: pages,
  exceptions: DEFAULT_EXCEPTIONS,
  opinion: "qualified",
});
const baseline: number[] = [];
const full: number[] = [];
let cold = Number.NaN;
let coldBaseline = Number.NaN;
let pageCount = 0;
let exceptions = 0;
// Interleave the two so that machine load affects both alike; the first pair warms up.
for (let i = 0; i <= runs; i++) {
  const b = await time(() => barePdfjs(pdf));
  const f = await time(async () => {
    const analysis = await analyzeSoc2Pdf(pdf, { asOf: "2026-03-01" });
    pageCount = analysis.pageCount;
    exceptions = analysis.report.exceptions.length;
  });
  if (i === 0) {
    cold = f;
    coldBaseline = b;
  } else {
    baseline.push(b);
    full.push(f);
  }
}
const b = median(baseline);
const f = median(full);
console.log(`file: ${pdf.length} bytes, ${pageCount} pages, ${exceptions} exceptions found`);
console.log(`baseline  pdf.js bare text extraction, in-process: median ${b.toFixed(0)} ms over ${runs} runs`);
console.log(
  `assay     analyzeSoc2Pdf (pre-scan, worker, extraction, SOC 2 analysis): median ${f.toFixed(0)} ms`,
);
console.log(
  `cold      first call in the process: baseline ${coldBaseline.toFixed(0)} ms, assay ${cold.toFixed(0)} ms (new thread, pdf.js loaded there)`,
);
console.log(
  `ratio     assay / baseline = ${(f / b).toFixed(2)} warm, ${(cold / coldBaseline).toFixed(2)} cold`,
);
const worst = Math.max(f, cold);
console.log(
  `budget    ${BUDGET_MS} ms for ${pages} pages: ${worst < BUDGET_MS ? "met" : "MISSED"} (worst ${worst.toFixed(0)} ms)`,
);
if (worst >= BUDGET_MS) process.exitCode = 1;
