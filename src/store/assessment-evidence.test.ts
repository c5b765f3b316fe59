import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Finding } from "../domain/findings.ts";
import type { Answers } from "../domain/question-bank.ts";
import { buildCertificatePdf } from "../evidence/fixtures/certificate-fixture.ts";
import { buildDpaPdf } from "../evidence/fixtures/dpa-fixture.ts";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../evidence/fixtures/soc2-report-fixture.ts";
import { evidenceFindingsFor } from "./assessment-evidence.ts";
import {
  analyzeAssessment,
  createAssessment,
  decideAssessment,
  getAssessment,
  savePortalAnswers,
  sendAssessment,
  submitPortalAnswers,
} from "./assessments.ts";
import { SYSTEM_ACTOR } from "./audit-log.ts";
import { loadCatalog, seedCatalog } from "./catalog.ts";
import type { Database } from "./database.ts";
import { addDocument, type DocumentType } from "./documents.ts";
import { createIntegration, createVendor, today } from "./inventory.ts";
import { findings } from "./schema.ts";
import { openTestDatabase } from "./testing.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

let database: Database;
let workspaceId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
  await seedCatalog(database.db, await loadCatalog());
});
afterAll(async () => database.close());

/** Answers claiming a current Type II report without exceptions, certification, 24-hour breach notice and no training. */
const CLAIMS: Answers = {
  q01: { value: "type2_current" },
  q02: { value: "Northbridge & Hale LLP, period 1 January to 31 December" },
  q03: { value: "no" },
  q04: { value: "yes" },
  q05: { value: 24 },
  q18: { value: "no" },
  q19: { value: "yes" },
};

/** A tier-2 vendor with an assessment in review whose vendor gave CLAIMS. */
async function vendorWithClaims(name: string) {
  const db = database.db;
  const vendor = await createVendor(
    db,
    workspaceId,
    { name, category: "foundation_model_provider" },
    SYSTEM_ACTOR,
  );
  await createIntegration(
    db,
    workspaceId,
    vendor.id,
    {
      name: "Support assistant",
      deployment: "vendor_api",
      dataClasses: ["customer_data"],
      processingRegions: ["eu"],
      retentionDays: 0,
      trainingUse: "no",
      customerFacing: false,
      decisionCritical: false,
      domain: "general",
    },
    SYSTEM_ACTOR,
  );
  const assessment = await createAssessment(db, workspaceId, { vendorId: vendor.id }, SYSTEM_ACTOR);
  const { token } = await sendAssessment(
    db,
    workspaceId,
    assessment.id,
    { holidays: [], graceDays: 14 },
    SYSTEM_ACTOR,
  );
  await savePortalAnswers(db, token, CLAIMS);
  return { vendorId: vendor.id, assessmentId: assessment.id, token };
}

function upload(vendorId: string, type: DocumentType, bytes: Uint8Array, fileName: string) {
  return addDocument(
    database.db,
    workspaceId,
    { vendorId, type, bytes, fileName, uploadedVia: "api" },
    SYSTEM_ACTOR,
    { maxBytes: 10 * 1024 * 1024, asOf: today() },
  );
}

const byRule = (list: Finding[], rule: string) => list.filter((f) => f.rule === rule);
const scoreOf = (scores: { dimensions: { dimension: string; score: number }[] }, d: string) =>
  scores.dimensions.find((x) => x.dimension === d)?.score ?? Number.NaN;

describe("evidence findings of an assessment", () => {
  it("raises both SOC 2 contradictions from an old report with exceptions, quoting both sides, and moves the score", async () => {
    const { vendorId, assessmentId } = await vendorWithClaims("Old Report Inc");
    const before = await analyzeAssessment(database.db, workspaceId, assessmentId);
    expect(
      before.findings.filter((f) => f.kind === "contradiction" && f.rule.startsWith("contradiction_soc2_")),
    ).toEqual([]);

    const report = await upload(
      vendorId,
      "soc2_type2",
      await buildSoc2ReportPdf({
        periodStart: "2024-01-01",
        periodEnd: "2024-12-31",
        reportDate: "2025-02-14",
        exceptions: DEFAULT_EXCEPTIONS,
      }),
      "acme-soc2-2024.pdf",
    );
    expect(report.analysisStatus).toBe("done");

    const after = await analyzeAssessment(database.db, workspaceId, assessmentId);
    const [period] = byRule(after.findings, "contradiction_soc2_period");
    const [exceptions] = byRule(after.findings, "contradiction_soc2_exceptions");
    expect(period?.kind).toBe("contradiction");
    expect(period?.evidence[0]).toMatchObject({ kind: "answer", questionId: "q01" });
    expect(period?.evidence[1]).toMatchObject({
      kind: "document",
      documentSha256: report.sha256,
      documentName: "acme-soc2-2024.pdf",
      location: expect.stringMatching(/^page \d+$/),
    });
    expect(period?.evidence[1]?.quote).toMatch(/2024/);
    expect(exceptions?.evidence[0]).toMatchObject({ kind: "answer", questionId: "q03", quote: "no" });
    expect(exceptions?.evidence.filter((e) => e.kind === "document")).toHaveLength(2);
    expect(exceptions?.evidence[1]?.quote).toMatch(/terminated employees/);

    // The reader's own findings count too, in the infrastructure dimension.
    expect(byRule(after.findings, "soc2_stale_period")[0]).toMatchObject({
      kind: "document",
      dimension: "infrastructure",
    });
    expect(byRule(after.findings, "soc2_exception")).toHaveLength(2);

    expect(scoreOf(after.scores, "infrastructure")).toBeGreaterThan(scoreOf(before.scores, "infrastructure"));
    const contributions =
      after.scores.dimensions.find((d) => d.dimension === "infrastructure")?.contributions ?? [];
    expect(contributions.some((c) => c.source === "findings" && c.rule === "contradiction_soc2_period")).toBe(
      true,
    );

    // Re-analysis gives the same findings with the same ids.
    const again = await analyzeAssessment(database.db, workspaceId, assessmentId);
    expect(again.findings.map((f) => f.id)).toEqual(after.findings.map((f) => f.id));

    // A newer, current report without exceptions supersedes the old one: nothing of the old remains.
    await upload(
      vendorId,
      "soc2_type2",
      await buildSoc2ReportPdf({
        periodStart: "2026-01-01",
        periodEnd: "2026-09-30",
        reportDate: "2026-11-02",
      }),
      "acme-soc2-2026.pdf",
    );
    const renewed = await analyzeAssessment(database.db, workspaceId, assessmentId);
    expect(renewed.findings.filter((f) => f.rule.startsWith("contradiction_soc2"))).toEqual([]);
    expect(byRule(renewed.findings, "soc2_stale_period")).toEqual([]);
    expect(byRule(renewed.findings, "soc2_exception")).toEqual([]);
  });

  it("holds the DPA's training and breach clauses and an expired certificate against the answers, and plans remediation", async () => {
    const { vendorId, assessmentId, token } = await vendorWithClaims("Loose Contract Ltd");
    const before = await analyzeAssessment(database.db, workspaceId, assessmentId);
    const dpa = await upload(
      vendorId,
      "dpa",
      await buildDpaPdf({ omit: ["training"], breachPeriod: "within 72 hours", pagePerClause: true }),
      "loose-dpa.pdf",
    );
    await upload(
      vendorId,
      "iso27001",
      await buildCertificatePdf({ issueDate: "2022-01-10", validUntil: "2025-01-09" }),
      "iso27001.pdf",
    );
    const after = await analyzeAssessment(database.db, workspaceId, assessmentId);
    const [training] = byRule(after.findings, "contradiction_dpa_training");
    const [breach] = byRule(after.findings, "contradiction_breach_notice");
    const [certificate] = byRule(after.findings, "contradiction_certificate_expired");
    expect(training).toMatchObject({ dimension: "data", questionIds: ["q18"] });
    expect(training?.evidence[1]).toMatchObject({ kind: "document", documentSha256: dpa.sha256 });
    expect(breach?.title).toContain("72");
    expect(breach?.evidence[1]).toMatchObject({
      kind: "document",
      location: expect.stringMatching(/^page \d+$/),
    });
    expect(breach?.evidence[1]?.quote).toMatch(/72 hours/);
    expect(certificate?.evidence[1]?.quote).toMatch(/2025/);
    expect(scoreOf(after.scores, "data")).toBeGreaterThan(scoreOf(before.scores, "data"));
    expect(scoreOf(after.scores, "governance")).toBeGreaterThan(scoreOf(before.scores, "governance"));

    await submitPortalAnswers(database.db, token);
    const decided = await decideAssessment(
      database.db,
      workspaceId,
      assessmentId,
      { decision: "approved_with_conditions", note: "Contract terms must match the answers." },
      SYSTEM_ACTOR,
    );
    const templates = decided.remediation.map((r) => r.templateId);
    expect(templates).toEqual(
      expect.arrayContaining(["no_training_amendment", "breach_notice_alignment", "current_iso_certificate"]),
    );
    const amendment = decided.remediation.find((r) => r.templateId === "no_training_amendment");
    expect(amendment?.findingIds).toContain(training?.id);
    expect((await getAssessment(database.db, workspaceId, assessmentId)).decision).toBe(
      "approved_with_conditions",
    );
  });

  it("takes open usage and model-scan rows of the vendor, skipping those of another assessment and resolved ones", async () => {
    const { vendorId, assessmentId } = await vendorWithClaims("Monitored Co");
    const other = "00000000-0000-4000-8000-000000000abc";
    await database.db.insert(findings).values([
      {
        workspaceId,
        vendorId,
        source: "usage",
        rule: "undeclared_data_class",
        severity: "high",
        title: "pii sent to Monitored Co, which no integration declares",
        detail: "9 requests contained pii.",
        evidence: { vendor: "monitored", dataClass: "pii", requests: 9 },
        dedupeKey: `t:usage:${vendorId}`,
      },
      {
        workspaceId,
        vendorId,
        source: "model_scan",
        rule: "model_file_dangerous",
        severity: "critical",
        title: "Pickle that runs code in model.bin",
        detail: "GLOBAL os.system at offset 12",
        evidence: { file: "model.bin", assessmentId },
        dedupeKey: `t:scan:${vendorId}`,
      },
      {
        workspaceId,
        vendorId,
        source: "model_scan",
        rule: "model_file_dangerous",
        severity: "critical",
        title: "Another assessment's scan",
        detail: "…",
        evidence: { assessmentId: other },
        dedupeKey: `t:scan-other:${vendorId}`,
      },
      {
        workspaceId,
        vendorId,
        source: "usage",
        rule: "residency",
        severity: "high",
        title: "Resolved residency finding",
        detail: "…",
        status: "resolved",
        dedupeKey: `t:resolved:${vendorId}`,
      },
    ]);
    const assessment = await getAssessment(database.db, workspaceId, assessmentId);
    const found = await evidenceFindingsFor(database.db, {
      workspaceId,
      assessmentId,
      vendorId,
      questions: assessment.questions,
      answers: assessment.answers,
    });
    expect(found.map((f) => [f.rule, f.kind, f.dimension])).toEqual([
      ["model_scan_model_file_dangerous", "document", "model"],
      ["usage_undeclared_data_class", "usage", "data"],
    ]);
    expect(found[1]?.evidence[0]).toMatchObject({ kind: "observation", source: "AI usage monitoring" });
    const analysis = await analyzeAssessment(database.db, workspaceId, assessmentId);
    expect(scoreOf(analysis.scores, "model")).toBeGreaterThanOrEqual(3);
    expect(analysis.scores.overall.score).toBeGreaterThanOrEqual(4);
  });

  it("judges ages on the day asked, not the day of upload", async () => {
    const { vendorId, assessmentId } = await vendorWithClaims("Ageing Reports AG");
    await upload(
      vendorId,
      "soc2_type2",
      await buildSoc2ReportPdf({
        periodStart: "2026-01-01",
        periodEnd: "2026-06-30",
        reportDate: "2026-08-01",
      }),
      "fresh.pdf",
    );
    const assessment = await getAssessment(database.db, workspaceId, assessmentId);
    const context = {
      workspaceId,
      assessmentId,
      vendorId,
      questions: assessment.questions,
      answers: assessment.answers,
    };
    const now = await evidenceFindingsFor(database.db, { ...context, asOf: "2026-12-01" });
    expect(byRule(now, "contradiction_soc2_period")).toEqual([]);
    const later = await evidenceFindingsFor(database.db, { ...context, asOf: "2027-07-01" });
    expect(byRule(later, "contradiction_soc2_period")).toHaveLength(1);
    expect(byRule(later, "soc2_stale_period")).toHaveLength(1);
  });
});
