/**
 * Attribution: which AI vendor and service a request went to, which model and version it asked for
 * and where it was processed, decided from the host and URL path against the host patterns kept in
 * the vendor catalogue, and from the model name in the request body.
 */
import type { VendorCatalogEntry } from "../../domain/vendor-catalog.ts";

export interface Attribution {
  vendor: string | null;
  service: string | null;
  discoveryOnly: boolean;
  region: string | null;
  resource: string | null;
  /** Model named by the URL path (Bedrock model id, Vertex/Gemini model, Azure deployment). */
  pathModel: string | null;
}

interface CompiledHost {
  vendor: string;
  service: string;
  discoveryOnly: boolean;
  host: RegExp;
  pathModel: RegExp | null;
  pathRegion: RegExp | null;
  fixedRegion: string | null;
  /** Literal characters in the pattern: the more, the more specific. */
  specificity: number;
}

export interface AttributionTable {
  attribute(host: string, path?: string | null): Attribution;
}

const NONE: Attribution = {
  vendor: null,
  service: null,
  discoveryOnly: false,
  region: null,
  resource: null,
  pathModel: null,
};

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function compileHostPattern(pattern: string): RegExp {
  let source = "";
  let labels = pattern.split(".");
  if (labels[0] === "**") {
    source += "(?:[a-z0-9-]+\\.)+";
    labels = labels.slice(1);
  }
  source += labels
    .map((label) => {
      if (label === "*") return "(?<resource>[a-z0-9-]+)";
      return label
        .split(/(\{resource\}|\{region\})/)
        .map((part) => {
          if (part === "{resource}") return "(?<resource>[a-z0-9-]+?)";
          if (part === "{region}") return "(?<region>[a-z0-9-]+?)";
          return escapeRegex(part);
        })
        .join("");
    })
    .join("\\.");
  return new RegExp(`^${source}$`);
}

/** Lower-cases a host, strips a port, a trailing dot and IPv6 brackets. */
export function normaliseHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith("[")) return h.slice(1, h.indexOf("]") === -1 ? undefined : h.indexOf("]"));
  const colon = h.lastIndexOf(":");
  if (colon !== -1 && h.indexOf(":") === colon) h = h.slice(0, colon);
  if (h.endsWith(".")) h = h.slice(0, -1);
  return h;
}

function decodePathPart(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Compiles the catalogue's host patterns into a lookup. The most specific pattern wins, so
 * `eu.api.smith.langchain.com` beats `**.langchain.com` whatever the file order. Results per host
 * are cached (bounded) because a log has few distinct hosts.
 */
export function createAttributionTable(entries: readonly VendorCatalogEntry[]): AttributionTable {
  const exact = new Map<string, CompiledHost>();
  const patterns: CompiledHost[] = [];
  for (const entry of entries) {
    for (const h of entry.hosts) {
      const compiled: CompiledHost = {
        vendor: entry.slug,
        service: h.service,
        discoveryOnly: h.discoveryOnly,
        host: compileHostPattern(h.pattern),
        pathModel: h.pathModel === undefined ? null : new RegExp(h.pathModel),
        pathRegion: h.pathRegion === undefined ? null : new RegExp(h.pathRegion),
        fixedRegion: h.fixedRegion ?? null,
        specificity: h.pattern.replace(/\{resource\}|\{region\}|\*/g, "").length,
      };
      if (/^[a-z0-9.-]+$/.test(h.pattern)) exact.set(h.pattern, compiled);
      else patterns.push(compiled);
    }
  }
  patterns.sort((a, b) => b.specificity - a.specificity);

  const cache = new Map<
    string,
    { rule: CompiledHost; region: string | null; resource: string | null } | null
  >();
  const lookup = (host: string) => {
    const cached = cache.get(host);
    if (cached !== undefined) return cached;
    let found: { rule: CompiledHost; region: string | null; resource: string | null } | null = null;
    const literal = exact.get(host);
    if (literal !== undefined) {
      found = { rule: literal, region: literal.fixedRegion, resource: null };
    } else {
      for (const rule of patterns) {
        const m = rule.host.exec(host);
        if (m === null) continue;
        found = { rule, region: m.groups?.region ?? rule.fixedRegion, resource: m.groups?.resource ?? null };
        break;
      }
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(host, found);
    return found;
  };

  // Logs repeat the same few host and path pairs: remember the answers (bounded).
  const answers = new Map<string, Attribution>();
  const attributeUncached = (rawHost: string, path: string | null | undefined): Attribution => {
    const host = normaliseHost(rawHost);
    const found = lookup(host);
    if (found === null) return NONE;
    const { rule } = found;
    let region = found.region;
    let pathModel: string | null = null;
    if (path) {
      if (rule.pathModel) {
        const m = rule.pathModel.exec(path);
        const model = m?.groups?.model;
        if (model) pathModel = decodePathPart(model);
      }
      if (rule.pathRegion && region === null) {
        const m = rule.pathRegion.exec(path);
        region = m?.groups?.region ?? null;
      }
    }
    return {
      vendor: rule.vendor,
      service: rule.service,
      discoveryOnly: rule.discoveryOnly,
      region,
      resource: found.resource,
      pathModel,
    };
  };
  return {
    attribute(rawHost: string, path?: string | null): Attribution {
      const key = path ? `${rawHost} ${path}` : rawHost;
      const known = answers.get(key);
      if (known !== undefined) return known;
      const answer = attributeUncached(rawHost, path);
      if (answers.size >= 50_000) answers.clear();
      answers.set(key, answer);
      return answer;
    },
  };
}

const DATE_SUFFIX = /^(.+?)[-@](\d{4}-\d{2}-\d{2}|\d{8})((?:-v\d+(?::\d+)?)?)$/;
const BEDROCK_VERSION = /^(.+?)-(v\d+(?::\d+)?)$/;
const NUMBERED_RELEASE = /^(.+?)-(\d{3,4}|latest|preview(?:-\d{2}-\d{2})?|exp(?:-\d{4})?)$/;

/**
 * Splits a model identifier into model and version: `gpt-4o-2024-08-06` → gpt-4o / 2024-08-06,
 * `claude-3-5-sonnet@20240620` → claude-3-5-sonnet / 20240620, Bedrock
 * `anthropic.claude-3-5-sonnet-20240620-v1:0` → anthropic.claude-3-5-sonnet / 20240620-v1:0,
 * `mistral-large-2407` → mistral-large / 2407, `gemini-1.5-pro-002` → gemini-1.5-pro / 002.
 * A name with no recognisable version keeps a null version.
 */
export function splitModelVersion(modelId: string): { model: string; version: string | null } {
  const known = splitCache.get(modelId);
  if (known !== undefined) return known;
  const split = splitModelVersionUncached(modelId);
  if (splitCache.size >= 10_000) splitCache.clear();
  splitCache.set(modelId, split);
  return split;
}

const splitCache = new Map<string, { model: string; version: string | null }>();

function splitModelVersionUncached(modelId: string): { model: string; version: string | null } {
  let id = modelId.trim();
  // Bedrock cross-region inference profiles prefix the geography: us.anthropic.claude-…
  const slash = id.lastIndexOf("/");
  if (slash !== -1 && !id.startsWith("arn:")) {
    // Hub repos (org/name) keep their full name; a version is after "@" or ":" if any.
    const at = id.indexOf("@", slash);
    if (at !== -1) return { model: id.slice(0, at), version: id.slice(at + 1) || null };
    return { model: id, version: null };
  }
  if (id.startsWith("arn:")) id = id.slice(id.lastIndexOf("/") + 1);
  const dated = DATE_SUFFIX.exec(id);
  if (dated?.[1] && dated[2]) return { model: dated[1], version: dated[2] + (dated[3] ?? "") };
  const bedrock = BEDROCK_VERSION.exec(id);
  if (bedrock?.[1] && bedrock[2]) return { model: bedrock[1], version: bedrock[2] };
  const numbered = NUMBERED_RELEASE.exec(id);
  if (numbered?.[1] && numbered[2]) return { model: numbered[1], version: numbered[2] };
  return { model: id, version: null };
}
