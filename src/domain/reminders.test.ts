import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AssessmentStatus } from "./assessment-workflow.ts";
import { addBusinessDays, addCalendarDays, compareDates } from "./business-days.ts";
import {
  type AssessmentReminderKind,
  certificateReminderDue,
  certificateReminderMessage,
  REMINDER_KINDS,
  reminderDue,
  reminderMessage,
} from "./reminders.ts";

// Sent Monday 2026-03-02, due Friday 2026-03-20 (14 business days). Reminder days by hand:
// 7 before = Wednesday 03-11, 2 before = Wednesday 03-18, overdue = Monday 03-23.
const BASE = { status: "sent" as AssessmentStatus, dueDate: "2026-03-20", sentOn: "2026-03-02" };

type Row = {
  name: string;
  today: string;
  sent?: AssessmentReminderKind[];
  status?: AssessmentStatus;
  dueDate?: string | null;
  sentOn?: string;
  holidays?: string[];
  expected: { kind: AssessmentReminderKind; scheduledOn: string; left: number } | undefined;
};

const rows: Row[] = [
  { name: "nothing before the 7-day day", today: "2026-03-10", expected: undefined },
  {
    name: "7-day reminder on its day",
    today: "2026-03-11",
    expected: { kind: "reminder_7", scheduledOn: "2026-03-11", left: 7 },
  },
  {
    name: "7-day reminder caught up a day late",
    today: "2026-03-12",
    expected: { kind: "reminder_7", scheduledOn: "2026-03-11", left: 6 },
  },
  {
    name: "caught up over a weekend",
    today: "2026-03-15",
    expected: { kind: "reminder_7", scheduledOn: "2026-03-11", left: 5 },
  },
  { name: "7-day reminder not repeated", today: "2026-03-12", sent: ["reminder_7"], expected: undefined },
  {
    name: "missed 7-day reminder is skipped once the 2-day one is due",
    today: "2026-03-18",
    expected: { kind: "reminder_2", scheduledOn: "2026-03-18", left: 2 },
  },
  {
    name: "2-day reminder after the 7-day one",
    today: "2026-03-18",
    sent: ["reminder_7"],
    expected: { kind: "reminder_2", scheduledOn: "2026-03-18", left: 2 },
  },
  {
    name: "no 7-day reminder once the 2-day one went out",
    today: "2026-03-19",
    sent: ["reminder_2"],
    expected: undefined,
  },
  { name: "nothing on the due date itself", today: "2026-03-20", sent: ["reminder_2"], expected: undefined },
  {
    name: "nothing over the weekend after the due date",
    today: "2026-03-22",
    sent: ["reminder_2"],
    expected: undefined,
  },
  {
    name: "overdue on the first business day after",
    today: "2026-03-23",
    sent: ["reminder_7", "reminder_2"],
    expected: { kind: "overdue", scheduledOn: "2026-03-23", left: -1 },
  },
  {
    name: "overdue caught up a week late, nothing earlier",
    today: "2026-03-30",
    expected: { kind: "overdue", scheduledOn: "2026-03-23", left: -6 },
  },
  { name: "overdue sent once", today: "2026-03-31", sent: ["overdue"], expected: undefined },
  {
    name: "in progress still gets reminders",
    today: "2026-03-18",
    status: "in_progress",
    expected: { kind: "reminder_2", scheduledOn: "2026-03-18", left: 2 },
  },
  { name: "submitted gets none", today: "2026-03-18", status: "submitted", expected: undefined },
  { name: "under review gets none", today: "2026-03-23", status: "under_review", expected: undefined },
  { name: "decided gets none", today: "2026-03-23", status: "decided", expected: undefined },
  { name: "a draft gets none", today: "2026-03-23", status: "draft", dueDate: null, expected: undefined },
  {
    name: "a holiday on the overdue day moves it to the next business day",
    today: "2026-03-23",
    holidays: ["2026-03-23"],
    sent: ["reminder_2"],
    expected: undefined,
  },
  {
    name: "…and it goes out then",
    today: "2026-03-24",
    holidays: ["2026-03-23"],
    sent: ["reminder_2"],
    expected: { kind: "overdue", scheduledOn: "2026-03-24", left: -1 },
  },
  // Due Monday 2027-01-04 with 2026-12-25 and 2027-01-01 off: 2 before = Wed 12-30, 7 before = Tue 12-22.
  {
    name: "holidays push the 2-day reminder earlier",
    today: "2026-12-30",
    dueDate: "2027-01-04",
    sentOn: "2026-12-10",
    holidays: ["2026-12-25", "2027-01-01"],
    sent: ["reminder_7"],
    expected: { kind: "reminder_2", scheduledOn: "2026-12-30", left: 2 },
  },
  {
    name: "without the holidays it would be a day later",
    today: "2026-12-30",
    dueDate: "2027-01-04",
    sentOn: "2026-12-10",
    sent: ["reminder_7"],
    expected: undefined,
  },
  {
    name: "holidays push the 7-day reminder across Christmas",
    today: "2026-12-22",
    dueDate: "2027-01-04",
    sentOn: "2026-12-10",
    holidays: ["2026-12-25", "2027-01-01"],
    expected: { kind: "reminder_7", scheduledOn: "2026-12-22", left: 7 },
  },
  // Returned with a due date four business days after the send day: no 7-day reminder exists.
  {
    name: "a reminder on or before the send day is never sent",
    today: "2026-03-17",
    sentOn: "2026-03-16",
    expected: undefined,
  },
];

describe("reminderDue", () => {
  it.each(rows)("$name", (row) => {
    const got = reminderDue({
      status: row.status ?? BASE.status,
      dueDate: row.dueDate === undefined ? BASE.dueDate : row.dueDate,
      sentOn: row.sentOn ?? BASE.sentOn,
      today: row.today,
      holidays: row.holidays,
      alreadySent: row.sent ?? [],
    });
    if (row.expected === undefined) {
      expect(got).toBeUndefined();
    } else {
      expect(got).toEqual({
        kind: row.expected.kind,
        scheduledOn: row.expected.scheduledOn,
        dueDate: row.dueDate ?? BASE.dueDate,
        businessDaysLeft: row.expected.left,
      });
    }
  });

  it("a scheduler running on any subset of days sends each reminder at most once, in order, and always the overdue one", () => {
    const start = "2026-01-05";
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.array(fc.boolean(), { minLength: 60, maxLength: 60 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 4 }),
        (offset, runs, holidayOffsets) => {
          const sentOn = addCalendarDays(start, offset);
          const holidays = holidayOffsets.map((d) => addCalendarDays(sentOn, d + 1));
          const dueDate = addBusinessDays(sentOn, 14, { holidays });
          const sent: AssessmentReminderKind[] = [];
          let lastDay = sentOn;
          runs.forEach((ran, i) => {
            const today = addCalendarDays(sentOn, i);
            if (!ran) return;
            lastDay = today;
            const due = reminderDue({ status: "sent", dueDate, sentOn, today, holidays, alreadySent: sent });
            if (due) {
              expect(compareDates(due.scheduledOn, today)).toBeLessThanOrEqual(0);
              sent.push(due.kind);
            }
          });
          // Strictly increasing urgency, so nothing twice and never a 7-day after a 2-day.
          const ranks = sent.map((k) => REMINDER_KINDS.indexOf(k));
          expect(ranks).toEqual([...new Set(ranks)].sort((a, b) => a - b));
          const overdueOn = addBusinessDays(dueDate, 1, { holidays });
          // One more run on any day from the overdue day on always delivers the overdue reminder.
          if (compareDates(lastDay, overdueOn) >= 0) expect(sent.at(-1)).toBe("overdue");
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("reminderMessage", () => {
  const reminder = { kind: "reminder_2" as const, scheduledOn: "2026-03-18", dueDate: "2026-03-20" };

  it("names the vendor, the due date and the days left, and points to the link without containing one", () => {
    const m = reminderMessage({
      reminder: { ...reminder, businessDaysLeft: 2 },
      vendorName: "Acme AI",
      respondentName: "Jo Park",
      publicUrl: "https://assay.example.com/",
    });
    expect(m.subject).toBe(
      "Reminder: the AI vendor questionnaire for Acme AI is due on 2026-03-20 (2 business days left)",
    );
    expect(m.body).toContain("Hello Jo Park,");
    expect(m.body).toContain("due on 2026-03-20, in 2 business days");
    expect(m.body).toContain("https://assay.example.com/portal/");
    expect(m.body).toContain("link you received");
    expect(m.body).toContain("issue a new link");
    expect(m.body).not.toMatch(/assay_portal_/);
  });

  it("says how late an overdue questionnaire is, in the singular for one day", () => {
    const m = reminderMessage({
      reminder: { ...reminder, kind: "overdue", scheduledOn: "2026-03-23", businessDaysLeft: -1 },
      vendorName: "Acme AI",
    });
    expect(m.subject).toBe("Overdue: the AI vendor questionnaire for Acme AI was due on 2026-03-20");
    expect(m.body).toContain("(1 business day late)");
    expect(m.body.startsWith("Hello,\n")).toBe(true);
  });

  it("a reminder caught up on the due date says it is due today", () => {
    const m = reminderMessage({ reminder: { ...reminder, businessDaysLeft: 0 }, vendorName: "Acme AI" });
    expect(m.subject).toContain("is due today (2026-03-20)");
  });
});

describe("certificateReminderDue", () => {
  it.each([
    { today: "2026-01-01", expiresOn: "2026-06-30", sent: [], want: undefined },
    { today: "2026-05-01", expiresOn: "2026-06-30", sent: [], want: ["certificate_expiring", 60] },
    { today: "2026-04-30", expiresOn: "2026-06-30", sent: [], want: undefined },
    { today: "2026-06-30", expiresOn: "2026-06-30", sent: [], want: ["certificate_expiring", 0] },
    { today: "2026-06-10", expiresOn: "2026-06-30", sent: ["certificate_expiring"], want: undefined },
    {
      today: "2026-07-01",
      expiresOn: "2026-06-30",
      sent: ["certificate_expiring"],
      want: ["certificate_expired", -1],
    },
    { today: "2027-01-01", expiresOn: "2026-06-30", sent: [], want: ["certificate_expired", -185] },
    { today: "2026-08-01", expiresOn: "2026-06-30", sent: ["certificate_expired"], want: undefined },
  ] as const)("on $today for a certificate valid until $expiresOn (sent: $sent) → $want", (c) => {
    const due = certificateReminderDue({ expiresOn: c.expiresOn, today: c.today, alreadySent: c.sent });
    expect(due === undefined ? undefined : [due.kind, due.daysLeft]).toEqual(c.want);
  });

  it("says what expires, when, and what to ask the vendor for", () => {
    const expiring = certificateReminderMessage({
      reminder: { kind: "certificate_expiring", expiresOn: "2026-06-30", daysLeft: 1 },
      vendorName: "Example AI",
      standard: "ISO/IEC 27001",
      documentTitle: "ISO 27001 certificate 2023",
    });
    expect(expiring.subject).toBe("Example AI: ISO/IEC 27001 certificate expires on 2026-06-30");
    expect(expiring.body).toContain("expires on 2026-06-30, in 1 day.");
    expect(expiring.body).toContain("renewed certificate");
    const expired = certificateReminderMessage({
      reminder: { kind: "certificate_expired", expiresOn: "2026-06-30", daysLeft: -3 },
      vendorName: "Example AI",
      standard: "ISO/IEC 42001",
      documentTitle: "AIMS certificate",
    });
    expect(expired.subject).toBe("Example AI: ISO/IEC 42001 certificate expired on 2026-06-30");
    expect(expired.body).toContain("expired on 2026-06-30 (3 days ago)");
  });
});
