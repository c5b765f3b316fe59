/**
 * GGUF validation (ggml's docs/gguf.md): magic, version, bounded counts and lengths, typed
 * metadata (arrays may nest), tensor infos with offsets aligned to `general.alignment` and
 * extents inside the data section; and Jinja chat templates that reach for code execution.
 */

import { type AnalyzerPlace, at } from "./context.ts";
import type { ByteAnalyzer } from "./types.ts";

/** ggml tensor types still defined: id -> [elements per block, bytes per block]. */
const GGML_TYPES: Record<number, [number, number]> = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  3: [32, 20],
  6: [32, 22],
  7: [32, 24],
  8: [32, 34],
  9: [32, 36],
  10: [256, 84],
  11: [256, 110],
  12: [256, 144],
  13: [256, 176],
  14: [256, 210],
  15: [256, 292],
  16: [256, 66],
  17: [256, 74],
  18: [256, 98],
  19: [256, 50],
  20: [32, 18],
  21: [256, 110],
  22: [256, 82],
  23: [256, 136],
  24: [1, 1],
  25: [1, 2],
  26: [1, 4],
  27: [1, 8],
  28: [1, 8],
  29: [256, 56],
  30: [1, 2],
  34: [256, 54],
  35: [256, 66],
  39: [32, 17],
};

/** Tensors or metadata entries: real models have thousands; this bounds the header work. */
const MAX_COUNT = 262_144;
const MAX_NAME = 64;
const MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 4;

/** Jinja constructs that walk from template objects to Python internals or the OS. */
const TEMPLATE_CODE_PATTERNS: Array<[string, RegExp]> = [
  ["__import__", /__import__/],
  ["__class__", /__class__/],
  ["__globals__", /__globals__/],
  ["__builtins__", /__builtins__/],
  ["__subclasses__", /__subclasses__/],
  ["__mro__", /__mro__/],
  ["__base__", /__bases?__/],
  ["__init__", /__init__/],
  ["__getattribute__", /__getattribute__/],
  ["__dict__", /__dict__/],
  ["os module", /\bos\s*\.\s*(?:system|popen|exec\w*|spawn\w*|environ|remove|unlink|listdir)/],
  ["subprocess", /\bsubprocess\b/],
  ["popen", /\bpopen\b/],
  ["eval/exec", /\b(?:eval|exec)\s*\(/],
  ["cycler gadget", /\bcycler\s*\.\s*__/],
  ["lipsum gadget", /\blipsum\s*\.\s*__/],
  ["joiner gadget", /\bjoiner\s*\.\s*__/],
  ["namespace gadget", /\bnamespace\s*\.\s*__/],
  ["attr filter on dunder", /\|\s*attr\s*\(\s*["'][^"']*__/],
  ["template context", /_TemplateReference__context|\bself\s*\._/],
  ["request/config objects", /\b(?:request\.application|config\.__)/],
  ["string-built dunder", /\|\s*attr\s*\(|["']_["']\s*\*\s*2|\\x5f\\x5f|\\u005f/],
];

/** Names the code-execution constructs a Jinja template contains (empty when none). */
export function findTemplateCodeExecution(template: string): string[] {
  const hits: string[] = [];
  for (const [label, re] of TEMPLATE_CODE_PATTERNS) if (re.test(template)) hits.push(label);
  return hits;
}

class NeedMore extends Error {}
class Invalid extends Error {
  readonly rule: string;
  readonly offset: number;
  constructor(rule: string, message: string, offset: number) {
    super(message);
    this.rule = rule;
    this.offset = offset;
  }
}

class Cursor {
  pos = 0;
  private readonly b: Uint8Array;
  private readonly view: DataView;
  constructor(b: Uint8Array) {
    this.b = b;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.b.length) throw new NeedMore();
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi >= 0x200000 ? Number.POSITIVE_INFINITY : hi * 0x1_0000_0000 + lo;
  }
  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

const utf8 = new TextDecoder("utf-8");
/** Byte sizes of fixed-width GGUF metadata value types. */
const SCALAR_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

export interface GgufFacts {
  version: number;
  tensorCount: number;
  kvCount: number;
  alignment: number;
  chatTemplates: Record<string, string>;
  architecture?: string;
}

/** Streaming GGUF analyzer: buffers the header (bounded), then counts data bytes. */
export class GgufAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  /** Header bytes so far, in one buffer that doubles as it fills (peak: 1.5x the header). */
  private buf = new Uint8Array(64 * 1024);
  private buffered = 0;
  private parsed = false;
  private stopped = false;
  private total = 0;
  private dataStart = 0;
  private dataEnd = 0;
  private lastTry = 0;
  facts: GgufFacts | null = null;

  constructor(place: AnalyzerPlace) {
    this.place = place;
  }

  private report(severity: "high" | "medium" | "info", rule: string, message: string, offset?: number): void {
    this.place.ctx.report(
      at(this.place, { rule, severity, message, ...(offset === undefined ? {} : { offset }) }),
    );
  }

  write(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (this.parsed || this.stopped) return;
    const max = this.place.ctx.limits.maxGgufHeader;
    const take = Math.min(chunk.length, max - this.buffered);
    if (this.buffered + take > this.buf.length) {
      let size = this.buf.length * 2;
      while (size < this.buffered + take) size *= 2;
      const grown = new Uint8Array(Math.min(size, max));
      grown.set(this.buf.subarray(0, this.buffered));
      this.buf = grown;
    }
    this.buf.set(chunk.subarray(0, take), this.buffered);
    this.buffered += take;
    // Re-try parsing only when the buffer has doubled: bounded work on huge headers.
    if (this.buffered >= this.lastTry * 2 || this.buffered >= this.place.ctx.limits.maxGgufHeader)
      this.tryParse(false);
  }

  private tryParse(final: boolean): void {
    this.lastTry = this.buffered;
    try {
      this.parse(new Cursor(this.buf.subarray(0, this.buffered)));
      this.parsed = true;
      this.buf = new Uint8Array(0);
    } catch (e) {
      if (e instanceof NeedMore) {
        if (final) {
          this.report("high", "gguf.truncated", "file ends inside the GGUF header");
          this.stopped = true;
        } else if (this.buffered >= this.place.ctx.limits.maxGgufHeader) {
          this.report(
            "high",
            "gguf.header_too_large",
            `GGUF header exceeds ${this.place.ctx.limits.maxGgufHeader} bytes`,
          );
          this.stopped = true;
          this.buf = new Uint8Array(0);
        }
        return;
      }
      if (e instanceof Invalid) {
        this.report("high", e.rule, e.message, e.offset);
        this.stopped = true;
        this.buf = new Uint8Array(0);
        return;
      }
      throw e;
    }
  }

  private str(c: Cursor, what: string, max: number): string {
    const at0 = c.pos;
    const n = c.u64();
    if (n > max) throw new Invalid("gguf.length_invalid", `${what} declares ${n} bytes`, at0);
    return utf8.decode(c.bytes(n));
  }

  private skipValue(c: Cursor, type: number, depth: number, at0: number): void {
    const scalar = SCALAR_SIZE[type];
    if (scalar !== undefined) {
      c.skip(scalar);
      return;
    }
    if (type === 8) {
      const n = c.u64();
      if (n > this.place.ctx.limits.maxGgufHeader)
        throw new Invalid("gguf.length_invalid", `string declares ${n} bytes`, at0);
      c.skip(n);
      return;
    }
    if (type === 9) {
      if (depth >= MAX_ARRAY_DEPTH)
        throw new Invalid("gguf.array_depth", "metadata arrays nested too deep", at0);
      const elem = c.u32();
      const count = c.u64();
      if (count > this.place.ctx.limits.maxGgufHeader)
        throw new Invalid("gguf.count_invalid", `array declares ${count} elements`, at0);
      const size = SCALAR_SIZE[elem];
      if (size !== undefined) {
        c.skip(size * count);
        return;
      }
      if (elem !== 8 && elem !== 9)
        throw new Invalid("gguf.type_invalid", `array of unknown value type ${elem}`, at0);
      for (let i = 0; i < count; i++) this.skipValue(c, elem, depth + 1, at0);
      return;
    }
    throw new Invalid("gguf.type_invalid", `unknown metadata value type ${type}`, at0);
  }

  private parse(c: Cursor): void {
    const magic = c.u32();
    if (magic !== 0x46554747) throw new Invalid("gguf.magic", "missing GGUF magic", 0);
    const version = c.u32();
    if (version !== 2 && version !== 3)
      throw new Invalid("gguf.version", `unsupported GGUF version ${version}`, 4);
    const tensorCount = c.u64();
    const kvCount = c.u64();
    if (tensorCount > MAX_COUNT)
      throw new Invalid("gguf.count_invalid", `tensor count ${tensorCount} is implausible`, 8);
    if (kvCount > MAX_COUNT)
      throw new Invalid("gguf.count_invalid", `metadata count ${kvCount} is implausible`, 16);
    const facts: GgufFacts = { version, tensorCount, kvCount, alignment: 32, chatTemplates: {} };
    const keys = new Set<string>();
    for (let i = 0; i < kvCount; i++) {
      const at0 = c.pos;
      const key = this.str(c, "metadata key", 65_535);
      if (keys.has(key)) throw new Invalid("gguf.duplicate_key", `metadata key "${key}" appears twice`, at0);
      keys.add(key);
      const type = c.u32();
      if (key === "general.alignment") {
        if (type !== 4) throw new Invalid("gguf.alignment_invalid", "general.alignment is not a uint32", at0);
        const a = c.u32();
        if (a === 0 || (a & (a - 1)) !== 0)
          throw new Invalid("gguf.alignment_invalid", `alignment ${a} is not a power of two`, at0);
        facts.alignment = a;
      } else if (
        type === 8 &&
        (key === "tokenizer.chat_template" || key.startsWith("tokenizer.chat_template."))
      ) {
        facts.chatTemplates[key] = this.str(c, key, this.place.ctx.limits.maxGgufHeader);
      } else if (type === 8 && key === "general.architecture") {
        facts.architecture = this.str(c, key, 1024);
      } else this.skipValue(c, type, 0, at0);
    }
    const infos: Array<{ name: string; offset: number; size: number; at: number }> = [];
    const names = new Set<string>();
    for (let i = 0; i < tensorCount; i++) {
      const at0 = c.pos;
      const name = this.str(c, "tensor name", 1 << 16);
      if (new TextEncoder().encode(name).length > MAX_NAME) {
        this.report("medium", "gguf.tensor_name_long", `tensor name longer than ${MAX_NAME} bytes`, at0);
      }
      if (names.has(name)) throw new Invalid("gguf.duplicate_tensor", `tensor "${name}" appears twice`, at0);
      names.add(name);
      const ndims = c.u32();
      if (ndims === 0 || ndims > MAX_DIMS)
        throw new Invalid("gguf.dims_invalid", `tensor "${name}" has ${ndims} dimensions`, at0);
      let numel = 1;
      let ne0 = 0;
      for (let d = 0; d < ndims; d++) {
        const n = c.u64();
        if (!Number.isSafeInteger(n))
          throw new Invalid("gguf.dims_invalid", `tensor "${name}" has an absurd dimension`, at0);
        if (d === 0) ne0 = n;
        numel *= n;
      }
      if (!Number.isSafeInteger(numel))
        throw new Invalid("gguf.dims_invalid", `tensor "${name}" has too many elements`, at0);
      const type = c.u32();
      const layout = GGML_TYPES[type];
      if (layout === undefined)
        throw new Invalid("gguf.tensor_type", `tensor "${name}" has unknown ggml type ${type}`, at0);
      const offset = c.u64();
      if (!Number.isSafeInteger(offset))
        throw new Invalid("gguf.offset_invalid", `tensor "${name}" has an absurd offset`, at0);
      if (offset % facts.alignment !== 0) {
        throw new Invalid(
          "gguf.offset_unaligned",
          `tensor "${name}" offset ${offset} is not aligned to ${facts.alignment}`,
          at0,
        );
      }
      const [block, bytes] = layout;
      if (ne0 % block !== 0)
        throw new Invalid(
          "gguf.dims_invalid",
          `tensor "${name}" row of ${ne0} is not whole blocks of ${block}`,
          at0,
        );
      infos.push({ name, offset, size: (numel / block) * bytes, at: at0 });
    }
    const pad = (facts.alignment - (c.pos % facts.alignment)) % facts.alignment;
    this.dataStart = c.pos + pad;
    infos.sort((a, b) => a.offset - b.offset);
    let end = 0;
    for (const t of infos) {
      if (t.offset < end)
        throw new Invalid("gguf.tensor_overlap", `tensor "${t.name}" overlaps the tensor before it`, t.at);
      end = t.offset + t.size;
    }
    this.dataEnd = this.dataStart + end;
    this.facts = facts;
    for (const [key, template] of Object.entries(facts.chatTemplates)) {
      const hits = findTemplateCodeExecution(template);
      if (hits.length > 0) {
        this.report(
          "high",
          "gguf.chat_template_code",
          `${key} contains code-execution constructs: ${hits.join(", ")}`,
        );
      }
    }
  }

  end(): void {
    if (this.stopped) return;
    if (!this.parsed) this.tryParse(true);
    if (this.parsed && this.total < this.dataEnd) {
      this.report(
        "high",
        "gguf.truncated",
        `tensor data ends at ${this.total} but tensors extend to ${this.dataEnd}`,
      );
    }
  }
}
