import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type LlmStub,
  replyWith,
  SUGGESTED_INVENTED,
  SUGGESTED_RETENTION,
  SUGGESTED_SOURCES,
  SUGGESTION_ANSWERS,
  startLlmStub,
} from "../../src/store/connectors/llm-testing.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

const KEY = "sk-api-test-secret-7f3a9c";

type Finding = { id: string; rule: string; kind: string; severity: string; dimension: string; title: string };
type Suggestion = {
  id: string;
  status: string;
  note: string | null;
  decidedBy: string | null;
  finding: Finding;
};
type Run = {
  model: string;
  outcome: string;
  problem: string | null;
  received: number;
  added: number;
  alreadyKnown: number;
  dropped: Record<string, number>;
  suggestions: Suggestion[];
};
type Analysis = {
  findings: Finding[];
  scores: { dimensions: { dimension: string; score: number }[]; overall: { score: number } };
};
type Problem = { status: number; code: string; detail: string; details?: Record<string, unknown> };

const ANSWERS = SUGGESTION_ANSWERS;
const retention = SUGGESTED_RETENTION;
const sources = SUGGESTED_SOURCES;
const invented = SUGGESTED_INVENTED;

let stub: LlmStub;
let on: TestServer;
let off: TestServer;
let admin: Client;
let viewer: Client;
let offAdmin: Client;

/** A tier-2 vendor's assessment, answered and submitted through the portal (so it is under review). */
async function submittedAssessment(client: Client, base: string): Promise<string> {
  const vendor = await client.json<{ id: string }>("POST", "/api/vendors", {
    name: `Vendor ${crypto.randomUUID().slice(0, 8)}`,
    category: "foundation_model_provider",
  });
  expect(vendor.status).toBe(201);
  const integration = await client.json("POST", `/api/vendors/${vendor.body.id}/integrations`, {
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
  const created = await client.json<{ id: string }>("POST", "/api/assessments", { vendorId: vendor.body.id });
  expect(created.status).toBe(201);
  const sent = await client.json<{ portalUrl: string }>("POST", `/api/assessments/${created.body.id}/send`);
  expect(sent.status).toBe(200);
  const token = sent.body.portalUrl.split("/portal/")[1] ?? "";
  const save = await fetch(`${base}/api/portal/${token}/answers`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ answers: ANSWERS }),
  });
  expect(save.status).toBe(200);
  const submit = await fetch(`${base}/api/portal/${token}/submit`, { method: "POST" });
  expect(submit.status).toBe(200);
  return created.body.id;
}

const dataScore = (a: Analysis) => a.scores.dimensions.find((d) => d.dimension === "data")?.score ?? 0;

beforeAll(async () => {
  stub = await startLlmStub();
  // The endpoint is read from the environment when the server starts, as in production.
  vi.stubEnv("ASSAY_LLM_BASE_URL", stub.baseUrl);
  vi.stubEnv("ASSAY_LLM_MODEL", "stub-model-1");
  vi.stubEnv("ASSAY_LLM_API_KEY", KEY);
  vi.stubEnv("ASSAY_LLM_TIMEOUT_SECONDS", "1");
  on = await startTestServer();
  vi.unstubAllEnvs();
  for (const name of ["ASSAY_LLM_BASE_URL", "ASSAY_LLM_MODEL", "ASSAY_LLM_API_KEY"]) vi.stubEnv(name, "");
  off = await startTestServer();
  vi.unstubAllEnvs();
  admin = await setupAdmin(on);
  viewer = (await buildUser(on, "viewer")).client;
  offAdmin = await setupAdmin(off);
});
afterAll(async () => {
  await on?.close();
  await off?.close();
  await stub?.close();
});

describe("AI assistance when configured", () => {
  it("says it is on, naming the model and the endpoint's host but no secret", async () => {
    const { status, body } = await viewer.json("GET", "/api/assistant");
    expect(status).toBe(200);
    expect(body).toEqual({
      enabled: true,
      model: "stub-model-1",
      endpoint: new URL(stub.baseUrl).origin,
      missing: [],
    });
  });

  it("suggests, lists, accepts and dismisses; accepted findings move the scores", async () => {
    const id = await submittedAssessment(admin, on.url);
    const before = await admin.json<Analysis>("GET", `/api/assessments/${id}/analysis`);
    expect(before.status).toBe(200);

    stub.requests.length = 0;
    stub.behaviour = { kind: "reply", content: replyWith(retention, sources, invented) };
    const run = await admin.json<Run>("POST", `/api/assessments/${id}/suggestions`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ model: "stub-model-1", outcome: "ok", received: 3, added: 2 });
    expect(run.body.dropped.quote_not_found).toBe(1);

    // What reached the endpoint: the configured model, the key as a bearer token, the answers.
    expect(stub.requests).toHaveLength(1);
    const request = stub.requests[0];
    expect(request?.path).toBe("/v1/chat/completions");
    expect(request?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(request?.body).toMatchObject({ model: "stub-model-1", temperature: 0 });
    expect(JSON.stringify(request?.body)).toContain("kept for 30 days for abuse monitoring");
    expect(on.logs.join("")).not.toContain(KEY);

    const listed = await viewer.json<{ items: Suggestion[] }>("GET", `/api/assessments/${id}/suggestions`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((s) => [s.status, s.finding.title])).toEqual([
      ["pending", retention.title],
      ["pending", sources.title],
    ]);
    const [critical, high] = listed.body.items;
    if (!critical || !high) throw new Error("expected two suggestions");
    // Pending suggestions do not count yet.
    const pending = await admin.json<Analysis>("GET", `/api/assessments/${id}/analysis`);
    expect(pending.body.findings.some((f) => f.rule === "assistant_suggestion")).toBe(false);

    expect(
      (await viewer.json("POST", `/api/assessments/${id}/suggestions/${critical.id}/accept`)).status,
    ).toBe(403);
    const accepted = await admin.json<Suggestion>(
      "POST",
      `/api/assessments/${id}/suggestions/${critical.id}/accept`,
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: "accepted", decidedBy: "admin@example.com" });

    const after = await admin.json<Analysis>("GET", `/api/assessments/${id}/analysis`);
    const mine = after.body.findings.find((f) => f.id === critical.finding.id);
    expect(mine).toMatchObject({ kind: "assistant", severity: "critical", title: retention.title });
    expect(dataScore(after.body)).toBeGreaterThan(dataScore(before.body));
    expect(after.body.scores.overall.score).toBeGreaterThan(before.body.scores.overall.score);

    const dismissed = await admin.json<Suggestion>(
      "POST",
      `/api/assessments/${id}/suggestions/${high.id}/dismiss`,
      { note: "Opt-out is covered in the DPA." },
    );
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({ status: "dismissed", note: "Opt-out is covered in the DPA." });
    const final = await admin.json<Analysis>("GET", `/api/assessments/${id}/analysis`);
    expect(final.body.findings.map((f) => f.id)).not.toContain(high.finding.id);
    expect(final.body.findings.map((f) => f.id)).toContain(critical.finding.id);

    const flip = await admin.json<Problem>("POST", `/api/assessments/${id}/suggestions/${high.id}/accept`);
    expect(flip.status).toBe(409);
    expect(flip.body.code).toBe("CONFLICT");

    const audit = await admin.json<{ items: { action: string; details: unknown }[] }>(
      "GET",
      `/api/audit?targetId=${id}&limit=100`,
    );
    expect(audit.status).toBe(200);
    const actions = audit.body.items.map((e) => e.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "assessment.suggestions.run",
        "assessment.suggestion.accept",
        "assessment.suggestion.dismiss",
      ]),
    );
    expect(JSON.stringify(audit.body)).not.toContain(KEY);
    expect(JSON.stringify(audit.body)).not.toContain("abuse monitoring");
  });

  it("answers 502 when the endpoint fails or hangs past the timeout, and stores nothing", async () => {
    const id = await submittedAssessment(admin, on.url);
    for (const behaviour of [{ kind: "status", status: 500 }, { kind: "hang" }] as const) {
      stub.behaviour = behaviour;
      const started = performance.now();
      const res = await admin.json<Problem>("POST", `/api/assessments/${id}/suggestions`);
      expect(res.status).toBe(502);
      expect(res.body.code).toBe("LLM_UNAVAILABLE");
      expect(res.body.details?.reason).toBe(behaviour.kind === "hang" ? "timeout" : "status");
      expect(JSON.stringify(res.body)).not.toContain(KEY);
      expect(performance.now() - started).toBeLessThan(5000);
    }
    const listed = await admin.json<{ items: unknown[] }>("GET", `/api/assessments/${id}/suggestions`);
    expect(listed.body.items).toEqual([]);
  });

  it("reports a reply that is not the asked JSON as a result, not an error", async () => {
    const id = await submittedAssessment(admin, on.url);
    stub.behaviour = { kind: "reply", content: "Sure! Here are the risks I found: retention." };
    const run = await admin.json<Run>("POST", `/api/assessments/${id}/suggestions`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ outcome: "malformed", added: 0, suggestions: [] });
    expect(run.body.problem).toMatch(/not valid JSON/);
  });

  it("refuses a draft and an unknown assessment", async () => {
    const vendor = await admin.json<{ id: string }>("POST", "/api/vendors", {
      name: "Draft Vendor",
      category: "other",
    });
    const draft = await admin.json<{ id: string }>("POST", "/api/assessments", { vendorId: vendor.body.id });
    stub.requests.length = 0;
    const res = await admin.json<Problem>("POST", `/api/assessments/${draft.body.id}/suggestions`);
    expect(res.status).toBe(409);
    expect(res.body.code).toBe("ASSESSMENT_STATE_INVALID");
    const missing = await admin.json<Problem>("POST", `/api/assessments/${crypto.randomUUID()}/suggestions`);
    expect(missing.status).toBe(404);
    expect(stub.requests).toHaveLength(0);
  });
});

describe("AI assistance when not configured", () => {
  it("says it is off, names the variables, and sends nothing anywhere", async () => {
    const status = await offAdmin.json("GET", "/api/assistant");
    expect(status.body).toEqual({
      enabled: false,
      model: null,
      endpoint: null,
      missing: ["ASSAY_LLM_BASE_URL", "ASSAY_LLM_MODEL"],
    });
    const id = await submittedAssessment(offAdmin, off.url);
    stub.requests.length = 0;
    const res = await offAdmin.json<Problem>("POST", `/api/assessments/${id}/suggestions`);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe("LLM_NOT_CONFIGURED");
    expect(res.body.detail).toContain("ASSAY_LLM_BASE_URL");
    expect(res.body.detail).toContain("ASSAY_LLM_MODEL");
    expect(stub.requests).toHaveLength(0);
    const listed = await offAdmin.json<{ items: unknown[] }>("GET", `/api/assessments/${id}/suggestions`);
    expect(listed).toMatchObject({ status: 200, body: { items: [] } });
  });
});
