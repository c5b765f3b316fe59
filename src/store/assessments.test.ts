import { readFileSync } from "node:fs";
import ExcelJS from "exceljs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  type Answer,
  type Answers,
  allowedValues,
  normalizeAnswers,
  parseCustomQuestions,
  parseQuestionBank,
  type Question,
} from "../domain/question-bank.ts";
import { buildQuestionnaireWorkbook, readQuestionnaireWorkbook, readSendSettings } from "./assessments.ts";
import { CATALOG_DIR } from "./catalog.ts";

const bank = parseQuestionBank(parse(readFileSync(`${CATALOG_DIR}/questions/ai-vendor-v1.yaml`, "utf8")));
/** Custom questions of every answer type, so the round-trip covers them too. */
const custom = parseCustomQuestions([
  {
    id: "c-hosting",
    section: "D",
    text: "Which hosting providers run the service?",
    answerType: "multi_choice",
    options: [
      { value: "aws", label: "AWS" },
      { value: "gcp", label: "Google Cloud" },
      { value: "azure", label: "Azure" },
    ],
    dimension: "infrastructure",
    tiers: [3],
  },
  {
    id: "c-pentest-report",
    section: "A",
    text: "Attach the latest penetration test summary.",
    answerType: "file",
    dimension: "infrastructure",
    tiers: [3],
  },
  {
    id: "c-last-dr-test",
    section: "E",
    text: "When did you last test disaster recovery?",
    answerType: "date",
    dimension: "infrastructure",
    tiers: [3],
  },
]);
const questions: Question[] = [...bank.questions, ...custom];
const ASSESSMENT_ID = "3f0c2a9e-1111-4aaa-8bbb-0123456789ab";

// Text a person types: letters, digits, punctuation, spaces, line breaks and a few non-Latin letters.
// (Carriage returns and C0 controls cannot be stored in XLSX XML, so they are left out.)
const textChar = fc.constantFrom(..."abcXYZ019 .,;:!?'\"=+-_/()&<>\n\téüß漢字ﾃ€".split(""));
const text = fc.string({ unit: textChar, minLength: 1, maxLength: 80 });
const listItem = fc
  .string({ unit: fc.constantFrom(..."abc019 .-_#/é".split("")), minLength: 1, maxLength: 30 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

function valueArb(q: Question): fc.Arbitrary<Answer["value"]> {
  const allowed = allowedValues(q) ?? [];
  switch (q.answerType) {
    case "yes_no_partial_na":
    case "single_choice":
      return fc.constantFrom(...allowed);
    case "multi_choice":
      return fc.subarray(allowed, { minLength: 1 });
    case "number":
      return fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e12, noNaN: true, noDefaultInfinity: true }));
    case "date":
      return fc
        .date({
          min: new Date("1990-01-01T00:00:00Z"),
          max: new Date("2090-12-31T00:00:00Z"),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString().slice(0, 10));
    case "text":
      return text;
    case "file":
      return fc.array(listItem, { minLength: 1, maxLength: 4 });
  }
}

const answerArb = (q: Question): fc.Arbitrary<Answer> =>
  fc.record(
    {
      value: fc.option(valueArb(q), { nil: null }),
      comment: text,
      evidence: fc.array(listItem, { minLength: 1, maxLength: 3 }),
    },
    { requiredKeys: ["value"] },
  );

const answersArb: fc.Arbitrary<Answers> = fc
  .subarray(questions, { maxLength: questions.length })
  .chain((qs) => fc.tuple(...qs.map((q) => answerArb(q).map((a) => [q.id, a] as const))))
  .map((pairs) => Object.fromEntries(pairs));

describe("questionnaire spreadsheet", () => {
  it("round-trips any valid answers losslessly, custom questions included", async () => {
    await fc.assert(
      fc.asyncProperty(answersArb, async (answers) => {
        const file = await buildQuestionnaireWorkbook({
          assessmentId: ASSESSMENT_ID,
          bankId: bank.id,
          bankVersion: bank.version,
          questions,
          answers,
        });
        const back = await readQuestionnaireWorkbook(file, { assessmentId: ASSESSMENT_ID, questions });
        expect(back).toEqual(normalizeAnswers(answers));
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("names the sheet and cell of every bad value and returns nothing", async () => {
    const file = await buildQuestionnaireWorkbook({
      assessmentId: ASSESSMENT_ID,
      bankId: bank.id,
      bankVersion: bank.version,
      questions,
      answers: { q01: { value: "none" } },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("Questionnaire");
    if (!sheet) throw new Error("no sheet");
    sheet.getCell("F2").value = "platinum"; // q01, a single choice
    sheet.getCell("F6").value = "soon"; // q05, a number
    sheet.getCell("A7").value = "q99";
    const broken = Buffer.from(await wb.xlsx.writeBuffer());
    const error = await readQuestionnaireWorkbook(broken, { assessmentId: ASSESSMENT_ID, questions }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "SPREADSHEET_INVALID" });
    const cells = (error as { details: { errors: { sheet: string; cell: string }[] } }).details.errors;
    expect(cells.map((c) => `${c.sheet}!${c.cell}`).sort()).toEqual(
      ["Questionnaire!A7", "Questionnaire!F2", "Questionnaire!F6"].sort(),
    );
  });

  it("refuses what is not a workbook, or a workbook without the questionnaire sheet", async () => {
    await expect(
      readQuestionnaireWorkbook(new TextEncoder().encode("id,answer\nq01,yes"), {
        assessmentId: ASSESSMENT_ID,
        questions,
      }),
    ).rejects.toMatchObject({ code: "SPREADSHEET_INVALID" });
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("Sheet1");
    const other = Buffer.from(await wb.xlsx.writeBuffer());
    await expect(
      readQuestionnaireWorkbook(other, { assessmentId: ASSESSMENT_ID, questions }),
    ).rejects.toMatchObject({
      code: "SPREADSHEET_INVALID",
      details: { errors: [{ sheet: "Questionnaire" }] },
    });
  });
});

describe("send settings", () => {
  it("reads holidays and the grace period, and refuses malformed ones", () => {
    expect(readSendSettings({})).toEqual({ holidays: [], graceDays: 14 });
    expect(
      readSendSettings({ ASSAY_HOLIDAYS: "2026-12-25, 2026-12-26", ASSAY_PORTAL_GRACE_DAYS: "3" }),
    ).toEqual({
      holidays: ["2026-12-25", "2026-12-26"],
      graceDays: 3,
    });
    expect(() => readSendSettings({ ASSAY_HOLIDAYS: "25/12/2026" })).toThrow(/ASSAY_HOLIDAYS/);
    expect(() => readSendSettings({ ASSAY_PORTAL_GRACE_DAYS: "-1" })).toThrow(/GRACE/);
  });
});
