import { describe, expect, it } from "vitest";
import { measureAccuracy } from "./accuracy.ts";
import { createAttributionTable } from "./attribution.ts";
import { createRandom, generatePrompt, generateUsageLine } from "./corpus.ts";
import { createClassifier } from "./detectors.ts";
import { parseUsageLine } from "./parse.ts";
import { loadRepoCatalog } from "./test-catalog.ts";

describe("labelled corpus and accuracy", () => {
  it("is reproducible for a seed", () => {
    const a = generatePrompt(createRandom(7), 0.5);
    const b = generatePrompt(createRandom(7), 0.5);
    expect(a).toEqual(b);
  });

  it("reaches at least 0.9 precision and recall for every kind on 3,000 prompts with look-alikes", () => {
    const rng = createRandom(42);
    const corpus = Array.from({ length: 3000 }, () => generatePrompt(rng, 0.5, 0.5));
    const report = measureAccuracy(corpus, createClassifier());
    expect(report.byKind.length).toBeGreaterThanOrEqual(13);
    for (const r of [...report.byKind, ...report.byDataClass]) {
      expect(r.precision, `${r.label} precision`).toBeGreaterThanOrEqual(0.9);
      expect(r.recall, `${r.label} recall`).toBeGreaterThanOrEqual(0.9);
    }
  });

  it("generates usage lines that parse as JSON with about the requested share of sensitive prompts", () => {
    const rng = createRandom(1);
    const lines = Array.from({ length: 2000 }, (_, i) => generateUsageLine(rng, i, 0.05));
    const share = lines.filter((l) => l.sensitive).length / lines.length;
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.07);
    for (const l of lines.slice(0, 50)) expect(JSON.parse(l.line)).toHaveProperty("prompt");
  });

  it("never lets prompt text into an event, not even with sensitive values in it", () => {
    const rng = createRandom(3);
    const ctx = {
      attribution: createAttributionTable(loadRepoCatalog()),
      classify: createClassifier(),
      source: null,
    };
    for (let i = 0; i < 400; i++) {
      const { line } = generateUsageLine(rng, i, 0.5);
      const prompt = String(JSON.parse(line).prompt);
      const record = parseUsageLine("jsonl", line, i + 1, ctx);
      expect(record?.ok).toBe(true);
      const out = JSON.stringify(record);
      // No 16-character window of the prompt (so no planted value) appears in the event.
      for (let at = 0; at + 16 <= prompt.length; at += 8)
        expect(out).not.toContain(prompt.slice(at, at + 16));
    }
  });
});
