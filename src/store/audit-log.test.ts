import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_HASH, listAuditEntries, recordAudit, SYSTEM_ACTOR, verifyAuditChain } from "./audit-log.ts";
import type { Database } from "./database.ts";
import { openTestDatabase } from "./testing.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

let database: Database;
let workspaceId: string;

beforeAll(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
});
afterAll(async () => database.close());

async function writeEntries(n: number) {
  for (let i = 0; i < n; i++) {
    await database.db.transaction((tx) =>
      recordAudit(tx, {
        workspaceId,
        actor: SYSTEM_ACTOR,
        action: "test.write",
        targetType: "thing",
        targetId: `t${i}`,
        details: { i, nested: { b: 2, a: [1, "x"] } },
      }),
    );
  }
}

describe("audit log hash chain", () => {
  it("links every entry to the one before and verifies clean", async () => {
    await writeEntries(5);
    const page = await listAuditEntries(database.db, { workspaceId, limit: 10 });
    expect(page.total).toBe(5);
    const ascending = [...page.items].reverse();
    expect(ascending[0]?.prevHash).toBe(GENESIS_HASH);
    for (let i = 1; i < ascending.length; i++) expect(ascending[i]?.prevHash).toBe(ascending[i - 1]?.hash);
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 5, lastSeq: 5 });
  });

  it("a rolled-back write leaves no entry and no gap", async () => {
    await expect(
      database.db.transaction(async (tx) => {
        await recordAudit(tx, {
          workspaceId,
          actor: SYSTEM_ACTOR,
          action: "test.rollback",
          targetType: "thing",
        });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    await writeEntries(1);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, checked: 6 });
  });

  it("detects an entry edited directly in the database", async () => {
    await database.db.execute(sql`UPDATE audit_log SET details = '{"i": 99}'::jsonb WHERE seq = 3`);
    const result = await verifyAuditChain(database.db, 2);
    expect(result.ok).toBe(false);
    expect(result.problem).toMatchObject({ seq: 3, kind: "altered" });
    expect(result.checked).toBe(2);
  });

  it("detects a deleted entry", async () => {
    // A clean chain of 4, then the second entry deleted.
    await database.db.execute(sql`DELETE FROM audit_log`);
    await writeEntries(4);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
    await database.db.execute(sql`DELETE FROM audit_log WHERE seq = 2`);
    const result = await verifyAuditChain(database.db);
    expect(result).toMatchObject({ ok: false, problem: { seq: 2, kind: "missing" } });
  });

  it("detects an entry whose link to the previous one was rewritten", async () => {
    await database.db.execute(sql`DELETE FROM audit_log`);
    await writeEntries(3);
    await database.db.execute(sql`UPDATE audit_log SET prev_hash = ${"f".repeat(64)} WHERE seq = 2`);
    const result = await verifyAuditChain(database.db);
    expect(result).toMatchObject({ ok: false, problem: { seq: 2, kind: "relinked" } });
  });

  it("serialises concurrent appends into one unbroken chain", async () => {
    await database.db.execute(sql`DELETE FROM audit_log`);
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        database.db.transaction((tx) =>
          recordAudit(tx, {
            workspaceId,
            actor: SYSTEM_ACTOR,
            action: "test.concurrent",
            targetType: "thing",
            targetId: String(i),
          }),
        ),
      ),
    );
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 12, lastSeq: 12 });
  });
});
