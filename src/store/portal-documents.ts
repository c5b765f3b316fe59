/**
 * Evidence files a vendor's respondent attaches to questions through the portal link. Each file is
 * an ordinary vendor document (content-addressed, read by the reader for its type, shown on the
 * vendor's evidence tab) that also names the assessment and question it answers, and the upload
 * adds the document's id to that question's answer evidence in the same transaction.
 */

import { and, asc, eq } from "drizzle-orm";
import type { AssessmentStatus } from "../domain/assessment-workflow.ts";
import { AppError } from "../domain/errors.ts";
import type { Answer, Answers, Question } from "../domain/question-bank.ts";
import { type DocumentKind, MEDIA_TYPES } from "../evidence/sniff/index.ts";
import { resolvePortalLink, startAnswering } from "./assessments.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import { type BlobLocation, deleteBlobIfUnreferenced, sha256Hex } from "./blob-store.ts";
import type { Db } from "./database.ts";
import {
  type DocumentStoreConfig,
  type DocumentType,
  prepareDocument,
  setAnswerEvidence,
  writeDocument,
} from "./documents.ts";
import { assessments, documents } from "./schema.ts";

/**
 * What a respondent may upload, sniffed from the bytes: PDF, Word and Excel files, plain text
 * (CSV included), Markdown (model cards), PNG and JPEG. HTML is refused because a page served back
 * to the reviewer could carry script; JSON is refused because no evidence the questionnaire asks
 * for comes as JSON.
 */
export const PORTAL_DOCUMENT_KINDS = [
  "pdf",
  "docx",
  "xlsx",
  "text",
  "markdown",
  "png",
  "jpeg",
] as const satisfies readonly DocumentKind[];

/** An answer holds at most this many evidence references (the answer schema's limit). */
export const PORTAL_FILES_PER_QUESTION = 20;

/** The states in which the respondent may still attach and remove files. */
const ACCEPTING: readonly AssessmentStatus[] = ["sent", "in_progress"];

/** The limits the portal page shows before anyone picks a file. */
export type PortalDocumentKind = (typeof PORTAL_DOCUMENT_KINDS)[number];

export interface PortalDocumentLimits {
  maxBytes: number;
  kinds: PortalDocumentKind[];
  mediaTypes: string[];
  filesPerQuestion: number;
}

export function portalDocumentLimits(config: DocumentStoreConfig): PortalDocumentLimits {
  return {
    maxBytes: config.maxBytes,
    kinds: [...PORTAL_DOCUMENT_KINDS],
    mediaTypes: PORTAL_DOCUMENT_KINDS.map((k) => MEDIA_TYPES[k]),
    filesPerQuestion: PORTAL_FILES_PER_QUESTION,
  };
}

/** A file as the respondent sees it: nothing of what the readers found in it. */
export interface PortalDocumentView {
  id: string;
  questionId: string;
  type: DocumentType;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}

type DocumentRow = typeof documents.$inferSelect;
type AssessmentRow = typeof assessments.$inferSelect;

function toPortalDocument(row: DocumentRow): PortalDocumentView {
  return {
    id: row.id,
    questionId: row.questionId ?? "",
    type: row.type as DocumentType,
    fileName: row.fileName,
    mediaType: row.mediaType,
    size: row.size,
    sha256: row.sha256,
    uploadedAt: row.createdAt.toISOString(),
  };
}

// Phrases of the question bank's "evidence expected" lists, most specific first.
const EVIDENCE_TYPES: [RegExp, DocumentType][] = [
  [/\bsoc\s*2\b.*\btype\s*(?:ii|2)\b/i, "soc2_type2"],
  [/\bsoc\s*2\b.*\btype\s*(?:i|1)\b/i, "soc2_type1"],
  [/\bsoc\s*2\s+report\b/i, "soc2_type2"],
  [/\bsoc\s*3\b/i, "soc3"],
  [/\bbridge letter\b/i, "bridge_letter"],
  [/\b42001\b/, "iso42001"],
  [/\b27001\b/, "iso27001"],
  [/\bmodel cards?\b/i, "model_card"],
  [/\bpenetration test\b|\bpentest\b/i, "pentest_summary"],
  [/\bincident response plan\b/i, "incident_response_plan"],
  [/\bsubprocessor list\b/i, "subprocessor_list"],
  [/\binsurance\b/i, "insurance_certificate"],
  [/\bbaa\b|\bbusiness associate\b/i, "baa"],
  [/\bdpa\b|\bdata processing agreement\b/i, "dpa"],
  [/\bno[- ]training\b/i, "no_training_confirmation"],
  [/\bcontract\b|\bmsa\b/i, "contract"],
];

/**
 * The document type a file attached to a question most likely is, from the first of the
 * question's expected-evidence phrases that names one ("SOC 2 Type II report" → soc2_type2,
 * "Model cards" → model_card); "other" when none does.
 */
export function documentTypeForEvidence(evidenceExpected: readonly string[]): DocumentType {
  for (const phrase of evidenceExpected) {
    for (const [pattern, type] of EVIDENCE_TYPES) if (pattern.test(phrase)) return type;
  }
  return "other";
}

function refuseUnlessAccepting(status: string): void {
  if (!(ACCEPTING as readonly string[]).includes(status)) {
    throw new AppError(
      "ASSESSMENT_STATE_INVALID",
      `Files can no longer be attached or removed: the questionnaire is ${status}.`,
      { details: { status } },
    );
  }
}

async function lockAssessment(tx: Db, row: AssessmentRow): Promise<AssessmentRow> {
  const [current] = await tx
    .select()
    .from(assessments)
    .where(and(eq(assessments.workspaceId, row.workspaceId), eq(assessments.id, row.id)))
    .for("update");
  if (!current) throw new AppError("ASSESSMENT_NOT_FOUND", "No such assessment.");
  return current;
}

/** Who uploaded: the respondent named on the assessment, and the link they used. */
function respondentActor(row: AssessmentRow, linkId: string): Actor {
  const who = row.respondentName?.trim() || row.respondentEmail?.trim() || "respondent";
  return { type: "portal", id: linkId, label: `vendor portal: ${who} (link ${linkId.slice(0, 8)})` };
}

/** A portal upload checked before its body is read: the link, the state and the question. */
export interface PortalUploadTarget {
  row: AssessmentRow;
  linkId: string;
  question: Question;
}

/**
 * Checks that the link opens an assessment that still accepts answers and that `questionId` is
 * one of its questions, so a refused upload is refused before its bytes are read.
 */
export async function openPortalUpload(
  db: Db,
  token: string,
  questionId: string,
): Promise<PortalUploadTarget> {
  const { row, linkId } = await resolvePortalLink(db, token);
  refuseUnlessAccepting(row.status);
  const question = (row.questions as Question[]).find((q) => q.id === questionId);
  if (!question) {
    throw new AppError("VALIDATION_FAILED", `"${questionId}" is not a question of this questionnaire.`, {
      details: { questionId },
    });
  }
  return { row, linkId, question };
}

export interface PortalUpload {
  bytes: Uint8Array;
  fileName?: string | undefined;
  /** Defaults to the type the question's expected evidence names, else "other". */
  type?: DocumentType | undefined;
}

/**
 * Stores a file the respondent attached to a question: sniffed and size-checked (only
 * PORTAL_DOCUMENT_KINDS), read by the reader for its type like any vendor document, then written
 * with the reference added to the question's answer evidence, in one audit-logged transaction
 * that re-checks the questionnaire still accepts answers and moves a sent one to in_progress, as
 * saving an answer does. The same bytes attached again to the same question give back the
 * existing document (`created: false`).
 */
export async function addPortalDocument(
  db: Db,
  target: PortalUploadTarget,
  upload: PortalUpload,
  config: DocumentStoreConfig,
): Promise<{ document: PortalDocumentView; created: boolean }> {
  const { row, linkId, question } = target;
  const actor = respondentActor(row, linkId);
  const prepared = await prepareDocument(
    db,
    row.workspaceId,
    {
      vendorId: row.vendorId,
      type: upload.type ?? documentTypeForEvidence(question.evidenceExpected),
      bytes: upload.bytes,
      fileName: upload.fileName,
      questionId: question.id,
      assessmentId: row.id,
      uploadedVia: "portal",
    },
    { ...config, allowedKinds: PORTAL_DOCUMENT_KINDS },
  );
  const sha256 = sha256Hex(upload.bytes);
  return db.transaction(async (tx) => {
    const current = await lockAssessment(tx, row);
    refuseUnlessAccepting(current.status);
    if (current.status === "sent") await startAnswering(tx, current, actor);
    const answers = current.answers as Answers;
    const answer: Answer = answers[question.id] ?? { value: null };
    const evidence = answer.evidence ?? [];
    const [existing] = await tx
      .select()
      .from(documents)
      .where(portalDocumentsOf(current, eq(documents.questionId, question.id), eq(documents.sha256, sha256)))
      .limit(1);
    if (existing) {
      if (!evidence.includes(existing.id)) {
        await setAnswerEvidence(tx, current, question.id, [...evidence, existing.id], actor, {
          action: "assessment.evidence.attach",
          documentId: existing.id,
        });
      }
      return { document: toPortalDocument(existing), created: false };
    }
    if (evidence.length >= PORTAL_FILES_PER_QUESTION) {
      throw new AppError(
        "VALIDATION_FAILED",
        `Question ${question.id} already has ${PORTAL_FILES_PER_QUESTION} evidence references; remove one first.`,
        { details: { questionId: question.id, limit: PORTAL_FILES_PER_QUESTION } },
      );
    }
    const document = await writeDocument(tx, row.workspaceId, prepared, actor, config);
    await setAnswerEvidence(tx, current, question.id, [...evidence, document.id], actor, {
      action: "assessment.evidence.attach",
      documentId: document.id,
    });
    return {
      document: {
        id: document.id,
        questionId: question.id,
        type: document.type,
        fileName: document.fileName,
        mediaType: document.mediaType,
        size: document.size,
        sha256: document.sha256,
        uploadedAt: document.createdAt,
      },
      created: true,
    };
  });
}

function portalDocumentsOf(row: AssessmentRow, ...more: ReturnType<typeof eq>[]) {
  return and(
    eq(documents.workspaceId, row.workspaceId),
    eq(documents.assessmentId, row.id),
    eq(documents.uploadedVia, "portal"),
    ...more,
  );
}

/** The files attached through this link's assessment, oldest first; never another assessment's. */
export async function listPortalDocuments(db: Db, token: string): Promise<PortalDocumentView[]> {
  const { row } = await resolvePortalLink(db, token);
  const rows = await db
    .select()
    .from(documents)
    .where(portalDocumentsOf(row))
    .orderBy(asc(documents.createdAt), asc(documents.id));
  return rows.map(toPortalDocument);
}

/**
 * Removes a file the respondent attached, while the questionnaire still accepts answers: the
 * document row and its reference in the answer go; the bytes go only when no other document has
 * the same content. A document of another assessment, or one not uploaded through the portal, is
 * DOCUMENT_NOT_FOUND, exactly like one that does not exist.
 */
export async function deletePortalDocument(
  db: Db,
  token: string,
  documentId: string,
  location: BlobLocation = {},
): Promise<void> {
  const { row, linkId } = await resolvePortalLink(db, token);
  await db.transaction(async (tx) => {
    const current = await lockAssessment(tx, row);
    const [doc] = await tx
      .select()
      .from(documents)
      .where(portalDocumentsOf(current, eq(documents.id, documentId)))
      .for("update");
    if (!doc) throw new AppError("DOCUMENT_NOT_FOUND", "No such file on this questionnaire.");
    refuseUnlessAccepting(current.status);
    const actor = respondentActor(current, linkId);
    await tx.delete(documents).where(eq(documents.id, doc.id));
    const blobDeleted = await deleteBlobIfUnreferenced(tx, current.workspaceId, doc.sha256, location);
    await recordAudit(tx, {
      workspaceId: current.workspaceId,
      actor,
      action: "document.delete",
      targetType: "document",
      targetId: doc.id,
      details: {
        vendorId: doc.vendorId,
        assessmentId: current.id,
        type: doc.type,
        title: doc.title,
        sha256: doc.sha256,
        blobDeleted,
      },
    });
    const questionId = doc.questionId ?? "";
    const evidence = (current.answers as Answers)[questionId]?.evidence ?? [];
    if (evidence.includes(doc.id)) {
      await setAnswerEvidence(
        tx,
        current,
        questionId,
        evidence.filter((e) => e !== doc.id),
        actor,
        { action: "assessment.evidence.detach", documentId: doc.id },
      );
    }
  });
}
