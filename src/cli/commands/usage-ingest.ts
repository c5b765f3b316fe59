import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import { suggestedUsageWorkers } from "../../evidence/usage/read.ts";
import type { UsageFormat } from "../../evidence/usage/types.ts";
import { USAGE_FORMATS } from "../../evidence/usage/types.ts";
import { SYSTEM_ACTOR } from "../../store/audit-log.ts";
import { DEFAULT_USAGE_BATCH_EVENTS, ingestUsageLog, type UsageIngestProgress } from "../../store/usage.ts";
import { EXIT } from "../exit-codes.ts";
import { withStore } from "../open-store.ts";
import { action, emit, withJson } from "../output.ts";
import { loadVendorCatalogDir } from "./usage-classify.ts";

interface IngestOptions {
  format: string;
  source?: string;
  skipInvalid?: boolean;
  batchEvents: string;
  workers: string;
  progress?: boolean;
  verbose?: boolean;
  json?: boolean;
}

function integer(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new AppError("VALIDATION_FAILED", `${flag} must be an integer >= ${min}`);
  return n;
}

const MB = 1024 * 1024;

/** A progress bar over bytes read of the file, one pass after the other (check, then load). */
async function progressBar(total: number) {
  const { SingleBar } = await import("cli-progress");
  const bar = new SingleBar({
    stream: process.stderr,
    format:
      "{phase} {bar} {percentage}% | {done}/{size} MB | {rate} MB/s | {events} events | ETA {eta_formatted}",
    hideCursor: true,
    etaBuffer: 50,
  });
  let phase: UsageIngestProgress["phase"] | null = null;
  let started = performance.now();
  return {
    update(p: UsageIngestProgress) {
      if (phase !== p.phase) {
        if (phase === null) bar.start(total, 0);
        else bar.setTotal(total);
        phase = p.phase;
        started = performance.now();
        bar.update(0);
      }
      const seconds = Math.max(0.001, (performance.now() - started) / 1000);
      bar.update(Math.min(p.inputBytes, total), {
        phase: p.phase === "check" ? "checking" : "loading ",
        done: (p.inputBytes / MB).toFixed(1),
        size: (total / MB).toFixed(1),
        rate: (p.inputBytes / MB / seconds).toFixed(1),
        events: p.events,
      });
    },
    stop() {
      bar.stop();
    },
  };
}

/** Copies standard input to a private temporary file: ingestion reads the log twice (check, then load). */
async function spoolStdin(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "assay-usage-"));
  const path = join(dir, "stdin.log");
  await pipeline(process.stdin, createWriteStream(path, { mode: 0o600 }));
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * `assay usage ingest <file|->`: stores a usage log's events and daily rollups in the database and
 * raises usage findings. The same file ingested again counts once; a run stopped half-way resumes
 * after its last committed batch. Exit 0 when ingested (or already ingested), 2 on bad input (a
 * malformed line fails the run before anything is stored unless --skip-invalid), 4 when the database
 * is unavailable or held by the server.
 */
export function registerUsageIngestCommand(program: Command): void {
  const usage =
    program.commands.find((c) => c.name() === "usage") ??
    program.command("usage").description("AI usage logs");
  withJson(
    usage
      .command("ingest <file>")
      .description("store an AI usage log's events and daily rollups (file path or - for standard input)")
      .option("--format <format>", `auto or one of ${USAGE_FORMATS.join(", ")}`, "auto")
      .option("--source <name>", "name of the log's origin, kept on every event (default: the file name)")
      .option("--skip-invalid", "report malformed lines and go on instead of failing the run")
      .option("--batch-events <n>", "events per committed batch", String(DEFAULT_USAGE_BATCH_EVENTS))
      .option(
        "--workers <n>",
        "worker threads that parse and classify line formats while the database is written (auto: one for files of 16 MiB or more)",
        "auto",
      )
      .option("--no-progress", "no progress bar")
      .option("--verbose", "print one line on stderr per committed batch"),
  ).action(
    action(async (file: string, options: IngestOptions) => {
      if (options.format !== "auto" && !(USAGE_FORMATS as readonly string[]).includes(options.format)) {
        throw new AppError(
          "VALIDATION_FAILED",
          `--format must be auto or one of ${USAGE_FORMATS.join(", ")}`,
        );
      }
      const batchEvents = integer(options.batchEvents, "--batch-events", 1);
      const workersOption = options.workers === "auto" ? null : integer(options.workers, "--workers", 0);
      let path = file;
      let cleanup = async () => {};
      let size: number | null = null;
      if (file === "-") {
        if (process.stdin.isTTY)
          throw new AppError(
            "VALIDATION_FAILED",
            "Expected the log on standard input (… | assay usage ingest -).",
          );
        const spooled = await spoolStdin();
        path = spooled.path;
        cleanup = spooled.cleanup;
      } else {
        const info = await stat(file).catch(() => null);
        if (info === null || !info.isFile())
          throw new AppError("FILE_NOT_FOUND", `${file}: no such file`, { details: { file } });
        size = info.size;
      }
      try {
        const workers = workersOption ?? suggestedUsageWorkers((await stat(path)).size, "ingest");
        const catalog = await loadVendorCatalogDir();
        // No bar for standard input (its size is unknown up front) or when stderr is not a terminal.
        const bar =
          size !== null && options.progress !== false && process.stderr.isTTY && !options.verbose
            ? await progressBar(size)
            : null;
        const result = await withStore("usage ingest", async (database, workspaceId) => {
          try {
            return await ingestUsageLog(
              database,
              workspaceId,
              () => createReadStream(path, { highWaterMark: 1 << 20 }),
              {
                catalog,
                actor: SYSTEM_ACTOR,
                format: options.format as UsageFormat | "auto",
                source: options.source ?? (file === "-" ? "stdin" : basename(file)),
                fileName: file === "-" ? null : basename(file),
                skipInvalid: options.skipInvalid === true,
                batchEvents,
                workers,
                ...(bar ? { onProgress: (p: UsageIngestProgress) => bar.update(p) } : {}),
                ...(options.verbose
                  ? {
                      onBatch: (b: { number: number; lastLine: number; events: number }) =>
                        process.stderr.write(
                          `assay: batch ${b.number} committed (through line ${b.lastLine}, ${b.events} events)\n`,
                        ),
                    }
                  : {}),
              },
            );
          } finally {
            bar?.stop();
          }
        });
        emit(options, result, () => {
          if (result.outcome === "already_ingested")
            return `already ingested: ${result.events} events from this file (sha256 ${result.fileSha256.slice(0, 12)}…) were stored before`;
          const out = [
            `${result.outcome === "resumed" ? "resumed and ingested" : "ingested"} ${result.events} events from ${result.lines} lines in ${result.batchesCommitted} batches (source ${result.source})`,
          ];
          if (result.skippedCount > 0) out.push(`skipped ${result.skippedCount} invalid lines:`);
          for (const s of result.skipped) out.push(`  line ${s.line}: ${s.reason}`);
          for (const v of result.createdVendors)
            out.push(`new unreviewed vendor in the inventory: ${v.name}`);
          for (const f of result.findings) out.push(`finding [${f.severity}] ${f.title}`);
          return out;
        });
        return EXIT.ok;
      } finally {
        await cleanup();
      }
    }),
  );
}
