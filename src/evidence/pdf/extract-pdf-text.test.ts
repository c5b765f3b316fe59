import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { AppError, isAppError } from "../../domain/errors.ts";
import { decompressionBombPdf, plainTextPdf, truncated } from "../fixtures/hostile-pdf.ts";
import { imageOnlyPdf, para, renderPdf } from "../fixtures/render-pdf.ts";
import { extractPdfText, prewarmPdfReader } from "./extract-pdf-text.ts";

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "none";
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
}

const PAGE_TEXT = [
  "The first page says the period ended on December 31, 2025, and that no exceptions were noted.",
  "The second page lists the complementary user entity controls in a numbered list of items.",
  "The third page holds the signature of the service auditor and the date of the report.",
];

let threePages: Uint8Array;

beforeAll(async () => {
  threePages = await renderPdf((doc) => {
    PAGE_TEXT.forEach((text, i) => {
      if (i > 0) doc.addPage();
      para(doc, text);
    });
  });
});

describe("extractPdfText", () => {
  it("returns each page's text under its 1-based page number", async () => {
    const result = await extractPdfText(threePages);
    expect(result.pageCount).toBe(3);
    expect(result.pages.map((p) => p.number)).toEqual([1, 2, 3]);
    result.pages.forEach((page, i) => {
      expect(page.text.replace(/\s+/g, " ").trim()).toBe(PAGE_TEXT[i]);
    });
    expect(result.characters).toBeGreaterThan(200);
  });

  it("leaves the caller's buffer usable", async () => {
    const copy = new Uint8Array(threePages);
    await extractPdfText(copy);
    expect(copy.byteLength).toBe(threePages.byteLength);
    expect(Buffer.from(copy).equals(Buffer.from(threePages))).toBe(true);
  });

  it("reads hand-written PDFs without compression", async () => {
    const bytes = plainTextPdf([
      ["Hand written page one with enough text to count."],
      ["Page two, also long enough to count."],
    ]);
    const result = await extractPdfText(bytes);
    expect(result.pages[1]?.text).toContain("Page two, also long enough");
  });

  it("says clearly when pages are images without a text layer", async () => {
    const error = await extractPdfText(await imageOnlyPdf(2)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("PDF_NO_TEXT_LAYER");
    expect((error as AppError).message).toMatch(/no text layer/);
  });

  it("rejects a password-protected PDF with PDF_ENCRYPTED", async () => {
    const locked = await renderPdf((doc) => para(doc, PAGE_TEXT[0] ?? ""), { userPassword: "secret" });
    expect(await codeOf(extractPdfText(locked))).toBe("PDF_ENCRYPTED");
  });

  it("rejects a truncated PDF with DOCUMENT_CORRUPT", async () => {
    expect(await codeOf(extractPdfText(truncated(threePages)))).toBe("DOCUMENT_CORRUPT");
  });

  it("rejects bytes that are not a PDF with PDF_INVALID", async () => {
    expect(await codeOf(extractPdfText(new TextEncoder().encode("hello, this is plain text %%EOF")))).toBe(
      "PDF_INVALID",
    );
  });

  it("enforces the byte, page and character limits", async () => {
    expect(await codeOf(extractPdfText(threePages, { maxBytes: 100 }))).toBe("DOCUMENT_TOO_LARGE");
    expect(await codeOf(extractPdfText(threePages, { maxPages: 2 }))).toBe("DOCUMENT_TOO_LARGE");
    expect(await codeOf(extractPdfText(threePages, { maxChars: 150 }))).toBe("INPUT_TOO_LARGE");
  });

  it("stops a decompression bomb before pdf.js inflates it", async () => {
    const bomb = decompressionBombPdf(8 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const started = performance.now();
    expect(await codeOf(extractPdfText(bomb, { maxStreamBytes: 4 * 1024 * 1024 }))).toBe(
      "DOCUMENT_TOO_LARGE",
    );
    expect(await codeOf(extractPdfText(bomb, { maxDecodedBytes: 1024 * 1024 }))).toBe("DOCUMENT_TOO_LARGE");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("accepts the same bomb-shaped file when its stream fits the limits", async () => {
    const small = decompressionBombPdf(64 * 1024);
    const result = await extractPdfText(small);
    expect(result.pageCount).toBe(2);
  });

  it("stops at the time limit instead of hanging", async () => {
    expect(await codeOf(extractPdfText(threePages, { timeoutMs: 1 }))).toBe("INPUT_TOO_LARGE");
  });

  it("answers damaged files with text or an AppError, never anything else", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }),
        async (edits) => {
          const bytes = new Uint8Array(threePages);
          // Keep the header and the end marker so that pdf.js, not the pre-check, meets the damage.
          for (const [at, value] of edits) bytes[16 + (at % (bytes.length - 64))] = value;
          try {
            const result = await extractPdfText(bytes, { timeoutMs: 10_000 });
            expect(result.pageCount).toBeGreaterThan(0);
          } catch (error) {
            expect(isAppError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe("extractPdfText thread reuse", () => {
  it("keeps working after refusals, timeouts and successes in any order", async () => {
    const locked = await renderPdf((doc) => para(doc, PAGE_TEXT[0] ?? ""), { userPassword: "pw" });
    const outcomes: string[] = [];
    for (const [bytes, limits] of [
      [threePages, {}],
      [locked, {}],
      [threePages, { timeoutMs: 1 }],
      [threePages, {}],
      [locked, {}],
      [threePages, {}],
    ] as const) {
      outcomes.push(await codeOf(extractPdfText(bytes, limits)));
    }
    expect(outcomes).toEqual(["none", "PDF_ENCRYPTED", "INPUT_TOO_LARGE", "none", "PDF_ENCRYPTED", "none"]);
  });

  it("serves parallel documents", async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => extractPdfText(threePages)));
    expect(results.map((r) => r.pageCount)).toEqual([3, 3, 3, 3]);
  });
});

describe("prewarmPdfReader", () => {
  it("leaves a warm thread that reads the next document quickly", async () => {
    expect(await prewarmPdfReader()).toBe(true);
    const started = performance.now();
    const result = await extractPdfText(threePages);
    expect(result.pageCount).toBe(3);
    // A cold start (new thread, pdf.js loading) takes several hundred milliseconds even unloaded.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
