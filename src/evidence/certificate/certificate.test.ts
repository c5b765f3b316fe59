import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import { buildCertificatePdf, DEFAULT_CERTIFICATE_FIXTURE } from "../fixtures/certificate-fixture.ts";
import { type DocumentText, documentTextFromString } from "../pdf/document-text.ts";
import { extractPdfText } from "../pdf/extract-pdf-text.ts";
import { DATE_STYLES, formatDate } from "../pdf/text-dates.ts";
import { analyzeCertificate, parseCertificate } from "./certificate.ts";

let iso27001: DocumentText;
let iso42001: DocumentText;

beforeAll(async () => {
  iso27001 = await extractPdfText(await buildCertificatePdf());
  iso42001 = await extractPdfText(
    await buildCertificatePdf({
      standard: "ISO/IEC 42001:2023",
      certificateNumber: "AIMS-0042",
      body: "Halden Register AB",
      dateStyle: "iso",
      issueDate: "2025-06-01",
      validUntil: "2026-05-31",
    }),
  );
});

describe("parseCertificate", () => {
  it("reads an ISO/IEC 27001 certificate with page and quote for each field", () => {
    const c = parseCertificate(iso27001);
    expect(c.standard?.value).toBe("iso27001");
    expect(c.standardText?.value).toBe("ISO/IEC 27001:2022");
    expect(c.certificateNumber?.value).toBe(DEFAULT_CERTIFICATE_FIXTURE.certificateNumber);
    expect(c.issuer?.value).toBe(DEFAULT_CERTIFICATE_FIXTURE.body);
    expect(c.organization?.value).toBe(DEFAULT_CERTIFICATE_FIXTURE.organization);
    expect(c.scope?.value).toBe(DEFAULT_CERTIFICATE_FIXTURE.scope);
    expect(c.issueDate?.value).toBe(DEFAULT_CERTIFICATE_FIXTURE.issueDate);
    expect(c.validUntil?.value).toBe(DEFAULT_CERTIFICATE_FIXTURE.validUntil);
    expect(c.validUntil?.page).toBe(1);
    expect(c.validUntil?.quote).toContain("Valid until");
  });

  it("reads an ISO/IEC 42001 certificate", () => {
    const c = parseCertificate(iso42001);
    expect(c.standard?.value).toBe("iso42001");
    expect(c.certificateNumber?.value).toBe("AIMS-0042");
    expect(c.issuer?.value).toBe("Halden Register AB");
    expect(c.validUntil?.value).toBe("2026-05-31");
  });

  it("reads the expiry in every date spelling and in a validity range", () => {
    fc.assert(
      fc.property(fc.constantFrom(...DATE_STYLES), (style) => {
        const text = `ISO 27001 certificate\nValidity: ${formatDate("2025-01-15", style)} to ${formatDate("2028-01-14", style)}\n`;
        expect(parseCertificate(documentTextFromString(text)).validUntil?.value).toBe("2028-01-14");
      }),
    );
  });
});

describe("analyzeCertificate", () => {
  it("raises nothing while valid, a 60-day reminder, then expiry", () => {
    const valid = analyzeCertificate(iso42001, { asOf: "2026-01-01" });
    expect(valid.findings).toEqual([]);
    expect(valid.reminderDate).toBe("2026-04-01");
    const soon = analyzeCertificate(iso42001, { asOf: "2026-04-01" });
    expect(soon.daysUntilExpiry).toBe(60);
    expect(soon.findings.map((f) => [f.rule, f.severity])).toEqual([["certificate.expiring", "medium"]]);
    const last = analyzeCertificate(iso42001, { asOf: "2026-05-31" });
    expect(last.findings.map((f) => f.rule)).toEqual(["certificate.expiring"]);
    const expired = analyzeCertificate(iso42001, { asOf: "2026-06-01" });
    expect(expired.findings.map((f) => [f.rule, f.severity])).toEqual([["certificate.expired", "high"]]);
    expect(expired.findings[0]?.quote).toContain("2026-05-31");
  });

  it("reports a document with no standard and no expiry", () => {
    const a = analyzeCertificate(documentTextFromString("Thank you for your order."), { asOf: "2026-01-01" });
    expect(a.findings.map((f) => f.rule)).toEqual([
      "certificate.standard_not_found",
      "certificate.expiry_not_found",
    ]);
  });

  it("never throws on random text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), (text) => {
        try {
          analyzeCertificate(documentTextFromString(text), { asOf: "2026-01-01" });
        } catch (error) {
          expect(isAppError(error)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
