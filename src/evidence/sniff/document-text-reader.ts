import { AppError } from "../../domain/errors.ts";
import { type DocumentText, documentTextFromString } from "../pdf/document-text.ts";
import { extractPdfText } from "../pdf/extract-pdf-text.ts";
import type { PdfLimits } from "../pdf/pdf-limits.ts";
import { checkDocument, type DocumentCheckOptions, type DocumentKind } from "./sniff.ts";
import { readZipDirectory, readZipEntry } from "./zip-directory.ts";

export interface ReadDocumentOptions extends DocumentCheckOptions {
  pdfLimits?: Partial<PdfLimits>;
  /** Most characters of text kept (default 20 million, as for PDFs). */
  maxChars?: number;
}

export interface ReadDocument {
  kind: DocumentKind;
  mediaType: string;
  text: DocumentText;
}

const DEFAULT_MAX_CHARS = 20_000_000;
const DEFAULT_MAX_UNCOMPRESSED = 512 * 1024 * 1024;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** Decodes the XML/HTML character references a document's text uses. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code =
        ref[1] === "x" || ref[1] === "X" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function tooMuchText(limit: number): AppError {
  return new AppError("INPUT_TOO_LARGE", `The document holds more than ${limit} characters of text.`, {
    details: { limit },
  });
}

/**
 * The text of a Word document, page by page. Pages follow the explicit page breaks and the
 * breaks Word recorded where it last laid out a page (`w:lastRenderedPageBreak`); a file saved
 * by a tool that records neither is one page.
 */
export function readDocxText(
  bytes: Uint8Array,
  options: { maxChars?: number; maxUncompressedBytes?: number } = {},
): DocumentText {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const entry = readZipDirectory(bytes, options.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED).find(
    (e) => e.name === "word/document.xml",
  );
  if (!entry)
    throw new AppError("DOCUMENT_CORRUPT", "The Word document has no main part (word/document.xml).");
  let xml: string;
  try {
    xml = new TextDecoder("utf-8", { fatal: true }).decode(readZipEntry(bytes, entry));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError("DOCUMENT_CORRUPT", "The Word document's text is not valid UTF-8.");
  }
  const pages: string[] = [];
  let page = "";
  let length = 0;
  const token =
    /<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>|<w:tab\/>|<w:br\b([^>]*)\/>|<w:cr\/>|<\/w:p>|<w:lastRenderedPageBreak\/>|<\/w:tc>/g;
  for (let m = token.exec(xml); m !== null; m = token.exec(xml)) {
    const tag = m[0];
    let add = "";
    if (m[1] !== undefined) add = decodeEntities(m[1]);
    else if (tag === "<w:tab/>" || tag === "</w:tc>") add = "\t";
    else if (tag.startsWith("<w:br")) {
      if (/w:type="page"/.test(m[2] ?? "")) {
        pages.push(page);
        page = "";
      } else add = "\n";
    } else if (tag === "<w:cr/>" || tag === "</w:p>") add = "\n";
    else if (tag === "<w:lastRenderedPageBreak/>") {
      pages.push(page);
      page = "";
    }
    length += add.length;
    if (length > maxChars) throw tooMuchText(maxChars);
    page += add;
  }
  pages.push(page);
  // A break recorded at the very start leaves an empty first page; drop empty pages at the edges.
  while (pages.length > 1 && (pages[0] ?? "").trim() === "") pages.shift();
  while (pages.length > 1 && (pages.at(-1) ?? "").trim() === "") pages.pop();
  return { pages: pages.map((text, i) => ({ number: i + 1, text })) };
}

const BLOCK_TAGS = new Set([
  "p",
  "div",
  "br",
  "li",
  "tr",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "section",
  "article",
  "table",
  "ul",
  "ol",
  "hr",
  "title",
  "header",
  "footer",
]);

/** Trims each line's end and keeps at most one blank line between blocks (linear, no backtracking). */
function collapseBlankLines(text: string): string {
  const out: string[] = [];
  let blank = false;
  for (const raw of text.split("\n")) {
    const line = raw.trimEnd();
    if (line.trim().length === 0) {
      blank = out.length > 0;
      continue;
    }
    if (blank) out.push("");
    out.push(line);
    blank = false;
  }
  return out.join("\n");
}

const TAG_NAME = /<(\/?)([a-zA-Z][a-zA-Z0-9-]{0,40})/y;

/** The visible text of an HTML page: scripts and styles dropped, block elements on their own lines. */
export function htmlText(html: string): string {
  let out = "";
  let skipUntil: string | null = null;
  let at = 0;
  let nextClose = -1;
  // A scan by indexOf, each character visited once, so unclosed comments or tags stay linear.
  // As in browsers, a tag runs to the next ">", whatever it holds.
  while (at < html.length) {
    const open = html.indexOf("<", at);
    if (skipUntil === null) out += html.slice(at, open < 0 ? html.length : open);
    if (open < 0) break;
    if (html.startsWith("<!--", open)) {
      const close = html.indexOf("-->", open + 4);
      at = close < 0 ? html.length : close + 3;
      continue;
    }
    if (nextClose < open) nextClose = html.indexOf(">", open);
    if (nextClose < 0) {
      if (skipUntil === null) out += html.slice(open);
      break;
    }
    TAG_NAME.lastIndex = open;
    const m = TAG_NAME.exec(html);
    if (!m) {
      const next = html[open + 1];
      if (next === "!" || next === "?") {
        at = nextClose + 1; // <!doctype …>, <?xml …?>
      } else {
        if (skipUntil === null) out += "<";
        at = open + 1;
      }
      continue;
    }
    at = nextClose + 1;
    const name = (m[2] ?? "").toLowerCase();
    if (skipUntil !== null) {
      if (m[1] === "/" && name === skipUntil) skipUntil = null;
      continue;
    }
    if (
      m[1] !== "/" &&
      (name === "script" || name === "style" || name === "noscript" || name === "template")
    ) {
      skipUntil = name;
    } else if (name === "td" || name === "th") {
      out += "\t";
    } else if (BLOCK_TAGS.has(name)) {
      out += "\n";
    }
  }
  return collapseBlankLines(decodeEntities(out));
}

/**
 * Reads the text of an uploaded document of any accepted kind: sniffs and checks it
 * (`checkDocument`), then extracts text from PDF (pdf.js, with its limits), Word, HTML,
 * Markdown, JSON or plain text. Spreadsheets and images hold no text to read here and give
 * DOCUMENT_TYPE_UNSUPPORTED.
 */
export async function readDocumentText(
  bytes: Uint8Array,
  options: ReadDocumentOptions = {},
): Promise<ReadDocument> {
  const sniffed = checkDocument(bytes, options);
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const asText = () => {
    const text = new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "");
    if (text.length > maxChars) throw tooMuchText(maxChars);
    return text;
  };
  let text: DocumentText;
  switch (sniffed.kind) {
    case "pdf":
      text = await extractPdfText(bytes, {
        maxChars,
        ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
        ...options.pdfLimits,
      });
      break;
    case "docx":
      text = readDocxText(bytes, { maxChars, maxUncompressedBytes: options.maxUncompressedBytes });
      break;
    case "html":
      text = documentTextFromString(htmlText(asText()).replace(/\f/g, ""));
      break;
    case "text":
    case "markdown":
    case "json":
      text = documentTextFromString(asText());
      break;
    case "xlsx":
    case "png":
    case "jpeg":
      throw new AppError(
        "DOCUMENT_TYPE_UNSUPPORTED",
        `A ${sniffed.kind} file holds no text that can be read as a document.`,
        {
          details: { detected: sniffed.kind },
        },
      );
  }
  return { ...sniffed, text };
}
