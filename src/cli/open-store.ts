import { readStoreConfig } from "../store/config.ts";
import { type Database, openDatabase } from "../store/database.ts";
import { ensureDefaultWorkspace } from "../store/workspaces.ts";

/**
 * Opens the configured database for one CLI command. With the embedded database this takes the
 * data-folder lock: when the server holds it, the command stops with a message naming the server.
 */
export async function withStore<T>(
  command: string,
  body: (database: Database, workspaceId: string) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(readStoreConfig(), { command });
  try {
    const workspaceId = await ensureDefaultWorkspace(database.db);
    return await body(database, workspaceId);
  } finally {
    await database.close();
  }
}
