import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { AppError } from "../domain/errors.ts";
import { type Permission, roleAllows, rolesWith } from "../domain/roles.ts";
import { type Principal, resolveApiToken, resolveSession } from "../store/auth.ts";
import { safeEqual } from "../store/credentials.ts";
import type { AppEnv, Services } from "./context.ts";

export const SESSION_COOKIE = "assay_session";
export const CSRF_HEADER = "x-csrf-token";

/**
 * What a route requires. `public` routes answer anyone (health, setup, sign-in); the vendor portal
 * is authorised by the link token in its path (`portal`); every other route needs a signed-in
 * person or API token holding the permission.
 */
export type Access = "public" | "portal" | Permission;

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Reads the session cookie or bearer token, if any, and remembers who is asking. */
export function principalMiddleware(services: Services): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let principal: Principal | undefined;
    const authorization = c.req.header("authorization");
    if (authorization) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match?.[1])
        throw new AppError("UNAUTHENTICATED", "The Authorization header must be 'Bearer <token>'.");
      principal = await resolveApiToken(services.db, match[1]);
      if (!principal)
        throw new AppError("UNAUTHENTICATED", "The API token is not valid, expired or revoked.");
    } else {
      const cookie = getCookie(c, SESSION_COOKIE);
      if (cookie) principal = await resolveSession(services.db, cookie);
    }
    c.set("principal", principal);
    await next();
  };
}

/** The signed-in principal of a route that required a permission; never undefined there. */
export function principalOf(c: Context<AppEnv>): Principal {
  const principal = c.get("principal");
  if (!principal) throw new AppError("UNAUTHENTICATED", "Sign in or send an API token.");
  return principal;
}

function accessMiddleware(access: Access): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (access !== "public" && access !== "portal") {
      const principal = c.get("principal");
      if (!principal) throw new AppError("UNAUTHENTICATED", "Sign in or send an API token.");
      // Cookies ride along on cross-site requests; a header a foreign page cannot set proves intent.
      if (principal.via === "session" && UNSAFE.has(c.req.method)) {
        const sent = c.req.header(CSRF_HEADER) ?? "";
        if (!principal.csrfToken || !safeEqual(sent, principal.csrfToken)) {
          throw new AppError(
            "CSRF_FAILED",
            `Missing or wrong ${CSRF_HEADER} header; reload the page and try again.`,
          );
        }
      }
      if (!roleAllows(principal.role, access)) {
        throw new AppError(
          "FORBIDDEN",
          `This needs the "${access}" permission, which the role "${principal.role}" does not have.`,
          {
            details: { required: access, role: principal.role, allowedRoles: rolesWith(access) },
          },
        );
      }
    }
    await next();
  };
}

/** Rejects bodies that are not JSON with 415 and unparsable JSON with 400, before validation runs. */
const requireJsonBody =
  (optional: boolean): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const hasBody =
      c.req.header("transfer-encoding") !== undefined || Number(c.req.header("content-length") ?? "0") > 0;
    if (optional && !hasBody) return next();
    const type = c.req.header("content-type") ?? "";
    if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
      throw new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        "This endpoint takes a JSON body: send Content-Type: application/json.",
      );
    }
    try {
      await c.req.json();
    } catch {
      throw new AppError("MALFORMED_JSON", "The request body is not valid JSON.");
    }
    await next();
  };

type AssayRouteConfig = Omit<RouteConfig, "middleware"> & { access: Access };

/**
 * Declares a route with the permission it needs. The permission check (and, for JSON bodies, the
 * content-type check) becomes the route's own middleware, and the permission is written into the
 * OpenAPI document as `x-assay-access`, where the route-enumeration test reads it.
 */
export function defineRoute<R extends AssayRouteConfig>(
  config: R,
): Omit<R, "access"> & { middleware: MiddlewareHandler<AppEnv>[] } {
  const { access, ...rest } = config;
  const middleware: MiddlewareHandler<AppEnv>[] = [accessMiddleware(access)];
  const body = rest.request?.body;
  if (body?.content && "application/json" in body.content)
    middleware.push(requireJsonBody(body.required === false));
  const security =
    access === "public" || access === "portal" ? [] : [{ session: [], csrf: [] }, { bearer: [] }];
  const description = [
    rest.description,
    access === "public"
      ? "Open to anyone."
      : access === "portal"
        ? "Authorised by the portal link token in the path."
        : `Requires the \`${access}\` permission (roles: ${rolesWith(access).join(", ")}).`,
  ]
    .filter(Boolean)
    .join("\n\n");
  return createRoute({
    ...rest,
    description,
    security,
    middleware,
    "x-assay-access": access,
  } as never) as never;
}
