/**
 * Limits and small helpers shared by the CSV and XLSX readers. A spreadsheet upload is outside input:
 * every dimension is bounded before the work it would cost is done.
 */
import { AppError } from "../../domain/errors.ts";

export const SPREADSHEET_FORMATS = ["csv", "xlsx"] as const;
export type SpreadsheetFormat = (typeof SPREADSHEET_FORMATS)[number];

export interface ReadTableOptions {
  /** "auto" (the default) decides from the bytes: a zip archive is XLSX, anything else CSV. */
  format?: SpreadsheetFormat | "auto" | undefined;
  /** Data rows (not counting the header) accepted; more is INPUT_TOO_LARGE. Default 10,000. */
  maxRows?: number | undefined;
  /** Size of the file itself. Default 5 MB. */
  maxBytes?: number | undefined;
  /** Columns in the header. Default 100. */
  maxColumns?: number | undefined;
  /** Characters in one cell. Default 10,000. */
  maxCellLength?: number | undefined;
  /** XLSX only: the worksheet to read, by name; the first sheet when absent. */
  sheet?: string | undefined;
}

export interface TableRow {
  /** The row number a person sees in the spreadsheet (the header is usually row 1). */
  rowNumber: number;
  /** Cell text by header; every header has a key, empty cells are "". */
  cells: Record<string, string>;
}

export interface Table {
  format: SpreadsheetFormat;
  /** XLSX only: the name of the worksheet that was read. */
  sheet?: string | undefined;
  headers: string[];
  rows: TableRow[];
}

export interface Limits {
  maxRows: number;
  maxBytes: number;
  maxColumns: number;
  maxCellLength: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = {
  maxRows: 10_000,
  maxBytes: 5 * 1024 * 1024,
  maxColumns: 100,
  maxCellLength: 10_000,
};

export function limitsOf(options: ReadTableOptions): Limits {
  return {
    maxRows: options.maxRows ?? DEFAULT_LIMITS.maxRows,
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxColumns: options.maxColumns ?? DEFAULT_LIMITS.maxColumns,
    maxCellLength: options.maxCellLength ?? DEFAULT_LIMITS.maxCellLength,
  };
}

/** Spreadsheet column letters for a 1-based column number (1 → A, 27 → AA). */
export function columnLetters(column: number): string {
  let n = column;
  let out = "";
  while (n > 0) {
    const rest = (n - 1) % 26;
    out = String.fromCharCode(65 + rest) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

export function cellRef(column: number, row: number): string {
  return `${columnLetters(column)}${row}`;
}

export function invalid(message: string, details: Record<string, unknown> = {}, cause?: unknown): AppError {
  return new AppError("SPREADSHEET_INVALID", message, { details, cause });
}

export function tooLarge(message: string, details: Record<string, unknown>): AppError {
  return new AppError("INPUT_TOO_LARGE", message, { details });
}

/**
 * Turns the raw grid (row number and cell texts, already trimmed) into a table: the first row with
 * any text is the header; fully empty rows after it are left out; every limit is checked and every
 * problem names the row or the cell.
 */
export function buildTable(
  grid: Iterable<{ rowNumber: number; values: string[] }>,
  limits: Limits,
  base: { format: SpreadsheetFormat; sheet?: string | undefined },
): Table {
  let headers: string[] | null = null;
  const rows: TableRow[] = [];
  for (const { rowNumber, values } of grid) {
    values.forEach((value, index) => {
      if (value.length > limits.maxCellLength) {
        throw tooLarge(
          `Cell ${cellRef(index + 1, rowNumber)} holds ${value.length} characters; the limit is ${limits.maxCellLength}.`,
          { row: rowNumber, cell: cellRef(index + 1, rowNumber), limit: limits.maxCellLength },
        );
      }
    });
    const lastFilled = lastNonEmpty(values);
    if (lastFilled < 0) continue;
    if (headers === null) {
      headers = headerRow(values.slice(0, lastFilled + 1), rowNumber, limits);
      continue;
    }
    if (lastFilled >= headers.length) {
      throw invalid(
        `Row ${rowNumber} has a value in cell ${cellRef(lastFilled + 1, rowNumber)}, beyond the ${headers.length} named columns of the header.`,
        { row: rowNumber, cell: cellRef(lastFilled + 1, rowNumber), columns: headers.length },
      );
    }
    if (rows.length >= limits.maxRows) {
      throw tooLarge(
        `The sheet has more than ${limits.maxRows} data rows (row ${rowNumber} is one too many).`,
        {
          row: rowNumber,
          limit: limits.maxRows,
        },
      );
    }
    const cells: Record<string, string> = {};
    headers.forEach((header, index) => {
      cells[header] = values[index] ?? "";
    });
    rows.push({ rowNumber, cells });
  }
  if (headers === null) throw invalid("The sheet is empty: no header row was found.");
  return { ...base, headers, rows };
}

function lastNonEmpty(values: readonly string[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== "") return i;
  return -1;
}

function headerRow(values: string[], rowNumber: number, limits: Limits): string[] {
  if (values.length > limits.maxColumns) {
    throw tooLarge(`The header row has ${values.length} columns; the limit is ${limits.maxColumns}.`, {
      row: rowNumber,
      columns: values.length,
      limit: limits.maxColumns,
    });
  }
  const seen = new Map<string, number>();
  return values.map((value, index) => {
    const header = value === "" ? `Column ${columnLetters(index + 1)}` : value;
    const key = header.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw invalid(
        `Columns ${columnLetters(earlier + 1)} and ${columnLetters(index + 1)} of the header (row ${rowNumber}) are both named "${header}"; rename one.`,
        { row: rowNumber, header, columns: [columnLetters(earlier + 1), columnLetters(index + 1)] },
      );
    }
    seen.set(key, index);
    return header;
  });
}
