import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDpaPdf } from "../../src/evidence/fixtures/dpa-fixture.ts";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

type Evidence =
  | { kind: "answer"; questionId: string; questionText?: string; quote: string }
  | { kind: "document"; documentSha256?: string; documentName?: string; location?: string; quote: string }
  | { kind: "observation"; source: string; quote: string };
type Finding = {
  id: string;
  rule: string;
  kind: string;
  severity: string;
  dimension: string;
  questionIds: string[];
  evidence: Evidence[];
};
type Analysis = {
  findings: Finding[];
  scores: { dimensions: { dimension: string; score: number }[]; overall: { score: number } };
};

let t: TestServer;
let assessor: Client;
let viewer: Client;

beforeAll(async () => {
  t = await startTestServer({ ASSAY_PUBLIC_URL: "https://assay.example.test" });
  await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
});
afterAll(async () => t.close());

async function uploadDocument(vendorId: string, bytes: Uint8Array, query: Record<string, string>) {
  const res = await fetch(`${t.url}/api/vendors/${vendorId}/documents?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${assessor.bearer}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; sha256: string };
}

/** A tier-2 vendor whose respondent claims a current clean report, 24-hour breach notice and no training. */
async function vendorWithSubmittedClaims() {
  const vendor = await assessor.json<{ id: string }>("POST", "/api/vendors", {
    name: `Evidence Vendor ${Math.random().toString(36).slice(2, 8)}`,
    category: "foundation_model_provider",
  });
  expect(vendor.status).toBe(201);
  const integration = await assessor.json("POST", `/api/vendors/${vendor.body.id}/integrations`, {
    name: "Support assistant",
    deployment: "vendor_api",
    dataClasses: ["customer_data"],
    processingRegions: ["eu"],
    retentionDays: 0,
    trainingUse: "no",
    customerFacing: false,
    decisionCritical: false,
    domain: "general",
  });
  expect(integration.status).toBe(201);
  const created = await assessor.json<{ id: string }>("POST", "/api/assessments", {
    vendorId: vendor.body.id,
  });
  expect(created.status).toBe(201);
  const sent = await assessor.json<{ portalUrl: string }>("POST", `/api/assessments/${created.body.id}/send`);
  const token = sent.body.portalUrl.split("/portal/")[1] ?? "";
  const save = await fetch(`${t.url}/api/portal/${token}/answers`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      answers: {
        q01: { value: "type2_current" },
        q03: { value: "no" },
        q05: { value: 24 },
        q18: { value: "no" },
      },
    }),
  });
  expect(save.status).toBe(200);
  return { vendorId: vendor.body.id, assessmentId: created.body.id };
}

const analysisOf = async (id: string) => {
  const res = await viewer.json<Analysis>("GET", `/api/assessments/${id}/analysis`);
  expect(res.status).toBe(200);
  return res.body;
};
const score = (a: Analysis, d: string) => a.scores.dimensions.find((x) => x.dimension === d)?.score ?? 0;

describe("GET /api/assessments/{id}/analysis with evidence on file", () => {
  it("shows contradictions that quote the answer and the document, and the scores move", async () => {
    const { vendorId, assessmentId } = await vendorWithSubmittedClaims();
    const before = await analysisOf(assessmentId);
    expect(before.findings.filter((f) => f.kind === "contradiction" && f.rule.includes("soc2"))).toEqual([]);

    const report = await uploadDocument(
      vendorId,
      await buildSoc2ReportPdf({
        periodStart: "2024-01-01",
        periodEnd: "2024-12-31",
        exceptions: DEFAULT_EXCEPTIONS,
      }),
      { type: "soc2_type2", title: "SOC 2 Type II 2024", fileName: "soc2-2024.pdf" },
    );
    const dpa = await uploadDocument(vendorId, await buildDpaPdf({ breachPeriod: "within 72 hours" }), {
      type: "dpa",
      title: "Data processing agreement",
    });

    const after = await analysisOf(assessmentId);
    const rules = new Set(after.findings.map((f) => f.rule));
    for (const rule of [
      "contradiction_soc2_period",
      "contradiction_soc2_exceptions",
      "contradiction_breach_notice",
    ]) {
      expect(rules.has(rule), rule).toBe(true);
    }
    // The DPA fixture forbids training, so the "no training" answer stands.
    expect(rules.has("contradiction_dpa_training")).toBe(false);

    const period = after.findings.find((f) => f.rule === "contradiction_soc2_period");
    expect(period?.evidence).toEqual([
      expect.objectContaining({
        kind: "answer",
        questionId: "q01",
        questionText: expect.stringContaining("SOC 2"),
      }),
      expect.objectContaining({
        kind: "document",
        documentSha256: report.sha256,
        documentName: "SOC 2 Type II 2024",
        location: expect.stringMatching(/^page \d+$/),
        quote: expect.stringMatching(/2024/),
      }),
    ]);
    const breach = after.findings.find((f) => f.rule === "contradiction_breach_notice");
    expect(breach?.evidence[0]).toMatchObject({ kind: "answer", questionId: "q05", quote: "24 hours" });
    expect(breach?.evidence[1]).toMatchObject({
      documentSha256: dpa.sha256,
      quote: expect.stringMatching(/72 hours/),
    });

    expect(after.findings.some((f) => f.kind === "document" && f.rule === "soc2_stale_period")).toBe(true);
    expect(score(after, "infrastructure")).toBeGreaterThan(score(before, "infrastructure"));
    expect(score(after, "governance")).toBeGreaterThan(score(before, "governance"));

    // Analysis is stable: asking again gives the same finding ids.
    const again = await analysisOf(assessmentId);
    expect(again.findings.map((f) => f.id)).toEqual(after.findings.map((f) => f.id));
  });

  it("leaves another vendor's documents out", async () => {
    const first = await vendorWithSubmittedClaims();
    const second = await vendorWithSubmittedClaims();
    await uploadDocument(
      first.vendorId,
      await buildSoc2ReportPdf({ periodStart: "2023-01-01", periodEnd: "2023-12-31" }),
      { type: "soc2_type2" },
    );
    const other = await analysisOf(second.assessmentId);
    expect(other.findings.filter((f) => f.kind === "contradiction" || f.kind === "document")).toEqual([]);
    const own = await analysisOf(first.assessmentId);
    expect(own.findings.some((f) => f.rule === "contradiction_soc2_period")).toBe(true);
  });
});
