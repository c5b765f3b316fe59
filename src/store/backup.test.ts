import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors.ts";
import { SYSTEM_ACTOR, verifyAuditChain } from "./audit-log.ts";
import { createApiToken, recordLoginFailure } from "./auth.ts";
import { backupDatabase, databaseHasData, restoreDatabase } from "./backup.ts";
import type { Database } from "./database.ts";
import { openTestDatabase } from "./testing.ts";
import { createUser, listUsers } from "./users.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

let source: Database;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "assay-backup-"));
  source = await openTestDatabase();
  const workspaceId = await ensureDefaultWorkspace(source.db);
  for (let i = 0; i < 30; i++) {
    const u = await createUser(
      source.db,
      {
        workspaceId,
        email: `u${i}@example.com`,
        role: i % 2 ? "viewer" : "assessor",
        password: "a long enough password",
      },
      SYSTEM_ACTOR,
    );
    if (i % 10 === 0)
      await createApiToken(source.db, { workspaceId, userId: u.id, name: `t${i}` }, SYSTEM_ACTOR);
  }
  await recordLoginFailure(source.db, "someone@example.com", "10.0.0.1");
});
afterAll(async () => {
  await source.close();
  await rm(dir, { recursive: true, force: true });
});

describe("backup and restore", () => {
  it("round-trips every row into an empty database, audit chain intact", async () => {
    const file = path.join(dir, "full.assay.gz");
    const made = await backupDatabase(source, file);
    expect(made.tables.users).toBe(30);
    expect(made.tables.api_tokens).toBe(3);
    const target = await openTestDatabase();
    try {
      expect(await databaseHasData(target.db)).toBe(false);
      const restored = await restoreDatabase(target, file);
      expect(restored.tables).toEqual(made.tables);
      const workspaceId = await ensureDefaultWorkspace(target.db);
      expect((await listUsers(target.db, workspaceId)).map((u) => u.email)).toEqual(
        (await listUsers(source.db, workspaceId)).map((u) => u.email),
      );
      expect(await verifyAuditChain(target.db)).toMatchObject({ ok: true, checked: 33 });
      // Identity columns continue after the restored rows.
      await recordLoginFailure(target.db, "later@example.com", undefined);
    } finally {
      await target.close();
    }
  });

  it("refuses to overwrite a database with data unless forced", async () => {
    const file = path.join(dir, "again.assay.gz");
    await backupDatabase(source, file);
    const error = await restoreDatabase(source, file).catch((e: unknown) => e);
    expect(isAppError(error, "DATABASE_NOT_EMPTY")).toBe(true);
    const forced = await restoreDatabase(source, file, { force: true });
    expect(forced.tables.users).toBe(30);
    expect(await verifyAuditChain(source.db)).toMatchObject({ ok: true });
  });

  it("refuses a truncated backup and changes nothing", async () => {
    const file = path.join(dir, "cut.assay.gz");
    await backupDatabase(source, file);
    const lines = gunzipSync(await readFile(file))
      .toString("utf8")
      .trimEnd()
      .split("\n");
    await writeFile(file, gzipSync(`${lines.slice(0, -5).join("\n")}\n`));
    const target = await openTestDatabase();
    try {
      const error = await restoreDatabase(target, file).catch((e: unknown) => e);
      expect(isAppError(error, "BACKUP_INVALID")).toBe(true);
      expect((error as Error).message).toMatch(/truncated/);
      expect(await databaseHasData(target.db)).toBe(false);
    } finally {
      await target.close();
    }
  });

  it("refuses files that are not backups", async () => {
    const notGzip = path.join(dir, "plain.txt");
    await writeFile(notGzip, "hello");
    const foreign = path.join(dir, "foreign.gz");
    await writeFile(foreign, gzipSync('{"format":"something-else"}\n'));
    const target = await openTestDatabase();
    try {
      for (const file of [notGzip, foreign]) {
        const error = await restoreDatabase(target, file).catch((e: unknown) => e);
        expect(isAppError(error, "BACKUP_INVALID")).toBe(true);
      }
      const missing = await restoreDatabase(target, path.join(dir, "nope.gz")).catch((e: unknown) => e);
      expect(isAppError(missing, "FILE_NOT_FOUND")).toBe(true);
    } finally {
      await target.close();
    }
  });
});
