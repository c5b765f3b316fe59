/**
 * Calendar arithmetic on `YYYY-MM-DD` dates: business days (weekends and a configurable holiday
 * list skipped), months for review cadences, and the questionnaire deadline and reminders
 * (due 14 business days after sending; reminders 7 and 2 business days before; overdue after).
 * Dates carry no time zone: each is turned into a day number (days since 1970-01-01) and back,
 * so daylight-saving changes and the machine's zone cannot shift a date.
 */
import { z } from "zod";
import { AppError } from "./errors.ts";

/** A calendar date as written in the API and the data files. */
export type CalendarDate = string;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** The questionnaire deadline in business days (seed: "give vendors 14 business days"). */
export const QUESTIONNAIRE_BUSINESS_DAYS = 14;
/** Reminders go out this many business days before the due date. */
export const REMINDER_OFFSETS = [7, 2] as const;

function toDayNumber(date: CalendarDate): number | undefined {
  const m = DATE_PATTERN.exec(date);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return Math.round(ms / MS_PER_DAY);
}

function fromDayNumber(day: number): CalendarDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** True when `value` is a real calendar date in `YYYY-MM-DD` form (2026-02-30 is not). */
export function isCalendarDate(value: unknown): value is CalendarDate {
  return typeof value === "string" && toDayNumber(value) !== undefined;
}

/** zod schema for a calendar date, for use in input schemas. */
export const CalendarDateSchema = z
  .string()
  .refine(isCalendarDate, { message: "expected a date YYYY-MM-DD" });

function dayNumber(date: CalendarDate, field = "date"): number {
  const n = toDayNumber(date);
  if (n === undefined) {
    throw new AppError("VALIDATION_FAILED", `${field} must be a calendar date YYYY-MM-DD.`, {
      details: { field, value: date },
    });
  }
  return n;
}

/** Options shared by the business-day functions. */
export interface BusinessCalendar {
  /** Dates that are not business days besides Saturdays and Sundays. */
  holidays?: readonly CalendarDate[] | undefined;
}

function holidaySet(calendar: BusinessCalendar | undefined): Set<number> {
  const set = new Set<number>();
  for (const h of calendar?.holidays ?? []) set.add(dayNumber(h, "holiday"));
  return set;
}

function isWeekendDay(day: number): boolean {
  // Day 0 (1970-01-01) was a Thursday; 0 = Sunday … 6 = Saturday.
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
}

/** Day of the week, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(date: CalendarDate): number {
  return (((dayNumber(date) + 4) % 7) + 7) % 7;
}

/** True when `date` is neither a weekend day nor in the holiday list. */
export function isBusinessDay(date: CalendarDate, calendar?: BusinessCalendar): boolean {
  const day = dayNumber(date);
  return !isWeekendDay(day) && !holidaySet(calendar).has(day);
}

/** Adds (or, with a negative n, subtracts) calendar days. */
export function addCalendarDays(date: CalendarDate, n: number): CalendarDate {
  return fromDayNumber(dayNumber(date) + n);
}

/**
 * Moves `n` business days from `date`: the start day itself never counts, so adding 1 to a Friday
 * gives Monday and adding 0 returns the date unchanged. Negative `n` moves backwards.
 */
export function addBusinessDays(date: CalendarDate, n: number, calendar?: BusinessCalendar): CalendarDate {
  if (!Number.isInteger(n)) {
    throw new AppError("VALIDATION_FAILED", "The number of business days must be a whole number.", {
      details: { n },
    });
  }
  const holidays = holidaySet(calendar);
  let day = dayNumber(date);
  const step = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  while (left > 0) {
    day += step;
    if (!isWeekendDay(day) && !holidays.has(day)) left -= 1;
  }
  return fromDayNumber(day);
}

/**
 * Business days from `from` to `to`: forwards, the business days after `from` up to and including
 * `to`; backwards, the business days from `to` up to but excluding `from`, negated. Either way it
 * is the inverse of addBusinessDays.
 */
export function businessDaysBetween(
  from: CalendarDate,
  to: CalendarDate,
  calendar?: BusinessCalendar,
): number {
  const holidays = holidaySet(calendar);
  const a = dayNumber(from, "from");
  const b = dayNumber(to, "to");
  // Forwards count (a, b]; backwards count [b, a), so a step from a non-business day back to
  // the business day before it counts as one, exactly as addBusinessDays takes it.
  const [lo, hi] = a <= b ? [a + 1, b] : [b, a - 1];
  let count = 0;
  for (let day = lo; day <= hi; day += 1) {
    if (!isWeekendDay(day) && !holidays.has(day)) count += 1;
  }
  return a <= b ? count : -count;
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function calendarDaysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to, "to") - dayNumber(from, "from");
}

/**
 * Adds calendar months; a day that does not exist in the target month becomes that month's last
 * day (2026-01-31 + 1 month = 2026-02-28), the usual reading of "in one month".
 */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  dayNumber(date);
  const m = DATE_PATTERN.exec(date);
  if (!m || !Number.isInteger(months)) {
    throw new AppError("VALIDATION_FAILED", "Months must be a whole number.", { details: { months } });
  }
  const total = Number(m[1]) * 12 + (Number(m[2]) - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(Number(m[3]), lastDay);
  return `${String(year).padStart(4, "0")}-${String(month + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/** The earlier of two dates. */
export function minDate(a: CalendarDate, b: CalendarDate): CalendarDate {
  return dayNumber(a) <= dayNumber(b) ? a : b;
}

/** Compares two dates: negative when a < b, 0 when equal, positive when a > b. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return dayNumber(a) - dayNumber(b);
}

export interface DueDateOptions extends BusinessCalendar {
  /** Business days allowed; defaults to 14. */
  businessDays?: number | undefined;
}

/** The questionnaire due date: 14 business days (or `businessDays`) after the day it was sent. */
export function dueDateFor(sentOn: CalendarDate, options: DueDateOptions = {}): CalendarDate {
  return addBusinessDays(sentOn, options.businessDays ?? QUESTIONNAIRE_BUSINESS_DAYS, options);
}

export type ReminderKind = "due_in_7_business_days" | "due_in_2_business_days" | "overdue";

export interface Reminder {
  kind: ReminderKind;
  on: CalendarDate;
}

/**
 * The reminder dates for a due date: 7 and 2 business days before it, and the first business day
 * after it (overdue). A reminder that would fall on or before the sending day is left out, since
 * the vendor has just received the questionnaire.
 */
export function reminderSchedule(
  dueDate: CalendarDate,
  options: BusinessCalendar & { sentOn?: CalendarDate | undefined } = {},
): Reminder[] {
  const reminders: Reminder[] = [];
  for (const offset of REMINDER_OFFSETS) {
    const on = addBusinessDays(dueDate, -offset, options);
    if (options.sentOn !== undefined && compareDates(on, options.sentOn) <= 0) continue;
    reminders.push({ kind: offset === 7 ? "due_in_7_business_days" : "due_in_2_business_days", on });
  }
  reminders.push({ kind: "overdue", on: addBusinessDays(dueDate, 1, options) });
  return reminders;
}

/** True when `today` is after the due date (the whole due date is still on time). */
export function isOverdue(dueDate: CalendarDate, today: CalendarDate): boolean {
  return compareDates(today, dueDate) > 0;
}

/** The reminders whose date is exactly `today`; a daily job calls this and sends what it returns. */
export function remindersDueOn(
  dueDate: CalendarDate,
  today: CalendarDate,
  options: BusinessCalendar & { sentOn?: CalendarDate | undefined } = {},
): Reminder[] {
  return reminderSchedule(dueDate, options).filter((r) => compareDates(r.on, today) === 0);
}
