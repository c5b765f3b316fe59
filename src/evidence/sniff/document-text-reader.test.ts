import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import { analyzeDpa } from "../dpa/dpa.ts";
import { para, renderPdf } from "../fixtures/render-pdf.ts";
import { buildDocx, buildZip } from "../fixtures/zip-fixture.ts";
import { decodeEntities, htmlText, readDocumentText, readDocxText } from "./document-text-reader.ts";

const utf8 = (s: string) => new TextEncoder().encode(s);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "none";
  } catch (error) {
    return isAppError(error) ? error.code : "other";
  }
}

describe("readDocumentText", () => {
  it("reads a PDF through the PDF reader", async () => {
    const pdf = await renderPdf((doc) => para(doc, "A PDF page with enough words to count as a text layer."));
    const read = await readDocumentText(pdf);
    expect(read.kind).toBe("pdf");
    expect(read.text.pages[0]?.text).toContain("enough words");
  });

  it("reads Word documents page by page, with either kind of page break", async () => {
    for (const breaks of ["rendered", "explicit"] as const) {
      const docx = buildDocx(
        [["Data Processing Addendum", "Between Customer & Acme <Inc>."], ["Page two text."]],
        breaks,
      );
      const read = await readDocumentText(docx);
      expect(read.kind).toBe("docx");
      expect(read.text.pages.map((p) => p.text.trim())).toEqual([
        "Data Processing Addendum\nBetween Customer & Acme <Inc>.",
        "Page two text.",
      ]);
    }
  });

  it("lets the DPA reader quote a Word document with page numbers", async () => {
    const docx = buildDocx([
      ["Data Processing Addendum"],
      ["Processor shall not use Customer Data to train or improve any machine learning model."],
    ]);
    const a = analyzeDpa((await readDocumentText(docx)).text);
    expect(a.trainingUse).toBe("no");
    expect(a.training?.page).toBe(2);
  });

  it("reads HTML without scripts and styles, and the text kinds as they are", async () => {
    const html = await readDocumentText(
      utf8(
        "<!doctype html><html><head><style>p{}</style><script>var a = '<p>';</script></head><body><h1>Trust</h1><p>Data stays in the EU &amp; UK.</p></body></html>",
      ),
    );
    expect(html.kind).toBe("html");
    expect(html.text.pages[0]?.text.trim()).toBe("Trust\n\nData stays in the EU & UK.");
    const md = await readDocumentText(utf8("\uFEFF# Plan\n\n- step one\n"));
    expect(md).toMatchObject({
      kind: "markdown",
      text: { pages: [{ number: 1, text: "# Plan\n\n- step one\n" }] },
    });
  });

  it("refuses kinds without readable text and oversized text", async () => {
    expect(
      await codeOf(readDocumentText(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]))),
    ).toBe("DOCUMENT_TYPE_UNSUPPORTED");
    expect(await codeOf(readDocumentText(utf8("word ".repeat(100)), { maxChars: 50 }))).toBe(
      "INPUT_TOO_LARGE",
    );
    expect(await codeOf(readDocumentText(buildDocx([["word ".repeat(100)]]), { maxChars: 50 }))).toBe(
      "INPUT_TOO_LARGE",
    );
  });
});

describe("readDocxText on hostile files", () => {
  it("refuses an entry that expands beyond the size its directory declares", () => {
    const xml = `<w:document><w:body><w:p><w:r><w:t>${"x".repeat(100_000)}</w:t></w:r></w:p></w:body></w:document>`;
    const lying = buildZip([
      { name: "[Content_Types].xml", data: "<Types/>" },
      { name: "word/document.xml", data: xml, deflate: true, declaredSize: 1_000 },
    ]);
    let code = "";
    try {
      readDocxText(lying);
    } catch (error) {
      code = isAppError(error) ? error.code : "other";
    }
    expect(code).toBe("ARCHIVE_UNSAFE");
  });

  it("answers damaged Word files with text or an AppError", () => {
    const docx = buildDocx([["Some paragraph text."], ["More text."]]);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }),
        (edits) => {
          const bytes = new Uint8Array(docx);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          try {
            expect(readDocxText(bytes).pages.length).toBeGreaterThan(0);
          } catch (error) {
            expect(isAppError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("htmlText and entities", () => {
  it("decodes named and numeric references and leaves unknown ones", () => {
    expect(decodeEntities("a &amp; b &lt;c&gt; &#233; &#x1F600; &bogus; &#0;")).toBe(
      "a & b <c> é 😀 &bogus; &#0;",
    );
  });

  it("stays linear on unclosed comments and tags", () => {
    for (const fragment of ["<!--", "<a ", "<script>", "<"]) {
      const started = performance.now();
      htmlText(fragment.repeat(200_000));
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it("never throws on random markup", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 500 }), (s) => {
        expect(typeof htmlText(s)).toBe("string");
      }),
      { numRuns: 500 },
    );
  });
});
