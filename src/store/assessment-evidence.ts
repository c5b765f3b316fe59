/**
 * The evidence side of an assessment's analysis: the vendor's documents with the facts their
 * readers stored, and the open monitoring findings (usage logs, model scans), handed to the
 * domain's contradiction and evidence rules. Ages are judged on the day of analysis, not the day
 * of upload: a SOC 2 report that was fresh when uploaded can be stale by the time it is reviewed.
 */
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import {
  type CertificateFacts,
  type ContractFacts,
  currentDocuments,
  type EvidenceDocument,
  evidenceFindings,
  MONITORING_SOURCES,
  type MonitoringFinding,
  type QuotedFact,
  type ReaderFinding,
  SOC2_OPINION_KINDS,
  SOC2_REPORT_KINDS,
  type Soc2Facts,
  TRAINING_USES,
} from "../domain/contradictions.ts";
import { FINDING_SEVERITIES, type Finding } from "../domain/findings.ts";
import type { Answers, Question } from "../domain/question-bank.ts";
import { type Soc2Report, soc2Findings } from "../evidence/soc2/index.ts";
import type { Db } from "./database.ts";
import { documentExpiry } from "./documents.ts";
import { today } from "./inventory.ts";
import { documents, findings } from "./schema.ts";

export interface EvidenceContext {
  workspaceId: string;
  assessmentId: string;
  vendorId: string;
  questions: Question[];
  answers: Answers;
  /** The day ages and expiry are judged on; today by default. */
  asOf?: string | undefined;
}

// The stored analyses are written by this project's readers; they are still read through schemas
// so that an analysis stored by an older reader version is skipped instead of breaking analysis.
const quoted = <T extends z.ZodType>(value: T) =>
  z.object({ value, page: z.number().int().positive().optional(), quote: z.string() });

const Soc2AnalysisShape = z.object({
  report: z.object({
    reportType: quoted(z.enum(SOC2_REPORT_KINDS)).nullable(),
    periodEnd: quoted(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).nullable(),
    opinion: quoted(z.enum(SOC2_OPINION_KINDS)).nullable(),
    exceptions: z.array(quoted(z.object({ deviation: z.string() }))),
  }),
});

const ContractAnalysisShape = z.object({
  training: quoted(z.enum(TRAINING_USES)).nullable(),
  breachNotification: quoted(z.object({ hours: z.number().nullable() })).nullable(),
});

const CertificateAnalysisShape = z.object({
  certificate: z.object({ validUntil: quoted(z.string().regex(/^\d{4}-\d{2}-\d{2}$/)).nullable() }),
});

const ReaderFindingShape = z.object({
  rule: z.string().min(1),
  severity: z.enum(FINDING_SEVERITIES),
  title: z.string().min(1),
  detail: z.string(),
  page: z.number().int().positive().optional(),
  quote: z.string().optional(),
});

type DocumentRow = typeof documents.$inferSelect;

function readerFindings(raw: unknown): ReaderFinding[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((f) => {
    const parsed = ReaderFindingShape.safeParse(f);
    return parsed.success ? [parsed.data] : [];
  });
}

function soc2FactsOf(row: DocumentRow, asOf: string): Pick<EvidenceDocument, "soc2" | "findings"> {
  const parsed = Soc2AnalysisShape.safeParse(row.analysis);
  const stored = readerFindings(row.findings);
  if (!parsed.success) return { findings: stored };
  const r = parsed.data.report;
  const facts: Soc2Facts = {
    reportType: r.reportType,
    periodEnd: r.periodEnd,
    opinion: r.opinion,
    exceptions: r.exceptions.map((e) => ({ value: e.value.deviation, page: e.page, quote: e.quote })),
  };
  // The reader's own rules, judged again on the day of analysis (age and bridge-letter need change).
  let fresh: ReaderFinding[] = stored;
  try {
    fresh = soc2Findings((row.analysis as { report: Soc2Report }).report, asOf).findings;
  } catch {
    // A report stored in an older shape keeps the findings judged at upload.
  }
  return { soc2: facts, findings: fresh };
}

const CERTIFICATE_AGE_RULES = new Set(["certificate.expired", "certificate.expiring"]);

function certificateFactsOf(
  row: DocumentRow,
  asOf: string,
): Pick<EvidenceDocument, "certificate" | "findings"> {
  const parsed = CertificateAnalysisShape.safeParse(row.analysis);
  const read = parsed.success ? parsed.data.certificate.validUntil : null;
  // A date entered by hand overrides what the reader found; it has no page to quote.
  let validUntil: QuotedFact<string> | null = read;
  if (row.expiresOn !== null && row.expiresOn !== read?.value) {
    validUntil = { value: row.expiresOn, quote: `Expiry date recorded for the document: ${row.expiresOn}` };
  }
  const certificate: CertificateFacts = { validUntil };
  const findings = readerFindings(row.findings).filter((f) => !CERTIFICATE_AGE_RULES.has(f.rule));
  if (validUntil !== null) {
    const expiry = documentExpiry(validUntil.value, asOf);
    const where = { page: validUntil.page, quote: validUntil.quote };
    if (expiry.state === "expired") {
      findings.push({
        rule: "certificate.expired",
        severity: "high",
        title: "Certificate expired",
        detail: `The certificate expired on ${validUntil.value}, ${-(expiry.daysLeft ?? 0)} days before ${asOf}.`,
        ...where,
      });
    } else if (expiry.state === "expiring") {
      findings.push({
        rule: "certificate.expiring",
        severity: "medium",
        title: "Certificate expires within 60 days",
        detail: `The certificate expires on ${validUntil.value}, in ${expiry.daysLeft ?? 0} days; ask for the renewed certificate.`,
        ...where,
      });
    }
  }
  return { certificate, findings };
}

function contractFactsOf(row: DocumentRow): Pick<EvidenceDocument, "contract" | "findings"> {
  const parsed = ContractAnalysisShape.safeParse(row.analysis);
  const findings = readerFindings(row.findings);
  if (!parsed.success) return { findings };
  const contract: ContractFacts = {
    training: parsed.data.training,
    breachNotice: parsed.data.breachNotification,
  };
  return { contract, findings };
}

/** The columns that decide which documents are current. */
type ListedDocument = Pick<
  DocumentRow,
  "id" | "sha256" | "title" | "fileName" | "type" | "issuedOn" | "createdAt"
>;

function baseOf(row: ListedDocument): Omit<EvidenceDocument, "findings"> {
  return {
    id: row.id,
    sha256: row.sha256,
    name: row.title || row.fileName,
    type: row.type,
    date: row.issuedOn ?? row.createdAt.toISOString().slice(0, 10),
    uploadedAt: row.createdAt.toISOString(),
  };
}

/** A stored document as the domain rules read it: facts only from a finished analysis. */
export function evidenceDocumentOf(row: DocumentRow, asOf: string): EvidenceDocument {
  const base: EvidenceDocument = { ...baseOf(row), findings: [] };
  if (row.analysisStatus !== "done") return base;
  switch (row.type) {
    case "soc2_type1":
    case "soc2_type2":
    case "soc3":
      return { ...base, ...soc2FactsOf(row, asOf) };
    case "iso27001":
    case "iso42001":
      return { ...base, ...certificateFactsOf(row, asOf) };
    case "dpa":
    case "contract":
    case "baa":
      return { ...base, ...contractFactsOf(row) };
    default:
      return { ...base, findings: readerFindings(row.findings) };
  }
}

/**
 * Findings that evidence on file raises for an assessment: the vendor's documents, model scans and
 * usage monitoring, and the contradictions between those facts and the answers.
 */
export async function evidenceFindingsFor(db: Db, context: EvidenceContext): Promise<Finding[]> {
  const asOf = context.asOf ?? today();
  const vendorDocuments = and(
    eq(documents.workspaceId, context.workspaceId),
    eq(documents.vendorId, context.vendorId),
  );
  // Which documents are current is decided on their dates alone; only those have their analyses
  // (which can be large for a long SOC 2 report) read.
  const listed = await db
    .select({
      id: documents.id,
      sha256: documents.sha256,
      title: documents.title,
      fileName: documents.fileName,
      type: documents.type,
      issuedOn: documents.issuedOn,
      createdAt: documents.createdAt,
    })
    .from(documents)
    .where(vendorDocuments);
  const current = currentDocuments(listed.map((row) => ({ ...baseOf(row), findings: [] }))).map((d) => d.id);
  const docRows =
    current.length === 0
      ? []
      : await db
          .select()
          .from(documents)
          .where(and(vendorDocuments, inArray(documents.id, current)));
  const monitoringRows = await db
    .select({
      id: findings.id,
      source: findings.source,
      rule: findings.rule,
      severity: findings.severity,
      title: findings.title,
      detail: findings.detail,
      evidence: findings.evidence,
    })
    .from(findings)
    .where(
      and(
        eq(findings.workspaceId, context.workspaceId),
        eq(findings.vendorId, context.vendorId),
        eq(findings.status, "open"),
        inArray(findings.source, Object.keys(MONITORING_SOURCES)),
      ),
    );
  const monitoring: MonitoringFinding[] = monitoringRows.map((r) => ({
    ...r,
    evidence:
      typeof r.evidence === "object" && r.evidence !== null && !Array.isArray(r.evidence)
        ? (r.evidence as Record<string, unknown>)
        : {},
  }));
  return evidenceFindings({
    questions: context.questions,
    answers: context.answers,
    documents: docRows.map((row) => evidenceDocumentOf(row, asOf)),
    monitoring,
    assessmentId: context.assessmentId,
    asOf,
  });
}
