/**
 * NumPy .npy reader (numpy.lib.format, versions 1.0–3.0): the header dict is checked, and an
 * object dtype means the array body is a pickle, which is walked like any other.
 */

import { type AnalyzerPlace, at } from "./context.ts";
import { PickleWalker } from "./pickle.ts";
import type { ByteAnalyzer } from "./types.ts";

export interface NpyHeader {
  version: number;
  descr: string;
  shape: number[];
  objectDtype: boolean;
  /** Bytes the array body must have, when the dtype has a fixed size. */
  bodyBytes: number | null;
}

/** Parses the text of an .npy header dict; null when it is not one. */
export function parseNpyHeaderText(text: string, version: number): NpyHeader | null {
  const descrSimple = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  const descrList = /['"]descr['"]\s*:\s*(\[.*\])\s*,\s*['"](?:fortran_order|shape)/s.exec(text);
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if ((!descrSimple && !descrList) || !shapeMatch) return null;
  const shape: number[] = [];
  for (const part of (shapeMatch[1] ?? "").split(",")) {
    const t = part.trim().replace(/L$/, "");
    if (t === "") continue;
    if (!/^\d+$/.test(t)) return null;
    shape.push(Number(t));
  }
  const descr = descrSimple?.[1] ?? descrList?.[1] ?? "";
  const objectDtype = descrSimple ? /^[|<>=]?O/.test(descr) : /['"][|<>=]?O\d*['"]/.test(descr);
  let bodyBytes: number | null = null;
  const m = descrSimple ? /^[|<>=]?([bBiufcSUVmM?])(\d+)?/.exec(descr) : null;
  if (m && !objectDtype) {
    const kind = m[1] ?? "";
    const n = Number(m[2] ?? (kind === "?" ? "1" : "0"));
    const item = kind === "U" ? n * 4 : n;
    if (item > 0) bodyBytes = shape.reduce((a, b) => a * b, 1) * item;
  }
  return { version, descr, shape, objectDtype, bodyBytes };
}

/** Streaming .npy analyzer. */
export class NpyAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private head: Uint8Array = new Uint8Array(0);
  private headerEnd = -1;
  private body = 0;
  private walker: PickleWalker | null = null;
  private stopped = false;
  header: NpyHeader | null = null;

  constructor(place: AnalyzerPlace) {
    this.place = place;
  }

  private report(severity: "high" | "medium", rule: string, message: string, offset?: number): void {
    this.place.ctx.report(
      at(this.place, { rule, severity, message, ...(offset === undefined ? {} : { offset }) }),
    );
  }

  write(chunk: Uint8Array): void {
    if (this.stopped) return;
    if (this.headerEnd < 0) {
      const joined = new Uint8Array(this.head.length + chunk.length);
      joined.set(this.head, 0);
      joined.set(chunk, this.head.length);
      if (joined.length < 12) {
        this.head = joined;
        return;
      }
      const major = joined[6] as number;
      const view = new DataView(joined.buffer, joined.byteOffset, joined.byteLength);
      const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
      const start = major === 1 ? 10 : 12;
      if (major < 1 || major > 3 || hlen > 1 << 20) {
        this.report("high", "npy.header_invalid", `npy version ${major} with header length ${hlen}`, 6);
        this.stopped = true;
        return;
      }
      if (joined.length < start + hlen) {
        this.head = joined.length > (1 << 20) + 16 ? new Uint8Array(0) : joined;
        return;
      }
      const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
        joined.subarray(start, start + hlen),
      );
      this.header = parseNpyHeaderText(text, major);
      this.headerEnd = start + hlen;
      this.head = new Uint8Array(0);
      if (this.header === null) {
        this.report("high", "npy.header_invalid", "npy header is not a dict with descr and shape", start);
        this.stopped = true;
        return;
      }
      if (this.header.objectDtype) {
        this.place.ctx.format = this.place.depth === 0 ? "numpy_npy" : this.place.ctx.format;
        this.walker = new PickleWalker({
          onFinding: this.place.ctx.report,
          baseOffset: this.headerEnd,
          ...(this.place.member === undefined ? {} : { member: this.place.member }),
          limits: this.place.ctx.limits,
        });
        this.report(
          "medium",
          "npy.object_dtype",
          "array has object dtype: loading it unpickles (allow_pickle=True)",
          this.headerEnd,
        );
      }
      chunk = joined.subarray(this.headerEnd);
    }
    this.body += chunk.length;
    this.walker?.write(chunk);
  }

  end(): void {
    if (this.stopped) return;
    if (this.headerEnd < 0) {
      this.report("high", "npy.truncated", "file ends inside the npy header");
      return;
    }
    if (this.walker) {
      this.walker.end();
      this.place.ctx.addImports(this.walker.imports.values());
    } else if (this.header?.bodyBytes != null && this.header.bodyBytes !== this.body) {
      this.report(
        "medium",
        "npy.size_mismatch",
        `array body is ${this.body} bytes, dtype and shape need ${this.header.bodyBytes}`,
      );
    }
  }
}
