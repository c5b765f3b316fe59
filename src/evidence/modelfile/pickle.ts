/**
 * Pickle opcode walker. Reads a pickle stream incrementally without deserialising anything:
 * imports (GLOBAL, INST, STACK_GLOBAL, EXT*) are resolved through a simulated stack and memo so
 * that memo and stack tricks cannot hide them, and every import is classified by the
 * allowlist-first policy. Memory stays bounded: long payloads are skipped by count, never kept.
 */

import { canonicalModule, classifyImport, type ImportClass } from "./pickle-policy.ts";
import { DEFAULT_SCAN_LIMITS, type FindingSeverity, type FindingSink, type ScanLimits } from "./types.ts";

interface GlobalItem {
  k: 1;
  module: string;
  name: string;
  cls: ImportClass | "unresolved";
}
interface CallItem {
  k: 2;
  of: GlobalItem;
  /** Arguments, kept only while values are tracked (joblib array wrappers). */
  args?: Item;
}
/** Values tracked only while reading a joblib NumpyArrayWrapper's state: ints, tuples, dicts. */
interface IntItem {
  k: 4;
  v: number;
}
interface TupleItem {
  k: 5;
  items: Item[];
}
interface DictItem {
  k: 6;
  map: Map<string, Item>;
}
/**
 * Stack values the walker distinguishes: short strings, imports, results of calling them,
 * anything else (null). A negative number is a string not decoded yet: `-(opcode index) - 1`
 * in the current chunk; it is decoded only when an import or the memo needs it, or before the
 * chunk goes away, which keeps the hot loop free of string building.
 */
type Item = string | number | GlobalItem | CallItem | IntItem | TupleItem | DictItem | null;

/** Stands for a memo value that was not kept (memo overflow): never a resolvable name. */
const OPAQUE: CallItem = { k: 2, of: { k: 1, module: "?", name: "?", cls: "unresolved" } };
/** Far-off memo indexes tracked one by one (dense ones use a bitset). */
const MAX_SPARSE_MEMO = 100_000;

/**
 * Fast dispatch for the opcodes that make up most of any real pickle: the argument length of
 * opcodes that only push a plain value (BININT1, BININT2, BININT, BINFLOAT, NONE, NEWTRUE,
 * NEWFALSE, EMPTY_TUPLE/LIST/DICT/SET, NEXT_BUFFER), or a FAST_* code for SHORT_BINUNICODE and
 * the memo puts; 0xff sends the opcode to the full dispatch. While values are tracked
 * (NO_FAST_PATH) everything takes the full dispatch.
 */
const NO_FAST_PATH = new Uint8Array(256).fill(0xff);
const FAST_SHORT_STRING = 100;
const FAST_PUT1 = 101;
const FAST_PUT4 = 102;
const PLAIN_PUSH_ARG = (() => {
  const t = new Uint8Array(256).fill(0xff);
  t[0x8c] = FAST_SHORT_STRING;
  t[0x71] = FAST_PUT1;
  t[0x72] = FAST_PUT4;
  t[0x4b] = 1;
  t[0x4d] = 2;
  t[0x4a] = 4;
  t[0x47] = 8;
  for (const op of [0x4e, 0x88, 0x89, 0x29, 0x5d, 0x7d, 0x8f, 0x97]) t[op] = 0;
  return t;
})();

/** Lazy string references must stay small integers (V8 Smis). */
const LAZY_LIMIT = 1 << 29;

const OPCODE_NAMES: Record<number, string> = {
  40: "MARK",
  46: "STOP",
  48: "POP",
  49: "POP_MARK",
  50: "DUP",
  70: "FLOAT",
  73: "INT",
  74: "BININT",
  75: "BININT1",
  76: "LONG",
  77: "BININT2",
  78: "NONE",
  80: "PERSID",
  81: "BINPERSID",
  82: "REDUCE",
  83: "STRING",
  84: "BINSTRING",
  85: "SHORT_BINSTRING",
  86: "UNICODE",
  88: "BINUNICODE",
  97: "APPEND",
  98: "BUILD",
  99: "GLOBAL",
  100: "DICT",
  125: "EMPTY_DICT",
  101: "APPENDS",
  103: "GET",
  104: "BINGET",
  105: "INST",
  106: "LONG_BINGET",
  108: "LIST",
  93: "EMPTY_LIST",
  111: "OBJ",
  112: "PUT",
  113: "BINPUT",
  114: "LONG_BINPUT",
  115: "SETITEM",
  116: "TUPLE",
  41: "EMPTY_TUPLE",
  117: "SETITEMS",
  71: "BINFLOAT",
  128: "PROTO",
  129: "NEWOBJ",
  130: "EXT1",
  131: "EXT2",
  132: "EXT4",
  133: "TUPLE1",
  134: "TUPLE2",
  135: "TUPLE3",
  136: "NEWTRUE",
  137: "NEWFALSE",
  138: "LONG1",
  139: "LONG4",
  66: "BINBYTES",
  67: "SHORT_BINBYTES",
  140: "SHORT_BINUNICODE",
  141: "BINUNICODE8",
  142: "BINBYTES8",
  143: "EMPTY_SET",
  144: "ADDITEMS",
  145: "FROZENSET",
  146: "NEWOBJ_EX",
  147: "STACK_GLOBAL",
  148: "MEMOIZE",
  149: "FRAME",
  150: "BYTEARRAY8",
  151: "NEXT_BUFFER",
  152: "READONLY_BUFFER",
};

/** Name of a pickle opcode byte, or `0x..` when the byte is no opcode. */
export function pickleOpcodeName(byte: number): string {
  return OPCODE_NAMES[byte] ?? `0x${byte.toString(16).padStart(2, "0")}`;
}

/** True when `byte` is a pickle opcode of any protocol (0–5). */
export function isPickleOpcode(byte: number): boolean {
  return OPCODE_NAMES[byte] !== undefined;
}

/** One import seen in a pickle, with how often it occurred. */
export interface PickleImport {
  module: string;
  name: string;
  verdict: ImportClass | "unresolved";
  count: number;
  /** Offset of the first occurrence. */
  offset: number;
}

export interface PickleWalkOptions {
  onFinding: FindingSink;
  /** Absolute offset of the first byte passed in, for findings inside containers. */
  baseOffset?: number;
  /** Archive member path stamped on findings. */
  member?: string;
  /** Pickles a loader reads in a row (5 for legacy PyTorch); more are reported as trailing. */
  expectedPickles?: number;
  /** After the expected pickles the bytes are raw data (legacy PyTorch storages): ignore them. */
  ignoreAfterExpected?: boolean;
  limits?: Partial<ScanLimits>;
}

const NL = 0x0a;
const MAX_LINE = 64 * 1024;
const utf8 = new TextDecoder("utf-8");
const latin1 = new TextDecoder("latin1");

type WalkState = "start" | "opcodes" | "skip" | "skipLine" | "between" | "dead" | "ignore" | "joblibPad";

/**
 * Incremental pickle walker: feed bytes with `write`, finish with `end`. Reports imports,
 * malformed structure and resource-exhaustion shapes through `onFinding`; never throws on
 * hostile input.
 */
export class PickleWalker {
  readonly imports = new Map<string, PickleImport>();
  /** Number of pickles that ended with STOP. */
  picklesSeen = 0;
  /** Highest protocol announced by PROTO. */
  protocol = 0;
  /** Opcodes walked. */
  opcodes = 0;

  private readonly sink: FindingSink;
  private readonly member: string | undefined;
  private readonly limits: ScanLimits;
  private readonly expected: number;
  private readonly ignoreAfter: boolean;
  private state: WalkState = "start";
  private carry: Uint8Array | null = null;
  /** Absolute offset of the next byte to be written. */
  private streamPos: number;
  private skipRemaining = 0;
  private skipLines = 0;
  private stack: Item[] = [];
  private marks: number[] = [];
  /**
   * The memo, kept small: which indexes are defined (a bitset, plus a set for absurd indexes
   * already reported), and values only for the items that matter (strings, imports, calls).
   */
  private memoBits = new Uint8Array(256);
  private memoSparse = new Set<number>();
  private memoValues = new Map<number, Item>();
  private memoCount = 0;
  /** Set once values stopped being kept: reads of unknown values then become opaque. */
  private memoOverflow = false;
  private memoReported = false;
  /** Highest index with a kept value: higher indexes need no map lookup. */
  private memoMaxKept = -1;
  private lazyFrom = Number.MAX_SAFE_INTEGER;
  /**
   * joblib writes NumPy arrays' raw bytes straight into the pickle stream after the BUILD of a
   * NumpyArrayWrapper. While such a wrapper is being built, values are tracked (`precise`) so
   * the array's size can be computed from its shape and dtype and the bytes skipped.
   */
  private precise = false;
  private wrapper: CallItem | null = null;
  private joblibBytes = 0;
  private reenter = false;
  private reported = new Map<string, { count: number; finding: { count?: number } }>();

  constructor(options: PickleWalkOptions) {
    this.sink = options.onFinding;
    this.member = options.member;
    this.streamPos = options.baseOffset ?? 0;
    this.limits = { ...DEFAULT_SCAN_LIMITS, ...options.limits };
    this.expected = options.expectedPickles ?? 1;
    this.ignoreAfter = options.ignoreAfterExpected ?? false;
  }

  /** True once the walker has stopped reading (malformed input or the rest is raw data). */
  get finished(): boolean {
    return this.state === "dead" || this.state === "ignore";
  }

  private get trailing(): boolean {
    return this.picklesSeen >= this.expected;
  }

  write(chunk: Uint8Array): void {
    if (chunk.length === 0 || this.finished) {
      this.streamPos += chunk.length;
      return;
    }
    const base = this.streamPos;
    this.streamPos += chunk.length;
    let start = 0;
    const carry = this.carry;
    if (carry !== null) {
      // Complete the opcode that straddles the boundary on a small joined buffer, then go on
      // in the chunk itself: copying whole chunks would cost as much as walking them.
      this.carry = null;
      const take = Math.min(chunk.length, MAX_LINE + this.limits.maxPickleString + 128);
      const joined = new Uint8Array(carry.length + take);
      joined.set(carry, 0);
      joined.set(chunk.subarray(0, take), carry.length);
      const rest = this.run(joined, base - carry.length, 0);
      if (this.finished) return;
      if (rest < joined.length) {
        if (take === chunk.length || rest < carry.length) {
          this.carry = joined.slice(rest);
          return;
        }
      }
      start = rest - carry.length;
      if (start >= chunk.length) return;
    }
    const rest = this.run(chunk, base, start);
    if (rest < chunk.length && !this.finished) this.carry = new Uint8Array(chunk.subarray(rest));
  }

  end(): void {
    if (this.finished) return;
    const pending = this.carry?.length ?? 0;
    const at = this.streamPos - pending;
    if (this.state === "opcodes" || this.state === "skip" || this.state === "skipLine" || pending > 0) {
      const declared = this.state === "skip" ? ` (${this.skipRemaining} declared bytes missing)` : "";
      this.report(
        this.trailing ? "medium" : "high",
        "pickle.truncated",
        `pickle ends before its STOP opcode${declared}`,
        at,
      );
    } else if (this.state === "start") {
      this.report("high", "pickle.empty", "empty pickle stream", at);
    }
    this.state = "dead";
    this.carry = null;
  }

  private report(
    severity: FindingSeverity,
    rule: string,
    message: string,
    offset: number,
    extra: { opcode?: string; module?: string; name?: string } = {},
  ): void {
    this.sink({ rule, severity, message, offset, ...(this.member ? { member: this.member } : {}), ...extra });
  }

  /** Stops walking: the rest of the stream cannot be interpreted the way a loader would. */
  private malformed(message: string, offset: number, opcode: number): void {
    if (this.trailing) {
      this.report(
        "medium",
        "pickle.trailing_malformed",
        `data after STOP is not a well-formed pickle: ${message}`,
        offset,
        {
          opcode: pickleOpcodeName(opcode),
        },
      );
    } else {
      this.report("high", "pickle.malformed", message, offset, { opcode: pickleOpcodeName(opcode) });
    }
    this.state = "dead";
  }

  private exhausted(message: string, offset: number, opcode: number): void {
    this.report("high", "pickle.resource_exhaustion", message, offset, { opcode: pickleOpcodeName(opcode) });
    this.state = "dead";
  }

  private noteImport(
    module: string,
    name: string,
    cls: ImportClass | "unresolved",
    offset: number,
    op: number,
  ): GlobalItem {
    const key = `${module}\u0000${name}`;
    const seen = this.imports.get(key);
    if (seen) seen.count++;
    else if (this.imports.size < 10_000)
      this.imports.set(key, { module, name, verdict: cls, count: 1, offset });
    if (cls !== "safe") {
      const rkey = `${this.picklesSeen}\u0000${key}`;
      const prev = this.reported.get(rkey);
      if (prev) {
        prev.count++;
        prev.finding.count = prev.count;
      } else {
        const severity: FindingSeverity = cls === "suspicious" ? "medium" : "critical";
        const rule = cls === "unresolved" ? "pickle.import.unresolved" : `pickle.import.${cls}`;
        const what =
          cls === "unresolved"
            ? "an import that cannot be resolved statically"
            : `${cls} import ${module}.${name}`;
        const finding = {
          rule,
          severity,
          message: `pickle makes ${what}`,
          offset,
          opcode: pickleOpcodeName(op),
          module,
          name,
          count: 1,
          ...(this.member ? { member: this.member } : {}),
        };
        this.reported.set(rkey, { count: 1, finding });
        this.sink(finding);
      }
    }
    return { k: 1, module, name, cls };
  }

  private resolve(module: string, name: string, offset: number, op: number): GlobalItem {
    const m = canonicalModule(module);
    return this.noteImport(m, name, classifyImport(m, name), offset, op);
  }

  private unresolved(why: string, offset: number, op: number): GlobalItem {
    return this.noteImport("?", why, "unresolved", offset, op);
  }

  private startPickle(): void {
    this.stack = [];
    this.marks = [];
    this.memoBits = new Uint8Array(256);
    this.memoSparse = new Set();
    this.memoValues = new Map();
    this.memoCount = 0;
    this.memoOverflow = false;
    this.memoReported = false;
    this.memoMaxKept = -1;
    this.precise = false;
    this.wrapper = null;
    this.lazyFrom = Number.MAX_SAFE_INTEGER;
    this.state = "opcodes";
  }

  /** Walks opcodes in `buf`; returns the index of the first byte not consumed. */
  private run(buf: Uint8Array, base: number, start: number): number {
    const len = buf.length;
    let pos = start;
    const limits = this.limits;
    for (;;) {
      if (pos >= len) return pos;
      const state = this.state;
      if (state === "skip") {
        const take = Math.min(this.skipRemaining, len - pos);
        pos += take;
        this.skipRemaining -= take;
        if (this.skipRemaining === 0) this.state = "opcodes";
        continue;
      }
      if (state === "skipLine") {
        const nl = buf.indexOf(NL, pos);
        if (nl < 0) return len;
        pos = nl + 1;
        this.skipLines--;
        if (this.skipLines === 0) this.state = "opcodes";
        continue;
      }
      if (state === "dead" || state === "ignore") return len;
      if (state === "joblibPad") {
        // One byte tells how many padding bytes come before the array data.
        const pad = buf[pos] as number;
        pos++;
        this.skipRemaining = pad + this.joblibBytes;
        this.state = this.skipRemaining > 0 ? "skip" : "opcodes";
        continue;
      }
      if (state === "start" || state === "between") {
        if (state === "between") {
          if (this.ignoreAfter && this.trailing) {
            this.state = "ignore";
            return len;
          }
          if (this.picklesSeen >= limits.maxPicklesInRow) {
            this.report(
              "medium",
              "pickle.too_many",
              `more than ${limits.maxPicklesInRow} pickles in a row; rest not walked`,
              base + pos,
            );
            this.state = "ignore";
            return len;
          }
          if (this.trailing) {
            this.report(
              "medium",
              "pickle.trailing_data",
              "data after the STOP opcode is walked as a further pickle",
              base + pos,
            );
          }
        }
        this.startPickle();
      }
      pos = this.walk(buf, pos, base);
      this.settleStack(buf);
      if (this.reenter) {
        this.reenter = false;
        continue;
      }
      if (this.state === "opcodes" && pos < len) {
        // walk() stopped on an incomplete opcode: keep it for the next chunk.
        if (len - pos > limits.maxPickleString + MAX_LINE + 64) {
          this.malformed("opcode argument too long", base + pos, buf[pos] ?? 0);
          return len;
        }
        return pos;
      }
    }
  }

  /** Inner loop over complete opcodes. Returns where it stopped. */
  private walk(buf: Uint8Array, start: number, base: number): number {
    const len = buf.length;
    const limits = this.limits;
    const maxStack = limits.maxPickleStack;
    const table = this.precise ? NO_FAST_PATH : PLAIN_PUSH_ARG;
    const stack = this.stack;
    const marks = this.marks;
    let pos = start;
    let ops = 0;
    while (pos < len) {
      const op = buf[pos] as number;
      ops++;
      // Fast path: opcodes that push a plain value with a fixed-size argument (most of any
      // weight or data pickle) need one table lookup, not the full dispatch.
      const fixed = table[op] as number;
      if (fixed < FAST_SHORT_STRING) {
        const end = pos + 1 + fixed;
        if (end > len) return this.yieldAt(pos, ops);
        stack.push(null);
        pos = end;
        if (stack.length > maxStack) {
          this.exhausted(`stack deeper than ${maxStack} items`, base + pos, op);
          return this.done(len, ops);
        }
        continue;
      }
      if (fixed === FAST_SHORT_STRING) {
        // SHORT_BINUNICODE: names and dict keys, pushed as lazy references.
        if (pos + 2 > len) return this.yieldAt(pos, ops);
        const end = pos + 2 + (buf[pos + 1] as number);
        if (end > len) return this.yieldAt(pos, ops);
        if (stack.length < this.lazyFrom) this.lazyFrom = stack.length;
        stack.push(pos < LAZY_LIMIT ? -pos - 1 : this.text(buf, pos + 2, end, true));
        pos = end;
        if (stack.length > maxStack) {
          this.exhausted(`stack deeper than ${maxStack} items`, base + pos, op);
          return this.done(len, ops);
        }
        continue;
      }
      if (fixed !== 0xff) {
        // BINPUT / LONG_BINPUT: when the value will not be kept, only mark the index.
        const end = pos + (fixed === FAST_PUT1 ? 2 : 5);
        if (end > len) return this.yieldAt(pos, ops);
        const idx = fixed === FAST_PUT1 ? (buf[pos + 1] as number) : u32(buf, pos + 1);
        const byte = idx >>> 3;
        const bits = this.memoBits;
        const top = stack.length > 0 ? stack[stack.length - 1] : undefined;
        if (
          byte < bits.length &&
          idx > this.memoMaxKept &&
          (top === null || (this.memoOverflow && typeof top === "number"))
        ) {
          const bit = 1 << (idx & 7);
          const b = bits[byte] as number;
          if ((b & bit) === 0) {
            bits[byte] = b | bit;
            this.memoCount++;
          }
        } else if (!this.put(buf, idx, base + pos, op)) return this.done(len, ops);
        pos = end;
        continue;
      }
      const at = base + pos;
      let next = pos + 1;
      switch (op) {
        // ---- pushes of plain values with fixed-size arguments
        // (reached only while values are tracked; otherwise the fast path above takes them)
        case 0x4b: // BININT1
          next = pos + 2;
          if (next > len) return this.yieldAt(pos, ops);
          stack.push({ k: 4, v: buf[pos + 1] as number });
          break;
        case 0x4d: // BININT2
          next = pos + 3;
          if (next > len) return this.yieldAt(pos, ops);
          stack.push({ k: 4, v: u16(buf, pos + 1) });
          break;
        case 0x4a: // BININT
          next = pos + 5;
          if (next > len) return this.yieldAt(pos, ops);
          stack.push({ k: 4, v: u32(buf, pos + 1) | 0 });
          break;
        case 0x47: // BINFLOAT
          next = pos + 9;
          if (next > len) return this.yieldAt(pos, ops);
          stack.push(null);
          break;
        case 0x7d: // EMPTY_DICT
          stack.push(this.precise ? { k: 6, map: new Map() } : null);
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push(this.precise ? { k: 5, items: [] } : null);
          break;
        case 0x4e: // NONE
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
        case 0x5d: // EMPTY_LIST
        case 0x8f: // EMPTY_SET
        case 0x97: // NEXT_BUFFER
          stack.push(null);
          break;
        case 0x98: // READONLY_BUFFER
          if (stack.length === 0) return this.underflow(pos, at, op, ops);
          break;
        case 0x28: // MARK
          marks.push(stack.length);
          if (marks.length > limits.maxPickleStack) {
            this.exhausted(`more than ${limits.maxPickleStack} open marks`, at, op);
            return this.done(len, ops);
          }
          break;
        case 0x30: // POP
          if (stack.length > (marks.length > 0 ? (marks[marks.length - 1] as number) : 0)) stack.pop();
          else if (marks.length > 0) marks.pop();
          else return this.underflow(pos, at, op, ops);
          break;
        case 0x31: // POP_MARK
          if (!this.popMark()) return this.noMark(pos, at, op, ops);
          break;
        case 0x32: // DUP
          if (stack.length === 0) return this.underflow(pos, at, op, ops);
          stack.push(stack[stack.length - 1] as Item);
          break;
        // ---- length-prefixed payloads
        case 0x8a: // LONG1
        case 0x55: // SHORT_BINSTRING
        case 0x43: // SHORT_BINBYTES
        case 0x8c: {
          // SHORT_BINUNICODE
          if (pos + 2 > len) return this.yieldAt(pos, ops);
          const n = buf[pos + 1] as number;
          next = pos + 2 + n;
          if (next > len) return this.yieldAt(pos, ops);
          if (op === 0x8c || op === 0x55) {
            if (stack.length < this.lazyFrom) this.lazyFrom = stack.length;
            stack.push(pos < LAZY_LIMIT ? -pos - 1 : this.text(buf, pos + 2, next, op === 0x8c));
          } else stack.push(null);
          break;
        }
        case 0x58: // BINUNICODE
        case 0x54: // BINSTRING
        case 0x42: // BINBYTES
        case 0x8b: {
          // LONG4
          if (pos + 5 > len) return this.yieldAt(pos, ops);
          const raw = u32(buf, pos + 1);
          if (op === 0x54 || op === 0x8b) {
            if (raw > 0x7fffffff)
              return this.bad(`negative length in ${pickleOpcodeName(op)}`, pos, at, op, ops);
          }
          const r = this.payload(buf, pos, 5, raw, op, at);
          if (r < 0) return this.yieldAt(pos, ops);
          if (this.state !== "opcodes") return this.done(r === Number.MAX_SAFE_INTEGER ? len : r, ops);
          next = r;
          break;
        }
        case 0x8d: // BINUNICODE8
        case 0x8e: // BINBYTES8
        case 0x96: {
          // BYTEARRAY8
          if (pos + 9 > len) return this.yieldAt(pos, ops);
          const r = this.payload(buf, pos, 9, u64(buf, pos + 1), op, at);
          if (r < 0) return this.yieldAt(pos, ops);
          if (this.state !== "opcodes") return this.done(r === Number.MAX_SAFE_INTEGER ? len : r, ops);
          next = r;
          break;
        }
        case 0x95: {
          // FRAME: an 8-byte length; the frame's content is ordinary opcodes.
          if (pos + 9 > len) return this.yieldAt(pos, ops);
          const n = u64(buf, pos + 1);
          if (n > limits.maxPickleDeclaredLength) {
            this.exhausted(`FRAME declares ${n} bytes`, at, op);
            return this.done(len, ops);
          }
          next = pos + 9;
          break;
        }
        // ---- newline-terminated arguments
        case 0x49: // INT
        case 0x4c: // LONG
        case 0x46: // FLOAT
        case 0x50: // PERSID
        case 0x53: // STRING
        case 0x56: {
          // UNICODE
          const nl = buf.indexOf(NL, pos + 1);
          if (nl < 0) {
            if (len - pos > MAX_LINE) {
              // Too long to be a name: push an opaque value and skip the rest of the line.
              stack.push(null);
              this.state = "skipLine";
              this.skipLines = 1;
              return this.done(len, ops);
            }
            return this.yieldAt(pos, ops);
          }
          next = nl + 1;
          if (op === 0x53) stack.push(this.quoted(buf, pos + 1, nl));
          else if (op === 0x56) stack.push(this.rawUnicode(buf, pos + 1, nl));
          else stack.push(null);
          break;
        }
        case 0x63: // GLOBAL
        case 0x69: {
          // INST
          const nl1 = buf.indexOf(NL, pos + 1);
          const nl2 = nl1 < 0 ? -1 : buf.indexOf(NL, nl1 + 1);
          if (nl2 < 0) {
            if (len - pos > MAX_LINE) {
              this.unresolved("import name longer than 64 KiB", at, op);
              return this.bad("GLOBAL/INST name too long", pos, at, op, ops);
            }
            return this.yieldAt(pos, ops);
          }
          next = nl2 + 1;
          const g = this.resolve(
            utf8.decode(buf.subarray(pos + 1, nl1)),
            utf8.decode(buf.subarray(nl1 + 1, nl2)),
            at,
            op,
          );
          if (op === 0x69) {
            if (!this.popMark()) return this.noMark(pos, at, op, ops);
            stack.push({ k: 2, of: g });
          } else stack.push(g);
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          if (stack.length - this.floor() < 2) return this.underflow(pos, at, op, ops);
          const name = this.settled(buf, stack.pop() as Item);
          const module = this.settled(buf, stack.pop() as Item);
          if (typeof name === "string" && typeof module === "string")
            stack.push(this.resolve(module, name, at, op));
          else stack.push(this.unresolved("STACK_GLOBAL operands are not literal strings", at, op));
          break;
        }
        case 0x82: // EXT1
        case 0x83: // EXT2
        case 0x84: {
          // EXT4
          const width = op === 0x82 ? 1 : op === 0x83 ? 2 : 4;
          next = pos + 1 + width;
          if (next > len) return this.yieldAt(pos, ops);
          const code =
            width === 1 ? (buf[pos + 1] as number) : width === 2 ? u16(buf, pos + 1) : u32(buf, pos + 1);
          // The copyreg extension registry lives in the loading process: unknown statically.
          stack.push(this.unresolved(`extension code ${code} (copyreg registry)`, at, op));
          break;
        }
        // ---- calls and object construction
        case 0x52: {
          // REDUCE
          if (stack.length - this.floor() < 2) return this.underflow(pos, at, op, ops);
          const args = stack.pop() as Item;
          const callable = stack.pop() as Item;
          if (!isGlobal(callable)) stack.push(null);
          else if (this.precise) stack.push({ k: 2, of: callable, args });
          else if (isJoblibWrapper(callable)) {
            stack.push(this.startWrapper(callable));
            next = pos + 1;
            return this.reenterAt(next, ops);
          } else stack.push({ k: 2, of: callable });
          break;
        }
        case 0x81: {
          // NEWOBJ
          if (stack.length - this.floor() < 2) return this.underflow(pos, at, op, ops);
          stack.pop();
          const cls = stack.pop() as Item;
          if (isGlobal(cls) && isJoblibWrapper(cls) && !this.precise) {
            stack.push(this.startWrapper(cls));
            return this.reenterAt(pos + 1, ops);
          }
          stack.push(isGlobal(cls) ? { k: 2, of: cls } : null);
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          if (stack.length - this.floor() < 3) return this.underflow(pos, at, op, ops);
          stack.pop();
          stack.pop();
          const cls = stack.pop() as Item;
          stack.push(isGlobal(cls) ? { k: 2, of: cls } : null);
          break;
        }
        case 0x6f: {
          // OBJ
          const mark = marks.pop();
          if (mark === undefined) return this.noMark(pos, at, op, ops);
          if (stack.length <= mark) return this.underflow(pos, at, op, ops);
          const cls = stack[mark] as Item;
          truncate(stack, mark);
          stack.push(isGlobal(cls) ? { k: 2, of: cls } : null);
          break;
        }
        case 0x62: {
          // BUILD
          if (stack.length - this.floor() < 2) return this.underflow(pos, at, op, ops);
          const state = stack.pop() as Item;
          const target = stack[stack.length - 1] as Item;
          if (this.wrapper !== null && target === this.wrapper) {
            this.finishWrapper(state, at);
            return this.reenterAt(pos + 1, ops);
          }
          if (isGlobal(target)) {
            // BUILD on an imported class or function sets attributes on it (state overwrite).
            this.report(
              "high",
              "pickle.build_on_import",
              `BUILD sets attributes on imported ${target.module}.${target.name}`,
              at,
              {
                opcode: "BUILD",
                module: target.module,
                name: target.name,
              },
            );
          }
          break;
        }
        case 0x51: // BINPERSID
          if (stack.length - this.floor() < 1) return this.underflow(pos, at, op, ops);
          stack[stack.length - 1] = null;
          break;
        // ---- containers
        case 0x61: // APPEND
          if (stack.length - this.floor() < 2) return this.underflow(pos, at, op, ops);
          stack.pop();
          break;
        case 0x73: // SETITEM
          if (stack.length - this.floor() < 3) return this.underflow(pos, at, op, ops);
          if (this.precise) this.fillDict(buf, stack.length - 3, stack.length - 2);
          truncate(stack, stack.length - 2);
          break;
        case 0x65: // APPENDS
        case 0x75: // SETITEMS
        case 0x90: {
          // ADDITEMS
          const mark = marks.pop();
          if (mark === undefined) return this.noMark(pos, at, op, ops);
          if (mark === 0 || stack.length < mark) return this.underflow(pos, at, op, ops);
          if (this.precise && op === 0x75) this.fillDict(buf, mark - 1, mark);
          truncate(stack, mark);
          break;
        }
        case 0x6c: // LIST
        case 0x74: // TUPLE
        case 0x64: // DICT
        case 0x91: {
          // FROZENSET
          const mark = marks.pop();
          if (mark === undefined) return this.noMark(pos, at, op, ops);
          const items =
            this.precise && op === 0x74 ? stack.slice(mark).map((i) => this.settled(buf, i)) : null;
          truncate(stack, mark);
          stack.push(items ? { k: 5, items } : null);
          break;
        }
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: {
          // TUPLE3
          const n = op - 0x84;
          if (stack.length - this.floor() < n) return this.underflow(pos, at, op, ops);
          const items = this.precise ? stack.slice(stack.length - n).map((i) => this.settled(buf, i)) : null;
          truncate(stack, stack.length - n);
          stack.push(items ? { k: 5, items } : null);
          break;
        }
        // ---- memo
        case 0x71: // BINPUT
        case 0x72: {
          // LONG_BINPUT
          next = pos + (op === 0x71 ? 2 : 5);
          if (next > len) return this.yieldAt(pos, ops);
          const idx = op === 0x71 ? (buf[pos + 1] as number) : u32(buf, pos + 1);
          if (!this.put(buf, idx, at, op)) return this.done(len, ops);
          break;
        }
        case 0x94: // MEMOIZE
          if (!this.put(buf, this.memoCount, at, op)) return this.done(len, ops);
          break;
        case 0x70: {
          // PUT
          const nl = buf.indexOf(NL, pos + 1);
          if (nl < 0)
            return len - pos > 64
              ? this.bad("PUT index line too long", pos, at, op, ops)
              : this.yieldAt(pos, ops);
          next = nl + 1;
          const idx = decimal(buf, pos + 1, nl);
          if (idx < 0) return this.bad("PUT index is not a decimal number", pos, at, op, ops);
          if (!this.put(buf, idx, at, op)) return this.done(len, ops);
          break;
        }
        case 0x68: // BINGET
        case 0x6a: // LONG_BINGET
        case 0x67: {
          // GET
          let idx: number;
          if (op === 0x67) {
            const nl = buf.indexOf(NL, pos + 1);
            if (nl < 0)
              return len - pos > 64
                ? this.bad("GET index line too long", pos, at, op, ops)
                : this.yieldAt(pos, ops);
            next = nl + 1;
            idx = decimal(buf, pos + 1, nl);
          } else {
            next = pos + (op === 0x68 ? 2 : 5);
            if (next > len) return this.yieldAt(pos, ops);
            idx = op === 0x68 ? (buf[pos + 1] as number) : u32(buf, pos + 1);
          }
          const value = this.memoGet(idx);
          if (value === undefined)
            return this.bad(`memo index ${idx} read before it was written`, pos, at, op, ops);
          stack.push(value);
          break;
        }
        case 0x80: {
          // PROTO
          next = pos + 2;
          if (next > len) return this.yieldAt(pos, ops);
          const v = buf[pos + 1] as number;
          if (v > 5) return this.bad(`unsupported pickle protocol ${v}`, pos, at, op, ops);
          if (v > this.protocol) this.protocol = v;
          break;
        }
        case 0x2e: {
          // STOP
          if (stack.length !== 1 || marks.length !== 0) {
            const what =
              stack.length === 0
                ? "an empty stack"
                : marks.length > 0
                  ? "an open MARK"
                  : `${stack.length} items on the stack`;
            if (stack.length === 0) return this.bad(`STOP with ${what}`, pos, at, op, ops);
            this.report("low", "pickle.stop_unbalanced", `STOP with ${what}`, at, { opcode: "STOP" });
          }
          this.picklesSeen++;
          this.state = "between";
          this.opcodes += ops;
          return pos + 1;
        }
        default:
          return this.bad(`unknown opcode ${pickleOpcodeName(op)}`, pos, at, op, ops);
      }
      pos = next;
      if (stack.length > maxStack) {
        this.exhausted(`stack deeper than ${limits.maxPickleStack} items`, at, op);
        return this.done(len, ops);
      }
    }
    this.opcodes += ops;
    return pos;
  }

  /** Leaves the inner loop so it restarts with the other dispatch table (tracking on or off). */
  private reenterAt(pos: number, ops: number): number {
    this.opcodes += ops;
    this.reenter = true;
    return pos;
  }

  private startWrapper(cls: GlobalItem): CallItem {
    const item: CallItem = { k: 2, of: cls };
    this.precise = true;
    this.wrapper = item;
    return item;
  }

  /** Sets string-keyed items from stack[from…] into the dict at stack[at] (tracking only). */
  private fillDict(buf: Uint8Array, at: number, from: number): void {
    const dict = this.stack[at];
    if (dict === null || typeof dict !== "object" || dict.k !== 6) return;
    for (let i = from; i + 1 < this.stack.length; i += 2) {
      const key = this.settled(buf, this.stack[i] as Item);
      if (typeof key === "string" && dict.map.size < 64)
        dict.map.set(key, this.settled(buf, this.stack[i + 1] as Item));
    }
  }

  /**
   * The BUILD of a joblib NumpyArrayWrapper: computes the raw array size from the state's
   * shape and dtype; the bytes (after an optional padding-length byte and padding) are skipped.
   */
  private finishWrapper(state: Item, at: number): void {
    this.precise = false;
    this.wrapper = null;
    const size = joblibArrayBytes(state);
    if (size === null) {
      this.report(
        "high",
        "pickle.joblib_array",
        "joblib array data of unknown size follows: the rest cannot be walked",
        at,
        {
          opcode: "BUILD",
        },
      );
      this.state = "dead";
      return;
    }
    this.joblibBytes = size.bytes;
    if (size.padded) this.state = "joblibPad";
    else if (size.bytes > 0) {
      this.skipRemaining = size.bytes;
      this.state = "skip";
    }
  }

  private yieldAt(pos: number, ops: number): number {
    this.opcodes += ops - 1;
    return pos;
  }

  private done(pos: number, ops: number): number {
    this.opcodes += ops;
    return pos;
  }

  private bad(message: string, pos: number, at: number, op: number, ops: number): number {
    this.opcodes += ops;
    this.malformed(message, at, op);
    return pos;
  }

  private underflow(pos: number, at: number, op: number, ops: number): number {
    return this.bad(`${pickleOpcodeName(op)} needs more items than the stack holds`, pos, at, op, ops);
  }

  private noMark(pos: number, at: number, op: number, ops: number): number {
    return this.bad(`${pickleOpcodeName(op)} without a MARK`, pos, at, op, ops);
  }

  /** Stack height at the innermost mark: items below it are not reachable by plain pops. */
  private floor(): number {
    const m = this.marks;
    return m.length > 0 ? (m[m.length - 1] as number) : 0;
  }

  private popMark(): boolean {
    const mark = this.marks.pop();
    if (mark === undefined) return false;
    truncate(this.stack, mark);
    return true;
  }

  private put(buf: Uint8Array, idx: number, at: number, op: number): boolean {
    const stack = this.stack;
    if (stack.length === 0) {
      this.malformed(`${pickleOpcodeName(op)} on an empty stack`, at, op);
      return false;
    }
    if (idx > this.limits.maxPickleMemoIndex) {
      if (!this.memoReported) {
        this.memoReported = true;
        this.report(
          "high",
          "pickle.resource_exhaustion",
          `memo index ${idx} is far beyond any real pickle`,
          at,
          {
            opcode: pickleOpcodeName(op),
          },
        );
      }
      if (!this.memoSparse.has(idx)) {
        if (this.memoSparse.size >= MAX_SPARSE_MEMO) {
          this.exhausted(`more than ${MAX_SPARSE_MEMO} far-off memo indexes`, at, op);
          return false;
        }
        this.memoSparse.add(idx);
        this.memoCount++;
      }
    } else {
      const byte = idx >>> 3;
      if (byte >= this.memoBits.length) {
        let size = this.memoBits.length * 2;
        while (size <= byte) size *= 2;
        const grown = new Uint8Array(size);
        grown.set(this.memoBits);
        this.memoBits = grown;
      }
      const bit = 1 << (idx & 7);
      if (((this.memoBits[byte] as number) & bit) === 0) {
        this.memoBits[byte] = (this.memoBits[byte] as number) | bit;
        this.memoCount++;
      }
    }
    // Only strings, imports and calls matter later; everything else is implied null. Once the
    // kept values reach their limit, new strings are not decoded at all (the cheap path that
    // keeps million-entry memos fast) and reads of them become opaque.
    const top = stack[stack.length - 1] as Item;
    const values = this.memoValues;
    if (top === null) {
      if (idx <= this.memoMaxKept) values.delete(idx);
      return true;
    }
    const isString = typeof top !== "object";
    const room = isString ? this.limits.maxPickleMemo : this.limits.maxPickleMemo * 4;
    if (values.size < room || (idx <= this.memoMaxKept && values.has(idx))) {
      values.set(idx, isString ? this.settled(buf, top) : top);
      if (idx > this.memoMaxKept) this.memoMaxKept = idx;
    } else {
      this.memoOverflow = true;
      if (idx <= this.memoMaxKept) values.delete(idx);
    }
    return true;
  }

  /** The memo value at `idx`; undefined when the index was never written. */
  private memoGet(idx: number): Item | undefined {
    const defined =
      idx > this.limits.maxPickleMemoIndex
        ? this.memoSparse.has(idx)
        : (((this.memoBits[idx >>> 3] ?? 0) >>> (idx & 7)) & 1) === 1;
    if (!defined) return undefined;
    const value = this.memoValues.get(idx);
    if (value !== undefined) return value;
    return this.memoOverflow ? OPAQUE : null;
  }

  /**
   * Handles a length-prefixed payload at `pos` (header `head` bytes, payload `n` bytes).
   * Returns the next position, -1 when the header+payload is incomplete and short enough to
   * wait for, or MAX_SAFE_INTEGER when the walker switched to skipping.
   */
  private payload(buf: Uint8Array, pos: number, head: number, n: number, op: number, at: number): number {
    const len = buf.length;
    if (n > this.limits.maxPickleDeclaredLength) {
      this.exhausted(`${pickleOpcodeName(op)} declares ${n} bytes`, at, op);
      return Number.MAX_SAFE_INTEGER;
    }
    const end = pos + head + n;
    const keep = n <= this.limits.maxPickleString && (op === 0x58 || op === 0x8d || op === 0x54);
    if (keep) {
      if (end > len) return -1;
      if (this.stack.length < this.lazyFrom) this.lazyFrom = this.stack.length;
      this.stack.push(pos < LAZY_LIMIT ? -pos - 1 : this.text(buf, pos + head, end, op !== 0x54));
      return end;
    }
    this.stack.push(null);
    if (end <= len) return end;
    this.skipRemaining = end - len;
    this.state = "skip";
    return Number.MAX_SAFE_INTEGER;
  }

  /** Decodes a lazy string reference against the chunk it points into. */
  private settled(buf: Uint8Array, item: Item): Item {
    if (typeof item !== "number") return item;
    const p = -item - 1;
    const op = buf[p];
    if (op === 0x8c || op === 0x55) return this.text(buf, p + 2, p + 2 + (buf[p + 1] as number), op === 0x8c);
    if (op === 0x58 || op === 0x54) return this.text(buf, p + 5, p + 5 + u32(buf, p + 1), op === 0x58);
    if (op === 0x8d) return this.text(buf, p + 9, p + 9 + u64(buf, p + 1), true);
    return null;
  }

  /** Decodes every lazy string still on the stack: the chunk they point into is about to go. */
  private settleStack(buf: Uint8Array): void {
    const stack = this.stack;
    for (let i = this.lazyFrom; i < stack.length; i++) {
      const item = stack[i];
      if (typeof item === "number") stack[i] = this.settled(buf, item);
    }
    this.lazyFrom = Number.MAX_SAFE_INTEGER;
  }

  private text(buf: Uint8Array, start: number, end: number, isUtf8: boolean): string | null {
    const n = end - start;
    if (n > this.limits.maxPickleString) return null;
    if (n <= 24) {
      // Short ASCII strings (names, dict keys) are the common case: skip the decoder call.
      let s = "";
      for (let i = start; i < end; i++) {
        const c = buf[i] as number;
        if (c >= 0x80) return (isUtf8 ? utf8 : latin1).decode(buf.subarray(start, end));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return (isUtf8 ? utf8 : latin1).decode(buf.subarray(start, end));
  }

  /** STRING argument: a Python repr in quotes. Escapes make it opaque (fail closed on imports). */
  private quoted(buf: Uint8Array, start: number, end: number): string | null {
    if (end - start < 2 || end - start > this.limits.maxPickleString + 2) return null;
    const q = buf[start];
    if ((q !== 0x27 && q !== 0x22) || buf[end - 1] !== q) return null;
    if (buf.subarray(start + 1, end - 1).includes(0x5c)) return null;
    return latin1.decode(buf.subarray(start + 1, end - 1));
  }

  /** UNICODE argument in raw-unicode-escape: decode \uXXXX and \UXXXXXXXX so names cannot hide. */
  private rawUnicode(buf: Uint8Array, start: number, end: number): string | null {
    if (end - start > this.limits.maxPickleString * 2) return null;
    const s = latin1.decode(buf.subarray(start, end));
    if (!s.includes("\\")) return s;
    return s.replace(
      /\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g,
      (_m, a: string | undefined, b: string | undefined) => {
        const cp = Number.parseInt(a ?? b ?? "0", 16);
        return cp <= 0x10ffff ? String.fromCodePoint(cp) : "\ufffd";
      },
    );
  }
}

/**
 * Drops stack items above `n` by popping: assigning a smaller `length` makes V8 shrink the
 * backing store, and the pushes that follow grow it again (measured 2–3x slower on the
 * MARK…SETITEMS batches that make up most pickles).
 */
function truncate(stack: Item[], n: number): void {
  while (stack.length > n) stack.pop();
}

function isJoblibWrapper(g: GlobalItem): boolean {
  return (
    g.name === "NumpyArrayWrapper" &&
    (g.module === "joblib.numpy_pickle" || g.module === "sklearn.externals.joblib.numpy_pickle")
  );
}

/** Bytes per element of a NumPy dtype string such as "f8", "<i4", "|b1", "U10"; null when unknown. */
export function numpyItemSize(descr: string): number | null {
  const m = /^[<>|=]?([?bBiufcSUVmMa])(\d*)$/.exec(descr);
  if (!m) return null;
  const kind = m[1] as string;
  const n = m[2] === "" ? (kind === "?" || kind === "b" || kind === "B" ? 1 : Number.NaN) : Number(m[2]);
  if (!Number.isFinite(n)) return null;
  return kind === "U" ? n * 4 : n;
}

/** Array size from a NumpyArrayWrapper state dict (shape tuple, dtype from numpy.dtype(...)). */
function joblibArrayBytes(state: Item): { bytes: number; padded: boolean } | null {
  if (state === null || typeof state !== "object" || state.k !== 6) return null;
  const shape = state.map.get("shape");
  const dtype = state.map.get("dtype");
  if (shape === null || shape === undefined || typeof shape !== "object" || shape.k !== 5) return null;
  let count = 1;
  for (const d of shape.items) {
    if (d === null || typeof d !== "object" || d.k !== 4 || d.v < 0) return null;
    count *= d.v;
  }
  if (dtype === null || dtype === undefined || typeof dtype !== "object" || dtype.k !== 2) return null;
  const args = dtype.args;
  if (
    dtype.of.name !== "dtype" ||
    args === null ||
    args === undefined ||
    typeof args !== "object" ||
    args.k !== 5
  )
    return null;
  const descr = args.items[0];
  const size = typeof descr === "string" ? numpyItemSize(descr) : null;
  if (size === null) return null;
  const bytes = count * size;
  if (!Number.isSafeInteger(bytes)) return null;
  const align = state.map.get("numpy_array_alignment_bytes");
  const padded = align !== undefined && align !== null && typeof align === "object" && align.k === 4;
  return { bytes, padded };
}

function isGlobal(item: Item): item is GlobalItem {
  return item !== null && typeof item === "object" && item.k === 1;
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

/** Parses a decimal memo index from a text line; -1 when it is not one. */
function decimal(b: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 15) return -1;
  let v = 0;
  for (let i = start; i < end; i++) {
    const c = b[i] as number;
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

/** Result of walking a whole pickle held in memory. */
export interface PickleScan {
  imports: PickleImport[];
  picklesSeen: number;
  protocol: number;
  opcodes: number;
}

/** Walks one in-memory pickle stream and returns its imports; findings go to `onFinding`. */
export function scanPickleBytes(bytes: Uint8Array, options: PickleWalkOptions): PickleScan {
  const walker = new PickleWalker(options);
  walker.write(bytes);
  walker.end();
  return {
    imports: [...walker.imports.values()],
    picklesSeen: walker.picklesSeen,
    protocol: walker.protocol,
    opcodes: walker.opcodes,
  };
}
