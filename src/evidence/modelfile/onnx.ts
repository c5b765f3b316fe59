/**
 * ONNX model reader: a bounded, streaming protobuf walk over ModelProto that descends only into
 * the messages that can hold tensors (graph, node attributes, initializers, sparse tensors,
 * functions) and reads each TensorProto's external_data `location`. A location that is absolute
 * or climbs out of the model's folder lets loading read arbitrary files (CVE-2024-27318,
 * CVE-2025-51480). Weight bytes are skipped by count.
 */

import { type AnalyzerPlace, at } from "./context.ts";
import type { ByteAnalyzer } from "./types.ts";

type Msg = "model" | "graph" | "node" | "attr" | "tensor" | "sparse" | "entry" | "function";

/** field number -> child message kind (or "string" to capture) per message kind. */
const SCHEMA: Record<Msg, Record<number, Msg | "string">> = {
  model: { 7: "graph", 25: "function" },
  graph: { 1: "node", 5: "tensor", 15: "sparse" },
  function: { 7: "node" },
  node: { 5: "attr" },
  attr: { 5: "tensor", 6: "graph", 10: "tensor", 11: "graph", 22: "sparse", 23: "sparse" },
  sparse: { 1: "tensor", 2: "tensor" },
  tensor: { 8: "string", 13: "entry" },
  entry: { 1: "string", 2: "string" },
};

interface Frame {
  kind: Msg;
  end: number;
  strings: Map<number, string>;
  locations: string[];
  externalLocation?: string;
  entryKey?: string;
  entryValue?: string;
}

/** Why an external-data location escapes the model folder, or null when it stays inside. */
export function externalDataEscape(location: string): string | null {
  if (location.length === 0) return "empty path";
  if (location.includes("\0")) return "NUL byte in path";
  if (/^[\\/]/.test(location)) return "absolute path";
  if (/^[A-Za-z]:/.test(location)) return "drive-letter path";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return "URL";
  const parts = location.split(/[\\/]+/);
  if (parts.includes("..")) return "parent-directory segment";
  return null;
}

/** Streaming ONNX analyzer. */
export class OnnxAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private pos = 0;
  private carry: Uint8Array | null = null;
  private skip = 0;
  private capture: { frame: Frame; field: number; bytes: Uint8Array; fill: number } | null = null;
  private frames: Frame[] = [];
  private stopped = false;
  readonly externalData: string[] = [];

  constructor(place: AnalyzerPlace) {
    this.place = place;
    this.frames.push({ kind: "model", end: Number.POSITIVE_INFINITY, strings: new Map(), locations: [] });
  }

  private report(severity: "high" | "medium" | "info", rule: string, message: string, offset?: number): void {
    this.place.ctx.report(
      at(this.place, { rule, severity, message, ...(offset === undefined ? {} : { offset }) }),
    );
  }

  private fail(message: string, offset: number): void {
    this.report("medium", "onnx.malformed", message, offset);
    this.stopped = true;
  }

  write(chunk: Uint8Array): void {
    if (this.stopped) return;
    let buf = chunk;
    let base = this.pos;
    this.pos += chunk.length;
    if (this.carry) {
      const j = new Uint8Array(this.carry.length + chunk.length);
      j.set(this.carry, 0);
      j.set(chunk, this.carry.length);
      base -= this.carry.length;
      buf = j;
      this.carry = null;
    }
    let i = 0;
    while (i < buf.length && !this.stopped) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      if (this.capture) {
        const cap = this.capture;
        const n = Math.min(cap.bytes.length - cap.fill, buf.length - i);
        cap.bytes.set(buf.subarray(i, i + n), cap.fill);
        cap.fill += n;
        i += n;
        if (cap.fill === cap.bytes.length) {
          this.capture = null;
          this.onString(cap.frame, cap.field, new TextDecoder().decode(cap.bytes));
        }
        continue;
      }
      const abs = base + i;
      this.closeFrames(abs);
      if (this.stopped) return;
      // tag and, for length-delimited fields, the length: at most 20 bytes.
      const tag = varint(buf, i);
      if (tag === null) {
        if (buf.length - i > 20) {
          this.fail("varint longer than 10 bytes", abs);
          return;
        }
        this.carry = new Uint8Array(buf.subarray(i));
        return;
      }
      const field = Math.floor(tag.value / 8);
      const wire = tag.value % 8;
      let j = tag.next;
      if (field === 0) {
        this.fail("field number 0", abs);
        return;
      }
      if (wire === 0) {
        const v = varint(buf, j);
        if (v === null) {
          if (buf.length - i > 20) {
            this.fail("varint longer than 10 bytes", abs);
            return;
          }
          this.carry = new Uint8Array(buf.subarray(i));
          return;
        }
        i = v.next;
      } else if (wire === 1) {
        this.skip = 8 - Math.min(8, buf.length - j);
        i = Math.min(buf.length, j + 8);
      } else if (wire === 5) {
        this.skip = 4 - Math.min(4, buf.length - j);
        i = Math.min(buf.length, j + 4);
      } else if (wire === 2) {
        const l = varint(buf, j);
        if (l === null) {
          if (buf.length - i > 20) {
            this.fail("varint longer than 10 bytes", abs);
            return;
          }
          this.carry = new Uint8Array(buf.subarray(i));
          return;
        }
        j = l.next;
        const len = l.value;
        const start = base + j;
        const frame = this.frames[this.frames.length - 1] as Frame;
        if (start + len > frame.end) {
          this.fail("field extends past its enclosing message", abs);
          return;
        }
        const child = SCHEMA[frame.kind][field];
        if (child === undefined) {
          this.skip = len;
          i = j;
        } else if (child === "string") {
          if (len > this.place.ctx.limits.maxOnnxString) {
            this.onString(frame, field, "\u0000<too long>");
            this.skip = len;
          } else this.capture = { frame, field, bytes: new Uint8Array(len), fill: 0 };
          i = j;
          if (len === 0 && this.capture) {
            this.capture = null;
            this.onString(frame, field, "");
          }
        } else {
          if (this.frames.length >= this.place.ctx.limits.maxOnnxDepth) {
            this.fail("messages nest too deep", abs);
            return;
          }
          this.frames.push({ kind: child, end: start + len, strings: new Map(), locations: [] });
          i = j;
        }
      } else {
        this.fail(`unsupported wire type ${wire}`, abs);
        return;
      }
    }
    if (!this.stopped && this.skip === 0 && !this.capture) this.closeFrames(this.pos);
  }

  private onString(frame: Frame, field: number, value: string): void {
    if (frame.kind === "entry") {
      if (field === 1) frame.entryKey = value;
      else frame.entryValue = value;
    } else frame.strings.set(field, value);
  }

  /** Pops every message that ends at or before `abs`, acting on completed tensors and entries. */
  private closeFrames(abs: number): void {
    for (;;) {
      const top = this.frames[this.frames.length - 1] as Frame;
      if (top.end > abs) return;
      if (top.end < abs) {
        this.fail("message overruns its declared length", abs);
        return;
      }
      this.frames.pop();
      const parent = this.frames[this.frames.length - 1] as Frame;
      if (
        top.kind === "entry" &&
        parent.kind === "tensor" &&
        top.entryKey === "location" &&
        top.entryValue !== undefined
      ) {
        parent.externalLocation = top.entryValue;
      }
      if (top.kind === "tensor" && top.externalLocation !== undefined) this.checkLocation(top, abs);
    }
  }

  private checkLocation(tensor: Frame, abs: number): void {
    const location = tensor.externalLocation ?? "";
    const name = tensor.strings.get(8) ?? "(unnamed)";
    if (this.externalData.length < 10_000) this.externalData.push(location);
    const why = externalDataEscape(location);
    if (why !== null) {
      this.report(
        "high",
        "onnx.external_data_escape",
        `tensor ${name} reads external data from "${location}" (${why})`,
        abs,
      );
    }
  }

  end(): void {
    if (this.stopped) return;
    if (this.carry || this.skip > 0 || this.capture || this.frames.length > 1) {
      this.report("medium", "onnx.truncated", "ONNX model ends inside a message");
    }
    const distinct = new Set(this.externalData);
    if (distinct.size > 0) {
      this.report(
        "info",
        "onnx.external_data",
        `weights are read from ${distinct.size} external file(s): ${[...distinct].slice(0, 5).join(", ")}`,
      );
    }
  }
}

function varint(b: Uint8Array, p: number): { value: number; next: number } | null {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (p + k >= b.length) return null;
    const c = b[p + k] as number;
    v += (c & 0x7f) * mul;
    mul *= 128;
    if ((c & 0x80) === 0) return { value: v, next: p + k + 1 };
  }
  return { value: Number.POSITIVE_INFINITY, next: p + 10 };
}

/** True when the first bytes look like an ONNX ModelProto (ir_version then a ModelProto field). */
export function looksLikeOnnx(head: Uint8Array): boolean {
  if (head[0] !== 0x08) return false;
  const v = varint(head, 1);
  if (v === null || v.value < 1 || v.value > 64) return false;
  const t = head[v.next];
  return t !== undefined && [0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72, 0x7a, 0xca].includes(t);
}
