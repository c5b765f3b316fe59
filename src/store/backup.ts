import { once } from "node:events";
import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { createGunzip, createGzip } from "node:zlib";
import { sql } from "drizzle-orm";
import { AppError } from "../domain/errors.ts";
import type { Database, Db } from "./database.ts";
import { forgetPrincipals } from "./principal-cache.ts";

// A backup is gzipped JSON lines: a header, then one line per row grouped by table in foreign-key
// order, then a footer with the row counts. The same file restores into PGlite or PostgreSQL, so
// it is also how an installation moves from the embedded database to a server.

const FORMAT = "assay-backup";
const FORMAT_VERSION = 1;
const BATCH = 500;

interface Header {
  format: typeof FORMAT;
  version: number;
  createdAt: string;
  engine: string;
  migrations: string[];
  tables: string[];
}

async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/** The application's tables, parents before children (so inserts satisfy foreign keys). */
async function tablesInDependencyOrder(db: Db): Promise<string[]> {
  const tables = (
    await rows<{ name: string }>(
      db,
      sql`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
    )
  ).map((r) => r.name);
  const edges = await rows<{ child: string; parent: string }>(
    db,
    sql`SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
        FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE c.contype = 'f' AND n.nspname = 'public'`,
  );
  const strip = (name: string) => name.replace(/^"|"$/g, "").replace(/^public\./, "");
  const parents = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const e of edges) {
    const child = strip(e.child);
    const parent = strip(e.parent);
    if (child !== parent) parents.get(child)?.add(parent);
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const ready = tables.filter(
      (t) => !placed.has(t) && [...(parents.get(t) ?? [])].every((p) => placed.has(p)),
    );
    if (ready.length === 0) throw new Error("foreign keys form a cycle; backup order cannot be decided");
    for (const t of ready) {
      ordered.push(t);
      placed.add(t);
    }
  }
  return ordered;
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const list = await rows<{ hash: string }>(
    db,
    sql`SELECT hash FROM drizzle.__drizzle_migrations ORDER BY id`,
  );
  return list.map((r) => r.hash);
}

const ident = (name: string) => sql.identifier(name);

export interface BackupResult {
  file: string;
  tables: Record<string, number>;
  rows: number;
}

/**
 * Writes a consistent snapshot of every table to `file` (gzip JSON lines). The file appears only
 * when complete: it is written beside the target and renamed at the end.
 */
export async function backupDatabase(
  database: Database,
  file: string,
  onTable?: (table: string, rows: number) => void,
): Promise<BackupResult> {
  const partial = `${file}.partial`;
  const gzip = createGzip();
  const out = createWriteStream(partial, { mode: 0o600 });
  const piped = gzip.pipe(out);
  const write = async (value: unknown) => {
    if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, "drain");
  };
  const counts: Record<string, number> = {};
  try {
    await database.db.transaction(
      async (tx) => {
        const tables = await tablesInDependencyOrder(tx);
        const header: Header = {
          format: FORMAT,
          version: FORMAT_VERSION,
          createdAt: new Date().toISOString(),
          engine: database.engine,
          migrations: await appliedMigrations(tx),
          tables,
        };
        await write(header);
        for (const table of tables) {
          counts[table] = 0;
          await tx.execute(
            sql`DECLARE backup_cursor NO SCROLL CURSOR FOR SELECT row_to_json(t)::text AS j FROM ${ident(table)} t`,
          );
          for (;;) {
            const batch = await rows<{ j: string }>(tx, sql.raw(`FETCH ${BATCH} FROM backup_cursor`));
            for (const r of batch) await write({ t: table, r: JSON.parse(r.j) });
            counts[table] += batch.length;
            if (batch.length < BATCH) break;
          }
          await tx.execute(sql`CLOSE backup_cursor`);
          onTable?.(table, counts[table] ?? 0);
        }
        await write({ end: true, counts });
      },
      { isolationLevel: "repeatable read", accessMode: "read only" },
    );
    gzip.end();
    await once(piped, "finish");
    await rename(partial, file);
  } catch (error) {
    gzip.destroy();
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
  return { file, tables: counts, rows: Object.values(counts).reduce((a, b) => a + b, 0) };
}

/** True when the database holds any business data (the catalogue and settings do not count). */
export async function databaseHasData(db: Db): Promise<boolean> {
  const tables = await tablesInDependencyOrder(db);
  for (const table of tables) {
    if (table === "catalog_entries" || table === "instance_settings" || table === "login_failures") continue;
    const [row] = await rows<{ any: boolean }>(db, sql`SELECT EXISTS (SELECT 1 FROM ${ident(table)}) AS any`);
    if (row?.any) return true;
  }
  return false;
}

export interface RestoreOptions {
  /** Replace existing data. Without it, a database that holds data is refused. */
  force?: boolean;
  onTable?: (table: string, rows: number) => void;
}

/**
 * Restores a backup into the (migrated) database in one transaction: either every row is back and
 * the counts match the footer, or nothing changed. A truncated or foreign file is refused.
 */
export async function restoreDatabase(
  database: Database,
  file: string,
  options: RestoreOptions = {},
): Promise<BackupResult> {
  const db = database.db;
  if (!options.force && (await databaseHasData(db))) {
    throw new AppError(
      "DATABASE_NOT_EMPTY",
      `${database.description} already holds data. Restoring would overwrite it; pass --force to replace it.`,
    );
  }
  const source = createReadStream(file);
  const input = createGunzip();
  // An unreadable file must end the restore, not leave it waiting for lines that never come.
  source.on("error", (error) => input.destroy(error));
  // The error may come before reading starts (while the transaction opens); the read loop rethrows it.
  input.on("error", () => {});
  source.pipe(input);
  // Decoding in the stream keeps a character split across two chunks whole.
  input.setEncoding("utf8");
  const counts: Record<string, number> = {};
  const invalid = (why: string) =>
    new AppError("BACKUP_INVALID", `${file} is not a usable Assay backup: ${why}.`);
  try {
    return await db.transaction(async (tx) => {
      const tables = await tablesInDependencyOrder(tx);
      let header: Header | undefined;
      let footer: { counts: Record<string, number> } | undefined;
      let table: string | undefined;
      let batch: unknown[] = [];
      const flush = async () => {
        if (!table || batch.length === 0) return;
        await tx.execute(
          sql`INSERT INTO ${ident(table)} SELECT * FROM json_populate_recordset(NULL::${ident(table)}, ${JSON.stringify(batch)}::json)`,
        );
        batch = [];
      };
      let lineNo = 0;
      for await (const line of splitLines(input)) {
        lineNo++;
        if (line.trim() === "") continue;
        let value: Record<string, unknown>;
        try {
          value = JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw invalid(`line ${lineNo} is not JSON`);
        }
        if (!header) {
          if (value.format !== FORMAT || value.version !== FORMAT_VERSION)
            throw invalid("it has no Assay backup header");
          header = value as unknown as Header;
          for (const t of header.tables) counts[t] = 0;
          const current = await appliedMigrations(tx);
          if (JSON.stringify(header.migrations) !== JSON.stringify(current)) {
            throw invalid(
              `it was made with a different database schema (${header.migrations.length} migrations, this version has ${current.length}); restore it with the Assay version that made it`,
            );
          }
          const unknown = header.tables.filter((t) => !tables.includes(t));
          if (unknown.length > 0)
            throw invalid(`it holds tables this version does not know: ${unknown.join(", ")}`);
          for (const t of [...tables].reverse()) await tx.execute(sql`DELETE FROM ${ident(t)}`);
          continue;
        }
        if (footer) throw invalid(`data after the end marker at line ${lineNo}`);
        if (value.end === true) {
          await flush();
          footer = value as unknown as { counts: Record<string, number> };
          continue;
        }
        const t = value.t;
        if (typeof t !== "string" || !header.tables.includes(t) || typeof value.r !== "object") {
          throw invalid(`line ${lineNo} is not a row of a known table`);
        }
        if (t !== table) {
          await flush();
          table = t;
        }
        batch.push(value.r);
        counts[t] = (counts[t] ?? 0) + 1;
        if (batch.length >= BATCH) await flush();
      }
      if (!header) throw invalid("it is empty");
      if (!footer) throw invalid("it is truncated (no end marker)");
      for (const [t, n] of Object.entries(footer.counts)) {
        if ((counts[t] ?? 0) !== n)
          throw invalid(`table ${t} should have ${n} rows but has ${counts[t] ?? 0}`);
      }
      // Identity columns continue after the highest restored value.
      const identities = await rows<{ table_name: string; column_name: string }>(
        tx,
        sql`SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE 'nextval%')`,
      );
      for (const { table_name, column_name } of identities) {
        await tx.execute(
          sql`SELECT setval(pg_get_serial_sequence(${`"${table_name}"`}, ${column_name}),
                 GREATEST(COALESCE((SELECT max(${ident(column_name)}) FROM ${ident(table_name)}), 0), 1),
                 (SELECT count(*) > 0 FROM ${ident(table_name)}))`,
        );
      }
      for (const t of header.tables) options.onTable?.(t, counts[t] ?? 0);
      forgetPrincipals();
      return { file, tables: counts, rows: Object.values(counts).reduce((a, b) => a + b, 0) };
    });
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "Z_DATA_ERROR" ||
      (error as NodeJS.ErrnoException).code === "Z_BUF_ERROR"
    ) {
      throw invalid("it is not a gzip file, or it is damaged");
    }
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new AppError("FILE_NOT_FOUND", `No such file: ${file}`);
    }
    throw error;
  } finally {
    source.destroy();
    input.destroy();
  }
}

/** Yields the lines of a text stream; errors of the stream end the iteration with that error. */
async function* splitLines(stream: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream) {
    const text = rest + chunk;
    const parts = text.split("\n");
    rest = parts.pop() ?? "";
    yield* parts;
  }
  if (rest) yield rest;
}
