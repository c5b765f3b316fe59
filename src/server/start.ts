import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { issueSetupToken } from "../store/auth.ts";
import { loadCatalog, seedCatalog } from "../store/catalog.ts";
import { HubClient } from "../store/connectors/hub.ts";
import { type Database, type Db, openDatabase } from "../store/database.ts";
import { fillVendorListJson } from "../store/inventory.ts";
import { ModelScanQueue, readModelStoreConfig, recoverModelScans } from "../store/models.ts";
import { ensureDefaultWorkspace } from "../store/workspaces.ts";
import { buildApp } from "./app.ts";
import type { ServerConfig } from "./config.ts";
import type { Services } from "./context.ts";
import { createLogger } from "./logger.ts";
import { readNotifierSettings, startNotifier } from "./notifier.ts";

export interface RunningServer {
  url: string;
  /** The one-time token for first-run setup; undefined once an admin exists. */
  setupToken: string | undefined;
  services: Services;
  close(): Promise<void>;
}

/**
 * Opens (and migrates) the database, seeds the catalogue, issues the setup token on first run
 * and starts listening. Used by `assay serve` and by the API tests, which run it on port 0.
 */
export async function startServer(
  config: ServerConfig,
  options: { logger?: Logger; database?: Database; inMemory?: boolean } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const database =
    options.database ?? (await openDatabase(config.store, { command: "serve", inMemory: options.inMemory }));
  try {
    const workspaceId = await ensureDefaultWorkspace(database.db);
    const seeded = await seedCatalog(database.db, await loadCatalog());
    await fillVendorListJson(database.db);
    logger.debug({ seeded }, "catalogue seeded");
    const setupToken = await issueSetupToken(database.db);
    const modelScans = new ModelScanQueue({
      db: database.db,
      hub: new HubClient(readModelStoreConfig().hub),
      logger,
    });
    const services: Services = { database, db: database.db, config, logger, workspaceId, modelScans };
    const notifierSettings = readNotifierSettings(process.env, config.publicUrl);
    const app = buildApp(services);
    await recoverScans(database.db, modelScans, logger);
    const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const address = server.address() as AddressInfo;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    const url = `http://${host}:${address.port}`;
    database.lock?.update({ url });
    const notifier = startNotifier(database.db, logger, notifierSettings);
    let closed = false;
    return {
      url,
      setupToken,
      services,
      async close() {
        if (closed) return;
        closed = true;
        await notifier.stop();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Keep-alive connections would hold close() open; end them.
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        // A scan still running is abandoned (a restart finds it interrupted), never left writing.
        await modelScans.close();
        if (!options.database) await database.close();
      },
    };
  } catch (error) {
    if (!options.database) await database.close();
    throw error;
  }
}

/**
 * Before the server listens: a scan a stopped process left running is marked interrupted and the
 * pending ones are queued again. A failure is logged; the server still starts.
 */
async function recoverScans(db: Db, queue: ModelScanQueue, logger: Logger): Promise<void> {
  try {
    for (const job of await recoverModelScans(db)) queue.enqueue(job.workspaceId, job.id);
  } catch (error) {
    logger.error({ err: error }, "could not recover model scans");
  }
}
