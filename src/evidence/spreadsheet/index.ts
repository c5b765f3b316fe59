export {
  DEFAULT_LIMITS,
  type ReadTableOptions,
  type SpreadsheetFormat,
  type Table,
  type TableRow,
} from "./limits.ts";
export { readTable, sniffSpreadsheetFormat } from "./read-table.ts";
