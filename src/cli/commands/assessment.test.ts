import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addBusinessDays } from "../../domain/business-days.ts";
import { runCommand } from "../testing.ts";
import { registerAssessmentCommand } from "./assessment.ts";
import { registerVendorCommand } from "./vendor.ts";

vi.setConfig({ testTimeout: 120_000 });

let dir: string;
const saved = { data: process.env.ASSAY_DATA_DIR, url: process.env.DATABASE_URL };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-assessment-cli-"));
  process.env.ASSAY_DATA_DIR = join(dir, "data");
  process.env.DATABASE_URL = "";
});
afterAll(async () => {
  for (const [key, value] of [
    ["ASSAY_DATA_DIR", saved.data],
    ["DATABASE_URL", saved.url],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await rm(dir, { recursive: true, force: true });
});

const run = (args: string[]) => runCommand(registerAssessmentCommand, ["assessment", ...args]);

describe("assay assessment", () => {
  it("creates by vendor name, exports, imports an edited workbook, sends and shows", async () => {
    expect(
      (await runCommand(registerVendorCommand, ["vendor", "add", "Acme Models", "--category", "other"])).code,
    ).toBe(0);
    const created = await run(["create", "acme models", "--json"]);
    expect(created.code).toBe(0);
    const a = JSON.parse(created.stdout) as { id: string; status: string; questionCount: number };
    expect(a).toMatchObject({ status: "draft", questionCount: 25 });

    const file = join(dir, "q.xlsx");
    expect((await run(["export", a.id, file, "--json"])).code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(file)) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet("Questionnaire");
    if (!sheet) throw new Error("no questionnaire sheet");
    expect(sheet.getCell("A2").value).toBe("q01");
    sheet.getCell("F2").value = "type2_current";
    sheet.getCell("G2").value = "Report attached";
    await writeFile(file, Buffer.from(await wb.xlsx.writeBuffer()));
    const imported = await run(["import", a.id, file, "--json"]);
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.stdout).answers.q01).toEqual({
      value: "type2_current",
      comment: "Report attached",
    });

    sheet.getCell("F2").value = "gold";
    await writeFile(file, Buffer.from(await wb.xlsx.writeBuffer()));
    const bad = await run(["import", a.id, file]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Questionnaire!F2");

    const sent = await run(["send", a.id, "--json"]);
    expect(sent.code).toBe(0);
    const link = JSON.parse(sent.stdout) as { portalUrl: string; dueDate: string };
    expect(link.portalUrl).toMatch(/\/portal\/assay_portal_/);
    expect(link.dueDate).toBe(addBusinessDays(new Date().toISOString().slice(0, 10), 14));
    const again = await run(["send", a.id]);
    expect(again.code).toBe(5);

    const shown = await run(["show", a.id, "--json"]);
    expect(shown.code).toBe(0);
    const body = JSON.parse(shown.stdout) as {
      assessment: { status: string };
      analysis: { findings: unknown[] };
    };
    expect(body.assessment.status).toBe("sent");
    expect(body.analysis.findings.length).toBeGreaterThan(0);
    const human = await run(["show", a.id]);
    expect(human.stdout).toContain("Acme Models");

    const missing = await run(["show", crypto.randomUUID(), "--json"]);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe("ASSESSMENT_NOT_FOUND");
  });
});
