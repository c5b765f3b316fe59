import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors.ts";
import { readUsageLog } from "../evidence/usage/read.ts";
import { loadRepoCatalog } from "../evidence/usage/test-catalog.ts";
import { SYSTEM_ACTOR } from "./audit-log.ts";
import type { Database } from "./database.ts";
import { createIntegration, createVendor, listVendors, setVendorStatus } from "./inventory.ts";
import { openTestDatabase } from "./testing.ts";
import {
  ingestUsageLog,
  listUsageFindings,
  listUsageIngests,
  summarizeUsage,
  type UsageIngestOptions,
  usageSummaryCsv,
  usageTrend,
} from "./usage.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

const catalog = loadRepoCatalog();
const DAY = 86_400_000;
const daysAgo = (n: number, hour = 10) =>
  `${new Date(Date.now() - n * DAY).toISOString().slice(0, 11)}${String(hour).padStart(2, "0")}:00:00Z`;

interface LineSpec {
  day?: number;
  url?: string;
  model?: string;
  prompt?: string;
  region?: string;
}

function line(spec: LineSpec): string {
  return JSON.stringify({
    timestamp: daysAgo(spec.day ?? 1),
    url: spec.url ?? "https://api.openai.com/v1/chat/completions",
    method: "POST",
    model: spec.model ?? "gpt-4o-2024-08-06",
    user: "svc-support",
    prompt: spec.prompt ?? "Summarise the release notes for the team.",
    ...(spec.region ? { region: spec.region } : {}),
  });
}

const file = (lines: string[]) => () => [Buffer.from(`${lines.join("\n")}\n`)];

let database: Database;
let workspaceId: string;
beforeEach(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
});
afterEach(async () => {
  await database.close();
});

const options = (extra: Partial<UsageIngestOptions> = {}): UsageIngestOptions => ({
  catalog,
  actor: SYSTEM_ACTOR,
  source: "gateway",
  ...extra,
});

async function tableTotals() {
  const { rows: events } = (await database.db.execute(
    "SELECT count(*)::int AS n FROM usage_events",
  )) as unknown as { rows: Array<{ n: number }> };
  const { rows: daily } = (await database.db.execute(
    "SELECT vendor, data_class, sum(requests)::int AS n FROM usage_daily GROUP BY 1, 2 ORDER BY 1, 2",
  )) as unknown as { rows: Array<{ vendor: string; data_class: string; n: number }> };
  return { events: events[0]?.n ?? -1, daily };
}

describe("ingestUsageLog", () => {
  it("stores events and rollups, and a second run of the same file counts once", async () => {
    const lines = [
      line({ prompt: "Contact jane.doe@example.com about the invoice" }),
      line({}),
      line({ day: 2, url: "https://api.anthropic.com/v1/messages", model: "claude-sonnet-4-20250514" }),
    ];
    const first = await ingestUsageLog(database, workspaceId, file(lines), options({ batchEvents: 2 }));
    expect(first.outcome).toBe("ingested");
    expect(first.events).toBe(3);
    expect(first.batchesCommitted).toBe(2);
    const before = await tableTotals();
    expect(before.events).toBe(3);
    expect(before.daily).toContainEqual({ vendor: "openai", data_class: "", n: 2 });
    expect(before.daily).toContainEqual({ vendor: "openai", data_class: "pii", n: 1 });

    const second = await ingestUsageLog(database, workspaceId, file(lines), options());
    expect(second.outcome).toBe("already_ingested");
    expect(second.ingestId).toBe(first.ingestId);
    expect(await tableTotals()).toEqual(before);
  });

  it("opens a file it has ingested before only once, to hash it", async () => {
    const lines = [line({}), line({ day: 2 })];
    await ingestUsageLog(database, workspaceId, file(lines), options());
    let opened = 0;
    const counting = () => {
      opened++;
      return file(lines)();
    };
    const again = await ingestUsageLog(database, workspaceId, counting, options());
    expect(again.outcome).toBe("already_ingested");
    expect(opened).toBe(1);
  });

  it("fails on a malformed line with its number before committing anything", async () => {
    const lines = [line({}), line({}), "{not json", line({})];
    const error = await ingestUsageLog(database, workspaceId, file(lines), options({ batchEvents: 1 })).catch(
      (e: unknown) => e,
    );
    expect(isAppError(error) && error.code).toBe("USAGE_LINE_INVALID");
    expect(isAppError(error) && error.details?.line).toBe(3);
    expect((await tableTotals()).events).toBe(0);
    expect(await listUsageIngests(database.db, workspaceId)).toHaveLength(0);
  });

  it("with skipInvalid, reports every skipped line and stores the rest", async () => {
    const lines = [line({}), "{bad", line({}), "also bad", line({})];
    const result = await ingestUsageLog(database, workspaceId, file(lines), options({ skipInvalid: true }));
    expect(result.events).toBe(3);
    expect(result.skipped.map((s) => s.line)).toEqual([2, 4]);
    expect(result.skippedCount).toBe(2);
    const [ingest] = await listUsageIngests(database.db, workspaceId);
    expect(ingest?.status).toBe("complete");
    expect(ingest?.skipped.map((s) => s.line)).toEqual([2, 4]);
  });

  it("resumes after the last committed batch when a run stopped half-way, with exact totals", async () => {
    const lines = Array.from({ length: 23 }, (_, i) =>
      line({ day: i % 4, prompt: i % 3 === 0 ? `mail ops${i}@example.org` : "plain text" }),
    );
    const crash = new Error("simulated crash");
    const broken = await ingestUsageLog(
      database,
      workspaceId,
      file(lines),
      options({
        batchEvents: 5,
        onBatch: (b) => {
          if (b.number === 2) throw crash;
        },
      }),
    ).catch((e: unknown) => e);
    expect(broken).toBe(crash);
    expect((await tableTotals()).events).toBe(10);
    const [stopped] = await listUsageIngests(database.db, workspaceId);
    expect(stopped?.status).toBe("failed");
    expect(stopped?.batchesCommitted).toBe(2);

    const resumed = await ingestUsageLog(database, workspaceId, file(lines), options({ batchEvents: 5 }));
    expect(resumed.outcome).toBe("resumed");
    expect(resumed.events).toBe(23);
    const afterResume = await tableTotals();

    const clean = await openTestDatabase();
    try {
      const ws = await ensureDefaultWorkspace(clean.db);
      await ingestUsageLog(clean, ws, file(lines), options({ batchEvents: 7 }));
      const { rows } = (await clean.db.execute(
        "SELECT vendor, data_class, sum(requests)::int AS n FROM usage_daily GROUP BY 1, 2 ORDER BY 1, 2",
      )) as unknown as { rows: unknown[] };
      expect(afterResume.events).toBe(23);
      expect(afterResume.daily).toEqual(rows);
    } finally {
      await clean.close();
    }
  });
});

describe("ingestUsageLog with worker threads", () => {
  it("stores the same events, classes and rollups as ingesting on the calling thread", async () => {
    const lines = Array.from({ length: 40 }, (_, i) =>
      line({
        day: i % 5,
        url:
          i % 2 === 0
            ? "https://api.openai.com/v1/chat/completions"
            : "https://api.anthropic.com/v1/messages",
        prompt: i % 4 === 0 ? `Card 4539 1488 0343 6467 for order ${i}` : `Summarise ticket ${i}`,
      }),
    );
    const threaded = await ingestUsageLog(
      database,
      workspaceId,
      file(lines),
      options({ workers: 1, batchEvents: 7 }),
    );
    expect(threaded.events).toBe(40);
    const withWorker = await tableTotals();
    const clean = await openTestDatabase();
    try {
      const ws = await ensureDefaultWorkspace(clean.db);
      await ingestUsageLog(clean, ws, file(lines), options({ workers: 0, batchEvents: 7 }));
      const { rows } = (await clean.db.execute(
        "SELECT vendor, data_class, sum(requests)::int AS n FROM usage_daily GROUP BY 1, 2 ORDER BY 1, 2",
      )) as unknown as { rows: unknown[] };
      expect(withWorker.daily).toEqual(rows);
      expect(withWorker.daily).toContainEqual({ vendor: "openai", data_class: "payment_data", n: 10 });
    } finally {
      await clean.close();
    }
  });

  it("fails on a malformed line before committing anything, and stops the worker that started early", async () => {
    const lines = [...Array.from({ length: 30 }, () => line({})), "{not json", line({})];
    const error = await ingestUsageLog(
      database,
      workspaceId,
      file(lines),
      options({ workers: 1, batchEvents: 5 }),
    ).catch((e: unknown) => e);
    expect(isAppError(error) && error.details?.line).toBe(31);
    expect((await tableTotals()).events).toBe(0);
    expect(await listUsageIngests(database.db, workspaceId)).toHaveLength(0);
  });

  it("fails the run when the file changes between the check and the load", async () => {
    const before = [line({}), line({ prompt: "first version" })];
    const after = [line({}), line({ prompt: "second version" })];
    let calls = 0;
    const changing = () => {
      calls++;
      return file(calls === 1 ? before : after)();
    };
    const error = await ingestUsageLog(database, workspaceId, changing, options()).catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe("INPUT_MALFORMED");
    expect(isAppError(error) && error.message).toMatch(/changed/);
    const [ingest] = await listUsageIngests(database.db, workspaceId);
    expect(ingest?.status).toBe("failed");
  });
});

describe("usage summary", () => {
  it("groups by vendor, model, source and data class from the rollups, with the audit sentence", async () => {
    const lines = [
      line({ prompt: "ssn 123-45-6789? no, mail a.b@example.com" }),
      line({ prompt: "call bob.smith@example.net" }),
      line({}),
      line({ day: 3, url: "https://api.anthropic.com/v1/messages", model: "claude-sonnet-4-20250514" }),
      line({ day: 200 }),
    ];
    await ingestUsageLog(database, workspaceId, file(lines), options());
    const byVendor = await summarizeUsage(database.db, workspaceId, { days: 90, groupBy: "vendor", catalog });
    expect(byVendor.totalRequests).toBe(4);
    const openai = byVendor.rows.find((r) => r.key === "openai");
    expect(openai?.requests).toBe(3);
    expect(openai?.byDataClass.pii).toBe(2);
    expect(byVendor.sentences.find((s) => s.vendor === "openai")?.sentence).toBe(
      "In the last 90 days, 3 requests to vendor OpenAI, of which 2 contained PII.",
    );
    const byModel = await summarizeUsage(database.db, workspaceId, { days: 90, groupBy: "model" });
    expect(byModel.rows.find((r) => r.key === "gpt-4o")?.modelVersion).toBe("2024-08-06");
    const byClass = await summarizeUsage(database.db, workspaceId, { days: 90, groupBy: "dataClass" });
    expect(byClass.rows).toContainEqual(expect.objectContaining({ key: "pii", requests: 2 }));
    const bySource = await summarizeUsage(database.db, workspaceId, { days: 365, groupBy: "source" });
    expect(bySource.rows).toEqual([expect.objectContaining({ key: "gateway", requests: 5 })]);
    const csv = usageSummaryCsv(byVendor);
    expect(csv.split("\n")[0]).toBe(
      "vendor,requests,public,internal,confidential,customer_data,pii,phi,payment_data,credentials,biometric",
    );
    expect(csv).toContain("openai,3,0,0,0,0,2,");
    const trend = await usageTrend(database.db, workspaceId, { days: 7, vendor: "openai" });
    expect(trend.points).toHaveLength(7);
    expect(trend.points.reduce((n, p) => n + p.requests, 0)).toBe(3);
  });
});

describe("usage findings", () => {
  it("adds a catalogue vendor seen in traffic as proposed, with a shadow-AI finding, once", async () => {
    const lines = [
      line({}),
      line({ url: "https://api.mistral.ai/v1/chat/completions", model: "mistral-large" }),
    ];
    const result = await ingestUsageLog(database, workspaceId, file(lines), options());
    expect(result.createdVendors.map((v) => v.catalogSlug).sort()).toEqual(["mistral", "openai"]);
    const { items } = await listVendors(database.db, workspaceId, {
      sort: "name",
      direction: "asc",
      limit: 50,
    });
    expect(items.map((v) => [v.catalogSlug, v.status]).sort()).toEqual([
      ["mistral", "proposed"],
      ["openai", "proposed"],
    ]);
    expect(result.findings.filter((f) => f.rule === "shadow_ai")).toHaveLength(2);
    // A second file with the same traffic creates no second vendor and updates, not duplicates, findings.
    const again = await ingestUsageLog(database, workspaceId, file([...lines, line({ day: 2 })]), options());
    expect(again.createdVendors).toEqual([]);
    expect(again.findings.some((f) => f.rule === "unapproved_vendor")).toBe(true);
    const all = await listUsageFindings(database.db, workspaceId);
    expect(all.filter((f) => f.rule === "shadow_ai")).toHaveLength(2);
  });

  it("raises residency, undeclared data class and new model version findings against the inventory", async () => {
    const entry = catalog.find((e) => e.slug === "openai");
    if (!entry) throw new Error("catalogue lacks openai");
    const vendor = await createVendor(
      database.db,
      workspaceId,
      { name: "OpenAI", category: "foundation_model_provider", catalogSlug: "openai", subprocessors: [] },
      SYSTEM_ACTOR,
    );
    await setVendorStatus(database.db, workspaceId, vendor.id, { status: "in_review" }, SYSTEM_ACTOR);
    await setVendorStatus(database.db, workspaceId, vendor.id, { status: "approved" }, SYSTEM_ACTOR);
    await createIntegration(
      database.db,
      workspaceId,
      vendor.id,
      {
        name: "Support summaries",
        models: [{ kind: "vendor_model", name: "gpt-4o", version: "2024-05-13" }],
        dataClasses: ["internal"],
        processingRegions: ["eu"],
      } as Parameters<typeof createIntegration>[3],
      SYSTEM_ACTOR,
    );
    const lines = [
      line({ region: "eu-west-1", model: "gpt-4o-2024-05-13" }),
      line({ region: "us-east-1", prompt: "reach me at x.y@example.com" }),
    ];
    const result = await ingestUsageLog(database, workspaceId, file(lines), options());
    const rules = result.findings.map((f) => f.rule).sort();
    expect(rules).toEqual(["model_version_new", "residency", "undeclared_data_class"]);
    const residency = result.findings.find((f) => f.rule === "residency");
    expect(residency?.evidence.region).toBe("us-east-1");
    expect(residency?.vendorId).toBe(vendor.id);
    expect(result.findings.find((f) => f.rule === "undeclared_data_class")?.evidence.dataClass).toBe("pii");
    expect(result.findings.find((f) => f.rule === "model_version_new")?.evidence.version).toBe("2024-08-06");
  });
});

describe("loading hostile text", () => {
  it("stores actors and models with quotes, commas, backslashes and newlines exactly, by either load path", async () => {
    const hostile = fc.string({
      unit: fc.constantFrom("a", '"', ",", "\\", "\n", "\r", "{", "}", "é", " ", "\t"),
      maxLength: 12,
    });
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostile, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("json", "copy"),
        async (actors, load) => {
          round++;
          const lines = actors.map((actor, i) =>
            JSON.stringify({
              timestamp: daysAgo(1),
              url: "https://api.openai.com/v1/chat/completions",
              model: `m${round}-${i}`,
              user: actor,
              prompt: `round ${round} line ${i}`,
            }),
          );
          const result = await ingestUsageLog(
            database,
            workspaceId,
            file(lines),
            options({ pgliteLoad: load as "json" | "copy" }),
          );
          const { rows } = (await database.db.execute(
            `SELECT actor FROM usage_events WHERE ingest_id = '${result.ingestId}' ORDER BY line`,
          )) as unknown as { rows: Array<{ actor: string | null }> };
          // The reader is the oracle: what it parsed is what must be stored, byte for byte.
          const parsed: Array<string | null> = [];
          for await (const batch of readUsageLog(file(lines)(), { catalog, format: "jsonl" }))
            for (const r of batch.records) if (r.ok) parsed.push(r.event.actor);
          expect(parsed).toHaveLength(actors.length);
          expect(rows.map((r) => r.actor)).toEqual(parsed);
        },
      ),
      { numRuns: 12 },
    );
  });
});
