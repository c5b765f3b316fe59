import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addBusinessDays,
  addMonths,
  businessDaysBetween,
  calendarDaysBetween,
  dueDateFor,
  isBusinessDay,
  isCalendarDate,
  isOverdue,
  reminderSchedule,
  remindersDueOn,
  weekdayOf,
} from "./business-days.ts";
import { isAppError } from "./errors.ts";

// 2026-11-20 is a Friday, 2026-11-23 a Monday; 2026-11-26 is US Thanksgiving.
const winterHolidays = ["2026-12-25", "2027-01-01"];

describe("addBusinessDays", () => {
  it.each([
    { from: "2026-11-20", n: 1, holidays: [], expected: "2026-11-23", why: "Friday + 1 skips the weekend" },
    { from: "2026-11-23", n: 0, holidays: [], expected: "2026-11-23", why: "zero is the same day" },
    { from: "2026-11-23", n: 5, holidays: [], expected: "2026-11-30", why: "a full week" },
    { from: "2026-11-21", n: 1, holidays: [], expected: "2026-11-23", why: "starting on a Saturday" },
    { from: "2026-11-23", n: -1, holidays: [], expected: "2026-11-20", why: "backwards over a weekend" },
    { from: "2026-11-25", n: 1, holidays: ["2026-11-26"], expected: "2026-11-27", why: "holiday skipped" },
    {
      from: "2026-11-25",
      n: 1,
      holidays: ["2026-11-26", "2026-11-27"],
      expected: "2026-11-30",
      why: "holidays then weekend",
    },
    { from: "2026-12-18", n: 14, holidays: winterHolidays, expected: "2027-01-11", why: "over year end" },
    { from: "2026-12-18", n: 14, holidays: [], expected: "2027-01-07", why: "year end, no holidays" },
    { from: "2024-02-28", n: 1, holidays: [], expected: "2024-02-29", why: "leap day is a Thursday" },
  ])("$from + $n → $expected ($why)", ({ from, n, holidays, expected }) => {
    expect(addBusinessDays(from, n, { holidays })).toBe(expected);
  });

  it("rejects a fractional count and an impossible date with VALIDATION_FAILED", () => {
    expect(() => addBusinessDays("2026-11-23", 1.5)).toThrow(
      expect.objectContaining({ code: "VALIDATION_FAILED" }),
    );
    try {
      addBusinessDays("2026-02-30", 1);
      expect.unreachable();
    } catch (error) {
      expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
    }
  });
});

describe("businessDaysBetween", () => {
  it.each([
    { from: "2026-11-20", to: "2026-11-23", holidays: [], expected: 1 },
    { from: "2026-11-23", to: "2026-12-11", holidays: [], expected: 14 },
    { from: "2026-12-11", to: "2026-11-23", holidays: [], expected: -14 },
    { from: "2026-11-21", to: "2026-11-20", holidays: [], expected: -1 },
    { from: "2026-11-23", to: "2026-11-23", holidays: [], expected: 0 },
    { from: "2026-11-21", to: "2026-11-22", holidays: [], expected: 0 },
    { from: "2026-11-23", to: "2026-11-30", holidays: ["2026-11-26"], expected: 4 },
  ])("$from → $to = $expected", ({ from, to, holidays, expected }) => {
    expect(businessDaysBetween(from, to, { holidays })).toBe(expected);
  });

  it("is the inverse of addBusinessDays for any start and count", () => {
    const day = fc
      .integer({ min: 0, max: 40_000 })
      .map((d) => new Date(d * 86_400_000).toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        day,
        fc.integer({ min: -300, max: 300 }),
        fc.array(day, { maxLength: 20 }),
        (start, n, holidays) => {
          const end = addBusinessDays(start, n, { holidays });
          expect(businessDaysBetween(start, end, { holidays })).toBe(n);
          if (n !== 0) expect(isBusinessDay(end, { holidays })).toBe(true);
        },
      ),
    );
  });
});

describe("calendar helpers", () => {
  it.each([
    { date: "2026-01-31", months: 1, expected: "2026-02-28" },
    { date: "2024-01-31", months: 1, expected: "2024-02-29" },
    { date: "2026-11-22", months: 3, expected: "2027-02-22" },
    { date: "2026-05-15", months: -6, expected: "2025-11-15" },
    { date: "2026-08-31", months: 6, expected: "2027-02-28" },
    { date: "2026-03-10", months: 12, expected: "2027-03-10" },
  ])("addMonths($date, $months) = $expected", ({ date, months, expected }) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it("knows real dates from look-alikes", () => {
    expect(isCalendarDate("2024-02-29")).toBe(true);
    expect(isCalendarDate("2026-02-29")).toBe(false);
    expect(isCalendarDate("2026-13-01")).toBe(false);
    expect(isCalendarDate("2026-1-01")).toBe(false);
    expect(isCalendarDate(20261122)).toBe(false);
    expect(weekdayOf("2026-11-22")).toBe(0);
    expect(weekdayOf("2026-11-20")).toBe(5);
    expect(calendarDaysBetween("2026-12-31", "2027-01-02")).toBe(2);
  });
});

describe("questionnaire deadline and reminders", () => {
  it.each([
    { sentOn: "2026-11-23", holidays: [], expected: "2026-12-11" },
    { sentOn: "2026-11-23", holidays: ["2026-11-26"], expected: "2026-12-14" },
    { sentOn: "2026-11-22", holidays: [], expected: "2026-12-10" },
    { sentOn: "2026-12-18", holidays: winterHolidays, expected: "2027-01-11" },
  ])("sent $sentOn → due $expected", ({ sentOn, holidays, expected }) => {
    expect(dueDateFor(sentOn, { holidays })).toBe(expected);
    expect(businessDaysBetween(sentOn, expected, { holidays })).toBe(14);
  });

  it("sends reminders 7 and 2 business days before the due date and on the first overdue day", () => {
    expect(reminderSchedule("2026-12-11")).toEqual([
      { kind: "due_in_7_business_days", on: "2026-12-02" },
      { kind: "due_in_2_business_days", on: "2026-12-09" },
      { kind: "overdue", on: "2026-12-14" },
    ]);
    expect(reminderSchedule("2027-01-11", { holidays: winterHolidays })).toEqual([
      { kind: "due_in_7_business_days", on: "2026-12-30" },
      { kind: "due_in_2_business_days", on: "2027-01-07" },
      { kind: "overdue", on: "2027-01-12" },
    ]);
  });

  it("leaves out a reminder that would fall on or before the sending day", () => {
    const sentOn = "2026-11-23";
    const due = dueDateFor(sentOn, { businessDays: 5 });
    expect(reminderSchedule(due, { sentOn }).map((r) => r.kind)).toEqual([
      "due_in_2_business_days",
      "overdue",
    ]);
  });

  it("reports what is due on a given day and when the questionnaire is overdue", () => {
    expect(remindersDueOn("2026-12-11", "2026-12-09")).toEqual([
      { kind: "due_in_2_business_days", on: "2026-12-09" },
    ]);
    expect(remindersDueOn("2026-12-11", "2026-12-10")).toEqual([]);
    expect(isOverdue("2026-12-11", "2026-12-11")).toBe(false);
    expect(isOverdue("2026-12-11", "2026-12-12")).toBe(true);
  });
});
