import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { imageOnlyPdf } from "../../evidence/fixtures/render-pdf.ts";
import { buildSoc2ReportPdf, DEFAULT_EXCEPTIONS } from "../../evidence/fixtures/soc2-report-fixture.ts";
import { runCommand } from "../testing.ts";
import { registerSoc2Command } from "./soc2.ts";

let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-soc2-"));
  const write = async (name: string, bytes: Uint8Array) => {
    files[name] = join(dir, name);
    await writeFile(files[name], bytes);
  };
  await write("clean.pdf", await buildSoc2ReportPdf());
  await write(
    "qualified.pdf",
    await buildSoc2ReportPdf({ opinion: "qualified", exceptions: DEFAULT_EXCEPTIONS }),
  );
  await write("scan.pdf", await imageOnlyPdf(1));
  await write("notes.txt", new TextEncoder().encode("not a pdf at all"));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

function run(args: string[]) {
  return runCommand(registerSoc2Command, ["soc2", ...args]);
}

describe("assay soc2", () => {
  it("exits 0 on a current clean report and prints JSON facts", async () => {
    const out = await run([files["clean.pdf"] ?? "", "--json", "--as-of", "2026-02-20"]);
    expect(out.code).toBe(0);
    const parsed = JSON.parse(out.stdout);
    expect(parsed.report.opinion.value).toBe("unqualified");
    expect(parsed.report.periodEnd).toMatchObject({ value: "2025-12-31", page: 2 });
    expect(out.stderr).toBe("");
  });

  it("exits 1 when the report raises findings, and lists them for people", async () => {
    const out = await run([files["qualified.pdf"] ?? "", "--as-of", "2027-06-01"]);
    expect(out.code).toBe(1);
    expect(out.stdout).toContain("Opinion: qualified");
    expect(out.stdout).toContain("[high] Report period ended more than 12 months ago");
    expect(out.stdout).toContain("Exceptions: 2");
  });

  it("exits 2 with one clear line for unreadable input", async () => {
    const scan = await run([files["scan.pdf"] ?? ""]);
    expect(scan.code).toBe(2);
    expect(scan.stderr.trim().split("\n")).toHaveLength(1);
    expect(scan.stderr).toMatch(/no text layer/);
    const text = await run([files["notes.txt"] ?? "", "--json"]);
    expect(text.code).toBe(2);
    expect(JSON.parse(text.stdout).error.code).toBe("PDF_INVALID");
    const missing = await run([join(dir, "absent.pdf")]);
    expect(missing.code).toBe(2);
    const badDate = await run([files["clean.pdf"] ?? "", "--as-of", "31/12/2025"]);
    expect(badDate.code).toBe(2);
  });
});
