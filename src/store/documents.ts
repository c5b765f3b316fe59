import { and, asc, count, desc, eq, ilike, isNotNull, lt, lte, or, type SQL } from "drizzle-orm";
import { AppError, isAppError } from "../domain/errors.ts";
import { type Answer, type Answers, normalizeAnswers } from "../domain/question-bank.ts";
import { analyzeCertificate } from "../evidence/certificate/index.ts";
import { analyzeDpa } from "../evidence/dpa/index.ts";
import { analyzeModelCard } from "../evidence/modelcard/index.ts";
import { addDays, daysBetween, type EvidenceFinding, isIsoDate, joinPages } from "../evidence/pdf/index.ts";
import {
  checkDocument,
  DEFAULT_MAX_DOCUMENT_BYTES,
  type DocumentKind,
  readDocumentText,
} from "../evidence/sniff/index.ts";
import { analyzeSoc2Text } from "../evidence/soc2/index.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import { type BlobLocation, deleteBlobIfUnreferenced, putBlob, readBlob, sha256Hex } from "./blob-store.ts";
import type { Db } from "./database.ts";
import { getVendorRow, today } from "./inventory.ts";
import { assessments, documents, vendors } from "./schema.ts";

/** The kinds of evidence a vendor document can be. */
export const DOCUMENT_TYPES = [
  "soc2_type1",
  "soc2_type2",
  "soc3",
  "bridge_letter",
  "iso27001",
  "iso42001",
  "dpa",
  "baa",
  "contract",
  "no_training_confirmation",
  "model_card",
  "pentest_summary",
  "incident_response_plan",
  "subprocessor_list",
  "insurance_certificate",
  "other",
] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const ANALYSIS_STATUSES = ["pending", "done", "failed", "not_applicable"] as const;
export type AnalysisStatus = (typeof ANALYSIS_STATUSES)[number];

/** Which reader a document type goes to; types no reader handles are `not_applicable`. */
export const DOCUMENT_READERS = {
  soc2_type1: "soc2",
  soc2_type2: "soc2",
  soc3: "soc2",
  iso27001: "certificate",
  iso42001: "certificate",
  dpa: "dpa",
  baa: "dpa",
  contract: "dpa",
  model_card: "model_card",
} as const satisfies Partial<Record<DocumentType, string>>;
export type DocumentReader = (typeof DOCUMENT_READERS)[keyof typeof DOCUMENT_READERS];

/** Days before expiry when a document counts as expiring (the certificate reminder window). */
export const EXPIRY_WARNING_DAYS = 60;

/** Settings of the document store, from the environment. */
export interface DocumentStoreConfig extends BlobLocation {
  /** Largest upload accepted, in bytes (ASSAY_DOCUMENT_LIMIT_BYTES, default 50 MB). */
  maxBytes: number;
}

/** Reads ASSAY_DOCUMENT_LIMIT_BYTES and ASSAY_BLOB_DIR. */
export function readDocumentStoreConfig(env: NodeJS.ProcessEnv = process.env): DocumentStoreConfig {
  const raw = env.ASSAY_DOCUMENT_LIMIT_BYTES?.trim();
  const limit = raw ? Number(raw) : DEFAULT_MAX_DOCUMENT_BYTES;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new AppError(
      "VALIDATION_FAILED",
      "ASSAY_DOCUMENT_LIMIT_BYTES must be a positive whole number of bytes.",
      {
        details: { value: raw },
      },
    );
  }
  const dir = env.ASSAY_BLOB_DIR?.trim();
  return { maxBytes: limit, dir: dir ? dir : undefined };
}

/** Where a document stands against its expiry date on a given day. */
export interface DocumentExpiry {
  state: "none" | "valid" | "expiring" | "expired";
  /** Days from the day asked until expiry; negative once expired, null without an expiry date. */
  daysLeft: number | null;
}

/** Decides a document's expiry state on `asOf`: expired after its date, expiring within 60 days. */
export function documentExpiry(expiresOn: string | null, asOf: string): DocumentExpiry {
  if (expiresOn === null) return { state: "none", daysLeft: null };
  const daysLeft = daysBetween(asOf, expiresOn);
  if (daysLeft < 0) return { state: "expired", daysLeft };
  return { state: daysLeft <= EXPIRY_WARNING_DAYS ? "expiring" : "valid", daysLeft };
}

/** A stored document as the API shows it. */
export interface DocumentView {
  id: string;
  vendorId: string | null;
  vendorName: string | null;
  questionId: string | null;
  type: DocumentType;
  title: string;
  fileName: string;
  sha256: string;
  size: number;
  mediaType: string;
  issuedOn: string | null;
  expiresOn: string | null;
  expiry: DocumentExpiry;
  uploadedBy: string;
  uploadedVia: string;
  analysisStatus: AnalysisStatus;
  analysisError: string | null;
  /** The reader's facts (each with page and quote where the reader gives them). */
  analysis: unknown;
  findings: EvidenceFinding[];
  createdAt: string;
  updatedAt: string;
}

type DocumentRow = typeof documents.$inferSelect;

function toDocumentView(row: DocumentRow, vendorName: string | null, asOf: string): DocumentView {
  return {
    id: row.id,
    vendorId: row.vendorId,
    vendorName,
    questionId: row.questionId,
    type: row.type as DocumentType,
    title: row.title,
    fileName: row.fileName,
    sha256: row.sha256,
    size: row.size,
    mediaType: row.mediaType,
    issuedOn: row.issuedOn,
    expiresOn: row.expiresOn,
    expiry: documentExpiry(row.expiresOn, asOf),
    uploadedBy: row.uploadedBy,
    uploadedVia: row.uploadedVia,
    analysisStatus: row.analysisStatus as AnalysisStatus,
    analysisError: row.analysisError,
    analysis: row.analysis ?? null,
    findings: row.findings as EvidenceFinding[],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

// ---------------------------------------------------------------- reading uploads

/**
 * Collects an upload stream, stopping with DOCUMENT_TOO_LARGE as soon as more than `maxBytes`
 * have arrived: an oversized body is refused while it streams, never buffered whole.
 */
export async function readUploadStream(
  stream: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const tooLarge = () =>
    new AppError("DOCUMENT_TOO_LARGE", `The file is larger than the limit of ${maxBytes} bytes.`, {
      details: { limit: maxBytes },
    });
  if ("getReader" in stream) {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxBytes) throw tooLarge();
        chunks.push(value);
      }
    } catch (error) {
      await reader.cancel().catch(() => undefined);
      throw error;
    } finally {
      reader.releaseLock();
    }
  } else {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, size);
}

// ---------------------------------------------------------------- analysis

/** What a reader made of a document: its facts and findings, or why it could not read it. */
export interface DocumentAnalysisResult {
  status: AnalysisStatus;
  analysis: unknown;
  findings: EvidenceFinding[];
  error: string | null;
  /** Dates the reader found, used when the uploader gave none. */
  issuedOn: string | null;
  expiresOn: string | null;
}

const NOTHING_TO_READ: DocumentAnalysisResult = {
  status: "not_applicable",
  analysis: null,
  findings: [],
  error: null,
  issuedOn: null,
  expiresOn: null,
};

/**
 * Runs the reader for the document's type on its bytes (SOC 2 reports, ISO certificates, DPAs,
 * contracts and BAAs, model cards) and judges ages on `asOf`. A file the reader cannot read (no
 * text layer, a broken or hostile PDF, even a reader failing unexpectedly) gives status `failed`
 * with the reason, never an error.
 */
export async function analyzeDocumentBytes(
  type: DocumentType,
  bytes: Uint8Array,
  options: { asOf: string; maxBytes?: number },
): Promise<DocumentAnalysisResult> {
  const reader: DocumentReader | undefined = (
    DOCUMENT_READERS as Partial<Record<DocumentType, DocumentReader>>
  )[type];
  if (reader === undefined) return NOTHING_TO_READ;
  try {
    const read = await readDocumentText(
      bytes,
      options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes },
    );
    const base = { status: "done" as const, error: null, issuedOn: null, expiresOn: null };
    switch (reader) {
      case "soc2": {
        const result = analyzeSoc2Text(read.text, { asOf: options.asOf });
        const { findings, ...analysis } = result;
        return { ...base, analysis, findings, issuedOn: result.report.reportDate?.value ?? null };
      }
      case "certificate": {
        const result = analyzeCertificate(read.text, { asOf: options.asOf });
        const { findings, ...analysis } = result;
        return {
          ...base,
          analysis,
          findings,
          issuedOn: validDate(result.certificate.issueDate?.value),
          expiresOn: validDate(result.certificate.validUntil?.value),
        };
      }
      case "dpa": {
        const { findings, ...analysis } = analyzeDpa(read.text, { requireBaa: type === "baa" });
        return { ...base, analysis, findings };
      }
      case "model_card": {
        // The card's YAML front matter only survives as raw text, so text files are read as they are.
        const text =
          read.kind === "markdown" || read.kind === "text"
            ? new TextDecoder("utf-8").decode(bytes).replace(/^\uFEFF/, "")
            : joinPages(read.text).text;
        const { findings, ...analysis } = analyzeModelCard(text);
        return { ...base, analysis, findings };
      }
    }
  } catch (error) {
    // A reader that breaks on a hostile file must not lose the upload: the file is kept and the
    // failure recorded. Expected refusals carry their own message; anything else is named only.
    return {
      status: "failed",
      analysis: { errorCode: isAppError(error) ? error.code : "INTERNAL" },
      findings: [],
      error: isAppError(error)
        ? error.message
        : `The ${reader} reader stopped with an unexpected error (${error instanceof Error ? error.name : "unknown"}).`,
      issuedOn: null,
      expiresOn: null,
    };
  }
}

function validDate(value: string | undefined): string | null {
  return value !== undefined && isIsoDate(value) ? value : null;
}

// ---------------------------------------------------------------- writes

export interface DocumentUpload {
  vendorId: string;
  type: DocumentType;
  bytes: Uint8Array;
  fileName?: string | undefined;
  title?: string | undefined;
  issuedOn?: string | undefined;
  expiresOn?: string | undefined;
  questionId?: string | undefined;
  /** The assessment the document was sent for (portal uploads). */
  assessmentId?: string | undefined;
  /** How it arrived: "api", "web", "cli", "portal". */
  uploadedVia: string;
}

export interface DocumentWriteOptions extends DocumentStoreConfig {
  /** The day analysis judges ages on; today by default. */
  asOf?: string;
  /** File kinds accepted (sniffed from the bytes); every kind the store reads by default. */
  allowedKinds?: readonly DocumentKind[];
}

/** An upload that passed its checks and was read, ready to be written in a transaction. */
export interface PreparedDocument {
  upload: DocumentUpload;
  mediaType: string;
  fileName: string;
  vendorName: string;
  asOf: string;
  result: DocumentAnalysisResult;
}

/**
 * Checks an upload's size and sniffs its type from the bytes (refusing what is not a document or
 * not among `allowedKinds`), then reads it with the reader for its type. Reading can take seconds,
 * so it happens here, before any transaction holds a lock.
 */
export async function prepareDocument(
  db: Db,
  workspaceId: string,
  upload: DocumentUpload,
  options: DocumentWriteOptions,
): Promise<PreparedDocument> {
  const sniffed = checkDocument(upload.bytes, {
    maxBytes: options.maxBytes,
    ...(options.allowedKinds === undefined ? {} : { allowed: options.allowedKinds }),
  });
  const vendor = await getVendorRow(db, workspaceId, upload.vendorId);
  const asOf = options.asOf ?? today();
  const result = await analyzeDocumentBytes(upload.type, upload.bytes, { asOf, maxBytes: options.maxBytes });
  return {
    upload,
    mediaType: sniffed.mediaType,
    fileName: cleanFileName(upload.fileName) ?? `${upload.type}.${sniffed.kind}`,
    vendorName: vendor.name,
    asOf,
    result,
  };
}

/**
 * Writes a prepared document inside the caller's transaction: the blob (once per content), the
 * document row and its audit entry.
 */
export async function writeDocument(
  tx: Db,
  workspaceId: string,
  prepared: PreparedDocument,
  actor: Actor,
  location: BlobLocation,
): Promise<DocumentView> {
  const { upload, result, fileName } = prepared;
  await getVendorRow(tx, workspaceId, upload.vendorId);
  const blob = await putBlob(tx, workspaceId, upload.bytes, prepared.mediaType, location);
  const [inserted] = await tx
    .insert(documents)
    .values({
      workspaceId,
      vendorId: upload.vendorId,
      questionId: upload.questionId ?? null,
      assessmentId: upload.assessmentId ?? null,
      type: upload.type,
      title: upload.title?.trim() || fileName,
      fileName,
      sha256: blob.sha256,
      size: blob.size,
      mediaType: prepared.mediaType,
      issuedOn: upload.issuedOn ?? result.issuedOn,
      expiresOn: upload.expiresOn ?? result.expiresOn,
      uploadedBy: actor.label,
      uploadedVia: upload.uploadedVia,
      analysisStatus: result.status,
      analysis: result.analysis,
      findings: result.findings,
      analysisError: result.error,
    })
    .returning();
  if (!inserted) throw new AppError("INTERNAL", "The document row was not written.");
  await recordAudit(tx, {
    workspaceId,
    actor,
    action: "document.upload",
    targetType: "document",
    targetId: inserted.id,
    details: {
      vendorId: upload.vendorId,
      type: upload.type,
      sha256: blob.sha256,
      size: blob.size,
      mediaType: prepared.mediaType,
      blobReused: !blob.created,
      analysisStatus: result.status,
      ...(upload.assessmentId === undefined ? {} : { assessmentId: upload.assessmentId }),
    },
  });
  return toDocumentView(inserted, prepared.vendorName, prepared.asOf);
}

/**
 * Stores an uploaded document: checks its size and sniffs its type from the bytes (refusing
 * what is not a document), reads it with the reader for its type, then writes the blob (once per
 * content) and the document row with an audit entry in one transaction.
 */
export async function addDocument(
  db: Db,
  workspaceId: string,
  upload: DocumentUpload,
  actor: Actor,
  options: DocumentWriteOptions,
): Promise<DocumentView> {
  const prepared = await prepareDocument(db, workspaceId, upload, options);
  return db.transaction((tx) => writeDocument(tx, workspaceId, prepared, actor, options));
}

/** A file name safe to store and to send back in Content-Disposition: no folders, no control characters. */
function cleanFileName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const base = name.split(/[\\/]/).at(-1) ?? "";
  let cleaned = "";
  for (const ch of base) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x20 && code !== 0x7f && ch !== '"') cleaned += ch;
  }
  cleaned = cleaned.trim().slice(0, 200);
  return cleaned || undefined;
}

async function getDocumentRow(db: Db, workspaceId: string, id: string) {
  const [found] = await db
    .select({ doc: documents, vendorName: vendors.name })
    .from(documents)
    .leftJoin(vendors, eq(vendors.id, documents.vendorId))
    .where(and(eq(documents.workspaceId, workspaceId), eq(documents.id, id)));
  if (!found) throw new AppError("DOCUMENT_NOT_FOUND", "No such document.", { details: { id } });
  return found;
}

/** One document with its analysis and findings. */
export async function getDocument(
  db: Db,
  workspaceId: string,
  id: string,
  asOf: string = today(),
): Promise<DocumentView> {
  const found = await getDocumentRow(db, workspaceId, id);
  return toDocumentView(found.doc, found.vendorName, asOf);
}

export interface DocumentListQuery {
  vendorId?: string | undefined;
  type?: DocumentType | undefined;
  q?: string | undefined;
  limit?: number;
  cursor?: string | undefined;
}

function encodeCursor(row: DocumentRow): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const date = new Date(createdAt);
    if (typeof id !== "string" || Number.isNaN(date.getTime())) throw new Error("bad cursor");
    return { createdAt: date, id };
  } catch {
    throw new AppError("VALIDATION_FAILED", "The cursor is not one this server gave out.");
  }
}

/** Documents of the workspace (or of one vendor), newest first, a page at a time. */
export async function listDocuments(
  db: Db,
  workspaceId: string,
  query: DocumentListQuery = {},
  asOf: string = today(),
): Promise<{ items: DocumentView[]; total: number; nextCursor: string | null }> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  const filters: (SQL | undefined)[] = [eq(documents.workspaceId, workspaceId)];
  if (query.vendorId !== undefined) {
    await getVendorRow(db, workspaceId, query.vendorId);
    filters.push(eq(documents.vendorId, query.vendorId));
  }
  if (query.type !== undefined) filters.push(eq(documents.type, query.type));
  if (query.q) {
    const like = `%${query.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    filters.push(or(ilike(documents.title, like), ilike(documents.fileName, like)));
  }
  const where = and(...filters);
  const pageFilters = [...filters];
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    pageFilters.push(
      or(
        lt(documents.createdAt, c.createdAt),
        and(eq(documents.createdAt, c.createdAt), lt(documents.id, c.id)),
      ),
    );
  }
  const rows = await db
    .select({ doc: documents, vendorName: vendors.name })
    .from(documents)
    .leftJoin(vendors, eq(vendors.id, documents.vendorId))
    .where(and(...pageFilters))
    .orderBy(desc(documents.createdAt), desc(documents.id))
    .limit(limit + 1);
  const [totalRow] = await db.select({ n: count() }).from(documents).where(where);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => toDocumentView(r.doc, r.vendorName, asOf)),
    total: totalRow?.n ?? 0,
    nextCursor: rows.length > limit && last ? encodeCursor(last.doc) : null,
  };
}

/** Documents whose expiry date falls within `days` of `asOf`, and those already expired, soonest first. */
export async function listExpiringDocuments(
  db: Db,
  workspaceId: string,
  days: number,
  asOf: string = today(),
): Promise<DocumentView[]> {
  const rows = await db
    .select({ doc: documents, vendorName: vendors.name })
    .from(documents)
    .leftJoin(vendors, eq(vendors.id, documents.vendorId))
    .where(
      and(
        eq(documents.workspaceId, workspaceId),
        isNotNull(documents.expiresOn),
        lte(documents.expiresOn, addDays(asOf, days)),
      ),
    )
    .orderBy(asc(documents.expiresOn), asc(documents.id))
    .limit(1000);
  return rows.map((r) => toDocumentView(r.doc, r.vendorName, asOf));
}

export interface DocumentPatch {
  title?: string | undefined;
  type?: DocumentType | undefined;
  issuedOn?: string | null | undefined;
  expiresOn?: string | null | undefined;
  questionId?: string | null | undefined;
}

/** Changes a document's metadata (never its bytes), audit-logged with the fields that changed. */
export async function updateDocument(
  db: Db,
  workspaceId: string,
  id: string,
  patch: DocumentPatch,
  actor: Actor,
): Promise<DocumentView> {
  const changes: Partial<typeof documents.$inferInsert> = {};
  if (patch.title !== undefined) changes.title = patch.title;
  if (patch.type !== undefined) changes.type = patch.type;
  if (patch.issuedOn !== undefined) changes.issuedOn = patch.issuedOn;
  if (patch.expiresOn !== undefined) changes.expiresOn = patch.expiresOn;
  if (patch.questionId !== undefined) changes.questionId = patch.questionId;
  await db.transaction(async (tx) => {
    const before = await getDocumentRow(tx, workspaceId, id);
    if (Object.keys(changes).length === 0) return;
    await tx
      .update(documents)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(documents.id, id));
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "document.update",
      targetType: "document",
      targetId: id,
      details: {
        changed: Object.keys(changes),
        ...(changes.type === undefined ? {} : { typeBefore: before.doc.type }),
      },
    });
  });
  return getDocument(db, workspaceId, id);
}

/** Deletes a document; its blob goes too once no other document refers to the same bytes. */
export async function deleteDocument(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
  location: BlobLocation = {},
): Promise<void> {
  await db.transaction(async (tx) => {
    const before = await getDocumentRow(tx, workspaceId, id);
    await tx.delete(documents).where(eq(documents.id, id));
    await detachFromAnswer(tx, before.doc, actor);
    const blobDeleted = await deleteBlobIfUnreferenced(tx, workspaceId, before.doc.sha256, location);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "document.delete",
      targetType: "document",
      targetId: id,
      details: {
        vendorId: before.doc.vendorId,
        type: before.doc.type,
        title: before.doc.title,
        sha256: before.doc.sha256,
        blobDeleted,
      },
    });
  });
}

/**
 * A document attached to a questionnaire answer (through the portal) leaves no dangling reference
 * behind when it is deleted: its id goes from the answer's evidence, audit-logged on the assessment.
 */
async function detachFromAnswer(tx: Db, doc: typeof documents.$inferSelect, actor: Actor): Promise<void> {
  const { assessmentId, questionId } = doc;
  if (assessmentId === null || questionId === null) return;
  const [row] = await tx
    .select({ id: assessments.id, workspaceId: assessments.workspaceId, answers: assessments.answers })
    .from(assessments)
    .where(and(eq(assessments.workspaceId, doc.workspaceId), eq(assessments.id, assessmentId)))
    .for("update");
  const evidence = (row?.answers as Answers | undefined)?.[questionId]?.evidence ?? [];
  if (row === undefined || !evidence.includes(doc.id)) return;
  await setAnswerEvidence(
    tx,
    row,
    questionId,
    evidence.filter((e) => e !== doc.id),
    actor,
    {
      action: "assessment.evidence.detach",
      documentId: doc.id,
    },
  );
}

/**
 * Replaces one answer's evidence references (the answer is created or dropped as needed), with the
 * audit entry on the assessment. The caller holds the assessment row locked.
 */
export async function setAnswerEvidence(
  tx: Db,
  row: { id: string; workspaceId: string; answers: unknown },
  questionId: string,
  evidence: string[],
  actor: Actor,
  audit: { action: string; documentId: string },
): Promise<void> {
  const answers = row.answers as Answers;
  const answer: Answer = answers[questionId] ?? { value: null };
  await tx
    .update(assessments)
    .set({
      answers: normalizeAnswers({ ...answers, [questionId]: { ...answer, evidence } }),
      updatedAt: new Date(),
    })
    .where(eq(assessments.id, row.id));
  await recordAudit(tx, {
    workspaceId: row.workspaceId,
    actor,
    action: audit.action,
    targetType: "assessment",
    targetId: row.id,
    details: { questionId, documentId: audit.documentId },
  });
}

/**
 * A document's bytes, re-hashed before they are handed out: a blob whose content no longer
 * matches its SHA-256 fails with DOCUMENT_HASH_MISMATCH and is never served.
 */
export async function readDocumentContent(
  db: Db,
  workspaceId: string,
  id: string,
  location: BlobLocation = {},
): Promise<{ document: DocumentView; bytes: Buffer }> {
  const document = await getDocument(db, workspaceId, id);
  const bytes = await readBlob(db, workspaceId, document.sha256, location);
  return { document, bytes };
}

/** Reads the document again with its type's reader (after a reader improved, or its type changed). */
export async function reanalyzeDocument(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
  options: DocumentWriteOptions,
): Promise<DocumentView> {
  const asOf = options.asOf ?? today();
  const { document, bytes } = await readDocumentContent(db, workspaceId, id, options);
  const result = await analyzeDocumentBytes(document.type, bytes, { asOf, maxBytes: options.maxBytes });
  await db.transaction(async (tx) => {
    await getDocumentRow(tx, workspaceId, id);
    await tx
      .update(documents)
      .set({
        analysisStatus: result.status,
        analysis: result.analysis,
        findings: result.findings,
        analysisError: result.error,
        issuedOn: document.issuedOn ?? result.issuedOn,
        expiresOn: document.expiresOn ?? result.expiresOn,
        updatedAt: new Date(),
      })
      .where(eq(documents.id, id));
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "document.analyze",
      targetType: "document",
      targetId: id,
      details: { type: document.type, analysisStatus: result.status, findings: result.findings.length },
    });
  });
  return getDocument(db, workspaceId, id, asOf);
}

/**
 * Finds a vendor by id or by exact name (case-insensitive), for the CLI. Several vendors of the
 * same name are refused rather than guessed between.
 */
export async function resolveVendorRef(
  db: Db,
  workspaceId: string,
  ref: string,
): Promise<{ id: string; name: string }> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(ref);
  const rows = await db
    .select({ id: vendors.id, name: vendors.name })
    .from(vendors)
    .where(
      and(
        eq(vendors.workspaceId, workspaceId),
        isUuid
          ? eq(vendors.id, ref)
          : ilike(
              vendors.name,
              ref.replace(/[\\%_]/g, (m) => `\\${m}`),
            ),
      ),
    )
    .limit(2);
  const [first] = rows;
  if (!first) throw new AppError("VENDOR_NOT_FOUND", `No vendor "${ref}".`, { details: { ref } });
  if (rows.length > 1)
    throw new AppError("CONFLICT", `Several vendors are named "${ref}"; give the vendor's id.`, {
      details: { ref },
    });
  return first;
}

export { sha256Hex };
