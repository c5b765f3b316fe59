// Runs pdf.js in a worker thread so that the caller can stop it on a time limit and cap its
// memory; a hostile PDF can then only ever cost one terminated thread. The thread serves one
// job at a time and may be kept warm for the next one.
import { parentPort } from "node:worker_threads";
import { isAppError } from "../../domain/errors.ts";
import { extractPagesWithPdfjs } from "./pdf-extract-core.ts";
import type { PdfLimits } from "./pdf-limits.ts";

interface Job {
  id: number;
  bytes: Uint8Array;
  limits: PdfLimits;
}

parentPort?.on("message", async (job: Job) => {
  try {
    const result = await extractPagesWithPdfjs(job.bytes, job.limits);
    parentPort?.postMessage({ id: job.id, ok: true, result });
  } catch (error) {
    if (isAppError(error)) {
      parentPort?.postMessage({
        id: job.id,
        ok: false,
        code: error.code,
        message: error.message,
        details: error.details,
      });
    } else {
      parentPort?.postMessage({
        id: job.id,
        ok: false,
        code: "DOCUMENT_CORRUPT",
        message: "The PDF could not be read.",
      });
    }
  }
});
