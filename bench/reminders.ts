/**
 * Cost of the reminder loop on the embedded database: scheduling over many assessments waiting on
 * their vendors (the first run of a day, which writes rows, and the idle runs the loop repeats
 * every few minutes, which write nothing), and delivering the outbox through a transport that
 * does nothing. The baseline, measured in the same run on the same data, is the one read the
 * scheduler cannot avoid: the waiting assessments with their vendor names.
 * Run: node bench/reminders.ts [assessments]
 */
import { and, eq, inArray, isNotNull } from "drizzle-orm";
import { addBusinessDays, addCalendarDays } from "../src/domain/business-days.ts";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { createVendor } from "../src/store/inventory.ts";
import { deliverPending, scheduleReminders } from "../src/store/notifications.ts";
import { assessments, notifications, vendors } from "../src/store/schema.ts";
import { openTestDatabase } from "../src/store/testing.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const count = Number(process.argv[2] ?? 2000);
const database = await openTestDatabase();
const { db } = database;
const workspaceId = await ensureDefaultWorkspace(db);
const vendor = await createVendor(db, workspaceId, { name: "Bench Vendor", category: "other" }, SYSTEM_ACTOR);
const now = new Date();
const today = now.toISOString().slice(0, 10);

// Due dates spread from 5 business days ago to 15 ahead, so each run finds reminders of every kind.
const rows = Array.from({ length: count }, (_, i) => ({
  workspaceId,
  vendorId: vendor.id,
  tier: 2,
  bankId: "bench",
  bankVersion: 1,
  questions: [],
  status: i % 2 === 0 ? "sent" : "in_progress",
  sentOn: addCalendarDays(today, -40),
  dueDate: addBusinessDays(today, (i % 21) - 5),
  respondentEmail: `respondent${i}@vendor.example`,
}));
for (let i = 0; i < rows.length; i += 500) await db.insert(assessments).values(rows.slice(i, i + 500));

async function median(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const baseline = () =>
  db
    .select({ id: assessments.id, dueDate: assessments.dueDate, vendorName: vendors.name })
    .from(assessments)
    .innerJoin(vendors, eq(vendors.id, assessments.vendorId))
    .where(and(inArray(assessments.status, ["sent", "in_progress"]), isNotNull(assessments.dueDate)));

const options = {
  now,
  holidays: [],
  channels: ["email", "webhook"] as const,
  webhookRecipient: "hooks.example.com",
};
const base = await median(5, baseline);
let start = performance.now();
const first = await scheduleReminders(db, options);
const firstMs = performance.now() - start;
const idle = await median(5, () => scheduleReminders(db, options));

let sent = 0;
const noop = { send: async () => {} };
start = performance.now();
for (;;) {
  const r = await deliverPending(db, { email: noop, webhook: noop }, { now: new Date(now.getTime() + 1000) });
  if (r.sent === 0) break;
  sent += r.sent;
}
const deliverMs = performance.now() - start;
const [left] = await db
  .select({ id: notifications.id })
  .from(notifications)
  .where(eq(notifications.status, "pending"));

const line = (label: string, ms: number, note = "") =>
  console.log(
    `${label.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms  ${(ms / base).toFixed(1).padStart(6)}x baseline${note}`,
  );
console.log(`${count} assessments waiting on their vendor, two channels`);
line("baseline: read the waiting assessments (median of 5)", base);
line(
  `first run of the day: ${first.scheduled} rows written`,
  firstMs,
  `  ${(firstMs / first.scheduled).toFixed(2)} ms/row`,
);
line("idle run, nothing new (median of 5)", idle);
line(
  `delivery of ${sent} rows, no-op transport`,
  deliverMs,
  `  ${(deliverMs / Math.max(sent, 1)).toFixed(2)} ms/row`,
);
if (left) console.log("rows still pending after delivery: the bench is wrong");
await database.close();
