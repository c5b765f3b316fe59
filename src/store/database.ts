import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { AppError } from "../domain/errors.ts";
import { describeDatabaseUrl, type StoreConfig } from "./config.ts";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import * as schema from "./schema.ts";

export type Schema = typeof schema;
/** The Drizzle handle every query in src/store takes; the same type for PGlite and PostgreSQL. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));

export interface Database {
  readonly db: Db;
  readonly engine: "pglite" | "postgres";
  /** Where the data lives, safe to print (no password). */
  readonly description: string;
  /** The embedded engine, for the few things Drizzle does not cover (COPY, data-folder dumps). */
  readonly pglite: PGlite | undefined;
  /** The server pool, likewise. */
  readonly pool: pg.Pool | undefined;
  /** Records facts about the holder in the data-folder lock (the server's URL). */
  readonly lock: DataDirLock | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** The command opening the database, written into the data-folder lock. */
  command: string;
  /** Run pending migrations after opening (default true). */
  migrate?: boolean;
  /** Open an in-memory embedded database (tests). */
  inMemory?: boolean;
}

/**
 * Opens the configured database: PostgreSQL when a URL is set, otherwise the embedded PGlite
 * folder, which this process then owns exclusively until close().
 */
export async function openDatabase(config: StoreConfig, options: OpenOptions): Promise<Database> {
  const database = config.databaseUrl
    ? await openPostgres(config.databaseUrl)
    : await openPglite(options.inMemory ? undefined : config.dataDir, options.command);
  if (options.migrate ?? true) {
    try {
      await migrateDatabase(database);
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  return database;
}

async function openPglite(dataDir: string | undefined, command: string): Promise<Database> {
  const lock = dataDir ? acquireDataDirLock(dataDir, command) : undefined;
  let client: PGlite;
  try {
    const extensions = { pg_trgm };
    client = dataDir ? await PGlite.create(dataDir, { extensions }) : await PGlite.create({ extensions });
  } catch (error) {
    lock?.release();
    throw new AppError(
      "DATABASE_UNAVAILABLE",
      `Could not open the embedded database${dataDir ? ` in ${dataDir}` : ""}.`,
      {
        cause: error,
      },
    );
  }
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    engine: "pglite",
    description: dataDir ? `embedded database in ${dataDir}` : "embedded in-memory database",
    pglite: client,
    pool: undefined,
    lock,
    async close() {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // The pool emits errors of idle clients (a restarted server); without a listener they crash the process.
  pool.on("error", () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end();
    throw new AppError("DATABASE_UNAVAILABLE", `Could not connect to ${describeDatabaseUrl(url)}.`, {
      cause: error,
    });
  }
  const db = drizzleNodePg(pool, { schema }) as unknown as Db;
  return {
    db,
    engine: "postgres",
    description: describeDatabaseUrl(url),
    pglite: undefined,
    pool,
    lock: undefined,
    async close() {
      await pool.end();
    },
  };
}

/** Applies the committed SQL migrations that have not run yet; safe to call on every start. */
export async function migrateDatabase(database: Database): Promise<void> {
  if (database.pglite) {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } else {
    // Several server processes may start together: serialise their migrations.
    const pool = database.pool as pg.Pool;
    const client = await pool.connect();
    try {
      await client.query("SELECT pg_advisory_lock(874201)");
      await migrateNodePg(drizzleNodePg(client, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await client.query("SELECT pg_advisory_unlock(874201)").catch(() => {});
      client.release();
    }
  }
}
