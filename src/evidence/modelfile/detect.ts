/**
 * Format detection by content (magic bytes and structure), never by file name, and the
 * sniffing analyzer that routes a stream to the analyzer for its format.
 */

import zlib from "node:zlib";
import type { AnalyzerPlace } from "./context.ts";
import { GgufAnalyzer } from "./gguf.ts";
import { H5Analyzer, KerasJsonAnalyzer } from "./keras.ts";
import { NpyAnalyzer } from "./npy.ts";
import { looksLikeOnnx, OnnxAnalyzer } from "./onnx.ts";
import { isPickleOpcode, PickleWalker } from "./pickle.ts";
import { SafetensorsAnalyzer } from "./safetensors.ts";
import { ChatTemplateAnalyzer } from "./tokenizer.ts";
import type { ByteAnalyzer, ModelFormat } from "./types.ts";
import { InflatingSink, ZipAnalyzer, type ZipEntryFacts } from "./zip.ts";

/** Bytes looked at before deciding a format. */
export const SNIFF_BYTES = 4096;

/** Legacy `torch.save` starts with a pickled LONG1 magic number 0x1950a86a20f9469cfc6c. */
const TORCH_LEGACY_MAGIC = [
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
];

function startsWith(head: Uint8Array, bytes: readonly number[], offset = 0): boolean {
  if (head.length < offset + bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[offset + i] !== bytes[i]) return false;
  return true;
}

/**
 * True when a trial walk of `head` meets no malformation (it may be cut short), or makes an
 * import before it does: the unpickler runs what comes before a malformation, so a stream that
 * imports and then breaks is still a pickle to report.
 */
function walksAsPickle(head: Uint8Array, complete: boolean): boolean {
  let bad = false;
  const w = new PickleWalker({
    onFinding: (f) => {
      if (
        f.rule === "pickle.malformed" ||
        f.rule === "pickle.trailing_malformed" ||
        f.rule === "pickle.empty"
      )
        bad = true;
      if (f.rule === "pickle.resource_exhaustion") bad = true;
    },
  });
  w.write(head);
  if (complete) w.end();
  return w.imports.size > 0 || (!bad && w.opcodes > 0);
}

export type DetectedFormat = Exclude<ModelFormat, "numpy_npz" | "keras_zip" | "pytorch_zip" | "joblib">;

/** Decides a stream's format from its first bytes (`complete` when that is the whole stream). */
export function detectFormat(head: Uint8Array, complete: boolean): DetectedFormat {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04]) || startsWith(head, [0x50, 0x4b, 0x05, 0x06])) return "zip";
  if (startsWith(head, [0x47, 0x47, 0x55, 0x46])) return "gguf";
  if (startsWith(head, [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59])) return "numpy_npy";
  const hdf5 = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  for (const off of [0, 512, 1024, 2048]) if (startsWith(head, hdf5, off)) return "keras_h5";
  if (startsWith(head, [0x1f, 0x8b])) return "gzip";
  if (startsWith(head, TORCH_LEGACY_MAGIC)) return "pytorch_legacy";
  if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return "safetensors";
  // PROTO 0–5 first: a pickle whatever follows (a malformed one is reported, not skipped).
  if (head[0] === 0x80 && (head[1] ?? 99) <= 5) return "pickle";
  // Without PROTO any opcode may start a pickle (the unpickler does not require a header):
  // accept when the first bytes walk cleanly, which random or tensor bytes do not.
  if (head[0] !== undefined && isPickleOpcode(head[0]) && walksAsPickle(head, complete)) return "pickle";
  if (looksLikeOnnx(head)) return "onnx";
  return "unknown";
}

/** Text that is a JSON object or a Jinja template (after leading white space), or null. */
function textKind(head: Uint8Array): "json" | "jinja" | null {
  let i = 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09))
    i++;
  if (head[i] !== 0x7b) return null;
  const next = head[i + 1];
  if (next === 0x25 || next === 0x7b || next === 0x23) return "jinja";
  return "json";
}

/** Discards bytes: raw tensor data and files of no known format. */
const DISCARD: ByteAnalyzer = { write() {}, end() {} };

function gunzipAnalyzer(place: AnalyzerPlace): ByteAnalyzer {
  const inner = new SniffingAnalyzer({ ...place, depth: place.depth + 1 });
  const member = place.member === undefined ? {} : { member: place.member };
  return new InflatingSink(inner, {
    place,
    inflater: zlib.createGunzip({ chunkSize: 256 * 1024 }),
    onBomb: (why) =>
      place.ctx.report({ rule: "gzip.bomb", severity: "high", message: `gzip content ${why}`, ...member }),
    onCorrupt: (why) =>
      place.ctx.report({
        rule: "gzip.corrupt",
        severity: "high",
        message: `gzip content is corrupt: ${why}`,
        ...member,
      }),
  });
}

/** Pickle analyzer: walks, then adds imports to the file's list and refines the format. */
class PickleAnalyzer implements ByteAnalyzer {
  private readonly walker: PickleWalker;
  private readonly place: AnalyzerPlace;

  constructor(place: AnalyzerPlace, legacyTorch: boolean) {
    this.place = place;
    this.walker = new PickleWalker({
      onFinding: place.ctx.report,
      ...(place.member === undefined ? {} : { member: place.member }),
      limits: place.ctx.limits,
      ...(legacyTorch ? { expectedPickles: 5, ignoreAfterExpected: true } : {}),
    });
  }

  write(chunk: Uint8Array): void {
    this.walker.write(chunk);
  }

  end(): void {
    this.walker.end();
    this.place.ctx.addImports(this.walker.imports.values());
    if (this.place.depth === 0 && this.place.ctx.format === "pickle") {
      for (const i of this.walker.imports.values()) {
        if (i.module.startsWith("joblib.") || i.module.startsWith("sklearn."))
          this.place.ctx.format = "joblib";
      }
    }
  }
}

/** Members of a PyTorch zip that hold raw storage bytes, which torch never unpickles. */
const TORCH_STORAGE_MEMBER = /^[^/]+\/data\/\d+$/;

/** Members loaders open with pickle by name (torch's `data.pkl`, `constants.pkl`, …). */
const PICKLE_MEMBER = /\.(pkl|pickle)$/i;

function memberAnalyzer(place: AnalyzerPlace, entry: ZipEntryFacts): ByteAnalyzer | null {
  if (TORCH_STORAGE_MEMBER.test(entry.name)) return null;
  if (PICKLE_MEMBER.test(entry.name)) return new SniffingAnalyzer(place, "pickle");
  if (/(^|\/)config\.json$/.test(entry.name) && !entry.name.slice(0, -"config.json".length).includes("/")) {
    return new KerasJsonAnalyzer(place);
  }
  return new SniffingAnalyzer(place);
}

/** Creates the analyzer for a detected format. */
export function analyzerFor(format: DetectedFormat, place: AnalyzerPlace): ByteAnalyzer {
  switch (format) {
    case "pickle":
      return new PickleAnalyzer(place, false);
    case "pytorch_legacy":
      return new PickleAnalyzer(place, true);
    case "safetensors":
      return new SafetensorsAnalyzer(place);
    case "gguf":
      return new GgufAnalyzer(place);
    case "numpy_npy":
      return new NpyAnalyzer(place);
    case "keras_h5":
      return new H5Analyzer(place);
    case "onnx":
      return new OnnxAnalyzer(place);
    case "zip":
      return new ZipAnalyzer(place, memberAnalyzer);
    case "gzip":
      return gunzipAnalyzer(place);
    default:
      return DISCARD;
  }
}

/** For files of no model format: chat templates in JSON or Jinja text are still checked. */
function unknownAnalyzer(head: Uint8Array, place: AnalyzerPlace): ByteAnalyzer {
  const kind = textKind(head);
  return kind === null ? DISCARD : new ChatTemplateAnalyzer(place, kind);
}

/** Buffers the first bytes of a stream, detects its format and hands everything on. */
export class SniffingAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private head: Uint8Array[] = [];
  private headSize = 0;
  private inner: ByteAnalyzer | null = null;
  private readonly forced: DetectedFormat | undefined;
  detected: DetectedFormat | null = null;

  /** `forced`: the format a loader will use whatever the content (a `.pkl` member is unpickled). */
  constructor(place: AnalyzerPlace, forced?: DetectedFormat) {
    this.place = place;
    this.forced = forced;
  }

  private async decide(head: Uint8Array, complete: boolean): Promise<void> {
    const sniffed = detectFormat(head, complete);
    // A forced pickle keeps a legacy-torch reading when the content says so.
    const format =
      this.forced === undefined || (this.forced === "pickle" && sniffed === "pytorch_legacy")
        ? sniffed
        : this.forced;
    this.detected = format;
    if (this.place.depth === 0) this.place.ctx.format = format;
    else if (
      format !== "unknown" &&
      this.place.member !== undefined &&
      this.place.ctx.members.length < 10_000
    ) {
      this.place.ctx.members.push({ name: this.place.member, format });
    }
    this.inner = format === "unknown" ? unknownAnalyzer(head, this.place) : analyzerFor(format, this.place);
    if (head.length > 0) await this.inner.write(head);
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.inner) {
      await this.inner.write(chunk);
      return;
    }
    if (this.headSize === 0 && chunk.length >= SNIFF_BYTES) {
      await this.decide(chunk, false);
      return;
    }
    this.head.push(new Uint8Array(chunk));
    this.headSize += chunk.length;
    if (this.headSize >= SNIFF_BYTES) {
      const joined = Buffer.concat(this.head);
      this.head = [];
      await this.decide(joined, false);
    }
  }

  async end(): Promise<void> {
    if (!this.inner) {
      const joined = Buffer.concat(this.head);
      this.head = [];
      if (joined.length === 0) {
        this.detected = "unknown";
        return;
      }
      await this.decide(new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength), true);
    }
    await this.inner?.end();
  }
}
