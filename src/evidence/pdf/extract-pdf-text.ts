import { Worker } from "node:worker_threads";
import { AppError, ERROR_CODES, type ErrorCode } from "../../domain/errors.ts";
import type { DocumentText } from "./document-text.ts";
import type { RawPdfText } from "./pdf-extract-core.ts";
import { DEFAULT_PDF_LIMITS, type PdfLimits } from "./pdf-limits.ts";
import { prescanPdf } from "./pdf-prescan.ts";

/** The text of a PDF, page by page, with the counts a caller may want to show or store. */
export interface PdfText extends DocumentText {
  pageCount: number;
  characters: number;
}

/** Fewer visible characters than this per page, on average, means the pages are images. */
const MIN_CHARS_PER_PAGE = 20;

/** Heap cap of the extraction thread; pdf.js needs far less for text of ordinary reports. */
const WORKER_HEAP_MB = 512;

/**
 * Extracts the text layer of a PDF with pdf.js, page by page, inside the limits (size, pages,
 * characters, decoded stream size, time). Throws AppError: DOCUMENT_TOO_LARGE, INPUT_TOO_LARGE,
 * PDF_INVALID, PDF_ENCRYPTED, DOCUMENT_CORRUPT, or PDF_NO_TEXT_LAYER for scanned pages.
 */
export async function extractPdfText(bytes: Uint8Array, limits: Partial<PdfLimits> = {}): Promise<PdfText> {
  const effective: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...limits };
  prescanPdf(bytes, effective);
  const raw = await runWorker(bytes, effective);
  const visible = raw.pages.reduce((sum, page) => sum + page.text.replace(/\s+/g, "").length, 0);
  if (raw.pageCount === 0 || visible < MIN_CHARS_PER_PAGE * raw.pageCount) {
    throw new AppError(
      "PDF_NO_TEXT_LAYER",
      "The PDF has no text layer (its pages are images, for example a scan); upload the original or run OCR first.",
      { details: { pages: raw.pageCount, characters: visible } },
    );
  }
  return { pages: raw.pages, pageCount: raw.pageCount, characters: raw.characters };
}

type WorkerReply =
  | { id: number; ok: true; result: RawPdfText }
  | { id: number; ok: false; code: string; message: string; details?: Record<string, unknown> };

function toErrorCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : "DOCUMENT_CORRUPT";
}

/** Warm threads kept between documents: loading pdf.js and warming its code costs about as much as a report. */
const MAX_IDLE_WORKERS = 2;
const idle: Worker[] = [];
let nextJobId = 1;

function takeWorker(): Worker {
  // A thread that exited has threadId -1; its exit event may not have been handled yet.
  for (let warm = idle.pop(); warm !== undefined; warm = idle.pop()) {
    if (warm.threadId >= 0) {
      warm.ref();
      return warm;
    }
  }
  const worker = new Worker(new URL("./pdf-worker.ts", import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  // Lifetime listeners: a thread that dies while idle leaves the pool instead of taking a job.
  worker.on("exit", () => dropIdle(worker));
  worker.on("error", () => dropIdle(worker));
  return worker;
}

function releaseWorker(worker: Worker): void {
  if (idle.length < MAX_IDLE_WORKERS) {
    // An idle thread must not keep the process alive, and one that dies while idle is dropped.
    worker.unref();
    idle.push(worker);
  } else {
    void worker.terminate();
  }
}

function dropIdle(worker: Worker): void {
  const at = idle.indexOf(worker);
  if (at >= 0) idle.splice(at, 1);
}

function runWorker(bytes: Uint8Array, limits: PdfLimits): Promise<RawPdfText> {
  return new Promise((resolve, reject) => {
    const worker = takeWorker();
    const id = nextJobId++;
    let settled = false;
    const onMessage = (reply: WorkerReply) => {
      if (reply.id !== id) return;
      settle(() => {
        if (reply.ok) resolve(reply.result);
        else reject(new AppError(toErrorCode(reply.code), reply.message, { details: reply.details }));
      }, true);
    };
    const onError = (error: Error & { code?: string }) => {
      settle(() => {
        if (error.code === "ERR_WORKER_OUT_OF_MEMORY") {
          reject(
            new AppError("INPUT_TOO_LARGE", "Reading the PDF needed more memory than allowed.", {
              cause: error,
            }),
          );
        } else {
          reject(new AppError("DOCUMENT_CORRUPT", "The PDF could not be read.", { cause: error }));
        }
      }, false);
    };
    const onExit = (exitCode: number) => {
      dropIdle(worker);
      settle(
        () =>
          reject(
            new AppError("DOCUMENT_CORRUPT", "The PDF reader stopped unexpectedly.", {
              details: { exitCode },
            }),
          ),
        false,
      );
    };
    const settle = (action: () => void, reusable: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
      action();
      if (reusable) releaseWorker(worker);
      else void worker.terminate();
    };
    const timer = setTimeout(() => {
      settle(
        () =>
          reject(
            new AppError(
              "INPUT_TOO_LARGE",
              `Reading the PDF took longer than ${limits.timeoutMs} ms and was stopped.`,
              {
                details: { limit: "timeoutMs", timeoutMs: limits.timeoutMs },
              },
            ),
          ),
        false,
      );
    }, limits.timeoutMs);
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
    // The thread gets its own copy, so the caller's buffer is never detached.
    const copy = new Uint8Array(bytes);
    worker.postMessage({ id, bytes: copy, limits }, [copy.buffer]);
  });
}

/** A one-page PDF with one line of text, written at run time so that its offsets are exact. */
function tinyPdf(): Uint8Array {
  const stream = "BT /F1 12 Tf 72 720 Td (warm up) Tj ET";
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

/**
 * Starts a reader thread and runs pdf.js once in it, so that the first real document does not
 * pay for starting the thread and loading pdf.js (about a second). A server may call it at
 * start-up; it never throws, and says whether a warm thread is now waiting.
 */
export async function prewarmPdfReader(): Promise<boolean> {
  try {
    const raw = await runWorker(tinyPdf(), { ...DEFAULT_PDF_LIMITS, timeoutMs: 10_000 });
    return raw.pageCount === 1 && idle.length > 0;
  } catch {
    // Warming is an optimisation; a failure here shows again, with its real error, on first use.
    return false;
  }
}
