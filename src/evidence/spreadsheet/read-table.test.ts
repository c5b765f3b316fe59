import { deflateRawSync } from "node:zlib";
import ExcelJS from "exceljs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AppError, isAppError } from "../../domain/errors.ts";
import { buildZip } from "../fixtures/zip-fixture.ts";
import { readTable } from "./read-table.ts";
import { numberText } from "./xlsx.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

/**
 * Writes a table as RFC 4180 CSV. Fields holding any candidate delimiter are quoted, as a careful
 * writer does: an unquoted ";" in a one-line comma file is ambiguous to any reader.
 */
function writeCsv(rows: readonly (readonly string[])[], delimiter = ","): string {
  const field = (v: string) => (/["\r\n,;\t|]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return `${rows.map((r) => r.map(field).join(delimiter)).join("\r\n")}\r\n`;
}

async function workbook(build: (wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  build(wb);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

/** A zip whose members are deflated, with an optional lie about the unpacked size. */
function deflatedZip(entries: { name: string; data: string; declaredSize?: number }[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const raw = Buffer.from(entry.data);
    const data = deflateRawSync(raw);
    const size = entry.declaredSize ?? raw.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, cd, end]));
}

describe("readTable: CSV", () => {
  it.each([
    [",", "comma"],
    [";", "semicolon"],
    ["\t", "tab"],
  ])("detects the %s delimiter (%s) and keys cells by header", async (delimiter) => {
    const text = writeCsv(
      [
        ["Vendor", "Website", "Data classes"],
        ["OpenAI", "https://openai.com", "PII, Customer data"],
        ["Cohere", "https://cohere.com", "Internal"],
      ],
      delimiter,
    );
    const table = await readTable(utf8(text));
    expect(table.format).toBe("csv");
    expect(table.headers).toEqual(["Vendor", "Website", "Data classes"]);
    expect(table.rows).toEqual([
      {
        rowNumber: 2,
        cells: { Vendor: "OpenAI", Website: "https://openai.com", "Data classes": "PII, Customer data" },
      },
      {
        rowNumber: 3,
        cells: { Vendor: "Cohere", Website: "https://cohere.com", "Data classes": "Internal" },
      },
    ]);
  });

  it("strips a UTF-8 BOM, keeps quoted commas, newlines and doubled quotes, and numbers rows as the sheet shows them", async () => {
    const text = '\uFEFFVendor,Notes\n\n"Acme, Inc.","line one\nline two"\n,\n"Say ""hi""",x\n';
    const table = await readTable(utf8(text));
    expect(table.headers).toEqual(["Vendor", "Notes"]);
    expect(table.rows).toEqual([
      { rowNumber: 3, cells: { Vendor: "Acme, Inc.", Notes: "line one\nline two" } },
      { rowNumber: 5, cells: { Vendor: 'Say "hi"', Notes: "x" } },
    ]);
  });

  it("reads Windows-1252 and UTF-16 exports", async () => {
    const latin = new Uint8Array([...utf8("Vendor\nCaf"), 0xe9, 0x0a]);
    expect((await readTable(latin)).rows[0]?.cells.Vendor).toBe("Café");
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from("Vendor\tOwner\nMistral\tAna\n", "utf16le")]);
    const table = await readTable(utf16);
    expect(table.rows[0]?.cells).toEqual({ Vendor: "Mistral", Owner: "Ana" });
  });

  it("ignores trailing empty columns, as Excel writes them, even past the column limit", async () => {
    const trailing = ",".repeat(150);
    const table = await readTable(utf8(`Vendor,Owner${trailing}\nA,B${trailing}\n`));
    expect(table.headers).toEqual(["Vendor", "Owner"]);
    expect(table.rows[0]?.cells).toEqual({ Vendor: "A", Owner: "B" });
  });

  it("pads short rows and names unnamed header columns", async () => {
    const table = await readTable(utf8("Vendor,,Owner\nA\n"));
    expect(table.headers).toEqual(["Vendor", "Column B", "Owner"]);
    expect(table.rows[0]?.cells).toEqual({ Vendor: "A", "Column B": "", Owner: "" });
  });

  it.each([
    ["an unclosed quote", 'Vendor,Notes\nA,ok\nB,"never closed\n', "SPREADSHEET_INVALID", /row 3/],
    ["a value past the header", "Vendor,Owner\nA,B,C\n", "SPREADSHEET_INVALID", /Row 2.*C2/],
    ["duplicate headers", "Vendor,vendor\nA,B\n", "SPREADSHEET_INVALID", /both named/],
    ["only blank lines", "\n\n,,\n", "SPREADSHEET_INVALID", /empty/],
    ["binary data", "Vendor\u0000\n", "SPREADSHEET_INVALID", /binary/],
  ])("refuses %s", async (_label, text, code, message) => {
    const error = await failure(readTable(utf8(text)));
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("enforces the size, row, column and cell limits, naming the row or cell", async () => {
    const rows = ["Vendor", ...Array.from({ length: 6 }, (_, i) => `V${i}`)].join("\n");
    const tooMany = await failure(readTable(utf8(rows), { maxRows: 5 }));
    expect(tooMany).toMatchObject({ code: "INPUT_TOO_LARGE", details: { row: 7, limit: 5 } });
    expect((await readTable(utf8(rows), { maxRows: 6 })).rows).toHaveLength(6);

    const big = await failure(readTable(utf8("Vendor\nA\n"), { maxBytes: 4 }));
    expect(big.code).toBe("INPUT_TOO_LARGE");

    const wide = await failure(
      readTable(utf8(`${Array.from({ length: 5 }, (_, i) => `H${i}`).join(",")}\n`), { maxColumns: 4 }),
    );
    expect(wide.code).toBe("INPUT_TOO_LARGE");

    const long = await failure(readTable(utf8(`Vendor,Notes\nA,${"x".repeat(50)}\n`), { maxCellLength: 20 }));
    expect(long).toMatchObject({ code: "INPUT_TOO_LARGE", details: { cell: "B2" } });
  });

  it("refuses a legacy .xls file and a format that does not match the bytes", async () => {
    const ole = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]);
    expect((await failure(readTable(ole))).message).toMatch(/legacy Excel/);
    expect((await failure(readTable(utf8("Vendor\nA\n"), { format: "xlsx" }))).code).toBe(
      "SPREADSHEET_INVALID",
    );
    expect((await failure(readTable(new Uint8Array()))).code).toBe("SPREADSHEET_INVALID");
  });

  it("round-trips any table written as CSV (property)", async () => {
    const cell = fc.string({ unit: "grapheme", maxLength: 12 }).map((s) => s.trim());
    const header = fc
      .string({ unit: "grapheme-ascii", minLength: 1, maxLength: 8 })
      .map((s) => s.trim())
      .filter((s) => s !== "" && !s.startsWith("Column "));
    const table = fc
      .uniqueArray(header, {
        minLength: 1,
        maxLength: 6,
        comparator: (a, b) => a.toLowerCase() === b.toLowerCase(),
      })
      .chain((headers) =>
        fc.tuple(
          fc.constant(headers),
          fc.array(fc.array(cell, { minLength: headers.length, maxLength: headers.length }), {
            maxLength: 8,
          }),
          fc.constantFrom(",", ";", "\t"),
        ),
      );
    await fc.assert(
      fc.asyncProperty(table, async ([headers, rows, delimiter]) => {
        const read = await readTable(utf8(writeCsv([headers, ...rows], delimiter)));
        expect(read.headers).toEqual(headers);
        const expected = rows
          .map((r, i) => ({
            rowNumber: i + 2,
            cells: Object.fromEntries(headers.map((h, j) => [h, r[j] ?? ""])),
          }))
          .filter((r) => Object.values(r.cells).some((v) => v !== ""));
        expect(read.rows).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});

describe("readTable: XLSX", () => {
  it("reads the first sheet: dates, rich text, formula results, hyperlinks, booleans and clean numbers", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("Vendors");
      ws.addRow(["Vendor", "Since", "Notes", "Total", "Customer facing", "Site", "Share"]);
      ws.addRow([
        { richText: [{ text: "Open" }, { text: "AI", font: { bold: true } }] },
        new Date(Date.UTC(2025, 2, 7)),
        "plain",
        { formula: "1+2", result: 3 },
        true,
        { text: "openai.com", hyperlink: "https://openai.com" },
        0.1 + 0.2,
      ]);
      ws.addRow([]);
      ws.addRow([
        "Cohere",
        null,
        null,
        { formula: "NA()", result: { error: "#N/A" } },
        false,
        null,
        1234567.5,
      ]);
      wb.addWorksheet("Other").addRow(["ignored"]);
    });
    const table = await readTable(bytes);
    expect(table).toMatchObject({ format: "xlsx", sheet: "Vendors" });
    expect(table.rows).toEqual([
      {
        rowNumber: 2,
        cells: {
          Vendor: "OpenAI",
          Since: "2025-03-07",
          Notes: "plain",
          Total: "3",
          "Customer facing": "true",
          Site: "openai.com",
          Share: "0.3",
        },
      },
      {
        rowNumber: 4,
        cells: {
          Vendor: "Cohere",
          Since: "",
          Notes: "",
          Total: "#N/A",
          "Customer facing": "false",
          Site: "",
          Share: "1234567.5",
        },
      },
    ]);
  });

  it("reads a named sheet and lists the sheets when the name is wrong", async () => {
    const bytes = await workbook((wb) => {
      wb.addWorksheet("Intro").addRow(["Read me"]);
      const ws = wb.addWorksheet("AI vendors");
      ws.addRow(["Vendor"]);
      ws.addRow(["Pinecone"]);
    });
    const table = await readTable(bytes, { sheet: "ai vendors" });
    expect(table.sheet).toBe("AI vendors");
    expect(table.rows[0]?.cells.Vendor).toBe("Pinecone");
    const error = await failure(readTable(bytes, { sheet: "Nope" }));
    expect(error.message).toMatch(/Intro, AI vendors/);
  });

  it("names the cell past the column limit and the row past the row limit", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("S");
      ws.addRow(["A", "B", "C"]);
      ws.addRow(["1", "2", "3"]);
      ws.addRow(["4", "5", "6"]);
    });
    expect(await failure(readTable(bytes, { maxColumns: 2 }))).toMatchObject({
      code: "INPUT_TOO_LARGE",
      details: { cell: "C1" },
    });
    expect(await failure(readTable(bytes, { maxRows: 1 }))).toMatchObject({
      code: "INPUT_TOO_LARGE",
      details: { row: 3 },
    });
  });

  it("refuses zip bombs by declared size before unpacking, and members that unpack past their declaration", async () => {
    const declared = buildZip([
      { name: "xl/workbook.xml", data: "<workbook/>" },
      { name: "xl/worksheets/sheet1.xml", data: "<x/>", declaredSize: 4_000_000_000 },
    ]);
    expect(await failure(readTable(declared))).toMatchObject({ code: "INPUT_TOO_LARGE" });
    const lying = deflatedZip([
      { name: "xl/workbook.xml", data: "<workbook/>" },
      { name: "xl/worksheets/sheet1.xml", data: "a".repeat(1_000_000), declaredSize: 100 },
    ]);
    const error = await failure(readTable(lying));
    expect(error.code).toBe("SPREADSHEET_INVALID");
    expect(error.message).toMatch(/sheet1\.xml/);
  });

  it("gives every row of a merged cell its value (a vendor name merged over its integrations)", async () => {
    const bytes = await workbook((wb) => {
      const ws = wb.addWorksheet("S");
      ws.addRow(["Vendor", "Use case"]);
      ws.addRow(["OpenAI", "Chat"]);
      ws.addRow([null, "Notes"]);
      ws.mergeCells("A2:A3");
    });
    const table = await readTable(bytes);
    expect(table.rows.map((r) => r.cells)).toEqual([
      { Vendor: "OpenAI", "Use case": "Chat" },
      { Vendor: "OpenAI", "Use case": "Notes" },
    ]);
  });

  it("refuses a zip that is not a workbook and a damaged workbook", async () => {
    const docx = buildZip([{ name: "word/document.xml", data: "<w:document/>" }]);
    expect((await failure(readTable(docx))).message).toMatch(/not an Excel workbook/);
    const good = await workbook((wb) => wb.addWorksheet("S").addRow(["Vendor"]));
    const truncated = good.subarray(0, Math.floor(good.length / 2));
    expect((await failure(readTable(truncated))).code).toBe("SPREADSHEET_INVALID");
    const broken = deflatedZip([
      { name: "[Content_Types].xml", data: "<Types" },
      { name: "xl/workbook.xml", data: "<workbook><sheets><sheet" },
    ]);
    expect((await failure(readTable(broken))).code).toBe("SPREADSHEET_INVALID");
  });
});

describe("readTable: hostile bytes", () => {
  it("throws nothing but AppError for random bytes, zip-looking or not (property)", async () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.uint8Array({ maxLength: 400 }).map((b) => new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...b])),
      fc.string({ maxLength: 200 }).map((s) => utf8(s)),
    );
    await fc.assert(
      fc.asyncProperty(bytes, async (input) => {
        try {
          const table = await readTable(input);
          expect(table.headers.length).toBeGreaterThan(0);
        } catch (error) {
          expect(isAppError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("throws nothing but AppError for damaged copies of a real workbook (property)", async () => {
    const good = await workbook((wb) => {
      const ws = wb.addWorksheet("Vendors");
      ws.addRow(["Vendor", "Data sent", "Since"]);
      for (let i = 0; i < 20; i++) ws.addRow([`Vendor ${i}`, "PII, PHI", new Date(Date.UTC(2025, 0, i + 1))]);
    });
    const damage = fc.oneof(
      fc.array(fc.tuple(fc.nat({ max: good.length - 1 }), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 8,
      }),
      fc.nat({ max: good.length - 1 }).map((cut) => cut),
    );
    await fc.assert(
      fc.asyncProperty(damage, async (change) => {
        let bytes: Uint8Array;
        if (typeof change === "number") bytes = good.subarray(0, change);
        else {
          bytes = good.slice();
          for (const [at, value] of change) bytes[at] = value;
        }
        try {
          await readTable(bytes);
        } catch (error) {
          expect(isAppError(error), String(error)).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("refuses a CSV record longer than the size limit as too large", async () => {
    const error = await failure(
      readTable(
        utf8(`Vendor,Notes
A,"${"x".repeat(5000)}"
`),
        { maxCellLength: 10 },
      ),
    );
    expect(error.code).toBe("INPUT_TOO_LARGE");
    expect(error.message).toMatch(/Row 2/);
  });

  it("shows numbers without float noise", () => {
    expect(numberText(0.1 + 0.2)).toBe("0.3");
    expect(numberText(1e21)).toBe("1e+21");
    expect(numberText(42)).toBe("42");
    expect(numberText(-0.000012345)).toBe("-0.000012345");
  });
});
