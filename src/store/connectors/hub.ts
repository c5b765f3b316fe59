/**
 * A small Hugging Face Hub client over fetch: resolves a revision to its commit, lists a model
 * repository's files with their hashes (the integrity manifest of a scan) and streams one file.
 * Only what a scan needs; nothing is written to disk. The token, when set, goes only to the
 * configured endpoint (fetch drops Authorization on redirects to another origin, such as the
 * CDN that serves LFS files) and is never logged or stored.
 */

import { AppError } from "../../domain/errors.ts";

export interface HubConfig {
  /** Base URL of the Hub (ASSAY_HF_ENDPOINT, default https://huggingface.co), without a trailing slash. */
  endpoint: string;
  /** Bearer token for private or gated repositories (ASSAY_HF_TOKEN). */
  token: string | undefined;
  /** Time allowed for an API answer, and the longest silence while a file streams. */
  timeoutMs: number;
  /** Largest single file a scan downloads (ASSAY_HF_MAX_FILE_BYTES, default 64 GiB). */
  maxFileBytes: number;
  /** Most files a repository listing may hold. */
  maxFiles: number;
}

export const DEFAULT_HF_ENDPOINT = "https://huggingface.co";
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_FILE_BYTES = 64 * 1024 ** 3;
const DEFAULT_MAX_FILES = 10_000;
/** A listing page or revision answer larger than this is not what the Hub sends. */
const MAX_JSON_BYTES = 32 * 1024 * 1024;

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AppError("VALIDATION_FAILED", `${name} must be a positive whole number, not "${raw}".`);
  }
  return value;
}

/** Reads ASSAY_HF_ENDPOINT, ASSAY_HF_TOKEN, ASSAY_HF_TIMEOUT_MS and ASSAY_HF_MAX_FILE_BYTES. */
export function readHubConfig(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const raw = env.ASSAY_HF_ENDPOINT?.trim() || DEFAULT_HF_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("VALIDATION_FAILED", `ASSAY_HF_ENDPOINT is not a URL: "${raw}".`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new AppError("VALIDATION_FAILED", "ASSAY_HF_ENDPOINT must be an http or https URL.");
  }
  const token = env.ASSAY_HF_TOKEN?.trim();
  return {
    endpoint: `${url.origin}${url.pathname.replace(/\/+$/, "")}`,
    token: token ? token : undefined,
    timeoutMs: positiveInt(env, "ASSAY_HF_TIMEOUT_MS", DEFAULT_TIMEOUT_MS),
    maxFileBytes: positiveInt(env, "ASSAY_HF_MAX_FILE_BYTES", DEFAULT_MAX_FILE_BYTES),
    maxFiles: DEFAULT_MAX_FILES,
  };
}

// The Hub's own rules: an optional owner and a name of letters, digits, '-', '_' and '.', at most
// 96 characters each, not starting or ending with '-' or '.', and no '--' or '..'.
const REPO_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

/** Checks a repository id ("owner/name" or "name"); anything else (paths, URLs, "..") is refused. */
export function validateHubRepo(repo: string): string {
  const parts = repo.split("/");
  const ok =
    parts.length >= 1 &&
    parts.length <= 2 &&
    parts.every((p) => REPO_PART.test(p) && !p.includes("--") && !p.includes(".."));
  if (!ok) {
    throw new AppError("VALIDATION_FAILED", `"${repo}" is not a Hub repository id such as "owner/model".`, {
      details: { field: "repo" },
    });
  }
  return repo;
}

/**
 * Checks a revision: a branch, tag or commit, as git allows them (refs/pr/1 included), but with
 * no "..", "//", leading or trailing "/", or characters that would change the URL.
 */
export function validateHubRevision(revision: string): string {
  const ok =
    /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/.test(revision) &&
    !revision.includes("..") &&
    !revision.includes("//") &&
    !revision.endsWith("/") &&
    !revision.endsWith(".lock");
  if (!ok) {
    throw new AppError("VALIDATION_FAILED", `"${revision}" is not a branch, tag or commit.`, {
      details: { field: "revision" },
    });
  }
  return revision;
}

/** A file path from a listing, as a safe relative path: no "..", no absolute or backslash paths. */
export function isSafeRepoPath(path: string): boolean {
  if (path.length === 0 || path.length > 1000 || path.startsWith("/") || path.includes("\\")) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(path)) return false;
  return path.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

/** One file of a repository at a revision, as the tree API lists it. */
export interface HubFile {
  path: string;
  size: number;
  /** Git blob SHA-1 of the file (for LFS files, of the pointer). */
  oid: string;
  /** Present for LFS files: the SHA-256 and size of the content. */
  lfs?: { sha256: string; size: number };
}

const HEX40 = /^[0-9a-f]{40}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** The `rel="next"` target of a Link header (RFC 8288), or null. */
export function nextLink(header: string | null): string | null {
  if (!header) return null;
  for (const part of header.split(",")) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2] ?? "")) return m[1] ?? null;
  }
  return null;
}

/** Talks to one Hub endpoint. */
export class HubClient {
  readonly config: HubConfig;

  constructor(config: HubConfig) {
    this.config = config;
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { "user-agent": "assay-model-scan" };
    if (this.config.token) h.authorization = `Bearer ${this.config.token}`;
    return h;
  }

  /**
   * Sends a GET and waits at most `timeoutMs` for the answer's headers. The body is not under
   * that deadline (a large file takes longer); callers bound it through `signal`.
   */
  private async request(url: string, what: string, signal?: AbortSignal): Promise<Response> {
    const headers = new AbortController();
    const timer = setTimeout(() => headers.abort(), this.config.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: this.headers(),
        redirect: "follow",
        signal: signal ? AbortSignal.any([signal, headers.signal]) : headers.signal,
      });
    } catch (error) {
      const timedOut = headers.signal.aborted || signal?.aborted === true;
      throw new AppError(
        "HUB_UNAVAILABLE",
        timedOut
          ? `The Hub did not answer within ${this.config.timeoutMs} ms (${what}).`
          : `The Hub at ${this.config.endpoint} cannot be reached (${what}).`,
        { cause: error, details: { endpoint: this.config.endpoint } },
      );
    } finally {
      clearTimeout(timer);
    }
    if (response.ok) return response;
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404 || response.status === 401 || response.status === 403) {
      // The Hub answers 401 for private and missing repositories alike when no token is sent.
      throw new AppError(
        "HUB_REPO_NOT_FOUND",
        response.status === 404
          ? `The Hub has no ${what}.`
          : `The Hub refused access to ${what} (HTTP ${response.status}); a private or gated repository needs ASSAY_HF_TOKEN.`,
        { details: { status: response.status } },
      );
    }
    throw new AppError("HUB_UNAVAILABLE", `The Hub answered HTTP ${response.status} for ${what}.`, {
      details: { status: response.status },
    });
  }

  private async json(url: string, what: string): Promise<{ body: unknown; response: Response }> {
    // An API answer, headers and body together, gets twice the time of one wait.
    const deadline = AbortSignal.timeout(this.config.timeoutMs * 2);
    const response = await this.request(url, what, deadline);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > MAX_JSON_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw new AppError("HUB_UNAVAILABLE", `The Hub's answer for ${what} is too large.`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new AppError("HUB_UNAVAILABLE", `The Hub's answer for ${what} broke off or was too slow.`, {
        cause: error,
      });
    }
    if (text.length > MAX_JSON_BYTES) {
      throw new AppError("HUB_UNAVAILABLE", `The Hub's answer for ${what} is too large.`);
    }
    try {
      return { body: JSON.parse(text) as unknown, response };
    } catch {
      throw new AppError("HUB_UNAVAILABLE", `The Hub's answer for ${what} is not JSON.`);
    }
  }

  /**
   * The commit a revision points at, so a scan is pinned to exact bytes. A 40-hex revision is
   * taken as it is when the Hub gives no sha.
   */
  async resolveRevision(repo: string, revision: string): Promise<string> {
    validateHubRepo(repo);
    validateHubRevision(revision);
    const url = `${this.config.endpoint}/api/models/${repo}/revision/${encodeURIComponent(revision)}`;
    const { body } = await this.json(url, `revision ${revision} of ${repo}`);
    const sha = body !== null && typeof body === "object" ? (body as Record<string, unknown>).sha : undefined;
    if (typeof sha === "string" && HEX40.test(sha.toLowerCase())) return sha.toLowerCase();
    return revision;
  }

  /** Every file of the repository at the revision (directories left out), following the Link pages. */
  async listFiles(repo: string, revision: string): Promise<HubFile[]> {
    validateHubRepo(repo);
    validateHubRevision(revision);
    const files: HubFile[] = [];
    const origin = new URL(this.config.endpoint).origin;
    let url: string | null =
      `${this.config.endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
    let pages = 0;
    while (url !== null) {
      if (++pages > 1000) throw new AppError("HUB_UNAVAILABLE", "The Hub's file listing does not end.");
      const { body, response } = await this.json(url, `file listing of ${repo} at ${revision}`);
      for (const file of parseHubListingPage(body)) {
        files.push(file);
        if (files.length > this.config.maxFiles) {
          throw new AppError("INPUT_TOO_LARGE", `${repo} has more than ${this.config.maxFiles} files.`, {
            details: { limit: this.config.maxFiles },
          });
        }
      }
      const next = nextLink(response.headers.get("link"));
      if (next === null) break;
      const resolved: URL = new URL(next, url);
      // The token must never be sent to another host a listing points at.
      if (resolved.origin !== origin) {
        throw new AppError("HUB_UNAVAILABLE", "The Hub's listing points to another host; not followed.");
      }
      url = resolved.toString();
    }
    return files;
  }

  /**
   * Streams one file of the repository, following the Hub's redirects (LFS files live on a CDN).
   * Stops with INPUT_TOO_LARGE past `maxFileBytes` and with HUB_UNAVAILABLE after `timeoutMs`
   * without a byte.
   */
  async *openFile(
    repo: string,
    revision: string,
    path: string,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<Uint8Array> {
    validateHubRepo(repo);
    validateHubRevision(revision);
    if (!isSafeRepoPath(path)) {
      throw new AppError("VALIDATION_FAILED", `"${path}" is not a file path inside the repository.`);
    }
    const idle = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    const url = `${this.config.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodePath(path)}`;
    const response = await this.request(url, `file ${path} of ${repo}`, signal);
    const declared = Number(response.headers.get("content-length") ?? "0");
    if (declared > this.config.maxFileBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(path, this.config.maxFileBytes);
    }
    const body = response.body;
    if (body === null) return;
    const reader = body.getReader();
    let size = 0;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), this.config.timeoutMs);
    };
    try {
      for (;;) {
        arm();
        let step: Awaited<ReturnType<typeof reader.read>>;
        try {
          step = await reader.read();
        } catch (error) {
          throw new AppError(
            "HUB_UNAVAILABLE",
            idle.signal.aborted
              ? `The download of ${path} stalled for ${this.config.timeoutMs} ms.`
              : `The download of ${path} broke off after ${size} bytes.`,
            { cause: error },
          );
        }
        if (step.done) break;
        size += step.value.length;
        if (size > this.config.maxFileBytes) throw tooLarge(path, this.config.maxFileBytes);
        yield step.value;
      }
    } finally {
      clearTimeout(timer);
      await reader.cancel().catch(() => undefined);
    }
  }
}

function tooLarge(path: string, limit: number): AppError {
  return new AppError("INPUT_TOO_LARGE", `${path} is larger than the download limit of ${limit} bytes.`, {
    details: { limit },
  });
}

/**
 * Reads one page of the Hub's tree listing: files with their hashes, directories left out. Any
 * entry without a safe relative path or a hash makes the whole page refused (HUB_UNAVAILABLE).
 */
export function parseHubListingPage(body: unknown): HubFile[] {
  if (!Array.isArray(body)) throw new AppError("HUB_UNAVAILABLE", "The Hub's file listing is not a list.");
  const files: HubFile[] = [];
  for (const raw of body as unknown[]) {
    const file = toHubFile(raw);
    if (file !== null) files.push(file);
  }
  return files;
}

function toHubFile(raw: unknown): HubFile | null {
  if (raw === null || typeof raw !== "object") {
    throw new AppError("HUB_UNAVAILABLE", "The Hub's file listing holds an entry that is not an object.");
  }
  const e = raw as Record<string, unknown>;
  if (e.type === "directory") return null;
  const path = e.path;
  const oid = typeof e.oid === "string" ? e.oid.toLowerCase() : "";
  if (typeof path !== "string" || !isSafeRepoPath(path)) {
    throw new AppError("HUB_UNAVAILABLE", "The Hub's file listing holds an unsafe or missing path.", {
      details: { path: typeof path === "string" ? path.slice(0, 200) : null },
    });
  }
  const size = typeof e.size === "number" && Number.isSafeInteger(e.size) && e.size >= 0 ? e.size : 0;
  const file: HubFile = { path, size, oid };
  const lfs = e.lfs !== null && typeof e.lfs === "object" ? (e.lfs as Record<string, unknown>) : undefined;
  if (lfs) {
    const rawSha = typeof lfs.sha256 === "string" ? lfs.sha256 : typeof lfs.oid === "string" ? lfs.oid : "";
    const sha256 = rawSha.replace(/^sha256:/, "").toLowerCase();
    const lfsSize = typeof lfs.size === "number" && Number.isSafeInteger(lfs.size) ? lfs.size : size;
    if (HEX64.test(sha256)) file.lfs = { sha256, size: lfsSize };
    file.size = lfsSize;
  }
  if (!file.lfs && !HEX40.test(oid)) {
    throw new AppError("HUB_UNAVAILABLE", `The Hub lists ${path} without a hash.`);
  }
  return file;
}
