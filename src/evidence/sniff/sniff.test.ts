import ExcelJS from "exceljs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import { para, renderPdf } from "../fixtures/render-pdf.ts";
import { buildZip, minimalDocx } from "../fixtures/zip-fixture.ts";
import { checkDocument, DOCUMENT_KINDS, sniffDocumentType } from "./sniff.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "none";
  } catch (error) {
    return isAppError(error) ? error.code : "other";
  }
}

let pdf: Uint8Array;
let xlsx: Uint8Array;

beforeAll(async () => {
  pdf = await renderPdf((doc) => para(doc, "hello"));
  const workbook = new ExcelJS.Workbook();
  workbook.addWorksheet("Answers").addRow(["question", "answer"]);
  xlsx = new Uint8Array(await workbook.xlsx.writeBuffer());
});

describe("sniffDocumentType", () => {
  it("detects binary formats from their bytes", () => {
    expect(sniffDocumentType(pdf).kind).toBe("pdf");
    expect(sniffDocumentType(xlsx)).toEqual({
      kind: "xlsx",
      mediaType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    });
    expect(sniffDocumentType(minimalDocx()).kind).toBe("docx");
    expect(
      sniffDocumentType(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0])).kind,
    ).toBe("png");
    expect(sniffDocumentType(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])).kind).toBe("jpeg");
  });

  it.each([
    ["<!DOCTYPE html><html><body>hi</body></html>", "html"],
    ['  {"vendor": "Acme", "tier": 2}', "json"],
    ["[1, 2, 3]", "json"],
    ["---\nlicense: mit\n---\n# Card\n", "markdown"],
    ["# Incident response plan\n\n- call the on-call engineer\n", "markdown"],
    ["Plain notes about a vendor call.\nNothing special.", "text"],
    ["{ not json, just braces", "text"],
    ["The header %PDF-1.7 appears in this sentence.", "text"],
  ])("reads %j as %s", (text, kind) => {
    expect(sniffDocumentType(utf8(text)).kind).toBe(kind);
  });

  it.each([
    ["an executable", new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03])],
    ["a legacy Word file", new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0])],
    ["an empty file", new Uint8Array()],
    ["binary noise", new Uint8Array([0xc3, 0x28, 0xa0, 0xa1, 0xff])],
    ["text with NUL bytes", utf8("abc\u0000def")],
    ["an SVG image", utf8('<svg xmlns="http://www.w3.org/2000/svg"></svg>')],
    ["a plain zip", buildZip([{ name: "notes.txt", data: "hi" }])],
  ])("refuses %s with DOCUMENT_TYPE_UNSUPPORTED", (_name, bytes) => {
    expect(codeOf(() => sniffDocumentType(bytes))).toBe("DOCUMENT_TYPE_UNSUPPORTED");
  });

  it("treats archives as hostile", () => {
    const traversal = buildZip([
      { name: "[Content_Types].xml", data: "<Types/>" },
      { name: "../../etc/cron.d/evil", data: "x" },
    ]);
    expect(codeOf(() => sniffDocumentType(traversal))).toBe("ARCHIVE_UNSAFE");
    const bomb = buildZip([
      { name: "[Content_Types].xml", data: "<Types/>" },
      { name: "word/document.xml", data: "<w:document/>", declaredSize: 4_000_000_000 },
    ]);
    expect(codeOf(() => sniffDocumentType(bomb))).toBe("ARCHIVE_UNSAFE");
    const cut = xlsx.slice(0, Math.floor(xlsx.length / 2));
    expect(codeOf(() => sniffDocumentType(cut))).toBe("DOCUMENT_CORRUPT");
  });
});

describe("checkDocument", () => {
  it("enforces the size limit before looking at the type", () => {
    expect(codeOf(() => checkDocument(pdf, { maxBytes: 10 }))).toBe("DOCUMENT_TOO_LARGE");
    expect(checkDocument(pdf).kind).toBe("pdf");
  });

  it("refuses kinds not allowed for this upload", () => {
    expect(codeOf(() => checkDocument(utf8("# notes\n\n- a\n"), { allowed: ["pdf"] }))).toBe(
      "DOCUMENT_TYPE_UNSUPPORTED",
    );
    expect(checkDocument(pdf, { allowed: ["pdf", "docx"] }).kind).toBe("pdf");
  });

  it("answers any bytes with a known kind or an AppError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        try {
          expect(DOCUMENT_KINDS).toContain(checkDocument(bytes).kind);
        } catch (error) {
          expect(isAppError(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("answers damaged Office files with a kind or an AppError", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 30 }),
        (edits) => {
          const bytes = new Uint8Array(xlsx);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          try {
            sniffDocumentType(bytes);
          } catch (error) {
            expect(isAppError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads printable text as one of the text kinds", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 500 }).filter(
          (s) =>
            s.trim().length > 0 &&
            ![...s].some((ch) => {
              const c = ch.charCodeAt(0);
              return c < 32 && c !== 9 && c !== 10 && c !== 12 && c !== 13;
            }),
        ),
        (text) => {
          try {
            expect(["text", "markdown", "json", "html"]).toContain(sniffDocumentType(utf8(text)).kind);
          } catch (error) {
            // XML-looking text is refused on purpose.
            expect(isAppError(error, "DOCUMENT_TYPE_UNSUPPORTED")).toBe(true);
            expect(
              text.trimStart().toLowerCase().startsWith("<?xml") ||
                text.trimStart().toLowerCase().startsWith("<svg"),
            ).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
