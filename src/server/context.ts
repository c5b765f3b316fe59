import type { Logger } from "pino";
import type { Principal } from "../store/auth.ts";
import type { Database, Db } from "../store/database.ts";
import type { ModelScanQueue } from "../store/models.ts";
import type { ServerConfig } from "./config.ts";

/** What every route handler can reach: the database and settings of this server. */
export interface Services {
  database: Database;
  db: Db;
  config: ServerConfig;
  logger: Logger;
  /** The workspace of this single-team installation. */
  workspaceId: string;
  /** The server's queue of model scans; started and stopped with the server. */
  modelScans?: ModelScanQueue;
}

export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal | undefined;
  };
}
