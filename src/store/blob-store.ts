import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, asc, eq, gt, ne, sql } from "drizzle-orm";
import { AppError } from "../domain/errors.ts";
import type { Db } from "./database.ts";
import { blobs, documents } from "./schema.ts";

/**
 * Where blob bytes live: in the `blobs.content` column (the default), or, when `dir` is set
 * (ASSAY_BLOB_DIR), in files named `<dir>/<first two hex digits>/<sha256>`.
 */
export interface BlobLocation {
  dir?: string | undefined;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The SHA-256 of the bytes as 64 lowercase hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The file a blob is kept in under ASSAY_BLOB_DIR. */
export function blobPath(dir: string, sha256: string): string {
  // The hash comes from our own rows, but a path is built from it: refuse anything that is not one.
  if (!SHA256_HEX.test(sha256)) throw new AppError("INTERNAL", "A blob key is not a SHA-256 hash.");
  return path.join(dir, sha256.slice(0, 2), sha256);
}

async function readFileOrNull(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * Writes the bytes to their file unless a file with the right content is already there. Writes go
 * to a temporary name in the same folder and are renamed into place, so a crash never leaves a
 * half-written blob under its hash; a file whose content does not match is replaced.
 */
async function writeBlobFile(dir: string, sha256: string, bytes: Uint8Array): Promise<void> {
  const file = blobPath(dir, sha256);
  const existing = await readFileOrNull(file);
  if (existing && sha256Hex(existing) === sha256) return;
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, bytes, { flag: "wx" });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Stores bytes under their SHA-256 in the workspace, once: a second call with the same bytes
 * finds the row and writes nothing new. Run it inside the transaction that writes the row
 * referring to the blob. The upsert locks the blob row, so a concurrent deletion of the last
 * document using the same bytes either finishes first (and the row is written anew) or waits and
 * then sees the new reference; the file (with ASSAY_BLOB_DIR) is written while the lock is held.
 */
export async function putBlob(
  tx: Db,
  workspaceId: string,
  bytes: Uint8Array,
  mediaType: string,
  location: BlobLocation = {},
): Promise<{ sha256: string; size: number; created: boolean }> {
  const sha256 = sha256Hex(bytes);
  const [row] = await tx
    .insert(blobs)
    .values({
      workspaceId,
      sha256,
      size: bytes.length,
      mediaType,
      content: location.dir ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    })
    .onConflictDoUpdate({ target: [blobs.workspaceId, blobs.sha256], set: { size: sql`excluded.size` } })
    // xmax is 0 on a freshly inserted row version and set when the upsert updated an existing one.
    .returning({ created: sql<boolean>`(xmax = 0)`, inFolder: sql<boolean>`(content IS NULL)` });
  if (!row) throw new AppError("INTERNAL", "The blob row was not written.");
  if (location.dir && row.inFolder) await writeBlobFile(location.dir, sha256, bytes);
  return { sha256, size: bytes.length, created: row.created };
}

function mismatch(sha256: string, actual: string | null): AppError {
  return new AppError(
    "DOCUMENT_HASH_MISMATCH",
    actual === null
      ? `The stored bytes of blob ${sha256} are missing; the document cannot be served.`
      : `The stored bytes of blob ${sha256} no longer match their SHA-256 (now ${actual}); the document is not served.`,
    { details: { sha256, actual } },
  );
}

/** The stored bytes of a blob, or null for a row that keeps them in the blob folder but the file is gone. */
async function loadBlobBytes(
  content: Buffer | null,
  sha256: string,
  location: BlobLocation,
): Promise<Buffer | null> {
  if (content !== null) return content;
  if (!location.dir) {
    throw new AppError(
      "DOCUMENT_HASH_MISMATCH",
      `Blob ${sha256} is kept in a blob folder, but ASSAY_BLOB_DIR is not set.`,
      { details: { sha256 } },
    );
  }
  return readFileOrNull(blobPath(location.dir, sha256));
}

/**
 * Reads a blob and re-hashes it. Bytes whose hash differs from their key, or that are missing,
 * are never returned: the read fails with DOCUMENT_HASH_MISMATCH.
 */
export async function readBlob(
  db: Db,
  workspaceId: string,
  sha256: string,
  location: BlobLocation = {},
): Promise<Buffer> {
  const [row] = await db
    .select({ content: blobs.content })
    .from(blobs)
    .where(and(eq(blobs.workspaceId, workspaceId), eq(blobs.sha256, sha256)));
  if (!row) throw mismatch(sha256, null);
  const bytes = await loadBlobBytes(row.content, sha256, location);
  if (bytes === null) throw mismatch(sha256, null);
  const actual = sha256Hex(bytes);
  if (actual !== sha256) throw mismatch(sha256, actual);
  return bytes;
}

/**
 * Deletes the workspace's blob row when no document refers to it any more, and its file when no
 * other workspace keeps the same bytes. Run it in the transaction that deleted the document: the
 * blob row is locked first, so an upload of the same bytes running at the same time either waits
 * for this to finish or is seen as a reference (each statement reads what has committed).
 */
export async function deleteBlobIfUnreferenced(
  tx: Db,
  workspaceId: string,
  sha256: string,
  location: BlobLocation = {},
): Promise<boolean> {
  const mine = and(eq(blobs.workspaceId, workspaceId), eq(blobs.sha256, sha256));
  const [locked] = await tx
    .select({ inFolder: sql<boolean>`(${blobs.content} IS NULL)` })
    .from(blobs)
    .where(mine)
    .for("update");
  if (!locked) return false;
  const [referenced] = await tx
    .select({ id: documents.id })
    .from(documents)
    .where(and(eq(documents.workspaceId, workspaceId), eq(documents.sha256, sha256)))
    .limit(1);
  if (referenced) return false;
  await tx.delete(blobs).where(mine);
  if (location.dir && locked.inFolder) {
    const [elsewhere] = await tx
      .select({ sha256: blobs.sha256 })
      .from(blobs)
      .where(and(eq(blobs.sha256, sha256), ne(blobs.workspaceId, workspaceId)))
      .limit(1);
    // Removed before commit: should the commit fail, the row survives without its file, which
    // `assay document verify` reports and the next upload of the same bytes repairs.
    if (!elsewhere) await rm(blobPath(location.dir, sha256), { force: true });
  }
  return true;
}

/** One stored blob as checked by `verifyBlobs`. */
export interface BlobCheck {
  sha256: string;
  size: number;
  where: "database" | "directory";
  ok: boolean;
  /** What is wrong: the bytes are missing, or they hash to something else. */
  problem?: "missing" | "hash_mismatch";
  actual?: string;
}

/** Re-hashes every blob of the workspace, a page at a time, and reports each one. */
export async function verifyBlobs(
  db: Db,
  workspaceId: string,
  location: BlobLocation = {},
  pageSize = 50,
): Promise<BlobCheck[]> {
  const checks: BlobCheck[] = [];
  let after = "";
  for (;;) {
    const page = await db
      .select({ sha256: blobs.sha256, size: blobs.size, content: blobs.content })
      .from(blobs)
      .where(and(eq(blobs.workspaceId, workspaceId), gt(blobs.sha256, after)))
      .orderBy(asc(blobs.sha256))
      .limit(pageSize);
    for (const row of page) {
      const where = row.content === null ? "directory" : "database";
      let bytes: Buffer | null;
      try {
        bytes = await loadBlobBytes(row.content, row.sha256, location);
      } catch {
        bytes = null;
      }
      if (bytes === null) {
        checks.push({ sha256: row.sha256, size: row.size, where, ok: false, problem: "missing" });
        continue;
      }
      const actual = sha256Hex(bytes);
      checks.push(
        actual === row.sha256
          ? { sha256: row.sha256, size: row.size, where, ok: true }
          : { sha256: row.sha256, size: row.size, where, ok: false, problem: "hash_mismatch", actual },
      );
    }
    const last = page.at(-1);
    if (!last || page.length < pageSize) break;
    after = last.sha256;
  }
  return checks;
}
