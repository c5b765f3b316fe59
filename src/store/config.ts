import path from "node:path";

export interface StoreConfig {
  /** Folder of the embedded database (PGlite) and its lock file; used when no URL is set. */
  dataDir: string;
  /** A PostgreSQL server to use instead of the embedded database. */
  databaseUrl: string | undefined;
}

/** Reads where the data lives from the environment: DATABASE_URL wins over ASSAY_DATA_DIR. */
export function readStoreConfig(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const url = env.DATABASE_URL?.trim();
  return {
    dataDir: path.resolve(env.ASSAY_DATA_DIR?.trim() || ".assay"),
    databaseUrl: url ? url : undefined,
  };
}

/** A description of a PostgreSQL URL that is safe to print: never the password. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    const db = u.pathname.replace(/^\//, "") || "postgres";
    return `PostgreSQL ${u.hostname}${u.port ? `:${u.port}` : ""}/${db}`;
  } catch {
    return "PostgreSQL (unparsable DATABASE_URL)";
  }
}
