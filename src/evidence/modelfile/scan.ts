/**
 * Entry points of the model-file scanner: one stream (or byte array) in, one structured result
 * out; or a whole tree of files with an optional integrity manifest. Each file is read once:
 * the same chunks feed the hashes and the format analyzers.
 */

import { createHash } from "node:crypto";
import { ScanContext } from "./context.ts";
import { SniffingAnalyzer } from "./detect.ts";
import type { Manifest, ManifestEntry } from "./manifest.ts";
import type { PickleImport } from "./pickle.ts";
import {
  type ModelFinding,
  type ModelFormat,
  type ScanLimits,
  type ScanVerdict,
  verdictOfFindings,
  worseVerdict,
} from "./types.ts";

export interface IntegrityCheck {
  algorithm: "sha256" | "git-blob-sha1";
  expected: string;
  actual: string | null;
  ok: boolean;
}

/** What the scanner found in one file. */
export interface ModelFileScan {
  path: string;
  size: number;
  format: ModelFormat;
  verdict: ScanVerdict;
  findings: ModelFinding[];
  /** Findings beyond the per-file limit, counted but not kept. */
  findingsOmitted: number;
  /** Every import made by the pickles in the file (safe ones included), with counts. */
  imports: PickleImport[];
  /** Formats recognised inside containers. */
  members: Array<{ name: string; format: ModelFormat }>;
  sha256?: string;
  integrity?: IntegrityCheck;
  error?: string;
}

export interface ScanStreamOptions {
  /** Path reported for the file (relative to the scanned root in trees). */
  path: string;
  /** Size of the stream when known; required for git blob SHA-1. */
  size?: number;
  /** Compute the SHA-256 of the content (default true). */
  sha256?: boolean;
  /** Compare against this manifest entry. */
  expected?: ManifestEntry;
  limits?: Partial<ScanLimits>;
}

/**
 * Scans one file's bytes as they stream in: detects its format by content, walks it with the
 * matching analyzer and hashes it in the same pass. Hostile content gives findings, never throws;
 * a failing stream gives the verdict "error".
 */
export async function scanModelStream(
  chunks: AsyncIterable<Uint8Array>,
  options: ScanStreamOptions,
): Promise<ModelFileScan> {
  const ctx = new ScanContext(options.limits);
  const sniffer = new SniffingAnalyzer({ ctx, depth: 0, member: undefined });
  const sha256 =
    options.sha256 !== false || options.expected?.sha256 !== undefined ? createHash("sha256") : null;
  let git: ReturnType<typeof createHash> | null = null;
  if (options.expected?.gitBlobSha1 !== undefined && options.size !== undefined) {
    git = createHash("sha1");
    git.update(`blob ${options.size}\0`);
  }
  let size = 0;
  let error: string | undefined;
  const tail = new TailWindow(ZIP_TRAILER_WINDOW);
  let trackTail = true;
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      sha256?.update(chunk);
      git?.update(chunk);
      // Zips and safetensors reject appended data themselves: keep the tail only for the rest.
      if (trackTail) tail.push(chunk);
      const pending = sniffer.write(chunk);
      if (pending !== undefined) await pending;
      if (trackTail && (ZIP_FORMATS.has(ctx.format) || ctx.format === "safetensors")) trackTail = false;
    }
    await sniffer.end();
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  const findings = ctx.findings;
  if (error === undefined && trackTail && !ZIP_FORMATS.has(ctx.format)) {
    const trailer = zipTrailerAt(tail.bytes(), size);
    if (trailer !== null) {
      findings.push({
        rule: "zip.polyglot",
        severity: "high",
        message: `file is read as ${ctx.format} but also ends with a zip archive (${trailer}); zip-based loaders open that instead`,
      });
    }
  }
  if (ctx.findingsOmitted > 0) {
    findings.push({
      rule: "scan.findings_omitted",
      severity: "info",
      message: `${ctx.findingsOmitted} more findings not listed`,
    });
  }
  let verdict = verdictOfFindings(findings);
  const result: ModelFileScan = {
    path: options.path,
    size,
    format: ctx.format,
    verdict,
    findings,
    findingsOmitted: ctx.findingsOmitted,
    imports: [...ctx.imports.values()],
    members: ctx.members,
  };
  if (sha256 && error === undefined) result.sha256 = sha256.digest("hex");
  const expected = options.expected;
  if (expected && error === undefined) {
    let check: IntegrityCheck;
    if (expected.sha256 !== undefined) {
      const actual = result.sha256 ?? null;
      check = { algorithm: "sha256", expected: expected.sha256, actual, ok: actual === expected.sha256 };
    } else {
      const actual = git ? git.digest("hex") : null;
      check = {
        algorithm: "git-blob-sha1",
        expected: expected.gitBlobSha1 ?? "",
        actual,
        ok: actual === expected.gitBlobSha1,
      };
    }
    if (expected.size !== undefined && expected.size !== size) check.ok = false;
    result.integrity = check;
    if (!check.ok) {
      findings.push({
        rule: "integrity.mismatch",
        severity: "high",
        message: `${check.algorithm} ${check.actual ?? "(not computed)"} does not match the manifest's ${check.expected}${
          expected.size !== undefined && expected.size !== size
            ? ` (size ${size}, manifest ${expected.size})`
            : ""
        }`,
      });
      verdict = worseVerdict(verdict, "dangerous");
    }
  }
  if (error !== undefined) {
    result.error = error;
    verdict = "error";
  }
  result.verdict = verdict;
  return result;
}

const ZIP_FORMATS = new Set<ModelFormat>(["zip", "pytorch_zip", "keras_zip", "numpy_npz"]);
/** End-of-central-directory record (22 bytes) plus the longest comment. */
const ZIP_TRAILER_WINDOW = 22 + 65_535;

/** Keeps the last `size` bytes of a stream. */
class TailWindow {
  private buf: Uint8Array;
  private filled = 0;
  constructor(size: number) {
    this.buf = new Uint8Array(size);
  }
  push(chunk: Uint8Array): void {
    const size = this.buf.length;
    if (chunk.length >= size) {
      this.buf.set(chunk.subarray(chunk.length - size));
      this.filled = size;
      return;
    }
    const keep = Math.min(this.filled, size - chunk.length);
    this.buf.copyWithin(0, this.filled - keep, this.filled);
    this.buf.set(chunk, keep);
    this.filled = keep + chunk.length;
  }
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.filled);
  }
}

/**
 * Looks for a zip end-of-central-directory record at the end of a file whose central directory
 * is where the record says (what Python's zipfile accepts even after a prefix of other data).
 * Returns a description, or null.
 */
function zipTrailerAt(tail: Uint8Array, fileSize: number): string | null {
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  for (let p = tail.length - 22; p >= 0; p--) {
    if (view.getUint32(p, true) !== 0x06054b50 || p + 22 + view.getUint16(p + 20, true) !== tail.length)
      continue;
    const entries = view.getUint16(p + 10, true);
    const cdSize = view.getUint32(p + 12, true);
    const eocdAt = fileSize - tail.length + p;
    const cdAt = p - cdSize;
    if (entries === 0 || cdSize < 46 || cdAt < 0) return null;
    if (view.getUint32(cdAt, true) !== 0x02014b50) return null;
    return `${entries} entr${entries === 1 ? "y" : "ies"}, directory at byte ${eocdAt - cdSize}`;
  }
  return null;
}

/** Scans an in-memory file. */
export async function scanModelBytes(bytes: Uint8Array, options: ScanStreamOptions): Promise<ModelFileScan> {
  async function* one() {
    yield bytes;
  }
  return scanModelStream(one(), { size: bytes.length, ...options });
}

/** A file of a tree to scan: the caller lists the files and opens them (no I/O here). */
export interface ModelTreeEntry {
  /** Path relative to the scanned root, with forward slashes. */
  path: string;
  size: number;
  open(): AsyncIterable<Uint8Array>;
}

export interface IntegrityReport {
  manifestKind: Manifest["kind"];
  checked: number;
  mismatched: Array<{ path: string } & IntegrityCheck>;
  /** Listed in the manifest, absent from the tree. */
  missing: string[];
  /** Present in the tree, absent from the manifest. */
  unlisted: string[];
  ok: boolean;
}

export interface ModelTreeScan {
  files: ModelFileScan[];
  integrity: IntegrityReport | null;
  counts: Record<ScanVerdict, number>;
  /** Files whose format was recognised. */
  scannable: number;
  bytes: number;
  /** The worst verdict over all files (safe when none). */
  verdict: ScanVerdict;
}

export interface TreeScanOptions {
  manifest?: Manifest;
  limits?: Partial<ScanLimits>;
  /** Called after each chunk and file: bytes done, bytes in total, current path. */
  onProgress?: (done: number, total: number, path: string) => void;
  /** Compute SHA-256 for every file even without a manifest (default true). */
  sha256?: boolean;
}

/** Scans every file of a tree and, with a manifest, checks each file's hash against it. */
export async function scanModelTree(
  entries: readonly ModelTreeEntry[],
  options: TreeScanOptions = {},
): Promise<ModelTreeScan> {
  const total = entries.reduce((a, e) => a + e.size, 0);
  let done = 0;
  const files: ModelFileScan[] = [];
  const manifest = options.manifest;
  for (const entry of entries) {
    const expected = manifest?.entries.get(entry.path);
    const progress = options.onProgress;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const chunk of entry.open()) {
        done += chunk.length;
        progress?.(done, total, entry.path);
        yield chunk;
      }
    }
    const scanned = await scanModelStream(progress ? counted() : entry.open(), {
      path: entry.path,
      size: entry.size,
      ...(expected ? { expected } : {}),
      ...(options.sha256 === false ? { sha256: false } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
    });
    if (!progress) done += entry.size;
    files.push(scanned);
  }
  let integrity: IntegrityReport | null = null;
  if (manifest) {
    const present = new Set(entries.map((e) => e.path));
    const mismatched = files.flatMap((f) =>
      f.integrity && !f.integrity.ok ? [{ path: f.path, ...f.integrity }] : [],
    );
    const missing = [...manifest.entries.keys()].filter((p) => !present.has(p)).sort();
    const unlisted = entries.map((e) => e.path).filter((p) => !manifest.entries.has(p));
    integrity = {
      manifestKind: manifest.kind,
      checked: files.filter((f) => f.integrity).length,
      mismatched,
      missing,
      unlisted,
      ok: mismatched.length === 0 && missing.length === 0,
    };
  }
  const counts: Record<ScanVerdict, number> = { safe: 0, suspicious: 0, dangerous: 0, error: 0 };
  let verdict: ScanVerdict = "safe";
  for (const f of files) {
    counts[f.verdict]++;
    verdict = worseVerdict(verdict, f.verdict);
  }
  return {
    files,
    integrity,
    counts,
    scannable: files.filter((f) => f.format !== "unknown").length,
    bytes: done,
    verdict,
  };
}
