import { describe, expect, it } from "vitest";
import {
  ASSESSMENT_STATUSES,
  type AssessmentEvent,
  type AssessmentState,
  type AssessmentStatus,
  allowedAssessmentEvents,
  createAssessment,
  isAssessmentOverdue,
  transitionAssessment,
} from "./assessment-workflow.ts";
import { isAppError } from "./errors.ts";

const rationale = "Controls adequate for the tier; see findings.";

function run(events: AssessmentEvent[], tier: 1 | 2 | 3 = 2): AssessmentState {
  let state = createAssessment({ tier, bankId: "ai-vendor", bankVersion: 1 });
  for (const e of events) state = transitionAssessment(state, e).state;
  return state;
}

const toReview: AssessmentEvent[] = [
  { type: "send", on: "2026-11-23" },
  { type: "start", on: "2026-11-24" },
  { type: "submit", on: "2026-12-04" },
  { type: "begin_review", on: "2026-12-07" },
];

/** A state in each status, reached through legal moves only. */
const stateIn: Record<AssessmentStatus, () => AssessmentState> = {
  draft: () => run([]),
  sent: () => run(toReview.slice(0, 1)),
  in_progress: () => run(toReview.slice(0, 2)),
  submitted: () => run(toReview.slice(0, 3)),
  under_review: () => run(toReview),
  decided: () => run([...toReview, { type: "decide", on: "2026-12-10", decision: "approved", rationale }]),
};

const eventOf = (type: AssessmentEvent["type"]): AssessmentEvent => {
  const on = "2026-12-20";
  switch (type) {
    case "decide":
      return { type, on, decision: "approved", rationale };
    case "return_to_vendor":
      return { type, on, reason: "Please expand the answer to q10." };
    default:
      return { type, on };
  }
};

describe("transitionAssessment", () => {
  it("walks draft → sent → in_progress → submitted → under_review → decided", () => {
    const state = run([
      ...toReview,
      {
        type: "decide",
        on: "2026-12-10",
        decision: "approved_with_conditions",
        rationale,
        conditions: ["model_card"],
      },
    ]);
    expect(state).toMatchObject({
      status: "decided",
      sentOn: "2026-11-23",
      dueDate: "2026-12-11",
      submittedOn: "2026-12-04",
      decidedOn: "2026-12-10",
      decision: "approved_with_conditions",
      conditions: ["model_card"],
      nextReviewDue: "2027-06-10",
      bankVersion: 1,
    });
  });

  it.each([
    { tier: 1 as const, decision: "approved" as const, next: "2027-12-10" },
    { tier: 3 as const, decision: "approved" as const, next: "2027-03-10" },
    { tier: 3 as const, decision: "rejected" as const, next: null },
  ])("schedules the next review of a tier-$tier $decision vendor on $next", ({ tier, decision, next }) => {
    const state = run([...toReview, { type: "decide", on: "2026-12-10", decision, rationale }], tier);
    expect(state.nextReviewDue).toBe(next);
  });

  it("uses the holiday list and returns an audit record", () => {
    const draft = createAssessment({ tier: 2, bankId: "ai-vendor", bankVersion: 1 });
    const { state, transition } = transitionAssessment(draft, {
      type: "send",
      on: "2026-11-23",
      holidays: ["2026-11-26"],
    });
    expect(state.dueDate).toBe("2026-12-14");
    expect(transition).toEqual({
      event: "send",
      from: "draft",
      to: "sent",
      on: "2026-11-23",
      details: { dueDate: "2026-12-14", bankId: "ai-vendor", bankVersion: 1 },
    });
  });

  it("lets the vendor submit without saving a draft first and marks a late submission", () => {
    const { transition } = transitionAssessment(stateIn.sent(), { type: "submit", on: "2026-12-14" });
    expect(transition.to).toBe("submitted");
    expect(transition.details).toEqual({ late: true });
  });

  it("returns a questionnaire to the vendor with a reason and a new due date", () => {
    const state = transitionAssessment(stateIn.under_review(), {
      type: "return_to_vendor",
      on: "2026-12-08",
      reason: "q10 needs the data sources.",
      dueDate: "2026-12-15",
    }).state;
    expect(state).toMatchObject({
      status: "in_progress",
      returnedCount: 1,
      dueDate: "2026-12-15",
      submittedOn: null,
    });
  });

  // Every (status, event) pair that the table does not allow must be refused.
  const illegal = ASSESSMENT_STATUSES.flatMap((status) =>
    (["send", "start", "submit", "begin_review", "return_to_vendor", "decide"] as const)
      .filter((type) => !allowedAssessmentEvents(status).includes(type))
      .map((type) => ({ status, type })),
  );
  it.each(illegal)("refuses $type when $status", ({ status, type }) => {
    try {
      transitionAssessment(stateIn[status](), eventOf(type));
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "ASSESSMENT_STATE_INVALID")).toBe(true);
    }
  });

  it("knows the allowed events of each status", () => {
    expect(allowedAssessmentEvents("draft")).toEqual(["send"]);
    expect(allowedAssessmentEvents("sent")).toEqual(["start", "submit"]);
    expect(allowedAssessmentEvents("under_review")).toEqual(["return_to_vendor", "decide"]);
    expect(allowedAssessmentEvents("decided")).toEqual([]);
    expect(illegal.length).toBe(36 - 7);
  });

  it.each([
    {
      name: "conditions missing",
      event: { type: "decide", on: "2026-12-10", decision: "approved_with_conditions", rationale },
    },
    {
      name: "conditions on a rejection",
      event: { type: "decide", on: "2026-12-10", decision: "rejected", rationale, conditions: ["x"] },
    },
    {
      name: "no rationale",
      event: { type: "decide", on: "2026-12-10", decision: "approved", rationale: "ok" },
    },
    {
      name: "a date before the last event",
      event: { type: "decide", on: "2026-12-01", decision: "approved", rationale },
    },
    {
      name: "an impossible date",
      event: { type: "decide", on: "2026-02-30", decision: "approved", rationale },
    },
    {
      name: "an unknown field",
      event: { type: "decide", on: "2026-12-10", decision: "approved", rationale, score: 3 },
    },
  ])("rejects a decision with $name as VALIDATION_FAILED", ({ event }) => {
    try {
      transitionAssessment(stateIn.under_review(), event as AssessmentEvent);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
    }
  });

  it("does not change the state it was given", () => {
    const before = stateIn.under_review();
    const copy = structuredClone(before);
    transitionAssessment(before, { type: "decide", on: "2026-12-10", decision: "approved", rationale });
    expect(before).toEqual(copy);
  });
});

describe("isAssessmentOverdue", () => {
  it.each([
    { status: "sent" as const, today: "2026-12-11", overdue: false },
    { status: "sent" as const, today: "2026-12-12", overdue: true },
    { status: "in_progress" as const, today: "2026-12-14", overdue: true },
    { status: "submitted" as const, today: "2026-12-14", overdue: false },
  ])("$status on $today → $overdue", ({ status, today, overdue }) => {
    expect(isAssessmentOverdue(stateIn[status](), today)).toBe(overdue);
  });
});
