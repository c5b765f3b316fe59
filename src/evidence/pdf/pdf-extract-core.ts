import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { AppError } from "../../domain/errors.ts";
import type { DocumentPage, LayoutLine } from "./document-text.ts";
import type { PdfLimits } from "./pdf-limits.ts";

/** What pdf.js found: the page texts and the page count of the whole file. */
export interface RawPdfText {
  pageCount: number;
  pages: DocumentPage[];
  characters: number;
}

interface TextItemLike {
  str: string;
  hasEOL: boolean;
  width: number;
  transform: number[];
}

function isTextItem(item: unknown): item is TextItemLike {
  return typeof item === "object" && item !== null && typeof (item as { str?: unknown }).str === "string";
}

/** A gap wider than this (in PDF units) between runs on one line separates table cells. */
const CELL_GAP = 10;

/**
 * Joins pdf.js text items into lines: a change of baseline starts a new line, a small gap a
 * space, a wide gap a new cell (recorded in `lines` with its x position, for tables).
 */
export function joinTextItems(items: readonly unknown[]): { text: string; lines: LayoutLine[] } {
  let out = "";
  const lines: LayoutLine[] = [];
  let current: LayoutLine | undefined;
  let lastY: number | undefined;
  let lastEnd: number | undefined;
  const trimEnd = () => {
    let end = out.length;
    while (end > 0 && (out.charCodeAt(end - 1) === 32 || out.charCodeAt(end - 1) === 9)) end--;
    if (end < out.length) out = out.slice(0, end);
  };
  const newline = () => {
    trimEnd();
    out += "\n";
    current = undefined;
  };
  for (const item of items) {
    if (!isTextItem(item)) continue;
    const x = item.transform[4] ?? 0;
    const y = item.transform[5] ?? 0;
    if (lastY !== undefined && current !== undefined && Math.abs(y - lastY) > 1) newline();
    // pdf.js marks wide gaps with a white-space item as wide as the gap; the gap itself decides.
    if (item.str.trim().length > 0) {
      if (current === undefined) {
        current = { y, start: out.length, cells: [{ x, start: out.length }] };
        lines.push(current);
      } else if (lastEnd !== undefined && x - lastEnd > CELL_GAP) {
        if (!/\s$/.test(out)) out += " ";
        current.cells.push({ x, start: out.length });
      } else if (lastEnd !== undefined && x - lastEnd > 1 && !/\s$/.test(out) && !/^\s/.test(item.str)) {
        out += " ";
      }
      out += item.str;
      lastY = y;
      lastEnd = x + item.width;
    }
    if (item.hasEOL) {
      if (current !== undefined) newline();
      else if (!out.endsWith("\n\n")) out += "\n";
    }
  }
  trimEnd();
  return { text: out, lines };
}

/**
 * Extracts the text of each page with pdf.js in the calling thread. No time limit can interrupt
 * it here; `extractPdfText` runs it in a worker thread for that.
 */
export async function extractPagesWithPdfjs(bytes: Uint8Array, limits: PdfLimits): Promise<RawPdfText> {
  const task = getDocument({
    // pdf.js takes ownership of (and detaches) the buffer it is given; keep the caller's intact.
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    stopAtErrors: false,
    verbosity: 0,
  });
  let pdf: Awaited<typeof task.promise>;
  try {
    pdf = await task.promise;
  } catch (error) {
    await task.destroy();
    throw mapPdfjsError(error);
  }
  try {
    if (pdf.numPages > limits.maxPages) {
      throw new AppError(
        "DOCUMENT_TOO_LARGE",
        `The PDF has ${pdf.numPages} pages; the limit is ${limits.maxPages}.`,
        {
          details: { pages: pdf.numPages, limit: limits.maxPages },
        },
      );
    }
    const pages: DocumentPage[] = [];
    let characters = 0;
    for (let number = 1; number <= pdf.numPages; number++) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      const { text, lines } = joinTextItems(content.items);
      page.cleanup();
      characters += text.length;
      if (characters > limits.maxChars) {
        throw new AppError(
          "INPUT_TOO_LARGE",
          `The PDF holds more than ${limits.maxChars} characters of text.`,
          {
            details: { limit: limits.maxChars, page: number },
          },
        );
      }
      pages.push({ number, text, lines });
    }
    return { pageCount: pdf.numPages, pages, characters };
  } catch (error) {
    throw error instanceof AppError ? error : mapPdfjsError(error);
  } finally {
    await pdf.destroy();
  }
}

function mapPdfjsError(error: unknown): AppError {
  const name = typeof error === "object" && error !== null ? String((error as { name?: unknown }).name) : "";
  if (name === "PasswordException") {
    return new AppError("PDF_ENCRYPTED", "The PDF is password-protected; upload a copy without a password.");
  }
  if (name === "InvalidPDFException") {
    return new AppError("PDF_INVALID", "The file is not a readable PDF.");
  }
  return new AppError("DOCUMENT_CORRUPT", "The PDF is damaged and its text could not be read.", {
    details: { reason: name || "unknown" },
  });
}
