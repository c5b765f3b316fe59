import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import { buildModelCard, COMPLETE_CARD_METADATA } from "../fixtures/model-card-fixture.ts";
import { HUB_LICENSE_IDS } from "./hub-licenses.ts";
import { analyzeModelCard, MODEL_CARD_SECTIONS } from "./model-card.ts";

function rules(text: string | undefined): string[] {
  return analyzeModelCard(text).findings.map((f) => f.rule);
}

describe("analyzeModelCard", () => {
  it("finds everything in a complete card and raises nothing", () => {
    const a = analyzeModelCard(buildModelCard());
    expect(a.findings).toEqual([]);
    expect(a.noDocumentationRedFlag).toBe(false);
    expect(a.licenseValid).toBe(true);
    expect(a.metadata).toMatchObject({
      license: "apache-2.0",
      datasets: ["acme/support-tickets-2024"],
      baseModel: ["acme/base-7b"],
      pipelineTag: "text-generation",
      language: ["en", "de"],
      libraryName: "transformers",
    });
    expect(a.missing).toEqual([]);
    for (const s of MODEL_CARD_SECTIONS) expect(a.sections[s].present).toBe(true);
    expect(a.sections.evaluation.heading).toBe("Evaluation");
    expect(a.sections.evaluation.line).toBeGreaterThan(10);
  });

  it("raises the red flag when there is no card", () => {
    for (const text of [undefined, "", "   \n", "[More Information Needed]"]) {
      const a = analyzeModelCard(text);
      expect(a.cardPresent).toBe(false);
      expect(a.noDocumentationRedFlag).toBe(true);
      expect(a.findings.map((f) => [f.rule, f.title])).toEqual([
        ["modelcard.no_documentation", "No model card or documentation"],
      ]);
    }
  });

  it("raises the red flag when training data or limitations are missing or placeholders", () => {
    const noData = { ...COMPLETE_CARD_METADATA, datasets: undefined };
    expect(rules(buildModelCard({ metadata: noData, omit: ["training_data"] }))).toContain(
      "modelcard.no_documentation",
    );
    expect(rules(buildModelCard({ metadata: noData, placeholder: ["training_data"] }))).toContain(
      "modelcard.no_documentation",
    );
    expect(rules(buildModelCard({ placeholder: ["bias"] }))).toContain("modelcard.no_documentation");
    // Datasets named in the metadata count as training data even without the section.
    expect(rules(buildModelCard({ omit: ["training_data"] }))).not.toContain("modelcard.no_documentation");
  });

  it("reports missing evaluation, out-of-scope use and uses", () => {
    const a = analyzeModelCard(
      buildModelCard({
        placeholder: ["evaluation", "out_of_scope_use"],
        omit: ["direct_use", "downstream_use"],
      }),
    );
    expect(a.findings.map((f) => f.rule).sort()).toEqual([
      "modelcard.evaluation_missing",
      "modelcard.out_of_scope_missing",
      "modelcard.uses_missing",
    ]);
    expect(a.missing).toEqual(
      expect.arrayContaining(["evaluation", "out_of_scope_use", "direct_use", "uses"]),
    );
  });

  it("checks the licence against the Hub's list", () => {
    expect(rules(buildModelCard({ metadata: { ...COMPLETE_CARD_METADATA, license: "apache" } }))).toEqual([
      "modelcard.license_invalid",
    ]);
    expect(rules(buildModelCard({ metadata: { ...COMPLETE_CARD_METADATA, license: undefined } }))).toEqual([
      "modelcard.license_missing",
    ]);
    expect(rules(buildModelCard({ metadata: { ...COMPLETE_CARD_METADATA, license: "other" } }))).toEqual([
      "modelcard.license_other_unnamed",
    ]);
    const named = analyzeModelCard(
      buildModelCard({
        metadata: {
          ...COMPLETE_CARD_METADATA,
          license: "other",
          license_name: "acme-model-license",
          license_link: "LICENSE",
        },
      }),
    );
    expect(named.licenseValid).toBe(true);
    expect(named.findings).toEqual([]);
    for (const id of HUB_LICENSE_IDS.filter((l) => l !== "other" && l !== "unknown")) {
      expect(
        analyzeModelCard(buildModelCard({ metadata: { ...COMPLETE_CARD_METADATA, license: id } }))
          .licenseValid,
      ).toBe(true);
    }
  });

  it("reports broken metadata without throwing", () => {
    const a = analyzeModelCard("---\nlicense: [unclosed\n---\n# Card\n");
    expect(a.findings.map((f) => f.rule)).toContain("modelcard.metadata_invalid");
  });

  it("caps YAML aliases so a billion-laughs card is rejected as invalid", () => {
    const lines = ["---", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 12; i++)
      lines.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      );
    lines.push("license: mit", "---", "# Card");
    const started = performance.now();
    const a = analyzeModelCard(lines.join("\n"));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(a.findings.map((f) => f.rule)).toContain("modelcard.metadata_invalid");
  });

  it("ignores headings inside code blocks", () => {
    const card = buildModelCard({ omit: ["evaluation"] }).concat(
      "\n```python\n## Evaluation\nprint('scores')\n```\n",
    );
    expect(rules(card)).toContain("modelcard.evaluation_missing");
  });

  it("never throws on random text and rejects enormous text with INPUT_TOO_LARGE", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.boolean(), (text, withFence) => {
        const a = analyzeModelCard(withFence ? `---\n${text}\n---\n${text}` : text);
        expect(a.present.length + a.missing.length).toBe(6 + MODEL_CARD_SECTIONS.length);
      }),
      { numRuns: 300 },
    );
    let code = "";
    try {
      analyzeModelCard("#".repeat(2_000_001));
    } catch (error) {
      code = isAppError(error) ? error.code : "other";
    }
    expect(code).toBe("INPUT_TOO_LARGE");
  });
});
