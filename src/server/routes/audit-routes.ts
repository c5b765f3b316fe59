import { z } from "@hono/zod-openapi";
import { listAuditEntries, verifyAuditChain } from "../../store/audit-log.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { problemResponses } from "../schemas.ts";

const AuditEntrySchema = z
  .object({
    seq: z.number().int(),
    id: z.uuid(),
    at: z.string(),
    actorType: z.enum(["user", "token", "system", "portal"]),
    actorId: z.string().nullable(),
    actorLabel: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    hash: z.string(),
  })
  .openapi("AuditEntry");

const AuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().regex(/^\d+$/).optional().openapi({ description: "nextCursor of the previous page" }),
  targetType: z.string().max(60).optional(),
  targetId: z.string().max(100).optional(),
});

const VerificationSchema = z
  .object({
    ok: z.boolean(),
    checked: z.number().int(),
    lastSeq: z.number().int(),
    problem: z
      .object({
        seq: z.number().int(),
        kind: z.enum(["altered", "missing", "relinked"]),
        message: z.string(),
      })
      .optional(),
  })
  .openapi("AuditVerification");

const list = defineRoute({
  method: "get",
  path: "/api/audit",
  tags: ["audit"],
  summary: "The audit log, newest first",
  access: "export",
  request: { query: AuditQuerySchema },
  responses: {
    200: {
      description: "A page of entries",
      content: {
        "application/json": {
          schema: z.object({
            items: z.array(AuditEntrySchema),
            total: z.number().int(),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    ...problemResponses(400, 401, 403),
  },
});

const verify = defineRoute({
  method: "get",
  path: "/api/audit/verify",
  tags: ["audit"],
  summary: "Recompute the audit hash chain and report the first altered or missing entry",
  access: "export",
  responses: {
    200: {
      description: "Verification result",
      content: { "application/json": { schema: VerificationSchema } },
    },
    ...problemResponses(401, 403),
  },
});

export function auditRoutes(services: Services) {
  const { db } = services;
  return newRouter()
    .openapi(list, async (c) => {
      const q = c.req.valid("query");
      const page = await listAuditEntries(db, {
        workspaceId: principalOf(c).workspaceId,
        limit: q.limit,
        before: q.cursor === undefined ? undefined : Number(q.cursor),
        targetType: q.targetType,
        targetId: q.targetId,
      });
      return c.json(
        {
          ...page,
          items: page.items.map(({ prevHash: _prev, workspaceId: _ws, ...e }) => ({
            ...e,
            at: e.at.toISOString(),
            details: e.details as Record<string, unknown>,
          })),
        },
        200,
      );
    })
    .openapi(verify, async (c) => c.json(await verifyAuditChain(db), 200));
}
