import { and, count, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import { AppError } from "../domain/errors.ts";
import type { Role } from "../domain/roles.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import { hashPassword, hashSecret, newSecret, safeEqual } from "./credentials.ts";
import type { Db } from "./database.ts";
import { cachedPrincipal, forgetPrincipals, rememberPrincipal } from "./principal-cache.ts";
import { apiTokens, instanceSettings, loginFailures, sessions, users } from "./schema.ts";
import { countUsers, type PublicUser, toPublicUser, type UserRow } from "./users.ts";
import { deleteSetting, ensureDefaultWorkspace, readSetting, writeSetting } from "./workspaces.ts";

export const SESSION_PREFIX = "assay_ses_";
export const API_TOKEN_PREFIX = "assay_pat_";
export const SETUP_TOKEN_PREFIX = "assay_setup_";

/** Who is asking, once a session cookie or a bearer token has been checked. */
export interface Principal {
  workspaceId: string;
  user: PublicUser;
  role: Role;
  via: "session" | "token";
  /** The session's CSRF token (sessions only). */
  csrfToken?: string;
  sessionId?: string;
  tokenId?: string;
  actor: Actor;
}

function principalFor(user: UserRow, via: "session" | "token", extra: Partial<Principal>): Principal {
  const actor: Actor =
    via === "token"
      ? { type: "token", id: extra.tokenId ?? null, label: `${user.email} (API token)` }
      : { type: "user", id: user.id, label: user.email };
  return { workspaceId: user.workspaceId, user: toPublicUser(user), role: user.role, via, actor, ...extra };
}

// ---------------------------------------------------------------- sessions

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function createSession(
  db: Db,
  user: UserRow,
  meta: { address?: string | undefined; userAgent?: string | undefined; ttlMs: number },
): Promise<NewSession> {
  const token = newSecret(SESSION_PREFIX);
  const csrfToken = newSecret("");
  const expiresAt = new Date(Date.now() + meta.ttlMs);
  await db.insert(sessions).values({
    workspaceId: user.workspaceId,
    userId: user.id,
    tokenHash: hashSecret(token),
    csrfToken,
    expiresAt,
    address: meta.address ?? null,
    userAgent: meta.userAgent?.slice(0, 300) ?? null,
  });
  // Old sessions are removed on the way, so the table does not grow without bound.
  await db.delete(sessions).where(lt(sessions.expiresAt, new Date()));
  return { token, csrfToken, expiresAt };
}

/** The principal behind a session cookie, or undefined when the session is unknown, expired or its user disabled. */
export async function resolveSession(db: Db, token: string): Promise<Principal | undefined> {
  if (!token.startsWith(SESSION_PREFIX)) return undefined;
  const key = `s:${hashSecret(token)}`;
  const cached = cachedPrincipal<Principal>(key);
  if (cached) return cached;
  const [row] = await db
    .select({ session: sessions, user: users })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(and(eq(sessions.tokenHash, hashSecret(token)), gt(sessions.expiresAt, new Date())));
  if (!row || row.user.disabledAt) return undefined;
  if (Date.now() - row.session.lastSeenAt.getTime() > 60_000) {
    await db.update(sessions).set({ lastSeenAt: new Date() }).where(eq(sessions.id, row.session.id));
  }
  const principal = principalFor(row.user, "session", {
    csrfToken: row.session.csrfToken,
    sessionId: row.session.id,
  });
  rememberPrincipal(key, principal, row.session.expiresAt);
  return principal;
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
  forgetPrincipals();
}

// ---------------------------------------------------------------- API tokens

export interface ApiTokenInfo {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revoked: boolean;
}

/** Creates an API token for a user. The token itself is returned once and stored only hashed. */
export async function createApiToken(
  db: Db,
  input: { workspaceId: string; userId: string; name: string; expiresAt?: Date | undefined },
  actor: Actor,
): Promise<{ token: string; info: ApiTokenInfo }> {
  const token = newSecret(API_TOKEN_PREFIX);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.id, input.userId), eq(users.workspaceId, input.workspaceId)));
    if (!user) throw new AppError("USER_NOT_FOUND", "No such user.");
    if (user.disabledAt)
      throw new AppError("USER_DISABLED", "The user is disabled; enable it before creating tokens.");
    const [row] = await tx
      .insert(apiTokens)
      .values({
        workspaceId: input.workspaceId,
        userId: input.userId,
        name: input.name.trim(),
        tokenHash: hashSecret(token),
        prefix: token.slice(0, API_TOKEN_PREFIX.length + 6),
        expiresAt: input.expiresAt ?? null,
      })
      .returning();
    if (!row) throw new Error("token insert returned no row");
    await recordAudit(tx, {
      workspaceId: input.workspaceId,
      actor,
      action: "token.create",
      targetType: "api_token",
      targetId: row.id,
      details: { name: row.name, userId: user.id, userEmail: user.email, prefix: row.prefix },
    });
    return { token, info: tokenInfo(row, user.email) };
  });
}

function tokenInfo(row: typeof apiTokens.$inferSelect, email: string): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    userId: row.userId,
    userEmail: email,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revoked: row.revokedAt !== null,
  };
}

export async function resolveApiToken(db: Db, token: string): Promise<Principal | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
  const key = `t:${hashSecret(token)}`;
  const cached = cachedPrincipal<Principal>(key);
  if (cached) return cached;
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, hashSecret(token)), isNull(apiTokens.revokedAt)));
  if (!row || row.user.disabledAt) return undefined;
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= Date.now()) return undefined;
  if (!row.token.lastUsedAt || Date.now() - row.token.lastUsedAt.getTime() > 60_000) {
    await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.token.id));
  }
  const principal = principalFor(row.user, "token", { tokenId: row.token.id });
  rememberPrincipal(key, principal, row.token.expiresAt);
  return principal;
}

export async function listApiTokens(db: Db, workspaceId: string, userId?: string): Promise<ApiTokenInfo[]> {
  const where = userId
    ? and(eq(apiTokens.workspaceId, workspaceId), eq(apiTokens.userId, userId))
    : eq(apiTokens.workspaceId, workspaceId);
  const rows = await db
    .select({ token: apiTokens, email: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(where)
    .orderBy(desc(apiTokens.createdAt));
  return rows.map((r) => tokenInfo(r.token, r.email));
}

/** Revokes a token; only its owner or an admin may (the caller checks `mayRevokeAny`). */
export async function revokeApiToken(
  db: Db,
  input: { workspaceId: string; id: string; requesterId: string; mayRevokeAny: boolean },
  actor: Actor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.id, input.id), eq(apiTokens.workspaceId, input.workspaceId)));
    if (!row || (!input.mayRevokeAny && row.userId !== input.requesterId)) {
      throw new AppError("TOKEN_NOT_FOUND", "No such API token.");
    }
    if (row.revokedAt) return;
    await tx.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, row.id));
    await recordAudit(tx, {
      workspaceId: input.workspaceId,
      actor,
      action: "token.revoke",
      targetType: "api_token",
      targetId: row.id,
      details: { name: row.name, prefix: row.prefix },
    });
  });
  // After commit, so no request can re-cache the token as it was before.
  forgetPrincipals();
}

// ---------------------------------------------------------------- login throttling

export interface ThrottlePolicy {
  windowMs: number;
  maxPerAccount: number;
  maxPerAddress: number;
}

export async function recordLoginFailure(
  db: Db,
  account: string,
  address: string | undefined,
): Promise<void> {
  const rows: (typeof loginFailures.$inferInsert)[] = [
    { scope: "account", key: account.trim().toLowerCase() },
  ];
  if (address) rows.push({ scope: "address", key: address });
  await db.insert(loginFailures).values(rows);
}

/**
 * Milliseconds until another attempt is allowed, or 0. Counts failures in the window per account
 * and per client address, so neither guessing one password nor spraying many accounts works.
 */
export async function loginRetryAfter(
  db: Db,
  account: string,
  address: string | undefined,
  policy: ThrottlePolicy,
): Promise<number> {
  const since = new Date(Date.now() - policy.windowMs);
  await db.delete(loginFailures).where(lt(loginFailures.at, since));
  const checks: [string, string, number][] = [
    ["account", account.trim().toLowerCase(), policy.maxPerAccount],
  ];
  if (address) checks.push(["address", address, policy.maxPerAddress]);
  let wait = 0;
  for (const [scope, key, max] of checks) {
    const [row] = await db
      .select({ n: count(), oldest: sql<string>`min(${loginFailures.at})` })
      .from(loginFailures)
      .where(
        and(
          eq(loginFailures.scope, scope as "account"),
          eq(loginFailures.key, key),
          gt(loginFailures.at, since),
        ),
      );
    if (row && Number(row.n) >= max && row.oldest) {
      wait = Math.max(wait, new Date(row.oldest).getTime() + policy.windowMs - Date.now());
    }
  }
  return Math.max(0, wait);
}

export async function clearLoginFailures(db: Db, account: string): Promise<void> {
  await db
    .delete(loginFailures)
    .where(and(eq(loginFailures.scope, "account"), eq(loginFailures.key, account.trim().toLowerCase())));
}

// ---------------------------------------------------------------- first-run setup

const SETUP_TOKEN_KEY = "setup_token";

/**
 * While no user exists, issues a fresh one-time setup token (stored hashed) and returns it for
 * printing to the console of the machine that runs Assay. Returns undefined once set up.
 */
export async function issueSetupToken(db: Db): Promise<string | undefined> {
  if ((await countUsers(db)) > 0) return undefined;
  const token = newSecret(SETUP_TOKEN_PREFIX);
  await writeSetting(db, SETUP_TOKEN_KEY, { hash: hashSecret(token), issuedAt: new Date().toISOString() });
  return token;
}

export async function isSetUp(db: Db): Promise<boolean> {
  return (await countUsers(db)) > 0;
}

/** Creates the first admin, once, for whoever presents the setup token printed at start. */
export async function completeSetup(
  db: Db,
  input: { setupToken: string; email: string; name?: string | undefined; password: string },
): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  const workspaceId = await ensureDefaultWorkspace(db);
  return db.transaction(async (tx) => {
    // Lock the setup row so two visitors racing with the same token cannot both become admin.
    await tx.execute(
      sql`SELECT 1 FROM ${instanceSettings} WHERE ${instanceSettings.key} = ${SETUP_TOKEN_KEY} FOR UPDATE`,
    );
    if ((await countUsers(tx)) > 0)
      throw new AppError("SETUP_ALREADY_DONE", "Assay is already set up; sign in instead.");
    const stored = await readSetting<{ hash: string }>(tx, SETUP_TOKEN_KEY);
    if (!stored || !safeEqual(stored.hash, hashSecret(input.setupToken.trim()))) {
      throw new AppError(
        "SETUP_TOKEN_INVALID",
        "The setup token is not valid. Use the one printed in the console where Assay was started.",
      );
    }
    const [row] = await tx
      .insert(users)
      .values({
        workspaceId,
        email: input.email.trim(),
        name: input.name?.trim() ?? "",
        role: "admin",
        passwordHash,
      })
      .returning();
    if (!row) throw new Error("user insert returned no row");
    await deleteSetting(tx, SETUP_TOKEN_KEY);
    await recordAudit(tx, {
      workspaceId,
      actor: { type: "user", id: row.id, label: row.email },
      action: "setup.complete",
      targetType: "user",
      targetId: row.id,
      details: { email: row.email, role: "admin" },
    });
    return toPublicUser(row);
  });
}
