import { readFile, stat } from "node:fs/promises";
import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import type { Extracted } from "../../evidence/pdf/document-text.ts";
import { DEFAULT_PDF_LIMITS } from "../../evidence/pdf/pdf-limits.ts";
import { isIsoDate } from "../../evidence/pdf/text-dates.ts";
import { analyzeSoc2Pdf, type Soc2Analysis } from "../../evidence/soc2/soc2-analysis.ts";
import { EXIT } from "../exit-codes.ts";
import { action, emit, withJson } from "../output.ts";

interface Soc2CommandOptions {
  json?: boolean;
  asOf?: string;
  maxPages?: string;
  timeout?: string;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new AppError("VALIDATION_FAILED", `--${name} must be a positive whole number, got "${value}".`);
  }
  return n;
}

async function readReport(path: string): Promise<Uint8Array> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new AppError("FILE_NOT_FOUND", `Cannot read ${path}: no such file.`);
  }
  if (size > DEFAULT_PDF_LIMITS.maxBytes) {
    throw new AppError("DOCUMENT_TOO_LARGE", `${path} is larger than ${DEFAULT_PDF_LIMITS.maxBytes} bytes.`, {
      details: { size, limit: DEFAULT_PDF_LIMITS.maxBytes },
    });
  }
  return new Uint8Array(await readFile(path));
}

function show<T>(label: string, fact: Extracted<T> | null, format: (v: T) => string = String): string {
  return fact === null ? `${label}: not found` : `${label}: ${format(fact.value)} (p. ${fact.page})`;
}

function humanReport(a: Soc2Analysis): string[] {
  const r = a.report;
  const lines = [
    show("Service organisation", r.serviceOrganization),
    `${show("Auditor", r.auditorFirm)}${r.auditorCity ? `, ${r.auditorCity.value}` : ""}`,
    show("Report type", r.reportType, (v) => (v === "type2" ? "Type 2" : "Type 1")),
    `Period: ${r.periodStart?.value ?? "—"} to ${r.periodEnd?.value ?? "not found"}`,
    show("Report date", r.reportDate),
    show("Trust services categories", r.trustServicesCategories, (v) => v.join(", ")),
    show("Opinion", r.opinion),
    `Exceptions: ${r.exceptions.length}`,
    `Complementary user entity controls: ${r.complementaryUserEntityControls.length}`,
    `Subservice organisations: ${r.subserviceOrganizations.map((s) => `${s.value.name} (${s.value.method.replace("_", "-")})`).join("; ") || "none found"}`,
    "",
    a.findings.length === 0 ? `Findings as of ${a.asOf}: none` : `Findings as of ${a.asOf}:`,
  ];
  for (const f of a.findings) lines.push(`  [${f.severity}] ${f.title}${f.page ? ` (p. ${f.page})` : ""}`);
  return lines;
}

/**
 * `assay soc2 <file.pdf>`: reads a SOC 2 report and prints its facts and findings.
 * Exit 0 when it raises no finding above info, 1 when it does (stale period, modified opinion,
 * exceptions, bridge letter, Type 1), 2 when the file cannot be read (not a PDF, no text layer,
 * encrypted, too large).
 */
export function registerSoc2Command(program: Command): void {
  withJson(
    program
      .command("soc2")
      .description(
        "read a SOC 2 report (PDF): auditor, period, opinion, exceptions, CUECs, subservice organisations",
      )
      .argument("<file>", "the SOC 2 report as a PDF with a text layer")
      .option("--as-of <date>", "judge the report's age on this day (YYYY-MM-DD); default today")
      .option(
        "--max-pages <n>",
        "refuse reports with more pages than this",
        String(DEFAULT_PDF_LIMITS.maxPages),
      )
      .option(
        "--timeout <ms>",
        "stop reading after this many milliseconds",
        String(DEFAULT_PDF_LIMITS.timeoutMs),
      ),
  ).action(
    action(async (file: string, options: Soc2CommandOptions) => {
      if (options.asOf !== undefined && !isIsoDate(options.asOf)) {
        throw new AppError(
          "VALIDATION_FAILED",
          `--as-of must be a date written YYYY-MM-DD, got "${options.asOf}".`,
        );
      }
      const limits = {
        maxPages: positiveInt(options.maxPages, "max-pages", DEFAULT_PDF_LIMITS.maxPages),
        timeoutMs: positiveInt(options.timeout, "timeout", DEFAULT_PDF_LIMITS.timeoutMs),
      };
      const bytes = await readReport(file);
      const analysis = await analyzeSoc2Pdf(bytes, { asOf: options.asOf, limits });
      emit(options, analysis, () => humanReport(analysis));
      return analysis.findings.some((f) => f.severity !== "info") ? EXIT.findings : EXIT.ok;
    }),
  );
}
