/**
 * Generators of model files for tests and benchmarks: pickles written opcode by opcode,
 * PyTorch-style archives, zips with chosen tricks, safetensors and GGUF files. Everything
 * is built from code so no third-party file is committed or downloaded.
 */

const enc = new TextEncoder();

/** Writes pickle opcodes one by one. */
export class PickleBuilder {
  private parts: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }

  raw(...bytes: number[]): this {
    for (const b of bytes) this.parts.push(b & 0xff);
    return this;
  }

  rawBytes(bytes: Uint8Array): this {
    for (const b of bytes) this.parts.push(b);
    return this;
  }

  ascii(text: string): this {
    return this.rawBytes(enc.encode(text));
  }

  u32(n: number): this {
    return this.raw(n, n >>> 8, n >>> 16, n >>> 24);
  }

  u64(n: number): this {
    this.u32(n >>> 0);
    return this.u32(Math.floor(n / 0x1_0000_0000));
  }

  proto(v: number): this {
    return this.raw(0x80, v);
  }

  /** GLOBAL 'module\nname\n' (protocols 0–3). */
  global(module: string, name: string): this {
    return this.raw(0x63).ascii(`${module}\n${name}\n`);
  }

  inst(module: string, name: string): this {
    return this.raw(0x69).ascii(`${module}\n${name}\n`);
  }

  /** Pushes a str with the shortest opcode for its length (SHORT_BINUNICODE or BINUNICODE). */
  str(text: string): this {
    const b = enc.encode(text);
    if (b.length < 256) return this.raw(0x8c, b.length).rawBytes(b);
    return this.raw(0x58).u32(b.length).rawBytes(b);
  }

  binunicode(text: string): this {
    const b = enc.encode(text);
    return this.raw(0x58).u32(b.length).rawBytes(b);
  }

  /** Pushes bytes with SHORT_BINBYTES or BINBYTES. */
  binbytes(data: Uint8Array): this {
    if (data.length < 256) return this.raw(0x43, data.length).rawBytes(data);
    return this.raw(0x42).u32(data.length).rawBytes(data);
  }

  /** STACK_GLOBAL of two literal strings (protocol 4). */
  stackGlobal(module: string, name: string): this {
    return this.str(module).str(name).raw(0x93);
  }

  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    if (n >= 0 && n < 65536) return this.raw(0x4d, n, n >>> 8);
    return this.raw(0x4a).u32(n >>> 0);
  }

  none(): this {
    return this.raw(0x4e);
  }
  mark(): this {
    return this.raw(0x28);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  tuple1(): this {
    return this.raw(0x85);
  }
  tuple2(): this {
    return this.raw(0x86);
  }
  emptyTuple(): this {
    return this.raw(0x29);
  }
  emptyDict(): this {
    return this.raw(0x7d);
  }
  emptyList(): this {
    return this.raw(0x5d);
  }
  setitem(): this {
    return this.raw(0x73);
  }
  setitems(): this {
    return this.raw(0x75);
  }
  appends(): this {
    return this.raw(0x65);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  build(): this {
    return this.raw(0x62);
  }
  newobj(): this {
    return this.raw(0x81);
  }
  binpersid(): this {
    return this.raw(0x51);
  }
  newFalse(): this {
    return this.raw(0x89);
  }
  memoize(): this {
    return this.raw(0x94);
  }
  binput(i: number): this {
    return this.raw(0x71, i);
  }
  binget(i: number): this {
    return this.raw(0x68, i);
  }
  longBinput(i: number): this {
    return this.raw(0x72).u32(i);
  }
  longBinget(i: number): this {
    return this.raw(0x6a).u32(i);
  }
  pop(): this {
    return this.raw(0x30);
  }
  stop(): this {
    return this.raw(0x2e);
  }
}

/**
 * A PyTorch-style `data.pkl` (protocol 2) for a state dict of `tensors` float tensors, using
 * persistent ids for storages exactly as `torch.save` lays them out.
 */
export function torchStateDictPickle(
  tensors: ReadonlyArray<{ name: string; key: string; shape: number[] }>,
): Uint8Array {
  const p = new PickleBuilder().proto(2);
  p.global("collections", "OrderedDict").binput(0).emptyTuple().reduce().binput(1);
  let memo = 2;
  p.mark();
  for (const t of tensors) {
    p.binunicode(t.name).binput(memo++);
    p.global("torch._utils", "_rebuild_tensor_v2").binput(memo++);
    p.mark();
    // persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel)
    const numel = t.shape.reduce((a, b) => a * b, 1);
    p.mark()
      .binunicode("storage")
      .global("torch", "FloatStorage")
      .binput(memo++)
      .binunicode(t.key)
      .binunicode("cpu")
      .int(numel)
      .tuple();
    p.binpersid();
    p.int(0);
    for (const d of t.shape) p.int(d);
    p.raw(t.shape.length === 1 ? 0x85 : 0x86);
    const strides = t.shape.length === 1 ? [1] : [t.shape[1] ?? 1, 1];
    for (const s of strides) p.int(s);
    p.raw(strides.length === 1 ? 0x85 : 0x86);
    p.newFalse();
    p.binget(0).emptyTuple().reduce();
    p.tuple().reduce().binput(memo++);
  }
  p.setitems().stop();
  return p.bytes();
}

/** CRC-32 (IEEE) of `data`, for zip entries. */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntrySpec {
  name: string;
  data: Uint8Array;
  /** 0 stored (default), 8 deflate (pass `compressed` with the raw deflate bytes). */
  method?: number;
  compressed?: Uint8Array;
  flags?: number;
  /** Name written in the central directory when it should differ from the local header. */
  centralName?: string;
  /** Uncompressed size to declare instead of the real one. */
  declaredSize?: number;
  /** Write a data descriptor after the data (sets flag bit 3 and zero sizes in the local header). */
  dataDescriptor?: boolean;
  /** Leave this entry out of the central directory. */
  omitFromCentral?: boolean;
  /** Local-header offset written for an `extraCentral` entry (default 0). */
  centralOffset?: number;
}

/** Builds a zip archive byte by byte, with hooks to produce the tricks scanners must catch. */
export function buildZip(
  entries: readonly ZipEntrySpec[],
  options: { extraCentral?: ZipEntrySpec[] } = {},
): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  const push = (b: Uint8Array) => {
    chunks.push(b);
    offset += b.length;
  };
  let count = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const payload = e.compressed ?? e.data;
    const method = e.method ?? 0;
    const crc = crc32(e.data);
    const usize = e.declaredSize ?? e.data.length;
    const flags = (e.flags ?? 0) | (e.dataDescriptor ? 8 : 0) | 0x800;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true);
    local.setUint16(6, flags, true);
    local.setUint16(8, method, true);
    local.setUint32(14, e.dataDescriptor ? 0 : crc, true);
    local.setUint32(18, e.dataDescriptor ? 0 : payload.length, true);
    local.setUint32(22, e.dataDescriptor ? 0 : usize, true);
    local.setUint16(26, name.length, true);
    const localOffset = offset;
    push(new Uint8Array(local.buffer));
    push(name);
    push(payload);
    if (e.dataDescriptor) {
      const dd = new DataView(new ArrayBuffer(16));
      dd.setUint32(0, 0x08074b50, true);
      dd.setUint32(4, crc, true);
      dd.setUint32(8, payload.length, true);
      dd.setUint32(12, usize, true);
      push(new Uint8Array(dd.buffer));
    }
    if (!e.omitFromCentral) {
      central.push(
        centralHeader(
          { ...e, name: e.centralName ?? e.name },
          flags,
          method,
          crc,
          payload.length,
          usize,
          localOffset,
        ),
      );
      count++;
    }
  }
  for (const e of options.extraCentral ?? []) {
    const payload = e.compressed ?? e.data;
    central.push(
      centralHeader(
        e,
        e.flags ?? 0,
        e.method ?? 0,
        crc32(e.data),
        payload.length,
        e.data.length,
        e.centralOffset ?? 0,
      ),
    );
    count++;
  }
  const cdStart = offset;
  for (const c of central) push(c);
  const eocd = new DataView(new ArrayBuffer(22));
  eocd.setUint32(0, 0x06054b50, true);
  eocd.setUint16(8, count, true);
  eocd.setUint16(10, count, true);
  eocd.setUint32(12, offset - cdStart, true);
  eocd.setUint32(16, cdStart, true);
  push(new Uint8Array(eocd.buffer));
  return concat(chunks);
}

function centralHeader(
  e: ZipEntrySpec,
  flags: number,
  method: number,
  crc: number,
  csize: number,
  usize: number,
  localOffset: number,
): Uint8Array {
  const name = enc.encode(e.name);
  const h = new DataView(new ArrayBuffer(46));
  h.setUint32(0, 0x02014b50, true);
  h.setUint16(4, 20, true);
  h.setUint16(6, 20, true);
  h.setUint16(8, flags, true);
  h.setUint16(10, method, true);
  h.setUint32(16, crc, true);
  h.setUint32(20, csize, true);
  h.setUint32(24, usize, true);
  h.setUint16(28, name.length, true);
  h.setUint32(42, localOffset, true);
  return concat([new Uint8Array(h.buffer), name]);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A PyTorch zip (`torch.save` layout): `<root>/data.pkl`, `<root>/data/<key>`, `<root>/version`. */
export function buildTorchZip(root = "archive", tensors = 2): Uint8Array {
  const specs = Array.from({ length: tensors }, (_, i) => ({
    name: `layer${i}.weight`,
    key: String(i),
    shape: [4, 4],
  }));
  const entries: ZipEntrySpec[] = [{ name: `${root}/data.pkl`, data: torchStateDictPickle(specs) }];
  for (const s of specs) entries.push({ name: `${root}/data/${s.key}`, data: new Uint8Array(64).fill(7) });
  entries.push({ name: `${root}/version`, data: enc.encode("3\n") });
  entries.push({ name: `${root}/byteorder`, data: enc.encode("little") });
  return buildZip(entries);
}

/** safetensors bytes for the given tensors (F32 unless said), with an optional header override. */
export function buildSafetensors(
  tensors: ReadonlyArray<{ name: string; shape: number[]; dtype?: string }>,
  options: { header?: string; metadata?: Record<string, string>; pad?: number } = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (options.metadata) header.__metadata__ = options.metadata;
  let off = 0;
  const sizes: Record<string, number> = {
    F32: 4,
    F16: 2,
    BF16: 2,
    I64: 8,
    I32: 4,
    U8: 1,
    BOOL: 1,
    F64: 8,
    I8: 1,
  };
  for (const t of tensors) {
    const dtype = t.dtype ?? "F32";
    const n = t.shape.reduce((a, b) => a * b, 1) * (sizes[dtype] ?? 4);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  }
  let json = options.header ?? JSON.stringify(header);
  const pad = options.pad ?? (8 - (enc.encode(json).length % 8)) % 8;
  json += " ".repeat(pad);
  const hb = enc.encode(json);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  return out;
}

/** Minimal GGUF v3 writer for tests: string and u32 metadata, F32 tensors. */
export function buildGguf(options: {
  metadata?: Record<string, string | number>;
  tensors?: ReadonlyArray<{ name: string; dims: number[]; offset?: number; type?: number }>;
  version?: number;
  alignment?: number;
}): Uint8Array {
  const parts: number[] = [];
  const u32 = (n: number) => parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  const u64 = (n: number) => {
    u32(n >>> 0);
    u32(Math.floor(n / 0x1_0000_0000));
  };
  const str = (s: string) => {
    const b = enc.encode(s);
    u64(b.length);
    for (const x of b) parts.push(x);
  };
  parts.push(0x47, 0x47, 0x55, 0x46);
  u32(options.version ?? 3);
  const tensors = options.tensors ?? [];
  const meta = options.metadata ?? {};
  u64(tensors.length);
  u64(Object.keys(meta).length);
  for (const [k, v] of Object.entries(meta)) {
    str(k);
    if (typeof v === "string") {
      u32(8);
      str(v);
    } else {
      u32(4);
      u32(v);
    }
  }
  const align = options.alignment ?? 32;
  let off = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    str(t.name);
    u32(t.dims.length);
    for (const d of t.dims) u64(d);
    u32(t.type ?? 0);
    u64(t.offset ?? off);
    const size = t.dims.reduce((a, b) => a * b, 1) * 4;
    sizes.push(size);
    off += Math.ceil(size / align) * align;
  }
  while (parts.length % align !== 0) parts.push(0);
  for (let i = 0; i < off; i++) parts.push(0);
  return Uint8Array.from(parts);
}
