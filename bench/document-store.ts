/**
 * What verifying every read costs in the document store. Stores documents of a few sizes in an
 * in-memory PGlite database and in a blob folder, then times `readDocumentContent` (row, bytes,
 * SHA-256 re-hash) against the baseline measured in the same run: the same bytes fetched by a
 * plain select (database) or a plain file read (folder), with no hashing. Also times uploads.
 * Run: node bench/document-store.ts [rounds]
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { blobPath } from "../src/store/blob-store.ts";
import { openDatabase } from "../src/store/database.ts";
import { addDocument, readDocumentContent } from "../src/store/documents.ts";
import { createVendor } from "../src/store/inventory.ts";
import { blobs } from "../src/store/schema.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const rounds = Number(process.argv[2] ?? 20);
const database = await openDatabase(
  { dataDir: "", databaseUrl: undefined },
  { command: "bench", inMemory: true },
);
const db = database.db;
const workspaceId = await ensureDefaultWorkspace(db);
const vendor = await createVendor(db, workspaceId, { name: "Bench vendor", category: "other" }, SYSTEM_ACTOR);
const dir = await mkdtemp(path.join(tmpdir(), "assay-bench-blobs-"));

/** A text document of `size` bytes whose content differs per call (so every upload is a new blob). */
let serial = 0;
function textDocument(size: number): Uint8Array {
  const line = `Evidence line ${++serial} for the store benchmark, plain text.\n`;
  return new TextEncoder().encode(line.repeat(Math.ceil(size / line.length)).slice(0, size));
}

async function time(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

console.log(`rounds: ${rounds}; Node ${process.version}`);
console.log("| size | where | upload | plain read (baseline) | verified read | ratio |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const size of [64 * 1024, 1024 * 1024, 8 * 1024 * 1024]) {
  for (const where of ["database", "directory"] as const) {
    const options = { maxBytes: 50 * 1024 * 1024, ...(where === "directory" ? { dir } : {}) };
    const uploads: number[] = [];
    const ids: { id: string; sha256: string }[] = [];
    for (let i = 0; i < Math.min(rounds, 5); i++) {
      const bytes = textDocument(size);
      let stored: { id: string; sha256: string } | undefined;
      uploads.push(
        await time(async () => {
          stored = await addDocument(
            db,
            workspaceId,
            { vendorId: vendor.id, type: "other", bytes, uploadedVia: "bench" },
            SYSTEM_ACTOR,
            options,
          );
        }),
      );
      if (stored) ids.push(stored);
    }
    const plain: number[] = [];
    const verified: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const doc = ids[r % ids.length];
      if (!doc) break;
      // Interleaved, so load from other work on the machine hits both alike.
      plain.push(
        await time(async () => {
          if (where === "directory") await readFile(blobPath(dir, doc.sha256));
          else await db.select({ content: blobs.content }).from(blobs).where(eq(blobs.sha256, doc.sha256));
        }),
      );
      verified.push(await time(() => readDocumentContent(db, workspaceId, doc.id, options)));
    }
    const base = median(plain);
    const measured = median(verified);
    console.log(
      `| ${size / 1024} KiB | ${where} | ${fmt(median(uploads))} | ${fmt(base)} | ${fmt(measured)} | ${(measured / base).toFixed(2)}x |`,
    );
  }
}
await database.close();
await rm(dir, { recursive: true, force: true });
