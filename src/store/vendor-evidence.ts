import { and, desc, eq } from "drizzle-orm";
import type { FindingSeverity } from "../domain/findings.ts";
import type {
  SummaryDocumentInput,
  SummaryDocumentKind,
  SummaryFindingInput,
} from "../domain/vendor-summary.ts";
import type { Db } from "./database.ts";
import { type DocumentType, listDocuments } from "./documents.ts";
import { findings, remediationItems } from "./schema.ts";

const SUMMARY_KIND: Partial<Record<DocumentType, SummaryDocumentKind>> = {
  soc2_type1: "soc2_report",
  soc2_type2: "soc2_report",
  soc3: "soc2_report",
  iso27001: "iso27001_certificate",
  iso42001: "iso42001_certificate",
  dpa: "dpa",
  baa: "baa",
  contract: "contract",
  no_training_confirmation: "no_training_confirmation",
};

const SEVERITIES: readonly FindingSeverity[] = ["info", "low", "medium", "high", "critical"];
const asSeverity = (value: string): FindingSeverity =>
  (SEVERITIES as readonly string[]).includes(value) ? (value as FindingSeverity) : "medium";

/**
 * What the one-page summary shows about a vendor's evidence: the documents on file by kind, and
 * the open findings from every source (document readers, usage monitoring, assessments'
 * remediation items).
 */
export async function vendorEvidenceForSummary(
  db: Db,
  workspaceId: string,
  vendorId: string,
): Promise<{ documents: SummaryDocumentInput[]; openFindings: SummaryFindingInput[] }> {
  const docs = (await listDocuments(db, workspaceId, { vendorId, limit: 500 })).items;
  const documents: SummaryDocumentInput[] = [];
  const openFindings: SummaryFindingInput[] = [];
  for (const doc of docs) {
    const kind = SUMMARY_KIND[doc.type];
    if (kind)
      documents.push({
        kind,
        title: doc.title,
        date: doc.issuedOn ?? undefined,
        expiresOn: doc.expiresOn ?? undefined,
      });
    for (const f of doc.findings) {
      if (f.severity !== "info")
        openFindings.push({ title: `${doc.title}: ${f.title}`, severity: f.severity });
    }
  }
  const raised = await db
    .select({ title: findings.title, severity: findings.severity })
    .from(findings)
    .where(
      and(
        eq(findings.workspaceId, workspaceId),
        eq(findings.vendorId, vendorId),
        eq(findings.status, "open"),
      ),
    )
    .orderBy(desc(findings.createdAt))
    .limit(200);
  for (const f of raised) openFindings.push({ title: f.title, severity: asSeverity(f.severity) });
  const items = await db
    .select({
      title: remediationItems.title,
      status: remediationItems.status,
      dueOn: remediationItems.dueDate,
    })
    .from(remediationItems)
    .where(and(eq(remediationItems.workspaceId, workspaceId), eq(remediationItems.vendorId, vendorId)))
    .limit(200);
  for (const item of items) {
    if (item.status === "open" || item.status === "in_progress") {
      openFindings.push({
        title: `Remediation: ${item.title}`,
        severity: "medium",
        dueOn: item.dueOn ?? undefined,
      });
    }
  }
  return { documents, openFindings };
}
