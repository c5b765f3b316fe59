/**
 * The assessment workflow: draft → sent → in_progress → submitted → under_review → decided
 * (approved, approved with conditions, rejected). A transition is a pure function of the current
 * state and an event; an illegal move throws ASSESSMENT_STATE_INVALID. Each transition also
 * returns the record the caller writes to the audit log. Sending fixes the due date (14 business
 * days); deciding schedules the next review from the tier's cadence.
 */
import { z } from "zod";
import {
  type CalendarDate,
  CalendarDateSchema,
  compareDates,
  dueDateFor,
  isOverdue,
} from "./business-days.ts";
import { AppError } from "./errors.ts";
import { nextReviewDate, type Tier } from "./tiering.ts";

export const ASSESSMENT_STATUSES = [
  "draft",
  "sent",
  "in_progress",
  "submitted",
  "under_review",
  "decided",
] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];

export const ASSESSMENT_DECISIONS = ["approved", "approved_with_conditions", "rejected"] as const;
export type AssessmentDecision = (typeof ASSESSMENT_DECISIONS)[number];

export interface AssessmentState {
  status: AssessmentStatus;
  tier: Tier;
  /** The question bank and version the assessment was created with; it keeps them for life. */
  bankId: string;
  bankVersion: number;
  sentOn: CalendarDate | null;
  dueDate: CalendarDate | null;
  submittedOn: CalendarDate | null;
  decidedOn: CalendarDate | null;
  decision: AssessmentDecision | null;
  /** Conditions of an approval with conditions (remediation item ids or short texts). */
  conditions: string[];
  rationale: string | null;
  nextReviewDue: CalendarDate | null;
  /** How often the reviewer sent the questionnaire back for clarification. */
  returnedCount: number;
  /** Date of the latest transition; events may not go back in time. */
  lastEventOn: CalendarDate | null;
}

const on = CalendarDateSchema;
const holidays = z.array(CalendarDateSchema).max(400).optional();

export const AssessmentEventSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("send"),
      on,
      holidays,
      businessDays: z.number().int().min(1).max(120).optional(),
    })
    .strict(),
  z.object({ type: z.literal("start"), on }).strict(),
  z.object({ type: z.literal("submit"), on }).strict(),
  z.object({ type: z.literal("begin_review"), on }).strict(),
  z
    .object({
      type: z.literal("return_to_vendor"),
      on,
      reason: z.string().trim().min(10).max(2000),
      /** A new due date for the answers; the old one stays when absent. */
      dueDate: CalendarDateSchema.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal("decide"),
      on,
      decision: z.enum(ASSESSMENT_DECISIONS),
      rationale: z.string().trim().min(10).max(5000),
      conditions: z.array(z.string().trim().min(1).max(500)).max(100).default([]),
    })
    .strict()
    .refine((e) => e.decision !== "approved_with_conditions" || e.conditions.length > 0, {
      message: "an approval with conditions lists at least one condition",
      path: ["conditions"],
    })
    .refine((e) => e.decision === "approved_with_conditions" || e.conditions.length === 0, {
      message: "only an approval with conditions carries conditions",
      path: ["conditions"],
    }),
]);
export type AssessmentEvent = z.input<typeof AssessmentEventSchema>;
export type AssessmentEventType = AssessmentEvent["type"];

/** Which event may move which status, and where to. */
export const ASSESSMENT_TRANSITIONS: Readonly<
  Record<AssessmentEventType, { from: readonly AssessmentStatus[]; to: AssessmentStatus }>
> = {
  send: { from: ["draft"], to: "sent" },
  start: { from: ["sent"], to: "in_progress" },
  submit: { from: ["sent", "in_progress"], to: "submitted" },
  begin_review: { from: ["submitted"], to: "under_review" },
  return_to_vendor: { from: ["under_review"], to: "in_progress" },
  decide: { from: ["under_review"], to: "decided" },
};

/** The record a transition leaves for the audit log. */
export interface AssessmentTransition {
  event: AssessmentEventType;
  from: AssessmentStatus;
  to: AssessmentStatus;
  on: CalendarDate;
  details: Record<string, unknown>;
}

/** A new assessment in draft, bound to the tier and the bank version it will ask. */
export function createAssessment(input: {
  tier: Tier;
  bankId: string;
  bankVersion: number;
}): AssessmentState {
  return {
    status: "draft",
    tier: input.tier,
    bankId: input.bankId,
    bankVersion: input.bankVersion,
    sentOn: null,
    dueDate: null,
    submittedOn: null,
    decidedOn: null,
    decision: null,
    conditions: [],
    rationale: null,
    nextReviewDue: null,
    returnedCount: 0,
    lastEventOn: null,
  };
}

/** The events allowed in a status (for buttons in the UI and for the API's error details). */
export function allowedAssessmentEvents(status: AssessmentStatus): AssessmentEventType[] {
  return (Object.keys(ASSESSMENT_TRANSITIONS) as AssessmentEventType[]).filter((e) =>
    ASSESSMENT_TRANSITIONS[e].from.includes(status),
  );
}

/**
 * Decides the next state of an assessment for an event, or throws ASSESSMENT_STATE_INVALID when
 * the event is not allowed in the current status (VALIDATION_FAILED when the event is malformed
 * or dated before the previous one). Returns the new state and the audit record.
 */
export function transitionAssessment(
  state: AssessmentState,
  rawEvent: AssessmentEvent,
): { state: AssessmentState; transition: AssessmentTransition } {
  const parsed = AssessmentEventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", "The assessment event is not valid.", {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  }
  const event = parsed.data;
  const rule = ASSESSMENT_TRANSITIONS[event.type];
  if (!rule.from.includes(state.status)) {
    throw new AppError(
      "ASSESSMENT_STATE_INVALID",
      `An assessment that is ${state.status} cannot take the event ${event.type}.`,
      {
        details: { status: state.status, event: event.type, allowed: allowedAssessmentEvents(state.status) },
      },
    );
  }
  if (state.lastEventOn !== null && compareDates(event.on, state.lastEventOn) < 0) {
    throw new AppError("VALIDATION_FAILED", "An assessment event cannot be dated before the previous one.", {
      details: { on: event.on, previous: state.lastEventOn },
    });
  }

  const next: AssessmentState = { ...state, status: rule.to, lastEventOn: event.on };
  let details: Record<string, unknown> = {};
  switch (event.type) {
    case "send": {
      next.sentOn = event.on;
      next.dueDate = dueDateFor(event.on, { holidays: event.holidays, businessDays: event.businessDays });
      details = { dueDate: next.dueDate, bankId: state.bankId, bankVersion: state.bankVersion };
      break;
    }
    case "submit": {
      next.submittedOn = event.on;
      details = { late: state.dueDate !== null && isOverdue(state.dueDate, event.on) };
      break;
    }
    case "return_to_vendor": {
      if (event.dueDate !== undefined && compareDates(event.dueDate, event.on) <= 0) {
        throw new AppError(
          "VALIDATION_FAILED",
          "A new due date must be after the day the questionnaire is returned.",
          {
            details: { on: event.on, dueDate: event.dueDate },
          },
        );
      }
      next.returnedCount = state.returnedCount + 1;
      next.submittedOn = null;
      if (event.dueDate !== undefined) next.dueDate = event.dueDate;
      details = { reason: event.reason, dueDate: next.dueDate };
      break;
    }
    case "decide": {
      next.decidedOn = event.on;
      next.decision = event.decision;
      next.conditions = event.conditions;
      next.rationale = event.rationale;
      // A rejected vendor is not reviewed on a cadence; it comes back only as a new proposal.
      next.nextReviewDue = event.decision === "rejected" ? null : nextReviewDate(state.tier, event.on);
      details = {
        decision: event.decision,
        conditions: event.conditions,
        rationale: event.rationale,
        nextReviewDue: next.nextReviewDue,
      };
      break;
    }
    case "start":
    case "begin_review":
      break;
  }
  return {
    state: next,
    transition: { event: event.type, from: state.status, to: rule.to, on: event.on, details },
  };
}

/** True when the vendor still owes answers and the due date has passed. */
export function isAssessmentOverdue(state: AssessmentState, today: CalendarDate): boolean {
  return (
    (state.status === "sent" || state.status === "in_progress") &&
    state.dueDate !== null &&
    isOverdue(state.dueDate, today)
  );
}
