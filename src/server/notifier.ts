/**
 * The reminder loop of the server process: every `ASSAY_NOTIFY_INTERVAL_SECONDS` (300 by default,
 * 0 turns it off) it schedules the questionnaire reminders and the certificate expiry notices owed
 * today and delivers the outbox
 * through the configured channels. Several server processes may run it against one PostgreSQL:
 * scheduling is idempotent and delivery claims rows with SKIP LOCKED. A failing run is logged and
 * the loop carries on; it never takes the server down.
 */
import type { Logger } from "pino";
import type { CalendarDate } from "../domain/business-days.ts";
import { AppError } from "../domain/errors.ts";
import { readSendSettings } from "../store/assessments.ts";
import {
  createMailTransport,
  describeSmtpUrl,
  type MailSettings,
  readMailSettings,
} from "../store/connectors/mail.ts";
import {
  createWebhookTransport,
  readWebhookSettings,
  type WebhookSettings,
} from "../store/connectors/webhook.ts";
import type { Db } from "../store/database.ts";
import {
  type DeliverResult,
  deliverPending,
  type NotificationChannel,
  type NotificationTransports,
  type ScheduleResult,
  scheduleCertificateReminders,
  scheduleReminders,
} from "../store/notifications.ts";

export interface NotifierSettings {
  /** Seconds between runs; 0 means the loop does not run. */
  intervalSeconds: number;
  holidays: CalendarDate[];
  publicUrl: string;
  mail: MailSettings | undefined;
  webhook: WebhookSettings | undefined;
  maxAttempts: number;
}

/** Reads the reminder settings from the environment; a malformed value stops with VALIDATION_FAILED. */
export function readNotifierSettings(env: NodeJS.ProcessEnv, publicUrl: string): NotifierSettings {
  const raw = env.ASSAY_NOTIFY_INTERVAL_SECONDS?.trim();
  const intervalSeconds = raw ? Number(raw) : 300;
  if (!Number.isInteger(intervalSeconds) || intervalSeconds < 0 || intervalSeconds > 86_400) {
    throw new AppError(
      "VALIDATION_FAILED",
      `ASSAY_NOTIFY_INTERVAL_SECONDS must be a whole number from 0 to 86400, not "${raw}".`,
    );
  }
  return {
    intervalSeconds,
    holidays: readSendSettings(env).holidays,
    publicUrl,
    mail: readMailSettings(env),
    webhook: readWebhookSettings(env),
    maxAttempts: 5,
  };
}

/** The channels that are configured; nothing leaves the machine through any other. */
export function channelsOf(settings: NotifierSettings): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (settings.mail) channels.push("email");
  if (settings.webhook) channels.push("webhook");
  return channels;
}

/** The configuration as it may be logged: hosts only, never credentials, paths or secrets. */
export function describeChannels(settings: NotifierSettings) {
  return {
    email: settings.mail ? describeSmtpUrl(settings.mail.url) : null,
    webhook: settings.webhook ? settings.webhook.host : null,
  };
}

export type NotificationRun = ScheduleResult & DeliverResult & { channels: NotificationChannel[] };

/** One pass: schedule what is owed today (questionnaire reminders, certificate notices), then deliver what is due. */
export async function runNotifications(
  db: Db,
  settings: NotifierSettings,
  options: { now?: Date; transports?: NotificationTransports } = {},
): Promise<NotificationRun> {
  const now = options.now ?? new Date();
  const channels = channelsOf(settings);
  const scheduleOptions = {
    now,
    holidays: settings.holidays,
    channels,
    publicUrl: settings.publicUrl,
    webhookRecipient: settings.webhook?.host,
  };
  const reminders = await scheduleReminders(db, scheduleOptions);
  const certificates = await scheduleCertificateReminders(db, scheduleOptions);
  const scheduled: ScheduleResult = {
    checked: reminders.checked + certificates.checked,
    scheduled: reminders.scheduled + certificates.scheduled,
  };
  const mail = settings.mail && !options.transports ? createMailTransport(settings.mail) : undefined;
  try {
    const transports: NotificationTransports = options.transports ?? {
      ...(mail ? { email: mail } : {}),
      ...(settings.webhook ? { webhook: createWebhookTransport(settings.webhook) } : {}),
    };
    const delivered = await deliverPending(db, transports, { now, maxAttempts: settings.maxAttempts });
    return { channels, ...scheduled, ...delivered };
  } finally {
    mail?.close();
  }
}

export interface Notifier {
  /** Stops the loop and waits for a run in progress to finish. */
  stop(): Promise<void>;
}

/** Starts the loop (first run after one interval); returns at once. */
export function startNotifier(db: Db, logger: Logger, settings: NotifierSettings): Notifier {
  const channels = channelsOf(settings);
  if (settings.intervalSeconds === 0) {
    logger.info("reminder loop off (ASSAY_NOTIFY_INTERVAL_SECONDS=0)");
    return { stop: async () => {} };
  }
  logger.info(
    { intervalSeconds: settings.intervalSeconds, channels: describeChannels(settings) },
    channels.length
      ? "reminder loop started"
      : "reminder loop started; no channel configured, nothing is sent",
  );
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = async () => {
    try {
      const run = await runNotifications(db, settings);
      if (run.scheduled || run.sent || run.retried || run.failed) logger.info({ ...run }, "reminders run");
    } catch (error) {
      // Logged by message only: the error may come from a transport, and stacks help nobody here.
      logger.error({ error: error instanceof Error ? error.message : String(error) }, "reminders run failed");
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = undefined;
        schedule();
      });
    }, settings.intervalSeconds * 1000);
    // The loop alone must not keep the process alive.
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
