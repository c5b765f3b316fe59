import { describe, expect, it } from "vitest";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../fixtures/soc2-report-fixture.ts";
import { extractPagesWithPdfjs } from "../pdf/pdf-extract-core.ts";
import { DEFAULT_PDF_LIMITS } from "../pdf/pdf-limits.ts";
import { analyzeSoc2Pdf } from "./soc2-analysis.ts";

const BUDGET_MS = 3_000;

describe("SOC 2 parsing speed", () => {
  it("reads a 150-page text-layer report in under 3 seconds", async () => {
    const pdf = await buildSoc2ReportPdf({ minPages: 150, exceptions: DEFAULT_EXCEPTIONS });
    // Warm the reader thread with a small report first, as a running server has it; the cold
    // first call of a process is measured by bench/soc2-parse.ts.
    await analyzeSoc2Pdf(await buildSoc2ReportPdf(), { asOf: "2026-03-01" });
    let started = performance.now();
    await extractPagesWithPdfjs(pdf, DEFAULT_PDF_LIMITS);
    const pdfjsAlone = performance.now() - started;
    started = performance.now();
    const analysis = await analyzeSoc2Pdf(pdf, { asOf: "2026-03-01" });
    const elapsed = performance.now() - started;
    expect(analysis.pageCount).toBeGreaterThanOrEqual(150);
    expect(analysis.report.exceptions).toHaveLength(DEFAULT_EXCEPTIONS.length);
    expect(analysis.report.opinion?.value).toBe("unqualified");
    // On a machine so loaded that pdf.js alone takes half the budget, hold the reader to twice
    // pdf.js instead: the budget is about Assay's own cost, not the machine's load.
    expect(elapsed).toBeLessThan(Math.max(BUDGET_MS, 2 * pdfjsAlone));
  }, 60_000);
});
