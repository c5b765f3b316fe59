import { readFileSync } from "node:fs";
import { join } from "node:path";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { describe, expect, it } from "vitest";
import type { AiIntegration } from "../../domain/inventory.ts";
import { classifyTier } from "../../domain/tiering.ts";
import { parseVendorCatalog } from "../../domain/vendor-catalog.ts";
import { buildVendorSummary } from "../../domain/vendor-summary.ts";
import { pdfSafeText, renderVendorSummaryPdf } from "./vendor-summary-pdf.ts";

const asOf = "2026-11-22";
const catalogDir = join(import.meta.dirname, "../../../catalog/vendors");
const [openai] = parseVendorCatalog([
  { name: "openai.yaml", text: readFileSync(join(catalogDir, "openai.yaml"), "utf8") },
]);

async function pdfText(bytes: Uint8Array): Promise<{ pages: number; text: string }> {
  const doc = await getDocument({
    data: bytes.slice(),
    useSystemFonts: false,
    isEvalSupported: false,
    disableFontFace: true,
    verbosity: 0,
  }).promise;
  const parts: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    for (const item of content.items) if ("str" in item) parts.push(item.str);
  }
  const pages = doc.numPages;
  await doc.destroy();
  return { pages, text: parts.join(" ").replace(/\s+/g, " ") };
}

function integration(n: number, overrides: Partial<AiIntegration> = {}): AiIntegration {
  return {
    id: `i${n}`,
    vendorId: "v",
    name: `Integration ${String(n).padStart(3, "0")}`,
    productFeature: `Feature ${n}`,
    service: "OpenAI API",
    models: [],
    dataClasses: ["pii"],
    processingRegions: ["US"],
    customerFacing: true,
    decisionCritical: false,
    domain: "general",
    trainingUse: "no",
    ...overrides,
  };
}

const vendor = {
  name: "OpenAI",
  category: "foundation_model_provider" as const,
  status: "in_review" as const,
  owner: "Dana Ortiz",
  website: "https://openai.com",
};

describe("renderVendorSummaryPdf", () => {
  it("writes one A4 page of searchable text with the vendor, tier and reasons", async () => {
    const integrations = [
      integration(1, {
        name: "Clinical notes",
        dataClasses: ["phi"],
        domain: "healthcare",
        customerFacing: false,
      }),
      integration(2, { name: "Support chatbot" }),
    ];
    const summary = buildVendorSummary({
      vendor,
      integrations,
      tier: classifyTier({ integrations, asOf }),
      catalogEntry: openai,
      documents: [{ kind: "dpa", title: "Signed DPA", date: "2026-01-10" }],
      openFindings: [{ title: "No-training confirmation missing", severity: "high" }],
      asOf,
    });
    const bytes = await renderVendorSummaryPdf(summary);
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe("%PDF-");
    const { pages, text } = await pdfText(bytes);
    expect(pages).toBe(1);
    for (const expected of [
      "OpenAI",
      "Tier 3",
      "Clinical notes: sends PHI (tier 3)",
      "Support chatbot: customer-facing (tier 2)",
      "Signed DPA",
      "No-training confirmation: MISSING",
      "No-training confirmation missing",
      "Trains on API data by default",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("stays on one page with hundreds of integrations, cutting lists with 'and N more'", async () => {
    const integrations = Array.from({ length: 300 }, (_, n) =>
      integration(n, {
        dataClasses: n % 2 === 0 ? ["phi", "pii"] : ["customer_data"],
        name: `Use ${"x".repeat(n % 90)} ${n}`,
      }),
    );
    const summary = buildVendorSummary({
      vendor: { ...vendor, name: "A vendor with a very long name ".repeat(8) },
      integrations,
      tier: classifyTier({ integrations, asOf }),
      catalogEntry: openai,
      openFindings: Array.from({ length: 80 }, (_, n) => ({
        title: `Finding ${n}`,
        severity: "medium" as const,
      })),
      asOf,
    });
    const { pages, text } = await pdfText(await renderVendorSummaryPdf(summary));
    expect(pages).toBe(1);
    expect(text).toMatch(/… and 294 more/);
    expect(text).toMatch(/… and \d+ more/);
    expect(text).toContain("Tier 3");
  });

  it("draws names the standard fonts cannot show as '?' rather than garbage", () => {
    expect(pdfSafeText("Zürich AI — ok")).toBe("Zürich AI — ok");
    expect(pdfSafeText("北京 AI\u0007")).toBe("?? AI ");
  });
});
