import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildCertificatePdf } from "../../evidence/fixtures/certificate-fixture.ts";
import { plainTextPdf } from "../../evidence/fixtures/hostile-pdf.ts";
import { sha256Hex } from "../../store/blob-store.ts";
import { readStoreConfig } from "../../store/config.ts";
import { openDatabase } from "../../store/database.ts";
import { runCommand } from "../testing.ts";
import { registerDocumentCommand } from "./document.ts";
import { registerVendorCommand } from "./vendor.ts";

vi.setConfig({ testTimeout: 120_000 });

const PLAN = plainTextPdf([["Incident response plan, version 3."]]);
let dir: string;
const saved = { data: process.env.ASSAY_DATA_DIR, url: process.env.DATABASE_URL };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-document-cli-"));
  process.env.ASSAY_DATA_DIR = join(dir, "data");
  process.env.DATABASE_URL = "";
  await writeFile(join(dir, "cert.pdf"), await buildCertificatePdf({ validUntil: "2030-01-31" }));
  await writeFile(join(dir, "plan.pdf"), PLAN);
  await writeFile(join(dir, "tool.exe"), Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]));
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

const run = (args: string[]) => runCommand(registerDocumentCommand, ["document", ...args]);

describe("assay document", () => {
  it("adds documents by vendor name, lists them, and verify fails once a blob is corrupted", async () => {
    const vendor = await runCommand(registerVendorCommand, [
      "vendor",
      "add",
      "Acme Inference",
      "--category",
      "other",
    ]);
    expect(vendor.code).toBe(0);

    const cert = await run([
      "add",
      join(dir, "cert.pdf"),
      "--vendor",
      "acme inference",
      "--type",
      "iso27001",
      "--json",
    ]);
    expect(cert.code).toBe(0);
    const stored = JSON.parse(cert.stdout) as { expiresOn: string; analysisStatus: string; fileName: string };
    expect(stored).toMatchObject({ expiresOn: "2030-01-31", analysisStatus: "done", fileName: "cert.pdf" });

    const plan = await run([
      "add",
      join(dir, "plan.pdf"),
      "--vendor",
      "Acme Inference",
      "--type",
      "incident_response_plan",
    ]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/analysis not_applicable/);

    const exe = await run(["add", join(dir, "tool.exe"), "--vendor", "Acme Inference", "--type", "other"]);
    expect(exe.code).toBe(2);
    expect(exe.stderr).toMatch(/executable/);
    const badType = await run([
      "add",
      join(dir, "plan.pdf"),
      "--vendor",
      "Acme Inference",
      "--type",
      "passport",
    ]);
    expect(badType.code).toBe(2);
    const noVendor = await run(["add", join(dir, "plan.pdf"), "--vendor", "Nobody", "--type", "other"]);
    expect(noVendor.code).toBe(2);
    expect(noVendor.stderr).toMatch(/No vendor "Nobody"/);

    const list = await run(["list", "--vendor", "Acme Inference", "--json"]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { total: number }).total).toBe(2);
    const human = await run(["list"]);
    expect(human.stdout).toMatch(/cert\.pdf.*iso27001/);

    const good = await run(["verify", "--json"]);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ checked: 2, ok: 2, failed: [] });

    const database = await openDatabase(readStoreConfig(), { command: "test" });
    try {
      await database.db.execute(
        sql`UPDATE blobs SET content = ${Buffer.from("tampered")} WHERE sha256 = ${sha256Hex(PLAN)}`,
      );
    } finally {
      await database.close();
    }
    const bad = await run(["verify"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`FAILED ${sha256Hex(PLAN)} (database)`);
    expect(bad.stdout).toMatch(/2 blobs checked, 1 failed/);
    expect(bad.stderr).toMatch(/failed verification/);
  });
});
