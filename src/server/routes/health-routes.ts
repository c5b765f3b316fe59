import { z } from "@hono/zod-openapi";
import { isSetUp } from "../../store/auth.ts";
import { defineRoute } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";

const HealthSchema = z
  .object({
    status: z.literal("ok"),
    version: z.string(),
    database: z.enum(["pglite", "postgres"]),
    setupRequired: z.boolean(),
  })
  .openapi("Health");

const health = defineRoute({
  method: "get",
  path: "/api/health",
  tags: ["system"],
  summary: "Liveness and readiness",
  access: "public",
  responses: {
    200: {
      description: "The server and its database answer",
      content: { "application/json": { schema: HealthSchema } },
    },
  },
});

export function healthRoutes(services: Services, version: string) {
  return newRouter().openapi(health, async (c) => {
    const setupRequired = !(await isSetUp(services.db));
    return c.json({ status: "ok" as const, version, database: services.database.engine, setupRequired }, 200);
  });
}
