import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import {
  buildSoc2ReportPdf,
  DEFAULT_EXCEPTIONS,
  DEFAULT_SOC2_FIXTURE,
  type FixtureOpinion,
  type Soc2FixtureOptions,
} from "../fixtures/soc2-report-fixture.ts";
import { type DocumentText, documentTextFromString } from "../pdf/document-text.ts";
import { extractPdfText } from "../pdf/extract-pdf-text.ts";
import { assessSoc2Age } from "./soc2-age.ts";
import { analyzeSoc2Text, soc2Findings } from "./soc2-analysis.ts";
import { parseSoc2Report, type Soc2Report } from "./soc2-report.ts";

const cases: Record<string, Partial<Soc2FixtureOptions>> = {
  unqualified: {},
  qualifiedWithExceptions: { opinion: "qualified", exceptions: DEFAULT_EXCEPTIONS },
  unqualifiedWithExceptions: { exceptions: DEFAULT_EXCEPTIONS.slice(0, 1) },
  adverseInclusiveAssertionFirst: {
    opinion: "adverse",
    subservice: "inclusive",
    assertionFirst: true,
    dateStyle: "long_eu",
    categories: ["Security", "Processing Integrity", "Privacy"],
  },
  disclaimerType1: { opinion: "disclaimer", reportType: 1, dateStyle: "iso", subservice: "none" },
  qualifiedTable: {
    opinion: "qualified",
    exceptions: DEFAULT_EXCEPTIONS,
    testsLayout: "table",
    subserviceTable: [
      ["Cloudline Hosting, LLC", "Data center hosting"],
      ["Vectorstore Cloud, Inc.", "Managed vector database for customer embeddings"],
    ],
  },
  slashDates: {
    dateStyle: "slash_us",
    serviceOrganization: "Vectorly Labs Ltd.",
    auditorFirm: "Keel Assurance PLLC",
    auditorCity: "Austin, Texas",
  },
};

const texts = new Map<string, DocumentText>();
const reports = new Map<string, Soc2Report>();

beforeAll(async () => {
  for (const [name, options] of Object.entries(cases)) {
    const text = await extractPdfText(await buildSoc2ReportPdf(options));
    texts.set(name, text);
    reports.set(name, parseSoc2Report(text));
  }
}, 60_000);

function report(name: string): Soc2Report {
  const r = reports.get(name);
  if (!r) throw new Error(`fixture ${name} missing`);
  return r;
}

describe("parseSoc2Report on generated reports", () => {
  it.each<[string, FixtureOpinion]>([
    ["unqualified", "unqualified"],
    ["qualifiedWithExceptions", "qualified"],
    ["adverseInclusiveAssertionFirst", "adverse"],
    ["disclaimerType1", "disclaimer"],
  ])("reads the %s opinion", (name, expected) => {
    const r = report(name);
    expect(r.opinion?.value).toBe(expected);
    expect(r.opinion?.quote).toMatch(/opinion/i);
    expect(r.opinion?.page).toBeGreaterThan(1);
    if (expected === "unqualified") expect(r.opinionBasis).toBeNull();
    else expect(r.opinionBasis?.value.length).toBeGreaterThan(20);
  });

  it("reads who, by whom, where and when, each with page and quote", () => {
    const r = report("unqualified");
    expect(r.serviceOrganization?.value).toBe(DEFAULT_SOC2_FIXTURE.serviceOrganization);
    expect(r.serviceOrganization?.quote).toContain("To the Management of");
    expect(r.auditorFirm?.value).toBe(DEFAULT_SOC2_FIXTURE.auditorFirm);
    expect(r.auditorCity?.value).toBe(DEFAULT_SOC2_FIXTURE.auditorCity);
    expect(r.reportType?.value).toBe("type2");
    expect(r.reportType?.quote).toContain("throughout the period");
    expect(r.periodStart?.value).toBe(DEFAULT_SOC2_FIXTURE.periodStart);
    expect(r.periodEnd?.value).toBe(DEFAULT_SOC2_FIXTURE.periodEnd);
    expect(r.reportDate?.value).toBe(DEFAULT_SOC2_FIXTURE.reportDate);
    expect(r.trustServicesCategories?.value).toEqual(["security", "availability", "confidentiality"]);
    for (const fact of [r.serviceOrganization, r.auditorFirm, r.periodEnd, r.reportDate]) {
      expect(fact?.page).toBe(2);
      expect(fact?.quote.length).toBeGreaterThan(5);
    }
  });

  it("puts each section on the page where its heading is", () => {
    // Page 1 is the title page; sections I to III start on pages 2 to 4, the tests on page 5.
    expect(report("unqualified").sections.map((s) => [s.kind, s.page])).toEqual([
      ["auditor_report", 2],
      ["assertion", 3],
      ["description", 4],
      ["tests_of_controls", 5],
    ]);
  });

  it("finds sections by title even when the assertion comes first", () => {
    const r = report("adverseInclusiveAssertionFirst");
    expect(r.sections.map((s) => s.kind).slice(0, 3)).toEqual(["assertion", "auditor_report", "description"]);
    expect(r.auditorFirm?.value).toBe(DEFAULT_SOC2_FIXTURE.auditorFirm);
    expect(r.periodEnd?.value).toBe("2025-12-31");
    expect(r.trustServicesCategories?.value).toEqual(["security", "processing_integrity", "privacy"]);
  });

  it("reads a Type 1 report's as-of date and other date spellings", () => {
    const t1 = report("disclaimerType1");
    expect(t1.reportType?.value).toBe("type1");
    expect(t1.periodStart).toBeNull();
    expect(t1.periodEnd?.value).toBe("2025-12-31");
    expect(t1.reportDate?.value).toBe("2026-02-13");
    const slash = report("slashDates");
    expect(slash.periodStart?.value).toBe("2025-01-01");
    expect(slash.reportDate?.value).toBe("2026-02-13");
    expect(slash.serviceOrganization?.value).toBe("Vectorly Labs Ltd.");
    expect(slash.auditorFirm?.value).toBe("Keel Assurance PLLC");
    expect(slash.auditorCity?.value).toBe("Austin, Texas");
  });

  it("reads exceptions with control, criterion, sample and management response", () => {
    const r = report("qualifiedWithExceptions");
    expect(r.exceptions).toHaveLength(DEFAULT_EXCEPTIONS.length);
    DEFAULT_EXCEPTIONS.forEach((expected, i) => {
      const e = r.exceptions[i];
      expect(e?.value.controlId).toBe(expected.controlId);
      expect(e?.value.criterion).toBe(expected.criterion);
      expect(e?.value.sample).toEqual({ deviations: expected.deviated, sampled: expected.sampled });
      expect(e?.value.deviation).toBe(expected.deviation);
      expect(e?.value.managementResponse?.value).toBe(expected.response);
      expect(e?.quote).toMatch(/^Exception noted/);
    });
    expect(report("unqualified").exceptions).toEqual([]);
    // In a table written line by line across columns, the deviation is still read from its own cell.
    const table = report("qualifiedTable").exceptions;
    expect(table.map((e) => [e.value.controlId, e.value.criterion, e.value.deviation])).toEqual(
      DEFAULT_EXCEPTIONS.map((e) => [e.controlId, e.criterion, e.deviation]),
    );
    expect(table.map((e) => e.value.managementResponse?.value)).toEqual(
      DEFAULT_EXCEPTIONS.map((e) => e.response),
    );
    expect(report("unqualifiedWithExceptions").exceptions).toHaveLength(1);
    expect(report("unqualifiedWithExceptions").opinion?.value).toBe("unqualified");
  });

  it("reads CUECs, CSOCs and the subservice method", () => {
    const carve = report("unqualified");
    expect(carve.complementaryUserEntityControls).toHaveLength(3);
    expect(carve.complementaryUserEntityControls[0]?.value).toMatch(/^User entities are responsible/);
    expect(carve.complementarySubserviceOrganizationControls).toHaveLength(2);
    expect(carve.subserviceOrganizations.map((s) => s.value)).toEqual([
      { name: "Cloudline Hosting, LLC", method: "carve_out" },
    ]);
    const inclusive = report("adverseInclusiveAssertionFirst");
    expect(inclusive.subserviceOrganizations.map((s) => s.value.method)).toEqual(["inclusive"]);
    expect(inclusive.complementarySubserviceOrganizationControls).toEqual([]);
    expect(report("disclaimerType1").subserviceOrganizations).toEqual([]);
    // An organisation named only in the description's table is found too, once per name.
    expect(report("qualifiedTable").subserviceOrganizations.map((s) => s.value)).toEqual([
      { name: "Cloudline Hosting, LLC", method: "carve_out" },
      { name: "Vectorstore Cloud, Inc.", method: "carve_out" },
    ]);
  });
});

describe("SOC 2 findings", () => {
  it("applies the 3- and 12-month age rules on the asOf date", () => {
    expect(assessSoc2Age("2025-12-31", "2026-03-31")).toMatchObject({
      stale: false,
      bridgeLetterNeeded: false,
    });
    expect(assessSoc2Age("2025-12-31", "2026-04-01")).toMatchObject({
      stale: false,
      bridgeLetterNeeded: true,
    });
    expect(assessSoc2Age("2025-12-31", "2026-12-31")).toMatchObject({
      stale: false,
      bridgeLetterNeeded: true,
    });
    expect(assessSoc2Age("2025-12-31", "2027-01-01")).toMatchObject({
      stale: true,
      bridgeLetterNeeded: false,
      daysSincePeriodEnd: 366,
    });
  });

  it("raises stale, opinion and exception findings", () => {
    const r = report("qualifiedWithExceptions");
    const rules = soc2Findings(r, "2027-09-01").findings.map((f) => f.rule);
    expect(rules).toContain("soc2.opinion_qualified");
    expect(rules).toContain("soc2.stale_period");
    expect(rules.filter((x) => x === "soc2.exception")).toHaveLength(2);
    expect(
      soc2Findings(report("unqualified"), "2026-02-01").findings.filter((f) => f.severity !== "info"),
    ).toEqual([]);
    const t1 = soc2Findings(report("disclaimerType1"), "2026-02-01").findings;
    expect(t1.find((f) => f.rule === "soc2.opinion_disclaimer")?.severity).toBe("critical");
    expect(t1.some((f) => f.rule === "soc2.type1_only")).toBe(true);
  });

  it("reports a text that is not a SOC 2 report as missing opinion and period", () => {
    const analysis = analyzeSoc2Text(documentTextFromString("A grocery list: eggs, milk."), {
      asOf: "2026-01-01",
    });
    expect(analysis.findings.map((f) => f.rule)).toEqual(["soc2.opinion_not_found", "soc2.period_not_found"]);
    expect(analysis.age).toBeNull();
  });
});

describe("parseSoc2Report on hostile text", () => {
  it("never throws on random text", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 400 }), { maxLength: 5 }), (pages) => {
        parseSoc2Report({ pages: pages.map((text, i) => ({ number: i + 1, text })) });
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on mutated report text", () => {
    const base =
      texts
        .get("qualifiedWithExceptions")
        ?.pages.map((p) => p.text)
        .join("\f") ?? "";
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 200 }), fc.string({ maxLength: 30 })), { maxLength: 20 }),
        (edits) => {
          let text = base;
          for (const [at, remove, insert] of edits) {
            const i = at % (text.length + 1);
            text = text.slice(0, i) + insert + text.slice(i + remove);
          }
          try {
            const r = parseSoc2Report(documentTextFromString(text));
            for (const e of r.exceptions) expect(e.page).toBeGreaterThan(0);
          } catch (error) {
            expect(isAppError(error)).toBe(true);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("answers text past the limit with INPUT_TOO_LARGE", () => {
    const huge = "x".repeat(20_000_001);
    let code = "";
    try {
      parseSoc2Report(documentTextFromString(huge));
    } catch (error) {
      code = isAppError(error) ? error.code : "other";
    }
    expect(code).toBe("INPUT_TOO_LARGE");
  });
});

describe("parseSoc2Report on other wordings", () => {
  const doc = (text: string) => parseSoc2Report(documentTextFromString(text));

  it("reads a city and date on one signature line and an /s/ signature", () => {
    const r = doc(
      [
        "Independent Service Auditor's Report",
        "To the Management of Vectorly Labs Ltd.",
        "In our opinion, in all material respects, the controls operated effectively throughout the period 1 July 2024 to 30 June 2025.",
        "/s/ Keel Assurance PLLC",
        "Austin, Texas, August 20, 2025",
      ].join("\n"),
    );
    expect(r.auditorFirm?.value).toBe("Keel Assurance PLLC");
    expect(r.auditorCity?.value).toBe("Austin, Texas");
    expect(r.reportDate?.value).toBe("2025-08-20");
    expect(r.periodStart?.value).toBe("2024-07-01");
  });

  it("reads subservice organisations with a short name in brackets", () => {
    const r = doc(
      'Vectorly uses Amazon Web Services, Inc. ("AWS") as a subservice organization for cloud hosting. The description excludes the controls of AWS (the carve-out method).',
    );
    expect(r.subserviceOrganizations.map((s) => s.value)).toEqual([
      { name: "Amazon Web Services, Inc.", method: "carve_out" },
    ]);
  });

  it("reads deviations noted like exceptions, and not their absence", () => {
    const r = doc(
      "Trust Services Criteria and Results of Tests\nCC7.2 Control LOG-4: Alerts are triaged.\nResult: Deviation noted. For three of 60 alerts sampled, triage was not recorded.\nCC7.3 Control LOG-5: Incidents are reviewed.\nResult: No deviations noted.",
    );
    expect(r.exceptions.map((e) => [e.value.controlId, e.value.criterion, e.value.sample])).toEqual([
      ["LOG-4", "CC7.2", { deviations: 3, sampled: 60 }],
    ]);
  });

  it("reads periods written for the period, with the start year left out", () => {
    const r = doc("Report on controls relevant to Security for the period January 1 to December 31, 2025.");
    expect([r.reportType?.value, r.periodStart?.value, r.periodEnd?.value]).toEqual([
      "type2",
      "2025-01-01",
      "2025-12-31",
    ]);
    const across = doc("We tested the controls during the period 1 October through 30 September 2025.");
    expect([across.periodStart?.value, across.periodEnd?.value]).toEqual(["2024-10-01", "2025-09-30"]);
  });

  it("reads categories listed in the description and other CUEC and response wordings", () => {
    const r = doc(
      [
        "Trust Services Categories in scope: Security, Availability and Privacy",
        "User Entity Control Considerations",
        "1. Customers review their users quarterly.",
        "2. Customers protect their API keys.",
        "",
        "Tests of Controls and Results",
        "CC6.3 Control AC-2: Access reviews. Exception noted. 1 of 4 quarterly reviews was not performed.",
        "Management Response: The missed review was performed late and reminders were automated.",
      ].join("\n"),
    );
    expect(r.trustServicesCategories?.value).toEqual(["security", "availability", "privacy"]);
    expect(r.complementaryUserEntityControls.map((c) => c.value)).toEqual([
      "Customers review their users quarterly.",
      "Customers protect their API keys.",
    ]);
    expect(r.exceptions[0]?.value.managementResponse?.value).toBe(
      "The missed review was performed late and reminders were automated.",
    );
  });

  it.each([
    ["Report of Independent Accountants", "auditor_report"],
    ["Independent Auditor’s Report", "auditor_report"],
    ["Section 2 — Assertion of the Management of Vectorly Labs Ltd.", "assertion"],
    ["Vectorly’s Management’s Assertion", "assertion"],
    ["SECTION III: Vectorly's Description of Its Model Hosting Platform", "description"],
    ["Section 4: Description of Criteria, Controls, Tests and Results of Tests", "tests_of_controls"],
  ])("recognises the heading %j", (heading, kind) => {
    expect(doc(`${heading}\nText of the section.`).sections.map((s) => s.kind)).toEqual([kind]);
  });

  it("skips table-of-contents lines", () => {
    const r = doc(
      "Contents\nIndependent Service Auditor's Report ........ 1\nManagement's Assertion 4\n\fIndependent Service Auditor's Report\nbody",
    );
    expect(r.sections.map((s) => [s.kind, s.page])).toEqual([["auditor_report", 2]]);
  });
});
