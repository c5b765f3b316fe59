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
  | { ok: true; result: RawPdfText }
  | { ok: false; code: string; message: string; details?: Record<string, unknown> };

function toErrorCode(code: string): ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : "DOCUMENT_CORRUPT";
}

function runWorker(bytes: Uint8Array, limits: PdfLimits): Promise<RawPdfText> {
  return new Promise((resolve, reject) => {
    // The worker gets its own copy, so the caller's buffer is never detached.
    const worker = new Worker(new URL("./pdf-worker.ts", import.meta.url), {
      workerData: { bytes: new Uint8Array(bytes), limits },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    let settled = false;
    const settle = (action: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
      void worker.terminate();
    };
    const timer = setTimeout(() => {
      settle(() =>
        reject(
          new AppError(
            "INPUT_TOO_LARGE",
            `Reading the PDF took longer than ${limits.timeoutMs} ms and was stopped.`,
            {
              details: { limit: "timeoutMs", timeoutMs: limits.timeoutMs },
            },
          ),
        ),
      );
    }, limits.timeoutMs);
    worker.on("message", (reply: WorkerReply) => {
      settle(() => {
        if (reply.ok) resolve(reply.result);
        else reject(new AppError(toErrorCode(reply.code), reply.message, { details: reply.details }));
      });
    });
    worker.on("error", (error: Error & { code?: string }) => {
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
      });
    });
    worker.on("exit", (exitCode) => {
      settle(() =>
        reject(
          new AppError("DOCUMENT_CORRUPT", "The PDF reader stopped unexpectedly.", { details: { exitCode } }),
        ),
      );
    });
  });
}
