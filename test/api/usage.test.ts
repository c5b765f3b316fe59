import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

vi.setConfig({ testTimeout: 120_000 });

let t: TestServer;
let writer: Client;
let viewer: Client;
let auditor: Client;

beforeAll(async () => {
  t = await startTestServer();
  await setupAdmin(t);
  writer = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
  auditor = (await buildUser(t, "auditor")).client;
}, 120_000);
afterAll(async () => {
  await t?.close();
});

const day = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();

function log(lines: Array<{ url?: string; model?: string; prompt?: string; n?: number }>): string {
  return `${lines
    .map((l, i) =>
      JSON.stringify({
        timestamp: day(l.n ?? 1),
        url: l.url ?? "https://api.openai.com/v1/chat/completions",
        model: l.model ?? "gpt-4o-2024-08-06",
        user: `svc-${i}`,
        prompt: l.prompt ?? `plain request ${i}`,
      }),
    )
    .join("\n")}\n`;
}

async function ingest(client: Client, body: string | Uint8Array, query = "", type = "application/x-ndjson") {
  const res = await fetch(`${t.url}/api/usage/ingest${query}`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.bearer}`, "content-type": type },
    body,
  });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get("content-type") ?? "",
    body: text ? JSON.parse(text) : null,
  };
}

describe("usage API", () => {
  it("refuses ingestion to a viewer", async () => {
    const res = await ingest(viewer, log([{}]));
    expect(res.status).toBe(403);
    expect(res.type).toContain("application/problem+json");
  });

  it("ingests a streamed log, counts a repeated file once, and accepts gzip", async () => {
    const body = log([
      { prompt: "write to anna.berg@example.com" },
      {},
      { url: "https://api.mistral.ai/v1/chat/completions", model: "mistral-large-2411", n: 3 },
    ]);
    const first = await ingest(writer, body, "?source=gateway");
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ outcome: "ingested", events: 3, source: "gateway" });
    const again = await ingest(writer, body, "?source=gateway");
    expect(again.body).toMatchObject({ outcome: "already_ingested", ingestId: first.body.ingestId });
    const zipped = await ingest(
      writer,
      gzipSync(Buffer.from(log([{ n: 2 }, { n: 2 }]))),
      "?source=gateway",
      "application/gzip",
    );
    expect(zipped.status).toBe(200);
    expect(zipped.body.events).toBe(2);

    const summary = await viewer.json<{
      totalRequests: number;
      rows: Array<{ key: string; requests: number; byDataClass: Record<string, number> }>;
      sentences: Array<{ vendor: string; sentence: string }>;
    }>("GET", "/api/usage/summary?days=90&groupBy=vendor");
    expect(summary.status).toBe(200);
    expect(summary.body.totalRequests).toBe(5);
    expect(summary.body.rows.find((r) => r.key === "openai")).toMatchObject({
      requests: 4,
      byDataClass: { pii: 1 },
    });
    expect(summary.body.sentences.find((s) => s.vendor === "openai")?.sentence).toBe(
      "In the last 90 days, 4 requests to vendor OpenAI, of which 1 contained PII.",
    );
    const byModel = await viewer.json<{ rows: Array<{ key: string; modelVersion: string | null }> }>(
      "GET",
      "/api/usage/summary?groupBy=model",
    );
    expect(byModel.body.rows.map((r) => `${r.key}@${r.modelVersion}`).sort()).toEqual([
      "gpt-4o@2024-08-06",
      "mistral-large@2411",
    ]);

    const trend = await viewer.json<{ points: Array<{ requests: number }> }>(
      "GET",
      "/api/usage/trend?days=10&vendor=openai",
    );
    expect(trend.body.points).toHaveLength(10);
    expect(trend.body.points.reduce((n, p) => n + p.requests, 0)).toBe(4);

    const ingests = await viewer.json<{ items: Array<{ status: string; events: number }> }>(
      "GET",
      "/api/usage/ingests",
    );
    expect(ingests.body.items.map((i) => [i.status, i.events])).toEqual([
      ["complete", 2],
      ["complete", 3],
    ]);

    // Shadow AI: both vendors were absent from the inventory and are now there as proposed.
    const findings = await viewer.json<{ items: Array<{ rule: string; vendorName: string }> }>(
      "GET",
      "/api/usage/findings",
    );
    expect(
      findings.body.items
        .filter((f) => f.rule === "shadow_ai")
        .map((f) => f.vendorName)
        .sort(),
    ).toEqual(["Mistral AI", "OpenAI"]);
    const vendors = await viewer.json<{ items: Array<{ catalogSlug?: string; status: string }> }>(
      "GET",
      "/api/vendors?status=proposed",
    );
    expect(vendors.body.items.map((v) => v.catalogSlug).sort()).toEqual(["mistral", "openai"]);
  });

  it("lets an auditor export the summary as CSV and refuses it to a viewer", async () => {
    const res = await auditor.request("GET", "/api/usage/summary.csv?groupBy=vendor");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/csv");
    const text = await res.text();
    expect(text.split("\n")[0]).toMatch(/^vendor,requests,public,/);
    expect(text).toMatch(/^openai,4,/m);
    expect((await viewer.request("GET", "/api/usage/summary.csv")).status).toBe(403);
  });

  it("rejects a malformed line with its number as problem+json and stores nothing", async () => {
    const good = log([{}, {}]).trimEnd().split("\n");
    const res = await ingest(writer, [good[0], "{broken", good[1]].join("\n"));
    expect(res.status).toBe(422);
    expect(res.type).toContain("application/problem+json");
    expect(res.body).toMatchObject({ code: "USAGE_LINE_INVALID", details: { line: 2 } });
    const ingests = await viewer.json<{ items: unknown[] }>("GET", "/api/usage/ingests");
    expect(ingests.body.items).toHaveLength(2);

    const skipped = await ingest(writer, [good[0], "{broken", good[1], "x"].join("\n"), "?skipInvalid=true");
    expect(skipped.status).toBe(200);
    expect(skipped.body.skipped.map((s: { line: number }) => s.line)).toEqual([2, 4]);
  });

  it("answers bad parameters and bodies with 4xx problem+json", async () => {
    for (const path of [
      "/api/usage/summary?groupBy=colour",
      "/api/usage/summary?days=0",
      "/api/usage/trend?days=abc",
    ]) {
      const res = await viewer.request("GET", path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get("content-type"), path).toContain("application/problem+json");
    }
    const empty = await ingest(writer, "");
    expect(empty.status).toBe(400);
    const badFormat = await ingest(writer, log([{}]), "?format=xml");
    expect(badFormat.status).toBe(400);
    const unknown = await ingest(writer, "just some words\nmore words\n");
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe("USAGE_FORMAT_UNKNOWN");
  });
});
