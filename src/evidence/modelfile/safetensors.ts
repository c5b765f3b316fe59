/**
 * safetensors validation by the rules of the format's specification
 * (github.com/huggingface/safetensors, "Format"): an 8-byte little-endian header length N
 * (at most 100,000,000), N bytes of UTF-8 JSON starting with `{` (space padding allowed),
 * tensors whose byte ranges cover the buffer from 0 with no holes or overlaps, sizes that match
 * dtype and shape, and a file exactly 8 + N + buffer bytes long. Streams; keeps only the header.
 */

import { type AnalyzerPlace, at } from "./context.ts";
import type { ByteAnalyzer } from "./types.ts";

/** Bits per element of each safetensors dtype. */
export const SAFETENSORS_DTYPE_BITS: Record<string, number> = {
  BOOL: 8,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  F64: 64,
  I64: 64,
  U64: 64,
  C64: 64,
};

export interface SafetensorsHeaderFacts {
  tensors: number;
  /** Byte length the tensor buffer must have. */
  bufferBytes: number;
  metadata: Record<string, string>;
}

/** One rule violation found in a safetensors header. */
export interface HeaderProblem {
  rule: string;
  message: string;
}

/**
 * Checks a decoded safetensors header object against the specification; returns the buffer
 * size it implies and every problem found.
 */
export function checkSafetensorsHeader(header: unknown): {
  facts: SafetensorsHeaderFacts;
  problems: HeaderProblem[];
} {
  const problems: HeaderProblem[] = [];
  const facts: SafetensorsHeaderFacts = { tensors: 0, bufferBytes: 0, metadata: {} };
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    problems.push({ rule: "safetensors.header_not_object", message: "header JSON is not an object" });
    return { facts, problems };
  }
  const ranges: Array<{ name: string; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === "__metadata__") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        problems.push({
          rule: "safetensors.metadata_invalid",
          message: "__metadata__ is not a string-to-string map",
        });
        continue;
      }
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") {
          problems.push({
            rule: "safetensors.metadata_invalid",
            message: `__metadata__ value of "${k}" is not a string`,
          });
        } else facts.metadata[k] = v;
      }
      continue;
    }
    facts.tensors++;
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (info === null || typeof info !== "object" || Array.isArray(info)) {
      problems.push({ rule: "safetensors.tensor_invalid", message: `tensor "${name}" is not an object` });
      continue;
    }
    const bits = typeof info.dtype === "string" ? SAFETENSORS_DTYPE_BITS[info.dtype] : undefined;
    if (bits === undefined) {
      problems.push({
        rule: "safetensors.dtype_unknown",
        message: `tensor "${name}" has unknown dtype ${JSON.stringify(info.dtype)}`,
      });
      continue;
    }
    const shape = info.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
      problems.push({ rule: "safetensors.shape_invalid", message: `tensor "${name}" has an invalid shape` });
      continue;
    }
    let numel = 1;
    for (const d of shape as number[]) numel *= d;
    const offsets = info.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
      (offsets[0] as number) > (offsets[1] as number)
    ) {
      problems.push({
        rule: "safetensors.offsets_invalid",
        message: `tensor "${name}" has invalid data_offsets`,
      });
      continue;
    }
    const [begin, end] = offsets as [number, number];
    const totalBits = numel * bits;
    if (!Number.isSafeInteger(totalBits) || totalBits % 8 !== 0 || totalBits / 8 !== end - begin) {
      problems.push({
        rule: "safetensors.size_mismatch",
        message: `tensor "${name}" spans ${end - begin} bytes but ${info.dtype} ${JSON.stringify(shape)} needs ${totalBits / 8}`,
      });
    }
    for (const key of Object.keys(info)) {
      if (key !== "dtype" && key !== "shape" && key !== "data_offsets") {
        problems.push({
          rule: "safetensors.tensor_extra_field",
          message: `tensor "${name}" has unexpected field "${key}"`,
        });
      }
    }
    ranges.push({ name, begin, end });
  }
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const r of ranges) {
    if (r.begin > cursor) {
      problems.push({
        rule: "safetensors.hole",
        message: `bytes ${cursor}..${r.begin} of the buffer belong to no tensor`,
      });
    } else if (r.begin < cursor) {
      problems.push({
        rule: "safetensors.overlap",
        message: `tensor "${r.name}" overlaps the tensor before it`,
      });
    }
    cursor = Math.max(cursor, r.end);
  }
  facts.bufferBytes = cursor;
  return { facts, problems };
}

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Streaming safetensors analyzer: buffers the header, counts the rest. */
export class SafetensorsAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private lengthBytes = new Uint8Array(8);
  private have = 0;
  private header: Uint8Array | null = null;
  private headerFill = 0;
  private body = 0;
  private expectedBody = -1;
  private stopped = false;
  facts: SafetensorsHeaderFacts | null = null;

  constructor(place: AnalyzerPlace) {
    this.place = place;
  }

  private problem(severity: "high" | "medium", rule: string, message: string, offset?: number): void {
    this.place.ctx.report(
      at(this.place, { rule, severity, message, ...(offset === undefined ? {} : { offset }) }),
    );
  }

  write(chunk: Uint8Array): void {
    if (this.stopped) return;
    let i = 0;
    if (this.have < 8) {
      const take = Math.min(8 - this.have, chunk.length);
      this.lengthBytes.set(chunk.subarray(0, take), this.have);
      this.have += take;
      i = take;
      if (this.have < 8) return;
      const view = new DataView(this.lengthBytes.buffer);
      const n = Number(view.getBigUint64(0, true));
      if (n > this.place.ctx.limits.maxSafetensorsHeader) {
        this.problem(
          "high",
          "safetensors.header_too_large",
          `header length ${n} exceeds the 100,000,000-byte limit`,
          0,
        );
        this.stopped = true;
        return;
      }
      if (n < 2) {
        this.problem(
          "high",
          "safetensors.header_too_small",
          `header length ${n} cannot hold a JSON object`,
          0,
        );
        this.stopped = true;
        return;
      }
      this.header = new Uint8Array(n);
    }
    const header = this.header;
    if (header === null) return;
    if (this.headerFill < header.length) {
      const take = Math.min(header.length - this.headerFill, chunk.length - i);
      header.set(chunk.subarray(i, i + take), this.headerFill);
      this.headerFill += take;
      i += take;
      if (this.headerFill < header.length) return;
      this.parseHeader(header);
    }
    this.body += chunk.length - i;
  }

  private parseHeader(header: Uint8Array): void {
    if (header[0] !== 0x7b) {
      this.problem("high", "safetensors.header_invalid", "header does not start with '{'", 8);
      this.stopped = true;
      return;
    }
    let text: string;
    try {
      text = fatalUtf8.decode(header);
    } catch {
      this.problem("high", "safetensors.header_invalid", "header is not valid UTF-8", 8);
      this.stopped = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.problem(
        "high",
        "safetensors.header_invalid",
        "header is not valid JSON (only trailing spaces may pad it)",
        8,
      );
      this.stopped = true;
      return;
    }
    const { facts, problems } = checkSafetensorsHeader(json);
    for (const p of problems) {
      const mild = p.rule === "safetensors.metadata_invalid" || p.rule === "safetensors.tensor_extra_field";
      this.problem(mild ? "medium" : "high", p.rule, p.message, 8);
    }
    this.facts = facts;
    this.expectedBody = facts.bufferBytes;
  }

  end(): void {
    if (this.stopped) return;
    if (this.header === null || this.headerFill < this.header.length) {
      this.problem("high", "safetensors.truncated", "file ends inside the header");
      return;
    }
    if (this.expectedBody >= 0 && this.body !== this.expectedBody) {
      this.problem(
        "high",
        "safetensors.buffer_size",
        `tensor buffer is ${this.body} bytes but the header describes ${this.expectedBody}`,
        8 + this.header.length,
      );
    }
  }
}
