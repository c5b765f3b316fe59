/**
 * XLSX reading with exceljs, behind a zip guard: the archive's central directory is read first and
 * every member is inflated with a ceiling equal to its declared size, so a zip bomb (a huge declared
 * size, or a member that inflates past what it declares) is refused before exceljs sees the bytes.
 */
import { inflateRawSync } from "node:zlib";
import ExcelJS from "exceljs";
import { isAppError } from "../../domain/errors.ts";
import { buildTable, cellRef, invalid, type Limits, type Table, tooLarge } from "./limits.ts";

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const MAX_ENTRIES = 2_000;

export interface ZipMember {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
}

/** How much a workbook may unpack to: 12 times the file limit, at most 64 MB (a dense 10,000-row sheet is well under). */
export function maxUnpackedBytes(limits: Limits): number {
  return Math.min(limits.maxBytes * 12, 64 * 1024 * 1024);
}

/** Reads the zip central directory; refuses ZIP64, too many members and declared sizes over `maxTotal`. */
export function readZipDirectory(bytes: Uint8Array, maxTotal: number): ZipMember[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= 0 && i >= bytes.length - 22 - 0xffff; i--) {
    if (view.getUint32(i, true) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0)
    throw invalid("The file starts like an XLSX workbook (a zip archive) but its end is missing.");
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  const cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdOffset === 0xffffffff) {
    throw invalid("The workbook uses ZIP64, which a spreadsheet of the accepted size never needs.");
  }
  if (count > MAX_ENTRIES) {
    throw tooLarge(`The workbook archive has ${count} parts; the limit is ${MAX_ENTRIES}.`, {
      parts: count,
      limit: MAX_ENTRIES,
    });
  }
  if (cdOffset + cdSize > eocd) throw invalid("The workbook's zip directory points outside the file.");
  const members: ZipMember[] = [];
  let at = cdOffset;
  let total = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw invalid("The workbook's zip directory is damaged.");
    }
    const method = view.getUint16(at + 10, true);
    const compressedSize = view.getUint32(at + 20, true);
    const uncompressedSize = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength > eocd) throw invalid("The workbook's zip directory is damaged.");
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    total += uncompressedSize;
    if (total > maxTotal) {
      throw tooLarge(
        `The workbook would unpack to more than ${maxTotal} bytes (part "${name.slice(0, 100)}" declares ${uncompressedSize}); it looks like a zip bomb.`,
        { part: name.slice(0, 200), declared: uncompressedSize, limit: maxTotal },
      );
    }
    members.push({ name, method, compressedSize, uncompressedSize, localOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return members;
}

/** Inflates every member with its declared size as the ceiling; a member that lies is refused. */
export function checkZipMembers(bytes: Uint8Array, members: readonly ZipMember[]): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const member of members) {
    const at = member.localOffset;
    if (at + 30 > bytes.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
      throw invalid(`The workbook part "${member.name.slice(0, 100)}" is missing from the archive.`);
    }
    const dataStart = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
    const dataEnd = dataStart + member.compressedSize;
    if (dataEnd > bytes.length) {
      throw invalid(`The workbook part "${member.name.slice(0, 100)}" runs past the end of the file.`);
    }
    const data = bytes.subarray(dataStart, dataEnd);
    let size: number;
    if (member.method === 0) size = data.length;
    else if (member.method === 8) {
      try {
        // One byte of headroom: output past the declared size means the declaration is a lie.
        size = inflateRawSync(data, { maxOutputLength: member.uncompressedSize + 1 }).length;
      } catch (error) {
        throw invalid(
          `The workbook part "${member.name.slice(0, 100)}" does not unpack to its declared size (damaged or a zip bomb).`,
          { part: member.name.slice(0, 200) },
          error,
        );
      }
    } else {
      throw invalid(
        `The workbook part "${member.name.slice(0, 100)}" uses an unsupported compression method.`,
        {
          part: member.name.slice(0, 200),
          method: member.method,
        },
      );
    }
    if (size !== member.uncompressedSize) {
      throw invalid(
        `The workbook part "${member.name.slice(0, 100)}" unpacks to ${size} bytes but declares ${member.uncompressedSize}.`,
        { part: member.name.slice(0, 200) },
      );
    }
  }
}

/** Text of a number without binary float noise (0.1 + 0.2 shows as 0.3, 1e21 stays exact as text). */
export function numberText(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  return String(Number(value.toPrecision(15)));
}

function dateText(value: Date): string {
  return Number.isNaN(value.getTime()) ? "" : value.toISOString().slice(0, 10);
}

/** The text of an exceljs cell value: rich text joined, formulas as their cached result, dates as YYYY-MM-DD. */
export function cellText(value: ExcelJS.CellValue, depth = 0): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return numberText(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (value instanceof Date) return dateText(value);
  if (depth > 3) return "";
  if ("richText" in value && Array.isArray(value.richText)) {
    return value.richText.map((part) => (typeof part.text === "string" ? part.text : "")).join("");
  }
  if ("formula" in value || "sharedFormula" in value) {
    return cellText(value.result as ExcelJS.CellValue, depth + 1);
  }
  if ("hyperlink" in value) {
    // exceljs gives the link's display text as a string or as rich text.
    return cellText(value.text as ExcelJS.CellValue, depth + 1);
  }
  if ("error" in value && typeof value.error === "string") return value.error;
  return "";
}

export async function readXlsx(
  bytes: Uint8Array,
  limits: Limits,
  sheetName: string | undefined,
): Promise<Table> {
  const members = readZipDirectory(bytes, maxUnpackedBytes(limits));
  if (!members.some((m) => m.name === "xl/workbook.xml")) {
    throw invalid("The file is a zip archive but not an Excel workbook (no xl/workbook.xml).");
  }
  checkZipMembers(bytes, members);
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs declares its own `Buffer` (an ArrayBuffer); a copy of the bytes is one.
    await workbook.xlsx.load(bytes.slice().buffer);
  } catch (error) {
    throw invalid("The Excel workbook cannot be read; it may be damaged.", {}, error);
  }
  const sheets = workbook.worksheets;
  const worksheet =
    sheetName === undefined
      ? sheets[0]
      : sheets.find((s) => s.name.toLowerCase() === sheetName.toLowerCase());
  if (worksheet === undefined) {
    throw invalid(
      sheetName === undefined
        ? "The workbook has no worksheet."
        : `The workbook has no sheet named "${sheetName}" (sheets: ${sheets.map((s) => s.name).join(", ")}).`,
      { sheets: sheets.map((s) => s.name) },
    );
  }
  const grid: { rowNumber: number; values: string[] }[] = [];
  try {
    worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
      const values: string[] = [];
      row.eachCell({ includeEmpty: false }, (cell, column) => {
        const text = cellText(cell.value).trim();
        if (text === "") return;
        if (column > limits.maxColumns) {
          throw tooLarge(
            `Cell ${cellRef(column, rowNumber)} is beyond the column limit of ${limits.maxColumns}.`,
            { row: rowNumber, cell: cellRef(column, rowNumber), limit: limits.maxColumns },
          );
        }
        while (values.length < column - 1) values.push("");
        values[column - 1] = text;
      });
      if (values.length > 0) {
        grid.push({ rowNumber, values });
        if (grid.length > limits.maxRows + 1) {
          throw tooLarge(
            `The sheet has more than ${limits.maxRows} data rows (row ${rowNumber} is one too many).`,
            {
              row: rowNumber,
              limit: limits.maxRows,
            },
          );
        }
      }
    });
  } catch (error) {
    if (isAppError(error)) throw error;
    throw invalid(`The sheet "${worksheet.name}" cannot be read.`, {}, error);
  }
  return buildTable(grid, limits, { format: "xlsx", sheet: worksheet.name });
}
