import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addBusinessDays, addCalendarDays } from "../../src/domain/business-days.ts";
import { verifyWebhookSignature } from "../../src/store/connectors/webhook.ts";
import { assessments } from "../../src/store/schema.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

const SMTP_PASSWORD = "smtp-Pa55-word-42";
const WEBHOOK_SECRET = "whsec-api-test-0123456789";

let t: TestServer;
let admin: Client;
let viewer: Client;
let smtp: SMTPServer;
let hooks: Server;
const mails: { to: string[]; raw: string }[] = [];
const events: { body: string; verified: boolean }[] = [];

type Detail = { id: string; status: string; respondentEmail: string | null; respondentName: string | null };
type Run = {
  channels: string[];
  checked: number;
  scheduled: number;
  sent: number;
  retried: number;
  failed: number;
};
type Notification = {
  kind: string;
  channel: string;
  recipient: string;
  status: string;
  sentAt: string | null;
};

const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  smtp = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _s, cb) {
      if (auth.password === SMTP_PASSWORD) cb(null, { user: auth.username });
      else cb(new Error("bad credentials"));
    },
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
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      const verified = verifyWebhookSignature({
        secret: WEBHOOK_SECRET,
        timestamp: String(req.headers["x-assay-timestamp"]),
        signature: String(req.headers["x-assay-signature"]),
        body,
      });
      events.push({ body, verified });
      res.writeHead(verified ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const hookPort = (hooks.address() as AddressInfo).port;
  // The server reads these from its environment, as an operator would set them.
  vi.stubEnv("ASSAY_NOTIFY_INTERVAL_SECONDS", "0");
  vi.stubEnv("ASSAY_SMTP_URL", `smtp://assay:${SMTP_PASSWORD}@127.0.0.1:${smtpPort}`);
  vi.stubEnv("ASSAY_MAIL_FROM", "Assay <assay@example.com>");
  vi.stubEnv("ASSAY_WEBHOOK_URL", `http://127.0.0.1:${hookPort}/hooks/assay`);
  vi.stubEnv("ASSAY_WEBHOOK_SECRET", WEBHOOK_SECRET);
  t = await startTestServer({ ASSAY_PUBLIC_URL: "https://assay.example.com" });
  admin = await setupAdmin(t);
  viewer = (await buildUser(t, "viewer")).client;
});

afterAll(async () => {
  await t.close();
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
  hooks.closeAllConnections();
  await new Promise<void>((resolve) => hooks.close(() => resolve()));
});

async function draft(name: string): Promise<string> {
  const vendor = await admin.json<{ id: string }>("POST", "/api/vendors", { name, category: "other" });
  expect(vendor.status).toBe(201);
  const created = await admin.json<{ id: string }>("POST", "/api/assessments", { vendorId: vendor.body.id });
  expect(created.status).toBe(201);
  return created.body.id;
}

describe("sending with a respondent", () => {
  it("stores the respondent named in the optional body and shows it in the detail", async () => {
    const id = await draft("Respondent Vendor");
    const sent = await admin.json("POST", `/api/assessments/${id}/send`, {
      respondentEmail: "jo@vendor.example",
      respondentName: "Jo Park",
    });
    expect(sent.status).toBe(200);
    const detail = await viewer.json<Detail>("GET", `/api/assessments/${id}`);
    expect(detail.body).toMatchObject({
      status: "sent",
      respondentEmail: "jo@vendor.example",
      respondentName: "Jo Park",
    });
  });

  it("still sends without a body, and refuses a malformed address without sending", async () => {
    const plain = await draft("No Respondent Vendor");
    expect((await admin.json("POST", `/api/assessments/${plain}/send`)).status).toBe(200);
    expect((await admin.json<Detail>("GET", `/api/assessments/${plain}`)).body.respondentEmail).toBeNull();

    const bad = await draft("Bad Respondent Vendor");
    const refused = await admin.json<{ code: string }>("POST", `/api/assessments/${bad}/send`, {
      respondentEmail: "not an address",
    });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe("VALIDATION_FAILED");
    const extra = await admin.json("POST", `/api/assessments/${bad}/send`, { respondent: "x" });
    expect(extra.status).toBe(400);
    expect((await admin.json<Detail>("GET", `/api/assessments/${bad}`)).body.status).toBe("draft");
  });
});

describe("reminders", () => {
  let id: string;

  beforeAll(async () => {
    id = await draft("Reminded Vendor");
    expect(
      (
        await admin.json("POST", `/api/assessments/${id}/send`, {
          respondentEmail: "resp@vendor.example",
          respondentName: "Sam Respondent",
        })
      ).status,
    ).toBe(200);
    // Move the clock of this assessment: sent ten days ago, due in two business days.
    await t.server.services.db
      .update(assessments)
      .set({ sentOn: addCalendarDays(today(), -10), dueDate: addBusinessDays(today(), 2) })
      .where(eq(assessments.id, id));
  });

  it("a run e-mails the respondent through SMTP and posts a signed webhook, once", async () => {
    const run = await admin.json<Run>("POST", "/api/notifications/run");
    expect(run.status).toBe(200);
    expect(run.body.channels).toEqual(["email", "webhook"]);
    expect(run.body).toMatchObject({ scheduled: 2, sent: 2, retried: 0, failed: 0 });

    const mail = mails.find((m) => m.to.includes("resp@vendor.example"));
    expect(mail).toBeDefined();
    const unfolded = mail?.raw.replace(/\r\n[ \t]+/g, " ") ?? "";
    expect(unfolded).toMatch(
      /^Subject: Reminder: the AI vendor questionnaire for Reminded Vendor is due on /m,
    );
    expect(unfolded).toContain("Hello Sam Respondent,");
    expect(unfolded).not.toContain("assay_portal_");

    const event = events.find((e) => JSON.parse(e.body).data.assessmentId === id);
    expect(event?.verified).toBe(true);
    expect(JSON.parse(event?.body ?? "{}")).toMatchObject({
      type: "assessment.reminder_2",
      data: { vendorName: "Reminded Vendor", businessDaysLeft: 2 },
    });

    const again = await admin.json<Run>("POST", "/api/notifications/run");
    expect(again.body).toMatchObject({ scheduled: 0, sent: 0 });
  });

  it("lists the outbox for admins and the reminders of an assessment for readers", async () => {
    const list = await admin.json<{ items: Notification[]; total: number }>(
      "GET",
      `/api/notifications?assessmentId=${id}&status=sent`,
    );
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(2);
    expect(list.body.items.map((n) => [n.channel, n.kind, n.recipient]).sort()).toEqual([
      ["email", "assessment.reminder_2", "resp@vendor.example"],
      ["webhook", "assessment.reminder_2", expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
    ]);
    const pending = await admin.json<{ total: number }>(
      "GET",
      `/api/notifications?assessmentId=${id}&status=pending`,
    );
    expect(pending.body.total).toBe(0);

    const reminders = await viewer.json<{
      items: { kind: string; channel: string; status: string; sentAt: string }[];
    }>("GET", `/api/assessments/${id}/reminders`);
    expect(reminders.status).toBe(200);
    expect(reminders.body.items).toHaveLength(2);
    expect(reminders.body.items.every((r) => r.status === "sent" && r.sentAt)).toBe(true);
    expect(JSON.stringify(reminders.body)).not.toContain("resp@vendor.example");
    const missing = await viewer.json(
      "GET",
      "/api/assessments/00000000-0000-4000-8000-000000000000/reminders",
    );
    expect(missing.status).toBe(404);
  });

  it("only admins see the outbox or start a run", async () => {
    expect((await viewer.json("GET", "/api/notifications")).status).toBe(403);
    expect((await viewer.json("POST", "/api/notifications/run")).status).toBe(403);
    expect((await admin.json("GET", "/api/notifications?status=nonsense")).status).toBe(400);
  });

  it("never writes the SMTP password or the webhook secret to the log", () => {
    const log = t.logs.join("");
    expect(log).not.toContain(SMTP_PASSWORD);
    expect(log).not.toContain(WEBHOOK_SECRET);
  });
});
