import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runCommand } from "../testing.ts";
import { registerUsageClassifyCommand } from "./usage-classify.ts";

let dir: string;
const line = (i: number, prompt: string, url = "https://api.openai.com/v1/chat/completions") =>
  JSON.stringify({ timestamp: 1767225600 + i, url, model: "gpt-4o-2024-08-06", user: "svc", prompt });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-usage-"));
  const good = [
    line(1, "Summarise the meeting"),
    line(2, "Email jane@example.com about card 4539 1488 0343 6467"),
    line(3, "Hello", "https://api.anthropic.com/v1/messages"),
  ].join("\n");
  await writeFile(join(dir, "good.jsonl.gz"), gzipSync(Buffer.from(`${good}\n`)));
  await writeFile(join(dir, "bad.jsonl"), `${line(1, "ok")}\n{broken\n${line(3, "ok")}\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

function run(args: string[]) {
  return runCommand(registerUsageClassifyCommand, ["usage", "classify", ...args]);
}

describe("assay usage classify", () => {
  it("prints totals per vendor and class as JSON, without prompt text", async () => {
    const out = await run([join(dir, "good.jsonl.gz"), "--json"]);
    expect(out.code).toBe(0);
    const summary = JSON.parse(out.stdout);
    expect(summary).toMatchObject({
      events: 3,
      eventsWithDetections: 1,
      byVendor: { openai: { requests: 2, withDetections: 1 }, anthropic: { requests: 1 } },
      byDataClass: { pii: 1, payment_data: 1 },
      byKind: { email: 1, payment_card: 1 },
    });
    expect(out.stdout).not.toContain("jane");
  });

  it("exits 1 when a --fail-on class is found", async () => {
    const out = await run([join(dir, "good.jsonl.gz"), "--fail-on", "payment_data"]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain("payment_data");
  });

  it("fails on a malformed line with its number, or skips and reports it", async () => {
    const failed = await run([join(dir, "bad.jsonl"), "--format", "jsonl"]);
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/line 2/);
    const skipped = await run([join(dir, "bad.jsonl"), "--skip-invalid", "--json"]);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout)).toMatchObject({ events: 2, invalidLines: [{ line: 2 }] });
  });

  it("prints events as NDJSON on request", async () => {
    const out = await run([join(dir, "good.jsonl.gz"), "--events"]);
    const events = out.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.model)).toEqual(["gpt-4o", "gpt-4o", "gpt-4o"]);
    expect(events[0].modelVersion).toBe("2024-08-06");
  });

  it("rejects bad options and missing files with exit 2", async () => {
    expect((await run([join(dir, "missing.jsonl")])).code).toBe(2);
    expect((await run([join(dir, "good.jsonl.gz"), "--format", "xml"])).code).toBe(2);
    expect((await run([join(dir, "good.jsonl.gz"), "--fail-on", "secrets"])).code).toBe(2);
  });
});
