import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors.ts";
import { SUGGESTION_RULE } from "../domain/suggestions.ts";
import {
  analyzeAssessment,
  createAssessment,
  readSendSettings,
  savePortalAnswers,
  sendAssessment,
} from "./assessments.ts";
import { type Actor, listAuditEntries } from "./audit-log.ts";
import { loadCatalog, seedCatalog } from "./catalog.ts";
import { createLlmClient, type LlmClient } from "./connectors/llm.ts";
import {
  type LlmStub,
  replyWith,
  SUGGESTED_INVENTED,
  SUGGESTED_RETENTION,
  SUGGESTED_SOURCES,
  SUGGESTION_ANSWERS,
  startLlmStub,
} from "./connectors/llm-testing.ts";
import type { Database } from "./database.ts";
import { createIntegration, createVendor } from "./inventory.ts";
import { assessments } from "./schema.ts";
import {
  acceptedSuggestionFindings,
  acceptSuggestion,
  dismissSuggestion,
  listSuggestions,
  suggestFindings,
} from "./suggestions.ts";
import { openTestDatabase } from "./testing.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

const KEY = "sk-store-test-key-42";
const reviewer: Actor = { type: "user", id: null, label: "reviewer@example.com" };

let database: Database;
let workspaceId: string;
let stub: LlmStub;
let client: LlmClient;

const ANSWERS = SUGGESTION_ANSWERS;
const retention = SUGGESTED_RETENTION;
const sources = SUGGESTED_SOURCES;
const invented = SUGGESTED_INVENTED;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return "none";
}

/** A tier-2 assessment sent to the vendor, with the given answers saved through the portal. */
async function answeredAssessment(answers: Record<string, unknown> = ANSWERS): Promise<string> {
  const vendor = await createVendor(
    database.db,
    workspaceId,
    { name: `Vendor ${crypto.randomUUID().slice(0, 8)}`, category: "foundation_model_provider" },
    reviewer,
  );
  await createIntegration(
    database.db,
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
    } as Parameters<typeof createIntegration>[3],
    reviewer,
  );
  const assessment = await createAssessment(database.db, workspaceId, { vendorId: vendor.id }, reviewer);
  if (Object.keys(answers).length === 0) return assessment.id;
  const { token } = await sendAssessment(
    database.db,
    workspaceId,
    assessment.id,
    readSendSettings({}),
    reviewer,
  );
  await savePortalAnswers(database.db, token, answers as Parameters<typeof savePortalAnswers>[2]);
  return assessment.id;
}

beforeAll(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
  await seedCatalog(database.db, await loadCatalog());
  stub = await startLlmStub();
  client = createLlmClient({
    baseUrl: stub.baseUrl,
    model: "stub-model",
    apiKey: KEY,
    timeoutMs: 400,
    maxResponseBytes: 1024 * 1024,
  });
});
afterAll(async () => {
  await stub.close();
  await database.close();
});
beforeEach(() => {
  stub.requests.length = 0;
});

describe("suggestFindings", () => {
  it("stores valid suggestions as pending, counts the dropped ones and audits without the prompt", async () => {
    const id = await answeredAssessment();
    stub.behaviour = {
      kind: "reply",
      content: replyWith(retention, sources, invented, { ...retention, severity: "huge" }),
    };
    const run = await suggestFindings(database.db, workspaceId, id, client, reviewer);

    expect(run).toMatchObject({ model: "stub-model", outcome: "ok", received: 4, added: 2, alreadyKnown: 0 });
    expect(run.dropped).toMatchObject({ quote_not_found: 1, invalid_severity: 1, unknown_question: 0 });
    expect(run.suggestions.map((s) => [s.status, s.finding.title])).toEqual([
      ["pending", retention.title],
      ["pending", sources.title],
    ]);
    expect(run.suggestions[0]?.finding.rule).toBe(SUGGESTION_RULE);

    // The request carried the questionnaire and nothing else of the workspace.
    const sent = JSON.stringify(stub.requests[0]?.body);
    expect(sent).toContain("kept for 30 days for abuse monitoring");
    expect(sent).not.toContain("Vendor ");
    expect(sent).not.toContain(reviewer.label);

    const { items } = await listAuditEntries(database.db, { workspaceId, targetId: id, limit: 50 });
    const entry = items.find((e) => e.action === "assessment.suggestions.run");
    expect(entry?.details).toEqual({
      model: "stub-model",
      outcome: "ok",
      received: 4,
      added: 2,
      alreadyKnown: 0,
      dropped: { invalid_severity: 1, quote_not_found: 1 },
    });
    const everything = JSON.stringify(items);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain("abuse monitoring");
  });

  it("does not store a suggestion again, whatever its status", async () => {
    const id = await answeredAssessment();
    stub.behaviour = { kind: "reply", content: replyWith(retention, sources) };
    const first = await suggestFindings(database.db, workspaceId, id, client, reviewer);
    const dismissed = first.suggestions.find((s) => s.finding.title === sources.title);
    if (!dismissed) throw new Error("no suggestion to dismiss");
    await dismissSuggestion(database.db, workspaceId, id, dismissed.id, reviewer, "Not relevant");
    const second = await suggestFindings(database.db, workspaceId, id, client, reviewer);
    expect(second).toMatchObject({ added: 0, alreadyKnown: 2 });
    expect(second.suggestions).toHaveLength(2);
  });

  it("reports an unreadable reply as a result and stores nothing", async () => {
    const id = await answeredAssessment();
    for (const content of [
      "I found a few issues with retention.",
      "",
      `\`\`\`json\n${replyWith()}\n\`\`\``,
    ]) {
      stub.behaviour = { kind: "reply", content };
      const run = await suggestFindings(database.db, workspaceId, id, client, reviewer);
      expect(run.added).toBe(0);
      expect(run.outcome).toBe(content === "" ? "empty" : content.startsWith("```") ? "ok" : "malformed");
      if (run.outcome === "ok") expect(run.problem).toBeNull();
      else expect(run.problem).toMatch(/^The model/);
    }
    expect(await listSuggestions(database.db, workspaceId, id)).toEqual([]);
  });

  it("stores nothing when the endpoint fails or hangs, and audits the attempt", async () => {
    const id = await answeredAssessment();
    stub.behaviour = { kind: "status", status: 500 };
    expect(await codeOf(suggestFindings(database.db, workspaceId, id, client, reviewer))).toBe(
      "LLM_UNAVAILABLE",
    );
    stub.behaviour = { kind: "hang" };
    expect(await codeOf(suggestFindings(database.db, workspaceId, id, client, reviewer))).toBe(
      "LLM_UNAVAILABLE",
    );
    expect(await listSuggestions(database.db, workspaceId, id)).toEqual([]);
    const { items } = await listAuditEntries(database.db, { workspaceId, targetId: id, limit: 50 });
    expect(
      items
        .filter((e) => e.action === "assessment.suggestions.failed")
        .map((e) => (e.details as { reason?: unknown }).reason),
    ).toEqual(["timeout", "status"]);
  });

  it("checks quotes against the answers as they stand when the reply comes back", async () => {
    const id = await answeredAssessment();
    const reply = replyWith(retention, sources);
    // The vendor rewrites q10 while the model is thinking: the quote of the old text no longer holds.
    const editing: LlmClient = {
      model: "editing-model",
      async complete() {
        const [row] = await database.db.select().from(assessments).where(eq(assessments.id, id));
        const answers = {
          ...(row?.answers as Record<string, unknown>),
          q10: { value: "Only licensed archives." },
        };
        await database.db.update(assessments).set({ answers }).where(eq(assessments.id, id));
        return reply;
      },
    };
    const run = await suggestFindings(database.db, workspaceId, id, editing, reviewer);
    expect(run.suggestions.map((s) => s.finding.title)).toEqual([retention.title]);
    expect(run.dropped.quote_not_found).toBe(1);

    // Decided while the model was answering: nothing is stored.
    const deciding: LlmClient = {
      model: "deciding-model",
      async complete() {
        await database.db.update(assessments).set({ status: "decided" }).where(eq(assessments.id, id));
        return replyWith({
          ...sources,
          quotes: [{ questionId: "q08", quote: "ExampleLM 3" }],
          questionIds: [],
        });
      },
    };
    expect(await codeOf(suggestFindings(database.db, workspaceId, id, deciding, reviewer))).toBe(
      "ASSESSMENT_STATE_INVALID",
    );
    expect(await listSuggestions(database.db, workspaceId, id)).toHaveLength(1);
  });

  it("needs answers: a draft is refused without calling the model", async () => {
    const id = await answeredAssessment({});
    expect(await codeOf(suggestFindings(database.db, workspaceId, id, client, reviewer))).toBe(
      "ASSESSMENT_STATE_INVALID",
    );
    expect(stub.requests).toHaveLength(0);
    expect(
      await codeOf(suggestFindings(database.db, workspaceId, crypto.randomUUID(), client, reviewer)),
    ).toBe("ASSESSMENT_NOT_FOUND");
  });
});

describe("accepting and dismissing", () => {
  it("counts accepted suggestions in the analysis and scores, never dismissed ones", async () => {
    const id = await answeredAssessment();
    stub.behaviour = { kind: "reply", content: replyWith(retention, sources) };
    const run = await suggestFindings(database.db, workspaceId, id, client, reviewer);
    const [critical, medium] = run.suggestions;
    if (!critical || !medium) throw new Error("expected two suggestions");

    const before = await analyzeAssessment(database.db, workspaceId, id);
    expect(before.findings.some((f) => f.rule === SUGGESTION_RULE)).toBe(false);

    const accepted = await acceptSuggestion(database.db, workspaceId, id, critical.id, reviewer);
    expect(accepted).toMatchObject({ status: "accepted", decidedBy: reviewer.label, note: null });
    await dismissSuggestion(database.db, workspaceId, id, medium.id, reviewer, "  Covered by q11  ");

    expect(await acceptedSuggestionFindings(database.db, { workspaceId, assessmentId: id })).toEqual([
      critical.finding,
    ]);
    const after = await analyzeAssessment(database.db, workspaceId, id);
    expect(after.findings.map((f) => f.id)).toContain(critical.finding.id);
    expect(after.findings.map((f) => f.id)).not.toContain(medium.finding.id);
    const data = (s: typeof after) => s.scores.dimensions.find((d) => d.dimension === "data")?.score ?? 0;
    expect(data(after)).toBeGreaterThan(data(before));
    // A critical finding lifts the overall score to the floor of 4.
    expect(after.scores.overall.score).toBeGreaterThanOrEqual(4);

    const list = await listSuggestions(database.db, workspaceId, id);
    expect(list.map((s) => [s.status, s.note])).toEqual([
      ["accepted", null],
      ["dismissed", "Covered by q11"],
    ]);
  });

  it("stops counting an accepted suggestion once an answer it quotes has changed", async () => {
    const id = await answeredAssessment();
    stub.behaviour = { kind: "reply", content: replyWith(retention) };
    const [s] = (await suggestFindings(database.db, workspaceId, id, client, reviewer)).suggestions;
    if (!s) throw new Error("expected a suggestion");
    await acceptSuggestion(database.db, workspaceId, id, s.id, reviewer);
    expect((await analyzeAssessment(database.db, workspaceId, id)).findings.map((f) => f.id)).toContain(
      s.finding.id,
    );

    // The vendor corrects the storage answer (as after a return to the vendor).
    await database.db
      .update(assessments)
      .set({ answers: { ...ANSWERS, q17: { value: "yes", comment: "Prompts are kept for 30 days." } } })
      .where(eq(assessments.id, id));
    expect((await analyzeAssessment(database.db, workspaceId, id)).findings.map((f) => f.id)).not.toContain(
      s.finding.id,
    );
    // Still listed as accepted: the decision stands, the finding just no longer rests on the answers.
    expect((await listSuggestions(database.db, workspaceId, id)).map((x) => x.status)).toEqual(["accepted"]);
  });

  it("refuses to flip a decided suggestion and names who decided it", async () => {
    const id = await answeredAssessment();
    stub.behaviour = { kind: "reply", content: replyWith(retention) };
    const [s] = (await suggestFindings(database.db, workspaceId, id, client, reviewer)).suggestions;
    if (!s) throw new Error("expected a suggestion");
    await dismissSuggestion(database.db, workspaceId, id, s.id, reviewer);
    expect(await codeOf(acceptSuggestion(database.db, workspaceId, id, s.id, reviewer))).toBe("CONFLICT");
    expect(await codeOf(dismissSuggestion(database.db, workspaceId, id, s.id, reviewer))).toBe("CONFLICT");
    expect(await acceptedSuggestionFindings(database.db, { workspaceId, assessmentId: id })).toEqual([]);

    const other = await answeredAssessment();
    expect(await codeOf(acceptSuggestion(database.db, workspaceId, other, s.id, reviewer))).toBe("NOT_FOUND");
    const { items } = await listAuditEntries(database.db, { workspaceId, targetId: id, limit: 50 });
    expect(items.filter((e) => e.action.startsWith("assessment.suggestion.")).map((e) => e.action)).toEqual([
      "assessment.suggestion.dismiss",
    ]);
  });
});
