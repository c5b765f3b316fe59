import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import type { OutboxMessage } from "../notifications.ts";
import { createMailTransport, describeSmtpUrl, readMailSettings } from "./mail.ts";

const PASSWORD = "s3cret-Pa55word";

interface Received {
  from: string;
  to: string[];
  user: string | undefined;
  raw: string;
}

/** Decodes the single text part of a message nodemailer wrote (7bit or quoted-printable). */
function textOf(raw: string): { headers: Record<string, string>; body: string } {
  const split = raw.indexOf("\r\n\r\n");
  const headers: Record<string, string> = {};
  for (const line of raw
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, " ")
    .split("\r\n")) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.slice(split + 4);
  if (/quoted-printable/i.test(headers["content-transfer-encoding"] ?? "")) {
    body = Buffer.from(
      body
        .replace(/=\r\n/g, "")
        .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      "latin1",
    ).toString("utf8");
  }
  return { headers, body: body.replace(/\r\n/g, "\n").trimEnd() };
}

let server: SMTPServer;
let port: number;
const received: Received[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === "assay" && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith("@refused.example")) callback(new Error("Mailbox unavailable"));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user,
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const message = (recipient: string): OutboxMessage => ({
  id: "6b1f3c57-52a4-4d8e-9d3b-2f7d0b1c9e10",
  kind: "assessment.reminder_2",
  channel: "email",
  recipient,
  subject: "Reminder: the AI vendor questionnaire for Acme AI is due on 2026-03-20 (2 business days left)",
  body: "Hello Jo Park,\n\nThe questionnaire we sent to Acme AI is due on 2026-03-20, in 2 business days. Größe ✓\n\nBye",
  payload: {},
  createdAt: new Date("2026-03-18T08:00:00Z"),
});

describe("readMailSettings", () => {
  it("is undefined when SMTP is not configured", () => {
    expect(readMailSettings({})).toBeUndefined();
    expect(readMailSettings({ ASSAY_MAIL_FROM: "a@b.example" })).toBeUndefined();
  });

  it("needs a sender and an smtp URL, and never repeats a password in its errors", () => {
    const bad = [
      { ASSAY_SMTP_URL: `smtp://u:${PASSWORD}@mail.example.com:587` },
      { ASSAY_SMTP_URL: `http://u:${PASSWORD}@mail.example.com`, ASSAY_MAIL_FROM: "a@b.example" },
      { ASSAY_SMTP_URL: `not a url ${PASSWORD}`, ASSAY_MAIL_FROM: "a@b.example" },
      { ASSAY_SMTP_URL: "smtp://mail.example.com", ASSAY_MAIL_FROM: "nobody" },
    ];
    for (const env of bad) {
      let caught: unknown;
      try {
        readMailSettings(env);
      } catch (error) {
        caught = error;
      }
      expect(isAppError(caught, "VALIDATION_FAILED")).toBe(true);
      expect(String((caught as Error).message)).not.toContain(PASSWORD);
    }
    expect(
      readMailSettings({
        ASSAY_SMTP_URL: "smtps://mail.example.com",
        ASSAY_MAIL_FROM: "Assay <assay@example.com>",
      }),
    ).toEqual({ url: "smtps://mail.example.com", from: "Assay <assay@example.com>" });
  });

  it("describes the server without credentials", () => {
    expect(describeSmtpUrl(`smtp://assay:${PASSWORD}@mail.example.com:2525?pool=true`)).toBe(
      "smtp://mail.example.com:2525",
    );
    expect(describeSmtpUrl("smtps://u:p@mail.example.com")).toBe("smtps://mail.example.com:465");
  });
});

describe("createMailTransport", () => {
  it("delivers a plain-text message to a real SMTP server, signed in with the URL's credentials", async () => {
    const transport = createMailTransport({
      url: `smtp://assay:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      from: "Assay <assay@example.com>",
    });
    try {
      await transport.send(message("jo@vendor.example"));
    } finally {
      transport.close();
    }
    const got = received.at(-1);
    expect(got?.to).toEqual(["jo@vendor.example"]);
    expect(got?.from).toBe("assay@example.com");
    expect(got?.user).toBe("assay");
    const { headers, body } = textOf(got?.raw ?? "");
    expect(headers.subject).toBe(message("x").subject);
    expect(headers.to).toBe("jo@vendor.example");
    expect(headers["auto-submitted"]).toBe("auto-generated");
    expect(headers["x-assay-notification"]).toBe(message("x").id);
    expect(body).toBe(message("x").body);
  });

  it("a refused recipient or a wrong password is a DELIVERY_FAILED that names the host, not the password", async () => {
    const good = createMailTransport({
      url: `smtp://assay:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}`,
      from: "assay@example.com",
    });
    const wrong = createMailTransport({
      url: `smtp://assay:wrong-${PASSWORD}@127.0.0.1:${port}`,
      from: "assay@example.com",
    });
    try {
      for (const [transport, to] of [
        [good, "x@refused.example"],
        [wrong, "jo@vendor.example"],
      ] as const) {
        const before = received.length;
        const error = await transport.send(message(to)).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isAppError(error, "DELIVERY_FAILED")).toBe(true);
        expect((error as Error).message).toContain(`smtp://127.0.0.1:${port}`);
        expect((error as Error).message).not.toContain(PASSWORD);
        expect(received.length).toBe(before);
      }
    } finally {
      good.close();
      wrong.close();
    }
  });

  it("an unreachable server fails within the timeout", async () => {
    const closed = new SMTPServer({ logger: false });
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const transport = createMailTransport(
      { url: `smtp://127.0.0.1:${deadPort}`, from: "assay@example.com" },
      { timeoutMs: 2000 },
    );
    await expect(transport.send(message("jo@vendor.example"))).rejects.toMatchObject({
      code: "DELIVERY_FAILED",
    });
    transport.close();
  });
});
