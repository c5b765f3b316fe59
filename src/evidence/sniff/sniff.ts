import { AppError } from "../../domain/errors.ts";
import { readZipDirectory } from "./zip-directory.ts";

/** Document types the store accepts, detected from the bytes, never from the file name. */
export const DOCUMENT_KINDS = [
  "pdf",
  "docx",
  "xlsx",
  "text",
  "markdown",
  "json",
  "png",
  "jpeg",
  "html",
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const MEDIA_TYPES: Record<DocumentKind, string> = {
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  text: "text/plain",
  markdown: "text/markdown",
  json: "application/json",
  png: "image/png",
  jpeg: "image/jpeg",
  html: "text/html",
};

export interface SniffResult {
  kind: DocumentKind;
  mediaType: string;
}

export interface DocumentCheckOptions {
  /** Largest file accepted (default 50 MB). */
  maxBytes?: number;
  /** Kinds accepted here; default all of DOCUMENT_KINDS. */
  allowed?: readonly DocumentKind[];
  /** Largest total uncompressed size an Office file's entries may declare (zip-bomb guard). */
  maxUncompressedBytes?: number;
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 50 * 1024 * 1024;
const DEFAULT_MAX_UNCOMPRESSED = 512 * 1024 * 1024;

const REJECTED_SIGNATURES: [string, number[]][] = [
  ["Windows executable", [0x4d, 0x5a]],
  ["ELF executable", [0x7f, 0x45, 0x4c, 0x46]],
  ["legacy Office (OLE) document", [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
  ["gzip archive", [0x1f, 0x8b]],
  ["GIF image", [0x47, 0x49, 0x46, 0x38]],
  ["RIFF container", [0x52, 0x49, 0x46, 0x46]],
  ["7-Zip archive", [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ["RAR archive", [0x52, 0x61, 0x72, 0x21]],
  ["Mach-O executable", [0xcf, 0xfa, 0xed, 0xfe]],
  ["Python pickle", [0x80, 0x04, 0x95]],
];

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  return signature.every((b, i) => bytes[at + i] === b);
}

/** True when a latin1 string holds a byte that plain text would not (control or high bytes). */
function hasBinaryByte(latin1: string): boolean {
  for (let i = 0; i < latin1.length; i++) {
    const c = latin1.charCodeAt(i);
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) || c >= 0x80) return true;
  }
  return false;
}

function unsupported(message: string, detected: string): AppError {
  return new AppError("DOCUMENT_TYPE_UNSUPPORTED", message, { details: { detected } });
}

function result(kind: DocumentKind): SniffResult {
  return { kind, mediaType: MEDIA_TYPES[kind] };
}

/**
 * Detects a document's type from its bytes: PDF, Word and Excel (by the parts inside the zip),
 * PNG, JPEG, and for UTF-8 text, HTML, JSON, Markdown or plain text. Anything else, and zip
 * archives that are not Office documents, are refused with DOCUMENT_TYPE_UNSUPPORTED; unsafe
 * archives with ARCHIVE_UNSAFE.
 */
export function sniffDocumentType(bytes: Uint8Array, options: DocumentCheckOptions = {}): SniffResult {
  if (bytes.length === 0) throw unsupported("The file is empty.", "empty");
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 1024)).toString("latin1");
  // pdf.js accepts junk before the header; text that merely mentions "%PDF-" is not a PDF.
  const pdfAt = head.indexOf("%PDF-");
  if (pdfAt === 0 || (pdfAt > 0 && hasBinaryByte(head.slice(0, pdfAt)))) return result("pdf");
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return result("png");
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return result("jpeg");
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) {
    return result(officeKind(bytes, options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED));
  }
  for (const [name, signature] of REJECTED_SIGNATURES) {
    if (startsWith(bytes, signature))
      throw unsupported(`The file is a ${name}, which is not an accepted document type.`, name);
  }
  return result(textKind(bytes));
}

/**
 * Checks an upload before it is stored: size first (DOCUMENT_TOO_LARGE), then the sniffed type
 * against the kinds allowed here (DOCUMENT_TYPE_UNSUPPORTED).
 */
export function checkDocument(bytes: Uint8Array, options: DocumentCheckOptions = {}): SniffResult {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes.length > maxBytes) {
    throw new AppError("DOCUMENT_TOO_LARGE", `The file is ${bytes.length} bytes; the limit is ${maxBytes}.`, {
      details: { size: bytes.length, limit: maxBytes },
    });
  }
  const sniffed = sniffDocumentType(bytes, options);
  const allowed = options.allowed ?? DOCUMENT_KINDS;
  if (!allowed.includes(sniffed.kind)) {
    throw new AppError(
      "DOCUMENT_TYPE_UNSUPPORTED",
      `A ${sniffed.kind} file is not accepted here (allowed: ${allowed.join(", ")}).`,
      {
        details: { detected: sniffed.kind, allowed },
      },
    );
  }
  return sniffed;
}

function textKind(bytes: Uint8Array): DocumentKind {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw unsupported("The file is neither a supported binary format nor UTF-8 text.", "binary");
  }
  let control = 0;
  const sample = text.length > 65_536 ? text.slice(0, 65_536) : text;
  for (let i = 0; i < sample.length; i++) {
    const c = sample.charCodeAt(i);
    if (c === 0) throw unsupported("The file holds NUL bytes, so it is binary, not text.", "binary");
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control += 1;
  }
  if (control > sample.length / 100)
    throw unsupported("The file holds too many control characters to be text.", "binary");
  const start = text.replace(/^\uFEFF/, "").trimStart();
  const lowerHead = start.slice(0, 1024).toLowerCase();
  if (
    lowerHead.startsWith("<!doctype html") ||
    lowerHead.startsWith("<html") ||
    /^<(?:head|body|meta|title)\b/.test(lowerHead)
  ) {
    return "html";
  }
  if (lowerHead.startsWith("<?xml") || lowerHead.startsWith("<svg")) {
    throw unsupported("XML and SVG files are not accepted documents.", "xml");
  }
  if (start.startsWith("{") || start.startsWith("[")) {
    try {
      JSON.parse(start);
      return "json";
    } catch {
      // Not JSON after all; fall through to the text kinds.
    }
  }
  return looksLikeMarkdown(start) ? "markdown" : "text";
}

function looksLikeMarkdown(text: string): boolean {
  const sample = text.slice(0, 65_536);
  if (/^---\r?\n[\s\S]{0,4000}?\r?\n---\r?\n/.test(sample)) return true;
  let signals = 0;
  if (/^#{1,6}\s+\S/m.test(sample)) signals += 2;
  if (/^(?:```|~~~)/m.test(sample)) signals += 1;
  if (/\[[^\]\n[]{1,200}\]\([^)\s]{1,500}\)/.test(sample)) signals += 1;
  if (/^\s{0,3}[-*+]\s+\S/m.test(sample)) signals += 1;
  if (/^\|[^\n]{1,2000}\|[ \t]*\r?\n\|[ \t]*:?-{3,}/m.test(sample)) signals += 1;
  if (/\*\*[^*\n]{1,200}\*\*/.test(sample)) signals += 1;
  return signals >= 2;
}

/** Decides Word or Excel from the parts a zip's directory lists (nothing is decompressed). */
function officeKind(bytes: Uint8Array, maxUncompressed: number): DocumentKind {
  const names = new Set(readZipDirectory(bytes, maxUncompressed).map((e) => e.name));
  if (names.has("[Content_Types].xml")) {
    if (names.has("word/document.xml")) return "docx";
    if (names.has("xl/workbook.xml")) return "xlsx";
  }
  throw unsupported("The file is a zip archive, not a Word or Excel document.", "zip");
}
