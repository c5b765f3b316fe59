import { z } from "@hono/zod-openapi";
import { createUser, listUsers, updateUser } from "../../store/users.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import {
  EmailSchema,
  IdParamSchema,
  NameSchema,
  PasswordSchema,
  problemResponses,
  RoleSchema,
  UserSchema,
} from "../schemas.ts";

const NewUserSchema = z
  .strictObject({
    email: EmailSchema,
    name: NameSchema.optional(),
    role: RoleSchema,
    password: PasswordSchema,
  })
  .openapi("NewUser");
const UserPatchSchema = z
  .strictObject({
    name: NameSchema.optional(),
    role: RoleSchema.optional(),
    disabled: z.boolean().optional(),
    password: PasswordSchema.optional(),
  })
  .openapi("UserPatch");

const list = defineRoute({
  method: "get",
  path: "/api/users",
  tags: ["users"],
  summary: "List the workspace's users",
  access: "admin",
  responses: {
    200: {
      description: "Users",
      content: {
        "application/json": { schema: z.object({ items: z.array(UserSchema), total: z.number().int() }) },
      },
    },
    ...problemResponses(401, 403),
  },
});

const create = defineRoute({
  method: "post",
  path: "/api/users",
  tags: ["users"],
  summary: "Create a user with a role",
  access: "admin",
  request: { body: { content: { "application/json": { schema: NewUserSchema } }, required: true } },
  responses: {
    201: { description: "Created", content: { "application/json": { schema: UserSchema } } },
    ...problemResponses(400, 401, 403, 409, 415),
  },
});

const patch = defineRoute({
  method: "patch",
  path: "/api/users/{id}",
  tags: ["users"],
  summary: "Change a user's name, role, password or disabled state",
  access: "admin",
  request: {
    params: IdParamSchema,
    body: { content: { "application/json": { schema: UserPatchSchema } }, required: true },
  },
  responses: {
    200: { description: "Updated", content: { "application/json": { schema: UserSchema } } },
    ...problemResponses(400, 401, 403, 404, 409, 415),
  },
});

export function userRoutes(services: Services) {
  const { db } = services;
  return newRouter()
    .openapi(list, async (c) => {
      const items = await listUsers(db, principalOf(c).workspaceId);
      return c.json({ items, total: items.length }, 200);
    })
    .openapi(create, async (c) => {
      const principal = principalOf(c);
      const user = await createUser(
        db,
        { ...c.req.valid("json"), workspaceId: principal.workspaceId },
        principal.actor,
      );
      return c.json(user, 201);
    })
    .openapi(patch, async (c) => {
      const principal = principalOf(c);
      const { id } = c.req.valid("param");
      const user = await updateUser(db, principal.workspaceId, id, c.req.valid("json"), principal.actor);
      return c.json(user, 200);
    });
}
