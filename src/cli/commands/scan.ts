import { closeSync, openSync, readSync } from "node:fs";
import { lstat, open, readdir, readFile } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import type { ModelCardAnalysis } from "../../evidence/modelcard/index.ts";
import { parseManifest } from "../../evidence/modelfile/manifest.ts";
import { type ModelTreeEntry, type ModelTreeScan, scanModelTree } from "../../evidence/modelfile/scan.ts";
import { EXIT } from "../exit-codes.ts";
import { action, withJson } from "../output.ts";

const VERSION = "0.1.0";
/** Read size: large enough to amortise calls, small enough to stay in cache while hashed. */
const READ_CHUNK = 1024 * 1024;
/** Trees larger than this get a progress bar on an interactive stderr. */
const PROGRESS_MIN_BYTES = 256 * 1024 * 1024;

interface ScanCommandOptions {
  json?: boolean;
  sarif?: string | boolean;
  strict?: boolean;
  manifest?: string;
  modelCard?: string;
  progress?: boolean;
}

/**
 * Reads a file sequentially into one reused buffer. Synchronous 1 MiB reads measured cheapest
 * here: the chunk is still in cache when it is hashed and scanned, and no second thread competes
 * for it (bench/modelfile-throughput.ts). Each chunk is valid until the next one is requested.
 */
export async function* readFileChunks(path: string, chunkSize = READ_CHUNK): AsyncGenerator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const n = readSync(fd, buffer, 0, chunkSize, null);
      if (n === 0) break;
      yield buffer.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

interface Listed {
  entries: ModelTreeEntry[];
  skipped: string[];
}

/** Lists regular files under the given paths; directories recurse, symlinks are not followed. */
async function listFiles(paths: string[]): Promise<Listed> {
  const entries: ModelTreeEntry[] = [];
  const skipped: string[] = [];
  const add = (abs: string, rel: string, size: number) =>
    entries.push({ path: rel.split(sep).join("/"), size, open: () => readFileChunks(abs) });
  for (const p of paths) {
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(p);
    } catch {
      throw new AppError("FILE_NOT_FOUND", `Cannot read ${p}: no such file or directory.`);
    }
    if (st.isFile()) {
      add(p, relative(process.cwd(), p) || basename(p), st.size);
      continue;
    }
    if (!st.isDirectory()) {
      skipped.push(p);
      continue;
    }
    const stack = [p];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      const items = await readdir(dir, { withFileTypes: true });
      items.sort((a, b) => (a.name < b.name ? -1 : 1));
      for (const item of items) {
        const abs = join(dir, item.name);
        if (item.isDirectory()) {
          if (item.name !== ".git" && item.name !== ".cache") stack.push(abs);
        } else if (item.isFile()) {
          add(abs, relative(p, abs), (await lstat(abs)).size);
        } else skipped.push(abs);
      }
    }
  }
  entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { entries, skipped };
}

function exitCodeOf(scan: ModelTreeScan, strict: boolean, card: ModelCardAnalysis | null): number {
  const cardFails = card?.findings.some((f) => f.severity !== "info") ?? false;
  if (scan.counts.dangerous > 0 || (scan.integrity !== null && !scan.integrity.ok)) return EXIT.findings;
  if (strict && (scan.counts.suspicious > 0 || cardFails)) return EXIT.findings;
  if (scan.counts.error > 0) return EXIT.usage;
  if (scan.scannable === 0 && scan.integrity === null) return EXIT.nothing;
  return EXIT.ok;
}

function humanReport(scan: ModelTreeScan, skipped: string[], card: ModelCardAnalysis | null): string[] {
  const lines: string[] = [];
  for (const f of scan.files) {
    if (f.format === "unknown" && f.findings.length === 0 && !f.error) continue;
    lines.push(`${f.verdict.toUpperCase().padEnd(10)} ${f.path} (${f.format}, ${f.size} bytes)`);
    if (f.error) lines.push(`  error: ${f.error}`);
    for (const x of f.findings) {
      const where = [
        x.member ? `in ${x.member}` : "",
        x.offset !== undefined ? `at byte ${x.offset}` : "",
        x.opcode ? `opcode ${x.opcode}` : "",
      ]
        .filter(Boolean)
        .join(", ");
      lines.push(
        `  [${x.severity}] ${x.rule}: ${x.message}${where ? ` (${where})` : ""}${x.count && x.count > 1 ? ` ×${x.count}` : ""}`,
      );
    }
  }
  const unknown = scan.files.filter((f) => f.format === "unknown").length;
  lines.push(
    `Scanned ${scan.files.length} file(s), ${scan.scannable} model file(s), ${(scan.bytes / 1e6).toFixed(1)} MB: ` +
      `${scan.counts.safe} safe, ${scan.counts.suspicious} suspicious, ${scan.counts.dangerous} dangerous, ${scan.counts.error} error(s)` +
      (unknown > 0 ? `; ${unknown} file(s) of no model format` : ""),
  );
  if (skipped.length > 0) lines.push(`Skipped ${skipped.length} symlink(s) or special file(s).`);
  const integ = scan.integrity;
  if (integ) {
    if (integ.ok) lines.push(`Integrity: ${integ.checked} file(s) match the manifest.`);
    else {
      lines.push("Integrity: FAILED");
      for (const m of integ.mismatched)
        lines.push(`  mismatch ${m.path}: ${m.algorithm} ${m.actual ?? "-"} != ${m.expected}`);
      for (const m of integ.missing) lines.push(`  missing  ${m}`);
    }
    if (integ.unlisted.length > 0) lines.push(`  not in the manifest: ${integ.unlisted.join(", ")}`);
  }
  if (card) {
    lines.push(
      `Model card: licence ${card.metadata.license ?? "none"}${card.licenseValid ? "" : " (not valid)"}; ` +
        `missing: ${card.missing.length > 0 ? card.missing.join(", ") : "nothing"}`,
    );
    for (const f of card.findings) lines.push(`  [${f.severity}] ${f.title}`);
  }
  return lines;
}

/**
 * `assay scan <path…>`: checks model files (pickle, PyTorch, NumPy, joblib, safetensors, GGUF,
 * Keras, ONNX, zip) for unsafe deserialization, malformed structure and checksum mismatches.
 * Exit 0 clean, 1 dangerous file or integrity failure (suspicious too with --strict), 2 scan or
 * input error, 3 nothing scannable.
 */
export function registerScanCommand(program: Command): void {
  withJson(
    program
      .command("scan")
      .description("scan model files for unsafe deserialization, malformed formats and checksum mismatches")
      .argument("<paths...>", "files or directories (directories are scanned recursively)")
      .option(
        "--manifest <file>",
        "Hugging Face tree listing (JSON) or `sha256  path` list to verify against",
      )
      .option("--model-card <README.md>", "also analyse the model card")
      .option("--sarif [file]", "write SARIF 2.1.0 (to the file, or to stdout)")
      .option("--strict", "fail (exit 1) on suspicious files too")
      .option("--no-progress", "no progress bar"),
  ).action(
    action(async (paths: string[], options: ScanCommandOptions) => {
      if (options.json && options.sarif === true) {
        throw new AppError(
          "VALIDATION_FAILED",
          "--json and --sarif both write to stdout: give --sarif a file name.",
        );
      }
      let manifest: ReturnType<typeof parseManifest> | undefined;
      if (options.manifest !== undefined) {
        let text: string;
        try {
          text = await readFile(options.manifest, "utf8");
        } catch {
          throw new AppError("FILE_NOT_FOUND", `Cannot read manifest ${options.manifest}.`);
        }
        manifest = parseManifest(text);
      }
      let card: ModelCardAnalysis | null = null;
      if (options.modelCard !== undefined) {
        // Loaded on demand: the YAML parser and the card rules cost start-up time otherwise.
        const { analyzeModelCard, MAX_MODEL_CARD_CHARS } = await import("../../evidence/modelcard/index.ts");
        let text: string;
        try {
          const fh = await open(options.modelCard, "r");
          try {
            const buf = Buffer.alloc(MAX_MODEL_CARD_CHARS * 4 + 1);
            const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
            text = buf.subarray(0, bytesRead).toString("utf8");
          } finally {
            await fh.close();
          }
        } catch {
          throw new AppError("FILE_NOT_FOUND", `Cannot read model card ${options.modelCard}.`);
        }
        card = analyzeModelCard(text);
      }
      const { entries, skipped } = await listFiles(paths);
      const total = entries.reduce((a, e) => a + e.size, 0);
      let bar: import("cli-progress").SingleBar | null = null;
      if (options.progress !== false && process.stderr.isTTY && total >= PROGRESS_MIN_BYTES) {
        const { SingleBar } = await import("cli-progress");
        bar = new SingleBar({
          stream: process.stderr,
          format: "scanning {bar} {percentage}% | {value}/{total} MB | {file}",
          hideCursor: true,
        });
        bar.start(Math.ceil(total / 1e6), 0, { file: "" });
      }
      let lastDraw = 0;
      const scan = await scanModelTree(entries, {
        ...(manifest ? { manifest } : {}),
        ...(bar
          ? {
              onProgress: (done: number, _total: number, file: string) => {
                const now = Date.now();
                if (now - lastDraw > 100) {
                  lastDraw = now;
                  bar?.update(Math.floor(done / 1e6), { file });
                }
              },
            }
          : {}),
      });
      bar?.update(Math.ceil(total / 1e6));
      bar?.stop();
      const code = exitCodeOf(scan, Boolean(options.strict), card);
      if (options.sarif !== undefined && options.sarif !== false) {
        const { toSarif } = await import("../../evidence/modelfile/sarif.ts");
        const sarif = `${JSON.stringify(toSarif(scan, { version: VERSION }), null, 2)}\n`;
        if (options.sarif === true) process.stdout.write(sarif);
        else {
          const { writeFile } = await import("node:fs/promises");
          await writeFile(options.sarif, sarif);
        }
      }
      if (options.json) {
        const out = {
          verdict: scan.verdict,
          exitCode: code,
          summary: { files: scan.files.length, scannable: scan.scannable, bytes: scan.bytes, ...scan.counts },
          files: scan.files,
          integrity: scan.integrity,
          skipped,
          ...(card ? { modelCard: card } : {}),
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else if (options.sarif !== true) {
        process.stdout.write(`${humanReport(scan, skipped, card).join("\n")}\n`);
      }
      if (code === EXIT.nothing)
        process.stderr.write("assay: nothing scannable: no file of a known model format\n");
      else if (code === EXIT.usage) process.stderr.write("assay: some files could not be scanned\n");
      return code;
    }),
  );
}
