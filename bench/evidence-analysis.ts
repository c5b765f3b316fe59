/**
 * What evidence costs an assessment's analysis. A tier-3 assessment (41 answers) is analysed in an
 * in-memory PGlite database first with no evidence on file (the baseline, measured in the same
 * run), then with the vendor holding `docs` stored documents (SOC 2 reports with exceptions, DPAs,
 * ISO certificates, their analyses as the readers stored them) and `rows` open usage findings.
 * Run: node bench/evidence-analysis.ts [rounds] [docs] [rows]
 */
import { createHash } from "node:crypto";
import { buildCertificatePdf } from "../src/evidence/fixtures/certificate-fixture.ts";
import { buildDpaPdf } from "../src/evidence/fixtures/dpa-fixture.ts";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../src/evidence/fixtures/soc2-report-fixture.ts";
import { evidenceFindingsFor } from "../src/store/assessment-evidence.ts";
import {
  analyzeAssessment,
  createAssessment,
  getAssessment,
  savePortalAnswers,
  sendAssessment,
} from "../src/store/assessments.ts";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { loadCatalog, seedCatalog } from "../src/store/catalog.ts";
import { openDatabase } from "../src/store/database.ts";
import { analyzeDocumentBytes, type DocumentType } from "../src/store/documents.ts";
import { createIntegration, createVendor, today } from "../src/store/inventory.ts";
import { documents, findings } from "../src/store/schema.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const rounds = Number(process.argv[2] ?? 20);
const docCount = Number(process.argv[3] ?? 60);
const rowCount = Number(process.argv[4] ?? 200);

const database = await openDatabase(
  { dataDir: "", databaseUrl: undefined },
  { command: "bench", inMemory: true },
);
const db = database.db;
const workspaceId = await ensureDefaultWorkspace(db);
await seedCatalog(db, await loadCatalog());
const vendor = await createVendor(db, workspaceId, { name: "Bench vendor", category: "other" }, SYSTEM_ACTOR);
await createIntegration(
  db,
  workspaceId,
  vendor.id,
  {
    name: "Clinical notes",
    deployment: "vendor_api",
    dataClasses: ["phi"],
    processingRegions: ["eu"],
    retentionDays: 0,
    trainingUse: "no",
    customerFacing: false,
    decisionCritical: false,
    domain: "healthcare",
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
await savePortalAnswers(db, token, {
  q01: { value: "type2_current" },
  q03: { value: "no" },
  q04: { value: "yes" },
  q05: { value: 24 },
  q18: { value: "no" },
});

async function time(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function measure(): Promise<{ analysis: number; evidence: number; findings: number }> {
  const detail = await getAssessment(db, workspaceId, assessment.id);
  const context = {
    workspaceId,
    assessmentId: assessment.id,
    vendorId: vendor.id,
    questions: detail.questions,
    answers: detail.answers,
  };
  const analysis: number[] = [];
  const evidence: number[] = [];
  let count = 0;
  for (let i = 0; i < rounds; i++) {
    analysis.push(
      await time(async () => {
        count = (await analyzeAssessment(db, workspaceId, assessment.id)).findings.length;
      }),
    );
    evidence.push(await time(() => evidenceFindingsFor(db, context)));
  }
  return { analysis: median(analysis), evidence: median(evidence), findings: count };
}

const baseline = await measure();

// The readers run once per kind; the rows repeat their stored analyses under distinct hashes, as
// many uploads of similar documents would.
const asOf = today();
const kinds: [DocumentType, Uint8Array][] = [
  [
    "soc2_type2",
    await buildSoc2ReportPdf({
      periodStart: "2024-01-01",
      periodEnd: "2024-12-31",
      exceptions: DEFAULT_EXCEPTIONS,
    }),
  ],
  ["dpa", await buildDpaPdf({ omit: ["training"], breachPeriod: "within 72 hours" })],
  ["iso27001", await buildCertificatePdf({ validUntil: "2025-01-09" })],
];
const analysed = await Promise.all(
  kinds.map(async ([type, bytes]) => ({ type, result: await analyzeDocumentBytes(type, bytes, { asOf }) })),
);
for (let i = 0; i < docCount; i++) {
  const kind = analysed[i % analysed.length];
  if (kind === undefined) continue;
  await db.insert(documents).values({
    workspaceId,
    vendorId: vendor.id,
    type: kind.type,
    title: `${kind.type} ${i}`,
    fileName: `${kind.type}-${i}.pdf`,
    sha256: createHash("sha256").update(`bench ${i}`).digest("hex"),
    size: 1000,
    mediaType: "application/pdf",
    issuedOn: `20${String(10 + (i % 15)).padStart(2, "0")}-01-01`,
    uploadedBy: "bench",
    uploadedVia: "bench",
    analysisStatus: kind.result.status,
    analysis: kind.result.analysis,
    findings: kind.result.findings,
  });
}
for (let i = 0; i < rowCount; i++) {
  await db.insert(findings).values({
    workspaceId,
    vendorId: vendor.id,
    source: "usage",
    rule: i % 2 === 0 ? "undeclared_data_class" : "residency",
    severity: "high",
    title: `Usage finding ${i}`,
    detail: `${i} requests`,
    evidence: { vendor: "bench", requests: i },
    dedupeKey: `bench:${i}`,
  });
}

const loaded = await measure();
console.log(`rounds: ${rounds}; documents: ${docCount}; usage rows: ${rowCount}; Node ${process.version}`);
console.log("| measurement | no evidence (baseline) | with evidence | ratio |");
console.log("| --- | --- | --- | --- |");
console.log(
  `| analyzeAssessment (41 questions) | ${fmt(baseline.analysis)} (${baseline.findings} findings) | ${fmt(loaded.analysis)} (${loaded.findings} findings) | ${(loaded.analysis / baseline.analysis).toFixed(2)}x |`,
);
console.log(
  `| evidenceFindingsFor alone | ${fmt(baseline.evidence)} | ${fmt(loaded.evidence)} | ${(loaded.evidence / baseline.analysis).toFixed(2)}x of the baseline analysis |`,
);
await database.close();
