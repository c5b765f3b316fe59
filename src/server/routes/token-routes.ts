import { z } from "@hono/zod-openapi";
import { AppError } from "../../domain/errors.ts";
import { roleAllows } from "../../domain/roles.ts";
import { createApiToken, listApiTokens, revokeApiToken } from "../../store/auth.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, problemResponses } from "../schemas.ts";

const TokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    prefix: z.string(),
    userId: z.uuid(),
    userEmail: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revoked: z.boolean(),
  })
  .openapi("ApiToken");
const NewTokenSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    userId: z.uuid().optional().openapi({ description: "Admins may create a token for another user." }),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .openapi("NewApiToken");
const CreatedTokenSchema = z
  .object({ token: z.string().openapi({ description: "Shown once; store it now." }), info: TokenSchema })
  .openapi("CreatedApiToken");

const list = defineRoute({
  method: "get",
  path: "/api/tokens",
  tags: ["tokens"],
  summary: "List API tokens (your own; admins see all)",
  access: "read",
  responses: {
    200: {
      description: "Tokens",
      content: {
        "application/json": { schema: z.object({ items: z.array(TokenSchema), total: z.number().int() }) },
      },
    },
    ...problemResponses(401),
  },
});

const create = defineRoute({
  method: "post",
  path: "/api/tokens",
  tags: ["tokens"],
  summary: "Create an API token for the CLI or automation",
  access: "read",
  request: { body: { content: { "application/json": { schema: NewTokenSchema } }, required: true } },
  responses: {
    201: {
      description: "Created; the token is in the body, once",
      content: { "application/json": { schema: CreatedTokenSchema } },
    },
    ...problemResponses(400, 401, 403, 404, 415),
  },
});

const revoke = defineRoute({
  method: "delete",
  path: "/api/tokens/{id}",
  tags: ["tokens"],
  summary: "Revoke an API token",
  access: "read",
  request: { params: IdParamSchema },
  responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404) },
});

export function tokenRoutes(services: Services) {
  const { db } = services;
  return newRouter()
    .openapi(list, async (c) => {
      const p = principalOf(c);
      const items = await listApiTokens(
        db,
        p.workspaceId,
        roleAllows(p.role, "admin") ? undefined : p.user.id,
      );
      return c.json({ items, total: items.length }, 200);
    })
    .openapi(create, async (c) => {
      const p = principalOf(c);
      const body = c.req.valid("json");
      const userId = body.userId ?? p.user.id;
      if (userId !== p.user.id && !roleAllows(p.role, "admin")) {
        throw new AppError("FORBIDDEN", "Only admins may create tokens for other users.");
      }
      const expiresAt = body.expiresInDays
        ? new Date(Date.now() + body.expiresInDays * 86_400_000)
        : undefined;
      const created = await createApiToken(
        db,
        { workspaceId: p.workspaceId, userId, name: body.name, expiresAt },
        p.actor,
      );
      return c.json(created, 201);
    })
    .openapi(revoke, async (c) => {
      const p = principalOf(c);
      const { id } = c.req.valid("param");
      await revokeApiToken(
        db,
        { workspaceId: p.workspaceId, id, requesterId: p.user.id, mayRevokeAny: roleAllows(p.role, "admin") },
        p.actor,
      );
      return c.body(null, 204);
    });
}
