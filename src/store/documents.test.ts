import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors.ts";
import { buildCertificatePdf } from "../evidence/fixtures/certificate-fixture.ts";
import { buildDpaPdf } from "../evidence/fixtures/dpa-fixture.ts";
import { decompressionBombPdf, plainTextPdf, truncated } from "../evidence/fixtures/hostile-pdf.ts";
import { buildModelCard } from "../evidence/fixtures/model-card-fixture.ts";
import { imageOnlyPdf } from "../evidence/fixtures/render-pdf.ts";
import { buildSoc2ReportPdf } from "../evidence/fixtures/soc2-report-fixture.ts";
import { listAuditEntries, SYSTEM_ACTOR } from "./audit-log.ts";
import { blobPath, sha256Hex, verifyBlobs } from "./blob-store.ts";
import type { Database } from "./database.ts";
import {
  addDocument,
  deleteDocument,
  documentExpiry,
  getDocument,
  listDocuments,
  listExpiringDocuments,
  readDocumentContent,
  readDocumentStoreConfig,
  readUploadStream,
  reanalyzeDocument,
  resolveVendorRef,
  updateDocument,
} from "./documents.ts";
import { createVendor } from "./inventory.ts";
import { blobs, documents } from "./schema.ts";
import { openTestDatabase } from "./testing.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

let database: Database;
let workspaceId: string;
let vendorId: string;
let blobDir: string;
const inDb = { maxBytes: 5 * 1024 * 1024, asOf: "2026-03-01" };

beforeAll(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
  vendorId = (
    await createVendor(database.db, workspaceId, { name: "Acme Inference", category: "other" }, SYSTEM_ACTOR)
  ).id;
  blobDir = await mkdtemp(path.join(tmpdir(), "assay-blobs-"));
});
afterAll(async () => {
  await database.close();
  await rm(blobDir, { recursive: true, force: true });
});

const upload = (bytes: Uint8Array, type: Parameters<typeof addDocument>[2]["type"], extra = {}) =>
  addDocument(
    database.db,
    workspaceId,
    { vendorId, type, bytes, fileName: "file.pdf", uploadedVia: "api", ...extra },
    SYSTEM_ACTOR,
    inDb,
  );

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error.code;
    throw error;
  }
  return "none";
}

describe("document store", () => {
  it("stores identical bytes once and makes a document row per upload", async () => {
    const bytes = plainTextPdf([["A subprocessor list for the identical-bytes test."]]);
    const first = await upload(bytes, "subprocessor_list");
    const second = await upload(bytes, "other", { title: "Again" });
    expect(second.id).not.toBe(first.id);
    expect(second.sha256).toBe(sha256Hex(bytes));
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(blobs)
      .where(sql`${blobs.sha256} = ${first.sha256}`);
    expect(row?.n).toBe(1);
    expect(first.analysisStatus).toBe("not_applicable");
    expect(second.title).toBe("Again");
    const audit = await listAuditEntries(database.db, { workspaceId, limit: 50 });
    const uploads = audit.items.filter((e) => e.action === "document.upload" && e.targetId === second.id);
    expect(uploads[0]?.details).toMatchObject({ blobReused: true, sha256: first.sha256 });

    // Deleting one keeps the blob for the other; deleting both removes it.
    await deleteDocument(database.db, workspaceId, first.id, SYSTEM_ACTOR);
    expect(
      (await readDocumentContent(database.db, workspaceId, second.id)).bytes.equals(Buffer.from(bytes)),
    ).toBe(true);
    await deleteDocument(database.db, workspaceId, second.id, SYSTEM_ACTOR);
    const left = await database.db.select().from(blobs).where(sql`${blobs.sha256} = ${first.sha256}`);
    expect(left).toHaveLength(0);
  });

  it("reads a SOC 2 report on upload: facts with pages and quotes, findings for exceptions", async () => {
    const bytes = await buildSoc2ReportPdf({
      periodEnd: "2025-10-31",
      periodStart: "2024-11-01",
      exceptions: [
        {
          controlId: "CC6.3",
          criterion: "CC6.3",
          sampled: 25,
          deviated: 2,
          deviation: "Two quarterly access reviews were not evidenced.",
          response: "Management has automated the review reminder.",
        },
      ],
    });
    const doc = await upload(bytes, "soc2_type2");
    expect(doc.analysisStatus).toBe("done");
    const analysis = doc.analysis as {
      report: { auditorFirm: { value: string; page: number; quote: string } };
    };
    expect(analysis.report.auditorFirm.value).toContain("Northbridge");
    expect(analysis.report.auditorFirm.page).toBeGreaterThan(0);
    expect(analysis.report.auditorFirm.quote.length).toBeGreaterThan(0);
    expect(doc.findings.some((f) => f.rule.includes("exception"))).toBe(true);
    expect(doc.findings.some((f) => f.rule.includes("bridge"))).toBe(true);
  });

  it("takes the expiry date from an ISO certificate when none is given", async () => {
    const doc = await upload(await buildCertificatePdf({ validUntil: "2026-04-15" }), "iso27001");
    expect(doc.analysisStatus).toBe("done");
    expect(doc.expiresOn).toBe("2026-04-15");
    expect(doc.expiry).toEqual({ state: "expiring", daysLeft: 45 });
    const given = await upload(await buildCertificatePdf({ validUntil: "2026-04-16" }), "iso27001", {
      expiresOn: "2027-01-01",
    });
    expect(given.expiresOn).toBe("2027-01-01");
  });

  it("reads DPAs and model cards, and reports missing protections", async () => {
    const dpa = await upload(await buildDpaPdf({ omit: ["training"] }), "dpa");
    expect(dpa.analysisStatus).toBe("done");
    expect(dpa.findings.length).toBeGreaterThan(0);
    const card = await upload(
      new TextEncoder().encode(buildModelCard({ omit: ["bias", "evaluation"] })),
      "model_card",
      { fileName: "README.md" },
    );
    expect(card.mediaType).toBe("text/markdown");
    expect(card.analysisStatus).toBe("done");
    expect((card.analysis as { missing: string[] }).missing).toContain("evaluation");
    expect(card.findings.map((f) => f.rule)).toContain("modelcard.no_documentation");
  });

  it("keeps a scanned PDF, a truncated PDF and a decompression bomb with a failed analysis that says why", async () => {
    const scanned = await upload(await imageOnlyPdf(1), "soc2_type2");
    expect(scanned.analysisStatus).toBe("failed");
    expect(scanned.analysisError).toMatch(/no text layer/);
    const cut = await upload(truncated(await buildDpaPdf(), 0.5), "dpa");
    expect(cut.analysisStatus).toBe("failed");
    expect(cut.analysisError).toBeTruthy();
    const bomb = await upload(decompressionBombPdf(96 * 1024 * 1024), "contract");
    expect(bomb.analysisStatus).toBe("failed");
    expect(bomb.analysisError).toMatch(/large|limit/i);
    expect((await getDocument(database.db, workspaceId, bomb.id)).size).toBe(bomb.size);
  });

  it("refuses what is not a document, and what is too large, storing nothing", async () => {
    const before = await database.db.select({ n: sql<number>`count(*)::int` }).from(documents);
    expect(await codeOf(upload(Uint8Array.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]), "other"))).toBe(
      "DOCUMENT_TYPE_UNSUPPORTED",
    );
    const big = new Uint8Array(inDb.maxBytes + 1).fill(0x41);
    expect(await codeOf(upload(big, "other"))).toBe("DOCUMENT_TOO_LARGE");
    const after = await database.db.select({ n: sql<number>`count(*)::int` }).from(documents);
    expect(after[0]?.n).toBe(before[0]?.n);
  });

  it("never serves bytes whose hash changed, in the database or on disk, and verify reports them", async () => {
    const bytes = plainTextPdf([["Bytes that will be corrupted in the database."]]);
    const doc = await upload(bytes, "pentest_summary");
    await database.db.execute(
      sql`UPDATE blobs SET content = ${Buffer.from("tampered")} WHERE sha256 = ${doc.sha256}`,
    );
    expect(await codeOf(readDocumentContent(database.db, workspaceId, doc.id))).toBe(
      "DOCUMENT_HASH_MISMATCH",
    );

    const onDisk = await addDocument(
      database.db,
      workspaceId,
      { vendorId, type: "other", bytes: plainTextPdf([["Kept in a folder."]]), uploadedVia: "cli" },
      SYSTEM_ACTOR,
      { ...inDb, dir: blobDir },
    );
    const file = blobPath(blobDir, onDisk.sha256);
    expect(sha256Hex(await readFile(file))).toBe(onDisk.sha256);
    const [stored] = await database.db.select().from(blobs).where(sql`${blobs.sha256} = ${onDisk.sha256}`);
    expect(stored?.content).toBeNull();
    expect(
      (await readDocumentContent(database.db, workspaceId, onDisk.id, { dir: blobDir })).bytes.length,
    ).toBe(onDisk.size);
    await writeFile(file, "tampered on disk");
    expect(await codeOf(readDocumentContent(database.db, workspaceId, onDisk.id, { dir: blobDir }))).toBe(
      "DOCUMENT_HASH_MISMATCH",
    );
    expect(
      await codeOf(
        reanalyzeDocument(database.db, workspaceId, onDisk.id, SYSTEM_ACTOR, { ...inDb, dir: blobDir }),
      ),
    ).toBe("DOCUMENT_HASH_MISMATCH");

    const checks = await verifyBlobs(database.db, workspaceId, { dir: blobDir });
    const bad = checks.filter((c) => !c.ok).map((c) => c.sha256);
    expect(bad).toEqual(expect.arrayContaining([doc.sha256, onDisk.sha256]));
    expect(checks.filter((c) => c.ok).length).toBeGreaterThan(0);

    // Uploading the same bytes again heals the file; deleting the last document removes it.
    await addDocument(
      database.db,
      workspaceId,
      { vendorId, type: "other", bytes: plainTextPdf([["Kept in a folder."]]), uploadedVia: "cli" },
      SYSTEM_ACTOR,
      { ...inDb, dir: blobDir },
    );
    expect(
      (await readDocumentContent(database.db, workspaceId, onDisk.id, { dir: blobDir })).bytes.length,
    ).toBe(onDisk.size);
    const copies = await listDocuments(database.db, workspaceId, { vendorId, limit: 500 });
    for (const d of copies.items.filter((d) => d.sha256 === onDisk.sha256))
      await deleteDocument(database.db, workspaceId, d.id, SYSTEM_ACTOR, { dir: blobDir });
    expect(await readFile(file).catch(() => null)).toBeNull();
  });

  it("changes metadata, lists pages, finds expiring documents and re-reads after a type change", async () => {
    const text = plainTextPdf([["Placeholder for a later certificate."]]);
    const doc = await upload(text, "other", { expiresOn: "2026-02-01" });
    const changed = await updateDocument(
      database.db,
      workspaceId,
      doc.id,
      { title: "Renamed", questionId: "q07", issuedOn: "2025-01-01" },
      SYSTEM_ACTOR,
    );
    expect(changed).toMatchObject({ title: "Renamed", questionId: "q07", issuedOn: "2025-01-01" });
    const expiring = await listExpiringDocuments(database.db, workspaceId, 60, "2026-03-01");
    expect(expiring.map((d) => d.id)).toContain(doc.id);
    expect(expiring.find((d) => d.id === doc.id)?.expiry.state).toBe("expired");
    expect(
      (await listExpiringDocuments(database.db, workspaceId, 60, "2025-06-01")).map((d) => d.id),
    ).not.toContain(doc.id);

    const seen = new Set<string>();
    let cursor: string | undefined;
    let total = 0;
    do {
      const page = await listDocuments(database.db, workspaceId, { limit: 2, cursor });
      for (const item of page.items) seen.add(item.id);
      total = page.total;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.size).toBe(total);

    await updateDocument(database.db, workspaceId, doc.id, { type: "soc2_type2" }, SYSTEM_ACTOR);
    const again = await reanalyzeDocument(database.db, workspaceId, doc.id, SYSTEM_ACTOR, inDb);
    expect(again.analysisStatus).toBe("done");
    expect(again.findings.some((f) => f.rule === "soc2.opinion_not_found")).toBe(true);
  });

  it("resolves vendors by id or name and reads its settings from the environment", async () => {
    expect((await resolveVendorRef(database.db, workspaceId, "acme inference")).id).toBe(vendorId);
    expect((await resolveVendorRef(database.db, workspaceId, vendorId)).name).toBe("Acme Inference");
    expect(await codeOf(resolveVendorRef(database.db, workspaceId, "Nobody"))).toBe("VENDOR_NOT_FOUND");
    expect(readDocumentStoreConfig({ ASSAY_DOCUMENT_LIMIT_BYTES: "1024", ASSAY_BLOB_DIR: "/x" })).toEqual({
      maxBytes: 1024,
      dir: "/x",
    });
    expect(readDocumentStoreConfig({}).maxBytes).toBe(50 * 1024 * 1024);
    expect(() => readDocumentStoreConfig({ ASSAY_DOCUMENT_LIMIT_BYTES: "lots" })).toThrow(/positive/);
  });
});

describe("expiry and upload streams", () => {
  it("classifies expiry around the 60-day window", () => {
    expect(documentExpiry(null, "2026-01-01")).toEqual({ state: "none", daysLeft: null });
    expect(documentExpiry("2026-01-01", "2026-01-02").state).toBe("expired");
    expect(documentExpiry("2026-03-02", "2026-01-01")).toEqual({ state: "expiring", daysLeft: 60 });
    expect(documentExpiry("2026-03-03", "2026-01-01")).toEqual({ state: "valid", daysLeft: 61 });
  });

  it("reassembles any chunking of a stream within the limit and refuses one byte over", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        fc.integer({ min: 0, max: 1400 }),
        async (chunks, limit) => {
          const whole = Buffer.concat(chunks);
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              for (const c of chunks) controller.enqueue(c);
              controller.close();
            },
          });
          const result = await readUploadStream(stream, limit).then(
            (b) => b,
            (e: unknown) => (isAppError(e, "DOCUMENT_TOO_LARGE") ? "too large" : Promise.reject(e)),
          );
          if (whole.length > limit) expect(result).toBe("too large");
          else expect(Buffer.compare(result as Buffer, whole)).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("stops reading a stream once the limit is passed", async () => {
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    expect(await codeOf(readUploadStream(endless, 10 * 1024))).toBe("DOCUMENT_TOO_LARGE");
    expect(pulled).toBeLessThan(20);
  });
});

describe("random uploads", () => {
  it("either refuses bytes with a document error or stores them so that they read back identical", async () => {
    const refusals = new Set(["DOCUMENT_TYPE_UNSUPPORTED", "ARCHIVE_UNSAFE", "DOCUMENT_TOO_LARGE"]);
    const bytesArb = fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 2048 }),
      fc.string({ maxLength: 1500 }).map((t) => new TextEncoder().encode(t)),
      fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.concat([Buffer.from("%PDF-1.7\n"), b])),
    );
    const typeArb = fc.constantFrom("dpa", "iso27001", "soc2_type2", "model_card", "other") as fc.Arbitrary<
      Parameters<typeof addDocument>[2]["type"]
    >;
    await fc.assert(
      fc.asyncProperty(bytesArb, typeArb, async (bytes, type) => {
        let stored: Awaited<ReturnType<typeof addDocument>>;
        try {
          stored = await addDocument(
            database.db,
            workspaceId,
            { vendorId, type, bytes, uploadedVia: "api" },
            SYSTEM_ACTOR,
            inDb,
          );
        } catch (error) {
          expect(isAppError(error) && refusals.has(error.code)).toBe(true);
          return;
        }
        expect(["done", "failed", "not_applicable"]).toContain(stored.analysisStatus);
        const back = await readDocumentContent(database.db, workspaceId, stored.id);
        expect(Buffer.compare(back.bytes, Buffer.from(bytes))).toBe(0);
        expect(stored.sha256).toBe(sha256Hex(bytes));
      }),
      { numRuns: 40 },
    );
  });
});
