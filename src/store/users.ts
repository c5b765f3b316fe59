import { and, asc, count, eq, isNull, sql } from "drizzle-orm";
import { AppError } from "../domain/errors.ts";
import type { Role } from "../domain/roles.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import { hashPassword } from "./credentials.ts";
import type { Db } from "./database.ts";
import { forgetPrincipals } from "./principal-cache.ts";
import { apiTokens, sessions, users } from "./schema.ts";

export type UserRow = typeof users.$inferSelect;

/** What may be shown about a user: never the password hash. */
export interface PublicUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabledAt !== null,
    createdAt: row.createdAt.toISOString(),
  };
}

export interface NewUser {
  workspaceId: string;
  email: string;
  name?: string;
  role: Role;
  password: string;
}

function isUniqueViolation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if ((current as { code?: string }).code === "23505") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Creates a user with an argon2id password hash and records it in the audit log. */
export async function createUser(db: Db, input: NewUser, actor: Actor): Promise<PublicUser> {
  const passwordHash = await hashPassword(input.password);
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(users)
        .values({
          workspaceId: input.workspaceId,
          email: input.email.trim(),
          name: input.name?.trim() ?? "",
          role: input.role,
          passwordHash,
        })
        .returning();
      if (!row) throw new Error("user insert returned no row");
      await recordAudit(tx, {
        workspaceId: input.workspaceId,
        actor,
        action: "user.create",
        targetType: "user",
        targetId: row.id,
        details: { email: row.email, role: row.role },
      });
      return toPublicUser(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("USER_EXISTS", `A user with the e-mail ${input.email} already exists.`, {
        details: { email: input.email },
      });
    }
    throw error;
  }
}

export async function countUsers(db: Db): Promise<number> {
  const [row] = await db.select({ n: count() }).from(users);
  return Number(row?.n ?? 0);
}

export async function findUserByEmail(
  db: Db,
  workspaceId: string,
  email: string,
): Promise<UserRow | undefined> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), sql`lower(${users.email}) = lower(${email.trim()})`));
  return row;
}

export async function getUser(db: Db, workspaceId: string, id: string): Promise<UserRow> {
  const [row] = await db
    .select()
    .from(users)
    .where(and(eq(users.workspaceId, workspaceId), eq(users.id, id)));
  if (!row) throw new AppError("USER_NOT_FOUND", "No such user.", { details: { id } });
  return row;
}

export async function listUsers(db: Db, workspaceId: string): Promise<PublicUser[]> {
  const rows = await db
    .select()
    .from(users)
    .where(eq(users.workspaceId, workspaceId))
    .orderBy(asc(users.email));
  return rows.map(toPublicUser);
}

export interface UserChanges {
  name?: string;
  role?: Role;
  disabled?: boolean;
  password?: string;
}

/**
 * Changes a user's name, role, password or disabled state. Disabling or changing the password
 * ends the user's sessions. The last active admin cannot be demoted or disabled, so an
 * installation can never lock itself out.
 */
export async function updateUser(
  db: Db,
  workspaceId: string,
  id: string,
  changes: UserChanges,
  actor: Actor,
): Promise<PublicUser> {
  const passwordHash = changes.password === undefined ? undefined : await hashPassword(changes.password);
  const updated = await db.transaction(async (tx) => {
    const current = await getUser(tx, workspaceId, id);
    const losesAdmin =
      current.role === "admin" &&
      current.disabledAt === null &&
      ((changes.role !== undefined && changes.role !== "admin") || changes.disabled === true);
    if (losesAdmin) {
      const [row] = await tx
        .select({ n: count() })
        .from(users)
        .where(and(eq(users.workspaceId, workspaceId), eq(users.role, "admin"), isNull(users.disabledAt)));
      if (Number(row?.n ?? 0) <= 1) {
        throw new AppError("CONFLICT", "This is the last active admin; make another admin first.");
      }
    }
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (changes.name !== undefined) set.name = changes.name.trim();
    if (changes.role !== undefined) set.role = changes.role;
    if (changes.disabled !== undefined)
      set.disabledAt = changes.disabled ? (current.disabledAt ?? new Date()) : null;
    if (passwordHash !== undefined) set.passwordHash = passwordHash;
    const [row] = await tx.update(users).set(set).where(eq(users.id, id)).returning();
    if (!row) throw new AppError("USER_NOT_FOUND", "No such user.", { details: { id } });
    if (changes.disabled === true || passwordHash !== undefined) {
      await tx.delete(sessions).where(eq(sessions.userId, id));
    }
    if (changes.disabled === true) {
      await tx
        .update(apiTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiTokens.userId, id), isNull(apiTokens.revokedAt)));
    }
    const details: Record<string, unknown> = {};
    if (changes.name !== undefined) details.name = row.name;
    if (changes.role !== undefined) details.role = { from: current.role, to: row.role };
    if (changes.disabled !== undefined) details.disabled = changes.disabled;
    if (passwordHash !== undefined) details.passwordChanged = true;
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "user.update",
      targetType: "user",
      targetId: id,
      details,
    });
    return toPublicUser(row);
  });
  // After commit, so no request can re-cache the state from before the change.
  forgetPrincipals();
  return updated;
}
