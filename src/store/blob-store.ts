import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { and, asc, eq, gt, notExists, sql } from "drizzle-orm";
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
 * finds the row and writes nothing. Run it inside the transaction that writes the row referring
 * to the blob; the file write (with ASSAY_BLOB_DIR) is idempotent, so the row is the commit point.
 */
export async function putBlob(
  tx: Db,
  workspaceId: string,
  bytes: Uint8Array,
  mediaType: string,
  location: BlobLocation = {},
): Promise<{ sha256: string; size: number; created: boolean }> {
  const sha256 = sha256Hex(bytes);
  if (location.dir) await writeBlobFile(location.dir, sha256, bytes);
  const inserted = await tx
    .insert(blobs)
    .values({
      workspaceId,
      sha256,
      size: bytes.length,
      mediaType,
      content: location.dir ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    })
    .onConflictDoNothing()
    .returning({ sha256: blobs.sha256 });
  return { sha256, size: bytes.length, created: inserted.length > 0 };
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
 * Deletes the workspace's blob row when no document refers to it any more. Returns true when the
 * row went; the caller removes the file after its transaction commits (`removeBlobFile`).
 */
export async function deleteBlobIfUnreferenced(
  tx: Db,
  workspaceId: string,
  sha256: string,
): Promise<boolean> {
  const deleted = await tx
    .delete(blobs)
    .where(
      and(
        eq(blobs.workspaceId, workspaceId),
        eq(blobs.sha256, sha256),
        notExists(
          tx
            .select({ one: sql`1` })
            .from(documents)
            .where(and(eq(documents.workspaceId, workspaceId), eq(documents.sha256, sha256))),
        ),
      ),
    )
    .returning({ sha256: blobs.sha256 });
  return deleted.length > 0;
}

/** Removes a blob's file when no workspace has a row for the hash any more. */
export async function removeBlobFile(db: Db, sha256: string, location: BlobLocation): Promise<void> {
  if (!location.dir) return;
  const [still] = await db
    .select({ sha256: blobs.sha256 })
    .from(blobs)
    .where(eq(blobs.sha256, sha256))
    .limit(1);
  if (!still) await rm(blobPath(location.dir, sha256), { force: true });
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
