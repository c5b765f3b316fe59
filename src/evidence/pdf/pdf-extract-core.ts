import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { AppError } from "../../domain/errors.ts";
import type { DocumentPage } from "./document-text.ts";
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

/** Joins pdf.js text items into lines: a change of baseline starts a new line, a gap a space. */
export function joinTextItems(items: readonly unknown[]): string {
  let out = "";
  let lastY: number | undefined;
  let lastEnd: number | undefined;
  for (const item of items) {
    if (!isTextItem(item)) continue;
    const x = item.transform[4] ?? 0;
    const y = item.transform[5] ?? 0;
    if (lastY !== undefined && out.length > 0 && !out.endsWith("\n")) {
      if (Math.abs(y - lastY) > 1) out += "\n";
      else if (lastEnd !== undefined && x - lastEnd > 1 && !/\s$/.test(out) && !/^\s/.test(item.str))
        out += " ";
    }
    out += item.str;
    if (item.hasEOL) out += "\n";
    lastY = y;
    lastEnd = x + item.width;
  }
  return out.replace(/[ \t]+\n/g, "\n");
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
      const text = joinTextItems(content.items);
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
      pages.push({ number, text });
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
