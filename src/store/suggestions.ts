/**
 * Suggested findings on an assessment (optional AI assistance). A pass sends the questionnaire to
 * the configured model, keeps the suggestions that survive the domain's strict check as pending
 * rows, and a reviewer accepts or dismisses each one. Only accepted suggestions count: the
 * assessment's analysis takes them through `acceptedSuggestionFindings`. Every pass and decision is
 * audit-logged with the model and the counts — never the prompt, the reply or the API key.
 */
import { and, asc, eq } from "drizzle-orm";
import type { AssessmentStatus } from "../domain/assessment-workflow.ts";
import { AppError, isAppError } from "../domain/errors.ts";
import { compareSeverity, type Finding, FindingSchema } from "../domain/findings.ts";
import type { Answers, Question } from "../domain/question-bank.ts";
import {
  buildSuggestionMessages,
  parseSuggestionReply,
  SUGGESTION_DROP_REASONS,
  type SuggestionDropReason,
  type SuggestionReplyResult,
  suggestionStillQuoted,
} from "../domain/suggestions.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import type { LlmClient } from "./connectors/llm.ts";
import type { Db } from "./database.ts";
import { assessmentSuggestions, assessments } from "./schema.ts";

export const SUGGESTION_STATUSES = ["pending", "accepted", "dismissed"] as const;
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number];

/** States whose answers a pass may read: the vendor is answering, or the answers are in for review. */
export const SUGGESTIBLE_STATUSES: readonly AssessmentStatus[] = ["in_progress", "submitted", "under_review"];

type SuggestionRow = typeof assessmentSuggestions.$inferSelect;

export interface SuggestionView {
  id: string;
  assessmentId: string;
  finding: Finding;
  model: string;
  status: SuggestionStatus;
  decidedBy: string | null;
  decidedAt: string | null;
  note: string | null;
  createdAt: string;
}

/** What one pass did: the reply's outcome, what was added, and why the rest was left out. */
export interface SuggestionRun {
  model: string;
  outcome: SuggestionReplyResult["outcome"];
  problem: string | null;
  fenced: boolean;
  /** Entries in the model's findings list. */
  received: number;
  /** New pending suggestions stored by this pass. */
  added: number;
  /** Valid suggestions already on file (pending, accepted or dismissed) and not stored again. */
  alreadyKnown: number;
  dropped: Record<SuggestionDropReason, number>;
  /** All suggestions of the assessment after the pass. */
  suggestions: SuggestionView[];
}

const STATUS_ORDER: Record<SuggestionStatus, number> = { pending: 0, accepted: 1, dismissed: 2 };

function toView(row: SuggestionRow): SuggestionView {
  return {
    id: row.id,
    assessmentId: row.assessmentId,
    finding: row.finding as Finding,
    model: row.model,
    status: row.status as SuggestionStatus,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt?.toISOString() ?? null,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
  };
}

async function assessmentRow(db: Db, workspaceId: string, assessmentId: string, lock = false) {
  const query = db
    .select({
      id: assessments.id,
      status: assessments.status,
      questions: assessments.questions,
      answers: assessments.answers,
    })
    .from(assessments)
    .where(and(eq(assessments.workspaceId, workspaceId), eq(assessments.id, assessmentId)));
  const [row] = lock ? await query.for("update") : await query;
  if (!row)
    throw new AppError("ASSESSMENT_NOT_FOUND", "No such assessment.", { details: { id: assessmentId } });
  return {
    id: row.id,
    status: row.status as AssessmentStatus,
    questions: row.questions as Question[],
    answers: row.answers as Answers,
  };
}

async function suggestionRows(db: Db, workspaceId: string, assessmentId: string): Promise<SuggestionRow[]> {
  return db
    .select()
    .from(assessmentSuggestions)
    .where(
      and(
        eq(assessmentSuggestions.workspaceId, workspaceId),
        eq(assessmentSuggestions.assessmentId, assessmentId),
      ),
    )
    .orderBy(asc(assessmentSuggestions.createdAt), asc(assessmentSuggestions.id));
}

function sortViews(views: SuggestionView[]): SuggestionView[] {
  return views.sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      compareSeverity(b.finding.severity, a.finding.severity) ||
      a.createdAt.localeCompare(b.createdAt) ||
      a.id.localeCompare(b.id),
  );
}

/** The assessment's suggestions: pending first, then accepted, then dismissed; most severe first within each. */
export async function listSuggestions(
  db: Db,
  workspaceId: string,
  assessmentId: string,
  filter: { status?: SuggestionStatus | undefined } = {},
): Promise<SuggestionView[]> {
  await assessmentRow(db, workspaceId, assessmentId);
  const views = (await suggestionRows(db, workspaceId, assessmentId)).map(toView);
  return sortViews(filter.status ? views.filter((v) => v.status === filter.status) : views);
}

function nonZero(
  dropped: Record<SuggestionDropReason, number>,
): Partial<Record<SuggestionDropReason, number>> {
  return Object.fromEntries(
    SUGGESTION_DROP_REASONS.filter((r) => dropped[r] > 0).map((r) => [r, dropped[r]]),
  );
}

/**
 * Runs one suggestion pass over an assessment with answers: sends its questionnaire through
 * `client`, checks the reply and stores each new valid suggestion as pending. A suggestion whose
 * finding id is already on file (in any status) is not stored twice, so a dismissed one does not
 * come back. A failed call (LLM_UNAVAILABLE) stores nothing but is audit-logged, since the
 * questionnaire may have left the machine.
 */
export async function suggestFindings(
  db: Db,
  workspaceId: string,
  assessmentId: string,
  client: LlmClient,
  actor: Actor,
): Promise<SuggestionRun> {
  const row = await assessmentRow(db, workspaceId, assessmentId);
  if (!SUGGESTIBLE_STATUSES.includes(row.status)) {
    throw new AppError(
      "ASSESSMENT_STATE_INVALID",
      `Suggestions need answers under way or in review; the assessment is ${row.status.replace("_", " ")}.`,
      { details: { status: row.status, allowed: SUGGESTIBLE_STATUSES } },
    );
  }
  const input = { questions: row.questions, answers: row.answers };
  const messages = buildSuggestionMessages(input);

  let reply: string;
  try {
    reply = await client.complete(messages);
  } catch (error) {
    if (isAppError(error, "LLM_UNAVAILABLE")) {
      await db.transaction((tx) =>
        recordAudit(tx, {
          workspaceId,
          actor,
          action: "assessment.suggestions.failed",
          targetType: "assessment",
          targetId: assessmentId,
          details: { model: client.model, reason: error.details?.reason ?? null },
        }),
      );
    }
    throw error;
  }
  const { result, ...counts } = await db.transaction(async (tx) => {
    // Holding the assessment row serialises passes, so two at once cannot store the same suggestion.
    const current = await assessmentRow(tx, workspaceId, assessmentId, true);
    if (!SUGGESTIBLE_STATUSES.includes(current.status)) {
      throw new AppError(
        "ASSESSMENT_STATE_INVALID",
        `The assessment became ${current.status.replace("_", " ")} while the model was answering; nothing was stored.`,
        { details: { status: current.status } },
      );
    }
    // Quotes are checked against the answers as they stand now: the vendor may have edited them meanwhile.
    const result = parseSuggestionReply(reply, { questions: current.questions, answers: current.answers });
    const known = new Set(
      (await suggestionRows(tx, workspaceId, assessmentId)).map((r) => (r.finding as Finding).id),
    );
    const fresh = result.findings.filter((f) => !known.has(f.id));
    if (fresh.length > 0) {
      await tx
        .insert(assessmentSuggestions)
        .values(fresh.map((finding) => ({ workspaceId, assessmentId, finding, model: client.model })));
    }
    const added = fresh.length;
    const alreadyKnown = result.findings.length - added;
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "assessment.suggestions.run",
      targetType: "assessment",
      targetId: assessmentId,
      details: {
        model: client.model,
        outcome: result.outcome,
        received: result.received,
        added,
        alreadyKnown,
        dropped: nonZero(result.dropped),
        ...(result.fenced ? { fenced: true } : {}),
      },
    });
    return { result, added, alreadyKnown };
  });

  return {
    model: client.model,
    outcome: result.outcome,
    problem: result.problem,
    fenced: result.fenced,
    received: result.received,
    ...counts,
    dropped: result.dropped,
    suggestions: await listSuggestions(db, workspaceId, assessmentId),
  };
}

async function decide(
  db: Db,
  workspaceId: string,
  assessmentId: string,
  suggestionId: string,
  status: "accepted" | "dismissed",
  actor: Actor,
  note: string | undefined,
): Promise<SuggestionView> {
  return db.transaction(async (tx) => {
    const assessment = await assessmentRow(tx, workspaceId, assessmentId, true);
    if (assessment.status === "decided") {
      throw new AppError(
        "ASSESSMENT_STATE_INVALID",
        "The assessment is decided; its findings no longer change.",
        { details: { status: assessment.status } },
      );
    }
    const [row] = await tx
      .select()
      .from(assessmentSuggestions)
      .where(
        and(
          eq(assessmentSuggestions.workspaceId, workspaceId),
          eq(assessmentSuggestions.assessmentId, assessmentId),
          eq(assessmentSuggestions.id, suggestionId),
        ),
      )
      .for("update");
    if (!row) {
      throw new AppError("NOT_FOUND", "No such suggestion on this assessment.", {
        details: { id: suggestionId },
      });
    }
    if (row.status !== "pending") {
      throw new AppError(
        "CONFLICT",
        `The suggestion was already ${row.status}${row.decidedBy ? ` by ${row.decidedBy}` : ""}; a decided suggestion does not change.`,
        { details: { status: row.status } },
      );
    }
    const [updated] = await tx
      .update(assessmentSuggestions)
      .set({ status, decidedBy: actor.label, decidedAt: new Date(), note: note?.trim() || null })
      .where(eq(assessmentSuggestions.id, row.id))
      .returning();
    const finding = row.finding as Finding;
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: status === "accepted" ? "assessment.suggestion.accept" : "assessment.suggestion.dismiss",
      targetType: "assessment",
      targetId: assessmentId,
      details: {
        suggestionId: row.id,
        findingId: finding.id,
        title: finding.title,
        severity: finding.severity,
        model: row.model,
        ...(note?.trim() ? { note: note.trim() } : {}),
      },
    });
    if (!updated) throw new AppError("INTERNAL", "The suggestion could not be updated.");
    return toView(updated);
  });
}

/** Accepts a pending suggestion: its finding then counts in the assessment's analysis and scores. */
export function acceptSuggestion(
  db: Db,
  workspaceId: string,
  assessmentId: string,
  suggestionId: string,
  actor: Actor,
  note?: string,
): Promise<SuggestionView> {
  return decide(db, workspaceId, assessmentId, suggestionId, "accepted", actor, note);
}

/** Dismisses a pending suggestion, with an optional reason; it never counts and is not suggested again. */
export function dismissSuggestion(
  db: Db,
  workspaceId: string,
  assessmentId: string,
  suggestionId: string,
  actor: Actor,
  note?: string,
): Promise<SuggestionView> {
  return decide(db, workspaceId, assessmentId, suggestionId, "dismissed", actor, note);
}

/** The assistant's suggested findings for an assessment that a reviewer accepted. */
export async function acceptedSuggestionFindings(
  db: Db,
  context: { workspaceId: string; assessmentId: string; questions?: Question[]; answers?: Answers },
): Promise<Finding[]> {
  const rows = await db
    .select({ finding: assessmentSuggestions.finding })
    .from(assessmentSuggestions)
    .where(
      and(
        eq(assessmentSuggestions.workspaceId, context.workspaceId),
        eq(assessmentSuggestions.assessmentId, context.assessmentId),
        eq(assessmentSuggestions.status, "accepted"),
      ),
    )
    .orderBy(asc(assessmentSuggestions.createdAt), asc(assessmentSuggestions.id));
  // Rows were checked when stored; a row edited by hand into another shape is left out, not trusted.
  // An accepted finding whose quoted answers have changed since no longer counts.
  const { questions, answers } = context;
  return rows.flatMap((r) => {
    const parsed = FindingSchema.safeParse(r.finding);
    if (!parsed.success) return [];
    if (questions && answers && !suggestionStillQuoted(parsed.data, { questions, answers })) return [];
    return [parsed.data];
  });
}
