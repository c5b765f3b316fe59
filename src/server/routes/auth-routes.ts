import { getConnInfo } from "@hono/node-server/conninfo";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import { AppError } from "../../domain/errors.ts";
import { recordAudit } from "../../store/audit-log.ts";
import {
  clearLoginFailures,
  completeSetup,
  createSession,
  deleteSession,
  isSetUp,
  loginRetryAfter,
  recordLoginFailure,
} from "../../store/auth.ts";
import { DUMMY_PASSWORD_HASH, verifyPassword } from "../../store/credentials.ts";
import { findUserByEmail, getUser, updateUser } from "../../store/users.ts";
import { defineRoute, principalOf, SESSION_COOKIE } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import {
  EmailSchema,
  jsonBody,
  jsonResponse,
  NameSchema,
  PasswordSchema,
  problemResponses,
  SessionSchema,
} from "../schemas.ts";

// Failed sign-ins allowed per 15 minutes: few per account (guessing one password), more per
// address (an office behind one NAT), so neither guessing nor spraying gets far.
const THROTTLE = { windowMs: 15 * 60_000, maxPerAccount: 5, maxPerAddress: 30 };

const SetupStatusSchema = z.object({ required: z.boolean() }).openapi("SetupStatus");
const SetupBodySchema = z
  .strictObject({
    setupToken: z
      .string()
      .min(1)
      .max(200)
      .openapi({ description: "The one-time token printed in the server console." }),
    email: EmailSchema,
    name: NameSchema.optional(),
    password: PasswordSchema,
  })
  .openapi("SetupRequest");
const LoginBodySchema = z
  .strictObject({ email: z.string().trim().min(1).max(254), password: z.string().min(1).max(256) })
  .openapi("LoginRequest");
const PasswordChangeSchema = z
  .strictObject({ currentPassword: z.string().min(1).max(256), newPassword: PasswordSchema })
  .openapi("PasswordChange");

const setupStatus = defineRoute({
  method: "get",
  path: "/api/setup",
  tags: ["auth"],
  summary: "Whether first-run setup is still open",
  access: "public",
  responses: { 200: jsonResponse(SetupStatusSchema, "Setup state") },
});

const setup = defineRoute({
  method: "post",
  path: "/api/setup",
  tags: ["auth"],
  summary: "Create the first admin (needs the setup token printed in the console)",
  access: "public",
  request: { body: jsonBody(SetupBodySchema) },
  responses: {
    201: jsonResponse(SessionSchema, "Admin created and signed in"),
    ...problemResponses(400, 403, 409, 415),
  },
});

const login = defineRoute({
  method: "post",
  path: "/api/auth/login",
  tags: ["auth"],
  summary: "Sign in with e-mail and password",
  access: "public",
  request: { body: jsonBody(LoginBodySchema) },
  responses: {
    200: jsonResponse(SessionSchema, "Signed in; the session cookie is set"),
    ...problemResponses(400, 401, 415, 429),
  },
});

const logout = defineRoute({
  method: "post",
  path: "/api/auth/logout",
  tags: ["auth"],
  summary: "Sign out (ends this session)",
  access: "read",
  responses: { 204: { description: "Signed out" }, ...problemResponses(401, 403) },
});

const session = defineRoute({
  method: "get",
  path: "/api/auth/session",
  tags: ["auth"],
  summary: "Who is signed in, and the CSRF token to send on writes",
  access: "read",
  responses: { 200: jsonResponse(SessionSchema, "The current principal"), ...problemResponses(401) },
});

const changePassword = defineRoute({
  method: "post",
  path: "/api/auth/password",
  tags: ["auth"],
  summary: "Change your own password (ends your other sessions)",
  access: "read",
  request: { body: jsonBody(PasswordChangeSchema) },
  responses: {
    200: jsonResponse(SessionSchema, "Password changed; a new session is set"),
    ...problemResponses(400, 401, 403, 415),
  },
});

function clientAddress(c: Context): string | undefined {
  try {
    return getConnInfo(c).remote.address;
  } catch {
    return undefined;
  }
}

export function authRoutes(services: Services) {
  const { db, config } = services;

  async function startSession(c: Context, userId: string) {
    const user = await getUser(db, services.workspaceId, userId);
    const created = await createSession(db, user, {
      address: clientAddress(c),
      userAgent: c.req.header("user-agent"),
      ttlMs: config.sessionTtlMs,
    });
    setCookie(c, SESSION_COOKIE, created.token, {
      httpOnly: true,
      sameSite: "Strict",
      secure: config.secureCookies,
      path: "/",
      expires: created.expiresAt,
    });
    return created;
  }

  return newRouter()
    .openapi(setupStatus, async (c) => c.json({ required: !(await isSetUp(db)) }, 200))
    .openapi(setup, async (c) => {
      const body = c.req.valid("json");
      const user = await completeSetup(db, body);
      const created = await startSession(c, user.id);
      return c.json({ user, via: "session" as const, csrfToken: created.csrfToken }, 201);
    })
    .openapi(login, async (c) => {
      const { email, password } = c.req.valid("json");
      const address = clientAddress(c);
      const wait = await loginRetryAfter(db, email, address, THROTTLE);
      if (wait > 0) {
        const retryAfterSeconds = Math.ceil(wait / 1000);
        throw new AppError(
          "RATE_LIMITED",
          `Too many failed sign-ins. Try again in ${Math.ceil(retryAfterSeconds / 60)} minute(s).`,
          {
            details: { retryAfterSeconds },
          },
        );
      }
      const user = await findUserByEmail(db, services.workspaceId, email);
      // Hash even for unknown accounts, so response time does not reveal which e-mails exist.
      const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
      if (!user || !valid || user.disabledAt) {
        await recordLoginFailure(db, email, address);
        if (user && valid && user.disabledAt)
          throw new AppError("USER_DISABLED", "This account is disabled. Ask an admin.");
        throw new AppError("INVALID_CREDENTIALS", "Wrong e-mail or password.");
      }
      await clearLoginFailures(db, email);
      const created = await startSession(c, user.id);
      await recordAudit(db, {
        workspaceId: user.workspaceId,
        actor: { type: "user", id: user.id, label: user.email },
        action: "auth.login",
        targetType: "user",
        targetId: user.id,
        details: {},
      });
      const fresh = await getUser(db, services.workspaceId, user.id);
      return c.json(
        {
          user: {
            id: fresh.id,
            email: fresh.email,
            name: fresh.name,
            role: fresh.role,
            disabled: false,
            createdAt: fresh.createdAt.toISOString(),
          },
          via: "session" as const,
          csrfToken: created.csrfToken,
        },
        200,
      );
    })
    .openapi(logout, async (c) => {
      const principal = principalOf(c);
      if (principal.sessionId) await deleteSession(db, principal.sessionId);
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return c.body(null, 204);
    })
    .openapi(session, async (c) => {
      const principal = principalOf(c);
      return c.json(
        { user: principal.user, via: principal.via, csrfToken: principal.csrfToken ?? null },
        200,
      );
    })
    .openapi(changePassword, async (c) => {
      const principal = principalOf(c);
      const body = c.req.valid("json");
      const user = await getUser(db, principal.workspaceId, principal.user.id);
      if (!(await verifyPassword(body.currentPassword, user.passwordHash))) {
        throw new AppError("INVALID_CREDENTIALS", "The current password is wrong.");
      }
      await updateUser(db, principal.workspaceId, user.id, { password: body.newPassword }, principal.actor);
      const created = await startSession(c, user.id);
      return c.json({ user: principal.user, via: "session" as const, csrfToken: created.csrfToken }, 200);
    });
}
