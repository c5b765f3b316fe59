/**
 * Streaming zip reader for hostile archives (APPNOTE.TXT 6.3.10). Local headers are walked as
 * the bytes arrive and members are handed to inner analyzers (deflate through node:zlib with
 * hard output limits); the central directory, which is what Python's zipfile and PyTorch's
 * reader trust, is parsed from the buffered tail and compared with what was walked. Any
 * disagreement, duplicate or escaping name, encryption or bomb is reported, never followed.
 */

import { once } from "node:events";
import zlib from "node:zlib";
import { type AnalyzerPlace, at } from "./context.ts";
import type { ByteAnalyzer, FindingSeverity } from "./types.ts";

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_LOCATOR64 = 0x07064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const U32_MAX = 0xffffffff;

export interface ZipEntryFacts {
  name: string;
  offset: number;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
}

export type MemberAnalyzerFactory = (place: AnalyzerPlace, entry: ZipEntryFacts) => ByteAnalyzer | null;

/** Why a member name would write or read outside the extraction folder, or null. */
export function unsafeMemberName(name: string): string | null {
  if (name.length === 0) return "empty name";
  if (name.includes("\0")) return "NUL byte";
  if (/^[\\/]/.test(name)) return "absolute path";
  if (/^[A-Za-z]:/.test(name)) return "drive-letter path";
  if (name.split(/[\\/]+/).includes("..")) return "parent-directory segment";
  return null;
}

function u16(b: Uint8Array, p: number): number {
  return (b[p] as number) | ((b[p + 1] as number) << 8);
}
function u32(b: Uint8Array, p: number): number {
  return (
    ((b[p] as number) |
      ((b[p + 1] as number) << 8) |
      ((b[p + 2] as number) << 16) |
      ((b[p + 3] as number) << 24)) >>>
    0
  );
}
function u64(b: Uint8Array, p: number): number {
  return u32(b, p) + u32(b, p + 4) * 0x1_0000_0000;
}

/** Reads zip64 extended sizes and offset from an extra field block. */
function zip64Extra(extra: Uint8Array, need: { usize: boolean; csize: boolean; offset: boolean }) {
  const out: { usize?: number; csize?: number; offset?: number } = {};
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = u16(extra, p);
    const len = u16(extra, p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const end = Math.min(extra.length, q + len);
      if (need.usize && q + 8 <= end) {
        out.usize = u64(extra, q);
        q += 8;
      }
      if (need.csize && q + 8 <= end) {
        out.csize = u64(extra, q);
        q += 8;
      }
      if (need.offset && q + 8 <= end) out.offset = u64(extra, q);
      return out;
    }
    p += 4 + len;
  }
  return out;
}

/** Inflates a compressed stream into an inner analyzer with output and ratio limits. */
export class InflatingSink implements ByteAnalyzer {
  private readonly inner: ByteAnalyzer;
  private readonly inflater: zlib.Inflate | zlib.InflateRaw | zlib.Gunzip;
  private readonly done: Promise<void>;
  private failure: string | null = null;
  private input = 0;
  output = 0;

  constructor(
    inner: ByteAnalyzer,
    options: {
      place: AnalyzerPlace;
      inflater?: zlib.Inflate | zlib.InflateRaw | zlib.Gunzip;
      onBomb: (why: string) => void;
      onCorrupt: (why: string) => void;
    },
  ) {
    this.inner = inner;
    this.inflater = options.inflater ?? zlib.createInflateRaw({ chunkSize: 256 * 1024 });
    const { place, onBomb, onCorrupt } = options;
    const limits = place.ctx.limits;
    const inflater = this.inflater;
    this.done = (async () => {
      try {
        for await (const out of inflater as AsyncIterable<Buffer>) {
          this.output += out.length;
          place.ctx.inflatedTotal += out.length;
          const ratio = this.output / Math.max(1, this.input);
          if (this.output > limits.maxInflatedMember || place.ctx.inflatedTotal > limits.maxInflatedTotal) {
            this.failure = "limit";
            onBomb(
              `inflates past ${this.output > limits.maxInflatedMember ? limits.maxInflatedMember : limits.maxInflatedTotal} bytes`,
            );
            inflater.destroy();
            return;
          }
          if (this.output > 1 << 20 && ratio > limits.maxCompressionRatio) {
            this.failure = "ratio";
            onBomb(`inflates ${Math.round(ratio)}x (more than ${limits.maxCompressionRatio}x)`);
            inflater.destroy();
            return;
          }
          await inner.write(out);
        }
      } catch (e) {
        if (this.failure === null) {
          this.failure = "corrupt";
          onCorrupt((e as Error).message);
        }
      }
    })();
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure !== null || this.inflater.destroyed) return;
    this.input += chunk.length;
    // Copy: the caller may reuse its read buffer before zlib consumes this one.
    if (!this.inflater.write(Buffer.from(chunk))) {
      await Promise.race([once(this.inflater, "drain").catch(() => undefined), this.done]);
    }
  }

  async end(): Promise<void> {
    if (this.failure === null && !this.inflater.destroyed) this.inflater.end();
    await this.done;
    if (this.failure === null) await this.inner.end();
  }
}

interface LocalEntry extends ZipEntryFacts {
  dataStart: number;
  headerLength: number;
  zip64: boolean;
}

type ZipState = "header" | "data" | "descriptor" | "search" | "tail" | "stopped";

/** Streaming zip analyzer. */
export class ZipAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private readonly factory: MemberAnalyzerFactory;
  private state: ZipState = "header";
  private pos = 0;
  private pending: Uint8Array = new Uint8Array(0);
  private readonly locals: LocalEntry[] = [];
  private current: LocalEntry | null = null;
  private sink: ByteAnalyzer | null = null;
  private remaining = 0;
  /** Bytes of the current member held back while searching for its data descriptor. */
  private held: Uint8Array = new Uint8Array(0);
  private tail: Uint8Array[] = [];
  private tailSize = 0;
  private tailStart = -1;
  private tailDropped = 0;
  readonly entries: ZipEntryFacts[] = [];

  constructor(place: AnalyzerPlace, factory: MemberAnalyzerFactory) {
    this.place = place;
    this.factory = factory;
  }

  private report(
    severity: FindingSeverity,
    rule: string,
    message: string,
    offset?: number,
    member?: string,
  ): void {
    const f = at(this.place, { rule, severity, message, ...(offset === undefined ? {} : { offset }) });
    if (member !== undefined)
      f.member = this.place.member === undefined ? member : `${this.place.member}!${member}`;
    this.place.ctx.report(f);
  }

  async write(chunk: Uint8Array): Promise<void> {
    let i = 0;
    const base = this.pos;
    this.pos += chunk.length;
    while (i < chunk.length) {
      switch (this.state) {
        case "stopped":
          return;
        case "tail":
          this.keepTail(chunk.subarray(i));
          return;
        case "data": {
          const n = Math.min(this.remaining, chunk.length - i);
          if (this.sink) await this.sink.write(chunk.subarray(i, i + n));
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) await this.finishMember();
          break;
        }
        case "search":
          i = await this.search(chunk, i, base);
          break;
        case "header":
        case "descriptor":
          i = await this.headerBytes(chunk, i, base);
          break;
      }
    }
  }

  /** Bytes the structure being gathered in `pending` needs, as far as it is known yet. */
  private needed(): number {
    const p = this.pending;
    if (this.state === "descriptor") {
      const size = this.current?.zip64 ? 16 : 8;
      if (p.length < 4) return 4;
      return (u32(p, 0) === SIG_DESCRIPTOR ? 8 : 4) + size;
    }
    if (p.length < 30) return p.length >= 4 && u32(p, 0) !== SIG_LOCAL ? p.length : 30;
    return 30 + u16(p, 26) + u16(p, 28);
  }

  /** Gathers header bytes in `pending` and acts once a whole structure is there. */
  private async headerBytes(chunk: Uint8Array, i: number, base: number): Promise<number> {
    let rest = i;
    for (;;) {
      const need = this.needed();
      const take = Math.min(need - this.pending.length, chunk.length - rest);
      if (take > 0) {
        const p = new Uint8Array(this.pending.length + take);
        p.set(this.pending, 0);
        p.set(chunk.subarray(rest, rest + take), this.pending.length);
        this.pending = p;
        rest += take;
      }
      if (this.pending.length < this.needed()) {
        if (rest >= chunk.length) return rest;
        continue;
      }
      break;
    }
    const at0 = base + rest - this.pending.length;
    if (this.state === "descriptor") {
      const entry = this.current;
      const p = this.pending;
      if (entry) {
        const q = u32(p, 0) === SIG_DESCRIPTOR ? 4 : 0;
        entry.crc = u32(p, q);
      }
      this.pending = new Uint8Array(0);
      this.current = null;
      this.state = "header";
      return rest;
    }
    const sig = u32(this.pending, 0);
    if (sig !== SIG_LOCAL) {
      if (sig !== SIG_CENTRAL && sig !== SIG_EOCD && sig !== SIG_EOCD64) {
        this.report("high", "zip.unexpected_data", "bytes between members that belong to no entry", at0);
      }
      this.state = "tail";
      this.tailStart = at0;
      const p = this.pending;
      this.pending = new Uint8Array(0);
      this.keepTail(p);
      return rest;
    }
    await this.startMember(at0);
    return rest;
  }

  private async startMember(offset: number): Promise<void> {
    const h = this.pending;
    this.pending = new Uint8Array(0);
    const flags = u16(h, 6);
    const method = u16(h, 8);
    let csize = u32(h, 18);
    let usize = u32(h, 22);
    const nameLen = u16(h, 26);
    const name = new TextDecoder().decode(h.subarray(30, 30 + nameLen));
    const extra = h.subarray(30 + nameLen);
    const zip64 = csize === U32_MAX || usize === U32_MAX;
    if (zip64) {
      const z = zip64Extra(extra, { usize: usize === U32_MAX, csize: csize === U32_MAX, offset: false });
      usize = z.usize ?? usize;
      csize = z.csize ?? csize;
    }
    const entry: LocalEntry = {
      zip64,
      name,
      offset,
      flags,
      method,
      compressedSize: csize,
      size: usize,
      crc: u32(h, 14),
      dataStart: offset + h.length,
      headerLength: h.length,
    };
    if (this.locals.length >= this.place.ctx.limits.maxZipEntries) {
      this.report(
        "high",
        "zip.too_many_entries",
        `more than ${this.place.ctx.limits.maxZipEntries} members`,
        offset,
      );
      this.state = "stopped";
      return;
    }
    this.locals.push(entry);
    this.current = entry;
    const why = unsafeMemberName(name);
    if (why !== null)
      this.report("high", "zip.path_traversal", `member name "${name}" is unsafe (${why})`, offset, name);
    const deferred = (flags & 0x08) !== 0;
    if (
      !deferred &&
      csize > 0 &&
      usize > 1 << 20 &&
      usize / csize > this.place.ctx.limits.maxCompressionRatio
    ) {
      this.report(
        "high",
        "zip.bomb",
        `member declares ${usize} bytes from ${csize} compressed`,
        offset,
        name,
      );
    }
    this.sink = this.memberSink(entry);
    if (deferred && csize === 0) {
      if (method === 8 || method === 0) {
        this.state = "search";
        this.held = new Uint8Array(0);
        return;
      }
      this.report(
        "high",
        "zip.unwalkable",
        "member with deferred sizes and an unknown method: the rest cannot be walked",
        offset,
        name,
      );
      this.state = "tail";
      this.tailStart = entry.dataStart;
      return;
    }
    this.remaining = csize;
    this.state = "data";
    if (csize === 0) await this.finishMember();
  }

  private memberSink(entry: LocalEntry): ByteAnalyzer | null {
    const { flags, method, name, offset } = entry;
    if (flags & 0x01) {
      this.report("high", "zip.encrypted", "encrypted member cannot be inspected", offset, name);
      return null;
    }
    if (this.place.depth + 1 > this.place.ctx.limits.maxNesting) {
      this.report("medium", "zip.nesting", "archive nested too deep: member not inspected", offset, name);
      return null;
    }
    if (method !== 0 && method !== 8) {
      this.report(
        "high",
        "zip.method_unsupported",
        `compression method ${method} cannot be inspected`,
        offset,
        name,
      );
      return null;
    }
    const memberPath = this.place.member === undefined ? name : `${this.place.member}!${name}`;
    const inner = this.factory(
      { ctx: this.place.ctx, depth: this.place.depth + 1, member: memberPath },
      entry,
    );
    if (inner === null) return null;
    if (method === 0) return inner;
    return new InflatingSink(inner, {
      place: this.place,
      onBomb: (why) => this.report("high", "zip.bomb", `member ${why}; not inspected further`, offset, name),
      onCorrupt: (why) =>
        this.report("high", "zip.corrupt_member", `deflate stream is corrupt: ${why}`, offset, name),
    });
  }

  private async finishMember(): Promise<void> {
    const sink = this.sink;
    this.sink = null;
    if (sink) await sink.end();
    const entry = this.current;
    if (entry && entry.flags & 0x08) {
      this.state = "descriptor";
      this.pending = new Uint8Array(0);
    } else {
      this.current = null;
      this.state = "header";
    }
  }

  /**
   * Deferred sizes: look for a data descriptor whose compressed size equals the bytes since the
   * data began, holding back bytes that could be the start of one.
   */
  private async search(chunk: Uint8Array, i: number, base: number): Promise<number> {
    const entry = this.current;
    if (entry === null) return chunk.length;
    const held = this.held;
    const data = held.length > 0 ? concatTwo(held, chunk.subarray(i)) : chunk.subarray(i);
    const dataBase = base + i - held.length;
    const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    let from = 0;
    for (;;) {
      const hit = buf.indexOf("PK\u0007\u0008", from, "latin1");
      if (hit < 0 || hit + 16 > data.length) break;
      const dataLen = dataBase + hit - entry.dataStart;
      // A member with a zip64 extra field has 8-byte sizes in its descriptor (APPNOTE 4.3.9.2).
      const wide = entry.zip64;
      if (wide && hit + 24 > data.length) break;
      const declared = wide ? u64(data, hit + 8) : u32(data, hit + 8);
      if (declared === dataLen) {
        if (this.sink && hit > 0) await this.sink.write(data.subarray(0, hit));
        entry.compressedSize = dataLen;
        entry.crc = u32(data, hit + 4);
        entry.size = wide ? u64(data, hit + 16) : u32(data, hit + 12);
        const sink = this.sink;
        this.sink = null;
        if (sink) await sink.end();
        this.held = new Uint8Array(0);
        this.current = null;
        this.state = "header";
        const after = hit + (wide ? 24 : 16);
        // Continue in the chunk right after the descriptor (it may start inside `held`).
        const consumedFromChunk = after - held.length;
        if (consumedFromChunk < 0) {
          this.pending = new Uint8Array(0);
          await this.headerBytes(data.subarray(after, held.length), 0, dataBase + after);
          return i;
        }
        return i + consumedFromChunk;
      }
      from = hit + 1;
    }
    const keep = Math.min(data.length, 23);
    if (this.sink && data.length > keep) await this.sink.write(data.subarray(0, data.length - keep));
    this.held = new Uint8Array(data.subarray(data.length - keep));
    return chunk.length;
  }

  private keepTail(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.tail.push(new Uint8Array(bytes));
    this.tailSize += bytes.length;
    const max = this.place.ctx.limits.maxZipTail;
    while (this.tailSize - (this.tail[0]?.length ?? 0) >= max && this.tail.length > 1) {
      const dropped = this.tail.shift() as Uint8Array;
      this.tailSize -= dropped.length;
      this.tailDropped += dropped.length;
    }
  }

  async end(): Promise<void> {
    if (this.state === "stopped") return;
    if (this.state === "data" || this.state === "search" || this.state === "descriptor") {
      this.report(
        "high",
        "zip.truncated",
        "archive ends inside a member",
        this.current?.offset,
        this.current?.name,
      );
      const sink = this.sink;
      this.sink = null;
      if (sink) await sink.end();
      return;
    }
    if (this.state === "header" && this.pending.length > 0) {
      this.report("high", "zip.truncated", "archive ends inside a header", this.pos - this.pending.length);
      return;
    }
    if (this.tailStart < 0) {
      this.report("high", "zip.no_central_directory", "archive has no central directory", this.pos);
      return;
    }
    this.checkCentralDirectory();
    if (this.place.depth === 0 && this.place.ctx.format === "zip") {
      const names = (this.entries.length > 0 ? this.entries : this.locals).map((e) => e.name);
      this.place.ctx.format = zipFlavour(names);
    }
  }

  private checkCentralDirectory(): void {
    const tail = Buffer.concat(this.tail);
    const tailBase = this.tailStart + this.tailDropped;
    this.tail = [];
    // End of central directory: the last signature whose comment reaches exactly the end.
    let eocd = -1;
    for (let p = tail.length - 22; p >= 0 && p >= tail.length - 22 - 65_535; p--) {
      if (u32(tail, p) === SIG_EOCD && p + 22 + u16(tail, p + 20) === tail.length) {
        eocd = p;
        break;
      }
    }
    if (eocd < 0) {
      const loose = tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
      if (loose < 0 || loose + 22 > tail.length) {
        this.report("high", "zip.no_central_directory", "no end-of-central-directory record", this.pos);
        return;
      }
      this.report(
        "medium",
        "zip.trailing_data",
        "data after the end-of-central-directory record",
        tailBase + loose,
      );
      eocd = loose;
    }
    let count = u16(tail, eocd + 10);
    let cdSize = u32(tail, eocd + 12);
    let cdOffset = u32(tail, eocd + 16);
    const loc = eocd - 20;
    if (loc >= 0 && u32(tail, loc) === SIG_LOCATOR64) {
      const rec = u64(tail, loc + 8) - tailBase;
      if (rec >= 0 && rec + 56 <= tail.length && u32(tail, rec) === SIG_EOCD64) {
        count = u64(tail, rec + 32);
        cdSize = u64(tail, rec + 40);
        cdOffset = u64(tail, rec + 48);
      } else {
        this.report(
          "high",
          "zip.eocd_mismatch",
          "zip64 locator points to no zip64 end record",
          tailBase + loc,
        );
      }
    }
    if (cdOffset !== this.tailStart) {
      this.report(
        "high",
        "zip.eocd_mismatch",
        `central directory is declared at ${cdOffset} but follows the members at ${this.tailStart}`,
        tailBase + eocd,
      );
    }
    const cdStartInTail = cdOffset - tailBase;
    if (cdStartInTail < 0 || cdStartInTail > tail.length) {
      if (this.tailDropped > 0)
        this.report(
          "medium",
          "zip.central_directory_too_large",
          "central directory too large to check",
          cdOffset,
        );
      return;
    }
    const byOffset = new Map<number, LocalEntry>();
    for (const l of this.locals) byOffset.set(l.offset, l);
    const names = new Set<string>();
    const matched = new Set<LocalEntry>();
    const ranges: Array<[number, number, string]> = [];
    let p = cdStartInTail;
    let parsed = 0;
    const cdEnd = Math.min(tail.length, cdStartInTail + cdSize);
    while (p + 46 <= cdEnd && u32(tail, p) === SIG_CENTRAL && parsed < this.place.ctx.limits.maxZipEntries) {
      const flags = u16(tail, p + 8);
      const method = u16(tail, p + 10);
      let csize = u32(tail, p + 20);
      let usize = u32(tail, p + 24);
      const nameLen = u16(tail, p + 28);
      const extraLen = u16(tail, p + 30);
      const commentLen = u16(tail, p + 32);
      let offset = u32(tail, p + 42);
      if (p + 46 + nameLen + extraLen > tail.length) break;
      const name = tail.subarray(p + 46, p + 46 + nameLen).toString("utf8");
      const extra = tail.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
      if (csize === U32_MAX || usize === U32_MAX || offset === U32_MAX) {
        const z = zip64Extra(extra, {
          usize: usize === U32_MAX,
          csize: csize === U32_MAX,
          offset: offset === U32_MAX,
        });
        usize = z.usize ?? usize;
        csize = z.csize ?? csize;
        offset = z.offset ?? offset;
      }
      parsed++;
      this.entries.push({
        name,
        offset,
        flags,
        method,
        compressedSize: csize,
        size: usize,
        crc: u32(tail, p + 16),
      });
      if (names.has(name))
        this.report(
          "high",
          "zip.duplicate_name",
          `name "${name}" appears twice in the central directory`,
          tailBase + p,
          name,
        );
      names.add(name);
      const local = byOffset.get(offset);
      if (local === undefined) {
        this.report(
          "high",
          "zip.hidden_entry",
          `central directory entry "${name}" points to no member that was walked`,
          tailBase + p,
          name,
        );
      } else {
        matched.add(local);
        const diffs: string[] = [];
        if (local.name !== name) diffs.push(`name "${local.name}"`);
        if (local.method !== method) diffs.push("method");
        if ((local.flags & 1) !== (flags & 1)) diffs.push("encryption flag");
        if (local.compressedSize !== csize) diffs.push("compressed size");
        if (local.size !== usize && !(local.flags & 8 && local.size === 0)) diffs.push("size");
        if (diffs.length > 0) {
          this.report(
            "high",
            "zip.header_mismatch",
            `local header and central directory disagree on ${diffs.join(", ")}`,
            offset,
            name,
          );
        }
        if (unsafeMemberName(name) !== null && local.name === name) {
          // already reported from the local header
        } else if (unsafeMemberName(name) !== null) {
          this.report(
            "high",
            "zip.path_traversal",
            `member name "${name}" is unsafe (${unsafeMemberName(name)})`,
            offset,
            name,
          );
        }
        ranges.push([offset, local.dataStart + csize, name]);
      }
      if (
        usize > 1 << 20 &&
        csize > 0 &&
        usize / csize > this.place.ctx.limits.maxCompressionRatio &&
        local === undefined
      ) {
        this.report(
          "high",
          "zip.bomb",
          `member declares ${usize} bytes from ${csize} compressed`,
          offset,
          name,
        );
      }
      p += 46 + nameLen + extraLen + commentLen;
    }
    if (parsed !== count) {
      this.report(
        "medium",
        "zip.count_mismatch",
        `end record counts ${count} entries, central directory holds ${parsed}`,
        tailBase + eocd,
      );
    }
    for (const l of this.locals) {
      if (!matched.has(l)) {
        this.report(
          "medium",
          "zip.local_only",
          `member "${l.name}" is not in the central directory (loaders ignore it)`,
          l.offset,
          l.name,
        );
      }
    }
    ranges.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < ranges.length; k++) {
      const prev = ranges[k - 1] as [number, number, string];
      const cur = ranges[k] as [number, number, string];
      if (cur[0] < prev[1])
        this.report("high", "zip.overlap", `members "${prev[2]}" and "${cur[2]}" overlap`, cur[0], cur[2]);
    }
  }
}

function concatTwo(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** What a zip holds, from its member names: PyTorch, Keras, NumPy npz or a plain container. */
export function zipFlavour(names: readonly string[]): "pytorch_zip" | "keras_zip" | "numpy_npz" | "zip" {
  if (names.some((n) => /^[^/]+\/data\.pkl$/.test(n))) return "pytorch_zip";
  if (
    names.includes("config.json") &&
    (names.includes("metadata.json") || names.includes("model.weights.h5"))
  )
    return "keras_zip";
  if (names.length > 0 && names.every((n) => n.endsWith(".npy"))) return "numpy_npz";
  return "zip";
}
