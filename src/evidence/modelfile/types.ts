/**
 * Shared vocabulary of the model-file scanner: formats, severities, findings and verdicts.
 */

import type { FindingSeverity as PlatformSeverity } from "../../domain/findings.ts";

export const MODEL_FORMATS = [
  "pickle",
  "pytorch_zip",
  "pytorch_legacy",
  "numpy_npy",
  "numpy_npz",
  "joblib",
  "safetensors",
  "gguf",
  "keras_zip",
  "keras_h5",
  "onnx",
  "zip",
  "gzip",
  "unknown",
] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

/** The platform's one severity scale (src/domain/findings.ts), so scan findings feed assessments as they are. */
export const FINDING_SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];
// Checked against the domain's scale at compile time only: a value import would load zod into
// the CLI's start-up, which the throughput benchmark measures.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AssertTrue<T extends true> = T;
export type SeverityScaleMatchesDomain = AssertTrue<Same<FindingSeverity, PlatformSeverity>>;

export const SCAN_VERDICTS = ["safe", "suspicious", "dangerous", "error"] as const;
export type ScanVerdict = (typeof SCAN_VERDICTS)[number];

/** One observation about a model file. `offset` is the byte offset inside `member` (or the file). */
export interface ModelFinding {
  /** Stable rule id, e.g. `pickle.import.dangerous`, `zip.path_traversal`. */
  rule: string;
  severity: FindingSeverity;
  message: string;
  offset?: number;
  /** Path of the archive member the finding is in, when inside a container (`a.zip!b/data.pkl`). */
  member?: string;
  opcode?: string;
  module?: string;
  name?: string;
  /** How often the same import was seen in the same pickle. */
  count?: number;
}

/** Receives findings as analyzers produce them. */
export type FindingSink = (finding: ModelFinding) => void;

/** Incremental consumer of a byte stream. Chunks are only valid during the call. */
export interface ByteAnalyzer {
  write(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

/** Verdict implied by one severity: high and critical are dangerous, low and medium suspicious. */
export function verdictOfSeverity(severity: FindingSeverity): ScanVerdict {
  if (severity === "critical" || severity === "high") return "dangerous";
  if (severity === "medium" || severity === "low") return "suspicious";
  return "safe";
}

const VERDICT_RANK: Record<ScanVerdict, number> = { safe: 0, suspicious: 1, dangerous: 2, error: 3 };

/** The worse of two verdicts (error ranks above dangerous: the file was not fully read). */
export function worseVerdict(a: ScanVerdict, b: ScanVerdict): ScanVerdict {
  return VERDICT_RANK[a] >= VERDICT_RANK[b] ? a : b;
}

/** Verdict of a file from its findings: the worst severity decides. */
export function verdictOfFindings(findings: readonly ModelFinding[]): ScanVerdict {
  let verdict: ScanVerdict = "safe";
  for (const f of findings) verdict = worseVerdict(verdict, verdictOfSeverity(f.severity));
  return verdict;
}

/** Limits that keep the scanner bounded in time and memory on hostile input. */
export interface ScanLimits {
  /** Largest pickle stack (items) before the walk stops as resource exhaustion. */
  maxPickleStack: number;
  /** Memo values (strings, imports) kept for resolution; beyond, memo reads are opaque. */
  maxPickleMemo: number;
  /** Memo indexes above this are reported (an unpickler may allocate up to the index). */
  maxPickleMemoIndex: number;
  /** Longest string kept for import resolution; longer ones are skipped unread. */
  maxPickleString: number;
  /** Declared payload lengths above this are reported as resource exhaustion. */
  maxPickleDeclaredLength: number;
  /** Pickles in a row after which walking stops. */
  maxPicklesInRow: number;
  /** Findings kept per file; more are counted and summarised. */
  maxFindings: number;
  /** Central directory and trailer bytes buffered for a zip. */
  maxZipTail: number;
  /** Members in one zip. */
  maxZipEntries: number;
  /** Bytes one member may inflate to. */
  maxInflatedMember: number;
  /** Bytes all members of one archive may inflate to. */
  maxInflatedTotal: number;
  /** Inflated/compressed ratio above which a member is a bomb (checked once past 1 MiB). */
  maxCompressionRatio: number;
  /** Archives inside archives followed this deep. */
  maxNesting: number;
  /** safetensors header bytes (the spec's own limit is 100,000,000). */
  maxSafetensorsHeader: number;
  /** GGUF header (metadata and tensor infos) bytes buffered. */
  maxGgufHeader: number;
  /** Keras configuration JSON bytes. */
  maxJsonConfig: number;
  /** ONNX string fields kept (paths, keys). */
  maxOnnxString: number;
  /** ONNX message nesting depth. */
  maxOnnxDepth: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxPickleStack: 1_000_000,
  maxPickleMemo: 65_536,
  maxPickleMemoIndex: 1 << 26,
  maxPickleString: 512,
  maxPickleDeclaredLength: 2 ** 36,
  maxPicklesInRow: 64,
  maxFindings: 500,
  maxZipTail: 32 * 1024 * 1024,
  maxZipEntries: 100_000,
  maxInflatedMember: 4 * 1024 * 1024 * 1024,
  maxInflatedTotal: 16 * 1024 * 1024 * 1024,
  maxCompressionRatio: 200,
  maxNesting: 3,
  maxSafetensorsHeader: 100_000_000,
  maxGgufHeader: 64 * 1024 * 1024,
  maxJsonConfig: 16 * 1024 * 1024,
  maxOnnxString: 4096,
  maxOnnxDepth: 32,
};
