import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addBusinessDays, addCalendarDays } from "../../domain/business-days.ts";
import { readStoreConfig } from "../../store/config.ts";
import { openDatabase } from "../../store/database.ts";
import { assessments } from "../../store/schema.ts";
import { runCommand } from "../testing.ts";
import { registerAssessmentCommand } from "./assessment.ts";
import { registerNotifyCommand } from "./notify.ts";
import { registerVendorCommand } from "./vendor.ts";

vi.setConfig({ testTimeout: 120_000 });

let dir: string;
let smtp: SMTPServer;
let smtpPort: number;
const mails: { to: string[]; raw: string }[] = [];

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-notify-cli-"));
  vi.stubEnv("ASSAY_DATA_DIR", join(dir, "data"));
  vi.stubEnv("DATABASE_URL", "");
  smtp = new SMTPServer({
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        mails.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

const notify = (args: string[]) => runCommand(registerNotifyCommand, ["notify", ...args]);
const assessment = (args: string[]) => runCommand(registerAssessmentCommand, ["assessment", ...args]);

describe("assay notify", () => {
  it("sends with a respondent, then e-mails the reminder owed and lists it; a failing channel exits 1", async () => {
    expect(
      (await runCommand(registerVendorCommand, ["vendor", "add", "Notify Vendor", "--category", "other"]))
        .code,
    ).toBe(0);
    const created = await assessment(["create", "Notify Vendor", "--json"]);
    const id = (JSON.parse(created.stdout) as { id: string }).id;

    const bad = await assessment(["send", id, "--respondent-email", "nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--respondent-email");
    const sent = await assessment(["send", id, "--respondent-email", "resp@vendor.example", "--json"]);
    expect(sent.code).toBe(0);

    // Nothing configured: nothing is scheduled, and the command says so.
    const idle = await notify(["run"]);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toContain("No channel configured");

    // Overdue since yesterday's business day: the catch-up sends the overdue reminder.
    const today = new Date().toISOString().slice(0, 10);
    const database = await openDatabase(readStoreConfig(), { command: "test" });
    await database.db
      .update(assessments)
      .set({ sentOn: addCalendarDays(today, -30), dueDate: addBusinessDays(today, -3) })
      .where(eq(assessments.id, id));
    await database.close();

    vi.stubEnv("ASSAY_SMTP_URL", `smtp://127.0.0.1:${smtpPort}`);
    vi.stubEnv("ASSAY_MAIL_FROM", "assay@example.com");
    const run = await notify(["run", "--json"]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ channels: ["email"], scheduled: 1, sent: 1, failed: 0 });
    expect(mails.at(-1)?.to).toEqual(["resp@vendor.example"]);
    expect(mails.at(-1)?.raw).toMatch(/Subject: Overdue: the AI vendor questionnaire for Notify Vendor/);

    const listed = await notify(["list", "--assessment", id, "--json"]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items).toMatchObject([
      { kind: "assessment.overdue", channel: "email", status: "sent", recipient: "resp@vendor.example" },
    ]);

    // A webhook nobody listens on: the new row fails its first attempt and the command exits 1.
    vi.stubEnv("ASSAY_WEBHOOK_URL", `http://127.0.0.1:${await freePort()}/hook`);
    vi.stubEnv("ASSAY_WEBHOOK_SECRET", "whsec-cli-test-0123456789");
    const failing = await notify(["run", "--json"]);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout)).toMatchObject({ scheduled: 1, sent: 0, retried: 1 });
    const pending = await notify(["list", "--status", "pending"]);
    expect(pending.stdout).toMatch(/pending\s+webhook\s+assessment\.overdue/);
    expect(pending.stdout).toContain("ECONNREFUSED");

    expect((await notify(["list", "--status", "lost"])).code).toBe(2);
  });
});
