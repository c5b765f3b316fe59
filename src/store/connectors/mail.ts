/**
 * E-mail delivery of outbox rows over SMTP (nodemailer). Configured only by the environment:
 * `ASSAY_SMTP_URL` (smtp://user:pass@host:587, or smtps:// for implicit TLS) and `ASSAY_MAIL_FROM`.
 * Without them nothing is sent. The URL carries a password, so it never appears in errors or logs:
 * only `describeSmtpUrl` (scheme, host and port) does.
 */
import nodemailer from "nodemailer";
import { AppError } from "../../domain/errors.ts";
import type { NotificationTransport, OutboxMessage } from "../notifications.ts";

export interface MailSettings {
  /** The full SMTP URL, credentials included: keep it out of logs. */
  url: string;
  from: string;
}

// A plain address, or `Name <address>`; the domain needs a dot or is localhost-style single label.
const FROM_PATTERN = /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

/** Reads ASSAY_SMTP_URL and ASSAY_MAIL_FROM; undefined when SMTP is not configured. */
export function readMailSettings(env: NodeJS.ProcessEnv = process.env): MailSettings | undefined {
  const url = env.ASSAY_SMTP_URL?.trim();
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The value may hold a password: say what is wrong without repeating it.
    throw new AppError(
      "VALIDATION_FAILED",
      "ASSAY_SMTP_URL is not a URL (expected smtp://user:pass@host:587).",
    );
  }
  if (parsed.protocol !== "smtp:" && parsed.protocol !== "smtps:") {
    throw new AppError("VALIDATION_FAILED", "ASSAY_SMTP_URL must start with smtp:// or smtps://.");
  }
  if (!parsed.hostname) throw new AppError("VALIDATION_FAILED", "ASSAY_SMTP_URL names no host.");
  const from = env.ASSAY_MAIL_FROM?.trim();
  if (!from) {
    throw new AppError(
      "VALIDATION_FAILED",
      "ASSAY_MAIL_FROM must be set when ASSAY_SMTP_URL is (the sender address).",
    );
  }
  if (!FROM_PATTERN.test(from)) {
    throw new AppError("VALIDATION_FAILED", `ASSAY_MAIL_FROM is not an e-mail address: "${from}".`);
  }
  return { url, from };
}

/** The SMTP URL without user name, password or query: safe to log and show. */
export function describeSmtpUrl(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === "smtps:" ? "465" : "587");
    return `${u.protocol}//${u.hostname}:${port}`;
  } catch {
    return "smtp (unparsable URL)";
  }
}

/** Removes anything of the URL's credentials that an error message might echo. */
function scrub(text: string, url: string): string {
  let out = text;
  try {
    const u = new URL(url);
    for (const secret of [url, decodeURIComponent(u.password), u.password]) {
      if (secret.length >= 3) out = out.split(secret).join("[redacted]");
    }
  } catch {
    out = out.split(url).join("[redacted]");
  }
  return out;
}

export interface MailTransport extends NotificationTransport {
  close(): void;
}

/** An e-mail transport: each outbox row becomes one plain-text message to its recipient. */
export function createMailTransport(
  settings: MailSettings,
  options: { timeoutMs?: number } = {},
): MailTransport {
  const timeout = options.timeoutMs ?? 20_000;
  const transporter = nodemailer.createTransport({
    url: settings.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  const where = describeSmtpUrl(settings.url);
  return {
    async send(message: OutboxMessage) {
      try {
        await transporter.sendMail({
          from: settings.from,
          to: message.recipient,
          subject: message.subject,
          text: message.body,
          headers: {
            // RFC 3834: tells auto-responders not to answer a machine-sent message.
            "Auto-Submitted": "auto-generated",
            "X-Assay-Notification": message.id,
          },
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new AppError(
          "DELIVERY_FAILED",
          `SMTP delivery via ${where} failed: ${scrub(reason, settings.url)}`,
        );
      }
    },
    close() {
      transporter.close();
    },
  };
}
