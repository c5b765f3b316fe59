/**
 * What a portal upload costs beyond a plain document upload. Stores files of a few sizes in an
 * in-memory PGlite database through the portal path (link resolution, the assessment row locked,
 * the answer's evidence updated, a second audit entry) and, interleaved in the same run, through
 * `addDocument` for the same vendor (the baseline). Uploads are of type `other`, so no reader runs
 * and the difference is the portal's own bookkeeping.
 * Run: node bench/portal-upload.ts [rounds]
 */

import { createAssessment, readSendSettings, sendAssessment } from "../src/store/assessments.ts";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { loadCatalog, seedCatalog } from "../src/store/catalog.ts";
import { openDatabase } from "../src/store/database.ts";
import { addDocument } from "../src/store/documents.ts";
import { createVendor } from "../src/store/inventory.ts";
import { addPortalDocument, openPortalUpload } from "../src/store/portal-documents.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const rounds = Number(process.argv[2] ?? 10);
const database = await openDatabase(
  { dataDir: "", databaseUrl: undefined },
  { command: "bench", inMemory: true },
);
const db = database.db;
await seedCatalog(db, await loadCatalog());
const workspaceId = await ensureDefaultWorkspace(db);
const vendor = await createVendor(db, workspaceId, { name: "Bench vendor", category: "other" }, SYSTEM_ACTOR);
const assessment = await createAssessment(db, workspaceId, { vendorId: vendor.id }, SYSTEM_ACTOR);
const { token } = await sendAssessment(db, workspaceId, assessment.id, readSendSettings({}), SYSTEM_ACTOR);
const config = { maxBytes: 50 * 1024 * 1024, dir: undefined };
const questionIds = assessment.questions.map((q) => q.id);

/** A text document of `size` bytes whose content differs per call (so every upload is a new blob). */
let serial = 0;
function textDocument(size: number): Uint8Array {
  const line = `Evidence line ${++serial} for the portal benchmark, plain text.\n`;
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
console.log("| size | plain upload (baseline) | portal upload | ratio |");
console.log("| --- | --- | --- | --- |");
let upload = 0;
for (const size of [16 * 1024, 256 * 1024, 1024 * 1024]) {
  const plain: number[] = [];
  const portal: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Interleaved, so load from other work on the machine hits both alike. Files spread over the
    // questions so no answer reaches its limit of 20 references.
    const questionId = questionIds[upload++ % questionIds.length] ?? "q01";
    const a = textDocument(size);
    plain.push(
      await time(() =>
        addDocument(
          db,
          workspaceId,
          { vendorId: vendor.id, type: "other", bytes: a, uploadedVia: "bench" },
          SYSTEM_ACTOR,
          config,
        ),
      ),
    );
    const b = textDocument(size);
    portal.push(
      await time(async () => {
        const target = await openPortalUpload(db, token, questionId);
        await addPortalDocument(db, target, { bytes: b, type: "other" }, config);
      }),
    );
  }
  const base = median(plain);
  const measured = median(portal);
  console.log(`| ${size / 1024} KiB | ${fmt(base)} | ${fmt(measured)} | ${(measured / base).toFixed(2)}x |`);
}
await database.close();
