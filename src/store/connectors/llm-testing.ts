/**
 * An OpenAI-compatible chat-completions stub for tests: a real HTTP server on a free local port
 * that records every request it receives and answers as the test tells it to.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

/** How the stub answers the next requests. */
export type StubBehaviour =
  | { kind: "reply"; content: string | null }
  | { kind: "status"; status: number; body?: string }
  | { kind: "raw"; body: string }
  | { kind: "hang" };

export interface LlmStub {
  /** The base URL to put in ASSAY_LLM_BASE_URL (ends in /v1). */
  baseUrl: string;
  requests: StubRequest[];
  behaviour: StubBehaviour;
  close(): Promise<void>;
}

/** A chat-completion body as OpenAI-compatible servers return it. */
export function chatCompletion(content: string | null, model = "stub-model") {
  return {
    id: "chatcmpl-stub",
    object: "chat.completion",
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Starts the stub on 127.0.0.1 with a free port. */
export async function startLlmStub(behaviour: StubBehaviour = { kind: "reply", content: '{"findings":[]}' }) {
  const hanging = new Set<ServerResponse>();
  const stub: LlmStub = {
    baseUrl: "",
    requests: [],
    behaviour,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      stub.requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const b = stub.behaviour;
      if (b.kind === "hang") {
        hanging.add(res);
        return;
      }
      if (b.kind === "status") {
        res.writeHead(b.status, { "content-type": "application/json" });
        res.end(b.body ?? JSON.stringify({ error: { message: "stub failure" } }));
        return;
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(b.kind === "raw" ? b.body : JSON.stringify(chatCompletion(b.content)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  stub.baseUrl = `http://127.0.0.1:${port}/v1`;
  stub.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return stub;
}

/**
 * A questionnaire and the replies the tests have the stub give about it: a contradiction worth
 * accepting, a weaker suggestion, and one quoting words the vendor never wrote.
 */
export const SUGGESTION_ANSWERS = {
  q08: { value: "ExampleLM 3 for chat and ExampleEmbed 2 for search." },
  q10: { value: "Licensed news archives and public web pages collected in 2024." },
  q16: { value: "Prompts and outputs, kept for 30 days for abuse monitoring." },
  q17: { value: "no", comment: "Inference data is never stored." },
};

export const SUGGESTED_RETENTION = {
  title: "Retention contradicts the storage answer",
  severity: "critical",
  dimension: "data",
  explanation: "Prompts are kept for 30 days, yet inference data is said never to be stored.",
  questionIds: ["q16", "q17"],
  quotes: [
    { questionId: "q16", quote: "kept for 30 days" },
    { questionId: "q17", quote: "Inference data is never stored." },
  ],
};

export const SUGGESTED_SOURCES = {
  title: "Web data collection lacks a consent basis",
  severity: "medium",
  dimension: "model",
  explanation: "Public web pages feed training without saying how opt-outs are honoured.",
  questionIds: ["q10"],
  quotes: [{ questionId: "q10", quote: "public web pages collected in 2024" }],
};

export const SUGGESTED_INVENTED = {
  ...SUGGESTED_SOURCES,
  title: "Sells data",
  quotes: [{ questionId: "q10", quote: "we sell prompts" }],
};

/** The JSON a model answers with, holding these suggested findings. */
export const replyWith = (...findings: unknown[]): string => JSON.stringify({ findings });
