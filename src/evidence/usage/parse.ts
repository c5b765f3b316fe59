/**
 * Line parsers for AI usage logs. Each turns one line (or CSV record) into a normalised UsageEvent,
 * or a UsageLineError with the line number; blank lines and log noise that carries no request
 * (dnsmasq "reply" lines, comments) give null. Prompt text is classified and hashed here and then
 * dropped: it never leaves this module.
 */
import { hash } from "node:crypto";
import type { AttributionTable } from "./attribution.ts";
import { normaliseHost, splitModelVersion } from "./attribution.ts";
import type { Classifier } from "./detectors.ts";
import type { Detection, UsageEvent, UsageFormat, UsageLineError, UsageRecord } from "./types.ts";

/** Which CSV column holds which field of the generic schema (column names as in the header). */
export interface CsvColumnMapping {
  timestamp?: string;
  url?: string;
  host?: string;
  path?: string;
  method?: string;
  model?: string;
  actor?: string;
  prompt?: string;
  requestBytes?: string;
  responseBytes?: string;
  region?: string;
}

export interface LineParseContext {
  attribution: AttributionTable;
  classify: Classifier;
  /** Detections by prompt hash, so a repeated prompt is classified once (bounded by the caller). */
  detectionCache?: Map<string, Detection[]>;
  source: string | null;
  /** Year assumed for syslog timestamps that carry none (dnsmasq); defaults to the current UTC year. */
  syslogYear?: number;
  /**
   * Check the line only: the event comes back without content hash or detections. Classification
   * never rejects a line, so a validating pass that skips it finds exactly the same line errors.
   */
  validateOnly?: boolean;
}

class LineError extends Error {}

function fail(reason: string): never {
  throw new LineError(reason);
}

function lineError(line: number, reason: string): UsageLineError {
  return { line, code: "USAGE_LINE_INVALID", reason };
}

const NO_ZONE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** ISO 8601 in UTC from an ISO string, epoch seconds or epoch milliseconds. */
export function normaliseTimestamp(value: unknown): string {
  if (typeof value === "string") {
    if (ISO_UTC.test(value)) return value;
    if (/^\d+(?:\.\d+)?$/.test(value)) return normaliseTimestamp(Number(value));
    // No zone (LiteLLM spend logs, many CSV exports): read as UTC, never as the machine's local time.
    if (NO_ZONE.test(value)) return normaliseTimestamp(`${value.replace(" ", "T")}Z`);
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) fail("timestamp is not a date");
    return new Date(ms).toISOString();
  }
  if (typeof value === "number" && Number.isFinite(value) && value > 0) {
    const ms = value < 1e11 ? value * 1000 : value;
    const date = new Date(ms);
    if (Number.isNaN(date.getTime())) fail("timestamp out of range");
    return date.toISOString();
  }
  return fail("timestamp missing");
}

function hashText(text: string): string {
  return hash("sha256", text, "hex");
}

function asString(value: unknown): string | null {
  if (typeof value === "string") return value.length > 0 ? value : null;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

function asBytes(value: unknown): number | null {
  if (value === undefined || value === null || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isInteger(n) || n < 0) fail("byte count is not a non-negative integer");
  return n;
}

const MAX_DEPTH = 8;

/**
 * Text a request sends to the model: chat messages (string or parts), completion prompts,
 * embedding inputs, system prompts, Gemini `contents[].parts[].text` and Bedrock Converse blocks.
 */
export function extractPromptText(body: unknown): string {
  const parts: string[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || value === null || value === undefined) return;
    if (typeof value === "string") {
      parts.push(value);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    if (typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (typeof record.text === "string") parts.push(record.text);
    for (const key of [
      "content",
      "messages",
      "contents",
      "parts",
      "prompt",
      "input",
      "inputs",
      "system",
      "instructions",
      "inputText",
    ]) {
      if (key in record) visit(record[key], depth + 1);
    }
  };
  visit(body, 0);
  return parts.join("\n");
}

function splitUrl(url: string): { host: string; path: string | null } {
  const scheme = url.indexOf("://");
  const rest = scheme === -1 ? url : url.slice(scheme + 3);
  const slash = rest.indexOf("/");
  const hostPort = slash === -1 ? rest : rest.slice(0, slash);
  const at = hostPort.lastIndexOf("@");
  const host = at === -1 ? hostPort : hostPort.slice(at + 1);
  if (host.length === 0) fail("url has no host");
  return { host, path: slash === -1 ? null : rest.slice(slash) };
}

interface EventFields {
  timestamp: string;
  host: string | null;
  path: string | null;
  method: string | null;
  model: string | null;
  actor: string | null;
  region: string | null;
  requestBytes: number | null;
  responseBytes: number | null;
  prompt: string | null;
}

function buildEvent(line: number, f: EventFields, ctx: LineParseContext): UsageEvent {
  // Attribution cannot reject a line, so a validating pass skips it.
  const a = f.host && ctx.validateOnly !== true ? ctx.attribution.attribute(f.host, f.path) : null;
  const modelId = f.model ?? a?.pathModel ?? null;
  const split = modelId ? splitModelVersion(modelId) : null;
  const prompt = f.prompt;
  const contentHash = prompt === null || ctx.validateOnly === true ? null : hashText(prompt);
  return {
    line,
    timestamp: f.timestamp,
    host: f.host ? normaliseHost(f.host) : null,
    path: f.path,
    method: f.method ? f.method.toUpperCase() : null,
    vendor: a?.vendor ?? null,
    service: a?.service ?? null,
    discoveryOnly: a?.discoveryOnly ?? false,
    model: split?.model ?? null,
    modelVersion: split?.version ?? null,
    region: f.region ?? a?.region ?? null,
    resource: a?.resource ?? null,
    actor: f.actor,
    source: ctx.source,
    requestBytes: f.requestBytes ?? (prompt === null ? null : Buffer.byteLength(prompt)),
    responseBytes: f.responseBytes,
    contentHash,
    detections: prompt === null || contentHash === null ? [] : detect(ctx, prompt, contentHash),
  };
}

// Small on purpose: retries and templated prompts repeat within a short window, while a large map
// of remembered answers survives into the old generation and costs more in garbage collection than
// it saves on a log without repeats (measured: 20,000 entries +16 % CPU, 1,000 +5 %, 128 none).
const DETECTION_CACHE_ENTRIES = 128;

/** Classifies a prompt, reusing the answer for a prompt already seen (retries, templates, evals). */
function detect(ctx: LineParseContext, prompt: string, contentHash: string): Detection[] {
  const cache = ctx.detectionCache;
  if (cache === undefined) return ctx.classify(prompt);
  const known = cache.get(contentHash);
  if (known !== undefined) return known.slice();
  const detections = ctx.classify(prompt);
  if (cache.size >= DETECTION_CACHE_ENTRIES) cache.clear();
  cache.set(contentHash, detections);
  return detections.slice();
}

function field(record: Record<string, unknown>, ...names: string[]): unknown {
  for (const name of names) {
    const value = record[name];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

function responseSize(response: unknown): number | null {
  if (typeof response === "string") return Buffer.byteLength(response);
  return null;
}

/**
 * One JSON line in any of the accepted shapes: the generic schema, an OpenAI-style
 * request/response pair, or a LiteLLM proxy log (StandardLoggingPayload or spend log).
 */
/**
 * An Amazon Bedrock model-invocation log record (CloudWatch Logs or S3 delivery): the request body
 * is `input.inputBodyJson`, the caller `identity.arn`; the host is implied by the region.
 */
function parseBedrockInvocation(
  record: Record<string, unknown>,
  line: number,
  ctx: LineParseContext,
): UsageEvent {
  const input =
    typeof record.input === "object" && record.input !== null
      ? (record.input as Record<string, unknown>)
      : {};
  const identity =
    typeof record.identity === "object" && record.identity !== null
      ? (record.identity as Record<string, unknown>)
      : {};
  const region = asString(record.region);
  if (region === null || !/^[a-z0-9-]+$/.test(region)) fail("a Bedrock invocation record needs its region");
  const modelId = asString(record.modelId);
  return buildEvent(
    line,
    {
      timestamp: normaliseTimestamp(record.timestamp),
      host: `bedrock-runtime.${region}.amazonaws.com`,
      path:
        modelId === null
          ? null
          : `/model/${encodeURIComponent(modelId)}/${String(record.operation ?? "invoke")}`,
      method: "POST",
      model: modelId,
      actor: asString(identity.arn),
      region,
      requestBytes: null,
      responseBytes: null,
      prompt: "inputBodyJson" in input ? extractPromptText(input.inputBodyJson) : null,
    },
    ctx,
  );
}

function parseJsonRecord(record: Record<string, unknown>, line: number, ctx: LineParseContext): UsageEvent {
  if (record.schemaType === "ModelInvocationLog") return parseBedrockInvocation(record, line, ctx);
  const metadata =
    typeof record.metadata === "object" && record.metadata !== null
      ? (record.metadata as Record<string, unknown>)
      : {};
  const hidden =
    typeof record.hidden_params === "object" && record.hidden_params !== null
      ? (record.hidden_params as Record<string, unknown>)
      : {};
  // `request` (gateways) or `body` (OpenAI batch-style records) holds the request body.
  const body = typeof record.request === "object" && record.request !== null ? record.request : record.body;
  const request = typeof body === "object" && body !== null ? (body as Record<string, unknown>) : null;

  let host: string | null = null;
  let path: string | null = null;
  const url = asString(field(record, "url", "api_base", "apiBase", "endpoint") ?? hidden.api_base);
  // A path-only URL ("/v1/chat/completions") names no host: keep the path, leave the host unknown.
  if (url?.startsWith("/")) path = url;
  else if (url !== null) ({ host, path } = splitUrl(url));
  const explicitHost = asString(field(record, "host", "hostname"));
  if (explicitHost !== null) host = explicitHost;
  const explicitPath = asString(record.path);
  if (explicitPath !== null) path = explicitPath;

  const timestamp = normaliseTimestamp(
    field(record, "timestamp", "ts", "time", "startTime", "start_time", "created_at"),
  );

  let promptSource: unknown;
  if (typeof record.prompt === "string") promptSource = record.prompt;
  else if (typeof record.request === "string") promptSource = record.request;
  else if (request !== null) promptSource = request;
  else if ("messages" in record || "input" in record || "contents" in record) {
    promptSource = {
      messages: record.messages,
      input: record.input,
      contents: record.contents,
      system: record.system,
    };
  }
  // A validating pass needs no prompt text: extracting it cannot fail.
  const prompt =
    promptSource === undefined || ctx.validateOnly === true ? null : extractPromptText(promptSource);

  const model = asString(field(record, "model") ?? request?.model ?? field(record, "model_group"));
  const actor = asString(
    field(record, "user", "actor", "service", "end_user", "user_id") ??
      field(metadata, "user_api_key_user_id", "user_api_key_alias", "user_api_key_team_alias") ??
      request?.user,
  );
  const response = field(record, "response");

  return buildEvent(
    line,
    {
      timestamp,
      host,
      path,
      method: asString(record.method),
      model,
      actor,
      region: asString(field(record, "region")),
      requestBytes: asBytes(field(record, "requestBytes", "request_bytes", "request_size")),
      responseBytes:
        asBytes(field(record, "responseBytes", "response_bytes", "response_size")) ?? responseSize(response),
      prompt,
    },
    ctx,
  );
}

// squid native: time elapsed client code/status bytes method URL user hierarchy/peer type
const SQUID =
  /^(\d{9,11}(?:\.\d+)?)\s+(\d+)\s+(\S+)\s+([A-Z_]+)\/(\d{3})\s+(\d+)\s+([A-Z]+)\s+(\S+)\s+(\S+)\s+\S+(?:\s+\S+)?\s*$/;

function parseProxyLine(text: string, line: number, ctx: LineParseContext): UsageEvent {
  const m = SQUID.exec(text);
  if (m === null) fail("not a squid native access-log line");
  const [, time, , client, , , bytes, method, target, user] = m;
  let host: string;
  let path: string | null = null;
  if (target === undefined) fail("no URL");
  if (target.includes("://")) ({ host, path } = splitUrl(target));
  else host = target;
  return buildEvent(
    line,
    {
      timestamp: normaliseTimestamp(Number(time)),
      host,
      path,
      method: method ?? null,
      model: null,
      actor: user && user !== "-" ? user : (client ?? null),
      region: null,
      requestBytes: null,
      responseBytes: asBytes(bytes),
      prompt: null,
    },
    ctx,
  );
}

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
const DNSMASQ =
  /^(?:(\d{4}-\d{2}-\d{2}T\S+)|([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}):(\d{2}):(\d{2}))\s+(?:\S+\s+)?dnsmasq(?:\[\d+\])?: (.*)$/;
const DNSMASQ_QUERY = /^query\[([A-Z0-9]+)\] (\S+) from (\S+)$/;
// Unbound with log-queries: "[1767225600] unbound[812:0] info: 10.0.0.7 api.openai.com. A IN"
// (or a syslog timestamp with log-time-ascii).
const UNBOUND =
  /^(?:\[(\d{9,11})\]|([A-Z][a-z]{2})\s+(\d{1,2}) (\d{2}):(\d{2}):(\d{2}))\s+(?:\S+\s+)?unbound\[\d+:\d+\]:? (?:query|info): ([0-9A-Fa-f.:]+) (\S+) [A-Z0-9]+ IN\b/;
const UNBOUND_OTHER =
  /^(?:\[\d{9,11}\]|[A-Z][a-z]{2}\s+\d{1,2} \d{2}:\d{2}:\d{2})\s+(?:\S+\s+)?unbound\[\d+:\d+\]:? /;
const BIND =
  /^(\d{2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{3}))?\s+(?:queries: \w+: )?client (?:@0x[0-9a-f]+ )?([0-9A-Fa-f.:]+)#\d+(?: \([^)]*\))?: (?:view \S+: )?query: (\S+) IN (\S+)/;

function utcFromParts(
  year: number,
  month: string,
  day: string,
  h: string,
  mi: string,
  s: string,
  ms = "0",
): string {
  const monthIndex = MONTHS[month.toLowerCase()];
  if (monthIndex === undefined) fail("unknown month");
  const date = new Date(
    Date.UTC(year, monthIndex, Number(day), Number(h), Number(mi), Number(s), Number(ms)),
  );
  if (Number.isNaN(date.getTime())) fail("timestamp out of range");
  return date.toISOString();
}

function parseDnsLine(text: string, line: number, ctx: LineParseContext): UsageEvent | null {
  const d = DNSMASQ.exec(text);
  if (d !== null) {
    const q = DNSMASQ_QUERY.exec(d[7] ?? "");
    if (q === null) return null; // reply, forwarded, cached, config lines: no new query
    const timestamp = d[1]
      ? normaliseTimestamp(d[1])
      : utcFromParts(
          ctx.syslogYear ?? new Date().getUTCFullYear(),
          d[2] ?? "",
          d[3] ?? "",
          d[4] ?? "",
          d[5] ?? "",
          d[6] ?? "",
        );
    return buildEvent(
      line,
      {
        timestamp,
        host: q[2] ?? null,
        path: null,
        method: null,
        model: null,
        actor: q[3] ?? null,
        region: null,
        requestBytes: null,
        responseBytes: null,
        prompt: null,
      },
      ctx,
    );
  }
  const b = BIND.exec(text);
  if (b !== null) {
    return buildEvent(
      line,
      {
        timestamp: utcFromParts(
          Number(b[3]),
          b[2] ?? "",
          b[1] ?? "",
          b[4] ?? "",
          b[5] ?? "",
          b[6] ?? "",
          b[7],
        ),
        host: b[9] ?? null,
        path: null,
        method: null,
        model: null,
        actor: b[8] ?? null,
        region: null,
        requestBytes: null,
        responseBytes: null,
        prompt: null,
      },
      ctx,
    );
  }
  const u = UNBOUND.exec(text);
  if (u !== null) {
    const timestamp = u[1]
      ? normaliseTimestamp(Number(u[1]))
      : utcFromParts(
          ctx.syslogYear ?? new Date().getUTCFullYear(),
          u[2] ?? "",
          u[3] ?? "",
          u[4] ?? "",
          u[5] ?? "",
          u[6] ?? "",
        );
    return buildEvent(
      line,
      {
        timestamp,
        host: (u[8] ?? "").replace(/\.$/, "") || null,
        path: null,
        method: null,
        model: null,
        actor: u[7] ?? null,
        region: null,
        requestBytes: null,
        responseBytes: null,
        prompt: null,
      },
      ctx,
    );
  }
  if (UNBOUND_OTHER.test(text)) return null; // unbound start-up, reply and statistics lines
  return fail("not a dnsmasq, BIND or Unbound query-log line");
}

/**
 * Parses one line of a line-based format (jsonl, proxy, dns). Returns null for lines that carry no
 * request (blank, comments, DNS replies) and an error record, never an exception, for bad lines.
 */
export function parseUsageLine(
  format: Exclude<UsageFormat, "csv">,
  text: string,
  line: number,
  ctx: LineParseContext,
): UsageRecord | null {
  const trimmed = text.endsWith("\r") ? text.slice(0, -1) : text;
  if (trimmed.length === 0 || trimmed.trim().length === 0) return null;
  try {
    if (format === "jsonl") {
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch {
        return { ok: false, error: lineError(line, "not valid JSON") };
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return { ok: false, error: lineError(line, "a JSON line must be an object") };
      }
      return { ok: true, event: parseJsonRecord(value as Record<string, unknown>, line, ctx) };
    }
    if (trimmed.startsWith("#")) return null;
    if (format === "proxy") return { ok: true, event: parseProxyLine(trimmed, line, ctx) };
    const event = parseDnsLine(trimmed, line, ctx);
    return event === null ? null : { ok: true, event };
  } catch (error) {
    if (error instanceof LineError) return { ok: false, error: lineError(line, error.message) };
    throw error;
  }
}

const DEFAULT_CSV_COLUMNS: Required<CsvColumnMapping> = {
  timestamp: "timestamp",
  url: "url",
  host: "host",
  path: "path",
  method: "method",
  model: "model",
  actor: "user",
  prompt: "prompt",
  requestBytes: "request_bytes",
  responseBytes: "response_bytes",
  region: "region",
};

/** Parses one CSV record (a header-keyed object from csv-parse) with the given column mapping. */
export function parseCsvRecord(
  record: Record<string, string>,
  line: number,
  mapping: CsvColumnMapping,
  ctx: LineParseContext,
): UsageRecord {
  const columns = { ...DEFAULT_CSV_COLUMNS, ...mapping };
  const get = (key: keyof CsvColumnMapping): string | null => {
    const value = record[columns[key]];
    return value === undefined || value === "" ? null : value;
  };
  try {
    let host = get("host");
    let path = get("path");
    const url = get("url");
    if (url !== null) {
      const split = splitUrl(url);
      host ??= split.host;
      path ??= split.path;
    }
    if (host === null) fail(`no host: columns "${columns.host}" and "${columns.url}" are empty`);
    const prompt = get("prompt");
    return {
      ok: true,
      event: buildEvent(
        line,
        {
          timestamp: normaliseTimestamp(get("timestamp") ?? undefined),
          host,
          path,
          method: get("method"),
          model: get("model"),
          actor: get("actor"),
          region: get("region"),
          requestBytes: asBytes(get("requestBytes")),
          responseBytes: asBytes(get("responseBytes")),
          prompt,
        },
        ctx,
      ),
    };
  } catch (error) {
    if (error instanceof LineError) return { ok: false, error: lineError(line, error.message) };
    throw error;
  }
}

/**
 * Guesses the format from the first non-blank line: a JSON object, a squid access-log line, a
 * dnsmasq or BIND query line, or otherwise a CSV header naming a timestamp column. Null when none fits.
 */
export function detectUsageFormat(firstLine: string): UsageFormat | null {
  const text = firstLine.replace(/^\uFEFF/, "").trim();
  if (text.startsWith("{")) return "jsonl";
  if (SQUID.test(text)) return "proxy";
  if (DNSMASQ.test(text) || BIND.test(text) || UNBOUND_OTHER.test(text)) return "dns";
  if (/[,;\t]/.test(text) && /(^|[,;\t"])\s*"?(timestamp|time|ts|date)"?\s*([,;\t]|$)/i.test(text))
    return "csv";
  return null;
}
