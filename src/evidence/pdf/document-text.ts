/**
 * The text of a document, page by page, and the helpers every reader uses to point back into
 * it: each extracted fact carries the page it came from and the source text it quotes.
 */

/** One page of extracted text; `number` is 1-based, as printed in viewers. */
export interface DocumentPage {
  number: number;
  text: string;
  /** Where each line and each cell of it starts, when the text came from a laid-out page. */
  lines?: LayoutLine[];
}

/**
 * A line of a laid-out page: its baseline and its cells, text runs separated by a wide gap
 * (table columns). Offsets index into the page's text; a cell ends where the next one starts.
 */
export interface LayoutLine {
  y: number;
  start: number;
  cells: { x: number; start: number }[];
}

/** A document's text, page by page. Plain text documents are one page (or split on form feeds). */
export interface DocumentText {
  pages: DocumentPage[];
}

/** A fact found in a document, with the page and the source text that supports it. */
export interface Extracted<T> {
  value: T;
  page: number;
  quote: string;
}

/** Longest quote kept for one fact; long enough for a clause, short enough for a table cell. */
export const MAX_QUOTE_CHARS = 400;

/** Builds a DocumentText from plain text; form feeds (as written by pdftotext) separate pages. */
export function documentTextFromString(text: string): DocumentText {
  const parts = text.split("\f");
  return { pages: parts.map((part, index) => ({ number: index + 1, text: part })) };
}

/** The pages joined into one string, with the offset where each page starts. */
export interface JoinedText {
  text: string;
  starts: number[];
  pageNumbers: number[];
}

/** Joins the pages with a blank line between them so that patterns may span a page break. */
export function joinPages(doc: DocumentText): JoinedText {
  const starts: number[] = [];
  const pageNumbers: number[] = [];
  let text = "";
  for (const page of doc.pages) {
    if (text.length > 0) text += "\n\n";
    starts.push(text.length);
    pageNumbers.push(page.number);
    text += page.text;
  }
  return { text, starts, pageNumbers };
}

/** The index (into `doc.pages`) of the page that holds the character at `offset` of a JoinedText. */
export function pageIndexAt(joined: JoinedText, offset: number): number {
  let low = 0;
  let high = joined.starts.length - 1;
  let found = 0;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((joined.starts[mid] ?? 0) <= offset) {
      found = mid;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return found;
}

/** The page number that holds the character at `offset` of a JoinedText. */
export function pageAt(joined: JoinedText, offset: number): number {
  return joined.pageNumbers[pageIndexAt(joined, offset)] ?? 1;
}

/** Collapses runs of white space (line breaks included) into single spaces. */
export function squeeze(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

const SENTENCE_END = /[.;!?](?=\s)|\n\s*\n/g;

/**
 * The sentence (or clause) around text[start, end), white space collapsed, at most `max`
 * characters. Quotes are what a reviewer reads to check the fact, so they follow sentence
 * boundaries rather than a fixed window.
 */
export function quoteAround(text: string, start: number, end: number, max = MAX_QUOTE_CHARS): string {
  const windowStart = Math.max(0, start - max);
  let sentenceStart = windowStart;
  SENTENCE_END.lastIndex = windowStart;
  for (let m = SENTENCE_END.exec(text); m !== null && m.index < start; m = SENTENCE_END.exec(text)) {
    sentenceStart = m.index + m[0].length;
  }
  const windowEnd = Math.min(text.length, end + max);
  SENTENCE_END.lastIndex = Math.max(end - 1, 0);
  const after = SENTENCE_END.exec(text);
  const sentenceEnd = after !== null && after.index < windowEnd ? after.index + 1 : windowEnd;
  let quote = squeeze(text.slice(sentenceStart, sentenceEnd));
  if (quote.length > max) {
    const matchStart = squeeze(text.slice(sentenceStart, start)).length;
    const from = Math.max(0, Math.min(matchStart - Math.floor(max / 4), quote.length - max));
    quote = `${from > 0 ? "…" : ""}${quote.slice(from, from + max).trim()}${from + max < quote.length ? "…" : ""}`;
  }
  return quote;
}

/** Builds an Extracted fact from a match in a JoinedText. */
export function extractedAt<T>(joined: JoinedText, value: T, start: number, end: number): Extracted<T> {
  return { value, page: pageAt(joined, start), quote: quoteAround(joined.text, start, end) };
}

/** The first match of `pattern` (which must have the `g` or `y` flag cleared) with its offsets. */
export function firstMatch(text: string, pattern: RegExp, from = 0): RegExpExecArray | null {
  const flags = pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`;
  const re = new RegExp(pattern.source, flags);
  re.lastIndex = from;
  return re.exec(text);
}

/** Every match of `pattern` in `text`, capped so that hostile input cannot make the list explode. */
export function allMatches(text: string, pattern: RegExp, cap = 10_000): RegExpExecArray[] {
  const flags = pattern.flags.includes("g") ? pattern.flags : `${pattern.flags}g`;
  const re = new RegExp(pattern.source, flags);
  const out: RegExpExecArray[] = [];
  for (let m = re.exec(text); m !== null && out.length < cap; m = re.exec(text)) {
    out.push(m);
    if (m[0].length === 0) re.lastIndex += 1;
  }
  return out;
}

/** Finding severities, shared with the rest of Assay. */
export const FINDING_SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

/**
 * A finding raised by an evidence reader: a stable rule id, a severity, a one-line title, a
 * sentence of detail, and where known the page and quote that raised it.
 */
export interface EvidenceFinding {
  rule: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  page?: number;
  quote?: string;
}

/** Lines of `text` with their start offsets (the offsets index into `text`). */
export function linesWithOffsets(text: string): { line: string; start: number }[] {
  const out: { line: string; start: number }[] = [];
  let start = 0;
  for (;;) {
    const end = text.indexOf("\n", start);
    out.push({ line: text.slice(start, end < 0 ? text.length : end), start });
    if (end < 0) return out;
    start = end + 1;
  }
}

/** Longest run of white space the text parsers see; longer runs carry no meaning. */
export const MAX_WHITESPACE_RUN = 40;

/**
 * Shortens runs of white space longer than MAX_WHITESPACE_RUN (to a blank line when the run
 * holds a line break, else to one space). Parsers call it first so that no pattern can spend
 * quadratic time on a hostile run of spaces or line breaks. Pages it changes lose their layout
 * (its offsets would no longer match); other pages are returned as they were.
 */
export function boundWhitespace(doc: DocumentText): DocumentText {
  return { pages: doc.pages.map((page) => boundPageWhitespace(page)) };
}

function isSpace(code: number): boolean {
  return (
    code === 32 || code === 9 || code === 10 || code === 13 || code === 12 || code === 11 || code === 0xa0
  );
}

function boundPageWhitespace(page: DocumentPage): DocumentPage {
  const text = page.text;
  let out: string[] | null = null;
  let copied = 0;
  let i = 0;
  while (i < text.length) {
    if (!isSpace(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let j = i;
    let newline = false;
    while (j < text.length && isSpace(text.charCodeAt(j))) {
      if (text.charCodeAt(j) === 10) newline = true;
      j++;
    }
    if (j - i > MAX_WHITESPACE_RUN) {
      out ??= [];
      out.push(text.slice(copied, i), newline ? "\n\n" : " ");
      copied = j;
    }
    i = j;
  }
  if (out === null) return page;
  out.push(text.slice(copied));
  return { number: page.number, text: out.join("") };
}
