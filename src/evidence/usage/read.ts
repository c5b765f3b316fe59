/**
 * Streaming reader of AI usage logs: bytes in (a file, stdin or an HTTP body, gzip or plain),
 * batches of UsageRecords out, in input order. Lines are cut at a byte limit (an over-long line is a
 * line error, never a crash or an unbounded buffer), and line-based formats are parsed and classified
 * in worker threads when asked, while the main thread only finds line boundaries.
 */
import { availableParallelism } from "node:os";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { createGunzip } from "node:zlib";
import { parse as parseCsv } from "csv-parse";
import { AppError } from "../../domain/errors.ts";
import type { VendorCatalogEntry } from "../../domain/vendor-catalog.ts";
import { createAttributionTable } from "./attribution.ts";
import type { ClassifierOptions } from "./detectors.ts";
import { createClassifier } from "./detectors.ts";
import type { CsvColumnMapping, LineParseContext } from "./parse.ts";
import { detectUsageFormat, parseCsvRecord, parseUsageLine } from "./parse.ts";
import type { UsageFormat, UsageLineError, UsageRecord } from "./types.ts";

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

const MIB = 1024 * 1024;

/**
 * Worker threads worth starting for a line-based log of `sizeBytes`: none for small inputs (a
 * worker's start-up costs about a third of a second of CPU) or on one core; for ingest one, which
 * classifies while the calling thread writes to the database; for classification alone up to two.
 */
export function suggestedUsageWorkers(
  sizeBytes: number | null,
  purpose: "ingest" | "classify",
  cores: number = availableParallelism(),
): number {
  if (cores < 2 || sizeBytes === null) return 0;
  if (purpose === "ingest") return sizeBytes >= 16 * MIB ? 1 : 0;
  return sizeBytes >= 64 * MIB ? Math.min(2, cores) : 0;
}
const DEFAULT_BATCH_BYTES = 1024 * 1024;

export interface UsageReadOptions {
  format?: UsageFormat | "auto";
  /** Name of the log's origin, copied into every event (`--source`). */
  source?: string | null;
  /** Parsed catalogue entries: their host patterns drive attribution. */
  catalog: readonly VendorCatalogEntry[];
  classifier?: ClassifierOptions;
  csvMapping?: CsvColumnMapping;
  /** CSV field separator; guessed from the header (comma, semicolon or tab) when not given. */
  csvDelimiter?: string;
  /** Longest accepted line in bytes (default 1 MiB). */
  maxLineBytes?: number;
  /** Worker threads for jsonl, proxy and dns (default 0: parse on the calling thread). */
  workers?: number;
  /** Bytes of whole lines handed to a worker at a time (default 1 MiB). */
  batchBytes?: number;
  syslogYear?: number;
  /** Check every line but skip hashing and classifying prompts (a validating pass; line formats only). */
  validateOnly?: boolean;
  /**
   * Chunks handed to workers and not yet read back, at most (default four per worker). A caller that
   * is itself busy for long stretches (writing to a database) raises it so the workers keep going.
   */
  chunksInFlight?: number;
}

export interface UsageBatch {
  records: UsageRecord[];
  /** Bytes read from the input so far (before decompression), for progress and ETA. */
  inputBytes: number;
}

/** Settings a worker needs to rebuild the parser; plain data so it can be cloned across threads. */
export interface LineParserConfig {
  format: Exclude<UsageFormat, "csv">;
  source: string | null;
  catalog: readonly VendorCatalogEntry[];
  classifier: ClassifierOptions;
  syslogYear?: number;
  validateOnly?: boolean;
}

/** A run of whole lines: bytes, the number of its first line and which lines were over the limit. */
export interface LineChunk {
  firstLine: number;
  lineCount: number;
  data: Uint8Array;
  overLong: number[];
}

const NEWLINE = new Uint8Array([10]);

/** Builds the per-line parser for a config (used both inline and inside workers). */
export function createChunkParser(config: LineParserConfig): (chunk: LineChunk) => UsageRecord[] {
  const ctx: LineParseContext = {
    attribution: createAttributionTable(config.catalog),
    classify: createClassifier(config.classifier),
    detectionCache: new Map(),
    source: config.source,
    ...(config.syslogYear === undefined ? {} : { syslogYear: config.syslogYear }),
    ...(config.validateOnly === true ? { validateOnly: true } : {}),
  };
  const decoder = new TextDecoder("utf-8");
  return (chunk) => {
    const text = decoder.decode(chunk.data);
    const overLong = new Set(chunk.overLong);
    const records: UsageRecord[] = [];
    let start = 0;
    for (let i = 0; i < chunk.lineCount; i++) {
      let end = text.indexOf("\n", start);
      if (end === -1) end = text.length;
      const line = chunk.firstLine + i;
      if (overLong.has(line)) {
        records.push({ ok: false, error: overLongError(line) });
      } else {
        const record = parseUsageLine(config.format, text.slice(start, end), line, ctx);
        if (record !== null) records.push(record);
      }
      start = end + 1;
    }
    return records;
  };
}

function overLongError(line: number): UsageLineError {
  return { line, code: "USAGE_LINE_INVALID", reason: "line longer than the limit" };
}

async function* countBytes(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  counter: { bytes: number },
): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    counter.bytes += bytes.length;
    yield bytes;
  }
}

/** Passes bytes through, gunzipping when the input starts with the gzip magic number. */
async function* maybeGunzip(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = input[Symbol.asyncIterator]();
  let first = await iterator.next();
  while (!first.done && first.value.length === 0) first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  async function* rest(): AsyncGenerator<Uint8Array> {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = Readable.from(rest()).pipe(createGunzip());
    try {
      for await (const chunk of gunzip) yield chunk as Uint8Array;
    } catch (error) {
      throw new AppError("INPUT_MALFORMED", "the gzip stream is corrupt or truncated", { cause: error });
    }
  } else {
    yield* rest();
  }
}

/**
 * Groups a byte stream into runs of whole lines of about `targetBytes`. A line longer than
 * `maxLineBytes` is dropped while it streams past (memory stays bounded) and its number reported.
 */
export async function* chunkLines(
  input: AsyncIterable<Uint8Array>,
  options: { targetBytes: number; maxLineBytes: number },
): AsyncGenerator<LineChunk> {
  const { targetBytes, maxLineBytes } = options;
  let segments: Uint8Array[] = [];
  let segmentBytes = 0;
  let firstLine = 1;
  let lineCount = 0;
  let overLong: number[] = [];
  let partial: Uint8Array[] = [];
  let partialBytes = 0;
  let discarding = false;

  const push = (piece: Uint8Array) => {
    if (piece.length === 0) return;
    segments.push(piece);
    segmentBytes += piece.length;
  };
  const take = (): LineChunk => {
    const chunk: LineChunk = {
      firstLine,
      lineCount,
      data: segments.length === 1 && segments[0] ? segments[0] : Buffer.concat(segments, segmentBytes),
      overLong,
    };
    firstLine += lineCount;
    lineCount = 0;
    segments = [];
    segmentBytes = 0;
    overLong = [];
    return chunk;
  };

  for await (const buf of input) {
    let pos = 0;
    let runStart = 0;
    for (;;) {
      const nl = buf.indexOf(10, pos);
      const end = nl === -1 ? buf.length : nl;
      const length = partialBytes + (end - pos);
      if (nl === -1) {
        push(buf.subarray(runStart, pos));
        if (!discarding) {
          if (length > maxLineBytes) {
            discarding = true;
            partial = [];
            partialBytes = 0;
          } else if (end > pos) {
            partial.push(buf.subarray(pos, end));
            partialBytes = length;
          }
        }
        break;
      }
      if (discarding || length > maxLineBytes) {
        push(buf.subarray(runStart, pos));
        push(NEWLINE);
        overLong.push(firstLine + lineCount);
        discarding = false;
        partial = [];
        partialBytes = 0;
        runStart = nl + 1;
      } else if (partialBytes > 0) {
        push(buf.subarray(runStart, pos));
        for (const piece of partial) push(piece);
        push(buf.subarray(pos, nl + 1));
        partial = [];
        partialBytes = 0;
        runStart = nl + 1;
      }
      lineCount++;
      pos = nl + 1;
    }
    if (segmentBytes >= targetBytes) yield take();
  }
  if (discarding) {
    push(NEWLINE);
    overLong.push(firstLine + lineCount);
    lineCount++;
  } else if (partialBytes > 0) {
    for (const piece of partial) push(piece);
    push(NEWLINE);
    lineCount++;
  }
  if (lineCount > 0) yield take();
}

/** Reads up to the first non-blank line without consuming it; returns it and the whole stream. */
async function peekFirstLine(
  input: AsyncIterable<Uint8Array>,
  maxBytes: number,
): Promise<{ firstLine: string; stream: AsyncGenerator<Uint8Array> }> {
  const iterator = input[Symbol.asyncIterator]();
  const seen: Uint8Array[] = [];
  let seenBytes = 0;
  let firstLine = "";
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      firstLine = Buffer.concat(seen).toString("utf8").trim().split("\n")[0] ?? "";
      break;
    }
    seen.push(next.value);
    seenBytes += next.value.length;
    const text = Buffer.concat(seen).toString("utf8");
    const line = text.split("\n").find((l) => l.trim().length > 0);
    const complete = line !== undefined && text.indexOf(line) + line.length < text.length;
    if (complete || seenBytes > maxBytes) {
      firstLine = line ?? "";
      break;
    }
  }
  async function* stream(): AsyncGenerator<Uint8Array> {
    yield* seen;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { firstLine, stream: stream() };
}

/**
 * Reads a usage log and yields its records in input order, in batches. Each record is an event or
 * a line error with its line number; the caller decides whether an error stops the run or is
 * reported and skipped. Throws USAGE_FORMAT_UNKNOWN when `auto` cannot tell the format.
 */
export async function* readUsageLog(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: UsageReadOptions,
): AsyncGenerator<UsageBatch> {
  const counter = { bytes: 0 };
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let bytes: AsyncIterable<Uint8Array> = maybeGunzip(countBytes(input, counter));
  let format = options.format ?? "auto";
  let firstLine: string | null = null;
  if (format === "auto" || (format === "csv" && options.csvDelimiter === undefined)) {
    const peeked = await peekFirstLine(bytes, Math.min(maxLineBytes, 64 * 1024));
    bytes = peeked.stream;
    firstLine = peeked.firstLine;
  }
  if (format === "auto") {
    const peekedLine = firstLine ?? "";
    const detected = detectUsageFormat(peekedLine);
    if (detected === null) {
      if (peekedLine.length === 0) return;
      throw new AppError(
        "USAGE_FORMAT_UNKNOWN",
        "cannot tell the log format from its first line; pass --format",
        {
          details: { line: 1 },
        },
      );
    }
    format = detected;
  }

  if (format === "csv") {
    const delimiter = options.csvDelimiter ?? guessCsvDelimiter(firstLine ?? "");
    for await (const records of readCsv(bytes, options, maxLineBytes, delimiter)) {
      yield { records, inputBytes: counter.bytes };
    }
    return;
  }

  const config: LineParserConfig = {
    format,
    source: options.source ?? null,
    catalog: options.catalog,
    classifier: options.classifier ?? {},
    ...(options.syslogYear === undefined ? {} : { syslogYear: options.syslogYear }),
    ...(options.validateOnly === true ? { validateOnly: true } : {}),
  };
  const chunks = chunkLines(bytes, { targetBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES, maxLineBytes });
  const workers = Math.max(0, Math.floor(options.workers ?? 0));
  if (workers === 0) {
    const parseChunk = createChunkParser(config);
    for await (const chunk of chunks) yield { records: parseChunk(chunk), inputBytes: counter.bytes };
    return;
  }
  yield* runPool(chunks, config, workers, counter, Math.max(workers, options.chunksInFlight ?? workers * 4));
}

interface WorkerReply {
  id: number;
  records?: UsageRecord[];
  error?: { code: string; message: string };
}

async function* runPool(
  chunks: AsyncIterable<LineChunk>,
  config: LineParserConfig,
  size: number,
  counter: { bytes: number },
  maxInFlight: number,
): AsyncGenerator<UsageBatch> {
  const pool = Array.from(
    { length: size },
    () =>
      // A heap cap per worker keeps memory bounded whatever the input; a 1 MiB chunk needs far less.
      new Worker(new URL("./worker.ts", import.meta.url), {
        workerData: config,
        resourceLimits: { maxOldGenerationSizeMb: 192 },
      }),
  );
  const waiting = new Map<number, { resolve: (r: UsageRecord[]) => void; reject: (e: unknown) => void }>();
  let failure: AppError | null = null;
  const failAll = (error: unknown) => {
    failure ??= new AppError("INTERNAL", "a usage worker thread stopped", { cause: error });
    for (const w of waiting.values()) w.reject(failure);
    waiting.clear();
  };
  for (const worker of pool) {
    worker.on("message", (reply: WorkerReply) => {
      const w = waiting.get(reply.id);
      if (w === undefined) return;
      waiting.delete(reply.id);
      if (reply.records) w.resolve(reply.records);
      else w.reject(new AppError("INTERNAL", reply.error?.message ?? "usage worker failed"));
    });
    worker.on("error", failAll);
    // A worker that exits while work is pending (heap limit, crash) fails the run, never hangs it.
    worker.on("exit", (code) => {
      if (waiting.size > 0) failAll(new Error(`worker exited with code ${code}`));
    });
  }
  // Bounded in-flight work keeps memory flat whatever the input size.
  const inFlight: Array<{ promise: Promise<UsageRecord[]>; inputBytes: number }> = [];
  let nextId = 0;
  try {
    for await (const chunk of chunks) {
      if (failure !== null) throw failure;
      const id = nextId++;
      const worker = pool[id % size];
      if (worker === undefined) throw new AppError("INTERNAL", "worker pool is empty");
      const promise = new Promise<UsageRecord[]>((resolve, reject) => waiting.set(id, { resolve, reject }));
      promise.catch(() => undefined);
      // Copy into a buffer of our own before transferring it: the chunk may be a view into the
      // reader's or Buffer's shared pool, which a transfer would detach.
      const data = new Uint8Array(chunk.data);
      worker.postMessage({ id, chunk: { ...chunk, data } }, [data.buffer as ArrayBuffer]);
      inFlight.push({ promise, inputBytes: counter.bytes });
      while (inFlight.length >= maxInFlight) {
        const head = inFlight.shift();
        if (head) yield { records: await head.promise, inputBytes: head.inputBytes };
      }
    }
    while (inFlight.length > 0) {
      const head = inFlight.shift();
      if (head) yield { records: await head.promise, inputBytes: head.inputBytes };
    }
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

function byLine(a: UsageRecord, b: UsageRecord): number {
  return (a.ok ? a.event.line : a.error.line) - (b.ok ? b.event.line : b.error.line);
}

/** The header's most frequent separator among comma, semicolon and tab (comma on a tie or none). */
export function guessCsvDelimiter(header: string): string {
  let best = ",";
  let bestCount = 0;
  for (const candidate of [",", ";", "\t"]) {
    const count = header.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

async function* readCsv(
  bytes: AsyncIterable<Uint8Array>,
  options: UsageReadOptions,
  maxLineBytes: number,
  delimiter: string,
): AsyncGenerator<UsageRecord[]> {
  const ctx: LineParseContext = {
    attribution: createAttributionTable(options.catalog),
    classify: createClassifier(options.classifier ?? {}),
    detectionCache: new Map(),
    source: options.source ?? null,
    ...(options.validateOnly === true ? { validateOnly: true } : {}),
  };
  const skipped: UsageRecord[] = [];
  const parser = Readable.from(bytes).pipe(
    parseCsv({
      columns: true,
      delimiter,
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
      max_record_size: maxLineBytes,
      skip_records_with_error: true,
      on_skip: (error) => {
        skipped.push({
          ok: false,
          error: {
            line: typeof error?.lines === "number" ? error.lines : 0,
            code: "USAGE_LINE_INVALID",
            reason: error?.message ?? "bad CSV record",
          },
        });
        return undefined;
      },
    }),
  );
  let batch: UsageRecord[] = [];
  for await (const item of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    if (skipped.length > 0) batch.push(...skipped.splice(0));
    batch.push(parseCsvRecord(item.record, item.info.lines, options.csvMapping ?? {}, ctx));
    if (batch.length >= 2000) {
      yield batch.sort(byLine);
      batch = [];
    }
  }
  if (skipped.length > 0) batch.push(...skipped.splice(0));
  if (batch.length > 0) yield batch.sort(byLine);
}

/** The AppError a caller throws to stop a run on a line error (fail-fast mode). */
export function usageLineAppError(error: UsageLineError): AppError {
  return new AppError("USAGE_LINE_INVALID", `line ${error.line}: ${error.reason}`, {
    details: { line: error.line, reason: error.reason },
  });
}
