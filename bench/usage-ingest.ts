/**
 * Benchmark: end-to-end ingest of a generated JSONL usage log (about 5 % of prompts with sensitive
 * data) into the database (check pass, batches of events and daily rollups, findings), against the
 * bare parse + classify of the same file with readUsageLog, measured in the same run.
 *
 *   node bench/usage-ingest.ts                                # 100,000 events, embedded database
 *   USAGE_BENCH_EVENTS=1000000 node bench/usage-ingest.ts
 *   DATABASE_URL=postgres://… node bench/usage-ingest.ts      # also PostgreSQL (COPY)
 *   USAGE_BENCH_WORKERS=2 USAGE_BENCH_BATCH=10000 node bench/usage-ingest.ts
 *   USAGE_BENCH_ORDER=json,copy node bench/usage-ingest.ts    # which embedded load paths, in which order
 *   USAGE_BENCH_PROMPTS=none node bench/usage-ingest.ts       # metadata-only log (no request bodies)
 *
 * Ingest classifies in one worker thread by default (USAGE_BENCH_WORKERS), so the calling thread
 * only writes; the baseline is measured both on the calling thread and with the same workers.
 * The embedded runs load batches both ways (json_to_recordset and COPY FROM '/dev/blob') so the
 * faster one can be the default. The log goes to bench/out/ (git-ignored) and is deleted afterwards.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createRandom, generateUsageLine } from "../src/evidence/usage/corpus.ts";
import { readUsageLog } from "../src/evidence/usage/read.ts";
import { loadRepoCatalog } from "../src/evidence/usage/test-catalog.ts";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { type Database, openDatabase } from "../src/store/database.ts";
import { openTestDatabase } from "../src/store/testing.ts";
import { ingestUsageLog } from "../src/store/usage.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const count = Number(process.env.USAGE_BENCH_EVENTS ?? 100_000);
const workers = Number(process.env.USAGE_BENCH_WORKERS ?? 1);
const withPrompts = process.env.USAGE_BENCH_PROMPTS !== "none";
const batchEvents = Number(process.env.USAGE_BENCH_BATCH ?? 5000);
const outDir = join(import.meta.dirname, "out");
const file = join(outDir, `usage-ingest-${count}${withPrompts ? "" : "-meta"}.jsonl`);

/** A gateway log line without its request body: what metadata-only gateway and proxy logs carry. */
function withoutBody(line: string): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  for (const key of ["prompt", "request", "messages", "input", "body"]) delete record[key];
  return JSON.stringify(record);
}
const catalog = loadRepoCatalog();

async function generate(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const out = createWriteStream(file);
  const rng = createRandom(7);
  let buffer: string[] = [];
  for (let i = 0; i < count; i++) {
    const { line } = generateUsageLine(rng, i, 0.05);
    buffer.push(withPrompts ? line : withoutBody(line));
    if (buffer.length === 2000) {
      if (!out.write(`${buffer.join("\n")}\n`)) await once(out, "drain");
      buffer = [];
    }
  }
  if (buffer.length > 0) out.write(`${buffer.join("\n")}\n`);
  out.end();
  await once(out, "finish");
}

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

interface Timed<T> {
  seconds: number;
  value: T;
  peakMb: number;
  /** CPU seconds of the calling thread alone (the database writes, when the workers classify). */
  mainCpu: number;
  /** CPU seconds of the whole process: every thread. */
  cpu: number;
}

async function timed<T>(body: () => Promise<T>): Promise<Timed<T>> {
  peakRss = process.memoryUsage().rss;
  const start = performance.now();
  const thread0 = process.threadCpuUsage();
  const process0 = process.cpuUsage();
  const value = await body();
  const thread = process.threadCpuUsage(thread0);
  const all = process.cpuUsage(process0);
  const seconds = (performance.now() - start) / 1000;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    seconds,
    value,
    peakMb: Math.round(peakRss / 1024 / 1024),
    mainCpu: (thread.user + thread.system) / 1e6,
    cpu: (all.user + all.system) / 1e6,
  };
}

async function baseline(threads: number): Promise<number> {
  let events = 0;
  for await (const batch of readUsageLog(createReadStream(file, { highWaterMark: 1 << 20 }), {
    catalog,
    format: "jsonl",
    workers: threads,
  })) {
    events += batch.records.length;
  }
  return events;
}

async function ingestInto(database: Database, pgliteLoad: "json" | "copy"): Promise<number> {
  const workspaceId = await ensureDefaultWorkspace(database.db);
  const result = await ingestUsageLog(
    database,
    workspaceId,
    () => createReadStream(file, { highWaterMark: 1 << 20 }),
    { catalog, actor: SYSTEM_ACTOR, source: "bench", format: "jsonl", workers, batchEvents, pgliteLoad },
  );
  if (result.events !== count) throw new Error(`ingested ${result.events} of ${count} events`);
  return result.events;
}

await generate();
const mb = statSync(file).size / 1024 / 1024;
console.log(
  `log: ${count} events${withPrompts ? "" : " without request bodies"}, ${mb.toFixed(1)} MB, ` +
    `workers ${workers}, batch ${batchEvents} events`,
);

const single = await timed(() => baseline(0));
console.log(
  `baseline readUsageLog parse+classify, calling thread: ${single.seconds.toFixed(2)} s, ` +
    `${Math.round(count / single.seconds)} events/s, peak RSS ${single.peakMb} MB`,
);
const base = workers === 0 ? single : await timed(() => baseline(workers));
if (workers > 0) {
  console.log(
    `baseline readUsageLog parse+classify, ${workers} worker(s): ${base.seconds.toFixed(2)} s, ` +
      `${Math.round(count / base.seconds)} events/s, peak RSS ${base.peakMb} MB`,
  );
}

const report = (name: string, r: Timed<unknown>, target: number) => {
  const rate = count / r.seconds;
  console.log(
    `${name}: ${r.seconds.toFixed(2)} s, ${Math.round(rate)} events/s (target ${target}), ` +
      `${(r.seconds / base.seconds).toFixed(2)}x the baseline time, CPU ${r.cpu.toFixed(2)} s ` +
      `(calling thread ${r.mainCpu.toFixed(2)} s), peak RSS ${r.peakMb} MB, load ${loadavg()[0]?.toFixed(1)}`,
  );
};

for (const load of (process.env.USAGE_BENCH_ORDER ?? "copy,json").split(",") as Array<"copy" | "json">) {
  // The embedded database in a data folder on disk, as `npm start` runs it (USAGE_BENCH_PGLITE=memory
  // for an in-memory one).
  const inMemory = process.env.USAGE_BENCH_PGLITE === "memory";
  const dataDir = inMemory ? "" : mkdtempSync(join(outDir, "pglite-"));
  const database = await openDatabase({ dataDir, databaseUrl: undefined }, { command: "bench", inMemory });
  try {
    report(
      `embedded (PGlite ${inMemory ? "in memory" : "on disk"}, ${load})`,
      await timed(() => ingestInto(database, load)),
      20_000,
    );
  } finally {
    await database.close();
    if (!inMemory) rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.env.DATABASE_URL) {
  process.env.ASSAY_TEST_DB = "postgres";
  const database = await openTestDatabase();
  try {
    report("PostgreSQL (COPY)", await timed(() => ingestInto(database, "json")), 100_000);
  } finally {
    await database.close();
  }
}

clearInterval(sampler);
rmSync(file, { force: true });
