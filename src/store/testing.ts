import { randomBytes } from "node:crypto";
import pg from "pg";
import { type Database, openDatabase } from "./database.ts";

/**
 * A fresh, migrated database for one test file. Under `npm test` it is PGlite in memory; under
 * `npm run test:pg` (ASSAY_TEST_DB=postgres) it is a new database created on the PostgreSQL server
 * named by DATABASE_URL and dropped again by `close()`. The same suites run on both engines.
 */
export async function openTestDatabase(): Promise<Database> {
  if (process.env.ASSAY_TEST_DB !== "postgres") {
    return openDatabase({ dataDir: "", databaseUrl: undefined }, { command: "test", inMemory: true });
  }
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("npm run test:pg needs DATABASE_URL pointing at a PostgreSQL server");
  const name = `assay_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ dataDir: "", databaseUrl: url.toString() }, { command: "test" });
  return {
    ...database,
    async close() {
      await database.close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
