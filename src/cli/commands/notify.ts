import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import { readServerConfig } from "../../server/config.ts";
import { channelsOf, readNotifierSettings, runNotifications } from "../../server/notifier.ts";
import {
  listNotifications,
  NOTIFICATION_STATUSES,
  type NotificationStatus,
} from "../../store/notifications.ts";
import { EXIT } from "../exit-codes.ts";
import { withStore } from "../open-store.ts";
import { action, emit, withJson } from "../output.ts";

/**
 * `assay notify run|list`: the reminder outbox from the command line, for installations that run
 * the reminder loop from cron instead of the server (ASSAY_NOTIFY_INTERVAL_SECONDS=0).
 */
export function registerNotifyCommand(program: Command): void {
  const notify = program.command("notify").description("questionnaire reminders (e-mail and webhook outbox)");

  withJson(
    notify
      .command("run")
      .description(
        "schedule the reminders owed today and deliver the outbox now; exits 1 when a delivery failed",
      ),
  ).action(
    action(async (options: { json?: boolean }) => {
      const settings = readNotifierSettings(process.env, readServerConfig().publicUrl);
      const run = await withStore("notify run", (database) => runNotifications(database.db, settings));
      emit(options, run, () =>
        channelsOf(settings).length === 0
          ? "No channel configured (ASSAY_SMTP_URL, ASSAY_WEBHOOK_URL): nothing scheduled or sent."
          : [
              `channels   ${run.channels.join(", ")}`,
              `checked    ${run.checked} assessments waiting on their vendor`,
              `scheduled  ${run.scheduled}`,
              `sent       ${run.sent}`,
              `retrying   ${run.retried}`,
              `failed     ${run.failed}`,
            ],
      );
      return run.retried + run.failed > 0 ? EXIT.findings : EXIT.ok;
    }),
  );

  withJson(
    notify
      .command("list")
      .description("the outbox, newest first")
      .option("--assessment <id>", "only this assessment's notifications")
      .option("--status <status>", `only ${NOTIFICATION_STATUSES.join(", ")}`)
      .option("--limit <n>", "at most this many", "50"),
  ).action(
    action(async (options: { json?: boolean; assessment?: string; status?: string; limit: string }) => {
      if (
        options.status !== undefined &&
        !(NOTIFICATION_STATUSES as readonly string[]).includes(options.status)
      ) {
        throw new AppError(
          "VALIDATION_FAILED",
          `--status must be one of ${NOTIFICATION_STATUSES.join(", ")}.`,
        );
      }
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new AppError("VALIDATION_FAILED", "--limit must be a whole number from 1 to 1000.");
      }
      if (options.assessment !== undefined && !/^[0-9a-f-]{36}$/i.test(options.assessment)) {
        throw new AppError("VALIDATION_FAILED", "--assessment must be an assessment id (a UUID).");
      }
      const page = await withStore("notify list", (database, workspaceId) =>
        listNotifications(database.db, workspaceId, {
          assessmentId: options.assessment,
          status: options.status as NotificationStatus | undefined,
          limit,
        }),
      );
      emit(options, page, () =>
        page.items.length === 0
          ? "No notifications."
          : page.items.map(
              (n) =>
                `${n.createdAt.slice(0, 16)}  ${n.status.padEnd(7)}  ${n.channel.padEnd(7)}  ${n.kind}  → ${n.recipient}${n.lastError ? `  (${n.lastError})` : ""}`,
            ),
      );
    }),
  );
}
