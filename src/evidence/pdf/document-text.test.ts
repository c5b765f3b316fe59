import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  boundWhitespace,
  documentTextFromString,
  extractedAt,
  joinPages,
  MAX_QUOTE_CHARS,
  MAX_WHITESPACE_RUN,
  pageAt,
  quoteAround,
} from "./document-text.ts";

describe("joinPages and pageAt", () => {
  it("maps every offset back to the page that holds it", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 50 }), { minLength: 1, maxLength: 8 }), (texts) => {
        const doc = { pages: texts.map((text, i) => ({ number: i + 1, text })) };
        const joined = joinPages(doc);
        texts.forEach((text, i) => {
          const start = joined.starts[i] ?? -1;
          expect(joined.text.slice(start, start + text.length)).toBe(text);
          if (text.length > 0) expect(pageAt(joined, start + text.length - 1)).toBe(i + 1);
        });
      }),
    );
  });

  it("splits plain text into pages on form feeds", () => {
    const doc = documentTextFromString("one\ftwo\fthree");
    expect(doc.pages.map((p) => [p.number, p.text])).toEqual([
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
  });
});

describe("quoteAround", () => {
  it("quotes the sentence that holds the match", () => {
    const text = "First sentence here. The vendor shall notify within 72 hours. Last one.";
    const start = text.indexOf("72 hours");
    expect(quoteAround(text, start, start + 8)).toBe("The vendor shall notify within 72 hours.");
  });

  it("always contains the matched words and stays within the length cap", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.string({ maxLength: 2000 }), (before, after) => {
        const needle = "NEEDLE";
        const text = `${before} ${needle} ${after}`;
        const start = before.length + 1;
        const quote = quoteAround(text, start, start + needle.length);
        expect(quote.length).toBeLessThanOrEqual(MAX_QUOTE_CHARS + 2);
        expect(quote).toContain(needle);
      }),
    );
  });

  it("reports the page of a fact found across a page break", () => {
    const joined = joinPages({
      pages: [
        { number: 1, text: "alpha" },
        { number: 2, text: "beta gamma" },
      ],
    });
    const at = joined.text.indexOf("gamma");
    expect(extractedAt(joined, "g", at, at + 5)).toMatchObject({ value: "g", page: 2 });
  });
});

describe("boundWhitespace", () => {
  it("shortens only runs longer than the limit and keeps their kind", () => {
    const short = " ".repeat(MAX_WHITESPACE_RUN);
    const doc = {
      pages: [
        { number: 1, text: `a${short}b`, lines: [] },
        { number: 2, text: `a${" ".repeat(100)}b${"\n ".repeat(50)}c`, lines: [] },
      ],
    };
    const bounded = boundWhitespace(doc);
    expect(bounded.pages[0]).toBe(doc.pages[0]);
    expect(bounded.pages[1]).toEqual({ number: 2, text: "a b\n\nc" });
  });

  it("leaves no run longer than the limit and keeps every other character", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(" ", "\n", "\t", "\u00a0"), fc.string({ maxLength: 3 })), {
          maxLength: 300,
        }),
        (parts) => {
          const text = parts.join("");
          const out = boundWhitespace({ pages: [{ number: 1, text }] }).pages[0]?.text ?? "";
          expect(out.replace(/\s/g, "")).toBe(text.replace(/\s/g, ""));
          expect(/\s{41}/.test(out)).toBe(false);
        },
      ),
    );
  });
});
