/**
 * Reads an uploaded spreadsheet (CSV or XLSX bytes) into a plain table of text cells keyed by
 * header, for the vendor import and any other spreadsheet upload. Type is sniffed from the bytes;
 * size, rows, columns and cell length are bounded; everything wrong is an AppError
 * (INPUT_TOO_LARGE or SPREADSHEET_INVALID) whose message names the row or cell.
 */
import { readCsv } from "./csv.ts";
import {
  invalid,
  limitsOf,
  type ReadTableOptions,
  type SpreadsheetFormat,
  type Table,
  tooLarge,
} from "./limits.ts";
import { readXlsx } from "./xlsx.ts";

function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05);
}

function isLegacyExcel(bytes: Uint8Array): boolean {
  const ole = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
  return ole.every((b, i) => bytes[i] === b);
}

/** Which reader the bytes need: a zip archive is XLSX, anything else is read as CSV text. */
export function sniffSpreadsheetFormat(bytes: Uint8Array): SpreadsheetFormat {
  return isZip(bytes) ? "xlsx" : "csv";
}

/** Reads CSV or XLSX bytes into headers and rows of text, within the limits of `options`. */
export async function readTable(bytes: Uint8Array, options: ReadTableOptions = {}): Promise<Table> {
  const limits = limitsOf(options);
  if (bytes.length > limits.maxBytes) {
    throw tooLarge(`The file is ${bytes.length} bytes; the limit is ${limits.maxBytes}.`, {
      size: bytes.length,
      limit: limits.maxBytes,
    });
  }
  if (bytes.length === 0) throw invalid("The file is empty.");
  if (isLegacyExcel(bytes)) {
    throw invalid("The file is a legacy Excel (.xls) workbook; save it as .xlsx or .csv and upload again.");
  }
  const sniffed = sniffSpreadsheetFormat(bytes);
  const wanted = options.format ?? "auto";
  if (wanted !== "auto" && wanted !== sniffed) {
    throw invalid(
      `The file was sent as ${wanted.toUpperCase()} but its content is ${sniffed.toUpperCase()}.`,
      {
        declared: wanted,
        detected: sniffed,
      },
    );
  }
  return sniffed === "xlsx" ? readXlsx(bytes, limits, options.sheet) : readCsv(bytes, limits);
}
