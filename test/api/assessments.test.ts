import { eq } from "drizzle-orm";
import ExcelJS from "exceljs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addBusinessDays } from "../../src/domain/business-days.ts";
import { normalizeAnswers } from "../../src/domain/question-bank.ts";
import { assessments, portalLinks } from "../../src/store/schema.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
let assessor: Client;
let viewer: Client;
let auditor: Client;

type Assessment = {
  id: string;
  vendorId: string;
  tier: number;
  bankId: string;
  bankVersion: number;
  status: string;
  decision: string | null;
  conditions: string[];
  dueDate: string | null;
  nextReviewDue: string | null;
  questionCount: number;
  answeredCount: number;
  questions: { id: string; answerType: string }[];
  answers: Record<string, { value: unknown; comment?: string; evidence?: string[] }>;
};
type Finding = { id: string; rule: string; kind: string; severity: string; questionIds: string[] };
type Scores = {
  dimensions: { dimension: string; score: number; contributions: unknown[] }[];
  overall: { score: number; contributions: unknown[] };
};
type Remediation = {
  id: string;
  templateId: string;
  title: string;
  owner: string | null;
  dueDate: string;
  status: string;
};

const TODAY = () => new Date().toISOString().slice(0, 10);

/** A vendor of the given tier: tier 2 through customer data, tier 3 through PHI. */
async function buildVendor(tier: 1 | 2 | 3, name = `Vendor ${Math.random().toString(36).slice(2, 8)}`) {
  const { status, body } = await assessor.json<{ id: string }>("POST", "/api/vendors", {
    name,
    category: "foundation_model_provider",
  });
  expect(status).toBe(201);
  const dataClasses = tier === 1 ? ["internal"] : tier === 2 ? ["customer_data"] : ["phi"];
  const integration = await assessor.json("POST", `/api/vendors/${body.id}/integrations`, {
    name: "Support assistant",
    deployment: "vendor_api",
    dataClasses,
    processingRegions: ["eu"],
    retentionDays: 0,
    trainingUse: "no",
    customerFacing: false,
    decisionCritical: false,
    domain: "general",
  });
  expect(integration.status).toBe(201);
  return body.id;
}

async function createAndSend(tier: 1 | 2 | 3) {
  const vendorId = await buildVendor(tier);
  const created = await assessor.json<Assessment>("POST", "/api/assessments", { vendorId });
  expect(created.status).toBe(201);
  const sent = await assessor.json<{ portalUrl: string; dueDate: string }>(
    "POST",
    `/api/assessments/${created.body.id}/send`,
  );
  expect(sent.status).toBe(200);
  const token = sent.body.portalUrl.split("/portal/")[1] ?? "";
  return { vendorId, assessment: created.body, token, ...sent.body };
}

/** Answers to a tier-2 questionnaire with three red flags: vague models, SOC 2 as the answer on training data, no model card. */
const RED_FLAG_ANSWERS = {
  q01: { value: "type2_current" },
  q02: { value: "Example Audit LLP, period 2026-01-01 to 2026-06-30" },
  q03: { value: "no" },
  q04: { value: "yes" },
  q05: { value: 48 },
  q06: { value: "at_least_annual" },
  q07: { value: "yes" },
  q08: { value: "GPT" },
  q09: { value: "trained_in_house" },
  q10: { value: "We are SOC 2 compliant." },
  q11: { value: "Automated scanning for personal data and removal before every training run begins." },
  q12: { value: "every_release", comment: "Bias suite run on each release by our evaluation team" },
  q13: { value: "Semantic versions; customers hear of changes 30 days ahead by e-mail and changelog." },
  q14: { value: "Retired models get 90 days notice and a migration guide." },
  q15: { value: "no" },
  q16: { value: "Only the prompt and the response, processed in memory." },
  q17: { value: "no" },
  q18: { value: "no" },
  q19: { value: "yes" },
  q20: { value: ["eu"] },
  q21: { value: "Deletion on request through the console, completed within 30 days including backups." },
  q22: { value: "yes" },
  q23: { value: "TLS 1.3 in transit and AES-256 at rest with keys held in an HSM." },
  q32: { value: 4 },
  q34: { value: "By e-mail to the named contact within 24 hours of confirming an incident." },
};

beforeAll(async () => {
  t = await startTestServer({ ASSAY_PUBLIC_URL: "https://assay.example.test" });
  admin = await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
  auditor = (await buildUser(t, "auditor")).client;
});
afterAll(async () => t.close());

describe("assessment flow", () => {
  it("runs create → send → portal answers → submit → analysis → decision with conditions → remediation", async () => {
    const vendorId = await buildVendor(2);
    const created = await assessor.json<Assessment>("POST", "/api/assessments", { vendorId });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "draft", tier: 2, bankId: "ai-vendor", bankVersion: 1 });
    expect(created.body.questionCount).toBe(25);
    const id = created.body.id;

    const sent = await assessor.json<{ portalUrl: string; dueDate: string }>(
      "POST",
      `/api/assessments/${id}/send`,
    );
    expect(sent.status).toBe(200);
    expect(sent.body.dueDate).toBe(addBusinessDays(TODAY(), 14));
    expect(sent.body.portalUrl).toMatch(/^https:\/\/assay\.example\.test\/portal\/assay_portal_[\w-]{43}$/);
    const token = sent.body.portalUrl.split("/portal/")[1] ?? "";
    const vendorAfterSend = await viewer.json<{ status: string }>("GET", `/api/vendors/${vendorId}`);
    expect(vendorAfterSend.body.status).toBe("in_review");

    const portal = await fetch(`${t.url}/api/portal/${token}`);
    expect(portal.status).toBe(200);
    const q = (await portal.json()) as { vendorName: string; status: string; questions: { id: string }[] };
    expect(q.status).toBe("sent");
    expect(q.questions.map((x) => x.id)).toEqual(created.body.questions.map((x) => x.id));

    const save = await fetch(`${t.url}/api/portal/${token}/answers`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers: RED_FLAG_ANSWERS }),
    });
    expect(save.status).toBe(200);
    expect(((await save.json()) as { status: string }).status).toBe("in_progress");

    const submit = await fetch(`${t.url}/api/portal/${token}/submit`, { method: "POST" });
    expect(submit.status).toBe(200);
    expect(((await submit.json()) as { status: string }).status).toBe("under_review");

    const analysis = await viewer.json<{ findings: Finding[]; scores: Scores }>(
      "GET",
      `/api/assessments/${id}/analysis`,
    );
    expect(analysis.status).toBe(200);
    const rules = new Set(analysis.body.findings.map((f) => f.rule));
    expect(rules).toContain("no_model_card");
    expect(rules).toContain("cannot_explain_ai");
    expect(analysis.body.findings.some((f) => f.kind === "red_flag" && f.questionIds.includes("q10"))).toBe(
      true,
    );
    expect(analysis.body.scores.dimensions.map((d) => d.dimension).sort()).toEqual([
      "data",
      "governance",
      "infrastructure",
      "model",
    ]);
    const model = analysis.body.scores.dimensions.find((d) => d.dimension === "model");
    expect(model?.score).toBeGreaterThan(1);
    expect(analysis.body.scores.overall.score).toBeGreaterThanOrEqual(1);
    expect(analysis.body.scores.overall.score).toBeLessThanOrEqual(5);

    const tooShort = await assessor.json("POST", `/api/assessments/${id}/decision`, {
      decision: "approved_with_conditions",
      note: "short",
    });
    expect(tooShort.status).toBe(400);

    const decided = await assessor.json<{ assessment: Assessment; remediation: Remediation[] }>(
      "POST",
      `/api/assessments/${id}/decision`,
      {
        decision: "approved_with_conditions",
        note: "Acceptable once the model documentation gaps are closed.",
        remediationOwner: "Dana Lee",
      },
    );
    expect(decided.status).toBe(200);
    const { assessment, remediation } = decided.body;
    expect(assessment.status).toBe("decided");
    expect(assessment.decision).toBe("approved_with_conditions");
    expect(remediation.map((r) => r.templateId)).toContain("model_card");
    expect(remediation.every((r) => r.owner === "Dana Lee" && r.status === "open")).toBe(true);
    expect(assessment.conditions).toHaveLength(remediation.length);
    for (const r of remediation) expect(assessment.conditions.join("\n")).toContain(r.title);
    expect(assessment.nextReviewDue).not.toBeNull();

    const vendor = await viewer.json<{ status: string; nextReviewDue: string; lastReviewedOn: string }>(
      "GET",
      `/api/vendors/${vendorId}`,
    );
    expect(vendor.body.status).toBe("approved_with_conditions");
    expect(vendor.body.lastReviewedOn).toBe(TODAY());
    expect(vendor.body.nextReviewDue).toBe(assessment.nextReviewDue);

    const board = await viewer.json<{ items: Remediation[] }>(
      "GET",
      `/api/remediation?vendorId=${vendorId}&status=open`,
    );
    expect(board.body.items.map((r) => r.id).sort()).toEqual(remediation.map((r) => r.id).sort());

    const history = await viewer.json<{ items: { assessmentId: string; reason: string; overall: number }[] }>(
      "GET",
      `/api/vendors/${vendorId}/assessment-history`,
    );
    expect(history.body.items.map((h) => h.reason)).toEqual(["submit", "decision"]);
    expect(history.body.items[0]?.overall).toBe(analysis.body.scores.overall.score);

    // The audit log holds every transition.
    const audit = await admin.json<{ items: { action: string; targetId: string | null }[] }>(
      "GET",
      "/api/audit?limit=200",
    );
    const actions = audit.body.items.filter((e) => e.targetId === id).map((e) => e.action);
    for (const a of [
      "assessment.create",
      "assessment.send",
      "assessment.start",
      "assessment.submit",
      "assessment.begin_review",
      "assessment.decide",
    ]) {
      expect(actions).toContain(a);
    }
  });

  it("closes a remediation item only with evidence, and lets the owner and due date change", async () => {
    const items = await viewer.json<{ items: Remediation[] }>("GET", "/api/remediation");
    const item = items.body.items[0];
    expect(item).toBeDefined();
    if (!item) return;
    const noEvidence = await assessor.json("PATCH", `/api/remediation/${item.id}`, { status: "closed" });
    expect(noEvidence.status).toBe(400);
    const moved = await assessor.json<Remediation>("PATCH", `/api/remediation/${item.id}`, {
      owner: "Sam Park",
      dueDate: "2030-01-31",
      status: "in_progress",
    });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ owner: "Sam Park", dueDate: "2030-01-31", status: "in_progress" });
    const closed = await assessor.json<Remediation & { evidenceRefs: string[] }>(
      "PATCH",
      `/api/remediation/${item.id}`,
      { status: "closed", evidenceRefs: ["model-card-2026.pdf"] },
    );
    expect(closed.status).toBe(200);
    expect(closed.body.evidenceRefs).toEqual(["model-card-2026.pdf"]);
    const forbidden = await viewer.json("PATCH", `/api/remediation/${item.id}`, { owner: "X" });
    expect(forbidden.status).toBe(403);
  });

  it("refuses to decide an assessment that is not under review, and to send one twice", async () => {
    const vendorId = await buildVendor(1);
    const created = await assessor.json<Assessment>("POST", "/api/assessments", { vendorId });
    expect(created.body.questionCount).toBe(10);
    const early = await assessor.json<{ code: string }>(
      "POST",
      `/api/assessments/${created.body.id}/decision`,
      {
        decision: "approved",
        note: "Looks fine to me overall.",
      },
    );
    expect(early.status).toBe(409);
    expect(early.body.code).toBe("ASSESSMENT_STATE_INVALID");
    expect((await assessor.json("POST", `/api/assessments/${created.body.id}/send`)).status).toBe(200);
    const again = await assessor.json<{ code: string }>("POST", `/api/assessments/${created.body.id}/send`);
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("ASSESSMENT_STATE_INVALID");
  });

  it("lists assessments by vendor and state", async () => {
    const { vendorId, assessment } = await createAndSend(1);
    const byVendor = await viewer.json<{ items: Assessment[]; total: number }>(
      "GET",
      `/api/assessments?vendorId=${vendorId}`,
    );
    expect(byVendor.body.total).toBe(1);
    expect(byVendor.body.items[0]?.id).toBe(assessment.id);
    const drafts = await viewer.json<{ items: Assessment[] }>("GET", "/api/assessments?status=draft");
    expect(drafts.body.items.every((a) => a.status === "draft")).toBe(true);
    expect(drafts.body.items.some((a) => a.id === assessment.id)).toBe(false);
    const missing = await viewer.json<{ code: string }>("GET", `/api/assessments/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("ASSESSMENT_NOT_FOUND");
  });

  it("counts the due date past configured holidays", async () => {
    const { dueDate } = await createAndSend(1);
    expect(dueDate).toBe(addBusinessDays(TODAY(), 14));
    process.env.ASSAY_HOLIDAYS = `${addBusinessDays(TODAY(), 1)},${addBusinessDays(TODAY(), 2)}`;
    try {
      const later = await createAndSend(1);
      expect(later.dueDate).toBe(addBusinessDays(TODAY(), 16));
    } finally {
      delete process.env.ASSAY_HOLIDAYS;
    }
  });
});

describe("bad answers", () => {
  it("names the question of an unknown answer or a wrong answer type, and stores nothing", async () => {
    const { token, assessment } = await createAndSend(2);
    const put = (answers: unknown) =>
      fetch(`${t.url}/api/portal/${token}/answers`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ answers }),
      });
    const unknown = await put({ q99: { value: "yes" } });
    expect(unknown.status).toBe(400);
    const u = (await unknown.json()) as { detail: string; details: { issues: { questionId: string }[] } };
    expect(u.detail).toContain("q99");
    expect(u.details.issues[0]?.questionId).toBe("q99");

    const wrongType = await put({ q05: { value: "soon" }, q01: { value: "type2_current" } });
    expect(wrongType.status).toBe(400);
    const w = (await wrongType.json()) as { detail: string };
    expect(w.detail).toContain("q05");

    const badChoice = await put({ q20: { value: ["mars"] } });
    expect(badChoice.status).toBe(400);
    expect(((await badChoice.json()) as { detail: string }).detail).toContain("q20");

    const stored = await viewer.json<Assessment>("GET", `/api/assessments/${assessment.id}`);
    expect(stored.body.answers).toEqual({});
    expect(stored.body.status).toBe("sent");
  });
});

describe("custom questions", () => {
  const custom = {
    id: "c-ai-insurance",
    section: "F",
    text: "Do you carry insurance that covers harm caused by model output?",
    answerType: "yes_no_partial_na",
    dimension: "governance",
    tiers: [1, 2, 3],
  };

  it("lets an admin add one that new assessments of its tiers ask, and no one else", async () => {
    expect((await assessor.json("POST", "/api/questions/custom", custom)).status).toBe(403);
    const bad = await admin.json("POST", "/api/questions/custom", { ...custom, id: "q77" });
    expect(bad.status).toBe(400);
    const added = await admin.json<{ id: string }>("POST", "/api/questions/custom", custom);
    expect(added.status).toBe(201);
    expect((await admin.json("POST", "/api/questions/custom", custom)).status).toBe(409);
    const list = await viewer.json<{ items: { question: { id: string } }[] }>("GET", "/api/questions/custom");
    expect(list.body.items.map((i) => i.question.id)).toContain("c-ai-insurance");

    const vendorId = await buildVendor(1);
    const a = await assessor.json<Assessment>("POST", "/api/assessments", { vendorId });
    expect(a.body.questionCount).toBe(11);
    expect(a.body.questions.at(-1)?.id).toBe("c-ai-insurance");

    expect((await admin.json("DELETE", `/api/questions/custom/${added.body.id}`)).status).toBe(204);
    // The assessment keeps the question it was created with.
    const again = await viewer.json<Assessment>("GET", `/api/assessments/${a.body.id}`);
    expect(again.body.questions.at(-1)?.id).toBe("c-ai-insurance");
    const b = await assessor.json<Assessment>("POST", "/api/assessments", { vendorId });
    expect(b.body.questionCount).toBe(10);
  });
});

describe("spreadsheet round-trip over HTTP", () => {
  async function exportOf(id: string, client: Client = auditor): Promise<Buffer> {
    const res = await client.request("GET", `/api/assessments/${id}/export.xlsx`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("spreadsheetml");
    return Buffer.from(await res.arrayBuffer());
  }

  it("exports answers, imports them back unchanged, and names a bad cell", async () => {
    const { token, assessment } = await createAndSend(2);
    const answers = {
      ...RED_FLAG_ANSWERS,
      q20: {
        value: ["eu", "us"],
        comment: "US only for support tickets",
        evidence: ["doc-1", "Residency letter"],
      },
    };
    const save = await fetch(`${t.url}/api/portal/${token}/answers`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers }),
    });
    expect(save.status).toBe(200);
    const file = await exportOf(assessment.id);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("Questionnaire");
    expect(sheet?.getRow(1).values).toEqual([
      undefined,
      "id",
      "section",
      "question",
      "answer type",
      "allowed values",
      "answer",
      "comment",
      "evidence reference",
    ]);
    expect(sheet?.getCell("A2").value).toBe("q01");
    expect(sheet?.getCell("F2").dataValidation?.type).toBe("list");

    const before = await viewer.json<Assessment>("GET", `/api/assessments/${assessment.id}`);
    const imported = await assessor.json<Assessment>("POST", `/api/assessments/${assessment.id}/import`, {
      contentBase64: file.toString("base64"),
    });
    expect(imported.status).toBe(200);
    expect(imported.body.answers).toEqual(before.body.answers);
    expect(imported.body.answers.q20).toEqual(answers.q20);

    // A number question answered with words: the problem names the sheet and the cell.
    const row = (sheet?.getColumn(1).values ?? []).indexOf("q05");
    if (sheet) sheet.getCell(`F${row}`).value = "two days";
    const broken = Buffer.from(await wb.xlsx.writeBuffer());
    const rejected = await assessor.json<{
      code: string;
      detail: string;
      details: { errors: { sheet: string; cell: string }[] };
    }>("POST", `/api/assessments/${assessment.id}/import`, { contentBase64: broken.toString("base64") });
    expect(rejected.status).toBe(422);
    expect(rejected.body.code).toBe("SPREADSHEET_INVALID");
    expect(rejected.body.details.errors).toContainEqual(
      expect.objectContaining({ sheet: "Questionnaire", cell: `F${row}` }),
    );
    expect(rejected.body.detail).toContain(`Questionnaire!F${row}`);
    const after = await viewer.json<Assessment>("GET", `/api/assessments/${assessment.id}`);
    expect(after.body.answers).toEqual(before.body.answers);

    // A workbook of another assessment is refused.
    const other = await createAndSend(2);
    const foreign = await assessor.json<{ code: string }>(
      "POST",
      `/api/assessments/${other.assessment.id}/import`,
      {
        contentBase64: file.toString("base64"),
      },
    );
    expect(foreign.status).toBe(422);
    expect(
      (await assessor.json("POST", `/api/assessments/${assessment.id}/import`, { contentBase64: "AAAA" }))
        .status,
    ).toBe(422);
    expect((await viewer.request("GET", `/api/assessments/${assessment.id}/export.xlsx`)).status).toBe(403);
  });
});

describe("portal link administration", () => {
  it("re-issues a link (the old one is revoked) and revokes links on request", async () => {
    const { token, assessment } = await createAndSend(1);
    const reissued = await assessor.json<{ portalUrl: string }>(
      "POST",
      `/api/assessments/${assessment.id}/portal-link`,
    );
    expect(reissued.status).toBe(200);
    const fresh = reissued.body.portalUrl.split("/portal/")[1] ?? "";
    expect(fresh).not.toBe(token);
    expect((await fetch(`${t.url}/api/portal/${token}`)).status).toBe(410);
    expect((await fetch(`${t.url}/api/portal/${fresh}`)).status).toBe(200);
    const revoked = await assessor.json<{ revoked: number }>(
      "POST",
      `/api/assessments/${assessment.id}/portal-link/revoke`,
    );
    expect(revoked.body.revoked).toBe(1);
    const gone = await fetch(`${t.url}/api/portal/${fresh}`);
    expect(gone.status).toBe(410);
    expect(((await gone.json()) as { code: string }).code).toBe("PORTAL_LINK_REVOKED");
    // Only the hash is stored.
    const rows = await t.server.services.db
      .select()
      .from(portalLinks)
      .where(eq(portalLinks.assessmentId, assessment.id));
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.tokenHash).not.toContain("assay_portal_");
  });
});

describe("return to vendor and rejection", () => {
  it("returns a questionnaire for clarification, takes new answers, and a rejection plans nothing", async () => {
    const { vendorId, assessment, token } = await createAndSend(2);
    const put = (answers: unknown) =>
      fetch(`${t.url}/api/portal/${token}/answers`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ answers }),
      });
    expect((await put(RED_FLAG_ANSWERS)).status).toBe(200);
    expect((await fetch(`${t.url}/api/portal/${token}/submit`, { method: "POST" })).status).toBe(200);

    const newDue = addBusinessDays(TODAY(), 5);
    const returned = await assessor.json<Assessment & { returnedCount: number }>(
      "POST",
      `/api/assessments/${assessment.id}/return`,
      { reason: "Please name the models and versions in q08.", dueDate: newDue },
    );
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ status: "in_progress", dueDate: newDue, returnedCount: 1 });
    expect(
      (await put({ q08: { value: "Model X version 3 hosted by us, fine-tuned in-house" } })).status,
    ).toBe(200);
    expect((await fetch(`${t.url}/api/portal/${token}/submit`, { method: "POST" })).status).toBe(200);

    const rejected = await assessor.json<{ assessment: Assessment; remediation: Remediation[] }>(
      "POST",
      `/api/assessments/${assessment.id}/decision`,
      { decision: "rejected", note: "No model documentation and SOC 2 offered instead of answers." },
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body.remediation).toEqual([]);
    expect(rejected.body.assessment).toMatchObject({
      decision: "rejected",
      nextReviewDue: null,
      conditions: [],
    });
    const vendor = await viewer.json<{ status: string }>("GET", `/api/vendors/${vendorId}`);
    expect(vendor.body.status).toBe("rejected");
    const history = await viewer.json<{ items: { reason: string }[] }>(
      "GET",
      `/api/vendors/${vendorId}/assessment-history`,
    );
    expect(history.body.items.map((h) => h.reason)).toEqual(["submit", "submit", "decision"]);
    const again = await assessor.json("POST", `/api/assessments/${assessment.id}/return`, {
      reason: "Too late for that now.",
    });
    expect(again.status).toBe(409);
  });
});

describe("spreadsheet round-trip property over HTTP", () => {
  type Q = {
    id: string;
    answerType: string;
    allowedValues?: string[];
    options?: { value: string }[];
    naAllowed?: boolean;
  };
  const safeText = fc.string({
    unit: fc.constantFrom(..."ab Z9.,;=-\n\té漢".split("")),
    minLength: 1,
    maxLength: 40,
  });
  const item = fc.string({ unit: fc.constantFrom(..."ab9-_#".split("")), minLength: 1, maxLength: 12 });
  function answerValueArb(q: Q): fc.Arbitrary<unknown> {
    const options = (q.options ?? []).map((o) => o.value);
    switch (q.answerType) {
      case "yes_no_partial_na":
        return fc.constantFrom("yes", "no", "partial", ...(q.naAllowed ? ["na"] : []));
      case "single_choice":
        return fc.constantFrom(...options);
      case "multi_choice":
        return fc.subarray(options, { minLength: 1 });
      case "number":
        return fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }));
      case "date":
        return fc.constantFrom("2024-02-29", "2026-11-22", "1999-12-31");
      case "file":
        return fc.array(item, { minLength: 1, maxLength: 3 });
      default:
        return safeText;
    }
  }

  it("random valid answers → export → import give the same answers", async () => {
    const custom = await admin.json("POST", "/api/questions/custom", {
      id: "c-hosting",
      section: "D",
      text: "Which hosting providers run the service?",
      answerType: "multi_choice",
      options: [
        { value: "aws", label: "AWS" },
        { value: "gcp", label: "Google Cloud" },
      ],
      dimension: "infrastructure",
      tiers: [2],
    });
    expect(custom.status).toBe(201);
    const vendorId = await buildVendor(2);
    const created = await assessor.json<Assessment>("POST", "/api/assessments", { vendorId });
    const id = created.body.id;
    const questions = created.body.questions as Q[];
    expect(questions.at(-1)?.id).toBe("c-hosting");
    const answersArb = fc
      .subarray(questions)
      .chain((qs) =>
        fc.tuple(
          ...qs.map((q) =>
            fc
              .record(
                {
                  value: fc.option(answerValueArb(q), { nil: null }),
                  comment: safeText,
                  evidence: fc.array(item, { minLength: 1, maxLength: 2 }),
                },
                { requiredKeys: ["value"] },
              )
              .map((a) => [q.id, a] as const),
          ),
        ),
      )
      .map((pairs) => Object.fromEntries(pairs));
    const { db } = t.server.services;
    await fc.assert(
      fc.asyncProperty(answersArb, async (answers) => {
        await db.update(assessments).set({ answers }).where(eq(assessments.id, id));
        const res = await auditor.request("GET", `/api/assessments/${id}/export.xlsx`);
        expect(res.status).toBe(200);
        const file = Buffer.from(await res.arrayBuffer());
        await db.update(assessments).set({ answers: {} }).where(eq(assessments.id, id));
        const imported = await assessor.json<Assessment>("POST", `/api/assessments/${id}/import`, {
          contentBase64: file.toString("base64"),
        });
        expect(imported.status).toBe(200);
        expect(imported.body.answers).toEqual(normalizeAnswers(answers as never));
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});
