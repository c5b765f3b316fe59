import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import type { VendorCatalogEntry } from "../../domain/vendor-catalog.ts";
import { parseVendorCatalog } from "../../domain/vendor-catalog.ts";
import type { CsvColumnMapping } from "../../evidence/usage/parse.ts";
import { readUsageLog, suggestedUsageWorkers, usageLineAppError } from "../../evidence/usage/read.ts";
import type { UsageTally } from "../../evidence/usage/summary.ts";
import { createUsageTally } from "../../evidence/usage/summary.ts";
import type { DataClass, UsageFormat } from "../../evidence/usage/types.ts";
import { DATA_CLASSES, USAGE_FORMATS } from "../../evidence/usage/types.ts";
import { EXIT } from "../exit-codes.ts";
import { action, emit, withJson } from "../output.ts";

const VENDOR_DIR = fileURLToPath(new URL("../../../catalog/vendors", import.meta.url));
const CSV_FIELDS = [
  "timestamp",
  "url",
  "host",
  "path",
  "method",
  "model",
  "actor",
  "prompt",
  "requestBytes",
  "responseBytes",
  "region",
] as const;

/** Reads and validates the vendor catalogue files shipped in catalog/vendors. */
export async function loadVendorCatalogDir(dir = VENDOR_DIR): Promise<VendorCatalogEntry[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".yaml")).sort();
  const files = await Promise.all(
    names.map(async (name) => ({ name, text: await readFile(join(dir, name), "utf8") })),
  );
  return parseVendorCatalog(files);
}

interface ClassifyOptions {
  format: string;
  source?: string;
  workers: string;
  maxLineBytes: string;
  csvMap?: string;
  skipInvalid?: boolean;
  excerpts?: boolean;
  events?: boolean;
  failOn?: string;
  json?: boolean;
}

/** Totals of one classification run: what `--json` prints (no prompt text, only counts). */
export interface UsageClassifySummary extends UsageTally {
  lines: number;
}

function parseCsvMap(spec: string | undefined): CsvColumnMapping {
  const mapping: CsvColumnMapping = {};
  if (!spec) return mapping;
  for (const pair of spec.split(",")) {
    const [field, column] = pair.split("=").map((s) => s.trim());
    if (!field || !column || !(CSV_FIELDS as readonly string[]).includes(field)) {
      throw new AppError(
        "VALIDATION_FAILED",
        `--csv-map takes field=column pairs; fields are ${CSV_FIELDS.join(", ")} (got "${pair}")`,
      );
    }
    mapping[field as keyof CsvColumnMapping] = column;
  }
  return mapping;
}

function positiveInt(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new AppError("VALIDATION_FAILED", `${flag} must be an integer >= ${min}`);
  return n;
}

/**
 * `assay usage classify <file|->`: reads a usage log (any accepted format, gzip or plain), attributes
 * and classifies every request and prints totals per vendor, data class and detection kind, without a
 * database and without printing prompt text. Exit 1 when `--fail-on` classes were found, 2 on bad
 * input (a malformed line fails the run unless --skip-invalid).
 */
export function registerUsageClassifyCommand(program: Command): void {
  const usage =
    program.commands.find((c) => c.name() === "usage") ??
    program.command("usage").description("AI usage logs");
  withJson(
    usage
      .command("classify <file>")
      .description("classify the requests in an AI usage log (file path or - for standard input)")
      .option("--format <format>", `auto or one of ${USAGE_FORMATS.join(", ")}`, "auto")
      .option("--source <name>", "name of the log's origin, kept on every event")
      .option(
        "--workers <n>",
        "worker threads for line-based formats (auto: two for files of 64 MiB or more on two or more cores)",
        "auto",
      )
      .option("--max-line-bytes <n>", "longest accepted line", String(1024 * 1024))
      .option("--csv-map <pairs>", "CSV column mapping, e.g. timestamp=When,url=Endpoint,prompt=Text")
      .option("--skip-invalid", "report malformed lines and go on instead of failing the run")
      .option("--excerpts", "include masked excerpts around each detection (off by default)")
      .option("--events", "print one JSON event per line (NDJSON) instead of the summary")
      .option(
        "--fail-on <classes>",
        `exit 1 when any of these data classes is found (${DATA_CLASSES.join(", ")})`,
      ),
  ).action(
    action(async (file: string, options: ClassifyOptions) => {
      if (options.format !== "auto" && !(USAGE_FORMATS as readonly string[]).includes(options.format)) {
        throw new AppError(
          "VALIDATION_FAILED",
          `--format must be auto or one of ${USAGE_FORMATS.join(", ")}`,
        );
      }
      const failOn = (options.failOn ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      for (const c of failOn) {
        if (!(DATA_CLASSES as readonly string[]).includes(c)) {
          throw new AppError(
            "VALIDATION_FAILED",
            `--fail-on: "${c}" is not a data class (${DATA_CLASSES.join(", ")})`,
          );
        }
      }
      let size: number | null = null;
      if (file !== "-") {
        const info = await stat(file).catch(() => null);
        if (info === null || !info.isFile()) {
          throw new AppError("FILE_NOT_FOUND", `${file}: no such file`, { details: { file } });
        }
        size = info.size;
      }
      const workers =
        options.workers === "auto"
          ? suggestedUsageWorkers(size, "classify")
          : positiveInt(options.workers, "--workers", 0);
      const input = file === "-" ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
      const { tally, addEvent, addError } = createUsageTally();
      let lines = 0;
      for await (const batch of readUsageLog(input, {
        catalog: await loadVendorCatalogDir(),
        format: options.format as UsageFormat | "auto",
        source: options.source ?? null,
        workers,
        maxLineBytes: positiveInt(options.maxLineBytes, "--max-line-bytes", 1024),
        csvMapping: parseCsvMap(options.csvMap),
        classifier: { excerpts: options.excerpts === true },
      })) {
        for (const r of batch.records) {
          lines = Math.max(lines, r.ok ? r.event.line : r.error.line);
          if (!r.ok) {
            if (!options.skipInvalid) throw usageLineAppError(r.error);
            addError(r.error);
            if (options.events)
              process.stderr.write(`assay: skipped line ${r.error.line}: ${r.error.reason}\n`);
            continue;
          }
          addEvent(r.event);
          if (options.events) process.stdout.write(`${JSON.stringify(r.event)}\n`);
        }
      }
      const summary: UsageClassifySummary = { lines, ...tally };
      if (!options.events) {
        emit(options, summary, () => {
          const out = [
            `${summary.events} requests, ${summary.eventsWithDetections} with sensitive data, ${summary.invalidLines.length} invalid lines`,
          ];
          for (const [vendor, v] of Object.entries(summary.byVendor).sort(
            (a, b) => b[1].requests - a[1].requests,
          )) {
            const classes = Object.entries(v.byDataClass)
              .map(([c, n]) => `${c} ${n}`)
              .join(", ");
            out.push(`  ${vendor}: ${v.requests} requests${classes ? ` (${classes})` : ""}`);
          }
          for (const e of summary.invalidLines.slice(0, 20))
            out.push(`  skipped line ${e.line}: ${e.reason}`);
          return out;
        });
      }
      const found = failOn.filter((c) => (summary.byDataClass[c as DataClass] ?? 0) > 0);
      if (found.length > 0) {
        process.stderr.write(`assay: found ${found.join(", ")} in the log\n`);
        return EXIT.findings;
      }
      return EXIT.ok;
    }),
  );
}
