import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCertificatePdf } from "../../src/evidence/fixtures/certificate-fixture.ts";
import { buildDpaPdf } from "../../src/evidence/fixtures/dpa-fixture.ts";
import { decompressionBombPdf, plainTextPdf, truncated } from "../../src/evidence/fixtures/hostile-pdf.ts";
import { buildModelCard } from "../../src/evidence/fixtures/model-card-fixture.ts";
import { imageOnlyPdf } from "../../src/evidence/fixtures/render-pdf.ts";
import { buildSoc2ReportPdf } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { addDays } from "../../src/evidence/pdf/index.ts";
import { sha256Hex } from "../../src/store/blob-store.ts";
import { auditLog, blobs } from "../../src/store/schema.ts";
import { buildUser, Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

const LIMIT = 3 * 1024 * 1024;

interface Doc {
  id: string;
  sha256: string;
  type: string;
  title: string;
  fileName: string;
  mediaType: string;
  expiresOn: string | null;
  expiry: { state: string; daysLeft: number | null };
  analysisStatus: string;
  analysisError: string | null;
  analysis: Record<string, unknown> | null;
  findings: { rule: string; severity: string; page?: number; quote?: string }[];
}

let t: TestServer;
let assessor: Client;
let viewer: Client;
let auditor: Client;
let vendorId: string;
const previousLimit = process.env.ASSAY_DOCUMENT_LIMIT_BYTES;

beforeAll(async () => {
  process.env.ASSAY_DOCUMENT_LIMIT_BYTES = String(LIMIT);
  t = await startTestServer();
  await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
  auditor = (await buildUser(t, "auditor")).client;
  const created = await assessor.json<{ id: string }>("POST", "/api/vendors", {
    name: "Acme Inference",
    category: "foundation_model_provider",
  });
  vendorId = created.body.id;
});
afterAll(async () => {
  if (previousLimit === undefined) delete process.env.ASSAY_DOCUMENT_LIMIT_BYTES;
  else process.env.ASSAY_DOCUMENT_LIMIT_BYTES = previousLimit;
  await t.close();
});

/** Uploads raw bytes the way the web app does: the file is the body, its details the query. */
async function upload(
  client: Client,
  bytes: Uint8Array | ReadableStream<Uint8Array>,
  query: Record<string, string>,
  contentType = "application/octet-stream",
): Promise<{ status: number; body: Doc & { code?: string; detail?: string } }> {
  const res = await fetch(`${t.url}/api/vendors/${vendorId}/documents?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.bearer}`, "content-type": contentType },
    body: bytes,
    ...(bytes instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Doc & { code?: string; detail?: string } };
}

async function download(client: Client, id: string): Promise<Response> {
  return fetch(`${t.url}/api/documents/${id}/content`, {
    headers: { authorization: `Bearer ${client.bearer}` },
  });
}

describe("uploading evidence", () => {
  it("reads each kind of evidence on upload and shows its facts with pages and quotes", async () => {
    const soc2 = await upload(assessor, await buildSoc2ReportPdf({ opinion: "qualified" }), {
      type: "soc2_type2",
      title: "SOC 2 Type II 2025",
      fileName: "acme-soc2.pdf",
    });
    expect(soc2.status).toBe(201);
    expect(soc2.body).toMatchObject({
      analysisStatus: "done",
      mediaType: "application/pdf",
      fileName: "acme-soc2.pdf",
    });
    const report = (
      soc2.body.analysis as { report: Record<string, { value: unknown; page: number; quote: string }> }
    ).report;
    expect(report.opinion?.value).toBe("qualified");
    expect(report.opinion?.page).toBeGreaterThan(0);
    expect(report.opinion?.quote).toMatch(/qualified|except/i);
    expect(soc2.body.findings.map((f) => f.rule)).toContain("soc2.opinion_qualified");

    const validUntil = addDays(new Date().toISOString().slice(0, 10), 30);
    const cert = await upload(assessor, await buildCertificatePdf({ validUntil }), { type: "iso27001" });
    expect(cert.status).toBe(201);
    expect(cert.body.expiresOn).toBe(validUntil);
    expect(cert.body.expiry).toEqual({ state: "expiring", daysLeft: 30 });

    const dpa = await upload(assessor, await buildDpaPdf({ omit: ["training", "deletion"] }), {
      type: "dpa",
    });
    expect(dpa.status).toBe(201);
    expect(dpa.body.findings.length).toBeGreaterThanOrEqual(2);

    const card = await upload(assessor, new TextEncoder().encode(buildModelCard()), {
      type: "model_card",
      fileName: "README.md",
    });
    expect(card.status).toBe(201);
    expect(card.body).toMatchObject({ mediaType: "text/markdown", analysisStatus: "done", findings: [] });

    const other = await upload(assessor, plainTextPdf([["An incident response plan."]]), {
      type: "incident_response_plan",
    });
    expect(other.body.analysisStatus).toBe("not_applicable");

    const listed = await viewer.json<{ items: Doc[]; total: number }>(
      "GET",
      `/api/vendors/${vendorId}/documents`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((d) => d.id)).toEqual(
      expect.arrayContaining([soc2.body.id, cert.body.id, dpa.body.id, card.body.id, other.body.id]),
    );
    const one = await viewer.json<Doc>("GET", `/api/documents/${soc2.body.id}`);
    expect(one.body.findings).toEqual(soc2.body.findings);

    const expiring = await viewer.json<{ items: Doc[] }>("GET", "/api/documents/expiring?days=60");
    expect(expiring.body.items.map((d) => d.id)).toContain(cert.body.id);
    const soon = await viewer.json<{ items: Doc[] }>("GET", "/api/documents/expiring?days=10");
    expect(soon.body.items.map((d) => d.id)).not.toContain(cert.body.id);
  });

  it("stores identical bytes once and keeps them until the last document using them is deleted", async () => {
    const bytes = plainTextPdf([["A subprocessor list uploaded twice."]]);
    const a = await upload(assessor, bytes, { type: "subprocessor_list" });
    const b = await upload(assessor, bytes, { type: "subprocessor_list", title: "Second copy" });
    expect(a.body.sha256).toBe(sha256Hex(bytes));
    expect(b.body.sha256).toBe(a.body.sha256);
    expect(b.body.id).not.toBe(a.body.id);
    const { db } = t.server.services;
    const count = async () =>
      (await db.select({ sha256: blobs.sha256 }).from(blobs).where(eq(blobs.sha256, a.body.sha256))).length;
    expect(await count()).toBe(1);

    expect((await assessor.request("DELETE", `/api/documents/${a.body.id}`)).status).toBe(204);
    const res = await download(auditor, b.body.id);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    expect(await count()).toBe(1);
    expect((await assessor.request("DELETE", `/api/documents/${b.body.id}`)).status).toBe(204);
    expect(await count()).toBe(0);
    expect((await viewer.json("GET", `/api/documents/${b.body.id}`)).status).toBe(404);
  });
});

describe("refusals and hostile files", () => {
  it("refuses what is not a document (415), multipart bodies (415) and bad details (400)", async () => {
    const exe = await upload(assessor, Uint8Array.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0, 0, 0, 4, 0]), {
      type: "other",
      fileName: "report.pdf",
    });
    expect(exe.status).toBe(415);
    expect(exe.body.code).toBe("DOCUMENT_TYPE_UNSUPPORTED");
    const multipart = await upload(
      assessor,
      plainTextPdf([["x"]]),
      { type: "other" },
      "multipart/form-data; boundary=x",
    );
    expect(multipart.status).toBe(415);
    const badType = await upload(assessor, plainTextPdf([["x"]]), { type: "passport" });
    expect(badType.status).toBe(400);
    const badDate = await upload(assessor, plainTextPdf([["x"]]), { type: "other", expiresOn: "31/12/2026" });
    expect(badDate.status).toBe(400);
    const empty = await upload(assessor, new Uint8Array(0), { type: "other" });
    expect(empty.status).toBe(415);
  });

  it("keeps a scanned, a truncated and a bomb PDF with a failed analysis that says why, never a 500", async () => {
    const scanned = await upload(assessor, await imageOnlyPdf(1), { type: "soc2_type2" });
    expect(scanned.status).toBe(201);
    expect(scanned.body.analysisStatus).toBe("failed");
    expect(scanned.body.analysisError).toMatch(/no text layer/);
    const cut = await upload(assessor, truncated(await buildSoc2ReportPdf(), 0.5), { type: "soc2_type2" });
    expect(cut.status).toBe(201);
    expect(cut.body.analysisStatus).toBe("failed");
    const bomb = await upload(assessor, decompressionBombPdf(96 * 1024 * 1024), { type: "dpa" });
    expect(bomb.status).toBe(201);
    expect(bomb.body.analysisStatus).toBe("failed");
    expect(bomb.body.analysisError).toBeTruthy();
  });
});

describe("reading, changing and deleting", () => {
  it("serves bytes as an attachment with their type, and never bytes whose hash changed", async () => {
    const bytes = plainTextPdf([["A penetration test summary for download."]]);
    const doc = await upload(assessor, bytes, { type: "pentest_summary", fileName: "pentest 2026.pdf" });
    const res = await download(auditor, doc.body.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="pentest 2026\.pdf"/);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    await t.server.services.db.execute(
      sql`UPDATE blobs SET content = ${Buffer.from("%PDF-1.4 tampered")} WHERE sha256 = ${doc.body.sha256}`,
    );
    const bad = await download(auditor, doc.body.id);
    expect(bad.status).toBe(500);
    const problem = (await bad.json()) as { code: string; detail: string };
    expect(problem.code).toBe("DOCUMENT_HASH_MISMATCH");
    expect(problem.detail).toMatch(/no longer match/);
    expect(
      t.logs.some((line) => line.includes("failed its hash check") && line.includes(doc.body.sha256)),
    ).toBe(true);
    const again = await assessor.json<{ code: string }>("POST", `/api/documents/${doc.body.id}/analyze`);
    expect(again.body.code).toBe("DOCUMENT_HASH_MISMATCH");
  });

  it("lets an assessor change details and re-read, and keeps viewers and auditors from writing", async () => {
    const doc = await upload(
      assessor,
      plainTextPdf([["Not yet classified: a document that will turn out to be a SOC 2 report after all."]]),
      { type: "other" },
    );
    const viewerUpload = await upload(viewer, plainTextPdf([["x"]]), { type: "other" });
    expect(viewerUpload.status).toBe(403);
    expect((await download(viewer, doc.body.id)).status).toBe(403);
    expect((await auditor.json("PATCH", `/api/documents/${doc.body.id}`, { title: "No" })).status).toBe(403);
    expect((await auditor.request("DELETE", `/api/documents/${doc.body.id}`)).status).toBe(403);

    const patched = await assessor.json<Doc>("PATCH", `/api/documents/${doc.body.id}`, {
      title: "SOC 2 after all",
      type: "soc2_type1",
      expiresOn: "2020-01-01",
      questionId: "q07",
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      title: "SOC 2 after all",
      type: "soc2_type1",
      expiry: { state: "expired" },
    });
    const bad = await assessor.json("PATCH", `/api/documents/${doc.body.id}`, { sha256: "0" });
    expect(bad.status).toBe(400);

    const analysed = await assessor.json<Doc>("POST", `/api/documents/${doc.body.id}/analyze`);
    expect(analysed.status).toBe(200);
    expect(analysed.body.analysisStatus).toBe("done");
    expect(analysed.body.findings.map((f) => f.rule)).toContain("soc2.opinion_not_found");

    const expiring = await viewer.json<{ items: Doc[] }>("GET", "/api/documents/expiring");
    expect(expiring.body.items.find((d) => d.id === doc.body.id)?.expiry.state).toBe("expired");
    const all = await viewer.json<{ items: Doc[] }>(
      "GET",
      `/api/documents?vendorId=${vendorId}&type=soc2_type1`,
    );
    expect(all.body.items.map((d) => d.id)).toEqual([doc.body.id]);

    const actions = async () =>
      (
        await t.server.services.db
          .select({ action: auditLog.action })
          .from(auditLog)
          .where(eq(auditLog.targetId, doc.body.id))
          .orderBy(asc(auditLog.seq))
      ).map((r) => r.action);
    expect(await actions()).toEqual(["document.upload", "document.update", "document.analyze"]);
    expect((await assessor.request("DELETE", `/api/documents/${doc.body.id}`)).status).toBe(204);
    expect((await actions()).at(-1)).toBe("document.delete");
  });

  it("answers 404 for a vendor or document that does not exist", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    expect((await viewer.json("GET", `/api/documents/${missing}`)).status).toBe(404);
    expect((await viewer.json("GET", `/api/vendors/${missing}/documents`)).status).toBe(404);
    const res = await fetch(`${t.url}/api/vendors/${missing}/documents?type=other`, {
      method: "POST",
      headers: { authorization: `Bearer ${assessor.bearer}`, "content-type": "application/pdf" },
      body: plainTextPdf([["x"]]),
    });
    expect(res.status).toBe(404);
  });
  // Last against this server: it closes a connection it refused mid-body, and the client pool may reuse it.
  it("refuses a body over the limit with 413, whether its length is declared or it streams", async () => {
    const big = new Uint8Array(LIMIT + 1).fill(0x41);
    const declared = await upload(assessor, big, { type: "other" });
    expect(declared.status).toBe(413);

    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 64 * 1024;
        if (sent > 64 * LIMIT) controller.close();
        else controller.enqueue(new Uint8Array(64 * 1024).fill(0x41));
      },
    });
    const streamed = await upload(assessor, endless, { type: "other" });
    expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(8 * LIMIT);
  });
});

describe("documents kept in a blob folder (ASSAY_BLOB_DIR)", () => {
  let folderServer: TestServer;
  let writer: Client;
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(path.join(tmpdir(), "assay-api-blobs-"));
    const before = process.env.ASSAY_BLOB_DIR;
    process.env.ASSAY_BLOB_DIR = folder;
    try {
      folderServer = await startTestServer();
    } finally {
      if (before === undefined) delete process.env.ASSAY_BLOB_DIR;
      else process.env.ASSAY_BLOB_DIR = before;
    }
    await setupAdmin(folderServer);
    writer = (await buildUser(folderServer, "assessor")).client;
  });
  afterAll(async () => {
    await folderServer.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("writes the bytes under their hash, serves them verified, and refuses them once the file changes", async () => {
    const vendor = await new Client(folderServer.url, { bearer: writer.bearer ?? "" }).json<{ id: string }>(
      "POST",
      "/api/vendors",
      { name: "Folder Vendor", category: "other" },
    );
    const bytes = plainTextPdf([["A no-training confirmation kept in the blob folder."]]);
    const res = await fetch(
      `${folderServer.url}/api/vendors/${vendor.body.id}/documents?type=no_training_confirmation&fileName=letter.pdf`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${writer.bearer}`, "content-type": "application/pdf" },
        body: bytes,
      },
    );
    expect(res.status).toBe(201);
    const doc = (await res.json()) as Doc;
    const file = path.join(folder, doc.sha256.slice(0, 2), doc.sha256);
    expect(sha256Hex(await readFile(file))).toBe(doc.sha256);
    const [row] = await folderServer.server.services.db
      .select({ content: blobs.content })
      .from(blobs)
      .where(eq(blobs.sha256, doc.sha256));
    expect(row?.content).toBeNull();

    const get = () =>
      fetch(`${folderServer.url}/api/documents/${doc.id}/content`, {
        headers: { authorization: `Bearer ${writer.bearer}` },
      });
    const good = await get();
    expect(Buffer.from(await good.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    await writeFile(file, "changed on disk");
    const bad = await get();
    expect(bad.status).toBe(500);
    expect(((await bad.json()) as { code: string }).code).toBe("DOCUMENT_HASH_MISMATCH");

    const removed = await fetch(`${folderServer.url}/api/documents/${doc.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${writer.bearer}` },
    });
    expect(removed.status).toBe(204);
    expect(await readFile(file).catch(() => null)).toBeNull();
  });
});
