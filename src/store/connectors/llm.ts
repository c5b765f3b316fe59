/**
 * The one place Assay talks to a language model: an OpenAI-compatible chat-completions endpoint
 * named by the operator (ASSAY_LLM_BASE_URL, ASSAY_LLM_MODEL, optional ASSAY_LLM_API_KEY and
 * ASSAY_LLM_TIMEOUT_SECONDS). Off unless both the address and the model are set: then no request
 * is ever made. The API key is sent only as the Authorization header and appears in no error,
 * log line or audit entry.
 */
import { AppError } from "../../domain/errors.ts";
import type { ChatMessage } from "../../domain/suggestions.ts";

/** Largest chat-completion response read; a longer one is refused rather than buffered. */
export const LLM_MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
const DEFAULT_TIMEOUT_SECONDS = 60;

export interface LlmConfig {
  /** Base URL of the API, without the trailing `/chat/completions` (e.g. `http://127.0.0.1:11434/v1`). */
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
  maxResponseBytes: number;
}

/** Whether AI assistance is configured, and if not, which variables are missing. */
export type LlmSettings = { enabled: true; config: LlmConfig } | { enabled: false; missing: string[] };

/** What talks to a model: the suggestion pass needs only this, so tests can pass their own. */
export interface LlmClient {
  readonly model: string;
  /** The text of the model's first choice for these messages (may be empty). */
  complete(messages: readonly ChatMessage[]): Promise<string>;
}

/**
 * Reads the assistance settings from the environment. Both ASSAY_LLM_BASE_URL and ASSAY_LLM_MODEL
 * are needed to turn it on; a malformed URL or timeout throws VALIDATION_FAILED naming the variable.
 */
export function readLlmSettings(env: NodeJS.ProcessEnv = process.env): LlmSettings {
  const rawUrl = env.ASSAY_LLM_BASE_URL?.trim() ?? "";
  const model = env.ASSAY_LLM_MODEL?.trim() ?? "";
  const missing = [
    ...(rawUrl === "" ? ["ASSAY_LLM_BASE_URL"] : []),
    ...(model === "" ? ["ASSAY_LLM_MODEL"] : []),
  ];
  if (missing.length > 0) return { enabled: false, missing };

  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new AppError("VALIDATION_FAILED", "ASSAY_LLM_BASE_URL must be an http:// or https:// address.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new AppError("VALIDATION_FAILED", "ASSAY_LLM_BASE_URL must be an http:// or https:// address.");
  }
  const rawTimeout = env.ASSAY_LLM_TIMEOUT_SECONDS?.trim();
  const seconds = rawTimeout ? Number(rawTimeout) : DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new AppError(
      "VALIDATION_FAILED",
      `ASSAY_LLM_TIMEOUT_SECONDS must be a number of seconds from 0 to 3600, not "${rawTimeout}".`,
    );
  }
  const apiKey = env.ASSAY_LLM_API_KEY?.trim() || undefined;
  return {
    enabled: true,
    config: {
      baseUrl: url.toString().replace(/\/+$/, ""),
      model,
      apiKey,
      timeoutMs: Math.round(seconds * 1000),
      maxResponseBytes: LLM_MAX_RESPONSE_BYTES,
    },
  };
}

/** The error to show when assistance is asked for but not configured. */
export function llmNotConfigured(missing: readonly string[]): AppError {
  return new AppError(
    "LLM_NOT_CONFIGURED",
    "AI assistance is off. To turn it on, set ASSAY_LLM_BASE_URL (an OpenAI-compatible API) and ASSAY_LLM_MODEL, then restart the server.",
    { details: { missing } },
  );
}

/** Where the endpoint is, safe to show: scheme, host and port only, never user info or a query. */
export function endpointLabel(baseUrl: string): string {
  const url = new URL(baseUrl);
  return `${url.protocol}//${url.host}`;
}

function unavailable(
  config: LlmConfig,
  reason: "network" | "timeout" | "status" | "too_large" | "not_a_completion",
  message: string,
  extra: Record<string, unknown> = {},
  cause?: unknown,
): AppError {
  return new AppError("LLM_UNAVAILABLE", message, {
    details: { endpoint: endpointLabel(config.baseUrl), model: config.model, reason, ...extra },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Reads a response body up to `limit` bytes; undefined when it is longer. */
async function readBounded(response: Response, limit: number): Promise<string | undefined> {
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limit) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return "";
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The text of the first choice of a chat completion, or undefined when the body is not one. */
function completionText(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const choices = (body as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return undefined;
  const first: unknown = choices[0];
  if (first === undefined) return "";
  if (typeof first !== "object" || first === null) return undefined;
  const message = (first as { message?: unknown }).message;
  if (typeof message !== "object" || message === null) return undefined;
  const content = (message as { content?: unknown }).content;
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : undefined;
}

/**
 * A client that posts to `{baseUrl}/chat/completions` with temperature 0 and a JSON response
 * format. Network failures, timeouts, non-2xx answers, oversized or non-completion bodies throw
 * LLM_UNAVAILABLE with the endpoint's host, the model and a reason — never the key or the prompt.
 */
export function createLlmClient(config: LlmConfig, options: { fetch?: typeof fetch } = {}): LlmClient {
  const doFetch = options.fetch ?? fetch;
  const where = endpointLabel(config.baseUrl);
  return {
    model: config.model,
    async complete(messages) {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        accept: "application/json",
      };
      if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
      const signal = AbortSignal.timeout(config.timeoutMs);
      const timedOut = () => signal.aborted;
      let response: Response;
      try {
        response = await doFetch(`${config.baseUrl}/chat/completions`, {
          method: "POST",
          headers,
          body: JSON.stringify({
            model: config.model,
            temperature: 0,
            response_format: { type: "json_object" },
            messages,
          }),
          signal,
          redirect: "error",
        });
      } catch (error) {
        if (timedOut()) {
          throw unavailable(
            config,
            "timeout",
            `The model endpoint at ${where} did not answer within ${config.timeoutMs / 1000} s.`,
          );
        }
        throw unavailable(
          config,
          "network",
          `Could not reach the model endpoint at ${where}.`,
          {},
          error instanceof Error ? new Error(error.message) : undefined,
        );
      }

      let text: string | undefined;
      try {
        text = await readBounded(response, config.maxResponseBytes);
      } catch {
        if (timedOut()) {
          throw unavailable(
            config,
            "timeout",
            `The model endpoint at ${where} did not finish its answer within ${config.timeoutMs / 1000} s.`,
          );
        }
        throw unavailable(config, "network", `The connection to the model endpoint at ${where} broke off.`);
      }
      if (!response.ok) {
        throw unavailable(config, "status", `The model endpoint at ${where} answered ${response.status}.`, {
          status: response.status,
        });
      }
      if (text === undefined) {
        throw unavailable(
          config,
          "too_large",
          `The model endpoint at ${where} sent more than ${config.maxResponseBytes} bytes.`,
          { limitBytes: config.maxResponseBytes },
        );
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const content = completionText(body);
      if (content === undefined) {
        throw unavailable(
          config,
          "not_a_completion",
          `The model endpoint at ${where} did not answer with a chat completion.`,
        );
      }
      return content;
    },
  };
}
