import { inflateSync, constants as zlibConstants } from "node:zlib";
import { AppError } from "../../domain/errors.ts";
import type { PdfLimits } from "./pdf-limits.ts";

/**
 * Checks the raw bytes before pdf.js sees them: the header, the end-of-file marker of a
 * complete file, and the decoded size of every Flate-compressed stream that text extraction
 * would decode (content streams, object streams, fonts). Image streams are skipped: text
 * extraction never decodes them, and scanned pages are legitimately large.
 */
export function prescanPdf(bytes: Uint8Array, limits: PdfLimits): void {
  if (bytes.length > limits.maxBytes) {
    throw new AppError(
      "DOCUMENT_TOO_LARGE",
      `The PDF is larger than the limit of ${limits.maxBytes} bytes.`,
      {
        details: { size: bytes.length, limit: limits.maxBytes },
      },
    );
  }
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString("latin1");
  if (!head.includes("%PDF-")) {
    throw new AppError("PDF_INVALID", "The file is not a PDF (no %PDF- header).");
  }
  const tailStart = Math.max(0, bytes.length - 2048);
  const tail = Buffer.from(bytes.buffer, bytes.byteOffset + tailStart, bytes.length - tailStart).toString(
    "latin1",
  );
  if (!tail.includes("%%EOF")) {
    throw new AppError("DOCUMENT_CORRUPT", "The PDF is truncated or damaged: it has no end-of-file marker.", {
      details: { size: bytes.length },
    });
  }
  checkStreams(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), limits);
}

function checkStreams(buf: Buffer, limits: PdfLimits): void {
  const text = buf.toString("latin1");
  const streamKeyword = /stream\r?\n/g;
  let total = 0;
  for (let m = streamKeyword.exec(text); m !== null; m = streamKeyword.exec(text)) {
    const keyword = m.index;
    // "endstream" also ends in "stream"; only a keyword preceded by a dictionary starts one.
    if (keyword >= 3 && text.slice(keyword - 3, keyword) === "end") continue;
    const dictStart = text.lastIndexOf("<<", keyword);
    const dict = text.slice(Math.max(dictStart, keyword - 1024, 0), keyword);
    const start = m.index + m[0].length;
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    streamKeyword.lastIndex = end + "endstream".length;
    if (!dict.includes("/FlateDecode") || /\/Subtype\s*\/Image/.test(dict)) continue;
    const budget = Math.min(limits.maxStreamBytes, limits.maxDecodedBytes - total);
    let decoded: number;
    try {
      decoded = inflateSync(buf.subarray(start, end), {
        maxOutputLength: budget + 1,
        finishFlush: zlibConstants.Z_SYNC_FLUSH,
      }).length;
    } catch (error) {
      if (error instanceof RangeError || (error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw bomb(limits);
      }
      // A stream zlib cannot read is pdf.js's problem to report (it recovers from many).
      continue;
    }
    if (decoded > budget) throw bomb(limits);
    total += decoded;
  }
}

function bomb(limits: PdfLimits): AppError {
  return new AppError(
    "DOCUMENT_TOO_LARGE",
    "The PDF holds a compressed stream that expands beyond the limit (a decompression bomb or an oversized document).",
    { details: { maxStreamBytes: limits.maxStreamBytes, maxDecodedBytes: limits.maxDecodedBytes } },
  );
}
