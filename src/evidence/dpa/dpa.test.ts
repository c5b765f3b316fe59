import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import { buildDpaPdf, DPA_FIXTURE_CLAUSES, type DpaFixtureClause } from "../fixtures/dpa-fixture.ts";
import { type DocumentText, documentTextFromString } from "../pdf/document-text.ts";
import { extractPdfText } from "../pdf/extract-pdf-text.ts";
import { analyzeDpa } from "./dpa.ts";

const RULE_FOR_MISSING: Record<DpaFixtureClause, string> = {
  training: "dpa.no_training_commitment_missing",
  deletion: "dpa.deletion_missing",
  breach: "dpa.breach_notification_missing",
  audit: "dpa.audit_rights_missing",
  subprocessors: "dpa.subprocessor_notice_missing",
  objection: "dpa.subprocessor_objection_missing",
  residency: "dpa.residency_missing",
  transfers: "dpa.transfer_mechanism_missing",
  retention: "dpa.retention_missing",
  baa: "dpa.baa_missing",
};

let complete: DocumentText;
let spread: DocumentText;
const without = new Map<DpaFixtureClause, DocumentText>();

beforeAll(async () => {
  complete = await extractPdfText(await buildDpaPdf());
  spread = await extractPdfText(await buildDpaPdf({ pagePerClause: true }));
  for (const clause of DPA_FIXTURE_CLAUSES) {
    without.set(clause, await extractPdfText(await buildDpaPdf({ omit: [clause] })));
  }
}, 60_000);

describe("analyzeDpa on generated DPAs", () => {
  it("finds every protection in a complete DPA and raises nothing", () => {
    const a = analyzeDpa(complete, { requireBaa: true });
    expect(a.findings).toEqual([]);
    expect(a.trainingUse).toBe("no");
    expect(a.training?.quote).toContain("shall not use Customer Data");
    expect(a.breachNotification?.value.hours).toBe(72);
    expect(a.subprocessorNotice?.value.days).toBe(30);
    expect(a.dataResidency?.value).toEqual(["EEA"]);
    expect(a.transferMechanisms.map((m) => m.value)).toEqual(["sccs", "uk_addendum", "adequacy"]);
    expect(a.retentionLimit?.value.days).toBe(30);
    expect(a.businessAssociateAgreement?.quote).toContain("Business Associate Agreement");
  });

  it("quotes each clause with the page it is on", () => {
    const a = analyzeDpa(spread);
    // Page 1 holds the preamble and definitions; the clauses follow one per page in fixture order.
    expect(a.training?.page).toBe(2);
    expect(a.deletionAtTermination?.page).toBe(3);
    expect(a.breachNotification?.page).toBe(4);
    expect(a.auditRights?.page).toBe(5);
    expect(a.businessAssociateAgreement?.page).toBe(11);
  });

  it.each(DPA_FIXTURE_CLAUSES.map((c) => [c]))(
    "reports the %s clause as missing when it is left out",
    (clause) => {
      const doc = without.get(clause);
      if (!doc) throw new Error("fixture missing");
      const rules = analyzeDpa(doc, { requireBaa: true }).findings.map((f) => f.rule);
      expect(rules).toEqual([RULE_FOR_MISSING[clause]]);
    },
  );

  it("does not ask for a BAA unless PHI is involved", () => {
    const doc = without.get("baa");
    if (!doc) throw new Error("fixture missing");
    expect(analyzeDpa(doc).findings).toEqual([]);
  });
});

function dpaText(text: string) {
  return analyzeDpa(documentTextFromString(text));
}

describe("training clauses and negations", () => {
  it.each([
    ["Processor shall not use Customer Data to train or improve its models.", "no"],
    ["Vendor will not use prompts or outputs for training.", "no"],
    ["Customer Data is never used to train foundation models.", "no"],
    ["Provider won't use inputs to fine-tune models.", "no"],
    ["Provider may use Customer Data to train its models.", "yes"],
    ["Provider reserves the right to use content to improve its services.", "yes"],
    ["Provider may use inputs to improve its models unless Customer opts out.", "opt_out_available"],
    ["Provider may use aggregated usage statistics to improve its services.", "unknown"],
    ["The parties shall cooperate in good faith.", "unknown"],
    ["Customer Data is not used to train or improve foundation models.", "no"],
    ["No Customer Data will be used to train any model.", "no"],
    ["We do not train our models on your data.", "no"],
    ["Except as Customer may instruct, Provider shall not use Customer Data to fine-tune models.", "no"],
    [
      "Customer grants Provider a license to use Customer Content to develop and improve the Services.",
      "yes",
    ],
    [
      "Provider may use prompts and outputs to train its models, unless Customer disables this in its settings.",
      "opt_out_available",
    ],
  ])("%s → %s", (text, expected) => {
    expect(dpaText(text).trainingUse).toBe(expected);
  });

  it("lets a permission elsewhere outweigh a commitment", () => {
    const a = dpaText(
      "Processor shall not use Customer Data to train models. Notwithstanding the above, Processor may use Customer Data to train its abuse classifiers.",
    );
    expect(a.trainingUse).toBe("yes");
    expect(a.findings.some((f) => f.rule === "dpa.training_permitted")).toBe(true);
  });
});

describe("breach-notification periods", () => {
  it.each([
    [
      "Processor shall notify Customer of a Personal Data Breach without undue delay and in any event within 72 hours.",
      72,
    ],
    ["Vendor will notify Customer of any Security Incident within 48 hours.", 48],
    ["Vendor shall inform Customer of a breach within five (5) business days.", 168],
    ["Vendor shall notify Customer of a breach within 2 days of discovery.", 48],
    ["Vendor shall notify Customer of a security incident within twenty-four (24) hours.", 24],
    ["Vendor shall report any breach within one week.", 168],
    ["Vendor shall notify Customer of a breach without undue delay.", null],
  ])("%s → %s hours", (text, hours) => {
    expect(dpaText(text).breachNotification?.value.hours).toBe(hours);
  });

  it("raises slow and unbounded breach notices", () => {
    expect(
      dpaText("Vendor shall inform Customer of a breach within five (5) business days.").findings.map(
        (f) => f.rule,
      ),
    ).toContain("dpa.breach_notification_slow");
    expect(
      dpaText("Vendor shall notify Customer of a breach without undue delay.").findings.map((f) => f.rule),
    ).toContain("dpa.breach_notification_unbounded");
  });
});

describe("analyzeDpa on hostile text", () => {
  it("never throws on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 3000 }), (text) => {
        try {
          dpaText(text);
        } catch (error) {
          expect(isAppError(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on shuffled contract sentences", () => {
    const sentences = complete.pages.flatMap((p) => p.text.split(/(?<=\.)\s+/));
    fc.assert(
      fc.property(fc.shuffledSubarray(sentences), fc.string({ maxLength: 40 }), (picked, noise) => {
        const a = dpaText(picked.join(noise));
        expect(["no", "yes", "opt_out_available", "unknown"]).toContain(a.trainingUse);
      }),
      { numRuns: 100 },
    );
  });

  it("answers enormous text with INPUT_TOO_LARGE", () => {
    let code = "";
    try {
      dpaText("a".repeat(5_000_001));
    } catch (error) {
      code = isAppError(error) ? error.code : "other";
    }
    expect(code).toBe("INPUT_TOO_LARGE");
  });
});
