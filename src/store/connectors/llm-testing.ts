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
