import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "./errors.ts";
import { AiIntegrationCreateSchema, VendorCreateSchema } from "./inventory.ts";
import { classifyTier } from "./tiering.ts";
import {
  type ImportTable,
  mapImportRows,
  parseDataClasses,
  parseModels,
  parseRetentionDays,
  parseYesNo,
  suggestColumnMapping,
  unmappedHeaders,
} from "./vendor-import.ts";

function table(headers: string[], rows: string[][]): ImportTable {
  return {
    headers,
    rows: rows.map((values, i) => ({
      rowNumber: i + 2,
      cells: Object.fromEntries(headers.map((h, j) => [h, values[j] ?? ""])),
    })),
  };
}

const HEADERS = [
  "Vendor name",
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

describe("suggestColumnMapping", () => {
  it("maps common register headers by case-insensitive synonyms, one header per field", () => {
    expect(suggestColumnMapping(HEADERS)).toEqual({
      vendorName: "Vendor name",
      website: "Website",
      category: "Category",
      vendorOwner: "Owner",
      integrationName: "Use case",
      productFeature: "Feature",
      dataClasses: "Data sent",
      processingRegions: "Regions",
      retentionDays: "Retention (days)",
      trainingUse: "Trains on data",
      customerFacing: "Customer facing",
      decisionCritical: "Decision critical",
      domain: "Domain",
      models: "Models",
    });
  });

  it.each([
    ["SUPPLIER", "vendorName"],
    ["url", "website"],
    ["Data classes", "dataClasses"],
    ["Customer-facing?", "customerFacing"],
    ["Processing Region", "processingRegions"],
    ["HQ country", "headquartersCountry"],
    ["Integration owner", "integrationOwner"],
  ])("maps %s to %s", (header, field) => {
    expect(suggestColumnMapping([header])).toEqual({ [field]: header });
  });

  it("leaves headers it does not know unmapped, and lists them", () => {
    expect(suggestColumnMapping(["Notes", "Colour"])).toEqual({});
    const headers = ["Vendor", "Notes", "Data sent"];
    expect(unmappedHeaders(headers, suggestColumnMapping(headers))).toEqual(["Notes"]);
  });
});

describe("value readers", () => {
  it.each([
    ["PII, Customer data", ["pii", "customer_data"]],
    ["phi; payment data", ["phi", "payment_data"]],
    ["Personal data / PHI", ["pii", "phi"]],
    ["credentials/secrets", ["credentials"]],
    ["Internal, internal", ["internal"]],
    ["unknown", undefined],
    ["", undefined],
  ])("data classes %j → %j", (text, expected) => {
    expect(parseDataClasses(text)).toEqual(expected);
  });

  it.each([
    ["yes", true],
    ["Y", true],
    ["TRUE", true],
    ["1", true],
    ["no", false],
    ["n", false],
    ["false", false],
    ["0", false],
    ["", null],
    ["Unknown", null],
    [" Yes. ", true],
  ])("yes/no %j → %j", (text, expected) => {
    expect(parseYesNo(text)).toBe(expected);
  });

  it.each([
    ["30", 30],
    ["30 days", 30],
    ["30d", 30],
    ["2 weeks", 14],
    ["0", 0],
    ["none", 0],
    ["", undefined],
    ["unknown", undefined],
  ])("retention %j → %j", (text, expected) => {
    expect(parseRetentionDays(text)).toBe(expected);
  });

  it.each(["-1", "1.5", "10", "maybe"])("refuses yes/no %j", (text) => {
    expect(() => parseYesNo(text)).toThrow();
  });

  it.each(["6 months", "1 year", "2.5", "-3", "thirty"])("refuses retention %j", (text) => {
    expect(() => parseRetentionDays(text)).toThrow();
  });

  it("reads vendor models with versions and hub repos with revisions", () => {
    expect(parseModels("GPT-4o (2024-11-20)")).toEqual([
      { kind: "vendor_model", name: "GPT-4o", version: "2024-11-20" },
    ]);
    expect(parseModels("gpt-4o@2024-08-06, mistralai/Mistral-7B-v0.1@main; claude")).toEqual([
      { kind: "vendor_model", name: "gpt-4o", version: "2024-08-06" },
      { kind: "hub_model", repo: "mistralai/Mistral-7B-v0.1", revision: "main" },
      { kind: "vendor_model", name: "claude" },
    ]);
  });
});

describe("mapImportRows", () => {
  const mapping = suggestColumnMapping(HEADERS);
  const row = (overrides: Partial<Record<(typeof HEADERS)[number], string>> = {}): string[] => {
    const base: Record<string, string> = {
      "Vendor name": "OpenAI",
      Website: "openai.com",
      Category: "LLM provider",
      Owner: "Dana",
      "Use case": "Support chatbot",
      Feature: "Help centre",
      "Data sent": "PII, Customer data",
      Regions: "US, EU",
      "Retention (days)": "30",
      "Trains on data": "No",
      "Customer facing": "yes",
      "Decision critical": "no",
      Domain: "General",
      Models: "gpt-4o",
    };
    return HEADERS.map((h) => overrides[h] ?? base[h] ?? "");
  };

  it("normalises a good row into inputs the inventory schemas accept", () => {
    const result = mapImportRows(table(HEADERS, [row()]), mapping);
    expect(result.rejected).toEqual([]);
    expect(result.vendors).toHaveLength(1);
    const [imported] = result.vendors;
    expect(imported?.rowNumbers).toEqual([2]);
    expect(imported?.vendor).toMatchObject({
      name: "OpenAI",
      website: "https://openai.com",
      category: "foundation_model_provider",
      owner: "Dana",
    });
    expect(imported?.integrations).toEqual([
      expect.objectContaining({
        name: "Support chatbot",
        productFeature: "Help centre",
        dataClasses: ["pii", "customer_data"],
        processingRegions: ["US", "EU"],
        retentionDays: 30,
        trainingUse: "no",
        customerFacing: true,
        decisionCritical: false,
        domain: "general",
        models: [{ kind: "vendor_model", name: "gpt-4o" }],
      }),
    ]);
    expect(VendorCreateSchema.safeParse(imported?.vendor).success).toBe(true);
    for (const i of imported?.integrations ?? [])
      expect(AiIntegrationCreateSchema.safeParse(i).success).toBe(true);
  });

  it("merges rows of the same vendor (case and spaces aside) into one vendor with several integrations", () => {
    const result = mapImportRows(
      table(HEADERS, [
        row(),
        row({ "Vendor name": "Cohere", Category: "foundation model", "Use case": "Search" }),
        row({
          "Vendor name": " openai ",
          Category: "",
          Website: "",
          "Use case": "Clinical notes",
          Domain: "Healthcare",
          "Data sent": "PHI",
        }),
      ]),
      mapping,
    );
    expect(result.rejected).toEqual([]);
    expect(result.vendors.map((v) => [v.vendor.name, v.rowNumbers])).toEqual([
      ["OpenAI", [2, 4]],
      ["Cohere", [3]],
    ]);
    const openai = result.vendors[0];
    expect(openai?.vendor.category).toBe("foundation_model_provider");
    expect(openai?.integrations.map((i) => i.name)).toEqual(["Support chatbot", "Clinical notes"]);
    const tier = classifyTier({
      asOf: "2026-11-22",
      integrations: (openai?.integrations ?? []).map((i, n) => ({
        ...i,
        id: `i${n}`,
        dataClasses: i.dataClasses,
      })),
    });
    expect(tier.tier).toBe(3);
  });

  it.each([
    ["an empty vendor name", { "Vendor name": "" }, "Vendor name", /vendor name is empty/],
    [
      "an unknown category",
      { Category: "Spaceship" },
      "Category",
      /foundation_model_provider, cloud_ai_platform/,
    ],
    ["an unknown data class", { "Data sent": "PII, gossip" }, "Data sent", /"gossip".*public, internal/],
    ["a yes/no that is neither", { "Customer facing": "sometimes" }, "Customer facing", /not yes or no/],
    ["a retention that is not days", { "Retention (days)": "2.5" }, "Retention (days)", /number of days/],
    [
      "an unknown training answer",
      { "Trains on data": "maybe later" },
      "Trains on data",
      /opt_out_available/,
    ],
    ["an unknown domain", { Domain: "astrology" }, "Domain", /healthcare/],
    ["a bad hub repo", { Models: "a/b/c/d" }, "Models", /owner\/name/],
    ["a website that is no URL", { Website: "not a url at all" }, "Website", /website/],
  ])("rejects %s, naming the row and the column", (_label, overrides, column, reason) => {
    const result = mapImportRows(
      table(HEADERS, [row(), row({ "Use case": "Second", ...overrides })]),
      mapping,
    );
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0]).toMatchObject({ rowNumber: 3, column });
    expect(result.rejected[0]?.reason).toMatch(reason);
    // The good row still maps; the rejected row contributes nothing.
    expect(result.vendors.flatMap((v) => v.rowNumbers)).toEqual([2]);
  });

  it("reports every bad cell of a row, not only the first", () => {
    const result = mapImportRows(
      table(HEADERS, [row({ Category: "???x", "Customer facing": "perhaps", Domain: "moon" })]),
      mapping,
    );
    expect(result.rejected.map((r) => r.column)).toEqual(["Category", "Customer facing", "Domain"]);
    expect(result.vendors).toEqual([]);
  });

  it("rejects a later row that contradicts a vendor fact or repeats an integration", () => {
    const result = mapImportRows(
      table(HEADERS, [
        row(),
        row({ Website: "https://evil.example", "Use case": "Other" }),
        row({ Website: "" }),
      ]),
      mapping,
    );
    expect(result.rejected).toEqual([
      expect.objectContaining({ rowNumber: 3, column: "Website", reason: expect.stringMatching(/row 2/) }),
      expect.objectContaining({
        rowNumber: 4,
        column: "Use case",
        reason: expect.stringMatching(/already on row 2/),
      }),
    ]);
    expect(result.vendors[0]?.integrations).toHaveLength(1);
  });

  it("treats empty and 'unknown' cells as not known, which tiering counts upward", () => {
    const result = mapImportRows(
      table(HEADERS, [
        row({ "Data sent": "unknown", "Customer facing": "", "Decision critical": "?", Domain: "" }),
      ]),
      mapping,
    );
    const integration = result.vendors[0]?.integrations[0];
    expect(integration?.dataClasses).toBeUndefined();
    expect(integration?.customerFacing).toBeNull();
    expect(integration?.domain).toBeUndefined();
    const tier = classifyTier({ asOf: "2026-11-22", integrations: [{ ...integration, id: "x", name: "x" }] });
    expect(tier.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(["decision_critical_unknown", "domain_unknown", "data_classes_unknown"]),
    );
  });

  it("creates a vendor without integrations from a row with vendor columns only, and fills catalogue facts", () => {
    const headers = ["Vendor", "Category"];
    const result = mapImportRows(
      table(headers, [
        ["Pinecone", ""],
        ["Acme Labels", "annotation"],
      ]),
      suggestColumnMapping(headers),
      {
        catalog: [
          {
            slug: "pinecone",
            name: "Pinecone",
            category: "vector_database",
            website: "https://www.pinecone.io",
          },
        ],
      },
    );
    expect(result.vendors).toEqual([
      {
        rowNumbers: [2],
        vendor: {
          name: "Pinecone",
          category: "vector_database",
          website: "https://www.pinecone.io",
          catalogSlug: "pinecone",
          subprocessors: [],
        },
        integrations: [],
      },
      {
        rowNumbers: [3],
        vendor: { name: "Acme Labels", category: "labeling", subprocessors: [] },
        integrations: [],
      },
    ]);
  });

  it("reads a status column, keeps it beside the vendor, and rejects a contradicting status", () => {
    const headers = ["Vendor", "Status", "Use case"];
    const result = mapImportRows(
      table(headers, [
        ["OpenAI", "Approved with conditions", "Chat"],
        ["OpenAI", "", "Notes"],
        ["Cohere", "pending", "Search"],
        ["Cohere", "retired", "Rerank"],
        ["Mistral", "", "Drafts"],
        ["Acme", "sort of", "X"],
      ]),
      suggestColumnMapping(headers),
    );
    expect(result.vendors.map((v) => [v.vendor.name, v.status, v.rowNumbers])).toEqual([
      ["OpenAI", "approved_with_conditions", [2, 3]],
      ["Cohere", "in_review", [4]],
      ["Mistral", undefined, [6]],
    ]);
    expect(result.rejected).toEqual([
      expect.objectContaining({ rowNumber: 5, column: "Status", reason: expect.stringMatching(/row 4/) }),
      expect.objectContaining({ rowNumber: 7, column: "Status", reason: expect.stringMatching(/in_review/) }),
    ]);
    expect("status" in (result.vendors[0]?.vendor ?? {})).toBe(false);
  });

  it("rejects rows naming a vendor already in the inventory", () => {
    const result = mapImportRows(table(HEADERS, [row(), row({ "Vendor name": "Cohere" })]), mapping, {
      existingVendorNames: ["  OPENAI "],
    });
    expect(result.rejected).toEqual([
      expect.objectContaining({
        rowNumber: 2,
        column: "Vendor name",
        reason: expect.stringMatching(/already in the inventory/),
      }),
    ]);
    expect(result.vendors.map((v) => v.vendor.name)).toEqual(["Cohere"]);
  });

  it("accounts for every row exactly once and only yields valid inputs, whatever the cells say (property)", () => {
    const words = [
      "",
      "unknown",
      "yes",
      "no",
      "PII, PHI",
      "LLM",
      "healthcare",
      "30 days",
      "opt-out",
      "US; EU",
      "gpt-4o@1",
      "a/b",
      "https://x.example",
      "OpenAI",
      "openai ",
      "Cohere",
    ];
    const cell = fc.oneof(fc.constantFrom(...words), fc.string({ maxLength: 12 }));
    const rows = fc.array(fc.array(cell, { minLength: HEADERS.length, maxLength: HEADERS.length }), {
      maxLength: 12,
    });
    fc.assert(
      fc.property(rows, (grid) => {
        const t = table(HEADERS, grid);
        const result = mapImportRows(t, mapping);
        const accepted = result.vendors.flatMap((v) => v.rowNumbers);
        const rejected = new Set(result.rejected.map((r) => r.rowNumber));
        expect(new Set(accepted).size).toBe(accepted.length);
        for (const r of t.rows) {
          expect(accepted.includes(r.rowNumber) !== rejected.has(r.rowNumber), `row ${r.rowNumber}`).toBe(
            true,
          );
        }
        for (const v of result.vendors) {
          expect(VendorCreateSchema.safeParse(v.vendor).success).toBe(true);
          for (const i of v.integrations) expect(AiIntegrationCreateSchema.safeParse(i).success).toBe(true);
        }
        for (const r of result.rejected) expect(r.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a mapping without a vendor column or naming a column the sheet lacks", () => {
    const t = table(["Vendor"], [["A"]]);
    for (const bad of [{}, { vendorName: "Supplier" }]) {
      try {
        mapImportRows(t, bad);
        expect.unreachable();
      } catch (error) {
        expect(isAppError(error, "IMPORT_INVALID")).toBe(true);
      }
    }
  });
});
