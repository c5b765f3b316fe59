import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../src/store/database.ts";

// `assay usage ingest` as people run it: real processes over an embedded database folder.

vi.setConfig({ testTimeout: 300_000 });

const BIN = fileURLToPath(new URL("../bin/assay.mjs", import.meta.url));
let work: string;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function assay(
  dataDir: string,
  args: string[],
  opts: { input?: string; killWhen?: (stderr: string) => boolean } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      // Spools of a killed run stay in TMPDIR; keep them under the test's folder, removed at the end.
      env: { ...process.env, ASSAY_DATA_DIR: dataDir, DATABASE_URL: "", TMPDIR: path.join(work, "tmp") },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
      if (opts.killWhen?.(stderr)) child.kill("SIGKILL");
    });
    child.stdin.end(opts.input ?? "");
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function logLines(count: number, seed = 0): string {
  const hosts = [
    "https://api.openai.com/v1/chat/completions",
    "https://api.anthropic.com/v1/messages",
    "https://api.mistral.ai/v1/chat/completions",
  ];
  const out: string[] = [];
  const start = Date.now() - 20 * 86_400_000;
  for (let i = 0; i < count; i++) {
    const k = (i * 7 + seed) % 97;
    out.push(
      JSON.stringify({
        timestamp: new Date(start + i * 37_000).toISOString(),
        url: hosts[k % hosts.length],
        model: k % 2 === 0 ? "gpt-4o-2024-08-06" : "gpt-4o-mini",
        user: `svc-${k % 5}`,
        prompt:
          k % 20 === 0
            ? `Customer wrote from user${i}@example.com about order ${i}`
            : `Summarise report ${i}`,
      }),
    );
  }
  return `${out.join("\n")}\n`;
}

async function totals(dataDir: string) {
  const database = await openDatabase(
    { dataDir, databaseUrl: undefined },
    { command: "test", migrate: false },
  );
  try {
    const q = async <T>(text: string) => ((await database.db.execute(text)) as unknown as { rows: T[] }).rows;
    return {
      events: (await q<{ n: number }>("SELECT count(*)::int AS n FROM usage_events"))[0]?.n,
      daily: await q(
        "SELECT day::text, vendor, model, model_version, data_class, requests::int FROM usage_daily ORDER BY 1, 2, 3, 4, 5",
      ),
      ingests: await q<{ status: string; events: number }>("SELECT status, events::int FROM usage_ingests"),
    };
  } finally {
    await database.close();
  }
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "assay-usage-cli-"));
  await mkdir(path.join(work, "tmp"));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe("assay usage ingest", () => {
  it("ingests a file once, reports the second run as already ingested, and reads standard input", async () => {
    const dataDir = path.join(work, "once");
    const file = path.join(work, "small.jsonl");
    await writeFile(file, logLines(300));
    const first = await assay(dataDir, ["usage", "ingest", file, "--json", "--source", "gw"]);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(result).toMatchObject({ outcome: "ingested", events: 300, source: "gw" });
    expect(result.createdVendors.map((v: { catalogSlug: string }) => v.catalogSlug).sort()).toEqual([
      "anthropic",
      "mistral",
      "openai",
    ]);
    const second = await assay(dataDir, ["usage", "ingest", file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("already ingested");
    const piped = await assay(dataDir, ["usage", "ingest", "-", "--json"], { input: logLines(10, 5) });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout)).toMatchObject({ outcome: "ingested", events: 10, source: "stdin" });
    const t = await totals(dataDir);
    expect(t.events).toBe(310);
  });

  it("fails on a malformed line with its number and stores nothing, unless --skip-invalid", async () => {
    const dataDir = path.join(work, "malformed");
    const file = path.join(work, "bad.jsonl");
    const good = logLines(4).trimEnd().split("\n");
    await writeFile(file, [good[0], good[1], "{oops", good[2], "", "not json either", good[3]].join("\n"));
    const failed = await assay(dataDir, ["usage", "ingest", file, "--batch-events", "1"]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/line 3\b/);
    expect(await totals(dataDir)).toMatchObject({ events: 0, ingests: [] });

    const skipped = await assay(dataDir, ["usage", "ingest", file, "--skip-invalid"]);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain("skipped 2 invalid lines");
    expect(skipped.stdout).toMatch(/line 3: /);
    expect(skipped.stdout).toMatch(/line 6: /);
    expect((await totals(dataDir)).events).toBe(4);
  });

  it("resumes after SIGKILL mid-run with totals equal to a clean ingest", async () => {
    const file = path.join(work, "big.jsonl");
    await writeFile(file, logLines(12_000, 3));
    const killedDir = path.join(work, "killed");
    const killed = await assay(killedDir, ["usage", "ingest", file, "--batch-events", "1000", "--verbose"], {
      killWhen: (stderr) => /batch 3 committed/.test(stderr),
    });
    expect(killed.signal).toBe("SIGKILL");
    const half = await totals(killedDir);
    expect(half.ingests).toEqual([expect.objectContaining({ status: "running" })]);
    expect(half.events).toBeGreaterThanOrEqual(3000);
    expect(half.events).toBeLessThan(12_000);

    const rerun = await assay(killedDir, ["usage", "ingest", file, "--batch-events", "1000", "--json"]);
    expect(rerun.code).toBe(0);
    expect(JSON.parse(rerun.stdout)).toMatchObject({ outcome: "resumed", events: 12_000 });

    const cleanDir = path.join(work, "clean");
    const clean = await assay(cleanDir, ["usage", "ingest", file, "--batch-events", "5000", "--json"]);
    expect(JSON.parse(clean.stdout)).toMatchObject({ outcome: "ingested", events: 12_000 });
    const [a, b] = [await totals(killedDir), await totals(cleanDir)];
    expect(a.events).toBe(12_000);
    expect(a.daily).toEqual(b.daily);
    expect(a.ingests).toEqual([{ status: "complete", events: 12_000 }]);
  });
});
