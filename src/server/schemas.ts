import { z } from "@hono/zod-openapi";
import { ERROR_CODES } from "../domain/errors.ts";
import { ROLES } from "../domain/roles.ts";

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(ERROR_CODES),
    detail: z.string(),
    requestId: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("Problem", { description: "An RFC 9457 problem document." });

/** The error responses every authenticated route can give, for the OpenAPI document. */
export function problemResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Malformed JSON, or a body that fails validation",
    401: "Not signed in, or the token is invalid",
    403: "The role lacks the permission, or the CSRF header is missing",
    404: "Not found",
    409: "Conflicts with the current state",
    410: "Gone",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Input understood but not acceptable",
    429: "Too many attempts",
  };
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      {
        description: descriptions[s] ?? "Error",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}

export const RoleSchema = z.enum(ROLES).openapi("Role");

export const UserSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    role: RoleSchema,
    disabled: z.boolean(),
    createdAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User");

export const EmailSchema = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email({ error: "must be an e-mail address" }));
export const PasswordSchema = z
  .string()
  .min(12, { error: "must be at least 12 characters" })
  .max(256, { error: "must be at most 256 characters" });
export const NameSchema = z.string().trim().max(200);

export const IdParamSchema = z.object({
  id: z.uuid({ error: "must be a UUID" }).openapi({ param: { name: "id", in: "path" } }),
});

export const SessionSchema = z
  .object({
    user: UserSchema,
    via: z.enum(["session", "token"]),
    csrfToken: z
      .string()
      .nullable()
      .openapi({ description: "Send it back as the X-CSRF-Token header on writes." }),
  })
  .openapi("Session");

/** A required JSON request body of `schema`, for route declarations. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  content: { "application/json": { schema } },
  required: true,
});

/** A JSON response of `schema`, for route declarations. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
