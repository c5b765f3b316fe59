/**
 * Questionnaire reminders: which reminder an assessment is owed today, and what it says. The
 * dates come from `reminderSchedule` (7 and 2 business days before the due date, the first
 * business day after it); this module adds what a scheduler that does not run every day needs:
 * catch-up (send the most urgent reminder whose day has come, once) and the rule that nothing goes
 * out for an assessment the vendor no longer owes answers on.
 */
import type { AssessmentStatus } from "./assessment-workflow.ts";
import {
  businessDaysBetween,
  type CalendarDate,
  calendarDaysBetween,
  compareDates,
  reminderSchedule,
  type ReminderKind as ScheduleKind,
} from "./business-days.ts";

/** The reminders of a questionnaire, from least to most urgent. */
export const REMINDER_KINDS = ["reminder_7", "reminder_2", "overdue"] as const;
export type AssessmentReminderKind = (typeof REMINDER_KINDS)[number];

/** Statuses in which the vendor still owes answers; only these get reminders. */
export const AWAITING_VENDOR_STATUSES = [
  "sent",
  "in_progress",
] as const satisfies readonly AssessmentStatus[];

const KIND_OF: Record<ScheduleKind, AssessmentReminderKind> = {
  due_in_7_business_days: "reminder_7",
  due_in_2_business_days: "reminder_2",
  overdue: "overdue",
};

export interface ReminderQuestion {
  status: AssessmentStatus;
  dueDate: CalendarDate | null;
  /** The day the questionnaire went out; reminders that would fall on or before it are skipped. */
  sentOn: CalendarDate | null;
  today: CalendarDate;
  holidays?: readonly CalendarDate[] | undefined;
  /** Reminders already written for this due date (on the channel being decided). */
  alreadySent: readonly AssessmentReminderKind[];
}

export interface DueReminder {
  kind: AssessmentReminderKind;
  /** The day the reminder was scheduled for; earlier than `today` when it is a catch-up. */
  scheduledOn: CalendarDate;
  dueDate: CalendarDate;
  /** Business days from today to the due date; negative once overdue. */
  businessDaysLeft: number;
}

/**
 * The one reminder owed today, if any. Of the reminders whose day has come, only the most urgent
 * counts: a scheduler that missed the 7-day reminder and runs once the 2-day one is due sends the
 * 2-day one and never the 7-day one afterwards. A reminder already sent is not sent again, and a
 * questionnaire that is submitted, under review or decided gets none.
 */
export function reminderDue(question: ReminderQuestion): DueReminder | undefined {
  const { status, dueDate, today } = question;
  if (!(AWAITING_VENDOR_STATUSES as readonly string[]).includes(status) || dueDate === null) return undefined;
  const calendar = { holidays: question.holidays, sentOn: question.sentOn ?? undefined };
  const reached = reminderSchedule(dueDate, calendar).filter((r) => compareDates(r.on, today) <= 0);
  const latest = reached.at(-1);
  if (latest === undefined) return undefined;
  const kind = KIND_OF[latest.kind];
  if (question.alreadySent.includes(kind)) return undefined;
  // A more urgent reminder already out (an earlier run, or a due date moved later) supersedes this one.
  const rank = REMINDER_KINDS.indexOf(kind);
  if (question.alreadySent.some((k) => REMINDER_KINDS.indexOf(k) > rank)) return undefined;
  return {
    kind,
    scheduledOn: latest.on,
    dueDate,
    businessDaysLeft: businessDaysBetween(today, dueDate, calendar),
  };
}

export interface ReminderMessageInput {
  reminder: DueReminder;
  vendorName: string;
  respondentName?: string | null | undefined;
  /** Where Assay is reached (ASSAY_PUBLIC_URL); names the portal page without its token. */
  publicUrl?: string | undefined;
}

export interface ReminderMessage {
  subject: string;
  body: string;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * The subject and plain-text body of a reminder. The portal token is kept only as a hash, so the
 * message cannot carry the link: it points the respondent to the link they received and to the
 * assessor, who can issue a new one.
 */
export function reminderMessage(input: ReminderMessageInput): ReminderMessage {
  const { reminder, vendorName } = input;
  const left = reminder.businessDaysLeft;
  const subject =
    reminder.kind === "overdue"
      ? `Overdue: the AI vendor questionnaire for ${vendorName} was due on ${reminder.dueDate}`
      : left <= 0
        ? `Reminder: the AI vendor questionnaire for ${vendorName} is due today (${reminder.dueDate})`
        : `Reminder: the AI vendor questionnaire for ${vendorName} is due on ${reminder.dueDate} (${plural(left, "business day")} left)`;
  const status =
    reminder.kind === "overdue"
      ? `The questionnaire we sent to ${vendorName} was due on ${reminder.dueDate} and has not been submitted yet (${plural(-left, "business day")} late). Please complete and submit it as soon as you can.`
      : left <= 0
        ? `The questionnaire we sent to ${vendorName} is due today, ${reminder.dueDate}.`
        : `The questionnaire we sent to ${vendorName} is due on ${reminder.dueDate}, in ${plural(left, "business day")}.`;
  const portal = input.publicUrl
    ? `the questionnaire page (an address under ${input.publicUrl.replace(/\/+$/, "")}/portal/)`
    : "the questionnaire page";
  const lines = [
    input.respondentName ? `Hello ${input.respondentName},` : "Hello,",
    "",
    status,
    "",
    `To answer, open ${portal} with the personal link you received when the questionnaire was sent. Your saved answers are kept there.`,
    "For your security this message does not repeat the link. If you no longer have it, or it has stopped working, contact the person who sent you the questionnaire (not this automatic address): they can issue a new link.",
    "",
    "This is an automatic reminder.",
  ];
  return { subject, body: lines.join("\n") };
}

// ---------------------------------------------------------------- certificate expiry

/** Days before a certificate's valid-until date when its renewal reminder goes out. */
export const CERTIFICATE_REMINDER_DAYS = 60;

/** The notices of a certificate, from least to most urgent. */
export const CERTIFICATE_REMINDER_KINDS = ["certificate_expiring", "certificate_expired"] as const;
export type CertificateReminderKind = (typeof CERTIFICATE_REMINDER_KINDS)[number];

export interface CertificateReminderQuestion {
  /** The certificate's valid-until date. */
  expiresOn: CalendarDate;
  today: CalendarDate;
  /** Notices already written for this certificate and date (on the channel and recipient being decided). */
  alreadySent: readonly CertificateReminderKind[];
}

export interface DueCertificateReminder {
  kind: CertificateReminderKind;
  expiresOn: CalendarDate;
  /** Calendar days from today to the valid-until date; negative once expired. */
  daysLeft: number;
}

/**
 * The one certificate notice owed today, if any: "expiring" from 60 days before the valid-until
 * date through that date, "expired" from the day after. An expired notice replaces an expiring one
 * never sent (a certificate uploaded late), and each goes out once.
 */
export function certificateReminderDue(
  question: CertificateReminderQuestion,
): DueCertificateReminder | undefined {
  const { expiresOn, today, alreadySent } = question;
  const daysLeft = calendarDaysBetween(today, expiresOn);
  if (daysLeft > CERTIFICATE_REMINDER_DAYS) return undefined;
  const kind: CertificateReminderKind = daysLeft < 0 ? "certificate_expired" : "certificate_expiring";
  if (alreadySent.includes(kind) || alreadySent.includes("certificate_expired")) return undefined;
  return { kind, expiresOn, daysLeft };
}

export interface CertificateReminderInput {
  reminder: DueCertificateReminder;
  vendorName: string;
  /** e.g. "ISO/IEC 27001". */
  standard: string;
  documentTitle: string;
}

/** The notice to the team that follows the vendor up: what expires, when, and what to ask for. */
export function certificateReminderMessage(input: CertificateReminderInput): {
  subject: string;
  body: string;
} {
  const { reminder, vendorName, standard, documentTitle } = input;
  const days = Math.abs(reminder.daysLeft);
  const when =
    reminder.kind === "certificate_expired"
      ? `expired on ${reminder.expiresOn} (${days} day${days === 1 ? "" : "s"} ago)`
      : reminder.daysLeft === 0
        ? `expires today (${reminder.expiresOn})`
        : `expires on ${reminder.expiresOn}, in ${days} day${days === 1 ? "" : "s"}`;
  const subject =
    reminder.kind === "certificate_expired"
      ? `${vendorName}: ${standard} certificate expired on ${reminder.expiresOn}`
      : `${vendorName}: ${standard} certificate expires on ${reminder.expiresOn}`;
  const body = [
    `The ${standard} certificate on file for ${vendorName} ("${documentTitle}") ${when}.`,
    "",
    reminder.kind === "certificate_expired"
      ? "Until a current certificate is on file, the vendor's evidence counts this control as unproven. Ask the vendor for the renewed certificate or the certification body's confirmation that the surveillance audit passed, and upload it to the vendor's evidence."
      : "Ask the vendor now for the renewed certificate (or the date of its recertification audit), and upload it to the vendor's evidence when it arrives.",
    "",
    "This notice was sent by Assay.",
  ].join("\n");
  return { subject, body };
}
