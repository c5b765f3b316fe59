/**
 * Benchmark: the 90-day usage summary (GET /api/usage/summary's query) over daily rollups that
 * count 10 million requests, next to a usage_events table seeded with generate_series, against a
 * bare `SELECT count(*) FROM usage_events` measured in the same run.
 *
 *   node bench/usage-summary.ts                                   # embedded, 1,000,000 event rows
 *   USAGE_SUMMARY_EVENTS=10000000 node bench/usage-summary.ts     # 10 million event rows
 *   DATABASE_URL=postgres://… node bench/usage-summary.ts         # also PostgreSQL
 *   USAGE_SUMMARY_ENGINES=postgres DATABASE_URL=postgres://… node bench/usage-summary.ts   # PostgreSQL only
 *
 * The rollups always count USAGE_SUMMARY_REQUESTS requests (default 10,000,000) over 90 days,
 * 6 vendors × 4 models × 3 sources, with PII and credentials rows.
 */
import { sql } from "drizzle-orm";
import { type Database, openDatabase } from "../src/store/database.ts";
import { openTestDatabase } from "../src/store/testing.ts";
import { summarizeUsage, usageTrend } from "../src/store/usage.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const eventRows = Number(process.env.USAGE_SUMMARY_EVENTS ?? 1_000_000);
const requests = Number(process.env.USAGE_SUMMARY_REQUESTS ?? 10_000_000);
const runs = Number(process.env.USAGE_SUMMARY_RUNS ?? 7);
const engines = (process.env.USAGE_SUMMARY_ENGINES ?? "pglite,postgres").split(",");

const VENDORS = 6;
const MODELS = 4;
const SOURCES = 3;
const DAYS = 90;

async function seed(database: Database): Promise<string> {
  const { db } = database;
  const workspaceId = await ensureDefaultWorkspace(db);
  const started = performance.now();
  const ingest = (await db.execute(
    sql`INSERT INTO usage_ingests (workspace_id, source, file_sha256, format, status)
        VALUES (${workspaceId}, 'bench', 'bench', 'jsonl', 'complete') RETURNING id`,
  )) as unknown as { rows: Array<{ id: string }> };
  const ingestId = ingest.rows[0]?.id;
  if (!ingestId) throw new Error("no ingest row");
  await db.execute(sql`
    INSERT INTO usage_events (workspace_id, ingest_id, line, occurred_at, vendor, model, model_version, source, data_classes)
    SELECT ${workspaceId}::uuid, ${ingestId}::uuid, g, now() - ((g % ${DAYS}) * interval '1 day'),
      'vendor-' || (g % ${VENDORS}), 'model-' || (g % ${MODELS}), '1', 'source-' || (g % ${SOURCES}),
      CASE WHEN g % 20 = 0 THEN ARRAY['pii'] ELSE ARRAY[]::text[] END
    FROM generate_series(1, ${eventRows}::bigint) AS g`);
  const perGroup = Math.round(requests / (DAYS * VENDORS * MODELS * SOURCES));
  await db.execute(sql`
    INSERT INTO usage_daily (workspace_id, day, vendor, service, model, model_version, source, data_class, requests)
    SELECT ${workspaceId}::uuid, current_date - d, 'vendor-' || v, 'api', 'model-' || m, '1', 'source-' || s, c.name,
      CASE c.name WHEN '' THEN ${perGroup}::bigint WHEN 'pii' THEN ${Math.round(perGroup / 20)}::bigint
        ELSE ${Math.round(perGroup / 200)}::bigint END
    FROM generate_series(0, ${DAYS - 1}) d, generate_series(0, ${VENDORS - 1}) v, generate_series(0, ${MODELS - 1}) m,
      generate_series(0, ${SOURCES - 1}) s, (VALUES (''), ('pii'), ('credentials')) AS c(name)`);
  await db.execute(sql`ANALYZE`);
  console.log(
    `  seeded ${eventRows} event rows and the rollups in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return workspaceId;
}

async function median(body: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await body();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

async function measure(name: string, database: Database): Promise<void> {
  console.log(`${name}:`);
  const workspaceId = await seed(database);
  const baseline = await median(() => database.db.execute(sql`SELECT count(*) FROM usage_events`));
  const summary = await summarizeUsage(database.db, workspaceId, { days: 90, groupBy: "vendor" });
  if (summary.totalRequests < requests * 0.99) throw new Error(`summary counted ${summary.totalRequests}`);
  const t = await median(() => summarizeUsage(database.db, workspaceId, { days: 90, groupBy: "vendor" }));
  const tModel = await median(() => summarizeUsage(database.db, workspaceId, { days: 90, groupBy: "model" }));
  const tTrend = await median(() => usageTrend(database.db, workspaceId, { days: 90 }));
  console.log(`  baseline SELECT count(*) FROM usage_events (${eventRows} rows): ${baseline.toFixed(1)} ms`);
  console.log(
    `  90-day summary by vendor over ${summary.totalRequests} requests: ${t.toFixed(1)} ms (target < 500 ms), ` +
      `${(t / baseline).toFixed(3)}x the baseline`,
  );
  console.log(`  by model: ${tModel.toFixed(1)} ms; 90-day trend: ${tTrend.toFixed(1)} ms`);
  console.log(`  "${summary.sentences[0]?.sentence}"`);
}

if (engines.includes("pglite")) {
  const database = await openDatabase(
    { dataDir: "", databaseUrl: undefined },
    { command: "bench", inMemory: true },
  );
  try {
    await measure("embedded (PGlite)", database);
  } finally {
    await database.close();
  }
}
if (process.env.DATABASE_URL && engines.includes("postgres")) {
  process.env.ASSAY_TEST_DB = "postgres";
  const database = await openTestDatabase();
  try {
    await measure("PostgreSQL", database);
  } finally {
    await database.close();
  }
}
