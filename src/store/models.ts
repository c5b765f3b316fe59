/**
 * Model artifacts: a model taken from a hub (repository and revision, pinned to a commit) or
 * uploaded file by file, registered under a vendor and scanned on the server. Every file streams
 * through the model-file scanner once, hashed against the Hub's listing in the same pass; bytes
 * are never kept. Results per file, the integrity report and the model-card analysis are stored
 * on the artifact; dangerous and suspicious files, hash mismatches and a missing model card become
 * findings of the vendor (source "model_scan"), and a dangerous artifact puts the vendor in tier 3.
 */

import { and, asc, count, desc, eq, like, lt, or, type SQL, sql } from "drizzle-orm";
import { AppError, isAppError } from "../domain/errors.ts";
import type { FindingSeverity } from "../domain/findings.ts";
import {
  analyzeModelCard,
  MAX_MODEL_CARD_CHARS,
  type ModelCardAnalysis,
} from "../evidence/modelcard/index.ts";
import {
  type IntegrityCheck,
  type IntegrityReport,
  type ManifestEntry,
  type ModelFileScan,
  type ModelFinding,
  type ModelFormat,
  parseManifest,
  type ScanVerdict,
  scanModelStream,
  verdictOfFindings,
  worseVerdict,
} from "../evidence/modelfile/index.ts";
import { type Actor, recordAudit, SYSTEM_ACTOR } from "./audit-log.ts";
import {
  type HubClient,
  type HubConfig,
  isSafeRepoPath,
  readHubConfig,
  validateHubRepo,
  validateHubRevision,
} from "./connectors/hub.ts";
import type { Db } from "./database.ts";
import { getIntegration, getVendorRow, inventoryChanged, refreshVendorTier } from "./inventory.ts";
import { aiIntegrations, findings, modelArtifacts, vendors } from "./schema.ts";

export const MODEL_SOURCES = ["hub", "upload"] as const;
export type ModelSource = (typeof MODEL_SOURCES)[number];
export const MODEL_SCAN_STATUSES = ["pending", "scanning", "done", "failed"] as const;
export type ModelScanStatus = (typeof MODEL_SCAN_STATUSES)[number];

/** The message a scan cut short by a restart is left with. */
export const INTERRUPTED_MESSAGE = "interrupted, rescan";
/** Findings of a file kept on the artifact and in a finding's evidence; more are counted. */
const MAX_FILE_FINDINGS = 200;
const MAX_EVIDENCE_FINDINGS = 50;

// ---------------------------------------------------------------- configuration

export const DEFAULT_MODEL_UPLOAD_LIMIT_BYTES = 20 * 1024 ** 3;

export interface ModelStoreConfig {
  hub: HubConfig;
  /** Largest uploaded file (ASSAY_MODEL_UPLOAD_LIMIT_BYTES, default 20 GiB). */
  uploadLimitBytes: number;
}

/** Reads the Hub settings and ASSAY_MODEL_UPLOAD_LIMIT_BYTES. */
export function readModelStoreConfig(env: NodeJS.ProcessEnv = process.env): ModelStoreConfig {
  const raw = env.ASSAY_MODEL_UPLOAD_LIMIT_BYTES?.trim();
  const limit = raw ? Number(raw) : DEFAULT_MODEL_UPLOAD_LIMIT_BYTES;
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new AppError(
      "VALIDATION_FAILED",
      `ASSAY_MODEL_UPLOAD_LIMIT_BYTES must be a positive whole number of bytes, not "${raw}".`,
    );
  }
  return { hub: readHubConfig(env), uploadLimitBytes: limit };
}

// ---------------------------------------------------------------- views

/** One scanned file as stored on the artifact. */
export interface ModelFileResult {
  path: string;
  size: number;
  sha256: string | null;
  format: ModelFormat;
  verdict: ScanVerdict;
  findings: ModelFinding[];
  /** Findings counted but not kept. */
  findingsOmitted: number;
  integrity: IntegrityCheck | null;
  error: string | null;
}

/** Where a running scan is; only the server process that runs it knows. */
export interface ModelScanProgress {
  bytesTotal: number;
  fileCount: number;
  filesDone: number;
  currentPath: string | null;
}

export interface ModelArtifactView {
  id: string;
  vendorId: string;
  vendorName: string;
  integrationId: string | null;
  integrationName: string | null;
  name: string;
  source: ModelSource;
  hubRepo: string | null;
  /** For hub models, the commit the revision resolved to when registered. */
  hubRevision: string | null;
  status: ModelScanStatus;
  verdict: ScanVerdict | null;
  fileCount: number;
  /** Files per verdict. */
  counts: Record<ScanVerdict, number>;
  bytesScanned: number;
  progress: ModelScanProgress | null;
  error: string | null;
  createdBy: string;
  scannedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A finding this artifact raised, open or resolved. */
export interface ModelFindingView {
  id: string;
  rule: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  status: "open" | "resolved";
  path: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface ModelArtifactDetail extends ModelArtifactView {
  files: ModelFileResult[];
  integrity: IntegrityReport | null;
  modelCard: ModelCardAnalysis | null;
  findings: ModelFindingView[];
}

type ArtifactRow = typeof modelArtifacts.$inferSelect;

const progressById = new Map<string, ModelScanProgress>();

function filesOf(row: ArtifactRow): ModelFileResult[] {
  return Array.isArray(row.files) ? (row.files as ModelFileResult[]) : [];
}

function toView(row: ArtifactRow, vendorName: string, integrationName: string | null): ModelArtifactView {
  const files = filesOf(row);
  const counts: Record<ScanVerdict, number> = { safe: 0, suspicious: 0, dangerous: 0, error: 0 };
  for (const f of files) counts[f.verdict]++;
  return {
    id: row.id,
    vendorId: row.vendorId,
    vendorName,
    integrationId: row.integrationId,
    integrationName,
    name: row.name,
    source: row.source as ModelSource,
    hubRepo: row.hubRepo,
    hubRevision: row.hubRevision,
    status: row.status as ModelScanStatus,
    verdict: row.verdict as ScanVerdict | null,
    fileCount: files.length,
    counts,
    bytesScanned: row.bytesScanned,
    progress: row.status === "scanning" ? (progressById.get(row.id) ?? null) : null,
    error: row.error,
    createdBy: row.createdBy,
    scannedAt: row.scannedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const dedupePrefix = (artifactId: string) => `model_scan:${artifactId}:`;

async function selectArtifacts(db: Db, where: SQL | undefined, limit?: number) {
  const q = db
    .select({ a: modelArtifacts, vendorName: vendors.name, integrationName: aiIntegrations.name })
    .from(modelArtifacts)
    .innerJoin(vendors, eq(vendors.id, modelArtifacts.vendorId))
    .leftJoin(aiIntegrations, eq(aiIntegrations.id, modelArtifacts.integrationId))
    .where(where)
    .orderBy(desc(modelArtifacts.createdAt), desc(modelArtifacts.id));
  return limit === undefined ? q : q.limit(limit);
}

async function getArtifactRow(db: Db, workspaceId: string, id: string): Promise<ArtifactRow> {
  const [row] = await db
    .select()
    .from(modelArtifacts)
    .where(and(eq(modelArtifacts.workspaceId, workspaceId), eq(modelArtifacts.id, id)));
  if (!row) throw new AppError("MODEL_NOT_FOUND", "No such model.", { details: { id } });
  return row;
}

/** One artifact with its files, integrity report, model card and the findings it raised. */
export async function getModel(db: Db, workspaceId: string, id: string): Promise<ModelArtifactDetail> {
  const [hit] = await selectArtifacts(
    db,
    and(eq(modelArtifacts.workspaceId, workspaceId), eq(modelArtifacts.id, id)),
  );
  if (!hit) throw new AppError("MODEL_NOT_FOUND", "No such model.", { details: { id } });
  const rows = await db
    .select()
    .from(findings)
    .where(
      and(
        eq(findings.workspaceId, workspaceId),
        eq(findings.source, "model_scan"),
        like(findings.dedupeKey, `${dedupePrefix(id)}%`),
      ),
    )
    .orderBy(asc(findings.status), desc(findings.updatedAt), asc(findings.id));
  return {
    ...toView(hit.a, hit.vendorName, hit.integrationName),
    files: filesOf(hit.a),
    integrity: (hit.a.integrity as IntegrityReport | null) ?? null,
    modelCard: (hit.a.modelCard as ModelCardAnalysis | null) ?? null,
    findings: rows.map((f) => {
      const evidence = f.evidence as { path?: unknown };
      return {
        id: f.id,
        rule: f.rule,
        severity: f.severity as FindingSeverity,
        title: f.title,
        detail: f.detail,
        status: f.status === "resolved" ? "resolved" : "open",
        path: typeof evidence.path === "string" ? evidence.path : null,
        createdAt: f.createdAt.toISOString(),
        updatedAt: f.updatedAt.toISOString(),
      };
    }),
  };
}

export interface ModelListQuery {
  vendorId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function encodeCursor(row: ArtifactRow): string {
  return Buffer.from(`${row.createdAt.toISOString()}|${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at = "", id = ""] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const date = new Date(at);
  if (Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new AppError("VALIDATION_FAILED", "The cursor is not one this list gave.", {
      details: { field: "cursor" },
    });
  }
  return { at: date, id };
}

/** Artifacts, newest first, optionally of one vendor; pages by cursor and gives the total. */
export async function listModels(
  db: Db,
  workspaceId: string,
  query: ModelListQuery,
): Promise<{ items: ModelArtifactView[]; total: number; nextCursor: string | null }> {
  const base = [eq(modelArtifacts.workspaceId, workspaceId)];
  if (query.vendorId) base.push(eq(modelArtifacts.vendorId, query.vendorId));
  const page = [...base];
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    const after = or(
      lt(modelArtifacts.createdAt, c.at),
      and(eq(modelArtifacts.createdAt, c.at), lt(modelArtifacts.id, c.id)),
    );
    if (after) page.push(after);
  }
  const rows = await selectArtifacts(db, and(...page), query.limit + 1);
  const [totalRow] = await db
    .select({ n: count() })
    .from(modelArtifacts)
    .where(and(...base));
  const more = rows.length > query.limit;
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items: items.map((r) => toView(r.a, r.vendorName, r.integrationName)),
    total: totalRow?.n ?? 0,
    nextCursor: more && last ? encodeCursor(last.a) : null,
  };
}

// ---------------------------------------------------------------- registration

export interface ModelRegistration {
  vendorId: string;
  integrationId?: string | undefined;
  name?: string | undefined;
}

export interface HubModelRegistration extends ModelRegistration {
  repo: string;
  /** Branch, tag or commit; resolved to the commit when the Hub tells it. Default "main". */
  revision?: string | undefined;
}

async function checkOwner(db: Db, workspaceId: string, input: ModelRegistration): Promise<void> {
  await getVendorRow(db, workspaceId, input.vendorId);
  if (input.integrationId !== undefined) {
    const integration = await getIntegration(db, workspaceId, input.integrationId);
    if (integration.vendorId !== input.vendorId) {
      throw new AppError("VALIDATION_FAILED", "The integration belongs to another vendor.", {
        details: { field: "integrationId" },
      });
    }
  }
}

async function insertArtifact(
  db: Db,
  workspaceId: string,
  values: Omit<typeof modelArtifacts.$inferInsert, "workspaceId" | "createdBy">,
  actor: Actor,
): Promise<string> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(modelArtifacts)
      .values({ ...values, workspaceId, createdBy: actor.label })
      .returning({ id: modelArtifacts.id });
    if (!row) throw new AppError("INTERNAL", "The model was not stored.");
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "model.register",
      targetType: "model_artifact",
      targetId: row.id,
      details: {
        vendorId: values.vendorId,
        integrationId: values.integrationId ?? null,
        name: values.name,
        source: values.source,
        hubRepo: values.hubRepo ?? null,
        hubRevision: values.hubRevision ?? null,
      },
    });
    return row.id;
  });
}

/**
 * Registers a model of the Hub under a vendor, pinned to the commit its revision points at now.
 * The scan itself runs later (`ModelScanQueue`); the artifact starts as pending.
 */
export async function registerHubModel(
  db: Db,
  workspaceId: string,
  input: HubModelRegistration,
  actor: Actor,
  hub: HubClient,
): Promise<ModelArtifactView> {
  const repo = validateHubRepo(input.repo.trim());
  const revision = validateHubRevision(input.revision?.trim() || "main");
  await checkOwner(db, workspaceId, input);
  const commit = await hub.resolveRevision(repo, revision);
  const id = await insertArtifact(
    db,
    workspaceId,
    {
      vendorId: input.vendorId,
      integrationId: input.integrationId ?? null,
      name: input.name?.trim() || repo,
      source: "hub",
      hubRepo: repo,
      hubRevision: commit,
      status: "pending",
    },
    actor,
  );
  return getModel(db, workspaceId, id);
}

export interface UploadedFile {
  /** Path of the file inside the model (e.g. "model.safetensors" or "onnx/model.onnx"). */
  path: string;
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;
  /** Expected SHA-256 of the content, when the uploader knows the published one. */
  sha256?: string | undefined;
}

/**
 * Registers an uploaded model under a vendor with its first file, scanned while it streams in
 * (the bytes are not kept). More files follow with `addUploadedModelFile`.
 */
export async function registerUploadedModel(
  db: Db,
  workspaceId: string,
  input: ModelRegistration,
  file: UploadedFile,
  actor: Actor,
  config: Pick<ModelStoreConfig, "uploadLimitBytes">,
): Promise<ModelArtifactDetail> {
  const path = checkUploadPath(file.path);
  await checkOwner(db, workspaceId, input);
  const id = await insertArtifact(
    db,
    workspaceId,
    {
      vendorId: input.vendorId,
      integrationId: input.integrationId ?? null,
      name: input.name?.trim() || path,
      source: "upload",
      status: "scanning",
    },
    actor,
  );
  try {
    return await scanUpload(db, workspaceId, id, { ...file, path }, actor, config);
  } catch (error) {
    // Without its first file the model is an empty shell: take it away again.
    await deleteModel(db, workspaceId, id, actor).catch(() => undefined);
    throw error;
  }
}

/** Adds (or replaces, by path) one file of an uploaded model, scanning it as it streams in. */
export async function addUploadedModelFile(
  db: Db,
  workspaceId: string,
  id: string,
  file: UploadedFile,
  actor: Actor,
  config: Pick<ModelStoreConfig, "uploadLimitBytes">,
): Promise<ModelArtifactDetail> {
  const path = checkUploadPath(file.path);
  const row = await getArtifactRow(db, workspaceId, id);
  if (row.source !== "upload") {
    throw new AppError("CONFLICT", "Files of a Hub model come from the Hub; rescan it instead.");
  }
  await db.update(modelArtifacts).set({ status: "scanning", error: null }).where(eq(modelArtifacts.id, id));
  return scanUpload(db, workspaceId, id, { ...file, path }, actor, config);
}

function checkUploadPath(raw: string): string {
  const path = raw.trim().replace(/\\/g, "/").replace(/^\.\//, "");
  if (!isSafeRepoPath(path)) {
    throw new AppError("VALIDATION_FAILED", `"${raw}" is not a relative file path.`, {
      details: { field: "path" },
    });
  }
  return path;
}

async function* iterate(
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  if (!("getReader" in body)) {
    yield* body;
    return;
  }
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

async function scanUpload(
  db: Db,
  workspaceId: string,
  id: string,
  file: UploadedFile,
  actor: Actor,
  config: Pick<ModelStoreConfig, "uploadLimitBytes">,
): Promise<ModelArtifactDetail> {
  const expected = file.sha256?.trim().toLowerCase();
  if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) {
    throw new AppError("VALIDATION_FAILED", "sha256 must be 64 hexadecimal digits.", {
      details: { field: "sha256" },
    });
  }
  const card = isModelCardPath(file.path) ? new CardCollector() : null;
  let size = 0;
  let tooLarge = false;
  async function* limited(): AsyncGenerator<Uint8Array> {
    for await (const chunk of iterate(file.body)) {
      size += chunk.length;
      if (size > config.uploadLimitBytes) {
        tooLarge = true;
        throw new AppError("PAYLOAD_TOO_LARGE", `The file is larger than ${config.uploadLimitBytes} bytes.`);
      }
      card?.push(chunk);
      yield chunk;
    }
  }
  const scan = await scanModelStream(limited(), {
    path: file.path,
    ...(expected ? { expected: { path: file.path, sha256: expected } } : {}),
  });
  if (tooLarge || scan.error !== undefined) {
    // A broken or oversized upload leaves the artifact as it was before this file.
    await db
      .update(modelArtifacts)
      .set({ status: "done" })
      .where(and(eq(modelArtifacts.id, id), eq(modelArtifacts.status, "scanning")));
    if (tooLarge) {
      throw new AppError("PAYLOAD_TOO_LARGE", `The file is larger than ${config.uploadLimitBytes} bytes.`, {
        details: { limitBytes: config.uploadLimitBytes },
      });
    }
    throw new AppError("INPUT_MALFORMED", `The upload of ${file.path} broke off: ${scan.error}`);
  }
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(modelArtifacts)
      .where(and(eq(modelArtifacts.workspaceId, workspaceId), eq(modelArtifacts.id, id)))
      .for("update");
    if (!row) throw new AppError("MODEL_NOT_FOUND", "The model was deleted during the upload.");
    const files = filesOf(row).filter((f) => f.path !== file.path);
    files.push(toFileResult(scan));
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const readme = files.some((f) => isModelCardPath(f.path));
    const modelCard = card
      ? card.analyse()
      : readme
        ? (row.modelCard as ModelCardAnalysis | null)
        : analyzeModelCard(undefined);
    const integrity = uploadIntegrity(files);
    await finishScan(
      tx,
      workspaceId,
      row,
      { files, integrity, modelCard, bytes: row.bytesScanned + size },
      actor,
      {
        action: "model.file_upload",
        path: file.path,
      },
    );
  });
  return getModel(db, workspaceId, id);
}

function uploadIntegrity(files: readonly ModelFileResult[]): IntegrityReport | null {
  const checked = files.filter((f) => f.integrity !== null);
  if (checked.length === 0) return null;
  const mismatched = checked.flatMap((f) =>
    f.integrity && !f.integrity.ok ? [{ path: f.path, ...f.integrity }] : [],
  );
  return {
    manifestKind: "sha256-list",
    checked: checked.length,
    mismatched,
    missing: [],
    unlisted: files.filter((f) => f.integrity === null).map((f) => f.path),
    ok: mismatched.length === 0,
  };
}

// ---------------------------------------------------------------- scanning

/** The README at the root of the model is its card. */
function isModelCardPath(path: string): boolean {
  return path.toLowerCase() === "readme.md";
}

/** Keeps the bytes of a model card as they stream past the scanner, up to the card reader's limit. */
class CardCollector {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private overflow = false;
  push(chunk: Uint8Array): void {
    if (this.overflow) return;
    this.size += chunk.length;
    // UTF-8 never has fewer bytes than characters: past 4× the limit the card is surely too long.
    if (this.size > MAX_MODEL_CARD_CHARS * 4) {
      this.overflow = true;
      this.chunks = [];
      return;
    }
    this.chunks.push(chunk.slice());
  }
  analyse(): ModelCardAnalysis | null {
    if (this.overflow) return null;
    const text = Buffer.concat(this.chunks).toString("utf8");
    try {
      return analyzeModelCard(text);
    } catch (error) {
      if (isAppError(error, "INPUT_TOO_LARGE")) return null;
      throw error;
    }
  }
}

function toFileResult(scan: ModelFileScan): ModelFileResult {
  return {
    path: scan.path,
    size: scan.size,
    sha256: scan.sha256 ?? null,
    format: scan.format,
    verdict: scan.verdict,
    findings: scan.findings.slice(0, MAX_FILE_FINDINGS),
    findingsOmitted: scan.findingsOmitted + Math.max(0, scan.findings.length - MAX_FILE_FINDINGS),
    integrity: scan.integrity ?? null,
    error: scan.error ?? null,
  };
}

interface ScanOutcome {
  files: ModelFileResult[];
  integrity: IntegrityReport | null;
  modelCard: ModelCardAnalysis | null;
  bytes: number;
}

/**
 * Stores a finished scan on the artifact in the caller's transaction: files, verdict, integrity
 * and card; then brings the artifact's findings in line and recomputes the vendor's tier.
 */
async function finishScan(
  tx: Db,
  workspaceId: string,
  row: ArtifactRow,
  outcome: ScanOutcome,
  actor: Actor,
  audit: { action: string; path?: string },
): Promise<void> {
  let verdict: ScanVerdict = "safe";
  for (const f of outcome.files) verdict = worseVerdict(verdict, f.verdict);
  if (outcome.integrity && outcome.integrity.missing.length > 0) verdict = worseVerdict(verdict, "dangerous");
  await tx
    .update(modelArtifacts)
    .set({
      status: "done",
      verdict,
      files: outcome.files,
      integrity: outcome.integrity,
      modelCard: outcome.modelCard,
      bytesScanned: outcome.bytes,
      error: null,
      scannedAt: new Date(),
    })
    .where(eq(modelArtifacts.id, row.id));
  const raised = await syncFindings(tx, workspaceId, { ...row, verdict }, outcome);
  const tier = await refreshVendorTier(tx, workspaceId, row.vendorId);
  await recordAudit(tx, {
    workspaceId,
    actor,
    action: audit.action,
    targetType: "model_artifact",
    targetId: row.id,
    details: {
      vendorId: row.vendorId,
      ...(audit.path ? { path: audit.path } : {}),
      verdict,
      files: outcome.files.length,
      bytes: outcome.bytes,
      openFindings: raised.open,
      resolvedFindings: raised.resolved,
      vendorTier: tier.tier,
    },
  });
}

interface FindingDraft {
  rule: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  evidence: Record<string, unknown>;
  dedupeKey: string;
}

/** What a file's findings say about where code would run: the import or the rule, for titles. */
function headline(findingsOfFile: readonly ModelFinding[], severities: readonly FindingSeverity[]): string {
  const f = findingsOfFile.find((x) => severities.includes(x.severity) && x.module !== undefined);
  if (f?.module !== undefined) return `imports ${f.module}${f.name ? `.${f.name}` : ""}`;
  const other = findingsOfFile.find((x) => severities.includes(x.severity));
  return other ? other.message : "";
}

/** The findings an artifact's scan should have open now. */
export function modelFindingDrafts(
  artifact: Pick<ArtifactRow, "id" | "name" | "hubRepo" | "hubRevision" | "source">,
  outcome: Pick<ScanOutcome, "files" | "integrity" | "modelCard">,
): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const key = (kind: string, path?: string) => `${dedupePrefix(artifact.id)}${kind}${path ? `:${path}` : ""}`;
  const base = {
    artifactId: artifact.id,
    artifactName: artifact.name,
    source: artifact.source,
    hubRepo: artifact.hubRepo,
    hubRevision: artifact.hubRevision,
  };
  for (const file of outcome.files) {
    const content = file.findings.filter((f) => f.rule !== "integrity.mismatch");
    const contentVerdict = verdictOfFindings(content);
    const evidence = {
      ...base,
      path: file.path,
      sha256: file.sha256,
      format: file.format,
      verdict: file.verdict,
      findings: content.slice(0, MAX_EVIDENCE_FINDINGS),
    };
    if (contentVerdict === "dangerous") {
      const what = headline(content, ["critical", "high"]);
      drafts.push({
        rule: "model_file_dangerous",
        severity: "critical",
        title: `Dangerous model file ${file.path} in ${artifact.name}${what ? `: ${what}` : ""}`,
        detail:
          "Loading this file can run code on the machine that loads it (unsafe deserialization) or the file is built to mislead loaders. Do not load it; take a safetensors version or another revision.",
        evidence,
        dedupeKey: key("dangerous", file.path),
      });
    } else if (contentVerdict === "suspicious") {
      const what = headline(content, ["medium", "low"]);
      drafts.push({
        rule: "model_file_suspicious",
        severity: "medium",
        title: `Suspicious model file ${file.path} in ${artifact.name}${what ? `: ${what}` : ""}`,
        detail:
          "The file uses imports or constructs outside the allowlist of plain weights; review them before loading the model.",
        evidence,
        dedupeKey: key("suspicious", file.path),
      });
    }
    if (file.verdict === "error") {
      drafts.push({
        rule: "model_file_unscanned",
        severity: "medium",
        title: `Model file ${file.path} in ${artifact.name} could not be scanned`,
        detail: `The scan did not read the whole file: ${file.error ?? "unknown error"}. Rescan before loading it.`,
        evidence,
        dedupeKey: key("unscanned", file.path),
      });
    }
    if (file.integrity && !file.integrity.ok) {
      drafts.push({
        rule: "model_integrity_mismatch",
        severity: "high",
        title: `Model file ${file.path} in ${artifact.name} does not match its published ${file.integrity.algorithm === "sha256" ? "SHA-256" : "git blob hash"}`,
        detail: `Expected ${file.integrity.expected}, computed ${file.integrity.actual ?? "nothing"}. The bytes served are not the bytes the repository lists.`,
        evidence: { ...evidence, integrity: file.integrity },
        dedupeKey: key("integrity", file.path),
      });
    }
  }
  for (const path of outcome.integrity?.missing ?? []) {
    drafts.push({
      rule: "model_integrity_mismatch",
      severity: "high",
      title: `Model file ${path} of ${artifact.name} is listed but was not scanned`,
      detail: "The repository lists the file but it was not among the files scanned.",
      evidence: { ...base, path },
      dedupeKey: key("integrity_missing", path),
    });
  }
  const card = outcome.modelCard;
  if (card?.noDocumentationRedFlag) {
    const flag = card.findings.find((f) => f.rule === "modelcard.no_documentation");
    drafts.push({
      rule: "model_card_missing",
      severity: flag?.severity ?? "high",
      title: `${flag?.title ?? "No model card or documentation"}: ${artifact.name}`,
      detail: flag?.detail ?? "The model has no card describing its training data and limitations.",
      evidence: {
        ...base,
        path: card.cardPresent ? "README.md" : null,
        cardPresent: card.cardPresent,
        missing: card.missing,
        findings: card.findings,
      },
      dedupeKey: key("model_card"),
    });
  }
  return drafts;
}

/**
 * Opens (or updates) the findings the scan gives and resolves the artifact's other open ones, so
 * a rerun updates rather than duplicates and a clean rescan closes what it no longer sees.
 */
async function syncFindings(
  tx: Db,
  workspaceId: string,
  row: ArtifactRow,
  outcome: ScanOutcome,
): Promise<{ open: number; resolved: number }> {
  const drafts = modelFindingDrafts(row, outcome);
  const now = new Date();
  for (const d of drafts) {
    await tx
      .insert(findings)
      .values({ workspaceId, vendorId: row.vendorId, source: "model_scan", status: "open", ...d })
      .onConflictDoUpdate({
        target: [findings.workspaceId, findings.dedupeKey],
        set: {
          vendorId: row.vendorId,
          severity: d.severity,
          title: d.title,
          detail: d.detail,
          evidence: d.evidence,
          status: "open",
          updatedAt: now,
        },
      });
  }
  return {
    open: drafts.length,
    resolved: await resolveFindings(
      tx,
      workspaceId,
      row.id,
      drafts.map((d) => d.dedupeKey),
    ),
  };
}

async function resolveFindings(
  tx: Db,
  workspaceId: string,
  artifactId: string,
  keep: string[],
): Promise<number> {
  const conditions = [
    eq(findings.workspaceId, workspaceId),
    eq(findings.source, "model_scan"),
    eq(findings.status, "open"),
    like(findings.dedupeKey, `${dedupePrefix(artifactId)}%`),
  ];
  if (keep.length > 0)
    conditions.push(
      sql`${findings.dedupeKey} NOT IN (${sql.join(
        keep.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    );
  const resolved = await tx
    .update(findings)
    .set({ status: "resolved", updatedAt: new Date() })
    .where(and(...conditions))
    .returning({ id: findings.id });
  return resolved.length;
}

const PROGRESS_WRITE_MS = 1000;

/**
 * Scans a Hub model: lists its files at the pinned commit, streams each through the scanner while
 * hashing it against the listing (SHA-256 for LFS files, git blob SHA-1 for the rest), analyses
 * the README as the model card, and stores the outcome with its findings and the vendor's tier.
 * A failure (Hub unreachable, repository gone) leaves the artifact failed with the reason. Only a
 * pending artifact is scanned (registered, or asked for a rescan); otherwise nothing happens.
 */
export async function scanHubModel(
  db: Db,
  workspaceId: string,
  id: string,
  hub: HubClient,
  options: { signal?: AbortSignal; actor?: Actor } = {},
): Promise<void> {
  const row = await getArtifactRow(db, workspaceId, id);
  if (row.source !== "hub" || row.hubRepo === null) {
    throw new AppError("CONFLICT", "Only a Hub model can be fetched and scanned again.");
  }
  const repo = row.hubRepo;
  const revision = row.hubRevision ?? "main";
  // Claimed in one statement: of several server processes sharing a database, one scans it.
  const claimed = await db
    .update(modelArtifacts)
    .set({ status: "scanning", error: null, bytesScanned: 0 })
    .where(and(eq(modelArtifacts.id, id), eq(modelArtifacts.status, "pending")))
    .returning({ id: modelArtifacts.id });
  if (claimed.length === 0) return;
  try {
    const listing = await hub.listFiles(repo, revision);
    const manifest = parseManifest(JSON.stringify(listing));
    const progress: ModelScanProgress = {
      bytesTotal: listing.reduce((a, f) => a + f.size, 0),
      fileCount: listing.length,
      filesDone: 0,
      currentPath: null,
    };
    progressById.set(id, progress);
    const files: ModelFileResult[] = [];
    let card: CardCollector | null = null;
    let done = 0;
    let lastWrite = Date.now();
    for (const file of listing) {
      options.signal?.throwIfAborted();
      progress.currentPath = file.path;
      const collector = isModelCardPath(file.path) ? new CardCollector() : null;
      if (collector) card = collector;
      const chunks = hub.openFile(
        repo,
        revision,
        file.path,
        options.signal ? { signal: options.signal } : {},
      );
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of chunks) {
          done += chunk.length;
          collector?.push(chunk);
          if (Date.now() - lastWrite >= PROGRESS_WRITE_MS) {
            lastWrite = Date.now();
            await db.update(modelArtifacts).set({ bytesScanned: done }).where(eq(modelArtifacts.id, id));
          }
          yield chunk;
        }
      }
      const expected: ManifestEntry | undefined = manifest.entries.get(file.path);
      const scan = await scanModelStream(counted(), {
        path: file.path,
        size: file.size,
        ...(expected ? { expected } : {}),
      });
      options.signal?.throwIfAborted();
      files.push(toFileResult(scan));
      progress.filesDone++;
      // Results so far become visible about once a second, not once per file of a large repository.
      if (Date.now() - lastWrite >= PROGRESS_WRITE_MS) {
        lastWrite = Date.now();
        await db.update(modelArtifacts).set({ bytesScanned: done, files }).where(eq(modelArtifacts.id, id));
      }
    }
    const mismatched = files.flatMap((f) =>
      f.integrity && !f.integrity.ok ? [{ path: f.path, ...f.integrity }] : [],
    );
    const integrity: IntegrityReport = {
      manifestKind: "hf-tree",
      checked: files.filter((f) => f.integrity !== null).length,
      mismatched,
      missing: [],
      unlisted: [],
      ok: mismatched.length === 0 && files.every((f) => f.error === null),
    };
    const modelCard = card ? card.analyse() : analyzeModelCard(undefined);
    await db.transaction(async (tx) => {
      const [current] = await tx.select().from(modelArtifacts).where(eq(modelArtifacts.id, id)).for("update");
      // Deleted while it was being scanned: nothing to store.
      if (!current) return;
      await finishScan(
        tx,
        workspaceId,
        current,
        { files, integrity, modelCard, bytes: done },
        options.actor ?? SYSTEM_ACTOR,
        {
          action: "model.scan",
        },
      );
    });
    inventoryChanged();
  } catch (error) {
    const message = options.signal?.aborted
      ? INTERRUPTED_MESSAGE
      : isAppError(error)
        ? error.message
        : `The scan failed: ${error instanceof Error ? error.message : String(error)}`;
    await db
      .update(modelArtifacts)
      .set({ status: "failed", error: message })
      .where(eq(modelArtifacts.id, id))
      .catch(() => undefined);
    if (!isAppError(error) && !options.signal?.aborted) throw error;
  } finally {
    progressById.delete(id);
  }
}

/** Queues a Hub model for a fresh scan; uploaded files are not kept, so they are uploaded again instead. */
export async function requestRescan(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<ModelArtifactView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(modelArtifacts)
      .where(and(eq(modelArtifacts.workspaceId, workspaceId), eq(modelArtifacts.id, id)))
      .for("update");
    if (!row) throw new AppError("MODEL_NOT_FOUND", "No such model.", { details: { id } });
    if (row.source !== "hub") {
      throw new AppError(
        "CONFLICT",
        "Uploaded files are scanned as they arrive and not kept: upload the file again to rescan it.",
      );
    }
    if (row.status === "pending" || row.status === "scanning") {
      throw new AppError("CONFLICT", "The model is already being scanned.", {
        details: { status: row.status },
      });
    }
    await tx.update(modelArtifacts).set({ status: "pending", error: null }).where(eq(modelArtifacts.id, id));
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "model.rescan",
      targetType: "model_artifact",
      targetId: id,
      details: { vendorId: row.vendorId, hubRepo: row.hubRepo, hubRevision: row.hubRevision },
    });
    const [vendor] = await tx
      .select({ name: vendors.name })
      .from(vendors)
      .where(eq(vendors.id, row.vendorId));
    return toView({ ...row, status: "pending", error: null }, vendor?.name ?? "", null);
  });
}

/** Deletes an artifact; its open findings are resolved and the vendor's tier recomputed. */
export async function deleteModel(db: Db, workspaceId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(modelArtifacts)
      .where(and(eq(modelArtifacts.workspaceId, workspaceId), eq(modelArtifacts.id, id)))
      .for("update");
    if (!row) throw new AppError("MODEL_NOT_FOUND", "No such model.", { details: { id } });
    await tx.delete(modelArtifacts).where(eq(modelArtifacts.id, id));
    const resolved = await resolveFindings(tx, workspaceId, id, []);
    const tier = await refreshVendorTier(tx, workspaceId, row.vendorId);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "model.delete",
      targetType: "model_artifact",
      targetId: id,
      details: {
        vendorId: row.vendorId,
        name: row.name,
        verdict: row.verdict,
        resolvedFindings: resolved,
        vendorTier: tier.tier,
      },
    });
  });
  inventoryChanged();
}

/**
 * At start-up: a scan left "scanning" by a stopped process is marked failed ("interrupted,
 * rescan"); pending Hub models are returned to be queued again.
 */
export async function recoverModelScans(db: Db): Promise<Array<{ workspaceId: string; id: string }>> {
  await db
    .update(modelArtifacts)
    .set({ status: "failed", error: INTERRUPTED_MESSAGE })
    .where(eq(modelArtifacts.status, "scanning"));
  return db
    .select({ workspaceId: modelArtifacts.workspaceId, id: modelArtifacts.id })
    .from(modelArtifacts)
    .where(and(eq(modelArtifacts.status, "pending"), eq(modelArtifacts.source, "hub")))
    .orderBy(asc(modelArtifacts.createdAt));
}

/** Something that records what went wrong in a background scan (the server's logger fits). */
export interface ScanLogger {
  error(details: Record<string, unknown>, message: string): void;
}

/**
 * Runs Hub scans in the background of this process, one at a time, in the order asked. Nothing
 * survives a restart: `recoverModelScans` marks what was running as interrupted.
 */
export class ModelScanQueue {
  private readonly db: Db;
  private readonly hub: HubClient;
  private readonly logger: ScanLogger | undefined;
  private readonly jobs: Array<{ workspaceId: string; id: string }> = [];
  private running: Promise<void> | null = null;
  private readonly stop = new AbortController();

  constructor(options: { db: Db; hub: HubClient; logger?: ScanLogger }) {
    this.db = options.db;
    this.hub = options.hub;
    this.logger = options.logger;
  }

  /** Adds a scan; it starts when the ones before it have finished. */
  enqueue(workspaceId: string, id: string): void {
    if (this.stop.signal.aborted) return;
    if (this.jobs.some((j) => j.id === id)) return;
    this.jobs.push({ workspaceId, id });
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
  }

  private async drain(): Promise<void> {
    for (let job = this.jobs.shift(); job !== undefined; job = this.jobs.shift()) {
      if (this.stop.signal.aborted) return;
      try {
        await scanHubModel(this.db, job.workspaceId, job.id, this.hub, { signal: this.stop.signal });
      } catch (error) {
        if (!isAppError(error, "MODEL_NOT_FOUND")) {
          this.logger?.error({ modelId: job.id, err: error }, "model scan failed");
        }
      }
    }
  }

  /** Resolves when every queued scan has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops: the running scan is abandoned (marked interrupted) and queued ones dropped. */
  async close(): Promise<void> {
    this.jobs.length = 0;
    this.stop.abort();
    await this.running?.catch(() => undefined);
  }
}
