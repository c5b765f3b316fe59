/**
 * CSV reading: bytes decoded (UTF-8 with or without BOM, UTF-16 with BOM as Excel's "Unicode text"
 * writes it, else Windows-1252 as older Excel exports do), the delimiter detected from the header
 * line, then csv-parse does the quoting rules (RFC 4180).
 */
import { CsvError, parse } from "csv-parse/sync";
import { isAppError } from "../../domain/errors.ts";
import { buildTable, invalid, type Limits, type Table, tooLarge } from "./limits.ts";

const DELIMITERS = [",", ";", "\t", "|"] as const;

/** Decodes CSV bytes to text; refuses bytes that are plainly binary. */
export function decodeCsvText(bytes: Uint8Array): string {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  } else if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  } else {
    const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
    const body = bytes.subarray(start);
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    } catch {
      text = new TextDecoder("windows-1252").decode(body);
    }
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) {
    throw invalid(
      "The file holds binary data (a NUL byte), so it is neither CSV text nor an XLSX workbook.",
      {
        offset: nul,
      },
    );
  }
  return text;
}

/**
 * The delimiter of the first record: whichever of , ; tab | occurs most often outside quotes
 * (a comma on a tie or when none occurs, which is a one-column file).
 */
export function detectDelimiter(text: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (let i = 0; i < text.length && i < 64 * 1024; i++) {
    const c = text.charAt(i);
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === "\n" || c === "\r")) break;
    else if (!quoted && counts.has(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let best = ",";
  let bestCount = 0;
  for (const [d, n] of counts) {
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

export function readCsv(bytes: Uint8Array, limits: Limits): Table {
  const text = decodeCsvText(bytes);
  const delimiter = detectDelimiter(text);
  const grid: { rowNumber: number; values: string[] }[] = [];
  let recordNumber = 0;
  let filled = 0;
  try {
    parse(text, {
      delimiter,
      relax_column_count: true,
      skip_empty_lines: false,
      max_record_size: limits.maxCellLength * Math.min(limits.maxColumns, 64) + 1024,
      on_record: (record: string[]) => {
        recordNumber++;
        const values = record.map((v) => v.trim());
        if (values.some((v) => v !== "")) {
          filled++;
          // Header plus data rows: stop reading as soon as the limit is passed.
          if (filled > limits.maxRows + 1) {
            throw tooLarge(
              `The file has more than ${limits.maxRows} data rows (row ${recordNumber} is one too many).`,
              { row: recordNumber, limit: limits.maxRows },
            );
          }
          grid.push({ rowNumber: recordNumber, values });
        }
        return null;
      },
    });
  } catch (error) {
    if (isAppError(error)) throw error;
    if (error instanceof CsvError) {
      const line = typeof error.lines === "number" ? error.lines : undefined;
      const row = recordNumber + 1;
      if (error.code === "CSV_MAX_RECORD_SIZE") {
        throw tooLarge(`Row ${row} of the CSV is longer than the size limit for one row.`, {
          row,
          limit: limits.maxCellLength * Math.min(limits.maxColumns, 64) + 1024,
        });
      }
      throw invalid(
        `The CSV cannot be read at row ${row}${line === undefined ? "" : ` (line ${line})`}: ${csvProblem(error)}.`,
        { row, line, reason: error.code },
        error,
      );
    }
    throw invalid("The CSV cannot be read.", {}, error);
  }
  return buildTable(grid, limits, { format: "csv" });
}

function csvProblem(error: CsvError): string {
  switch (error.code) {
    case "CSV_QUOTE_NOT_CLOSED":
      return "a quoted field is never closed";
    case "CSV_INVALID_CLOSING_QUOTE":
    case "CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE":
      return "a quote inside a field is not doubled";
    case "CSV_MAX_RECORD_SIZE":
      return "a row is longer than the size limit";
    default:
      return error.message.replace(/\s+/g, " ").slice(0, 200);
  }
}
