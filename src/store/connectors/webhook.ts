/**
 * Webhook delivery of outbox rows: a JSON event POSTed to `ASSAY_WEBHOOK_URL`, signed with
 * HMAC-SHA256 over `<timestamp>.<body>` with `ASSAY_WEBHOOK_SECRET`. The receiver recomputes the
 * signature from the `X-Assay-Timestamp` header and the raw body, compares it with
 * `X-Assay-Signature: sha256=<hex>`, and refuses old timestamps so a captured request cannot be
 * replayed later. Any answer other than 2xx (redirects included) is a failed attempt.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { AppError } from "../../domain/errors.ts";
import type { NotificationTransport, OutboxMessage } from "../notifications.ts";

export const TIMESTAMP_HEADER = "X-Assay-Timestamp";
export const SIGNATURE_HEADER = "X-Assay-Signature";
const MIN_SECRET_LENGTH = 16;

export interface WebhookSettings {
  /** May carry a secret in its path or query (many chat webhooks do): log only `host`. */
  url: string;
  host: string;
  secret: string;
  timeoutMs: number;
}

/** Reads ASSAY_WEBHOOK_URL, ASSAY_WEBHOOK_SECRET and ASSAY_WEBHOOK_TIMEOUT_SECONDS; undefined when unset. */
export function readWebhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings | undefined {
  const url = env.ASSAY_WEBHOOK_URL?.trim();
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError("VALIDATION_FAILED", "ASSAY_WEBHOOK_URL is not a URL.");
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new AppError("VALIDATION_FAILED", "ASSAY_WEBHOOK_URL must be an http:// or https:// URL.");
  }
  const secret = env.ASSAY_WEBHOOK_SECRET ?? "";
  if (secret.trim().length < MIN_SECRET_LENGTH) {
    throw new AppError(
      "VALIDATION_FAILED",
      `ASSAY_WEBHOOK_SECRET must be set to at least ${MIN_SECRET_LENGTH} characters when ASSAY_WEBHOOK_URL is (webhooks are always signed).`,
    );
  }
  const rawTimeout = env.ASSAY_WEBHOOK_TIMEOUT_SECONDS?.trim();
  const seconds = rawTimeout ? Number(rawTimeout) : 10;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
    throw new AppError(
      "VALIDATION_FAILED",
      "ASSAY_WEBHOOK_TIMEOUT_SECONDS must be a whole number from 1 to 120.",
    );
  }
  return { url, host: parsed.host, secret: secret.trim(), timeoutMs: seconds * 1000 };
}

/** The signature header value for a body sent at `timestamp` (Unix seconds, as sent in the header). */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Checks a received webhook: the signature matches the raw body and timestamp, and the timestamp
 * is within `toleranceSeconds` of `now`. For receivers (and the tests) written in TypeScript.
 */
export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  now?: Date;
  toleranceSeconds?: number;
}): boolean {
  const { timestamp, signature } = input;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - Number(timestamp)) > (input.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** The JSON event a row becomes: its id lets a receiver ignore a delivery it has already seen. */
export function webhookEvent(message: OutboxMessage) {
  return {
    id: message.id,
    type: message.kind,
    createdAt: message.createdAt.toISOString(),
    subject: message.subject,
    text: message.body,
    data: message.payload,
  };
}

/** A webhook transport: signs and POSTs each row; throws DELIVERY_FAILED on anything but 2xx. */
export function createWebhookTransport(
  settings: WebhookSettings,
  options: { now?: () => Date } = {},
): NotificationTransport {
  return {
    async send(message: OutboxMessage) {
      const body = JSON.stringify(webhookEvent(message));
      const timestamp = String(Math.floor((options.now?.() ?? new Date()).getTime() / 1000));
      let response: Response;
      try {
        response = await fetch(settings.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "user-agent": "Assay-Webhook",
            "x-assay-event": message.kind,
            "x-assay-delivery": message.id,
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: signWebhook(settings.secret, timestamp, body),
          },
          body,
          // A redirect would carry the signed event somewhere not configured; count it as a failure.
          redirect: "manual",
          signal: AbortSignal.timeout(settings.timeoutMs),
        });
      } catch (error) {
        const reason =
          error instanceof Error && error.name === "TimeoutError"
            ? `no answer within ${settings.timeoutMs / 1000} s`
            : causeOf(error);
        throw new AppError("DELIVERY_FAILED", `Webhook to ${settings.host} failed: ${reason}.`);
      }
      // Read the answer to the end so the connection is released, but never store it.
      await response.arrayBuffer().catch(() => undefined);
      if (response.status < 200 || response.status > 299) {
        throw new AppError(
          "DELIVERY_FAILED",
          `Webhook to ${settings.host} answered HTTP ${response.status}.`,
        );
      }
    },
  };
}

/** fetch wraps the socket error ("ECONNREFUSED") in a generic "fetch failed"; show the cause. */
function causeOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  if (typeof cause?.message === "string") return cause.message;
  return error.message;
}
