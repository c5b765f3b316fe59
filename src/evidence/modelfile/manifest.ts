/**
 * Integrity manifests: a Hugging Face repository tree listing (JSON entries with `path`, `oid`,
 * `size` and, for LFS files, `lfs.oid` / `lfs.sha256`) or a plain `sha256  path` list. LFS
 * files are checked by the SHA-256 of their content; other files by their git blob SHA-1,
 * which is SHA-1 over "blob <size>\0" followed by the content.
 */

import { AppError } from "../../domain/errors.ts";

export interface ManifestEntry {
  path: string;
  /** Expected SHA-256 of the content (LFS files and plain lists). */
  sha256?: string;
  /** Expected git blob SHA-1 (non-LFS files of a hub tree listing). */
  gitBlobSha1?: string;
  size?: number;
}

export interface Manifest {
  kind: "hf-tree" | "sha256-list";
  entries: Map<string, ManifestEntry>;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX40 = /^[0-9a-f]{40}$/;

function normalisePath(p: string): string {
  return p.replace(/\\/g, "/").replace(/^\.\//, "");
}

function invalid(message: string, details?: Record<string, unknown>): AppError {
  return new AppError("MANIFEST_INVALID", message, details === undefined ? {} : { details });
}

/** Parses a manifest from its text, deciding the kind by whether it is JSON. */
export function parseManifest(text: string): Manifest {
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) return parseTreeListing(trimmed);
  return parseSha256List(text);
}

function parseTreeListing(text: string): Manifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid("manifest is not valid JSON");
  }
  let list: unknown = json;
  if (!Array.isArray(list) && list !== null && typeof list === "object") {
    const o = list as Record<string, unknown>;
    list = o.siblings ?? o.files ?? o.entries ?? o.tree;
  }
  if (!Array.isArray(list)) throw invalid("manifest JSON is not a list of tree entries");
  const entries = new Map<string, ManifestEntry>();
  list.forEach((raw: unknown, index) => {
    if (raw === null || typeof raw !== "object") throw invalid("tree entry is not an object", { index });
    const e = raw as Record<string, unknown>;
    if (e.type === "directory") return;
    const path =
      typeof e.path === "string" ? e.path : typeof e.rfilename === "string" ? e.rfilename : undefined;
    if (path === undefined || path === "") throw invalid("tree entry has no path", { index });
    const entry: ManifestEntry = { path: normalisePath(path) };
    if (typeof e.size === "number") entry.size = e.size;
    const lfs = e.lfs !== null && typeof e.lfs === "object" ? (e.lfs as Record<string, unknown>) : undefined;
    if (lfs) {
      const oid =
        typeof lfs.sha256 === "string" ? lfs.sha256 : typeof lfs.oid === "string" ? lfs.oid : undefined;
      const hex = oid?.replace(/^sha256:/, "").toLowerCase();
      if (hex === undefined || !HEX64.test(hex)) throw invalid(`LFS entry ${path} has no SHA-256`, { index });
      entry.sha256 = hex;
      if (typeof lfs.size === "number") entry.size = lfs.size;
    } else {
      const oid =
        typeof e.oid === "string"
          ? e.oid.toLowerCase()
          : typeof e.blobId === "string"
            ? e.blobId.toLowerCase()
            : undefined;
      if (oid === undefined || !HEX40.test(oid)) throw invalid(`entry ${path} has no git blob id`, { index });
      entry.gitBlobSha1 = oid;
    }
    if (entries.has(entry.path)) throw invalid(`path ${entry.path} is listed twice`, { index });
    entries.set(entry.path, entry);
  });
  return { kind: "hf-tree", entries };
}

function parseSha256List(text: string): Manifest {
  const entries = new Map<string, ManifestEntry>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const m = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line);
    if (!m) throw invalid(`line ${i + 1} is not "<sha256>  <path>"`, { line: i + 1 });
    const path = normalisePath(m[2] as string);
    if (entries.has(path)) throw invalid(`path ${path} is listed twice`, { line: i + 1 });
    entries.set(path, { path, sha256: (m[1] as string).toLowerCase() });
  });
  if (entries.size === 0) throw invalid("manifest lists no files");
  return { kind: "sha256-list", entries };
}
