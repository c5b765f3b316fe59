import { createHash } from "node:crypto";
import { and, asc, desc, eq, gt, lt, sql } from "drizzle-orm";
import { canonicalJson } from "./canonical-json.ts";
import type { Db } from "./database.ts";
import { auditLog } from "./schema.ts";

/** Who did something: a signed-in user, an API token, the system itself, or a vendor portal link. */
export interface Actor {
  type: "user" | "token" | "system" | "portal";
  id: string | null;
  label: string;
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, label: "system" };

export interface AuditEntryInput {
  workspaceId: string;
  actor: Actor;
  /** Dotted verb, e.g. "user.create", "vendor.update", "assessment.send". */
  action: string;
  targetType: string;
  targetId?: string | null;
  /** Facts about the change. Never secrets: no passwords, tokens or portal links. */
  details?: Record<string, unknown>;
}

export type AuditEntry = typeof auditLog.$inferSelect;

/** The hash the first entry links to. */
export const GENESIS_HASH = "0".repeat(64);

// One lock number for the whole chain: appends are serialised so every entry links to the last.
const CHAIN_LOCK = 874202;

function entryHash(entry: Omit<AuditEntry, "hash">): string {
  const body = canonicalJson({
    seq: entry.seq,
    id: entry.id,
    workspaceId: entry.workspaceId,
    at: entry.at.toISOString(),
    actorType: entry.actorType,
    actorId: entry.actorId,
    actorLabel: entry.actorLabel,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details,
  });
  return createHash("sha256").update(entry.prevHash).update("\n").update(body).digest("hex");
}

/**
 * Appends one entry to the hash chain. Call it inside the transaction of the write it records,
 * so the change and its audit entry commit or roll back together.
 */
export async function recordAudit(tx: Db, input: AuditEntryInput): Promise<AuditEntry> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`);
  const [last] = await tx
    .select({ seq: auditLog.seq, hash: auditLog.hash })
    .from(auditLog)
    .orderBy(desc(auditLog.seq))
    .limit(1);
  // Round-tripping through JSON drops undefined and normalises values the way jsonb will return them.
  const details = JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>;
  const draft = {
    seq: (last?.seq ?? 0) + 1,
    id: crypto.randomUUID(),
    workspaceId: input.workspaceId,
    at: new Date(),
    actorType: input.actor.type,
    actorId: input.actor.id,
    actorLabel: input.actor.label,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    details,
    prevHash: last?.hash ?? GENESIS_HASH,
  };
  const entry = { ...draft, hash: entryHash(draft) };
  await tx.insert(auditLog).values(entry);
  return entry;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  lastSeq: number;
  /** The first entry that was altered, or the place where entries are missing. */
  problem?: {
    seq: number;
    kind: "altered" | "missing" | "relinked";
    message: string;
  };
}

/**
 * Recomputes the whole chain and reports the first altered or missing entry. Reads in pages so a
 * long log does not have to fit in memory.
 */
export async function verifyAuditChain(db: Db, pageSize = 2000): Promise<AuditVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expectedSeq - 1))
      .orderBy(asc(auditLog.seq))
      .limit(pageSize);
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return {
          ok: false,
          checked,
          lastSeq: row.seq,
          problem: {
            seq: expectedSeq,
            kind: "missing",
            message: `Entries ${expectedSeq}${row.seq - 1 > expectedSeq ? `–${row.seq - 1}` : ""} are missing: the log jumps to ${row.seq}.`,
          },
        };
      }
      if (row.prevHash !== prevHash) {
        return {
          ok: false,
          checked,
          lastSeq: row.seq,
          problem: {
            seq: row.seq,
            kind: "relinked",
            message: `Entry ${row.seq} does not link to the entry before it (its previous-hash was changed, or an entry before it was altered).`,
          },
        };
      }
      if (entryHash(row) !== row.hash) {
        return {
          ok: false,
          checked,
          lastSeq: row.seq,
          problem: {
            seq: row.seq,
            kind: "altered",
            message: `Entry ${row.seq} (${row.action}) was altered after it was written.`,
          },
        };
      }
      prevHash = row.hash;
      expectedSeq++;
      checked++;
    }
    if (page.length < pageSize) break;
  }
  return { ok: true, checked, lastSeq: expectedSeq - 1 };
}

export interface AuditQuery {
  workspaceId: string;
  limit: number;
  /** Entries with seq below this (paging backwards from the newest). */
  before?: number;
  targetType?: string;
  targetId?: string;
}

/** Lists entries newest first with a cursor, and the total that matches. */
export async function listAuditEntries(db: Db, query: AuditQuery) {
  const filters = [eq(auditLog.workspaceId, query.workspaceId)];
  if (query.targetType) filters.push(eq(auditLog.targetType, query.targetType));
  if (query.targetId) filters.push(eq(auditLog.targetId, query.targetId));
  const where = and(...filters);
  const pageWhere = query.before === undefined ? where : and(where, lt(auditLog.seq, query.before));
  const rows = await db
    .select()
    .from(auditLog)
    .where(pageWhere)
    .orderBy(desc(auditLog.seq))
    .limit(query.limit + 1);
  const [countRow] = await db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(where);
  const items = rows.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items,
    total: countRow?.n ?? 0,
    nextCursor: rows.length > query.limit && last ? String(last.seq) : null,
  };
}
