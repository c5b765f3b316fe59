// Spreadsheet import: readTable on a 10,000-row vendor register (XLSX and CSV) and mapImportRows
// over the result, each against a baseline measured in the same run: the bare library (exceljs
// load + cell walk, csv-parse) with no guard or limits, and for the mapping the inventory schemas'
// validation alone of the same rows already normalised.
// Run: node bench/spreadsheet-import.ts [rows]
import { performance } from "node:perf_hooks";
import { parse } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { AiIntegrationCreateSchema, VendorCreateSchema } from "../src/domain/inventory.ts";
import { mapImportRows, suggestColumnMapping } from "../src/domain/vendor-import.ts";
import { readTable } from "../src/evidence/spreadsheet/index.ts";

const rows = Number(process.argv[2] ?? 10_000);
const headers = [
  "Vendor",
  "Website",
  "Category",
  "Owner",
  "Use case",
  "Feature",
  "Data sent",
  "Regions",
  "Retention (days)",
  "Trains on data",
  "Customer facing",
  "Decision critical",
  "Domain",
  "Models",
];
const classes = ["PII, Customer data", "Internal", "PHI", "payment data; PII", "public"];
const domains = ["General", "Healthcare", "finance", "HR", "general"];
const grid: string[][] = Array.from({ length: rows }, (_, i) => {
  const v = i % Math.ceil(rows / 3);
  return [
    `Vendor ${v}`,
    `vendor${v}.example`,
    ["LLM provider", "vector db", "observability"][v % 3] ?? "other",
    `Owner ${v % 50}`,
    `Use case ${i}`,
    `Feature ${i % 200}`,
    classes[i % classes.length] ?? "",
    i % 7 === 0 ? "unknown" : "US, EU",
    String((i % 4) * 15),
    ["No", "yes", "opt-out", "unknown"][i % 4] ?? "",
    i % 2 === 0 ? "yes" : "no",
    i % 9 === 0 ? "" : "no",
    domains[i % domains.length] ?? "",
    i % 5 === 0 ? "mistralai/Mistral-7B-v0.1@main" : "gpt-4o@2024-08-06",
  ];
});

const quote = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
const csv = new TextEncoder().encode(`${[headers, ...grid].map((r) => r.map(quote).join(",")).join("\n")}\n`);
const wb = new ExcelJS.Workbook();
const ws = wb.addWorksheet("Vendors");
ws.addRow(headers);
for (const r of grid) ws.addRow(r);
const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());

/** Medians of a baseline and a measured function, run alternately so load and warm-up hit both alike. */
async function pair(
  runs: number,
  base: () => Promise<unknown> | unknown,
  ours: () => Promise<unknown> | unknown,
): Promise<[number, number]> {
  const a: number[] = [];
  const b: number[] = [];
  await base();
  await ours();
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    await base();
    a.push(performance.now() - start);
    start = performance.now();
    await ours();
    b.push(performance.now() - start);
  }
  const mid = (t: number[]) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)] ?? Number.NaN;
  return [mid(a), mid(b)];
}

async function bareXlsx(): Promise<number> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(xlsx.slice().buffer);
  let n = 0;
  book.worksheets[0]?.eachRow((row) => {
    row.eachCell(() => {
      n++;
    });
  });
  return n;
}

const runs = 5;
const table = await readTable(xlsx);
const mapping = suggestColumnMapping(table.headers);
const result = mapImportRows(table, mapping);
console.log(
  `${rows} rows, ${headers.length} columns; XLSX ${xlsx.length} bytes, CSV ${csv.length} bytes; ` +
    `${result.vendors.length} vendors, ${result.rejected.length} rejected`,
);

const [baseXlsx, ourXlsx] = await pair(runs, bareXlsx, () => readTable(xlsx));
const [baseCsv, ourCsv] = await pair(
  runs,
  () => parse(new TextDecoder().decode(csv), { relax_column_count: true }),
  () => readTable(csv),
);
// Baseline for the mapping: the schema validation alone, of the same rows already normalised.
const normalised = result.vendors.flatMap((v) =>
  v.integrations.map((i) => ({ vendor: v.vendor, integration: i })),
);
const [baseCopy, ourMap] = await pair(
  runs,
  () =>
    normalised.map((n) => [
      VendorCreateSchema.parse(n.vendor),
      AiIntegrationCreateSchema.parse(n.integration),
    ]),
  () => mapImportRows(table, mapping),
);
const line = (label: string, ms: number, base: number) =>
  console.log(`${label.padEnd(46)} ${ms.toFixed(1).padStart(8)} ms  (${(ms / base).toFixed(2)}x baseline)`);
console.log(`median of ${runs} runs, baseline and measured alternating, after one warm-up each`);
console.log(`${"baseline: exceljs load + cell walk".padEnd(46)} ${baseXlsx.toFixed(1).padStart(8)} ms`);
line("readTable XLSX (zip guard, limits, cell text)", ourXlsx, baseXlsx);
console.log(`${"baseline: csv-parse".padEnd(46)} ${baseCsv.toFixed(1).padStart(8)} ms`);
line("readTable CSV (decode, delimiter, limits)", ourCsv, baseCsv);
console.log(
  `${"baseline: zod parse of the normalised rows".padEnd(46)} ${baseCopy.toFixed(1).padStart(8)} ms`,
);
line("mapImportRows (normalise, validate, merge)", ourMap, baseCopy);
