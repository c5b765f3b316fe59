import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createAttributionTable } from "./attribution.ts";
import { createClassifier } from "./detectors.ts";
import type { LineParseContext } from "./parse.ts";
import {
  detectUsageFormat,
  extractPromptText,
  normaliseTimestamp,
  parseCsvRecord,
  parseUsageLine,
} from "./parse.ts";
import { loadRepoCatalog } from "./test-catalog.ts";
import type { UsageEvent, UsageRecord } from "./types.ts";

const ctx: LineParseContext = {
  attribution: createAttributionTable(loadRepoCatalog()),
  classify: createClassifier(),
  source: "test",
  syslogYear: 2026,
};

function event(record: UsageRecord | null): UsageEvent {
  if (record === null || !record.ok) throw new Error(`expected an event, got ${JSON.stringify(record)}`);
  return record.event;
}

describe("JSON lines", () => {
  it("reads the generic schema and keeps no prompt text", () => {
    const line = JSON.stringify({
      timestamp: "2026-11-02T10:00:00+01:00",
      url: "https://api.openai.com/v1/chat/completions",
      method: "post",
      model: "gpt-4o-2024-08-06",
      user: "svc-support-bot",
      prompt: "Customer jane@example.com asks about card 4539 1488 0343 6467",
      response_bytes: 2048,
      region: "eu",
    });
    const e = event(parseUsageLine("jsonl", line, 7, ctx));
    expect(e).toMatchObject({
      line: 7,
      timestamp: "2026-11-02T09:00:00.000Z",
      host: "api.openai.com",
      path: "/v1/chat/completions",
      method: "POST",
      vendor: "openai",
      service: "openai-api",
      model: "gpt-4o",
      modelVersion: "2024-08-06",
      region: "eu",
      actor: "svc-support-bot",
      source: "test",
      responseBytes: 2048,
    });
    expect(e.requestBytes).toBe(
      Buffer.byteLength("Customer jane@example.com asks about card 4539 1488 0343 6467"),
    );
    expect(e.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(e.detections.map((d) => d.kind).sort()).toEqual(["email", "payment_card"]);
    expect(JSON.stringify(e)).not.toContain("jane");
  });

  it("reads an OpenAI-style request/response pair with content parts", () => {
    const line = JSON.stringify({
      ts: 1767225600,
      host: "contoso.openai.azure.com",
      path: "/openai/deployments/prod-chat/chat/completions",
      request: {
        model: "gpt-4o-mini",
        user: "u-42",
        messages: [
          { role: "system", content: "You are helpful." },
          {
            role: "user",
            content: [
              { type: "text", text: "My SSN is 536-22-1234" },
              { type: "image_url", image_url: { url: "x" } },
            ],
          },
        ],
      },
      response: { id: "r1", model: "gpt-4o-mini-2024-07-18" },
    });
    const e = event(parseUsageLine("jsonl", line, 1, ctx));
    expect(e).toMatchObject({
      timestamp: "2026-01-01T00:00:00.000Z",
      vendor: "azure-openai",
      resource: "contoso",
      model: "gpt-4o-mini",
      actor: "u-42",
    });
    expect(e.detections.map((d) => d.kind)).toEqual(["us_ssn"]);
  });

  it("reads a LiteLLM proxy log", () => {
    const line = JSON.stringify({
      id: "chatcmpl-1",
      call_type: "acompletion",
      startTime: 1767225600.5,
      model: "claude-3-5-sonnet-20241022",
      api_base: "https://api.anthropic.com/v1/messages",
      messages: [{ role: "user", content: "Patient MRN: 00123456 has diabetes" }],
      response: "ok",
      metadata: { user_api_key_alias: "team-clinical" },
    });
    const e = event(parseUsageLine("jsonl", line, 1, ctx));
    expect(e).toMatchObject({
      timestamp: "2026-01-01T00:00:00.500Z",
      vendor: "anthropic",
      model: "claude-3-5-sonnet",
      modelVersion: "20241022",
      actor: "team-clinical",
      responseBytes: 2,
    });
    expect(e.detections.map((d) => d.dataClass)).toContain("phi");
  });

  it("takes the model from the Bedrock path when the body names none", () => {
    const line = JSON.stringify({
      timestamp: "2026-03-01T00:00:00Z",
      url: "https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke",
    });
    expect(event(parseUsageLine("jsonl", line, 1, ctx))).toMatchObject({
      region: "eu-west-1",
      model: "anthropic.claude-3-haiku",
      modelVersion: "20240307-v1:0",
      contentHash: null,
      detections: [],
    });
  });

  it("reads an Amazon Bedrock model-invocation log record", () => {
    const line = JSON.stringify({
      schemaType: "ModelInvocationLog",
      schemaVersion: "1.0",
      timestamp: "2026-02-01T12:00:00Z",
      accountId: "123456789012",
      identity: { arn: "arn:aws:sts::123456789012:assumed-role/support-bot/session" },
      region: "eu-central-1",
      requestId: "r-1",
      operation: "InvokeModel",
      modelId: "anthropic.claude-3-haiku-20240307-v1:0",
      input: {
        inputContentType: "application/json",
        inputBodyJson: { messages: [{ role: "user", content: [{ type: "text", text: "SSN 536-22-1234" }] }] },
        inputTokenCount: 12,
      },
      output: { outputContentType: "application/json", outputBodyJson: { content: [] } },
    });
    expect(event(parseUsageLine("jsonl", line, 1, ctx))).toMatchObject({
      host: "bedrock-runtime.eu-central-1.amazonaws.com",
      vendor: "aws-bedrock",
      service: "bedrock-runtime",
      region: "eu-central-1",
      model: "anthropic.claude-3-haiku",
      modelVersion: "20240307-v1:0",
      actor: "arn:aws:sts::123456789012:assumed-role/support-bot/session",
      detections: [{ kind: "us_ssn" }],
    });
    const titan = JSON.stringify({
      schemaType: "ModelInvocationLog",
      timestamp: "2026-02-01T12:00:00Z",
      region: "us-east-1",
      modelId: "amazon.titan-text-express-v1",
      input: { inputBodyJson: { inputText: "mail a@example.com" } },
    });
    expect(event(parseUsageLine("jsonl", titan, 2, ctx)).detections.map((d) => d.kind)).toEqual(["email"]);
    const noRegion = JSON.stringify({ schemaType: "ModelInvocationLog", timestamp: "2026-02-01T12:00:00Z" });
    expect(parseUsageLine("jsonl", noRegion, 3, ctx)).toMatchObject({ ok: false, error: { line: 3 } });
  });

  it("reads a batch-style record with a relative URL and a body", () => {
    const line = JSON.stringify({
      timestamp: "2026-03-01T00:00:00Z",
      url: "/v1/chat/completions",
      body: { model: "gpt-4o-mini", messages: [{ role: "user", content: "ping me at a@example.com" }] },
    });
    expect(event(parseUsageLine("jsonl", line, 1, ctx))).toMatchObject({
      host: null,
      path: "/v1/chat/completions",
      vendor: null,
      model: "gpt-4o-mini",
      detections: [{ kind: "email" }],
    });
  });

  it("reports malformed lines with their number", () => {
    expect(parseUsageLine("jsonl", "{not json", 12, ctx)).toEqual({
      ok: false,
      error: { line: 12, code: "USAGE_LINE_INVALID", reason: "not valid JSON" },
    });
    expect(parseUsageLine("jsonl", "[1,2]", 3, ctx)).toMatchObject({ ok: false, error: { line: 3 } });
    expect(parseUsageLine("jsonl", '{"host":"api.openai.com"}', 4, ctx)).toMatchObject({
      ok: false,
      error: { line: 4, reason: "timestamp missing" },
    });
    expect(parseUsageLine("jsonl", '{"timestamp":"yesterday"}', 5, ctx)).toMatchObject({ ok: false });
    expect(parseUsageLine("jsonl", '{"timestamp":1,"response_bytes":-3}', 6, ctx)).toMatchObject({
      ok: false,
    });
    expect(parseUsageLine("jsonl", "   ", 6, ctx)).toBeNull();
  });

  it("never throws on arbitrary lines in any format", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("jsonl", "proxy", "dns") as fc.Arbitrary<"jsonl" | "proxy" | "dns">,
        fc.string({ maxLength: 300 }),
        (format, text) => {
          const record = parseUsageLine(format, text, 1, ctx);
          if (record !== null && !record.ok) expect(record.error.line).toBe(1);
        },
      ),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const record = parseUsageLine("jsonl", JSON.stringify(value), 2, ctx);
        if (record?.ok) expect(record.event.timestamp).toMatch(/Z$/);
      }),
      { numRuns: 300 },
    );
  });
});

describe("detection cache", () => {
  it("classifies a repeated prompt once and gives every event the same detections", () => {
    const classify = createClassifier();
    let calls = 0;
    const counting: LineParseContext = {
      ...ctx,
      classify: (text) => {
        calls++;
        return classify(text);
      },
      detectionCache: new Map(),
    };
    const line = (i: number, prompt: string) =>
      JSON.stringify({ timestamp: 1767225600 + i, host: "api.openai.com", prompt });
    const a = event(parseUsageLine("jsonl", line(1, "mail a@example.com"), 1, counting));
    const b = event(parseUsageLine("jsonl", line(2, "mail a@example.com"), 2, counting));
    const c = event(parseUsageLine("jsonl", line(3, "nothing here"), 3, counting));
    expect(calls).toBe(2);
    expect(b.detections).toEqual(a.detections);
    expect(b.contentHash).toBe(a.contentHash);
    expect(c.detections).toEqual([]);
  });
});

describe("proxy and DNS logs", () => {
  it("reads squid native lines, CONNECT and full URLs", () => {
    const connect =
      "1767225600.123    245 10.1.2.3 TCP_TUNNEL/200 5120 CONNECT chatgpt.com:443 - HIER_DIRECT/104.18.32.47 -";
    expect(event(parseUsageLine("proxy", connect, 1, ctx))).toMatchObject({
      timestamp: "2026-01-01T00:00:00.123Z",
      host: "chatgpt.com",
      vendor: "openai",
      discoveryOnly: true,
      actor: "10.1.2.3",
      responseBytes: 5120,
      method: "CONNECT",
    });
    const get =
      "1767225601.000     12 10.1.2.4 TCP_MISS/200 900 GET http://example.org/x alice HIER_DIRECT/1.2.3.4 text/html";
    expect(event(parseUsageLine("proxy", get, 2, ctx))).toMatchObject({
      host: "example.org",
      vendor: null,
      actor: "alice",
      path: "/x",
    });
    expect(parseUsageLine("proxy", "garbage line", 3, ctx)).toMatchObject({ ok: false, error: { line: 3 } });
  });

  it("reads dnsmasq queries and skips replies", () => {
    const q = "Nov 22 04:38:30 dnsmasq[812]: query[A] api.anthropic.com from 192.168.1.20";
    expect(event(parseUsageLine("dns", q, 1, ctx))).toMatchObject({
      timestamp: "2026-11-22T04:38:30.000Z",
      host: "api.anthropic.com",
      vendor: "anthropic",
      actor: "192.168.1.20",
    });
    expect(
      parseUsageLine("dns", "Nov 22 04:38:30 dnsmasq[812]: reply api.anthropic.com is 1.2.3.4", 2, ctx),
    ).toBeNull();
  });

  it("reads Unbound query lines and skips its other lines", () => {
    const line = "[1767225600] unbound[812:0] info: 10.0.0.7 api.mistral.ai. A IN";
    expect(event(parseUsageLine("dns", line, 1, ctx))).toMatchObject({
      timestamp: "2026-01-01T00:00:00.000Z",
      host: "api.mistral.ai",
      vendor: "mistral",
      actor: "10.0.0.7",
    });
    const ascii = "Nov 22 04:38:30 unbound[812:0] query: 10.0.0.8 chatgpt.com. AAAA IN";
    expect(event(parseUsageLine("dns", ascii, 2, ctx))).toMatchObject({
      host: "chatgpt.com",
      discoveryOnly: true,
    });
    expect(
      parseUsageLine("dns", "[1767225600] unbound[812:0] info: start of service (unbound 1.17.1).", 3, ctx),
    ).toBeNull();
    expect(detectUsageFormat(line)).toBe("dns");
  });

  it("reads BIND query-log lines", () => {
    const line =
      "22-Nov-2026 04:38:30.120 queries: info: client @0x7f3a1c0 10.0.0.7#53211 (claude.ai): query: claude.ai IN A +E(0)K (10.0.0.1)";
    expect(event(parseUsageLine("dns", line, 1, ctx))).toMatchObject({
      timestamp: "2026-11-22T04:38:30.120Z",
      host: "claude.ai",
      vendor: "anthropic",
      discoveryOnly: true,
      actor: "10.0.0.7",
    });
  });
});

describe("CSV and detection", () => {
  it("maps CSV columns", () => {
    const record = {
      When: "2026-05-01T12:00:00Z",
      Endpoint: "https://api.mistral.ai/v1/chat/completions",
      Who: "bob",
      Text: "hi",
    };
    const r = parseCsvRecord(
      record,
      2,
      { timestamp: "When", url: "Endpoint", actor: "Who", prompt: "Text" },
      ctx,
    );
    expect(event(r)).toMatchObject({ vendor: "mistral", actor: "bob", line: 2, requestBytes: 2 });
    expect(parseCsvRecord({ When: "2026-05-01T12:00:00Z" }, 3, { timestamp: "When" }, ctx)).toMatchObject({
      ok: false,
      error: { line: 3 },
    });
  });

  it("detects formats from the first line", () => {
    expect(detectUsageFormat('{"timestamp":1}')).toBe("jsonl");
    expect(
      detectUsageFormat(
        "1767225600.123 245 10.1.2.3 TCP_TUNNEL/200 5120 CONNECT chatgpt.com:443 - HIER_DIRECT/1.1.1.1 -",
      ),
    ).toBe("proxy");
    expect(detectUsageFormat("Nov 22 04:38:30 dnsmasq[812]: query[A] a.b from 1.2.3.4")).toBe("dns");
    expect(detectUsageFormat("timestamp,url,user,prompt")).toBe("csv");
    expect(detectUsageFormat("hello world")).toBeNull();
  });

  it("extracts prompt text from the common body shapes", () => {
    expect(extractPromptText({ contents: [{ parts: [{ text: "a" }, { text: "b" }] }], system: "s" })).toBe(
      "a\nb\ns",
    );
    expect(extractPromptText({ input: ["x", "y"] })).toBe("x\ny");
    expect(normaliseTimestamp(1767225600000)).toBe("2026-01-01T00:00:00.000Z");
    expect(normaliseTimestamp("2026-01-01 10:00:00.123")).toBe("2026-01-01T10:00:00.123Z");
    expect(normaliseTimestamp("2026-01-01T10:00")).toBe("2026-01-01T10:00:00.000Z");
  });
});
