import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCatalogQuestions, parseVendorCatalog } from "../src/domain/vendor-catalog.ts";

const dir = join(import.meta.dirname, "vendors");
const files = readdirSync(dir)
  .filter((name) => name.endsWith(".yaml"))
  .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8") }));

describe("catalog/vendors", () => {
  const entries = parseVendorCatalog(files);

  it("validates every file against the schema and holds the required vendors", () => {
    expect(entries.length).toBe(files.length);
    const required = [
      "openai",
      "anthropic",
      "azure-openai",
      "google-vertex-ai",
      "google-gemini-api",
      "aws-bedrock",
      "cohere",
      "mistral",
      "hugging-face",
      "pinecone",
      "langsmith",
    ];
    for (const slug of required) expect(entries.map((e) => e.slug)).toContain(slug);
  });

  it("gives every known fact a source and every entry at least one API host", () => {
    for (const entry of entries) {
      expect(entry.hosts.some((h) => !h.discoveryOnly)).toBe(true);
      for (const field of ["trustPortal", "dpa", "baa", "trainingOnApiData", "residencyOptions"] as const) {
        const f = entry[field];
        if (f.value !== "unknown") expect(f.source, `${entry.slug}.${field}`).toMatch(/^https:\/\//);
      }
    }
  });

  it("marks the facts the research calls uncertain as open questions", () => {
    const bySlug = new Map(entries.map((e) => [e.slug, e]));
    const anthropic = bySlug.get("anthropic");
    const cohere = bySlug.get("cohere");
    expect(anthropic && openCatalogQuestions(anthropic)).toContain("certifications.ISO/IEC 42001:2023");
    expect(anthropic && openCatalogQuestions(anthropic)).toContain("subprocessorList");
    expect(cohere && openCatalogQuestions(cohere)).toContain("baa");
  });
});
