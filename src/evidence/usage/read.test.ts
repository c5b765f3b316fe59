import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import type { UsageReadOptions } from "./read.ts";
import { chunkLines, readUsageLog, suggestedUsageWorkers, usageLineAppError } from "./read.ts";
import { loadRepoCatalog } from "./test-catalog.ts";
import type { UsageRecord } from "./types.ts";

const catalog = loadRepoCatalog();

/** Feeds bytes in pieces of the given sizes (cycled), as a socket or file stream would. */
async function* pieces(data: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let pos = 0;
  let i = 0;
  while (pos < data.length) {
    const size = Math.max(1, sizes[i++ % sizes.length] ?? 1);
    yield data.subarray(pos, pos + size);
    pos += size;
  }
}

async function readAll(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: Partial<UsageReadOptions> = {},
): Promise<UsageRecord[]> {
  const records: UsageRecord[] = [];
  for await (const batch of readUsageLog(input, { catalog, ...options })) records.push(...batch.records);
  return records;
}

function jsonLine(i: number, prompt: string): string {
  return JSON.stringify({
    timestamp: 1767225600 + i,
    url: "https://api.openai.com/v1/chat/completions",
    model: "gpt-4o",
    user: `u${i}`,
    prompt,
  });
}

describe("chunkLines", () => {
  it("keeps every line and its number whatever the piece boundaries, and cuts over-long lines", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom("a", "b", "é", "\r"), maxLength: 30 }), { maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (lines, sizes, trailingNewline) => {
          const text = lines.join("\n") + (trailingNewline && lines.length > 0 ? "\n" : "");
          const maxLineBytes = 20;
          const seen: Array<{ line: number; text: string | null }> = [];
          for await (const chunk of chunkLines(pieces(Buffer.from(text), sizes), {
            targetBytes: 16,
            maxLineBytes,
          })) {
            const got = Buffer.from(chunk.data).toString("utf8").split("\n");
            for (let i = 0; i < chunk.lineCount; i++) {
              const n = chunk.firstLine + i;
              seen.push({ line: n, text: chunk.overLong.includes(n) ? null : (got[i] ?? "") });
            }
          }
          const expectedLines = text.split("\n");
          if (expectedLines.at(-1) === "") expectedLines.pop();
          expect(seen.map((s) => s.line)).toEqual(expectedLines.map((_, i) => i + 1));
          expectedLines.forEach((l, i) => {
            expect(seen[i]?.text).toBe(Buffer.byteLength(l) > maxLineBytes ? null : l);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("readUsageLog", () => {
  const lines = Array.from({ length: 300 }, (_, i) =>
    jsonLine(i, i % 10 === 0 ? `mail me at user${i}@example.com` : `question ${i}`),
  );
  const text = `${lines.join("\n")}\n`;

  it("reads plain and gzip input alike, detecting the format", async () => {
    const plain = await readAll(pieces(Buffer.from(text), [1000, 333]));
    const gz = await readAll(pieces(gzipSync(Buffer.from(text)), [100]));
    expect(plain.length).toBe(300);
    expect(gz).toEqual(plain);
    const emails = plain.filter((r) => r.ok && r.event.detections.some((d) => d.kind === "email"));
    expect(emails.length).toBe(30);
  });

  it("gives the same records with worker threads, in order", async () => {
    const inline = await readAll(pieces(Buffer.from(text), [4096]), { batchBytes: 2048 });
    const pooled = await readAll(pieces(Buffer.from(text), [4096]), { batchBytes: 2048, workers: 2 });
    expect(pooled).toEqual(inline);
  });

  it("reports malformed and over-long lines at the same numbers with worker threads", async () => {
    const mixed = lines.map((l, i) =>
      i % 37 === 5 ? "{oops" : i % 53 === 7 ? jsonLine(i, "y".repeat(3000)) : l,
    );
    const input = Buffer.from(`${mixed.join("\n")}\n`);
    const options = { batchBytes: 4096, maxLineBytes: 2048, format: "jsonl" as const };
    const inline = await readAll(pieces(input, [5000]), options);
    const pooled = await readAll(pieces(input, [5000]), { ...options, workers: 2 });
    expect(pooled).toEqual(inline);
    const bad = inline.filter((r) => !r.ok).map((r) => (r.ok ? 0 : r.error.line));
    const expected = mixed.flatMap((_, i) => (i % 37 === 5 || i % 53 === 7 ? [i + 1] : []));
    expect(bad).toEqual(expected);
  });

  it("reports an over-long line by number and goes on", async () => {
    const input = `${jsonLine(1, "a")}\n${jsonLine(2, "x".repeat(5000))}\n${jsonLine(3, "b")}\n`;
    const records = await readAll(pieces(Buffer.from(input), [64]), { maxLineBytes: 1000 });
    expect(records.map((r) => (r.ok ? r.event.line : -r.error.line))).toEqual([1, -2, 3]);
    const bad = records.find((r) => !r.ok);
    if (bad && !bad.ok)
      expect(usageLineAppError(bad.error)).toMatchObject({
        code: "USAGE_LINE_INVALID",
        details: { line: 2 },
      });
  });

  it("reads CSV with a mapping and reports bad records", async () => {
    const csv =
      'when,endpoint,who,text\n2026-01-01T00:00:00Z,https://api.cohere.com/v2/chat,ann,"call (415) 555-2671"\n2026-01-01T00:00:01Z,https://api.cohere.com/v2/chat,"unterminated\n';
    const records = await readAll([csv], {
      format: "csv",
      csvMapping: { timestamp: "when", url: "endpoint", actor: "who", prompt: "text" },
    });
    const first = records[0];
    expect(first?.ok && first.event).toMatchObject({ vendor: "cohere", actor: "ann", line: 2 });
    expect(first?.ok && first.event.detections.map((d) => d.kind)).toEqual(["phone"]);
    expect(records.some((r) => !r.ok)).toBe(true);
  });

  it("reads semicolon-separated CSV with the default column names, detected", async () => {
    const csv =
      "timestamp;url;user;prompt\n2026-01-01T00:00:00Z;https://api.mistral.ai/v1/chat/completions;bob;mail bob@example.com\n";
    const records = await readAll([csv]);
    expect(records).toHaveLength(1);
    const first = records[0];
    expect(first?.ok && first.event).toMatchObject({
      vendor: "mistral",
      actor: "bob",
      detections: [{ kind: "email" }],
    });
  });

  it("fails the run, never hangs it, when a worker thread dies", async () => {
    const [first, ...rest] = catalog;
    if (first === undefined) throw new Error("empty catalogue");
    // A pattern that does not compile makes every worker throw while it starts.
    const broken = [
      {
        ...first,
        hosts: [
          {
            ...first.hosts[0],
            pattern: "api.openai.com",
            service: first.services[0]?.id ?? "",
            discoveryOnly: false,
            pathModel: "(",
          },
        ],
      },
      ...rest,
    ];
    try {
      await readAll(pieces(Buffer.from(text), [4096]), {
        catalog: broken,
        workers: 2,
        batchBytes: 2048,
        format: "jsonl",
      });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "INTERNAL")).toBe(true);
    }
  });

  it("refuses a log whose format it cannot tell", async () => {
    try {
      await readAll(["this is not a log\n"]);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "USAGE_FORMAT_UNKNOWN")).toBe(true);
    }
  });

  it("reports a corrupt gzip stream as malformed input", async () => {
    const gz = gzipSync(Buffer.from(text));
    try {
      await readAll([gz.subarray(0, gz.length / 2)], { format: "jsonl" });
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "INPUT_MALFORMED")).toBe(true);
    }
  });
});

describe("suggestedUsageWorkers", () => {
  const MIB = 1024 * 1024;
  it.each([
    { size: null, purpose: "ingest", cores: 8, workers: 0 },
    { size: 15 * MIB, purpose: "ingest", cores: 8, workers: 0 },
    { size: 16 * MIB, purpose: "ingest", cores: 8, workers: 1 },
    { size: 1024 * MIB, purpose: "ingest", cores: 1, workers: 0 },
    { size: 63 * MIB, purpose: "classify", cores: 2, workers: 0 },
    { size: 64 * MIB, purpose: "classify", cores: 2, workers: 2 },
    { size: 1024 * MIB, purpose: "classify", cores: 16, workers: 2 },
    { size: 1024 * MIB, purpose: "classify", cores: 1, workers: 0 },
  ] as const)("$purpose of $size bytes on $cores cores → $workers", ({ size, purpose, cores, workers }) => {
    expect(suggestedUsageWorkers(size, purpose, cores)).toBe(workers);
  });

  it("a validating read finds the same line errors as a classifying one, without hashes or detections", async () => {
    const text = [
      JSON.stringify({
        timestamp: "2026-11-01T10:00:00Z",
        url: "https://api.openai.com/v1/chat/completions",
        prompt: "mail jane@example.com",
      }),
      "{broken",
      JSON.stringify({ url: "https://api.openai.com/v1/chat/completions", prompt: "no time" }),
    ].join("\n");
    const read = async (validateOnly: boolean) => {
      const out: UsageRecord[] = [];
      for await (const b of readUsageLog([text], { catalog, format: "jsonl", validateOnly }))
        out.push(...b.records);
      return out;
    };
    const checked = await read(true);
    const classified = await read(false);
    expect(checked.map((r) => (r.ok ? r.event.line : `error ${r.error.line}`))).toEqual(
      classified.map((r) => (r.ok ? r.event.line : `error ${r.error.line}`)),
    );
    const [first] = checked;
    expect(first?.ok && first.event.contentHash).toBeNull();
    expect(first?.ok && first.event.detections).toEqual([]);
    const [full] = classified;
    expect(full?.ok && full.event.detections.map((d) => d.kind)).toContain("email");
  });
});
