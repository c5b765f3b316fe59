import { describe, expect, it } from "vitest";
import { DOCUMENT_TYPES } from "./documents.ts";
import { documentTypeForEvidence, PORTAL_DOCUMENT_KINDS, portalDocumentLimits } from "./portal-documents.ts";

describe("documentTypeForEvidence", () => {
  it.each([
    [["SOC 2 Type II report"], "soc2_type2"],
    [["SOC 2 Type 1 report"], "soc2_type1"],
    [["SOC 2 report, Section I auditor's opinion"], "soc2_type2"],
    [["SOC 3 report"], "soc3"],
    [["ISO/IEC 27001 certificate, ISO/IEC 42001 certificate"], "iso42001"],
    [["ISO/IEC 27001 certificate"], "iso27001"],
    [["DPA or contract clause on breach notification"], "dpa"],
    [["Data processing agreement, data flow description"], "dpa"],
    [["BAA or sector agreement"], "baa"],
    [["Penetration test summary or attestation letter"], "pentest_summary"],
    [["Model cards of base models"], "model_card"],
    [["Incident response plan, SLA"], "incident_response_plan"],
    [["Subprocessor list with locations"], "subprocessor_list"],
    [["Contract clause or opt-out confirmation"], "contract"],
    [["HR screening policy"], "other"],
    [["Deprecation policy", "Model cards"], "model_card"],
    [[], "other"],
  ] as const)("%j → %s", (phrases, expected) => {
    expect(documentTypeForEvidence(phrases)).toBe(expected);
  });

  it("always answers one of the document types", () => {
    for (const phrase of ["", "soc", "SOC 2", "the MSA", "insurance certificate", "no-training letter"]) {
      expect(DOCUMENT_TYPES).toContain(documentTypeForEvidence([phrase]));
    }
  });
});

describe("portalDocumentLimits", () => {
  it("states the configured size and the kinds with their media types, without HTML or JSON", () => {
    const limits = portalDocumentLimits({ maxBytes: 1234, dir: undefined });
    expect(limits.maxBytes).toBe(1234);
    expect(limits.kinds).toEqual([...PORTAL_DOCUMENT_KINDS]);
    expect(limits.mediaTypes).toContain("application/pdf");
    expect(limits.mediaTypes).not.toContain("text/html");
    expect(limits.mediaTypes).not.toContain("application/json");
    expect(limits.filesPerQuestion).toBe(20);
  });
});
