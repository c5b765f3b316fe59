import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AppError, isAppError } from "../../domain/errors.ts";
import type { ChatMessage } from "../../domain/suggestions.ts";
import { createLlmClient, endpointLabel, type LlmConfig, readLlmSettings } from "./llm.ts";
import { type LlmStub, startLlmStub } from "./llm-testing.ts";

const KEY = "sk-test-secret-0123456789";
const messages: ChatMessage[] = [
  { role: "system", content: "Reply with JSON." },
  { role: "user", content: "The questionnaire." },
];

let stub: LlmStub;
beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => stub.close());
beforeEach(() => {
  stub.requests.length = 0;
  stub.behaviour = { kind: "reply", content: '{"findings":[]}' };
});

function config(extra: Partial<LlmConfig> = {}): LlmConfig {
  return {
    baseUrl: stub.baseUrl,
    model: "stub-model",
    apiKey: KEY,
    timeoutMs: 5000,
    maxResponseBytes: 64 * 1024,
    ...extra,
  };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error("expected a failure");
}

/** Everything an error shows to a user or a log. */
const shown = (e: AppError) => `${e.message} ${JSON.stringify(e.details)} ${String(e.cause ?? "")}`;

describe("readLlmSettings", () => {
  it("is off unless both the address and the model are set, naming what is missing", () => {
    expect(readLlmSettings({})).toEqual({
      enabled: false,
      missing: ["ASSAY_LLM_BASE_URL", "ASSAY_LLM_MODEL"],
    });
    expect(readLlmSettings({ ASSAY_LLM_BASE_URL: "http://127.0.0.1:9/v1", ASSAY_LLM_API_KEY: KEY })).toEqual({
      enabled: false,
      missing: ["ASSAY_LLM_MODEL"],
    });
    expect(readLlmSettings({ ASSAY_LLM_MODEL: "m", ASSAY_LLM_BASE_URL: "  " })).toEqual({
      enabled: false,
      missing: ["ASSAY_LLM_BASE_URL"],
    });
  });

  it("reads the address, model, key and timeout", () => {
    const s = readLlmSettings({
      ASSAY_LLM_BASE_URL: "https://llm.example.test/v1/",
      ASSAY_LLM_MODEL: "gpt-x",
      ASSAY_LLM_API_KEY: KEY,
      ASSAY_LLM_TIMEOUT_SECONDS: "2.5",
    });
    expect(s.enabled && s.config).toMatchObject({
      baseUrl: "https://llm.example.test/v1",
      model: "gpt-x",
      apiKey: KEY,
      timeoutMs: 2500,
    });
    const d = readLlmSettings({ ASSAY_LLM_BASE_URL: "http://h/v1", ASSAY_LLM_MODEL: "m" });
    expect(d.enabled && d.config.timeoutMs).toBe(60_000);
    expect(d.enabled && d.config.apiKey).toBeUndefined();
  });

  it("refuses a malformed address or timeout", () => {
    for (const env of [
      { ASSAY_LLM_BASE_URL: "not a url", ASSAY_LLM_MODEL: "m" },
      { ASSAY_LLM_BASE_URL: "file:///etc/passwd", ASSAY_LLM_MODEL: "m" },
      { ASSAY_LLM_BASE_URL: "http://h/v1", ASSAY_LLM_MODEL: "m", ASSAY_LLM_TIMEOUT_SECONDS: "soon" },
      { ASSAY_LLM_BASE_URL: "http://h/v1", ASSAY_LLM_MODEL: "m", ASSAY_LLM_TIMEOUT_SECONDS: "0" },
    ]) {
      expect(() => readLlmSettings(env), JSON.stringify(env)).toThrow(/ASSAY_LLM_/);
    }
  });

  it("labels the endpoint without user info, path or query", () => {
    expect(endpointLabel("https://user:pw@llm.example.test:8443/v1?key=abc")).toBe(
      "https://llm.example.test:8443",
    );
  });
});

describe("createLlmClient against an HTTP stub", () => {
  it("posts the chat completion request and returns the first choice's text", async () => {
    stub.behaviour = { kind: "reply", content: '{"findings":[1]}' };
    const text = await createLlmClient(config()).complete(messages);
    expect(text).toBe('{"findings":[1]}');
    expect(stub.requests).toHaveLength(1);
    const [req] = stub.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/v1/chat/completions");
    expect(req?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req?.body).toEqual({
      model: "stub-model",
      temperature: 0,
      response_format: { type: "json_object" },
      messages,
    });
  });

  it("sends no Authorization header without a key", async () => {
    await createLlmClient(config({ apiKey: undefined })).complete(messages);
    expect(stub.requests[0]?.headers.authorization).toBeUndefined();
  });

  it("returns an empty text for a null content", async () => {
    stub.behaviour = { kind: "reply", content: null };
    expect(await createLlmClient(config()).complete(messages)).toBe("");
  });

  it("turns a non-2xx answer into LLM_UNAVAILABLE without the key", async () => {
    stub.behaviour = { kind: "status", status: 500, body: `{"error":"bad key ${KEY}"}` };
    const e = await failure(createLlmClient(config()).complete(messages));
    expect(e.code).toBe("LLM_UNAVAILABLE");
    expect(e.details).toMatchObject({ reason: "status", status: 500, model: "stub-model" });
    expect(e.message).toContain("500");
    expect(shown(e)).not.toContain(KEY);
  });

  it("gives up after the timeout", async () => {
    stub.behaviour = { kind: "hang" };
    const started = performance.now();
    const e = await failure(createLlmClient(config({ timeoutMs: 300 })).complete(messages));
    expect(e.code).toBe("LLM_UNAVAILABLE");
    expect(e.details?.reason).toBe("timeout");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it("refuses an oversized answer", async () => {
    stub.behaviour = { kind: "reply", content: "x".repeat(100_000) };
    const e = await failure(createLlmClient(config({ maxResponseBytes: 10_000 })).complete(messages));
    expect(e.details?.reason).toBe("too_large");
  });

  it("refuses a body that is not a chat completion", async () => {
    for (const body of [
      "<html>proxy login</html>",
      '{"choices":"no"}',
      '{"choices":[{"message":{"content":7}}]}',
    ]) {
      stub.behaviour = { kind: "raw", body };
      const e = await failure(createLlmClient(config()).complete(messages));
      expect(e.details?.reason, body).toBe("not_a_completion");
    }
  });

  it("reports an endpoint nobody listens on", async () => {
    const closed = await startLlmStub();
    const url = closed.baseUrl;
    await closed.close();
    const e = await failure(createLlmClient(config({ baseUrl: url })).complete(messages));
    expect(e.code).toBe("LLM_UNAVAILABLE");
    expect(e.details?.reason).toBe("network");
    expect(shown(e)).not.toContain(KEY);
  });
});
