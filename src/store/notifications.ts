/**
 * The notification outbox. `scheduleReminders` decides which questionnaire reminders are owed and
 * writes one row per channel in the same transaction as its audit entry; the dedupe key makes a
 * reminder exist once however often (and on however many servers) the scheduler runs.
 * `deliverPending` hands due rows to the transports, retrying with exponential backoff; a row is
 * claimed with a lease before anything is sent, so a crash mid-send delays it but never loses it.
 */
import { and, asc, count, desc, eq, inArray, isNotNull, isNull, lte, type SQL, sql } from "drizzle-orm";
import { addCalendarDays, type CalendarDate } from "../domain/business-days.ts";
import { AppError } from "../domain/errors.ts";
import {
  type AssessmentReminderKind,
  AWAITING_VENDOR_STATUSES,
  CERTIFICATE_REMINDER_DAYS,
  CERTIFICATE_REMINDER_KINDS,
  certificateReminderDue,
  certificateReminderMessage,
  REMINDER_KINDS,
  reminderDue,
  reminderMessage,
} from "../domain/reminders.ts";
import { type Actor, recordAudit, SYSTEM_ACTOR } from "./audit-log.ts";
import type { Db } from "./database.ts";
import { assessments, documents, notifications, users, vendors } from "./schema.ts";

export const NOTIFICATION_CHANNELS = ["email", "webhook"] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];
export const NOTIFICATION_STATUSES = ["pending", "sent", "failed"] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/** What a transport receives: one outbox row, ready to send. */
export interface OutboxMessage {
  id: string;
  /** e.g. assessment.reminder_7 */
  kind: string;
  channel: NotificationChannel;
  recipient: string;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** Sends one message or throws; the error's message is stored, so it must hold no secret. */
export interface NotificationTransport {
  send(message: OutboxMessage): Promise<void>;
}

export type NotificationTransports = Partial<Record<NotificationChannel, NotificationTransport>>;

const SCHEDULER_ACTOR: Actor = { ...SYSTEM_ACTOR, label: "notification scheduler" };

function dayOf(now: Date): CalendarDate {
  return now.toISOString().slice(0, 10);
}

/** The one key per assessment, due date, reminder and channel that keeps a reminder from repeating. */
export function reminderDedupeKey(
  assessmentId: string,
  dueDate: CalendarDate,
  kind: AssessmentReminderKind,
  channel: NotificationChannel,
): string {
  return `reminder:${assessmentId}:${dueDate}:${kind}:${channel}`;
}

export interface ScheduleOptions {
  now: Date;
  holidays: readonly CalendarDate[];
  /** The configured channels; none means nothing is scheduled (nothing leaves the machine). */
  channels: readonly NotificationChannel[];
  /** ASSAY_PUBLIC_URL, named in the message so the respondent recognises the portal. */
  publicUrl?: string | undefined;
  /** What the webhook rows show as their recipient (the endpoint's host, never its full URL). */
  webhookRecipient?: string | undefined;
}

export interface ScheduleResult {
  /** What was looked at: assessments waiting on the vendor, or current certificates. */
  checked: number;
  /** Outbox rows written by this run. */
  scheduled: number;
}

/**
 * Writes the reminders owed today for every assessment still waiting on its vendor, in every
 * workspace: one row per configured channel (e-mail only when the assessment names a respondent).
 * Idempotent: a second run on the same day writes nothing.
 */
export async function scheduleReminders(db: Db, options: ScheduleOptions): Promise<ScheduleResult> {
  if (options.channels.length === 0) return { checked: 0, scheduled: 0 };
  const today = dayOf(options.now);
  const waiting = await db
    .select({
      id: assessments.id,
      workspaceId: assessments.workspaceId,
      vendorId: assessments.vendorId,
      vendorName: vendors.name,
      status: assessments.status,
      dueDate: assessments.dueDate,
      sentOn: assessments.sentOn,
      respondentEmail: assessments.respondentEmail,
      respondentName: assessments.respondentName,
    })
    .from(assessments)
    .innerJoin(vendors, eq(vendors.id, assessments.vendorId))
    .where(and(inArray(assessments.status, [...AWAITING_VENDOR_STATUSES]), isNotNull(assessments.dueDate)))
    .orderBy(asc(assessments.dueDate), asc(assessments.id));
  let scheduled = 0;
  for (let i = 0; i < waiting.length; i += 500) {
    const batch = waiting.slice(i, i + 500);
    const existing = new Set(
      (
        await db
          .select({ key: notifications.dedupeKey })
          .from(notifications)
          .where(
            inArray(
              notifications.assessmentId,
              batch.map((a) => a.id),
            ),
          )
      ).map((r) => r.key),
    );
    const owed: (typeof notifications.$inferInsert)[] = [];
    for (const a of batch) {
      if (a.dueDate === null) continue;
      const dueDate = a.dueDate;
      for (const channel of options.channels) {
        if (channel === "email" && !a.respondentEmail) continue;
        const alreadySent = REMINDER_KINDS.filter((k) =>
          existing.has(reminderDedupeKey(a.id, dueDate, k, channel)),
        );
        const due = reminderDue({
          status: a.status as (typeof AWAITING_VENDOR_STATUSES)[number],
          dueDate,
          sentOn: a.sentOn,
          today,
          holidays: options.holidays,
          alreadySent,
        });
        if (!due) continue;
        const message = reminderMessage({
          reminder: due,
          vendorName: a.vendorName,
          respondentName: a.respondentName,
          publicUrl: options.publicUrl,
        });
        const kind = `assessment.${due.kind}`;
        const recipient =
          channel === "email" ? (a.respondentEmail ?? "") : (options.webhookRecipient ?? "webhook");
        const payload = {
          assessmentId: a.id,
          vendorId: a.vendorId,
          vendorName: a.vendorName,
          reminder: due.kind,
          dueDate,
          scheduledOn: due.scheduledOn,
          businessDaysLeft: due.businessDaysLeft,
          status: a.status,
        };
        owed.push({
          workspaceId: a.workspaceId,
          kind,
          channel,
          recipient,
          subject: message.subject,
          body: message.body,
          payload,
          assessmentId: a.id,
          dedupeKey: reminderDedupeKey(a.id, dueDate, due.kind, channel),
          nextAttemptAt: options.now,
        });
      }
    }
    scheduled += await writeOutboxRows(db, owed);
  }
  return { checked: waiting.length, scheduled };
}

// ---------------------------------------------------------------- certificate expiry

/** Certificates whose valid-until date is followed up, with the standard each one attests. */
const CERTIFICATE_STANDARDS: Readonly<Record<string, string>> = {
  iso27001: "ISO/IEC 27001",
  iso42001: "ISO/IEC 42001",
};

/** The one key per certificate, valid-until date, notice, channel and recipient. */
export function certificateDedupeKey(
  documentId: string,
  expiresOn: CalendarDate,
  kind: string,
  channel: NotificationChannel,
  recipient: string,
): string {
  return `certificate:${documentId}:${expiresOn}:${kind}:${channel}:${recipient.toLowerCase()}`;
}

/**
 * Writes the certificate notices owed today: for each vendor's newest ISO/IEC 27001 and 42001
 * certificate (a renewed one uploaded supersedes the old), "expiring" from 60 days before its
 * valid-until date and "expired" after it. They go to the team, not the vendor: by e-mail to the
 * workspace's active administrators and to the webhook. Idempotent like `scheduleReminders`.
 */
export async function scheduleCertificateReminders(
  db: Db,
  options: ScheduleOptions,
): Promise<ScheduleResult> {
  if (options.channels.length === 0) return { checked: 0, scheduled: 0 };
  const today = dayOf(options.now);
  const certificates = await db
    .select({
      id: documents.id,
      workspaceId: documents.workspaceId,
      vendorId: documents.vendorId,
      vendorName: vendors.name,
      type: documents.type,
      title: documents.title,
      expiresOn: documents.expiresOn,
    })
    .from(documents)
    .innerJoin(vendors, eq(vendors.id, documents.vendorId))
    .where(and(inArray(documents.type, Object.keys(CERTIFICATE_STANDARDS)), isNotNull(documents.expiresOn)))
    .orderBy(asc(documents.expiresOn), asc(documents.id));
  // The newest certificate of each vendor and standard is the one that counts.
  const current = new Map<string, (typeof certificates)[number]>();
  for (const c of certificates) current.set(`${c.workspaceId}:${c.vendorId}:${c.type}`, c);
  const horizon = addCalendarDays(today, CERTIFICATE_REMINDER_DAYS);
  const owedCertificates = [...current.values()].filter(
    (c) => c.expiresOn !== null && c.expiresOn <= horizon,
  );
  if (owedCertificates.length === 0) return { checked: current.size, scheduled: 0 };

  const admins = options.channels.includes("email")
    ? await db
        .select({ workspaceId: users.workspaceId, email: users.email })
        .from(users)
        .where(and(eq(users.role, "admin"), isNull(users.disabledAt)))
        .orderBy(asc(users.email))
    : [];
  const existing = new Set(
    (
      await db
        .select({ key: notifications.dedupeKey })
        .from(notifications)
        .where(
          and(
            inArray(
              notifications.kind,
              CERTIFICATE_REMINDER_KINDS.map((k) => `document.${k}`),
            ),
            // Only the notices of the certificates owed something: the outbox only grows.
            inArray(
              sql`${notifications.payload}->>'documentId'`,
              owedCertificates.map((c) => c.id),
            ),
          ),
        )
    ).map((r) => r.key),
  );
  const owed: (typeof notifications.$inferInsert)[] = [];
  for (const c of owedCertificates) {
    const expiresOn = c.expiresOn ?? today;
    const recipients: Array<{ channel: NotificationChannel; recipient: string }> = [];
    for (const channel of options.channels) {
      if (channel === "webhook")
        recipients.push({ channel, recipient: options.webhookRecipient ?? "webhook" });
      else
        for (const a of admins)
          if (a.workspaceId === c.workspaceId) recipients.push({ channel, recipient: a.email });
    }
    for (const { channel, recipient } of recipients) {
      const alreadySent = CERTIFICATE_REMINDER_KINDS.filter((k) =>
        existing.has(certificateDedupeKey(c.id, expiresOn, `document.${k}`, channel, recipient)),
      );
      const due = certificateReminderDue({ expiresOn, today, alreadySent });
      if (!due) continue;
      const standard = CERTIFICATE_STANDARDS[c.type] ?? c.type;
      const message = certificateReminderMessage({
        reminder: due,
        vendorName: c.vendorName,
        standard,
        documentTitle: c.title,
      });
      const kind = `document.${due.kind}`;
      owed.push({
        workspaceId: c.workspaceId,
        kind,
        channel,
        recipient,
        subject: message.subject,
        body: message.body,
        payload: {
          documentId: c.id,
          vendorId: c.vendorId,
          vendorName: c.vendorName,
          standard,
          reminder: due.kind,
          expiresOn,
          daysLeft: due.daysLeft,
        },
        assessmentId: null,
        dedupeKey: certificateDedupeKey(c.id, expiresOn, kind, channel, recipient),
        nextAttemptAt: options.now,
      });
    }
  }
  return { checked: current.size, scheduled: await writeOutboxRows(db, owed) };
}

/**
 * Inserts outbox rows a hundred to a transaction, each with its audit entry; rows whose dedupe key
 * exists already (another scheduler was quicker) are skipped. Returns how many were written.
 */
async function writeOutboxRows(db: Db, rows: (typeof notifications.$inferInsert)[]): Promise<number> {
  let written = 0;
  for (let i = 0; i < rows.length; i += 100) {
    written += await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(notifications)
        .values(rows.slice(i, i + 100))
        .onConflictDoNothing({ target: [notifications.workspaceId, notifications.dedupeKey] })
        .returning();
      for (const row of inserted) {
        const payload = row.payload as {
          dueDate?: string;
          scheduledOn?: string;
          documentId?: string;
          expiresOn?: string;
        };
        await recordAudit(tx, {
          workspaceId: row.workspaceId,
          actor: SCHEDULER_ACTOR,
          action: "notification.schedule",
          targetType: row.assessmentId ? "assessment" : "document",
          targetId: row.assessmentId ?? payload.documentId ?? null,
          details: {
            notificationId: row.id,
            kind: row.kind,
            channel: row.channel,
            ...(row.assessmentId
              ? { dueDate: payload.dueDate, scheduledOn: payload.scheduledOn }
              : { expiresOn: payload.expiresOn }),
          },
        });
      }
      return inserted.length;
    });
  }
  return written;
}

export interface DeliverOptions {
  now: Date;
  /** Attempts before a row is marked failed; 5 by default. */
  maxAttempts?: number | undefined;
  /** Wait before the first retry; doubles with each further attempt (capped at 6 hours). */
  retryBaseMs?: number | undefined;
  /** Rows claimed per call. */
  limit?: number | undefined;
  /** How long a claimed row stays reserved for its sender before another worker may take it. */
  leaseMs?: number | undefined;
}

export interface DeliverResult {
  sent: number;
  /** Failed attempts that will be tried again. */
  retried: number;
  /** Rows given up after the last attempt. */
  failed: number;
}

const MAX_RETRY_MS = 6 * 3_600_000;

/** The wait after failed attempt number `attempt` (1-based): base, 2×base, 4×base… capped at 6 hours. */
export function retryDelayMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_RETRY_MS);
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 500 ? `${text.slice(0, 497)}…` : text;
}

/**
 * Sends the rows that are due through the transports given. Channels without a transport are left
 * pending. A transport that throws costs the row one attempt: it is retried after the backoff and
 * marked failed after `maxAttempts`; sent and finally failed rows are audit-logged. A reminder
 * whose assessment no longer waits on the vendor is withdrawn (failed, unsent) instead.
 */
export async function deliverPending(
  db: Db,
  transports: NotificationTransports,
  options: DeliverOptions,
): Promise<DeliverResult> {
  const result: DeliverResult = { sent: 0, retried: 0, failed: 0 };
  const channels = NOTIFICATION_CHANNELS.filter((c) => transports[c] !== undefined);
  if (channels.length === 0) return result;
  const maxAttempts = options.maxAttempts ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 60_000;
  const leaseUntil = new Date(options.now.getTime() + (options.leaseMs ?? 10 * 60_000));
  // Claim first, send afterwards: no transaction stays open across the network.
  const claimed = await db.transaction(async (tx) => {
    const due = await tx
      .select({
        id: notifications.id,
        workspaceId: notifications.workspaceId,
        kind: notifications.kind,
        channel: notifications.channel,
        assessmentId: notifications.assessmentId,
        assessmentStatus: assessments.status,
      })
      .from(notifications)
      .leftJoin(assessments, eq(assessments.id, notifications.assessmentId))
      .where(
        and(
          eq(notifications.status, "pending"),
          lte(notifications.nextAttemptAt, options.now),
          inArray(notifications.channel, channels),
        ),
      )
      .orderBy(asc(notifications.nextAttemptAt), asc(notifications.id))
      .limit(options.limit ?? 50)
      .for("update", { of: notifications, skipLocked: true });
    // A reminder still waiting (say, for a webhook that was down) when the vendor submitted is
    // not sent any more: it would ask for answers that are already in.
    const stale = due.filter(
      (d) =>
        d.kind.startsWith("assessment.") &&
        !(AWAITING_VENDOR_STATUSES as readonly (string | null)[]).includes(d.assessmentStatus),
    );
    for (const d of stale) {
      const reason = "Not sent: the vendor no longer owes answers (submitted, reviewed or decided).";
      await tx
        .update(notifications)
        .set({ status: "failed", lastError: reason })
        .where(eq(notifications.id, d.id));
      await recordAudit(tx, {
        workspaceId: d.workspaceId,
        actor: SCHEDULER_ACTOR,
        action: "notification.withdraw",
        targetType: "assessment",
        targetId: d.assessmentId,
        details: { notificationId: d.id, kind: d.kind, channel: d.channel, status: d.assessmentStatus },
      });
    }
    const live = due.filter((d) => !stale.includes(d));
    if (live.length === 0) return [];
    return tx
      .update(notifications)
      .set({ attempts: sql`${notifications.attempts} + 1`, nextAttemptAt: leaseUntil })
      .where(
        inArray(
          notifications.id,
          live.map((d) => d.id),
        ),
      )
      .returning();
  });
  claimed.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  for (const row of claimed) {
    const channel = row.channel as NotificationChannel;
    const transport = transports[channel];
    let failure: string | undefined;
    try {
      if (!transport) throw new AppError("DELIVERY_FAILED", `No transport for ${channel}.`);
      await transport.send({
        id: row.id,
        kind: row.kind,
        channel,
        recipient: row.recipient,
        subject: row.subject,
        body: row.body,
        payload: row.payload as Record<string, unknown>,
        createdAt: row.createdAt,
      });
    } catch (error) {
      failure = errorText(error);
    }
    const finalFailure = failure !== undefined && row.attempts >= maxAttempts;
    await db.transaction(async (tx) => {
      if (failure === undefined) {
        await tx
          .update(notifications)
          .set({ status: "sent", sentAt: new Date(), lastError: null })
          .where(eq(notifications.id, row.id));
      } else {
        await tx
          .update(notifications)
          .set({
            status: finalFailure ? "failed" : "pending",
            lastError: failure,
            nextAttemptAt: new Date(options.now.getTime() + retryDelayMs(row.attempts, retryBaseMs)),
          })
          .where(eq(notifications.id, row.id));
      }
      if (failure === undefined || finalFailure) {
        await recordAudit(tx, {
          workspaceId: row.workspaceId,
          actor: SCHEDULER_ACTOR,
          action: failure === undefined ? "notification.sent" : "notification.failed",
          targetType: row.assessmentId ? "assessment" : "notification",
          targetId: row.assessmentId ?? row.id,
          details: {
            notificationId: row.id,
            kind: row.kind,
            channel,
            attempts: row.attempts,
            ...(failure === undefined ? {} : { error: failure }),
          },
        });
      }
    });
    if (failure === undefined) result.sent += 1;
    else if (finalFailure) result.failed += 1;
    else result.retried += 1;
  }
  return result;
}

export interface NotificationView {
  id: string;
  kind: string;
  channel: NotificationChannel;
  recipient: string;
  subject: string;
  assessmentId: string | null;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string;
  sentAt: string | null;
  createdAt: string;
}

export interface NotificationListQuery {
  assessmentId?: string | undefined;
  status?: NotificationStatus | undefined;
  limit: number;
}

/** A workspace's outbox, newest first, with the total matching the filter. */
export async function listNotifications(
  db: Db,
  workspaceId: string,
  query: NotificationListQuery,
): Promise<{ items: NotificationView[]; total: number }> {
  const conditions: SQL[] = [eq(notifications.workspaceId, workspaceId)];
  if (query.assessmentId) conditions.push(eq(notifications.assessmentId, query.assessmentId));
  if (query.status) conditions.push(eq(notifications.status, query.status));
  const where = and(...conditions);
  const rows = await db
    .select()
    .from(notifications)
    .where(where)
    .orderBy(desc(notifications.createdAt), asc(notifications.id))
    .limit(query.limit);
  const [total] = await db.select({ n: count() }).from(notifications).where(where);
  return {
    items: rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      channel: r.channel as NotificationChannel,
      recipient: r.recipient,
      subject: r.subject,
      assessmentId: r.assessmentId,
      status: r.status as NotificationStatus,
      attempts: r.attempts,
      lastError: r.lastError,
      nextAttemptAt: r.nextAttemptAt.toISOString(),
      sentAt: r.sentAt?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
    })),
    total: total?.n ?? 0,
  };
}
