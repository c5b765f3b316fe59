import { describe, expect, it } from "vitest";
import { isAppError } from "./errors.ts";
import {
  findCatalogEntry,
  openCatalogQuestions,
  parseVendorCatalog,
  parseVendorCatalogEntry,
  searchCatalog,
} from "./vendor-catalog.ts";

function entryYaml(slug: string, extra = ""): string {
  return `slug: ${slug}
name: Example ${slug}
category: foundation_model_provider
website: https://${slug}.example
services: [{ id: api, name: Example API }]
headquartersCountry: { value: US, source: https://${slug}.example/about, asOf: "2026-01-01" }
trustPortal: { value: unknown, asOf: "2026-01-01" }
certifications: []
apiRetention: { value: 30 days, source: https://${slug}.example/data, asOf: "2026-01-01" }
defaultApiRetentionDays: { value: 30, source: https://${slug}.example/data, asOf: "2026-01-01" }
zeroRetention: { value: unknown, asOf: "2026-01-01" }
trainingOnApiData: { value: "no", source: https://${slug}.example/data, asOf: "2026-01-01", uncertain: true }
residencyOptions: { value: [US], source: https://${slug}.example/data, asOf: "2026-01-01" }
dpa: { value: unknown, asOf: "2026-01-01" }
subprocessorList: { value: unknown, asOf: "2026-01-01" }
baa: { value: not_available, source: https://${slug}.example/data, asOf: "2026-01-01" }
hosts: [{ pattern: api.${slug}.example, service: api }]
${extra}`;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAppError(error) ? error.code : "not an AppError";
  }
  return undefined;
}

describe("vendor catalogue schema", () => {
  it("parses a valid entry and lists unknown or uncertain facts as open", () => {
    const [entry] = parseVendorCatalog([{ name: "acme.yaml", text: entryYaml("acme") }]);
    expect(entry?.slug).toBe("acme");
    expect(entry && openCatalogQuestions(entry)).toEqual([
      "trustPortal",
      "zeroRetention",
      "trainingOnApiData",
      "dpa",
      "subprocessorList",
    ]);
  });

  it("rejects a known fact without a source", () => {
    const text = entryYaml("acme").replace(
      'dpa: { value: unknown, asOf: "2026-01-01" }',
      'dpa: { value: https://acme.example/dpa, asOf: "2026-01-01" }',
    );
    expect(codeOf(() => parseVendorCatalog([{ name: "acme.yaml", text }]))).toBe("CATALOG_INVALID");
  });

  it("rejects a host for an unlisted service, a bad regex, a slug/file mismatch and duplicates", () => {
    const badService = entryYaml("acme").replace("service: api }", "service: chat }");
    expect(codeOf(() => parseVendorCatalog([{ name: "acme.yaml", text: badService }]))).toBe(
      "CATALOG_INVALID",
    );
    const badRegex = entryYaml("acme").replace("service: api }", 'service: api, pathModel: "(" }');
    expect(codeOf(() => parseVendorCatalog([{ name: "acme.yaml", text: badRegex }]))).toBe("CATALOG_INVALID");
    expect(codeOf(() => parseVendorCatalog([{ name: "other.yaml", text: entryYaml("acme") }]))).toBe(
      "CATALOG_INVALID",
    );
    const twin = entryYaml("beta").replace("api.beta.example", "api.acme.example");
    expect(
      codeOf(() =>
        parseVendorCatalog([
          { name: "acme.yaml", text: entryYaml("acme") },
          { name: "beta.yaml", text: twin },
        ]),
      ),
    ).toBe("CATALOG_INVALID");
  });

  it("rejects guessed categories and malformed dates", () => {
    expect(codeOf(() => parseVendorCatalogEntry({ slug: "x" }))).toBe("CATALOG_INVALID");
    const badDate = entryYaml("acme").replaceAll('"2026-01-01"', '"01/01/2026"');
    expect(codeOf(() => parseVendorCatalog([{ name: "acme.yaml", text: badDate }]))).toBe("CATALOG_INVALID");
  });

  it("finds and searches entries", () => {
    const entries = parseVendorCatalog([
      { name: "acme.yaml", text: entryYaml("acme") },
      { name: "zeta.yaml", text: entryYaml("zeta").replace("foundation_model_provider", "vector_database") },
    ]);
    expect(findCatalogEntry(entries, "zeta").category).toBe("vector_database");
    expect(codeOf(() => findCatalogEntry(entries, "nope"))).toBe("CATALOG_ENTRY_NOT_FOUND");
    expect(searchCatalog(entries, { category: "vector_database" }).map((e) => e.slug)).toEqual(["zeta"]);
    expect(searchCatalog(entries, { text: "ACME" }).map((e) => e.slug)).toEqual(["acme"]);
    expect(searchCatalog(entries).length).toBe(2);
  });
});
