import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "./audit-log.ts";
import type { Database } from "./database.ts";
import { createVendor } from "./inventory.ts";
import {
  deliverPending,
  listNotifications,
  type NotificationTransport,
  type OutboxMessage,
  retryDelayMs,
  scheduleCertificateReminders,
  scheduleReminders,
} from "./notifications.ts";
import { assessments, auditLog, documents, notifications, users } from "./schema.ts";
import { openTestDatabase } from "./testing.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

let database: Database;
let workspaceId: string;
let vendorId: string;

// Sent Monday 2026-03-02, due Friday 2026-03-20: 7 before = 03-11, 2 before = 03-18, overdue = 03-23.
const at = (day: string, time = "08:00:00") => new Date(`${day}T${time}Z`);

async function buildAssessment(fields: Partial<typeof assessments.$inferInsert> = {}): Promise<string> {
  const [row] = await database.db
    .insert(assessments)
    .values({
      workspaceId,
      vendorId,
      tier: 2,
      bankId: "ai-vendor",
      bankVersion: 1,
      questions: [],
      status: "sent",
      sentOn: "2026-03-02",
      dueDate: "2026-03-20",
      respondentEmail: "jo@vendor.example",
      respondentName: "Jo Park",
      ...fields,
    })
    .returning({ id: assessments.id });
  if (!row) throw new Error("no assessment");
  return row.id;
}

function rowsOf(assessmentId: string) {
  return database.db.select().from(notifications).where(eq(notifications.assessmentId, assessmentId));
}

/** A transport that records what it was given and fails the first `failures` sends. */
function recorder(failures = 0): NotificationTransport & { got: OutboxMessage[]; calls: number } {
  const t = {
    got: [] as OutboxMessage[],
    calls: 0,
    async send(message: OutboxMessage) {
      t.calls += 1;
      if (t.calls <= failures) throw new Error(`connection refused (call ${t.calls})`);
      t.got.push(message);
    },
  };
  return t;
}

beforeAll(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
  vendorId = (
    await createVendor(database.db, workspaceId, { name: "Acme AI", category: "other" }, SYSTEM_ACTOR)
  ).id;
});

afterAll(async () => {
  await database.close();
});

beforeEach(async () => {
  await database.db.delete(notifications);
  await database.db.delete(assessments);
});

describe("scheduleReminders", () => {
  it("writes nothing when no channel is configured", async () => {
    const id = await buildAssessment();
    const r = await scheduleReminders(database.db, { now: at("2026-03-18"), holidays: [], channels: [] });
    expect(r).toEqual({ checked: 0, scheduled: 0 });
    expect(await rowsOf(id)).toHaveLength(0);
  });

  it("writes one row per channel, once however often it runs, and audit-logs each", async () => {
    const id = await buildAssessment();
    const options = {
      now: at("2026-03-11"),
      holidays: [],
      channels: ["email", "webhook"] as const,
      publicUrl: "https://assay.example.com",
      webhookRecipient: "hooks.example.com",
    };
    expect(await scheduleReminders(database.db, options)).toEqual({ checked: 1, scheduled: 2 });
    expect(await scheduleReminders(database.db, { ...options, now: at("2026-03-11", "17:00:00") })).toEqual({
      checked: 1,
      scheduled: 0,
    });
    const rows = await rowsOf(id);
    expect(rows.map((r) => [r.channel, r.kind, r.recipient, r.status]).sort()).toEqual([
      ["email", "assessment.reminder_7", "jo@vendor.example", "pending"],
      ["webhook", "assessment.reminder_7", "hooks.example.com", "pending"],
    ]);
    const email = rows.find((r) => r.channel === "email");
    expect(email?.subject).toContain("Acme AI");
    expect(email?.subject).toContain("2026-03-20");
    expect(email?.body).toContain("Hello Jo Park,");
    expect(email?.body).toContain("https://assay.example.com/portal/");
    expect(email?.payload).toMatchObject({ assessmentId: id, reminder: "reminder_7", businessDaysLeft: 7 });
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "notification.schedule"), eq(auditLog.targetId, id)));
    expect(audits).toHaveLength(2);
    expect(JSON.stringify(audits)).not.toContain("jo@vendor.example");
  });

  it("two schedulers at once write each reminder once between them", async () => {
    const ids = [await buildAssessment(), await buildAssessment(), await buildAssessment()];
    const options = { now: at("2026-03-18"), holidays: [], channels: ["email", "webhook"] as const };
    const [a, b] = await Promise.all([
      scheduleReminders(database.db, options),
      scheduleReminders(database.db, options),
    ]);
    expect((a?.scheduled ?? 0) + (b?.scheduled ?? 0)).toBe(6);
    for (const id of ids) expect(await rowsOf(id)).toHaveLength(2);
  });

  it("sends the e-mail only when the assessment names a respondent", async () => {
    const id = await buildAssessment({ respondentEmail: null, respondentName: null });
    const r = await scheduleReminders(database.db, {
      now: at("2026-03-18"),
      holidays: [],
      channels: ["email", "webhook"],
    });
    expect(r.scheduled).toBe(1);
    expect((await rowsOf(id)).map((x) => x.channel)).toEqual(["webhook"]);
  });

  it("catches up with the most urgent reminder and never sends the 7-day one after it", async () => {
    const id = await buildAssessment();
    const channels = ["email"] as const;
    await scheduleReminders(database.db, { now: at("2026-03-19"), holidays: [], channels });
    await scheduleReminders(database.db, { now: at("2026-03-20"), holidays: [], channels });
    await scheduleReminders(database.db, { now: at("2026-03-24"), holidays: [], channels });
    const kinds = (await rowsOf(id)).map((r) => r.kind).sort();
    expect(kinds).toEqual(["assessment.overdue", "assessment.reminder_2"]);
  });

  it("skips assessments the vendor no longer owes answers on, and counts the holidays", async () => {
    await buildAssessment({ status: "submitted" });
    await buildAssessment({ status: "under_review" });
    await buildAssessment({ status: "decided" });
    const waiting = await buildAssessment({ status: "in_progress" });
    const holidays = ["2026-03-23"];
    const monday = await scheduleReminders(database.db, {
      now: at("2026-03-23"),
      holidays,
      channels: ["webhook"],
    });
    expect(monday).toEqual({ checked: 1, scheduled: 1 });
    // With the Monday a holiday, the run that day catches up the 2-day reminder, not the overdue one.
    expect((await rowsOf(waiting)).map((r) => r.kind)).toEqual(["assessment.reminder_2"]);
    await scheduleReminders(database.db, { now: at("2026-03-24"), holidays, channels: ["webhook"] });
    expect((await rowsOf(waiting)).map((r) => r.kind).sort()).toEqual([
      "assessment.overdue",
      "assessment.reminder_2",
    ]);
  });

  it("a new due date (returned to the vendor) starts its own reminders", async () => {
    const id = await buildAssessment();
    await scheduleReminders(database.db, { now: at("2026-03-23"), holidays: [], channels: ["webhook"] });
    await database.db
      .update(assessments)
      .set({ status: "in_progress", dueDate: "2026-04-10" })
      .where(eq(assessments.id, id));
    await scheduleReminders(database.db, { now: at("2026-04-08"), holidays: [], channels: ["webhook"] });
    const rows = await rowsOf(id);
    expect(rows.map((r) => `${r.kind}@${(r.payload as { dueDate: string }).dueDate}`).sort()).toEqual([
      "assessment.overdue@2026-03-20",
      "assessment.reminder_2@2026-04-10",
    ]);
  });
});

describe("scheduleCertificateReminders", () => {
  async function certificate(fields: Partial<typeof documents.$inferInsert>): Promise<string> {
    const [row] = await database.db
      .insert(documents)
      .values({
        workspaceId,
        vendorId,
        type: "iso27001",
        title: "ISO 27001 certificate",
        fileName: "iso27001.pdf",
        sha256: "a".repeat(64),
        size: 1000,
        mediaType: "application/pdf",
        uploadedBy: "reviewer@example.com",
        uploadedVia: "ui",
        expiresOn: "2026-06-30",
        ...fields,
      })
      .returning({ id: documents.id });
    if (!row) throw new Error("no document");
    return row.id;
  }
  const options = (day: string) => ({
    now: at(day),
    holidays: [],
    channels: ["email", "webhook"] as const,
    webhookRecipient: "hooks.example.com",
  });
  const certificateRows = () =>
    database.db.select().from(notifications).where(sql`${notifications.kind} LIKE 'document.%'`);

  beforeEach(async () => {
    await database.db.delete(documents);
    await database.db.delete(users);
    await database.db.insert(users).values([
      { workspaceId, email: "lead@example.com", name: "Lead", role: "admin", passwordHash: "x" },
      {
        workspaceId,
        email: "old@example.com",
        name: "Gone",
        role: "admin",
        passwordHash: "x",
        disabledAt: new Date(),
      },
      { workspaceId, email: "viewer@example.com", name: "Viewer", role: "viewer", passwordHash: "x" },
    ]);
  });

  it("tells the active administrators and the webhook 60 days before expiry, once, then once when it has expired", async () => {
    const id = await certificate({});
    expect((await scheduleCertificateReminders(database.db, options("2026-04-30"))).scheduled).toBe(0);
    expect(await scheduleCertificateReminders(database.db, options("2026-05-01"))).toEqual({
      checked: 1,
      scheduled: 2,
    });
    expect((await scheduleCertificateReminders(database.db, options("2026-05-20"))).scheduled).toBe(0);
    const expiring = await certificateRows();
    expect(expiring.map((r) => [r.channel, r.recipient, r.kind]).sort()).toEqual([
      ["email", "lead@example.com", "document.certificate_expiring"],
      ["webhook", "hooks.example.com", "document.certificate_expiring"],
    ]);
    expect(expiring[0]?.subject).toBe("Acme AI: ISO/IEC 27001 certificate expires on 2026-06-30");
    expect(expiring[0]?.payload).toMatchObject({ documentId: id, daysLeft: 60, expiresOn: "2026-06-30" });

    expect((await scheduleCertificateReminders(database.db, options("2026-07-01"))).scheduled).toBe(2);
    expect((await scheduleCertificateReminders(database.db, options("2026-07-02"))).scheduled).toBe(0);
    const kinds = (await certificateRows()).map((r) => r.kind).sort();
    expect(kinds).toEqual([
      "document.certificate_expired",
      "document.certificate_expired",
      "document.certificate_expiring",
      "document.certificate_expiring",
    ]);
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "notification.schedule"), eq(auditLog.targetId, id)));
    expect(audits).toHaveLength(4);
    expect(audits.every((a) => a.targetType === "document")).toBe(true);
  });

  it("a renewed certificate on file silences the old one; other document types are not followed up", async () => {
    await certificate({ expiresOn: "2026-06-30" });
    await certificate({ expiresOn: "2029-06-30", title: "ISO 27001 certificate 2026" });
    await certificate({ type: "soc2_type2", expiresOn: "2026-06-01", title: "SOC 2" });
    expect(await scheduleCertificateReminders(database.db, options("2026-06-15"))).toEqual({
      checked: 1,
      scheduled: 0,
    });
    await certificate({ type: "iso42001", expiresOn: "2026-07-01", title: "AIMS certificate" });
    const run = await scheduleCertificateReminders(database.db, options("2026-06-15"));
    expect(run).toEqual({ checked: 2, scheduled: 2 });
    expect((await certificateRows()).map((r) => r.subject)).toContain(
      "Acme AI: ISO/IEC 42001 certificate expires on 2026-07-01",
    );
  });

  it("writes nothing when no channel is configured", async () => {
    await certificate({});
    const none = await scheduleCertificateReminders(database.db, {
      now: at("2026-06-01"),
      holidays: [],
      channels: [],
    });
    expect(none).toEqual({ checked: 0, scheduled: 0 });
  });
});

describe("deliverPending", () => {
  it("hands due rows to the transport of their channel and marks them sent", async () => {
    const id = await buildAssessment();
    await scheduleReminders(database.db, {
      now: at("2026-03-18"),
      holidays: [],
      channels: ["email", "webhook"],
    });
    const email = recorder();
    const r = await deliverPending(database.db, { email }, { now: at("2026-03-18", "08:01:00") });
    expect(r).toEqual({ sent: 1, retried: 0, failed: 0 });
    expect(email.got.map((m) => [m.recipient, m.kind])).toEqual([
      ["jo@vendor.example", "assessment.reminder_2"],
    ]);
    const rows = await rowsOf(id);
    expect(rows.find((x) => x.channel === "email")?.status).toBe("sent");
    expect(rows.find((x) => x.channel === "email")?.sentAt).toBeInstanceOf(Date);
    // No webhook transport: the webhook row waits.
    expect(rows.find((x) => x.channel === "webhook")?.status).toBe("pending");
    expect(await deliverPending(database.db, { email }, { now: at("2026-03-18", "08:02:00") })).toEqual({
      sent: 0,
      retried: 0,
      failed: 0,
    });
    expect(email.calls).toBe(1);
  });

  it("retries a failing transport with exponential backoff, then marks the row failed, keeping it", async () => {
    const id = await buildAssessment();
    await scheduleReminders(database.db, { now: at("2026-03-18"), holidays: [], channels: ["webhook"] });
    const webhook = recorder(Number.POSITIVE_INFINITY);
    const base = 60_000;
    let now = at("2026-03-18", "09:00:00");
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const r = await deliverPending(database.db, { webhook }, { now, maxAttempts: 3, retryBaseMs: base });
      expect(r).toEqual(
        attempt < 3 ? { sent: 0, retried: 1, failed: 0 } : { sent: 0, retried: 0, failed: 1 },
      );
      const [row] = await rowsOf(id);
      expect(row?.attempts).toBe(attempt);
      expect(row?.lastError).toBe(`connection refused (call ${attempt})`);
      if (!row) throw new Error("row lost");
      waits.push(row.nextAttemptAt.getTime() - now.getTime());
      // Not due before the backoff has passed.
      const early = await deliverPending(
        database.db,
        { webhook },
        { now: new Date(row.nextAttemptAt.getTime() - 1), maxAttempts: 3, retryBaseMs: base },
      );
      expect(early.retried + early.failed + early.sent).toBe(0);
      now = row.nextAttemptAt;
    }
    expect(waits.slice(0, 2)).toEqual([base, 2 * base]);
    const [row] = await rowsOf(id);
    expect(row?.status).toBe("failed");
    expect(webhook.calls).toBe(3);
    const failed = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "notification.failed"), eq(auditLog.targetId, id)));
    expect(failed).toHaveLength(1);
  });

  it("a transport that recovers delivers on the retry", async () => {
    const id = await buildAssessment();
    await scheduleReminders(database.db, { now: at("2026-03-18"), holidays: [], channels: ["email"] });
    const email = recorder(1);
    const first = await deliverPending(database.db, { email }, { now: at("2026-03-18", "09:00:00") });
    expect(first).toEqual({ sent: 0, retried: 1, failed: 0 });
    const second = await deliverPending(database.db, { email }, { now: at("2026-03-18", "10:00:00") });
    expect(second).toEqual({ sent: 1, retried: 0, failed: 0 });
    const [row] = await rowsOf(id);
    expect(row?.status).toBe("sent");
    expect(row?.attempts).toBe(2);
    expect(row?.lastError).toBeNull();
  });

  it("a reminder still pending when the vendor submits is withdrawn, not sent", async () => {
    const id = await buildAssessment();
    await scheduleReminders(database.db, { now: at("2026-03-18"), holidays: [], channels: ["webhook"] });
    await database.db.update(assessments).set({ status: "submitted" }).where(eq(assessments.id, id));
    const webhook = recorder();
    const r = await deliverPending(database.db, { webhook }, { now: at("2026-03-18", "09:00:00") });
    expect(r).toEqual({ sent: 0, retried: 0, failed: 0 });
    expect(webhook.calls).toBe(0);
    const [row] = await rowsOf(id);
    expect(row?.status).toBe("failed");
    expect(row?.attempts).toBe(0);
    expect(row?.lastError).toMatch(/^Not sent: the vendor no longer owes answers/);
    const withdrawn = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, "notification.withdraw"), eq(auditLog.targetId, id)));
    expect(withdrawn).toHaveLength(1);
  });

  it("a row claimed by a sender that died is taken again once its lease runs out", async () => {
    const id = await buildAssessment();
    await scheduleReminders(database.db, { now: at("2026-03-18"), holidays: [], channels: ["email"] });
    const hang: NotificationTransport = { send: () => new Promise<void>(() => {}) };
    // The first sender claims the row and never returns.
    void deliverPending(database.db, { email: hang }, { now: at("2026-03-18", "09:00:00"), leaseMs: 60_000 });
    await expect.poll(async () => (await rowsOf(id))[0]?.attempts).toBe(1);
    const email = recorder();
    expect(
      await deliverPending(database.db, { email }, { now: at("2026-03-18", "09:00:30"), leaseMs: 60_000 }),
    ).toMatchObject({ sent: 0 });
    expect(
      await deliverPending(database.db, { email }, { now: at("2026-03-18", "09:01:01"), leaseMs: 60_000 }),
    ).toMatchObject({ sent: 1 });
    expect(email.got).toHaveLength(1);
  });

  it("backoff doubles and is capped", () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, 1000))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelayMs(40, 60_000)).toBe(6 * 3_600_000);
  });
});

describe("listNotifications", () => {
  it("filters by assessment and status, newest first, with the total", async () => {
    const a = await buildAssessment();
    const b = await buildAssessment();
    await scheduleReminders(database.db, {
      now: at("2026-03-11"),
      holidays: [],
      channels: ["email", "webhook"],
    });
    await deliverPending(database.db, { email: recorder() }, { now: at("2026-03-11", "09:00:00") });
    const all = await listNotifications(database.db, workspaceId, { limit: 10 });
    expect(all.total).toBe(4);
    const ofA = await listNotifications(database.db, workspaceId, { assessmentId: a, limit: 10 });
    expect(ofA.items.every((n) => n.assessmentId === a)).toBe(true);
    expect(ofA.total).toBe(2);
    const sent = await listNotifications(database.db, workspaceId, { status: "sent", limit: 1 });
    expect(sent.total).toBe(2);
    expect(sent.items).toHaveLength(1);
    expect(sent.items[0]?.channel).toBe("email");
    expect(sent.items[0]?.sentAt).not.toBeNull();
    const ofBPending = await listNotifications(database.db, workspaceId, {
      assessmentId: b,
      status: "pending",
      limit: 10,
    });
    expect(ofBPending.items.map((n) => n.channel)).toEqual(["webhook"]);
  });
});
