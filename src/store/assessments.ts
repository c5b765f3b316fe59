/**
 * Assessments in the store: creating one from the vendor's tier and the question bank, sending it
 * with a portal link, the respondent's answers, analysis snapshots, the decision with its
 * remediation items, custom questions, and the spreadsheet round-trip. Every state change goes
 * through the domain's `transitionAssessment` and is audit-logged in the same transaction.
 */

import { and, asc, count, desc, eq, isNull, type SQL } from "drizzle-orm";
import ExcelJS from "exceljs";
import { analyzeAnswers } from "../domain/answer-analysis.ts";
import {
  ASSESSMENT_DECISIONS,
  type AssessmentDecision,
  type AssessmentEvent,
  type AssessmentState,
  type AssessmentStatus,
  allowedAssessmentEvents,
  createAssessment as createAssessmentState,
  isAssessmentOverdue,
  transitionAssessment,
} from "../domain/assessment-workflow.ts";
import { addCalendarDays, type CalendarDate, isCalendarDate } from "../domain/business-days.ts";
import { AppError } from "../domain/errors.ts";
import { type Finding, sortFindings } from "../domain/findings.ts";
import type { VendorStatus } from "../domain/inventory.ts";
import {
  type Answer,
  type Answers,
  AnswersSchema,
  allowedValues,
  CustomQuestionSchema,
  isBlankAnswer,
  normalizeAnswers,
  parseQuestionBank,
  type Question,
  type QuestionBank,
  selectQuestions,
  validateAnswers,
} from "../domain/question-bank.ts";
import {
  parseRemediationTemplates,
  planRemediation,
  type RemediationItem,
  type RemediationStatus,
  type RemediationUpdate,
  updateRemediationItem,
} from "../domain/remediation.ts";
import { type AssessmentScore, parseScoringWeights, scoreAssessment } from "../domain/scoring.ts";
import type { Tier } from "../domain/tiering.ts";
import { evidenceFindingsFor } from "./assessment-evidence.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import { catalogEntriesOf } from "./catalog.ts";
import { hashSecret, newSecret } from "./credentials.ts";
import type { Db } from "./database.ts";
import { getVendorRow, setVendorStatus, today, vendorTier } from "./inventory.ts";
import {
  assessmentAnalyses,
  assessments,
  customQuestions,
  portalLinks,
  remediationItems,
  vendors,
} from "./schema.ts";
import { acceptedSuggestionFindings } from "./suggestions.ts";

type AssessmentRow = typeof assessments.$inferSelect;
type RemediationRow = typeof remediationItems.$inferSelect;

export const PORTAL_TOKEN_PREFIX = "assay_portal_";

/** Settings of sending: the holidays the business-day count skips and the link's grace period. */
export interface SendSettings {
  holidays: CalendarDate[];
  graceDays: number;
}

/** Reads ASSAY_HOLIDAYS (YYYY-MM-DD,…) and ASSAY_PORTAL_GRACE_DAYS (default 14). */
export function readSendSettings(env: NodeJS.ProcessEnv = process.env): SendSettings {
  const holidays = (env.ASSAY_HOLIDAYS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const h of holidays) {
    if (!isCalendarDate(h)) {
      throw new AppError("VALIDATION_FAILED", `ASSAY_HOLIDAYS holds "${h}", which is not a date YYYY-MM-DD.`);
    }
  }
  const rawGrace = env.ASSAY_PORTAL_GRACE_DAYS?.trim();
  const graceDays = rawGrace ? Number(rawGrace) : 14;
  if (!Number.isInteger(graceDays) || graceDays < 0 || graceDays > 365) {
    throw new AppError("VALIDATION_FAILED", "ASSAY_PORTAL_GRACE_DAYS must be a whole number from 0 to 365.");
  }
  return { holidays, graceDays };
}

// ---------------------------------------------------------------- views

export interface AssessmentSummary {
  id: string;
  vendorId: string;
  vendorName: string;
  tier: Tier;
  bankId: string;
  bankVersion: number;
  status: AssessmentStatus;
  decision: AssessmentDecision | null;
  conditions: string[];
  rationale: string | null;
  sentOn: string | null;
  dueDate: string | null;
  submittedOn: string | null;
  decidedOn: string | null;
  nextReviewDue: string | null;
  returnedCount: number;
  /** The vendor still owes answers and the due date has passed. */
  overdue: boolean;
  questionCount: number;
  answeredCount: number;
  allowedEvents: string[];
  createdAt: string;
  updatedAt: string;
}

export type AssessmentDetail = AssessmentSummary & {
  questions: Question[];
  answers: Answers;
  /** Who answers for the vendor; reminders are e-mailed to this address. */
  respondentEmail: string | null;
  respondentName: string | null;
  portalLink: { expiresAt: string; lastUsedAt: string | null; createdAt: string } | null;
};

function stateOf(row: AssessmentRow): AssessmentState {
  return {
    status: row.status as AssessmentStatus,
    tier: row.tier as Tier,
    bankId: row.bankId,
    bankVersion: row.bankVersion,
    sentOn: row.sentOn,
    dueDate: row.dueDate,
    submittedOn: row.submittedOn,
    decidedOn: row.decidedOn,
    decision: row.decision as AssessmentDecision | null,
    conditions: row.conditions as string[],
    rationale: row.rationale,
    nextReviewDue: row.nextReviewDue,
    returnedCount: row.returnedCount,
    lastEventOn: row.lastEventOn,
  };
}

function columnsOf(state: AssessmentState) {
  return {
    status: state.status,
    decision: state.decision,
    conditions: state.conditions,
    rationale: state.rationale,
    sentOn: state.sentOn,
    dueDate: state.dueDate,
    submittedOn: state.submittedOn,
    decidedOn: state.decidedOn,
    nextReviewDue: state.nextReviewDue,
    returnedCount: state.returnedCount,
    lastEventOn: state.lastEventOn,
    updatedAt: new Date(),
  };
}

const questionsOf = (row: AssessmentRow) => row.questions as Question[];
const answersOf = (row: AssessmentRow) => row.answers as Answers;

function toSummary(row: AssessmentRow, vendorName: string): AssessmentSummary {
  const questions = questionsOf(row);
  const answers = answersOf(row);
  return {
    id: row.id,
    vendorId: row.vendorId,
    vendorName,
    ...stateOf(row),
    conditions: row.conditions as string[],
    overdue: isAssessmentOverdue(stateOf(row), today()),
    questionCount: questions.length,
    answeredCount: questions.filter((q) => !isBlankAnswer(answers[q.id])).length,
    allowedEvents: allowedAssessmentEvents(row.status as AssessmentStatus),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** One assessment row; `lock` (inside a transaction) holds it against concurrent writers until commit. */
async function getRow(db: Db, workspaceId: string, id: string, lock = false): Promise<AssessmentRow> {
  const query = db
    .select()
    .from(assessments)
    .where(and(eq(assessments.workspaceId, workspaceId), eq(assessments.id, id)));
  const [row] = lock ? await query.for("update") : await query;
  if (!row) throw new AppError("ASSESSMENT_NOT_FOUND", "No such assessment.", { details: { id } });
  return row;
}

async function vendorNameOf(db: Db, vendorId: string): Promise<string> {
  const [v] = await db.select({ name: vendors.name }).from(vendors).where(eq(vendors.id, vendorId));
  return v?.name ?? "";
}

/** One assessment with its questions, answers and the state of its current portal link. */
export async function getAssessment(db: Db, workspaceId: string, id: string): Promise<AssessmentDetail> {
  const row = await getRow(db, workspaceId, id);
  const [link] = await db
    .select()
    .from(portalLinks)
    .where(and(eq(portalLinks.assessmentId, id), isNull(portalLinks.revokedAt)))
    .orderBy(desc(portalLinks.createdAt))
    .limit(1);
  return {
    ...toSummary(row, await vendorNameOf(db, row.vendorId)),
    questions: questionsOf(row),
    answers: answersOf(row),
    respondentEmail: row.respondentEmail,
    respondentName: row.respondentName,
    portalLink: link
      ? {
          expiresAt: link.expiresAt.toISOString(),
          lastUsedAt: link.lastUsedAt?.toISOString() ?? null,
          createdAt: link.createdAt.toISOString(),
        }
      : null,
  };
}

export interface AssessmentListQuery {
  vendorId?: string | undefined;
  status?: AssessmentStatus | undefined;
  limit: number;
  offset: number;
}

/** Assessments newest first, filtered by vendor and status, with the total. */
export async function listAssessments(db: Db, workspaceId: string, query: AssessmentListQuery) {
  const conditions: SQL[] = [eq(assessments.workspaceId, workspaceId)];
  if (query.vendorId) conditions.push(eq(assessments.vendorId, query.vendorId));
  if (query.status) conditions.push(eq(assessments.status, query.status));
  const where = and(...conditions);
  const rows = await db
    .select({ a: assessments, vendorName: vendors.name })
    .from(assessments)
    .innerJoin(vendors, eq(vendors.id, assessments.vendorId))
    .where(where)
    .orderBy(desc(assessments.createdAt), asc(assessments.id))
    .limit(query.limit)
    .offset(query.offset);
  const [total] = await db.select({ n: count() }).from(assessments).where(where);
  return { items: rows.map((r) => toSummary(r.a, r.vendorName)), total: total?.n ?? 0 };
}

// ---------------------------------------------------------------- catalogue data

/** The newest active version of a catalogue kind whose data has a numeric `version`. */
async function newestCatalogData(db: Db, kind: string): Promise<unknown> {
  const rows = await catalogEntriesOf(db, kind);
  const sorted = rows
    .map((r) => r.data as { version?: unknown })
    .sort((a, b) => Number(b.version ?? 0) - Number(a.version ?? 0));
  const newest = sorted[0];
  if (newest === undefined) {
    throw new AppError("CATALOG_ENTRY_NOT_FOUND", `The catalogue holds no ${kind} entry.`, {
      details: { kind },
    });
  }
  return newest;
}

async function questionBank(db: Db): Promise<QuestionBank> {
  return parseQuestionBank(await newestCatalogData(db, "questions"));
}

// ---------------------------------------------------------------- writes

function audit(tx: Db, workspaceId: string, actor: Actor, action: string, id: string, details = {}) {
  return recordAudit(tx, { workspaceId, actor, action, targetType: "assessment", targetId: id, details });
}

/** Applies one workflow event to a row inside a transaction and records the transition. */
async function applyEvent(
  tx: Db,
  row: AssessmentRow,
  event: AssessmentEvent,
  actor: Actor,
): Promise<AssessmentState> {
  const { state, transition } = transitionAssessment(stateOf(row), event);
  await tx.update(assessments).set(columnsOf(state)).where(eq(assessments.id, row.id));
  await audit(tx, row.workspaceId, actor, `assessment.${transition.event}`, row.id, {
    from: transition.from,
    to: transition.to,
    on: transition.on,
    ...transition.details,
  });
  return state;
}

/**
 * The first answer or file a respondent gives starts a sent questionnaire: the workflow's `start`
 * event (sent → in_progress), recorded as `assessment.start` with its from, to and date.
 */
export async function startAnswering(tx: Db, row: AssessmentRow, actor: Actor): Promise<void> {
  await applyEvent(tx, row, { type: "start", on: today() }, actor);
}

/**
 * A new draft assessment for a vendor: the questions of the vendor's current tier from the newest
 * question bank plus the workspace's custom questions of that tier, frozen into the assessment.
 */
export async function createAssessment(
  db: Db,
  workspaceId: string,
  input: { vendorId: string },
  actor: Actor,
): Promise<AssessmentDetail> {
  const id = await db.transaction(async (tx) => {
    await getVendorRow(tx, workspaceId, input.vendorId);
    const { tier } = await vendorTier(tx, workspaceId, input.vendorId);
    const bank = await questionBank(tx);
    const custom = await tx
      .select()
      .from(customQuestions)
      .where(eq(customQuestions.workspaceId, workspaceId))
      .orderBy(asc(customQuestions.createdAt), asc(customQuestions.questionId));
    const questions = selectQuestions(
      bank,
      tier,
      custom.map((c) => c.data),
    );
    const state = createAssessmentState({ tier, bankId: bank.id, bankVersion: bank.version });
    const [row] = await tx
      .insert(assessments)
      .values({
        workspaceId,
        vendorId: input.vendorId,
        tier,
        bankId: bank.id,
        bankVersion: bank.version,
        questions,
        answers: {},
        ...columnsOf(state),
      })
      .returning({ id: assessments.id });
    if (!row) throw new AppError("INTERNAL", "The assessment was not stored.");
    await audit(tx, workspaceId, actor, "assessment.create", row.id, {
      vendorId: input.vendorId,
      tier,
      bankId: bank.id,
      bankVersion: bank.version,
      questionCount: questions.length,
    });
    return row.id;
  });
  return getAssessment(db, workspaceId, id);
}

function expiryOf(dueDate: CalendarDate, graceDays: number): Date {
  return new Date(`${addCalendarDays(dueDate, graceDays)}T23:59:59.999Z`);
}

async function issueLink(tx: Db, row: AssessmentRow, dueDate: CalendarDate, graceDays: number) {
  await tx
    .update(portalLinks)
    .set({ revokedAt: new Date() })
    .where(and(eq(portalLinks.assessmentId, row.id), isNull(portalLinks.revokedAt)));
  const token = newSecret(PORTAL_TOKEN_PREFIX);
  const expiresAt = expiryOf(dueDate, graceDays);
  await tx.insert(portalLinks).values({
    workspaceId: row.workspaceId,
    assessmentId: row.id,
    tokenHash: hashSecret(token),
    expiresAt,
  });
  return { token, expiresAt: expiresAt.toISOString() };
}

/** The vendor's respondent named when sending; reminders are e-mailed to `email`. */
export interface Respondent {
  email?: string | undefined;
  name?: string | undefined;
}

/**
 * Sends a draft: fixes the due date (14 business days, holidays skipped), moves the vendor into
 * review, records the respondent if one is named, and issues the portal link. The token is
 * returned once and only its hash is kept.
 */
export async function sendAssessment(
  db: Db,
  workspaceId: string,
  id: string,
  settings: SendSettings,
  actor: Actor,
  respondent: Respondent = {},
): Promise<{ token: string; dueDate: CalendarDate; expiresAt: string }> {
  return db.transaction(async (tx) => {
    const row = await getRow(tx, workspaceId, id);
    if (respondent.email !== undefined || respondent.name !== undefined) {
      await tx
        .update(assessments)
        .set({ respondentEmail: respondent.email ?? null, respondentName: respondent.name ?? null })
        .where(eq(assessments.id, row.id));
    }
    const state = await applyEvent(
      tx,
      row,
      { type: "send", on: today(), holidays: settings.holidays },
      actor,
    );
    const vendor = await getVendorRow(tx, workspaceId, row.vendorId);
    if (vendor.status !== "in_review") {
      await setVendorStatus(
        tx,
        workspaceId,
        row.vendorId,
        { status: "in_review", note: "questionnaire sent" },
        actor,
      );
    }
    const dueDate = state.dueDate ?? today();
    const link = await issueLink(tx, row, dueDate, settings.graceDays);
    await audit(tx, workspaceId, actor, "assessment.portal_link.issue", id, {
      expiresAt: link.expiresAt,
      ...(respondent.email ? { respondentEmail: respondent.email } : {}),
    });
    return { token: link.token, dueDate, expiresAt: link.expiresAt };
  });
}

const LINKABLE: readonly AssessmentStatus[] = ["sent", "in_progress"];

/** A new portal link for a sent assessment; every earlier link of it is revoked. */
export async function reissuePortalLink(
  db: Db,
  workspaceId: string,
  id: string,
  settings: SendSettings,
  actor: Actor,
): Promise<{ token: string; dueDate: CalendarDate; expiresAt: string }> {
  return db.transaction(async (tx) => {
    const row = await getRow(tx, workspaceId, id);
    if (!LINKABLE.includes(row.status as AssessmentStatus) || row.dueDate === null) {
      throw new AppError(
        "ASSESSMENT_STATE_INVALID",
        `A portal link is issued only while the vendor answers; this assessment is ${row.status}.`,
        { details: { status: row.status } },
      );
    }
    const link = await issueLink(tx, row, row.dueDate, settings.graceDays);
    await audit(tx, workspaceId, actor, "assessment.portal_link.issue", id, { expiresAt: link.expiresAt });
    return { token: link.token, dueDate: row.dueDate, expiresAt: link.expiresAt };
  });
}

/** Revokes every live portal link of an assessment; returns how many were live. */
export async function revokePortalLinks(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<{ revoked: number }> {
  return db.transaction(async (tx) => {
    await getRow(tx, workspaceId, id);
    const revoked = await tx
      .update(portalLinks)
      .set({ revokedAt: new Date() })
      .where(and(eq(portalLinks.assessmentId, id), isNull(portalLinks.revokedAt)))
      .returning({ id: portalLinks.id });
    await audit(tx, workspaceId, actor, "assessment.portal_link.revoke", id, { revoked: revoked.length });
    return { revoked: revoked.length };
  });
}

/**
 * Sends a questionnaire under review back to the vendor for clarification (in_progress again),
 * optionally with a new due date; the live portal link then lasts until that date plus the grace.
 */
export async function returnToVendor(
  db: Db,
  workspaceId: string,
  id: string,
  input: { reason: string; dueDate?: CalendarDate | undefined },
  settings: SendSettings,
  actor: Actor,
): Promise<AssessmentDetail> {
  await db.transaction(async (tx) => {
    const row = await getRow(tx, workspaceId, id, true);
    const state = await applyEvent(
      tx,
      row,
      { type: "return_to_vendor", on: today(), reason: input.reason, dueDate: input.dueDate },
      actor,
    );
    if (state.dueDate !== null) {
      await tx
        .update(portalLinks)
        .set({ expiresAt: expiryOf(state.dueDate, settings.graceDays) })
        .where(and(eq(portalLinks.assessmentId, id), isNull(portalLinks.revokedAt)));
    }
  });
  return getAssessment(db, workspaceId, id);
}

// ---------------------------------------------------------------- the portal

/** What the respondent sees: this one questionnaire, nothing of the workspace. */
export interface PortalQuestionnaire {
  vendorName: string;
  status: AssessmentStatus;
  dueDate: string | null;
  submittedOn: string | null;
  questions: PortalQuestion[];
  answers: Answers;
}

/**
 * A question as the respondent sees it: what to answer and how, without the reviewer's side
 * (scoring dimension, red-flag rules, answer checks, word thresholds, framework references).
 */
export interface PortalQuestion {
  id: string;
  section: string;
  text: string;
  help: string | null;
  answerType: Question["answerType"];
  options: { value: string; label: string }[] | null;
  allowedValues: string[] | null;
  unit: string | null;
  evidenceExpected: string[];
  required: boolean;
  commentRequiredFor: string[];
}

function toPortalQuestion(q: Question): PortalQuestion {
  return {
    id: q.id,
    section: q.section,
    text: q.text,
    help: q.help ?? null,
    answerType: q.answerType,
    options: q.options ?? null,
    allowedValues: allowedValues(q) ?? null,
    unit: q.unit ?? null,
    evidenceExpected: q.evidenceExpected,
    required: q.required,
    commentRequiredFor: q.commentRequiredFor,
  };
}

/**
 * Finds the assessment a portal token opens, or throws: PORTAL_LINK_INVALID for an unknown token,
 * PORTAL_LINK_REVOKED and PORTAL_LINK_EXPIRED for dead ones. Marks the link as used.
 */
async function resolvePortal(
  db: Db,
  token: string,
): Promise<{ row: AssessmentRow; linkId: string; actor: Actor }> {
  const [link] = token.startsWith(PORTAL_TOKEN_PREFIX)
    ? await db
        .select()
        .from(portalLinks)
        .where(eq(portalLinks.tokenHash, hashSecret(token)))
    : [];
  if (!link) throw new AppError("PORTAL_LINK_INVALID", "This questionnaire link is not valid.");
  if (link.revokedAt !== null) {
    throw new AppError("PORTAL_LINK_REVOKED", "This questionnaire link was withdrawn; ask for a new one.");
  }
  if (link.expiresAt.getTime() <= Date.now()) {
    throw new AppError("PORTAL_LINK_EXPIRED", "This questionnaire link has expired; ask for a new one.");
  }
  await db.update(portalLinks).set({ lastUsedAt: new Date() }).where(eq(portalLinks.id, link.id));
  const row = await getRow(db, link.workspaceId, link.assessmentId);
  return { row, linkId: link.id, actor: { type: "portal", id: link.id, label: "vendor portal" } };
}

/** The questionnaire behind a portal token. */
export async function portalQuestionnaire(db: Db, token: string): Promise<PortalQuestionnaire> {
  const { row } = await resolvePortal(db, token);
  return {
    vendorName: await vendorNameOf(db, row.vendorId),
    status: row.status as AssessmentStatus,
    dueDate: row.dueDate,
    submittedOn: row.submittedOn,
    questions: questionsOf(row).map(toPortalQuestion),
    answers: answersOf(row),
  };
}

const ANSWERING: readonly AssessmentStatus[] = ["draft", "sent", "in_progress"];

function invalidAnswers(issues: { questionId: string; message: string }[]): AppError {
  const first = issues[0];
  return new AppError(
    "VALIDATION_FAILED",
    `Answer ${first?.questionId ?? ""} is not valid: ${first?.message ?? ""}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ""}.`,
    { details: { issues } },
  );
}

/**
 * Stores answers merged over the saved ones (each given question's answer is replaced; a `null`
 * value with nothing else clears it). Validated against the assessment's own questions; the
 * first save of a sent questionnaire moves it to in_progress.
 */
async function saveAnswers(
  tx: Db,
  row: AssessmentRow,
  incoming: Answers,
  actor: Actor,
  action: string,
  replace: boolean,
): Promise<Answers> {
  if (!ANSWERING.includes(row.status as AssessmentStatus)) {
    throw new AppError(
      "ASSESSMENT_STATE_INVALID",
      `Answers can no longer change: the questionnaire is ${row.status}.`,
      { details: { status: row.status } },
    );
  }
  const parsed = AnswersSchema.safeParse(incoming);
  if (!parsed.success) {
    throw invalidAnswers(
      parsed.error.issues.map((i) => ({ questionId: String(i.path[0] ?? ""), message: i.message })),
    );
  }
  const merged = normalizeAnswers(replace ? parsed.data : { ...answersOf(row), ...parsed.data });
  const issues = validateAnswers(questionsOf(row), merged);
  if (issues.length > 0) throw invalidAnswers(issues);
  if (row.status === "sent") await startAnswering(tx, row, actor);
  await tx
    .update(assessments)
    .set({ answers: merged, updatedAt: new Date() })
    .where(eq(assessments.id, row.id));
  await audit(tx, row.workspaceId, actor, action, row.id, { questionIds: Object.keys(parsed.data).sort() });
  return merged;
}

/** Saves draft answers through the portal. */
export async function savePortalAnswers(
  db: Db,
  token: string,
  answers: Answers,
): Promise<PortalQuestionnaire> {
  const { row, actor } = await resolvePortal(db, token);
  await db.transaction(async (tx) => {
    const current = await getRow(tx, row.workspaceId, row.id, true);
    await saveAnswers(tx, current, answers, actor, "assessment.answers.save", false);
  });
  return portalQuestionnaire(db, token);
}

async function snapshotAnalysis(tx: Db, row: AssessmentRow, answers: Answers, reason: string) {
  const analysis = await analyze(tx, row, answers);
  await tx.insert(assessmentAnalyses).values({
    workspaceId: row.workspaceId,
    assessmentId: row.id,
    vendorId: row.vendorId,
    reason,
    findings: analysis.findings,
    scores: analysis.scores,
    overallScore: analysis.scores.overall.score,
  });
  return analysis;
}

/** Submits through the portal: submitted, then straight into review; the analysis is kept as a snapshot. */
export async function submitPortalAnswers(db: Db, token: string): Promise<PortalQuestionnaire> {
  const { row, actor } = await resolvePortal(db, token);
  await db.transaction(async (tx) => {
    const on = today();
    const current = await getRow(tx, row.workspaceId, row.id, true);
    await applyEvent(tx, current, { type: "submit", on }, actor);
    const submitted = await getRow(tx, row.workspaceId, row.id);
    await applyEvent(tx, submitted, { type: "begin_review", on }, actor);
    await snapshotAnalysis(tx, current, answersOf(current), "submit");
  });
  return portalQuestionnaire(db, token);
}

/**
 * The assessment a portal token opens, for portal features kept in their own modules (evidence
 * uploads): the same checks and errors as every portal route, and the link marked as used.
 */
export async function resolvePortalLink(
  db: Db,
  token: string,
): Promise<{ row: AssessmentRow; linkId: string; actor: Actor }> {
  return resolvePortal(db, token);
}

// ---------------------------------------------------------------- analysis

export interface AssessmentAnalysis {
  findings: Finding[];
  scores: AssessmentScore;
}

/**
 * The answers' own findings, then what evidence on file says against them (documents, model scans,
 * usage) and the assistant's suggestions a reviewer accepted; all of them count in the scores.
 */
async function analyze(db: Db, row: AssessmentRow, answers: Answers): Promise<AssessmentAnalysis> {
  const questions = questionsOf(row);
  const weights = parseScoringWeights(await newestCatalogData(db, "scoring"));
  const context = { workspaceId: row.workspaceId, assessmentId: row.id, vendorId: row.vendorId };
  const findings = sortFindings(
    dedupeFindings([
      ...analyzeAnswers({ questions, answers }),
      ...(await evidenceFindingsFor(db, { ...context, questions, answers })),
      ...(await acceptedSuggestionFindings(db, { ...context, questions, answers })),
    ]),
  );
  return { findings, scores: scoreAssessment({ questions, answers, findings, weights }) };
}

/** The first finding of each id wins: an answer finding is not repeated by a suggestion of it. */
function dedupeFindings(findings: Finding[]): Finding[] {
  const first = new Map<string, Finding>();
  for (const f of findings) if (!first.has(f.id)) first.set(f.id, f);
  return [...first.values()];
}

/** Findings and scores of the assessment's answers as they stand now. */
export async function analyzeAssessment(
  db: Db,
  workspaceId: string,
  id: string,
): Promise<AssessmentAnalysis> {
  const row = await getRow(db, workspaceId, id);
  return analyze(db, row, answersOf(row));
}

export interface AssessmentHistoryEntry {
  assessmentId: string;
  reason: string;
  at: string;
  status: AssessmentStatus;
  decision: AssessmentDecision | null;
  overall: number;
  dimensions: Record<string, number>;
  findingCount: number;
}

/** The vendor's stored analysis snapshots, oldest first: the score trend across reassessments. */
export async function assessmentHistory(
  db: Db,
  workspaceId: string,
  vendorId: string,
): Promise<AssessmentHistoryEntry[]> {
  await getVendorRow(db, workspaceId, vendorId);
  const rows = await db
    .select({ s: assessmentAnalyses, status: assessments.status, decision: assessments.decision })
    .from(assessmentAnalyses)
    .innerJoin(assessments, eq(assessments.id, assessmentAnalyses.assessmentId))
    .where(and(eq(assessmentAnalyses.workspaceId, workspaceId), eq(assessmentAnalyses.vendorId, vendorId)))
    .orderBy(asc(assessmentAnalyses.createdAt), asc(assessmentAnalyses.id));
  return rows.map(({ s, status, decision }) => {
    const scores = s.scores as AssessmentScore;
    return {
      assessmentId: s.assessmentId,
      reason: s.reason,
      at: s.createdAt.toISOString(),
      status: status as AssessmentStatus,
      decision: decision as AssessmentDecision | null,
      overall: scores.overall.score,
      dimensions: Object.fromEntries(scores.dimensions.map((d) => [d.dimension, d.score])),
      findingCount: (s.findings as Finding[]).length,
    };
  });
}

// ---------------------------------------------------------------- decision and remediation

export interface RemediationView extends Omit<RemediationItem, "id"> {
  id: string;
  assessmentId: string;
  vendorId: string;
  rules: string[];
  createdAt: string;
  updatedAt: string;
}

function toRemediation(row: RemediationRow): RemediationView {
  return {
    id: row.id,
    assessmentId: row.assessmentId,
    vendorId: row.vendorId,
    templateId: row.templateId,
    rules: row.rules,
    title: row.title,
    action: row.action,
    responsibleParty: row.responsibleParty as RemediationItem["responsibleParty"],
    owner: row.owner,
    dueDate: row.dueDate,
    status: row.status as RemediationStatus,
    blocking: row.blocking,
    severity: row.severity as RemediationItem["severity"],
    closingEvidence: row.closingEvidence as string[],
    findingIds: row.findingIds as string[],
    questionIds: row.questionIds as string[],
    evidenceRefs: row.evidenceRefs as string[],
    note: row.note,
    closedOn: row.closedOn,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export interface DecisionInput {
  decision: AssessmentDecision;
  note: string;
  remediationOwner?: string | undefined;
  /** Conditions beyond the planned remediation items. */
  conditions?: string[] | undefined;
}

/**
 * Decides an assessment under review: plans remediation items from the findings (templates),
 * lists them as the conditions of an approval with conditions, moves the vendor to the decision's
 * status (which schedules its next review by tier cadence) and keeps an analysis snapshot.
 * A rejected vendor gets no remediation plan.
 */
export async function decideAssessment(
  db: Db,
  workspaceId: string,
  id: string,
  input: DecisionInput,
  actor: Actor,
): Promise<{ assessment: AssessmentDetail; remediation: RemediationView[] }> {
  if (!ASSESSMENT_DECISIONS.includes(input.decision)) {
    throw new AppError("VALIDATION_FAILED", `Unknown decision ${String(input.decision)}.`);
  }
  await db.transaction(async (tx) => {
    const row = await getRow(tx, workspaceId, id, true);
    if (row.status !== "under_review") {
      throw new AppError(
        "ASSESSMENT_STATE_INVALID",
        `Only an assessment under review can be decided; this one is ${row.status}.`,
        { details: { status: row.status, allowed: allowedAssessmentEvents(row.status as AssessmentStatus) } },
      );
    }
    const on = today();
    const analysis = await snapshotAnalysis(tx, row, answersOf(row), "decision");
    const templates = parseRemediationTemplates(await newestCatalogData(tx, "remediation"));
    const plan =
      input.decision === "rejected"
        ? { items: [], unmatched: [] }
        : planRemediation({
            findings: analysis.findings,
            templates,
            decidedOn: on,
            owner: input.remediationOwner,
          });
    const conditions =
      input.decision === "approved_with_conditions"
        ? [...plan.items.map((i) => `${i.title} (due ${i.dueDate})`), ...(input.conditions ?? [])]
        : [];
    await applyEvent(
      tx,
      row,
      { type: "decide", on, decision: input.decision, rationale: input.note, conditions },
      actor,
    );
    const rulesOf = (item: RemediationItem) =>
      [...new Set(analysis.findings.filter((f) => item.findingIds.includes(f.id)).map((f) => f.rule))].sort();
    for (const item of plan.items) {
      const [stored] = await tx
        .insert(remediationItems)
        .values({
          workspaceId,
          assessmentId: id,
          vendorId: row.vendorId,
          templateId: item.templateId,
          rules: rulesOf(item),
          title: item.title,
          action: item.action,
          responsibleParty: item.responsibleParty,
          owner: item.owner,
          dueDate: item.dueDate,
          status: item.status,
          blocking: item.blocking,
          severity: item.severity,
          closingEvidence: item.closingEvidence,
          findingIds: item.findingIds,
          questionIds: item.questionIds,
          evidenceRefs: [],
        })
        .returning({ id: remediationItems.id });
      await recordAudit(tx, {
        workspaceId,
        actor,
        action: "remediation.create",
        targetType: "remediation_item",
        targetId: stored?.id ?? null,
        details: { assessmentId: id, templateId: item.templateId, dueDate: item.dueDate },
      });
    }
    await setVendorStatus(
      tx,
      workspaceId,
      row.vendorId,
      { status: input.decision as VendorStatus, note: `assessment ${id} decided` },
      actor,
    );
  });
  return {
    assessment: await getAssessment(db, workspaceId, id),
    remediation: await listRemediation(db, workspaceId, { assessmentId: id }),
  };
}

export interface RemediationQuery {
  status?: RemediationStatus | undefined;
  vendorId?: string | undefined;
  assessmentId?: string | undefined;
}

/** Remediation items, soonest due first. */
export async function listRemediation(
  db: Db,
  workspaceId: string,
  query: RemediationQuery,
): Promise<RemediationView[]> {
  const conditions: SQL[] = [eq(remediationItems.workspaceId, workspaceId)];
  if (query.status) conditions.push(eq(remediationItems.status, query.status));
  if (query.vendorId) conditions.push(eq(remediationItems.vendorId, query.vendorId));
  if (query.assessmentId) conditions.push(eq(remediationItems.assessmentId, query.assessmentId));
  const rows = await db
    .select()
    .from(remediationItems)
    .where(and(...conditions))
    .orderBy(asc(remediationItems.dueDate), asc(remediationItems.id))
    .limit(1000);
  return rows.map(toRemediation);
}

export interface RemediationPatch {
  owner?: string | null | undefined;
  dueDate?: CalendarDate | undefined;
  /** A status change, checked by the domain (closing needs evidence references). */
  change?: RemediationUpdate | undefined;
}

/** Updates an item's owner, due date or status; status moves follow the domain's rules. */
export async function updateRemediation(
  db: Db,
  workspaceId: string,
  id: string,
  patch: RemediationPatch,
  actor: Actor,
): Promise<RemediationView> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(remediationItems)
      .where(and(eq(remediationItems.workspaceId, workspaceId), eq(remediationItems.id, id)));
    if (!row) throw new AppError("NOT_FOUND", "No such remediation item.", { details: { id } });
    let item = toRemediation(row);
    if (patch.change !== undefined) {
      item = { ...item, ...updateRemediationItem({ ...item }, patch.change), id: item.id };
    }
    if (patch.owner !== undefined) item.owner = patch.owner;
    if (patch.dueDate !== undefined) item.dueDate = patch.dueDate;
    await tx
      .update(remediationItems)
      .set({
        owner: item.owner,
        dueDate: item.dueDate,
        status: item.status,
        evidenceRefs: item.evidenceRefs,
        note: item.note,
        closedOn: item.closedOn,
        updatedAt: new Date(),
      })
      .where(eq(remediationItems.id, id));
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "remediation.update",
      targetType: "remediation_item",
      targetId: id,
      details: {
        from: row.status,
        to: item.status,
        ...(patch.owner !== undefined ? { owner: patch.owner } : {}),
        ...(patch.dueDate !== undefined ? { dueDate: patch.dueDate } : {}),
      },
    });
    const [updated] = await tx.select().from(remediationItems).where(eq(remediationItems.id, id));
    if (!updated) throw new AppError("NOT_FOUND", "No such remediation item.", { details: { id } });
    return toRemediation(updated);
  });
}

// ---------------------------------------------------------------- custom questions

export interface CustomQuestionView {
  id: string;
  question: Question;
  createdAt: string;
}

/** The workspace's custom questions, oldest first. */
export async function listCustomQuestions(db: Db, workspaceId: string): Promise<CustomQuestionView[]> {
  const rows = await db
    .select()
    .from(customQuestions)
    .where(eq(customQuestions.workspaceId, workspaceId))
    .orderBy(asc(customQuestions.createdAt), asc(customQuestions.questionId));
  return rows.map((r) => ({ id: r.id, question: r.data as Question, createdAt: r.createdAt.toISOString() }));
}

/** Adds a custom question (validated by the domain schema); its "c-…" id must be new. */
export async function addCustomQuestion(
  db: Db,
  workspaceId: string,
  raw: unknown,
  actor: Actor,
): Promise<CustomQuestionView> {
  const parsed = CustomQuestionSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", "The custom question is not valid.", {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  }
  const question = parsed.data;
  return db.transaction(async (tx) => {
    const [clash] = await tx
      .select({ id: customQuestions.id })
      .from(customQuestions)
      .where(and(eq(customQuestions.workspaceId, workspaceId), eq(customQuestions.questionId, question.id)));
    if (clash) {
      throw new AppError("CONFLICT", `A custom question ${question.id} exists already.`, {
        details: { questionId: question.id },
      });
    }
    const [row] = await tx
      .insert(customQuestions)
      .values({ workspaceId, questionId: question.id, data: question })
      .returning();
    if (!row) throw new AppError("INTERNAL", "The custom question was not stored.");
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "question.custom.create",
      targetType: "custom_question",
      targetId: row.id,
      details: { questionId: question.id, tiers: question.tiers },
    });
    return { id: row.id, question, createdAt: row.createdAt.toISOString() };
  });
}

/** Removes a custom question from future assessments; assessments already created keep it. */
export async function deleteCustomQuestion(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .delete(customQuestions)
      .where(and(eq(customQuestions.workspaceId, workspaceId), eq(customQuestions.id, id)))
      .returning();
    if (!row) throw new AppError("NOT_FOUND", "No such custom question.", { details: { id } });
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "question.custom.delete",
      targetType: "custom_question",
      targetId: id,
      details: { questionId: row.questionId },
    });
  });
}

// ---------------------------------------------------------------- spreadsheet round-trip

export const SHEET_QUESTIONS = "Questionnaire";
export const SHEET_ABOUT = "About";
const SHEET_LISTS = "Lists";
const FORMAT = "assay-questionnaire-1";
const HEADERS = [
  "id",
  "section",
  "question",
  "answer type",
  "allowed values",
  "answer",
  "comment",
  "evidence reference",
] as const;
const COL = { id: 1, answer: 6, comment: 7, evidence: 8 } as const;
const LETTER = ["", "A", "B", "C", "D", "E", "F", "G", "H"] as const;
/** Multi-choice values, file ids and evidence references are written one per line. */
const LIST_SEPARATOR = "\n";

/**
 * The questionnaire as an XLSX workbook: a row per question (id, section, question, answer type,
 * allowed values, answer, comment, evidence references), drop-down lists on choice answers, and a
 * hidden sheet naming the assessment and bank version so an import can be matched to it.
 */
export async function exportAssessmentXlsx(db: Db, workspaceId: string, id: string): Promise<Buffer> {
  const row = await getRow(db, workspaceId, id);
  return buildQuestionnaireWorkbook({
    assessmentId: row.id,
    bankId: row.bankId,
    bankVersion: row.bankVersion,
    questions: questionsOf(row),
    answers: answersOf(row),
  });
}

export interface WorkbookInput {
  assessmentId: string;
  bankId: string;
  bankVersion: number;
  questions: readonly Question[];
  answers: Answers;
}

function answerCell(q: Question, a: Answer | undefined): string | number | null {
  if (a === undefined || a.value === null) return null;
  if (Array.isArray(a.value)) return a.value.length === 0 ? null : a.value.join(LIST_SEPARATOR);
  if (q.answerType === "number" && typeof a.value === "number") return a.value;
  return a.value === "" ? null : a.value;
}

export async function buildQuestionnaireWorkbook(input: WorkbookInput): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "Assay";
  const sheet = wb.addWorksheet(SHEET_QUESTIONS, { views: [{ state: "frozen", ySplit: 1 }] });
  const lists = wb.addWorksheet(SHEET_LISTS, { state: "veryHidden" });
  const about = wb.addWorksheet(SHEET_ABOUT, { state: "veryHidden" });
  about.addRows([
    ["format", FORMAT],
    ["assessmentId", input.assessmentId],
    ["bankId", input.bankId],
    ["bankVersion", input.bankVersion],
  ]);
  sheet.columns = [
    { header: HEADERS[0], width: 8 },
    { header: HEADERS[1], width: 8 },
    { header: HEADERS[2], width: 60 },
    { header: HEADERS[3], width: 18 },
    { header: HEADERS[4], width: 30 },
    { header: HEADERS[5], width: 40 },
    { header: HEADERS[6], width: 40 },
    { header: HEADERS[7], width: 30 },
  ];
  sheet.getRow(1).font = { bold: true };
  let listColumn = 0;
  input.questions.forEach((q, i) => {
    const r = i + 2;
    const a = input.answers[q.id];
    const allowed = allowedValues(q);
    sheet.getRow(r).values = [
      q.id,
      q.section,
      q.text,
      q.answerType,
      allowed?.join(", ") ?? "",
      answerCell(q, a) ?? "",
      a?.comment ?? "",
      (a?.evidence ?? []).join(LIST_SEPARATOR),
    ];
    const answer = sheet.getCell(r, COL.answer);
    if (answer.value === "") answer.value = null;
    for (const c of [COL.comment, COL.evidence]) {
      if (sheet.getCell(r, c).value === "") sheet.getCell(r, c).value = null;
    }
    answer.alignment = { wrapText: true, vertical: "top" };
    // Single answers get a drop-down from a hidden list (a range, because inline lists stop at 255 characters).
    if (allowed !== undefined && q.answerType !== "multi_choice") {
      listColumn++;
      allowed.forEach((v, j) => {
        lists.getCell(j + 1, listColumn).value = v;
      });
      const col = lists.getColumn(listColumn).letter;
      answer.dataValidation = {
        type: "list",
        allowBlank: true,
        showErrorMessage: true,
        formulae: [`${SHEET_LISTS}!$${col}$1:$${col}$${allowed.length}`],
      };
    }
  });
  const out = await wb.xlsx.writeBuffer();
  return Buffer.from(out as ArrayBuffer);
}

interface CellProblem {
  sheet: string;
  cell: string;
  message: string;
}

/** A cell's content as text or number, whatever way the spreadsheet program stored it. */
function cellContent(value: ExcelJS.CellValue): string | number | Date | null | { error: string } {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number") return value;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (value instanceof Date) return value;
  if (typeof value === "object") {
    if ("richText" in value) return value.richText.map((t) => t.text).join("");
    if ("error" in value) return { error: String(value.error) };
    if ("formula" in value || "sharedFormula" in value) {
      const result = (value as { result?: ExcelJS.CellValue }).result;
      return result === undefined ? { error: "a formula without a stored result" } : cellContent(result);
    }
    if ("text" in value && typeof value.text === "string") return value.text;
  }
  return { error: "an unreadable value" };
}

const asText = (v: string | number | Date): string =>
  v instanceof Date ? v.toISOString().slice(0, 10) : String(v);

function splitList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads one answer cell according to the question's type; returns the value or a problem. */
function readAnswerCell(
  q: Question,
  raw: string | number | Date | null,
): { value: Answer["value"] } | { problem: string } {
  if (raw === null || (typeof raw === "string" && raw.trim() === "" && q.answerType !== "text")) {
    return { value: null };
  }
  switch (q.answerType) {
    case "number": {
      const n = typeof raw === "number" ? raw : Number(asText(raw).trim());
      return Number.isFinite(n) ? { value: n } : { problem: "expected a number" };
    }
    case "multi_choice":
    case "file":
      return { value: splitList(asText(raw)) };
    case "date":
      return { value: asText(raw).trim() };
    case "yes_no_partial_na":
    case "single_choice":
      return { value: asText(raw).trim() };
    case "text":
      return { value: asText(raw) === "" ? null : asText(raw) };
  }
}

/**
 * Reads a completed questionnaire workbook for one assessment. Every cell is checked and every
 * problem is named by sheet and cell (SPREADSHEET_INVALID); nothing is returned unless all pass.
 */
export async function readQuestionnaireWorkbook(
  bytes: Uint8Array,
  expected: { assessmentId: string; questions: readonly Question[] },
): Promise<Answers> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new AppError("SPREADSHEET_INVALID", "The file is not a readable XLSX workbook.", {
      details: { errors: [{ sheet: "", cell: "", message: "not an XLSX workbook" }] },
    });
  }
  const problems: CellProblem[] = [];
  const fail = (): AppError => {
    const first = problems[0];
    return new AppError(
      "SPREADSHEET_INVALID",
      `${first ? `${first.sheet}!${first.cell}: ${first.message}` : "The workbook is not valid"}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ""}.`,
      { details: { errors: problems.slice(0, 200) } },
    );
  };
  const about = wb.getWorksheet(SHEET_ABOUT);
  const sheet = wb.getWorksheet(SHEET_QUESTIONS);
  if (!sheet) {
    problems.push({ sheet: SHEET_QUESTIONS, cell: "", message: "the sheet is missing" });
    throw fail();
  }
  const meta = new Map<string, string>();
  about?.eachRow((r) => {
    const k = cellContent(r.getCell(1).value);
    const v = cellContent(r.getCell(2).value);
    if (typeof k === "string" && v !== null && !(typeof v === "object" && !(v instanceof Date))) {
      meta.set(k, asText(v));
    }
  });
  if (meta.get("assessmentId") !== expected.assessmentId) {
    problems.push({
      sheet: SHEET_ABOUT,
      cell: "B2",
      message: `the workbook belongs to assessment ${meta.get("assessmentId") ?? "(none)"}, not ${expected.assessmentId}`,
    });
    throw fail();
  }
  const byId = new Map(expected.questions.map((q) => [q.id, q]));
  const rowOf = new Map<string, number>();
  const answers: Answers = {};
  const lastRow = sheet.actualRowCount === 0 ? 0 : (sheet.lastRow?.number ?? 0);
  for (let r = 2; r <= lastRow; r++) {
    const row = sheet.getRow(r);
    const cells = [COL.id, COL.answer, COL.comment, COL.evidence].map((c) =>
      cellContent(row.getCell(c).value),
    );
    const [idCell, answerRaw, commentRaw, evidenceRaw] = cells;
    if (cells.every((c) => c === null)) continue;
    const where = (c: number) => `${LETTER[c]}${r}`;
    let bad = false;
    cells.forEach((c, i) => {
      if (c !== null && typeof c === "object" && !(c instanceof Date)) {
        problems.push({
          sheet: SHEET_QUESTIONS,
          cell: where([1, 6, 7, 8][i] ?? 1),
          message: `holds ${c.error}`,
        });
        bad = true;
      }
    });
    if (bad) continue;
    const id = idCell === null ? "" : asText(idCell as string | number | Date).trim();
    const q = byId.get(id);
    if (!q) {
      problems.push({
        sheet: SHEET_QUESTIONS,
        cell: where(COL.id),
        message: id ? `"${id}" is not a question of this assessment` : "the question id is missing",
      });
      continue;
    }
    if (rowOf.has(id)) {
      problems.push({
        sheet: SHEET_QUESTIONS,
        cell: where(COL.id),
        message: `question ${id} appears again (first on row ${rowOf.get(id)})`,
      });
      continue;
    }
    rowOf.set(id, r);
    const read = readAnswerCell(q, answerRaw as string | number | Date | null);
    if ("problem" in read) {
      problems.push({ sheet: SHEET_QUESTIONS, cell: where(COL.answer), message: read.problem });
      continue;
    }
    const answer: Answer = { value: read.value };
    const comment = commentRaw === null ? "" : asText(commentRaw as string | number | Date);
    if (comment !== "") answer.comment = comment;
    const evidence = evidenceRaw === null ? [] : splitList(asText(evidenceRaw as string | number | Date));
    if (evidence.length > 0) answer.evidence = evidence;
    answers[id] = answer;
  }
  const normalized = normalizeAnswers(answers);
  const shape = AnswersSchema.safeParse(normalized);
  if (!shape.success) {
    for (const issue of shape.error.issues) {
      const qid = String(issue.path[0] ?? "");
      const field =
        issue.path[1] === "comment" ? COL.comment : issue.path[1] === "evidence" ? COL.evidence : COL.answer;
      problems.push({
        sheet: SHEET_QUESTIONS,
        cell: `${LETTER[field]}${rowOf.get(qid) ?? ""}`,
        message: issue.message,
      });
    }
  } else {
    for (const issue of validateAnswers(expected.questions, normalized)) {
      problems.push({
        sheet: SHEET_QUESTIONS,
        cell: `${LETTER[COL.answer]}${rowOf.get(issue.questionId) ?? ""}`,
        message: `${issue.questionId}: ${issue.message}`,
      });
    }
  }
  if (problems.length > 0) throw fail();
  return normalized;
}

/**
 * Imports a completed questionnaire workbook, all-or-nothing: the sheet is the whole questionnaire,
 * so its answers replace the stored ones (a blank row leaves that question unanswered).
 */
export async function importAssessmentXlsx(
  db: Db,
  workspaceId: string,
  id: string,
  bytes: Uint8Array,
  actor: Actor,
): Promise<AssessmentDetail> {
  const row = await getRow(db, workspaceId, id);
  const imported = await readQuestionnaireWorkbook(bytes, { assessmentId: id, questions: questionsOf(row) });
  await db.transaction(async (tx) => {
    const current = await getRow(tx, workspaceId, id, true);
    await saveAnswers(tx, current, imported, actor, "assessment.answers.import", true);
  });
  return getAssessment(db, workspaceId, id);
}
