import { eq } from "drizzle-orm";
import type { Db } from "./database.ts";
import { instanceSettings, workspaces } from "./schema.ts";

const DEFAULT_WORKSPACE_KEY = "default_workspace_id";

/** The workspace a single-team installation works in, created on first use. */
export async function ensureDefaultWorkspace(db: Db): Promise<string> {
  const existing = await readSetting<string>(db, DEFAULT_WORKSPACE_KEY);
  if (existing) return existing;
  return db.transaction(async (tx) => {
    const again = await readSetting<string>(tx, DEFAULT_WORKSPACE_KEY);
    if (again) return again;
    const [ws] = await tx.insert(workspaces).values({ name: "Default" }).returning({ id: workspaces.id });
    if (!ws) throw new Error("workspace insert returned no row");
    await writeSetting(tx, DEFAULT_WORKSPACE_KEY, ws.id);
    return ws.id;
  });
}

export async function readSetting<T>(db: Db, key: string): Promise<T | undefined> {
  const [row] = await db
    .select({ value: instanceSettings.value })
    .from(instanceSettings)
    .where(eq(instanceSettings.key, key));
  return row?.value as T | undefined;
}

export async function writeSetting(db: Db, key: string, value: unknown): Promise<void> {
  await db
    .insert(instanceSettings)
    .values({ key, value })
    .onConflictDoUpdate({ target: instanceSettings.key, set: { value, updatedAt: new Date() } });
}

export async function deleteSetting(db: Db, key: string): Promise<void> {
  await db.delete(instanceSettings).where(eq(instanceSettings.key, key));
}
