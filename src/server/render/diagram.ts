/**
 * Renders Graphviz DOT to SVG with Graphviz's WebAssembly build, in one reused worker thread with
 * a time limit. The DOT is checked first (size, no HTML-like labels, no attributes that make
 * Graphviz link, embed or fetch anything) and the SVG is cleaned after (no DOCTYPE, no comments)
 * and checked again, so what reaches a browser has no scripts and no external references.
 */
import { Worker } from "node:worker_threads";
import { AppError } from "../../domain/errors.ts";

export interface RenderSvgOptions {
  /** Default 1 MB of DOT text. */
  maxDotBytes?: number | undefined;
  /** Default 10 s; a layout past it is stopped and its thread replaced. */
  timeoutMs?: number | undefined;
  /** Default 20 MB of SVG. */
  maxSvgBytes?: number | undefined;
}

/** Attributes through which Graphviz links, embeds files or points at stylesheets. */
const UNSAFE_ATTRIBUTES =
  /\b(url|href|labelurl|labelhref|headurl|headhref|tailurl|tailhref|edgeurl|edgehref|image|imagepath|imagescale|shapefile|stylesheet|fontpath|fontnames|target|id|class)\s*=/i;

/**
 * Markup an SVG for the browser must not hold, checked on the tags only (text between tags is
 * escaped by Graphviz and may legitimately read "onload=" when a vendor is named so).
 */
const UNSAFE_SVG =
  /<\s*(script|foreignObject|image|iframe|object|embed|use|a\b|style)|\bon[a-z]+\s*=|(xlink:)?href\s*=|url\s*\(\s*[^#\s]|<!DOCTYPE|<\?xml-stylesheet|javascript:/i;

/** DOT text with every quoted string emptied, so checks see only keywords, ids and attribute names. */
function withoutQuotedStrings(dot: string): string {
  return dot.replace(/"(?:[^"\\]|\\[\s\S])*"/g, '""');
}

/** Refuses DOT that is too big, uses HTML-like labels, or names an attribute that links or embeds. */
export function checkDot(dot: string, maxBytes = 1024 * 1024): void {
  const size = Buffer.byteLength(dot, "utf8");
  if (size > maxBytes) {
    throw new AppError("INPUT_TOO_LARGE", `The diagram source is ${size} bytes; the limit is ${maxBytes}.`, {
      details: { size, limit: maxBytes },
    });
  }
  const bare = withoutQuotedStrings(dot);
  if (bare.includes("<")) {
    throw new AppError(
      "INPUT_MALFORMED",
      "The diagram source uses an HTML-like label, which is not accepted.",
    );
  }
  const unsafe = UNSAFE_ATTRIBUTES.exec(bare);
  if (unsafe !== null) {
    throw new AppError(
      "INPUT_MALFORMED",
      `The diagram source sets "${unsafe[1]}", which could link or embed outside content.`,
      { details: { attribute: unsafe[1] } },
    );
  }
}

/** Drops the XML prologue, DOCTYPE (an external DTD reference) and comments from Graphviz's SVG. */
export function cleanSvg(svg: string): string {
  const start = svg.indexOf("<svg");
  if (start < 0) throw new AppError("INTERNAL", "Graphviz returned no SVG.");
  // The xlink namespace is declared but never used without links; only the SVG namespace stays.
  const body = svg
    .slice(start)
    .replace(/<!--[\s\S]*?-->\n?/g, "")
    .replace(/\s+xmlns:xlink="[^"]*"/, "");
  const unsafe = UNSAFE_SVG.exec(body.replace(/>[^<]*</g, "><"));
  if (unsafe !== null) {
    throw new AppError(
      "INPUT_MALFORMED",
      "The rendered diagram holds active or external content and was refused.",
    );
  }
  return body;
}

type Reply =
  | { id: number; ok: true; svg: string }
  | { id: number; ok: false; trap: boolean; message: string };

let worker: Worker | null = null;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

function getWorker(): Worker {
  if (worker === null) {
    const created = new Worker(new URL("./diagram-worker.ts", import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: 256 },
    });
    created.unref();
    created.on("exit", () => {
      if (worker === created) worker = null;
    });
    created.on("error", () => {
      if (worker === created) worker = null;
    });
    worker = created;
  }
  return worker;
}

function layout(dot: string, timeoutMs: number, attempt = 1): Promise<string> {
  return new Promise((resolve, reject) => {
    const w = getWorker();
    const id = nextId++;
    w.ref();
    const done = () => {
      clearTimeout(timer);
      w.off("message", onMessage);
      w.off("error", onError);
      w.off("exit", onExit);
      w.unref();
    };
    const onMessage = (reply: Reply) => {
      if (reply.id !== id) return;
      done();
      if (reply.ok) resolve(reply.svg);
      else if (reply.trap && attempt === 1) {
        // Graphviz's WebAssembly trapped: its state is gone, not the diagram's fault. Lay the same
        // diagram out once more on a fresh thread.
        if (worker === w) worker = null;
        void w.terminate();
        resolve(layout(dot, timeoutMs, 2));
      } else
        reject(new AppError("INPUT_MALFORMED", `Graphviz could not lay out the diagram: ${reply.message}`));
    };
    const onError = (error: Error) => {
      done();
      reject(new AppError("INTERNAL", "The diagram renderer failed.", { cause: error }));
    };
    const onExit = (code: number) => {
      done();
      reject(
        new AppError("INTERNAL", "The diagram renderer stopped unexpectedly.", {
          details: { exitCode: code },
        }),
      );
    };
    const timer = setTimeout(() => {
      done();
      if (worker === w) worker = null;
      void w.terminate();
      reject(
        new AppError(
          "INPUT_TOO_LARGE",
          `Laying out the diagram took longer than ${timeoutMs} ms and was stopped.`,
          {
            details: { timeoutMs },
          },
        ),
      );
    }, timeoutMs);
    w.on("message", onMessage);
    w.on("error", onError);
    w.on("exit", onExit);
    w.postMessage({ id, dot });
  });
}

/**
 * Renders DOT text to a self-contained SVG string (Graphviz `dot` layout). Throws INPUT_TOO_LARGE
 * for oversized input, output or a layout past the time limit, INPUT_MALFORMED for DOT that is
 * invalid or unsafe. Calls are serialised on one warm thread.
 */
export async function renderSvg(dot: string, options: RenderSvgOptions = {}): Promise<string> {
  checkDot(dot, options.maxDotBytes);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxSvg = options.maxSvgBytes ?? 20 * 1024 * 1024;
  const run = queue.then(() => layout(dot, timeoutMs));
  queue = run.catch(() => undefined);
  const svg = await run;
  if (svg.length > maxSvg) {
    throw new AppError("INPUT_TOO_LARGE", `The rendered diagram is larger than ${maxSvg} bytes.`, {
      details: { limit: maxSvg },
    });
  }
  return cleanSvg(svg);
}

/** Stops the renderer thread (tests and shutdown); the next call starts a new one. */
export async function closeDiagramRenderer(): Promise<void> {
  const w = worker;
  worker = null;
  if (w !== null) await w.terminate();
}
