import type { DocumentText, EvidenceFinding } from "../pdf/document-text.ts";
import { extractPdfText } from "../pdf/extract-pdf-text.ts";
import type { PdfLimits } from "../pdf/pdf-limits.ts";
import { isIsoDate } from "../pdf/text-dates.ts";
import { assessSoc2Age, type Soc2Age } from "./soc2-age.ts";
import { parseSoc2Report, type Soc2Report } from "./soc2-report.ts";

/** A parsed SOC 2 report with its age on `asOf` and the findings it raises. */
export interface Soc2Analysis {
  asOf: string;
  pageCount: number;
  report: Soc2Report;
  age: Soc2Age | null;
  findings: EvidenceFinding[];
}

export interface Soc2AnalysisOptions {
  /** The day the report is judged on (YYYY-MM-DD); defaults to today in UTC. */
  asOf?: string;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/**
 * Decides the findings a SOC 2 report raises on `asOf`: opinion other than unqualified, each
 * exception, a period older than 12 months (stale) or 3 months (bridge letter), a Type 1 report
 * (design only, SOC 2 CC9.2 reviewers expect operating effectiveness), missing opinion or period,
 * and carved-out subservice organisations whose own reports must be collected.
 */
export function soc2Findings(
  report: Soc2Report,
  asOf: string,
): { age: Soc2Age | null; findings: EvidenceFinding[] } {
  const findings: EvidenceFinding[] = [];
  const opinion = report.opinion;
  if (opinion === null) {
    findings.push({
      rule: "soc2.opinion_not_found",
      severity: "medium",
      title: "No auditor's opinion found",
      detail: "The text holds no recognisable opinion paragraph; check that this is the full SOC 2 report.",
    });
  } else if (opinion.value !== "unqualified") {
    const severity = opinion.value === "qualified" ? "high" : "critical";
    findings.push({
      rule: `soc2.opinion_${opinion.value}`,
      severity,
      title: `${opinion.value.charAt(0).toUpperCase()}${opinion.value.slice(1)} opinion`,
      detail:
        report.opinionBasis?.value ??
        "The service auditor did not give an unqualified opinion; read the basis paragraph before relying on the report.",
      page: opinion.page,
      quote: opinion.quote,
    });
  }
  for (const e of report.exceptions) {
    const where = [e.value.criterion, e.value.controlId ? `control ${e.value.controlId}` : null]
      .filter(Boolean)
      .join(", ");
    const sample = e.value.sample ? ` (${e.value.sample.deviations} of ${e.value.sample.sampled})` : "";
    findings.push({
      rule: "soc2.exception",
      severity: "medium",
      title: `Exception noted${where ? ` for ${where}` : ""}${sample}`,
      detail: `${e.value.deviation}${e.value.managementResponse ? "" : " No management response was found."}`,
      page: e.page,
      quote: e.quote,
    });
  }
  if (report.reportType?.value === "type1") {
    findings.push({
      rule: "soc2.type1_only",
      severity: "medium",
      title: "Type 1 report: design only",
      detail:
        "A Type 1 report covers the design of controls at one date, not whether they operated over a period; ask for a Type 2.",
      page: report.reportType.page,
      quote: report.reportType.quote,
    });
  }
  let age: Soc2Age | null = null;
  const end = report.periodEnd;
  if (end === null) {
    findings.push({
      rule: "soc2.period_not_found",
      severity: "medium",
      title: "No report period found",
      detail:
        "The period (or 'as of' date) of the examination could not be read, so the report's age is unknown.",
    });
  } else {
    age = assessSoc2Age(end.value, asOf);
    if (age.stale) {
      findings.push({
        rule: "soc2.stale_period",
        severity: "high",
        title: "Report period ended more than 12 months ago",
        detail: `The period ended on ${end.value}, ${age.daysSincePeriodEnd} days before ${asOf}; request the current report.`,
        page: end.page,
        quote: end.quote,
      });
    } else if (age.bridgeLetterNeeded) {
      findings.push({
        rule: "soc2.bridge_letter_needed",
        severity: "low",
        title: "Bridge letter needed",
        detail: `The period ended on ${end.value}, more than 3 months before ${asOf}; ask for a bridge letter covering the gap.`,
        page: end.page,
        quote: end.quote,
      });
    }
  }
  for (const org of report.subserviceOrganizations) {
    if (org.value.method !== "carve_out") continue;
    findings.push({
      rule: "soc2.carved_out_subservice",
      severity: "info",
      title: `Carved-out subservice organisation: ${org.value.name}`,
      detail:
        "Its controls are outside this report; collect its own SOC 2 report and check the complementary subservice organisation controls.",
      page: org.page,
      quote: org.quote,
    });
  }
  if (report.complementaryUserEntityControls.length > 0) {
    findings.push({
      rule: "soc2.cuecs_to_review",
      severity: "info",
      title: `${report.complementaryUserEntityControls.length} complementary user entity controls to confirm`,
      detail: "The opinion assumes your organisation operates these controls; confirm each one.",
      page: report.complementaryUserEntityControls[0]?.page,
    });
  }
  return { age, findings };
}

/** Parses SOC 2 report text and judges it on `asOf`. */
export function analyzeSoc2Text(doc: DocumentText, options: Soc2AnalysisOptions = {}): Soc2Analysis {
  const asOf = options.asOf !== undefined && isIsoDate(options.asOf) ? options.asOf : today();
  const report = parseSoc2Report(doc);
  return { asOf, pageCount: doc.pages.length, report, ...soc2Findings(report, asOf) };
}

/** Extracts a SOC 2 report PDF's text (within `limits`) and analyses it. */
export async function analyzeSoc2Pdf(
  bytes: Uint8Array,
  options: Soc2AnalysisOptions & { limits?: Partial<PdfLimits> } = {},
): Promise<Soc2Analysis> {
  const text = await extractPdfText(bytes, options.limits);
  return { ...analyzeSoc2Text(text, options), pageCount: text.pageCount };
}
