import { z } from "@hono/zod-openapi";
import { getAssessment } from "../../store/assessments.ts";
import {
  listNotifications,
  NOTIFICATION_CHANNELS,
  NOTIFICATION_STATUSES,
} from "../../store/notifications.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { readNotifierSettings, runNotifications } from "../notifier.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, jsonResponse, problemResponses } from "../schemas.ts";

const NotificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.string().openapi({ example: "assessment.reminder_7" }),
    channel: z.enum(NOTIFICATION_CHANNELS),
    recipient: z.string(),
    subject: z.string(),
    assessmentId: z.uuid().nullable(),
    status: z.enum(NOTIFICATION_STATUSES),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string(),
    sentAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Notification");

const ReminderSchema = NotificationSchema.pick({
  id: true,
  kind: true,
  channel: true,
  status: true,
  attempts: true,
  sentAt: true,
  createdAt: true,
}).openapi("AssessmentReminder");

const RunSchema = z
  .object({
    channels: z.array(z.enum(NOTIFICATION_CHANNELS)),
    checked: z.number().int(),
    scheduled: z.number().int(),
    sent: z.number().int(),
    retried: z.number().int(),
    failed: z.number().int(),
  })
  .openapi("NotificationRun");

const routes = {
  list: defineRoute({
    method: "get",
    path: "/api/notifications",
    tags: ["notifications"],
    summary: "The notification outbox, newest first, by assessment and status",
    access: "admin",
    request: {
      query: z.object({
        assessmentId: z.uuid().optional(),
        status: z.enum(NOTIFICATION_STATUSES).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(NotificationSchema), total: z.number().int() }),
        "Outbox rows",
      ),
      ...problemResponses(400, 401, 403),
    },
  }),
  run: defineRoute({
    method: "post",
    path: "/api/notifications/run",
    tags: ["notifications"],
    summary: "Schedule the reminders owed today and deliver the outbox now",
    description:
      "What the server's reminder loop does every ASSAY_NOTIFY_INTERVAL_SECONDS. Only configured channels (SMTP, webhook) are used; with none, nothing is scheduled or sent.",
    access: "admin",
    responses: {
      200: jsonResponse(RunSchema, "What this run scheduled and delivered"),
      ...problemResponses(400, 401, 403),
    },
  }),
  reminders: defineRoute({
    method: "get",
    path: "/api/assessments/{id}/reminders",
    tags: ["notifications"],
    summary: "The reminders of one assessment and whether they went out",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(z.object({ items: z.array(ReminderSchema) }), "Reminders, newest first"),
      ...problemResponses(400, 401, 404),
    },
  }),
};

/** The notification outbox: listing, a manual run, and an assessment's reminders. */
export function notificationRoutes(services: Services) {
  const { db, config } = services;
  return newRouter()
    .openapi(routes.list, async (c) =>
      c.json(await listNotifications(db, principalOf(c).workspaceId, c.req.valid("query")), 200),
    )
    .openapi(routes.run, async (c) => {
      principalOf(c);
      const settings = readNotifierSettings(process.env, config.publicUrl);
      return c.json(await runNotifications(db, settings), 200);
    })
    .openapi(routes.reminders, async (c) => {
      const workspaceId = principalOf(c).workspaceId;
      const { id } = c.req.valid("param");
      await getAssessment(db, workspaceId, id);
      const { items } = await listNotifications(db, workspaceId, { assessmentId: id, limit: 200 });
      return c.json(
        {
          items: items.map((n) => ({
            id: n.id,
            kind: n.kind,
            channel: n.channel,
            status: n.status,
            attempts: n.attempts,
            sentAt: n.sentAt,
            createdAt: n.createdAt,
          })),
        },
        200,
      );
    });
}
