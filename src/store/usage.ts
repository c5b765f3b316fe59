/**
 * AI usage evidence in the database: ingestion of usage logs (events plus daily rollups, atomic per
 * batch, idempotent by file hash, resumable after a crash), the 90-day summary and trend read from
 * the rollups, the list of ingests, and the usage findings (shadow AI, unapproved vendors, undeclared
 * data classes, residency, new model versions).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { AppError } from "../domain/errors.ts";
import type { FindingSeverity } from "../domain/findings.ts";
import type { VendorCatalogEntry } from "../domain/vendor-catalog.ts";
import type { CsvColumnMapping } from "../evidence/usage/parse.ts";
import { readUsageLog, type UsageBatch, usageLineAppError } from "../evidence/usage/read.ts";
import type { DataClass, UsageEvent, UsageFormat, UsageLineError } from "../evidence/usage/types.ts";
import { DATA_CLASSES } from "../evidence/usage/types.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import type { Database, Db } from "./database.ts";
import { createVendor, vendorFromCatalog } from "./inventory.ts";
import { aiIntegrations, findings, usageIngests, vendors } from "./schema.ts";

/** Events per committed batch unless told otherwise. */
export const DEFAULT_USAGE_BATCH_EVENTS = 5000;
/** Skipped lines kept on the ingest row and returned; the count beyond is still exact. */
const MAX_SKIPPED_KEPT = 10_000;

export interface UsageIngestProgress {
  /** `check`: hashing (and, without skipInvalid, validating every line); `load`: writing batches. */
  phase: "check" | "load";
  /** Bytes of the input read so far in this phase. */
  inputBytes: number;
  events: number;
  batchesCommitted: number;
}

export interface UsageIngestOptions {
  catalog: readonly VendorCatalogEntry[];
  actor: Actor;
  format?: UsageFormat | "auto";
  /** The log's origin, kept on every event and rollup (default "default"). */
  source?: string | null;
  fileName?: string | null;
  skipInvalid?: boolean;
  /** Events per transaction (default 5000). */
  batchEvents?: number;
  workers?: number;
  maxLineBytes?: number;
  csvMapping?: CsvColumnMapping;
  onProgress?: (progress: UsageIngestProgress) => void;
  /** Called after each committed batch (CLI verbose output). */
  onBatch?: (batch: { number: number; lastLine: number; events: number }) => void;
  /**
   * How the embedded database loads a batch: `json` (INSERT … SELECT FROM json_to_recordset) or
   * `copy` (COPY FROM '/dev/blob'). bench/usage-ingest.ts measures both; the default is the faster.
   */
  pgliteLoad?: "json" | "copy";
}

export type UsageFindingRule =
  | "shadow_ai"
  | "unapproved_vendor"
  | "undeclared_data_class"
  | "residency"
  | "model_version_new";

export interface UsageFindingView {
  id: string;
  vendorId: string | null;
  vendorName: string | null;
  rule: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  status: string;
  createdAt: string;
  updatedAt: string;
}

export interface UsageIngestResult {
  ingestId: string;
  /** `already_ingested`: the same file (by SHA-256) was ingested before; nothing was written. */
  outcome: "ingested" | "resumed" | "already_ingested";
  fileSha256: string;
  source: string;
  format: string;
  lines: number;
  events: number;
  batchesCommitted: number;
  skippedCount: number;
  skipped: UsageLineError[];
  /** Findings raised or refreshed by this ingest. */
  findings: UsageFindingView[];
  /** Vendors created as "proposed" because traffic reached them while they were not in the inventory. */
  createdVendors: Array<{ id: string; name: string; catalogSlug: string }>;
}

/** What the findings rules need to know about the traffic of one ingest, per vendor slug. */
interface VendorTraffic {
  requests: number;
  regions: Map<string, number>;
  classes: Map<DataClass, number>;
  /** "model\u0000version" → requests. */
  models: Map<string, number>;
}

type TrafficFacts = Map<string, VendorTraffic>;

function trafficOf(facts: TrafficFacts, vendor: string): VendorTraffic {
  let t = facts.get(vendor);
  if (t === undefined) {
    t = { requests: 0, regions: new Map(), classes: new Map(), models: new Map() };
    facts.set(vendor, t);
  }
  return t;
}

function bump<K>(map: Map<K, number>, key: K, n = 1): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function addFacts(facts: TrafficFacts, event: EventRow): void {
  if (event.vendor === null) return;
  const t = trafficOf(facts, event.vendor);
  t.requests++;
  if (event.region !== null) bump(t.regions, event.region);
  for (const c of event.dataClasses) bump(t.classes, c);
  if (event.model !== null && event.modelVersion !== null)
    bump(t.models, `${event.model}\u0000${event.modelVersion}`);
}

// ---------------------------------------------------------------- batch writers

/** The columns of usage_events a batch writes, in COPY order. */
const EVENT_COLUMNS = [
  "workspace_id",
  "ingest_id",
  "line",
  "occurred_at",
  "host",
  "vendor",
  "service",
  "model",
  "model_version",
  "region",
  "actor",
  "source",
  "request_bytes",
  "response_bytes",
  "content_hash",
  "data_classes",
  "detections",
  "discovery_only",
] as const;

interface EventRow {
  line: number;
  occurredAt: string;
  host: string | null;
  vendor: string | null;
  service: string | null;
  model: string | null;
  modelVersion: string | null;
  region: string | null;
  actor: string | null;
  source: string;
  requestBytes: number | null;
  responseBytes: number | null;
  contentHash: string | null;
  dataClasses: DataClass[];
  /** Kind, rule, count and confidence per detection; never the matched text. */
  detections: Array<{ kind: string; rule: string; dataClass: DataClass; count: number; confidence: number }>;
  discoveryOnly: boolean;
}

const INT32_MAX = 2_147_483_647;
const clampInt = (n: number | null): number | null =>
  n === null || !Number.isFinite(n) ? null : Math.min(Math.max(0, Math.round(n)), INT32_MAX);

function toEventRow(event: UsageEvent, source: string): EventRow {
  const classes: DataClass[] = [];
  for (const d of event.detections) if (!classes.includes(d.dataClass)) classes.push(d.dataClass);
  return {
    line: event.line,
    occurredAt: event.timestamp,
    host: event.host,
    vendor: event.vendor,
    service: event.service,
    model: event.model,
    modelVersion: event.modelVersion,
    region: event.region,
    actor: event.actor,
    source: event.source ?? source,
    requestBytes: clampInt(event.requestBytes),
    responseBytes: clampInt(event.responseBytes),
    contentHash: event.contentHash,
    dataClasses: classes,
    detections: event.detections.map((d) => ({
      kind: d.kind,
      rule: d.rule,
      dataClass: d.dataClass,
      count: d.count,
      confidence: d.confidence,
    })),
    discoveryOnly: event.discoveryOnly,
  };
}

interface RollupJson {
  day: string;
  vendor: string;
  service: string;
  model: string;
  model_version: string;
  source: string;
  data_class: string;
  requests: number;
}

/**
 * Daily rollup rows of a batch: every request in its group's "" row and once in the row of each
 * class it carried (the same rule as createDailyRollup, over stored rows).
 */
function rollupRows(events: EventRow[]): RollupJson[] {
  const rows = new Map<string, RollupJson>();
  for (const e of events) {
    const day = e.occurredAt.slice(0, 10);
    for (const dataClass of ["", ...e.dataClasses]) {
      const group = [
        day,
        e.vendor ?? "",
        e.service ?? "",
        e.model ?? "",
        e.modelVersion ?? "",
        e.source,
        dataClass,
      ];
      const key = group.join("\u0000");
      const row = rows.get(key);
      if (row) row.requests++;
      else
        rows.set(key, {
          day,
          vendor: e.vendor ?? "",
          service: e.service ?? "",
          model: e.model ?? "",
          model_version: e.modelVersion ?? "",
          source: e.source,
          data_class: dataClass,
          requests: 1,
        });
    }
  }
  return [...rows.values()];
}

interface BatchToCommit {
  workspaceId: string;
  ingestId: string;
  events: EventRow[];
  rollups: RollupJson[];
  lastLine: number;
  skipped: UsageLineError[];
  skippedCount: number;
}

/** A raw SQL runner inside one transaction, the same for both engines. */
type Query = (text: string, params: unknown[]) => Promise<unknown>;

const ROLLUP_UPSERT = `
INSERT INTO usage_daily (workspace_id, day, vendor, service, model, model_version, source, data_class, requests)
SELECT $1::uuid, x.day, x.vendor, x.service, x.model, x.model_version, x.source, x.data_class, x.requests
FROM json_to_recordset($2::json) AS x(day date, vendor text, service text, model text, model_version text,
  source text, data_class text, requests bigint)
ON CONFLICT (workspace_id, day, vendor, service, model, model_version, source, data_class)
DO UPDATE SET requests = usage_daily.requests + excluded.requests`;

const INGEST_PROGRESS = `
UPDATE usage_ingests SET batches_committed = batches_committed + 1, lines = $2, events = events + $3,
  skipped = $4::jsonb, skipped_count = $5
WHERE id = $1`;

const EVENTS_FROM_JSON = `
INSERT INTO usage_events (${EVENT_COLUMNS.join(", ")})
SELECT $1::uuid, $2::uuid, x.line, x."occurredAt", x.host, x.vendor, x.service, x.model, x."modelVersion",
  x.region, x.actor, x.source, x."requestBytes", x."responseBytes", x."contentHash", x."dataClasses",
  x.detections, x."discoveryOnly"
FROM json_to_recordset($3::json) AS x(line bigint, "occurredAt" timestamptz, host text, vendor text,
  service text, model text, "modelVersion" text, region text, actor text, source text,
  "requestBytes" integer, "responseBytes" integer, "contentHash" text, "dataClasses" text[],
  detections jsonb, "discoveryOnly" boolean)`;

async function writeBatchBody(query: Query, batch: BatchToCommit, insertEvents: () => Promise<void>) {
  await insertEvents();
  await query(ROLLUP_UPSERT, [batch.workspaceId, JSON.stringify(batch.rollups)]);
  await query(INGEST_PROGRESS, [
    batch.ingestId,
    batch.lastLine,
    batch.events.length,
    JSON.stringify(batch.skipped),
    batch.skippedCount,
  ]);
}

/** PGlite: the batch's events as one INSERT … SELECT FROM json_to_recordset or one COPY from a blob, in one transaction. */
async function commitBatchPglite(
  database: Database,
  batch: BatchToCommit,
  load: "json" | "copy",
): Promise<void> {
  const client = database.pglite;
  if (client === undefined) throw new AppError("INTERNAL", "embedded database handle missing");
  await client.transaction(async (tx) => {
    const query: Query = (text, params) => tx.query(text, params);
    await writeBatchBody(query, batch, async () => {
      if (load === "copy") {
        await tx.query(
          `COPY usage_events (${EVENT_COLUMNS.join(", ")}) FROM '/dev/blob' WITH (FORMAT csv)`,
          [],
          { blob: new Blob([eventsAsCsv(batch)]) },
        );
      } else {
        await query(EVENTS_FROM_JSON, [batch.workspaceId, batch.ingestId, JSON.stringify(batch.events)]);
      }
    });
  });
}

const csvText = (s: string | null): string => (s === null ? "" : `"${s.replaceAll('"', '""')}"`);
const csvNumber = (n: number | null): string => (n === null ? "" : String(n));

function eventsAsCsv(batch: BatchToCommit): string {
  const parts: string[] = [];
  const head = `${batch.workspaceId},${batch.ingestId},`;
  for (const e of batch.events) {
    parts.push(
      head,
      String(e.line),
      ",",
      csvText(e.occurredAt),
      ",",
      csvText(e.host),
      ",",
      csvText(e.vendor),
      ",",
      csvText(e.service),
      ",",
      csvText(e.model),
      ",",
      csvText(e.modelVersion),
      ",",
      csvText(e.region),
      ",",
      csvText(e.actor),
      ",",
      csvText(e.source),
      ",",
      csvNumber(e.requestBytes),
      ",",
      csvNumber(e.responseBytes),
      ",",
      csvText(e.contentHash),
      ",",
      // Data class names are fixed identifiers, safe inside an array literal.
      `"{${e.dataClasses.join(",")}}"`,
      ",",
      csvText(JSON.stringify(e.detections)),
      ",",
      e.discoveryOnly ? "t" : "f",
      "\n",
    );
  }
  return parts.join("");
}

/** PostgreSQL: COPY … FROM STDIN of the batch's events, then the rollups, on one connection in one transaction. */
async function commitBatchPostgres(database: Database, batch: BatchToCommit): Promise<void> {
  const pool = database.pool;
  if (pool === undefined) throw new AppError("INTERNAL", "PostgreSQL pool missing");
  const client: pg.PoolClient = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN");
    const query: Query = (text, params) => client.query(text, params);
    await writeBatchBody(query, batch, async () => {
      const copy = client.query(
        copyFrom(`COPY usage_events (${EVENT_COLUMNS.join(", ")}) FROM STDIN WITH (FORMAT csv)`),
      );
      await pipeline(Readable.from([eventsAsCsv(batch)]), copy);
    });
    await client.query("COMMIT");
  } catch (error) {
    try {
      await client.query("ROLLBACK");
    } catch {
      broken = true;
    }
    throw error;
  } finally {
    client.release(broken);
  }
}

function commitBatch(database: Database, batch: BatchToCommit, pgliteLoad: "json" | "copy"): Promise<void> {
  return database.engine === "postgres"
    ? commitBatchPostgres(database, batch)
    : commitBatchPglite(database, batch, pgliteLoad);
}

// ---------------------------------------------------------------- ingestion

type IngestRow = typeof usageIngests.$inferSelect;

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}

/** Opens the input only once it is read, so a pass that never starts leaves no file open. */
async function* openWhenRead(
  open: () => AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
): AsyncGenerator<Uint8Array | string> {
  yield* open();
}

async function* hashing(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  hash: ReturnType<typeof createHash>,
) {
  for await (const chunk of input) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    hash.update(bytes);
    yield bytes;
  }
}

/**
 * Ingests a usage log. `open` must return the same bytes each time it is called (a file). The first
 * pass hashes the input and, unless `skipInvalid`, checks every line without classifying it, so a
 * malformed line fails the run with its line number before anything is committed. The second pass
 * reads the file again, parses and classifies it (in worker threads when `workers` > 0, while this
 * thread writes) and commits events and rollups in batches, each in one transaction with the ingest
 * row's progress. A file ingested before (same SHA-256) is not counted again; an ingest that stopped
 * half-way resumes after its last committed line. Findings are computed once the ingest is complete.
 */
export async function ingestUsageLog(
  database: Database,
  workspaceId: string,
  open: () => AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: UsageIngestOptions,
): Promise<UsageIngestResult> {
  const source = options.source?.trim() || "default";
  const readOptions = {
    catalog: options.catalog,
    format: options.format ?? "auto",
    source,
    workers: options.workers ?? 0,
    // About three batches of classified events ready ahead of the writer (1 MiB chunks of ~1 KB lines).
    chunksInFlight: 16,
    ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
    ...(options.csvMapping === undefined ? {} : { csvMapping: options.csvMapping }),
  } as const;
  const format = readOptions.format;

  // The load pass's reader starts now: with worker threads, they boot and classify the first chunks
  // while this thread checks the file. Nothing is committed before the check has passed, and the
  // reader holds only a few chunks in flight until then.
  const loadHash = createHash("sha256");
  const loadReader = readUsageLog(hashing(openWhenRead(open), loadHash), readOptions);
  const firstBatch = readOptions.workers > 0 ? loadReader.next() : null;
  firstBatch?.catch(() => undefined);
  const records = (async function* () {
    if (firstBatch !== null) {
      const first = await firstBatch;
      if (first.done) return;
      yield first.value;
    }
    yield* { [Symbol.asyncIterator]: () => loadReader };
  })();

  try {
    // Pass 1: the file's identity and, unless skipInvalid, every line checked (parsed, not classified).
    const hash = createHash("sha256");
    let inputTotal = 0;
    if (options.skipInvalid) {
      for await (const chunk of hashing(open(), hash)) {
        inputTotal += chunk.length;
        options.onProgress?.({ phase: "check", inputBytes: inputTotal, events: 0, batchesCommitted: 0 });
      }
    } else {
      let checked = 0;
      const checkOptions = { ...readOptions, workers: 0, validateOnly: true };
      for await (const batch of readUsageLog(hashing(open(), hash), checkOptions)) {
        for (const r of batch.records) {
          if (!r.ok) throw usageLineAppError(r.error);
        }
        checked += batch.records.length;
        inputTotal = batch.inputBytes;
        options.onProgress?.({
          phase: "check",
          inputBytes: inputTotal,
          events: checked,
          batchesCommitted: 0,
        });
      }
    }
    return await loadRecords(database, workspaceId, {
      records,
      hash: loadHash,
      fileSha256: hash.digest("hex"),
      format,
      source,
      options,
    });
  } finally {
    // Stops the load pass's reader (and its worker threads) when it was not read to the end.
    await firstBatch?.catch(() => undefined);
    await loadReader.return(undefined);
  }
}

async function loadRecords(
  database: Database,
  workspaceId: string,
  input: {
    /** The second reading of the file: its records, and the hash of the bytes behind them. */
    records: AsyncIterable<UsageBatch>;
    hash: ReturnType<typeof createHash>;
    fileSha256: string;
    format: string;
    source: string;
    options: UsageIngestOptions;
  },
): Promise<UsageIngestResult> {
  const { fileSha256, format, source, options } = input;
  const { db } = database;
  const batchEvents = Math.max(1, Math.floor(options.batchEvents ?? DEFAULT_USAGE_BATCH_EVENTS));
  const report = (inputBytes: number, events: number, batches: number) =>
    options.onProgress?.({ phase: "load", inputBytes, events, batchesCommitted: batches });

  const [existing] = await db
    .select()
    .from(usageIngests)
    .where(and(eq(usageIngests.workspaceId, workspaceId), eq(usageIngests.fileSha256, fileSha256)));
  if (existing?.status === "complete") {
    return {
      ...resultOf(existing),
      outcome: "already_ingested",
      findings: [],
      createdVendors: [],
    };
  }
  let ingest: IngestRow;
  if (existing) {
    ingest = existing;
    await db
      .update(usageIngests)
      .set({ status: "running", error: null, finishedAt: null })
      .where(eq(usageIngests.id, existing.id));
  } else {
    try {
      const [row] = await db
        .insert(usageIngests)
        .values({
          workspaceId,
          source,
          fileSha256,
          fileName: options.fileName ?? null,
          format,
          status: "running",
        })
        .returning();
      if (!row) throw new AppError("INTERNAL", "ingest row was not created");
      ingest = row;
    } catch (error) {
      if (isUniqueViolation(error))
        throw new AppError("CONFLICT", "This file is being ingested by another run.", {
          details: { fileSha256 },
        });
      throw error;
    }
  }
  const ingestId = ingest.id;
  const resumeAfterLine = ingest.lines;
  const resumed = existing !== undefined && ingest.batchesCommitted > 0;
  const knownVersions = await knownModelVersions(db, workspaceId);

  // Pass 2: batches of events, each committed with its rollups and the ingest's progress.
  const facts: TrafficFacts = new Map();
  const skipped: UsageLineError[] = Array.isArray(ingest.skipped) ? (ingest.skipped as UsageLineError[]) : [];
  let skippedCount = ingest.skippedCount;
  let events = ingest.events;
  let batches = ingest.batchesCommitted;
  let lastLine = resumeAfterLine;
  let pending: EventRow[] = [];
  // The next batch is read and classified while the previous one commits; batches still commit one
  // after the other, in order.
  let inFlight: Promise<void> = Promise.resolve();
  let queuedLine = ingest.lines;
  const flush = async () => {
    if (pending.length === 0 && lastLine === queuedLine) return;
    const batch: BatchToCommit = {
      workspaceId,
      ingestId,
      events: pending,
      rollups: rollupRows(pending),
      lastLine,
      skipped: skipped.slice(),
      skippedCount,
    };
    queuedLine = lastLine;
    pending = [];
    await inFlight;
    const commit = commitBatch(database, batch, options.pgliteLoad ?? "json").then(() => {
      events += batch.events.length;
      batches++;
      ingest.lines = batch.lastLine;
      options.onBatch?.({ number: batches, lastLine: batch.lastLine, events });
    });
    inFlight = commit;
    // Awaited at the next flush or at the end; a failure must not surface as an unhandled rejection.
    commit.catch(() => undefined);
  };
  try {
    const { records, hash } = input;
    for await (const batch of records) {
      for (const record of batch.records) {
        if (!record.ok) {
          if (record.error.line <= resumeAfterLine) continue;
          // The first pass found no bad line: one now means the file changed under us.
          if (!options.skipInvalid) throw usageLineAppError(record.error);
          skippedCount++;
          if (skipped.length < MAX_SKIPPED_KEPT) skipped.push(record.error);
          lastLine = Math.max(lastLine, record.error.line);
        } else {
          const line = record.event.line;
          if (line <= resumeAfterLine) continue;
          const row = toEventRow(record.event, source);
          pending.push(row);
          addFacts(facts, row);
          lastLine = Math.max(lastLine, line);
        }
        if (pending.length >= batchEvents) {
          await flush();
          report(batch.inputBytes, events, batches);
        }
      }
    }
    if (hash.digest("hex") !== fileSha256) {
      throw new AppError(
        "INPUT_MALFORMED",
        "the file changed while it was being ingested; run the ingest again",
        {
          details: { fileSha256 },
        },
      );
    }
    await flush();
    await inFlight;
  } catch (error) {
    await inFlight.catch(() => undefined);
    await db
      .update(usageIngests)
      .set({
        status: "failed",
        error:
          error instanceof AppError ? { code: error.code, message: error.message } : { code: "INTERNAL" },
        finishedAt: new Date(),
      })
      .where(eq(usageIngests.id, ingestId));
    throw error;
  }

  if (resumed) mergeFacts(facts, await trafficFactsFromEvents(db, ingestId, resumeAfterLine));
  const raised = await raiseUsageFindings(db, workspaceId, {
    ingestId,
    facts,
    knownVersions,
    catalog: options.catalog,
    actor: options.actor,
  });
  const [done] = await db
    .update(usageIngests)
    .set({ status: "complete", finishedAt: new Date(), events, lines: lastLine })
    .where(eq(usageIngests.id, ingestId))
    .returning();
  await recordAudit(db, {
    workspaceId,
    actor: options.actor,
    action: "usage.ingest",
    targetType: "usage_ingest",
    targetId: ingestId,
    details: { source, fileSha256, events, skipped: skippedCount, resumed, findings: raised.findings.length },
  });
  if (!done) throw new AppError("INTERNAL", "ingest row vanished");
  return {
    ...resultOf(done),
    outcome: resumed ? "resumed" : "ingested",
    findings: raised.findings,
    createdVendors: raised.createdVendors,
  };
}

function resultOf(row: IngestRow): Omit<UsageIngestResult, "outcome" | "findings" | "createdVendors"> {
  return {
    ingestId: row.id,
    fileSha256: row.fileSha256,
    source: row.source,
    format: row.format,
    lines: row.lines,
    events: row.events,
    batchesCommitted: row.batchesCommitted,
    skippedCount: row.skippedCount,
    skipped: (row.skipped as UsageLineError[]) ?? [],
  };
}

function mergeFacts(into: TrafficFacts, from: TrafficFacts): void {
  for (const [vendor, t] of from) {
    const target = trafficOf(into, vendor);
    target.requests += t.requests;
    for (const [k, n] of t.regions) bump(target.regions, k, n);
    for (const [k, n] of t.classes) bump(target.classes, k, n);
    for (const [k, n] of t.models) bump(target.models, k, n);
  }
}

async function rowsOf<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** The traffic facts of the part of an ingest committed before a crash (resume only). */
async function trafficFactsFromEvents(db: Db, ingestId: string, upToLine: number): Promise<TrafficFacts> {
  const facts: TrafficFacts = new Map();
  const base = sql`ingest_id = ${ingestId} AND line <= ${upToLine} AND vendor IS NOT NULL`;
  for (const r of await rowsOf<{ vendor: string; n: string | number }>(
    db,
    sql`SELECT vendor, count(*) AS n FROM usage_events WHERE ${base} GROUP BY vendor`,
  ))
    trafficOf(facts, r.vendor).requests += Number(r.n);
  for (const r of await rowsOf<{ vendor: string; region: string; n: string | number }>(
    db,
    sql`SELECT vendor, region, count(*) AS n FROM usage_events WHERE ${base} AND region IS NOT NULL GROUP BY 1, 2`,
  ))
    bump(trafficOf(facts, r.vendor).regions, r.region, Number(r.n));
  for (const r of await rowsOf<{ vendor: string; c: DataClass; n: string | number }>(
    db,
    sql`SELECT vendor, c, count(*) AS n FROM usage_events, unnest(data_classes) AS c WHERE ${base} GROUP BY 1, 2`,
  ))
    bump(trafficOf(facts, r.vendor).classes, r.c, Number(r.n));
  for (const r of await rowsOf<{ vendor: string; model: string; model_version: string; n: string | number }>(
    db,
    sql`SELECT vendor, model, model_version, count(*) AS n FROM usage_events
        WHERE ${base} AND model IS NOT NULL AND model_version IS NOT NULL GROUP BY 1, 2, 3`,
  ))
    bump(trafficOf(facts, r.vendor).models, `${r.model}\u0000${r.model_version}`, Number(r.n));
  return facts;
}

/** Model versions already seen per vendor and model, from the rollups, before this ingest writes. */
async function knownModelVersions(db: Db, workspaceId: string): Promise<Map<string, Set<string>>> {
  const known = new Map<string, Set<string>>();
  for (const r of await rowsOf<{ vendor: string; model: string; model_version: string }>(
    db,
    sql`SELECT DISTINCT vendor, model, model_version FROM usage_daily
        WHERE workspace_id = ${workspaceId} AND vendor <> '' AND model <> '' AND model_version <> ''
          AND data_class = ''`,
  )) {
    const key = `${r.vendor}\u0000${r.model}`;
    const set = known.get(key) ?? new Set<string>();
    set.add(r.model_version);
    known.set(key, set);
  }
  return known;
}

// ---------------------------------------------------------------- findings

interface FindingDraft {
  vendorId: string | null;
  rule: UsageFindingRule;
  severity: FindingSeverity;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  dedupeKey: string;
}

const APPROVED = new Set(["approved", "approved_with_conditions"]);
const SENSITIVE: ReadonlySet<DataClass> = new Set(["pii", "phi", "payment_data", "credentials", "biometric"]);

/** A declared region covers a seen one when equal or a prefix of it at a boundary ("eu" covers "eu-west-1"). */
function regionCovered(seen: string, declared: readonly string[]): boolean {
  const s = seen.toLowerCase();
  return declared.some((d) => {
    const r = d.toLowerCase().trim();
    return r === s || (r.length > 0 && s.startsWith(r) && /[-_.\s]/.test(s.charAt(r.length)));
  });
}

/**
 * Turns the traffic of one ingest into findings: vendors reached but absent from the inventory
 * (added as "proposed" with a shadow-AI finding), reached but not approved, data classes no
 * integration declares, regions outside the declared ones, and model versions not seen before.
 */
async function raiseUsageFindings(
  db: Db,
  workspaceId: string,
  input: {
    ingestId: string;
    facts: TrafficFacts;
    knownVersions: Map<string, Set<string>>;
    catalog: readonly VendorCatalogEntry[];
    actor: Actor;
  },
): Promise<{ findings: UsageFindingView[]; createdVendors: UsageIngestResult["createdVendors"] }> {
  const { facts, catalog } = input;
  const createdVendors: UsageIngestResult["createdVendors"] = [];
  if (facts.size === 0) return { findings: [], createdVendors };
  const bySlug = new Map(catalog.map((e) => [e.slug, e]));
  const inventory = await db
    .select({ id: vendors.id, name: vendors.name, status: vendors.status, catalogSlug: vendors.catalogSlug })
    .from(vendors)
    .where(eq(vendors.workspaceId, workspaceId));
  const integrations = await db
    .select({
      vendorId: aiIntegrations.vendorId,
      dataClasses: aiIntegrations.dataClasses,
      processingRegions: aiIntegrations.processingRegions,
      models: aiIntegrations.models,
    })
    .from(aiIntegrations)
    .where(eq(aiIntegrations.workspaceId, workspaceId));
  const drafts: FindingDraft[] = [];
  for (const [slug, traffic] of [...facts].sort((a, b) => a[0].localeCompare(b[0]))) {
    const entry = bySlug.get(slug);
    const displayName = entry?.name ?? slug;
    let vendor = inventory.find(
      (v) => v.catalogSlug === slug || v.name.toLowerCase() === displayName.toLowerCase(),
    );
    const sample = { requests: traffic.requests, ingestId: input.ingestId };
    if (vendor === undefined) {
      if (entry === undefined) continue;
      const created = await createVendor(db, workspaceId, vendorFromCatalog(entry), input.actor);
      vendor = { id: created.id, name: created.name, status: created.status, catalogSlug: slug };
      inventory.push(vendor);
      createdVendors.push({ id: created.id, name: created.name, catalogSlug: slug });
      drafts.push({
        vendorId: created.id,
        rule: "shadow_ai",
        severity: "high",
        title: `Shadow AI: traffic to ${displayName}, which was not in the inventory`,
        detail: `${traffic.requests} requests reached ${displayName}. It has been added to the inventory as proposed (unreviewed) and needs a review.`,
        evidence: { vendor: slug, ...sample },
        dedupeKey: `usage:shadow_ai:${slug}`,
      });
    } else if (!APPROVED.has(vendor.status)) {
      drafts.push({
        vendorId: vendor.id,
        rule: "unapproved_vendor",
        severity: "medium",
        title: `Traffic to ${vendor.name}, which is not approved (status ${vendor.status})`,
        detail: `${traffic.requests} requests reached a vendor whose review is not complete or that was rejected.`,
        evidence: { vendor: slug, status: vendor.status, ...sample },
        dedupeKey: `usage:unapproved_vendor:${vendor.id}:${vendor.status}`,
      });
    }
    const own = integrations.filter((i) => i.vendorId === vendor.id);
    const declaredClasses = new Set(own.flatMap((i) => i.dataClasses ?? []));
    for (const [dataClass, n] of [...traffic.classes].sort()) {
      if (declaredClasses.has(dataClass)) continue;
      drafts.push({
        vendorId: vendor.id,
        rule: "undeclared_data_class",
        severity: SENSITIVE.has(dataClass) ? "high" : "medium",
        title: `${dataClass} sent to ${vendor.name}, which no integration declares`,
        detail: `${n} requests to ${vendor.name} contained ${dataClass}; none of its ${own.length} integrations lists that data class.`,
        evidence: { vendor: slug, dataClass, requests: n, ingestId: input.ingestId },
        dedupeKey: `usage:undeclared_data_class:${vendor.id}:${dataClass}`,
      });
    }
    const declaredRegions = own.flatMap((i) => i.processingRegions);
    if (declaredRegions.length > 0) {
      for (const [region, n] of [...traffic.regions].sort()) {
        if (regionCovered(region, declaredRegions)) continue;
        drafts.push({
          vendorId: vendor.id,
          rule: "residency",
          severity: "high",
          title: `Requests to ${vendor.name} processed in ${region}, outside the declared regions`,
          detail: `${n} requests were processed in ${region}; the integrations declare ${[...new Set(declaredRegions)].join(", ")}.`,
          evidence: { vendor: slug, region, requests: n, declaredRegions, ingestId: input.ingestId },
          dedupeKey: `usage:residency:${vendor.id}:${region.toLowerCase()}`,
        });
      }
    }
    for (const [key, n] of [...traffic.models].sort()) {
      const [model = "", version = ""] = key.split("\u0000");
      const known = new Set(input.knownVersions.get(`${slug}\u0000${model}`) ?? []);
      for (const i of own) {
        for (const m of i.models as Array<{ kind: string; name?: string; version?: string }>) {
          if (m.kind === "vendor_model" && m.name === model && m.version) known.add(m.version);
        }
      }
      // Without an earlier version there is nothing to compare with: the first sighting is the baseline.
      if (known.size === 0 || known.has(version)) continue;
      drafts.push({
        vendorId: vendor.id,
        rule: "model_version_new",
        severity: "medium",
        title: `Reassessment trigger: ${model} version ${version} at ${vendor.name} was not seen before`,
        detail: `${n} requests used ${model} ${version}; known versions: ${[...known].sort().join(", ")}.`,
        evidence: { vendor: slug, model, version, knownVersions: [...known].sort(), requests: n },
        dedupeKey: `usage:model_version_new:${slug}:${model}:${version}`,
      });
    }
  }
  const ids: string[] = [];
  for (const d of drafts) {
    const [row] = await db
      .insert(findings)
      .values({ workspaceId, source: "usage", status: "open", ...d })
      .onConflictDoUpdate({
        target: [findings.workspaceId, findings.dedupeKey],
        set: { evidence: d.evidence, detail: d.detail, updatedAt: new Date() },
      })
      .returning({ id: findings.id });
    if (row) ids.push(row.id);
  }
  const all = ids.length === 0 ? [] : await listUsageFindings(db, workspaceId, { ids });
  return { findings: all, createdVendors };
}

/** Usage findings, newest first, with the vendor's name. */
export async function listUsageFindings(
  db: Db,
  workspaceId: string,
  query: { ids?: string[]; status?: "open" | "resolved"; limit?: number } = {},
): Promise<UsageFindingView[]> {
  const conditions = [eq(findings.workspaceId, workspaceId), eq(findings.source, "usage")];
  if (query.status) conditions.push(eq(findings.status, query.status));
  if (query.ids) conditions.push(inArray(findings.id, query.ids));
  const rows = await db
    .select({ f: findings, vendorName: vendors.name })
    .from(findings)
    .leftJoin(vendors, eq(vendors.id, findings.vendorId))
    .where(and(...conditions))
    .orderBy(desc(findings.updatedAt), desc(findings.id))
    .limit(Math.min(query.limit ?? 500, 2000));
  return rows.map(({ f, vendorName }) => ({
    id: f.id,
    vendorId: f.vendorId,
    vendorName,
    rule: f.rule,
    severity: f.severity as FindingSeverity,
    title: f.title,
    detail: f.detail,
    evidence: f.evidence as Record<string, unknown>,
    status: f.status,
    createdAt: f.createdAt.toISOString(),
    updatedAt: f.updatedAt.toISOString(),
  }));
}

// ---------------------------------------------------------------- reading the evidence

export const USAGE_GROUP_BY = ["vendor", "service", "model", "source", "dataClass"] as const;
export type UsageGroupBy = (typeof USAGE_GROUP_BY)[number];

export interface UsageSummaryRow {
  /** The group's value; null where the events had none (for vendor: hosts that are not AI vendors). */
  key: string | null;
  /** With groupBy=model: the model version (null when not known). */
  modelVersion?: string | null;
  /** Display name of the vendor (groupBy=vendor): the inventory name, else the catalogue's. */
  label: string | null;
  requests: number;
  /** Requests that carried each data class (a request with PII and credentials counts in both). */
  byDataClass: Partial<Record<DataClass, number>>;
}

export interface UsageVendorSentence {
  vendor: string;
  vendorName: string;
  requests: number;
  pii: number;
  sentence: string;
}

export interface UsageSummary {
  days: number;
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  totalRequests: number;
  rows: UsageSummaryRow[];
  sentences: UsageVendorSentence[];
}

function periodOf(days: number, asOf: string): { from: string; to: string } {
  const to = new Date(`${asOf}T00:00:00Z`);
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  return { from: from.toISOString().slice(0, 10), to: asOf };
}

const GROUP_COLUMN: Record<Exclude<UsageGroupBy, "dataClass">, string> = {
  vendor: "vendor",
  service: "service",
  model: "model",
  source: "source",
};

async function vendorNames(db: Db, workspaceId: string, catalog: readonly VendorCatalogEntry[]) {
  const names = new Map(catalog.map((e) => [e.slug, e.name]));
  const rows = await db
    .select({ slug: vendors.catalogSlug, name: vendors.name })
    .from(vendors)
    .where(and(eq(vendors.workspaceId, workspaceId), sql`${vendors.catalogSlug} IS NOT NULL`));
  for (const r of rows) if (r.slug) names.set(r.slug, r.name);
  return names;
}

const count = (n: number) => n.toLocaleString("en-US");

/** The sentence for the audit pack, e.g. "In the last 90 days, 1,204 requests to vendor OpenAI, of which 37 contained PII." */
export function usageSentence(days: number, vendorName: string, requests: number, pii: number): string {
  return `In the last ${days} days, ${count(requests)} requests to vendor ${vendorName}, of which ${count(pii)} contained PII.`;
}

/**
 * Requests per group over the last `days` days (UTC, up to and including `asOf`), with counts per
 * data class, and one sentence per vendor. Reads the daily rollups only.
 */
export async function summarizeUsage(
  db: Db,
  workspaceId: string,
  query: { days: number; groupBy: UsageGroupBy; asOf?: string; catalog?: readonly VendorCatalogEntry[] },
): Promise<UsageSummary> {
  const { from, to } = periodOf(query.days, query.asOf ?? new Date().toISOString().slice(0, 10));
  const inPeriod = sql`workspace_id = ${workspaceId} AND day >= ${from}::date AND day <= ${to}::date`;
  const names = await vendorNames(db, workspaceId, query.catalog ?? []);
  const rows: UsageSummaryRow[] = [];
  let totalRequests = 0;
  if (query.groupBy === "dataClass") {
    for (const r of await rowsOf<{ data_class: string; n: string | number }>(
      db,
      sql`SELECT data_class, sum(requests) AS n FROM usage_daily WHERE ${inPeriod} GROUP BY data_class`,
    )) {
      if (r.data_class === "") totalRequests = Number(r.n);
      else rows.push({ key: r.data_class, label: r.data_class, requests: Number(r.n), byDataClass: {} });
    }
  } else {
    const column = sql.raw(GROUP_COLUMN[query.groupBy]);
    const version = query.groupBy === "model" ? sql.raw("model_version") : sql.raw("''");
    const groups = new Map<string, UsageSummaryRow>();
    for (const r of await rowsOf<{ k: string; v: string; data_class: string; n: string | number }>(
      db,
      sql`SELECT ${column} AS k, ${version} AS v, data_class, sum(requests) AS n FROM usage_daily
          WHERE ${inPeriod} GROUP BY 1, 2, 3`,
    )) {
      const id = `${r.k}\u0000${r.v}`;
      let row = groups.get(id);
      if (row === undefined) {
        const key = r.k === "" ? null : r.k;
        row = {
          key,
          label: query.groupBy === "vendor" ? (key === null ? null : (names.get(key) ?? key)) : key,
          requests: 0,
          byDataClass: {},
        };
        if (query.groupBy === "model") row.modelVersion = r.v === "" ? null : r.v;
        groups.set(id, row);
      }
      const n = Number(r.n);
      if (r.data_class === "") {
        row.requests += n;
        totalRequests += n;
      } else if ((DATA_CLASSES as readonly string[]).includes(r.data_class)) {
        const c = r.data_class as DataClass;
        row.byDataClass[c] = (row.byDataClass[c] ?? 0) + n;
      }
    }
    rows.push(...groups.values());
  }
  rows.sort((a, b) => b.requests - a.requests || String(a.key).localeCompare(String(b.key)));
  const sentences: UsageVendorSentence[] = [];
  for (const r of await rowsOf<{ vendor: string; n: string | number; pii: string | number }>(
    db,
    sql`SELECT vendor, sum(requests) FILTER (WHERE data_class = '') AS n,
          coalesce(sum(requests) FILTER (WHERE data_class = 'pii'), 0) AS pii
        FROM usage_daily WHERE ${inPeriod} AND vendor <> '' GROUP BY vendor ORDER BY 2 DESC, 1`,
  )) {
    const vendorName = names.get(r.vendor) ?? r.vendor;
    const requests = Number(r.n);
    const pii = Number(r.pii);
    sentences.push({
      vendor: r.vendor,
      vendorName,
      requests,
      pii,
      sentence: usageSentence(query.days, vendorName, requests, pii),
    });
  }
  return { days: query.days, from, to, groupBy: query.groupBy, totalRequests, rows, sentences };
}

/** The summary as CSV: one line per group, a column per data class. */
export function usageSummaryCsv(summary: UsageSummary): string {
  const quote = (v: string) => {
    // Cells starting with a formula character are prefixed so spreadsheets do not evaluate them.
    const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
    return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const header = [
    summary.groupBy,
    ...(summary.groupBy === "model" ? ["model_version"] : []),
    "requests",
    ...DATA_CLASSES,
  ];
  const lines = [header.join(",")];
  for (const r of summary.rows) {
    lines.push(
      [
        quote(r.key ?? ""),
        ...(summary.groupBy === "model" ? [quote(r.modelVersion ?? "")] : []),
        String(r.requests),
        ...DATA_CLASSES.map((c) => String(r.byDataClass[c] ?? 0)),
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}

export interface UsageTrendPoint {
  day: string;
  requests: number;
  byDataClass: Partial<Record<DataClass, number>>;
}

/** Requests per day over the period (every day present, zero when quiet), optionally for one vendor slug. */
export async function usageTrend(
  db: Db,
  workspaceId: string,
  query: { days: number; vendor?: string; asOf?: string },
): Promise<{ from: string; to: string; vendor: string | null; points: UsageTrendPoint[] }> {
  const { from, to } = periodOf(query.days, query.asOf ?? new Date().toISOString().slice(0, 10));
  const vendorFilter = query.vendor === undefined ? sql`` : sql` AND vendor = ${query.vendor}`;
  const byDay = new Map<string, UsageTrendPoint>();
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    byDay.set(day, { day, requests: 0, byDataClass: {} });
  }
  for (const r of await rowsOf<{ day: string | Date; data_class: string; n: string | number }>(
    db,
    sql`SELECT day, data_class, sum(requests) AS n FROM usage_daily
        WHERE workspace_id = ${workspaceId} AND day >= ${from}::date AND day <= ${to}::date${vendorFilter}
        GROUP BY 1, 2`,
  )) {
    const day = typeof r.day === "string" ? r.day.slice(0, 10) : r.day.toISOString().slice(0, 10);
    const point = byDay.get(day);
    if (point === undefined) continue;
    if (r.data_class === "") point.requests += Number(r.n);
    else point.byDataClass[r.data_class as DataClass] = Number(r.n);
  }
  return { from, to, vendor: query.vendor ?? null, points: [...byDay.values()] };
}

export interface UsageIngestView {
  id: string;
  source: string;
  fileName: string | null;
  fileSha256: string;
  format: string;
  status: string;
  batchesCommitted: number;
  lines: number;
  events: number;
  skippedCount: number;
  /** The first skipped lines (line number and reason). */
  skipped: UsageLineError[];
  error: { code: string; message?: string } | null;
  startedAt: string;
  finishedAt: string | null;
}

/** The latest ingests with their status and how far each got. */
export async function listUsageIngests(db: Db, workspaceId: string, limit = 100): Promise<UsageIngestView[]> {
  const rows = await db
    .select()
    .from(usageIngests)
    .where(eq(usageIngests.workspaceId, workspaceId))
    .orderBy(desc(usageIngests.startedAt), desc(usageIngests.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    source: r.source,
    fileName: r.fileName,
    fileSha256: r.fileSha256,
    format: r.format,
    status: r.status,
    batchesCommitted: r.batchesCommitted,
    lines: r.lines,
    events: r.events,
    skippedCount: r.skippedCount,
    skipped: ((r.skipped as UsageLineError[]) ?? []).slice(0, 50),
    error: (r.error as { code: string; message?: string } | null) ?? null,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  }));
}
