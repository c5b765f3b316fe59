/**
 * Keras model configurations: a `.keras` archive's config.json, or the `model_config`
 * attribute of a legacy HDF5 file. Lambda layers carry marshalled Python code, and `module` /
 * function references outside Keras's own packages import arbitrary code when the model loads
 * (CVE-2024-3660, CVE-2025-1550, CVE-2025-9906).
 */

import { type AnalyzerPlace, at } from "./context.ts";
import { classifyImport } from "./pickle-policy.ts";
import type { ByteAnalyzer, FindingSeverity } from "./types.ts";

const KERAS_MODULES = [
  "keras",
  "tf_keras",
  "tensorflow.keras",
  "keras_hub",
  "keras_nlp",
  "keras_cv",
  "keras_rs",
];
/** Keras's own functions that switch protections off or fetch files when named in a config. */
const KERAS_GADGETS = [
  "enable_unsafe_deserialization",
  "get_file",
  "load_model",
  "load_weights",
  "set_random_seed",
];

export interface KerasIssue {
  rule: string;
  severity: FindingSeverity;
  message: string;
}

function isKerasModule(module: string): boolean {
  return KERAS_MODULES.some((m) => module === m || module.startsWith(`${m}.`));
}

/** Finds Lambda layers and imports outside Keras in a decoded Keras configuration. */
export function analyzeKerasConfig(config: unknown): KerasIssue[] {
  const issues: KerasIssue[] = [];
  const seen = new Set<string>();
  const add = (issue: KerasIssue) => {
    const key = `${issue.rule}|${issue.message}`;
    if (!seen.has(key) && issues.length < 200) {
      seen.add(key);
      issues.push(issue);
    }
  };
  const stack: Array<{ value: unknown; depth: number }> = [{ value: config, depth: 0 }];
  let visited = 0;
  while (stack.length > 0 && visited < 1_000_000) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    visited++;
    if (value === null || typeof value !== "object") continue;
    if (depth > 200) {
      add({
        rule: "keras.config_too_deep",
        severity: "medium",
        message: "configuration nests deeper than 200 levels",
      });
      continue;
    }
    if (Array.isArray(value)) {
      for (const v of value) stack.push({ value: v, depth: depth + 1 });
      continue;
    }
    const obj = value as Record<string, unknown>;
    const className = typeof obj.class_name === "string" ? obj.class_name : undefined;
    if (className === "Lambda" || className === "TFOpLambda" || className === "SlicingOpLambda") {
      add({
        rule: "keras.lambda",
        severity: "high",
        message: `${className} layer runs Python code stored in the model`,
      });
    }
    const module = typeof obj.module === "string" ? obj.module : undefined;
    const fnName = className === "function" && typeof obj.config === "string" ? obj.config : undefined;
    if (module !== undefined) {
      const name = fnName ?? className ?? "";
      if (isKerasModule(module)) {
        if (KERAS_GADGETS.includes(name)) {
          add({
            rule: "keras.gadget",
            severity: "critical",
            message: `configuration calls ${module}.${name}`,
          });
        }
      } else if (classifyImport(module, name) === "dangerous") {
        add({
          rule: "keras.module.dangerous",
          severity: "critical",
          message: `configuration imports ${module}.${name}`,
        });
      } else {
        add({
          rule: "keras.module.external",
          severity: "medium",
          message: `configuration imports ${module}.${name} from outside Keras`,
        });
      }
    }
    const registered = typeof obj.registered_name === "string" ? obj.registered_name : undefined;
    if (registered?.includes(">") && !registered.startsWith("keras")) {
      add({
        rule: "keras.custom_object",
        severity: "low",
        message: `custom object ${registered} must be supplied by the loader`,
      });
    }
    for (const [k, v] of Object.entries(obj)) {
      if (typeof v === "string" && KERAS_GADGETS.includes(v) && (k === "config" || k === "function")) {
        add({ rule: "keras.gadget", severity: "critical", message: `configuration names ${v}` });
      }
      if (v !== null && typeof v === "object") stack.push({ value: v, depth: depth + 1 });
    }
  }
  return issues;
}

function reportIssues(place: AnalyzerPlace, issues: KerasIssue[], offset?: number): void {
  for (const i of issues) {
    place.ctx.report(
      at(place, {
        rule: i.rule,
        severity: i.severity,
        message: i.message,
        ...(offset === undefined ? {} : { offset }),
      }),
    );
  }
}

/** Buffers a JSON configuration member (bounded) and analyzes it at the end. */
export class KerasJsonAnalyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private chunks: Uint8Array[] = [];
  private size = 0;
  private tooLarge = false;

  constructor(place: AnalyzerPlace) {
    this.place = place;
  }

  write(chunk: Uint8Array): void {
    if (this.tooLarge) return;
    this.size += chunk.length;
    if (this.size > this.place.ctx.limits.maxJsonConfig) {
      this.tooLarge = true;
      this.chunks = [];
      this.place.ctx.report(
        at(this.place, {
          rule: "keras.config_too_large",
          severity: "medium",
          message: "configuration JSON too large to inspect",
        }),
      );
      return;
    }
    this.chunks.push(new Uint8Array(chunk));
  }

  end(): void {
    if (this.tooLarge) return;
    const text = Buffer.concat(this.chunks).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.place.ctx.report(
        at(this.place, {
          rule: "keras.config_invalid",
          severity: "medium",
          message: "configuration is not valid JSON",
        }),
      );
      return;
    }
    reportIssues(this.place, analyzeKerasConfig(json));
  }
}

const START = Buffer.from('{"class_name":');

/**
 * Legacy Keras HDF5: finds the JSON of the `model_config` (and `training_config`) attributes
 * by scanning the bytes for `{"class_name":` and reading one balanced JSON object, bounded,
 * instead of parsing HDF5 structures.
 */
export class H5Analyzer implements ByteAnalyzer {
  private readonly place: AnalyzerPlace;
  private window: Buffer = Buffer.alloc(0);
  private windowBase = 0;
  private pos = 0;
  private capture: {
    chunks: Buffer[];
    size: number;
    depth: number;
    inString: boolean;
    escape: boolean;
    offset: number;
  } | null = null;
  private configs = 0;

  constructor(place: AnalyzerPlace) {
    this.place = place;
  }

  write(chunk: Uint8Array): void {
    const data = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const base = this.pos;
    this.pos += data.length;
    let i = 0;
    while (i < data.length) {
      if (this.capture) {
        i = this.feedCapture(data, i);
        continue;
      }
      if (this.configs >= 8) return;
      if (this.window.length > 0) {
        // Only the carried tail and the first bytes of this chunk can hold a split pattern:
        // join just those instead of copying the whole chunk.
        const carried = this.window.length;
        const joint = Buffer.concat([this.window, data.subarray(i, i + START.length - 1)]);
        const jointBase = this.windowBase;
        this.window = Buffer.alloc(0);
        const h = joint.indexOf(START);
        // A pattern starting inside this chunk is found by the search below.
        if (h < 0 || h >= carried) continue;
        this.startCapture(jointBase + h);
        // The pattern began in the carried tail: feed that part, then go on in this chunk.
        this.feedCapture(joint.subarray(h, carried), 0);
        continue;
      }
      const hayBase = base + i;
      const hay = data.subarray(i);
      const hit = hay.indexOf(START);
      if (hit < 0) {
        const keep = Math.min(hay.length, START.length - 1);
        this.window = Buffer.from(hay.subarray(hay.length - keep));
        this.windowBase = hayBase + hay.length - keep;
        return;
      }
      this.startCapture(hayBase + hit);
      i += hit;
    }
  }

  private startCapture(offset: number): void {
    this.capture = { chunks: [], size: 0, depth: 0, inString: false, escape: false, offset };
  }

  /** Feeds bytes into the balanced-object reader; returns where it stopped in `data`. */
  private feedCapture(data: Buffer, from: number): number {
    const cap = this.capture;
    if (cap === null) return data.length;
    let i = from;
    for (; i < data.length; i++) {
      const c = data[i] as number;
      if (cap.inString) {
        if (cap.escape) cap.escape = false;
        else if (c === 0x5c) cap.escape = true;
        else if (c === 0x22) cap.inString = false;
      } else if (c === 0x22) cap.inString = true;
      else if (c === 0x7b) cap.depth++;
      else if (c === 0x7d) {
        cap.depth--;
        if (cap.depth === 0) {
          i++;
          break;
        }
      } else if (c === 0) {
        // A NUL byte ends an HDF5 string: the object was not complete JSON.
        this.capture = null;
        return i + 1;
      }
    }
    const piece = data.subarray(from, i);
    cap.size += piece.length;
    if (cap.size > this.place.ctx.limits.maxJsonConfig) {
      this.place.ctx.report(
        at(this.place, {
          rule: "keras.config_too_large",
          severity: "medium",
          message: "model_config JSON too large to inspect",
          offset: cap.offset,
        }),
      );
      this.capture = null;
      return i;
    }
    cap.chunks.push(Buffer.from(piece));
    if (cap.depth === 0) {
      this.capture = null;
      this.configs++;
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(cap.chunks).toString("utf8"));
      } catch {
        return i;
      }
      if (this.configs === 1)
        this.place.ctx.format = this.place.depth === 0 ? "keras_h5" : this.place.ctx.format;
      reportIssues(this.place, analyzeKerasConfig(json), cap.offset);
    }
    return i;
  }

  end(): void {
    this.capture = null;
  }
}
