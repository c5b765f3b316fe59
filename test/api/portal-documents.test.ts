import { request } from "node:http";
import { and, asc, count, eq } from "drizzle-orm";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainTextPdf } from "../../src/evidence/fixtures/hostile-pdf.ts";
import { buildSoc2ReportPdf } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { sha256Hex } from "../../src/store/blob-store.ts";
import { auditLog, blobs, documents, portalLinks } from "../../src/store/schema.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

const LIMIT = 2 * 1024 * 1024;

interface PortalDoc {
  id: string;
  questionId: string;
  type: string;
  fileName: string;
  mediaType: string;
  size: number;
  sha256: string;
  uploadedAt: string;
}
interface PortalDocList {
  items: PortalDoc[];
  limits: { maxBytes: number; kinds: string[]; mediaTypes: string[]; filesPerQuestion: number };
}
type Answers = Record<string, { value: unknown; comment?: string; evidence?: string[] }>;

let t: TestServer;
let admin: Client;
let assessor: Client;
const previousLimit = process.env.ASSAY_DOCUMENT_LIMIT_BYTES;

beforeAll(async () => {
  process.env.ASSAY_DOCUMENT_LIMIT_BYTES = String(LIMIT);
  t = await startTestServer();
  admin = await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
});
afterAll(async () => {
  if (previousLimit === undefined) delete process.env.ASSAY_DOCUMENT_LIMIT_BYTES;
  else process.env.ASSAY_DOCUMENT_LIMIT_BYTES = previousLimit;
  await t.close();
});

async function sentAssessment(name: string) {
  const vendor = await assessor.json<{ id: string }>("POST", "/api/vendors", {
    name,
    category: "foundation_model_provider",
  });
  expect(vendor.status).toBe(201);
  const created = await assessor.json<{ id: string }>("POST", "/api/assessments", {
    vendorId: vendor.body.id,
  });
  expect(created.status).toBe(201);
  const sent = await assessor.json<{ portalUrl: string }>("POST", `/api/assessments/${created.body.id}/send`);
  expect(sent.status).toBe(200);
  return {
    id: created.body.id,
    vendorId: vendor.body.id,
    token: sent.body.portalUrl.split("/portal/")[1] ?? "",
  };
}

async function attach(
  token: string,
  bytes: Uint8Array | ReadableStream<Uint8Array>,
  query: Record<string, string>,
  contentType = "application/octet-stream",
): Promise<{ status: number; body: PortalDoc & { code?: string; detail?: string } }> {
  const res = await fetch(`${t.url}/api/portal/${token}/documents?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { "content-type": contentType },
    body: bytes,
    ...(bytes instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as PortalDoc & { code?: string; detail?: string } };
}

const list = (token: string) => fetch(`${t.url}/api/portal/${token}/documents`);
const remove = (token: string, id: string) =>
  fetch(`${t.url}/api/portal/${token}/documents/${id}`, { method: "DELETE" });

/**
 * Starts a POST on a connection of its own, writes the chunks without ending the body, and
 * resolves with the answer: the server must refuse an oversized body without waiting for its end.
 * Writing nothing past what the server reads keeps the refusal's answer from being lost to a reset.
 */
function postUnfinished(
  path: string,
  chunks: Uint8Array[],
  contentLength?: number,
): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${t.url}${path}`,
      {
        method: "POST",
        agent: false,
        headers: {
          "content-type": "application/octet-stream",
          ...(contentLength === undefined ? {} : { "content-length": String(contentLength) }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => {
          text += d;
        });
        res.on("end", () => {
          resolve({ status: res.statusCode ?? 0, code: (JSON.parse(text) as { code: string }).code });
          req.destroy();
        });
      },
    );
    req.on("error", reject);
    req.flushHeaders();
    for (const chunk of chunks) req.write(chunk);
  });
}

async function portalAnswers(token: string): Promise<Answers> {
  const res = await fetch(`${t.url}/api/portal/${token}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { answers: Answers }).answers;
}

async function storedDocuments(assessmentId: string): Promise<number> {
  const [row] = await t.server.services.db
    .select({ n: count() })
    .from(documents)
    .where(eq(documents.assessmentId, assessmentId));
  return row?.n ?? 0;
}

async function blobCount(sha256: string): Promise<number> {
  const [row] = await t.server.services.db.select({ n: count() }).from(blobs).where(eq(blobs.sha256, sha256));
  return row?.n ?? 0;
}

describe("attaching files through the portal", () => {
  it("stores the file under the vendor, reads it like any upload and adds it to the answer's evidence", async () => {
    const a = await sentAssessment("Acme Models");
    const pdf = await buildSoc2ReportPdf({ serviceOrganization: "Acme Models Inc." });
    const up = await attach(a.token, pdf, { questionId: "q01", fileName: "acme soc2.pdf" });
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({
      questionId: "q01",
      // q01 expects a SOC 2 Type II report, so that is the type when none is given.
      type: "soc2_type2",
      fileName: "acme soc2.pdf",
      mediaType: "application/pdf",
      size: pdf.length,
      sha256: sha256Hex(pdf),
    });

    expect((await portalAnswers(a.token)).q01?.evidence).toEqual([up.body.id]);
    const listed = (await (await list(a.token)).json()) as PortalDocList;
    expect(listed.items.map((d) => d.id)).toEqual([up.body.id]);
    expect(listed.limits.maxBytes).toBe(LIMIT);
    expect(listed.limits.kinds).toContain("pdf");
    expect(listed.limits.kinds).not.toContain("html");

    // The reviewer sees the reference on the answer and the read document among the vendor's evidence.
    const detail = await assessor.json<{ answers: Answers }>("GET", `/api/assessments/${a.id}`);
    expect(detail.body.answers.q01?.evidence).toEqual([up.body.id]);
    const evidence = await assessor.json<{
      items: {
        id: string;
        uploadedVia: string;
        analysisStatus: string;
        questionId: string;
        uploadedBy: string;
      }[];
    }>("GET", `/api/vendors/${a.vendorId}/documents`);
    const doc = evidence.body.items.find((d) => d.id === up.body.id);
    expect(doc).toMatchObject({ uploadedVia: "portal", analysisStatus: "done", questionId: "q01" });
    expect(doc?.uploadedBy).toMatch(/^vendor portal: .*link [0-9a-f]{8}/);

    // The spreadsheet export carries the reference in the question's evidence cell.
    const xlsx = await assessor.request("GET", `/api/assessments/${a.id}/export.xlsx`);
    expect(xlsx.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsx.arrayBuffer());
    const cells: string[] = [];
    wb.worksheets[0]?.eachRow((row) => {
      row.eachCell((cell) => {
        cells.push(String(cell.value));
      });
    });
    expect(cells.some((c) => c.includes(up.body.id))).toBe(true);

    const audit = await t.server.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.targetId, a.id), eq(auditLog.action, "assessment.evidence.attach")));
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ questionId: "q01", documentId: up.body.id });
  });

  it("keeps an answer's value and comment, takes an explicit type, and answers the same file twice with one document", async () => {
    const a = await sentAssessment("Initech Labeling");
    const put = await fetch(`${t.url}/api/portal/${a.token}/answers`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers: { q05: { value: 24, comment: "contract clause 9" } } }),
    });
    expect(put.status).toBe(200);
    const bytes = plainTextPdf([["Breach notification within 24 hours of discovery."]]);
    const first = await attach(a.token, bytes, { questionId: "q05", type: "contract" });
    expect(first.status).toBe(201);
    expect(first.body.type).toBe("contract");
    const again = await attach(a.token, bytes, { questionId: "q05", type: "contract" });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect((await portalAnswers(a.token)).q05).toEqual({
      value: 24,
      comment: "contract clause 9",
      evidence: [first.body.id],
    });

    // The same bytes on another question are a second document over the one blob.
    const other = await attach(a.token, bytes, { questionId: "q01" });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    expect(await storedDocuments(a.id)).toBe(2);
    expect(await blobCount(sha256Hex(bytes))).toBe(1);
  });

  it("removes an upload and its reference; the bytes stay while another document uses them", async () => {
    const a = await sentAssessment("Hooli Observability");
    const bytes = plainTextPdf([["An incident response plan with named roles."]]);
    const q05doc = await attach(a.token, bytes, { questionId: "q05" });
    const q01doc = await attach(a.token, bytes, { questionId: "q01" });
    expect([q05doc.status, q01doc.status]).toEqual([201, 201]);
    // q05 expects a DPA or contract clause.
    expect(q05doc.body.type).toBe("dpa");

    expect((await remove(a.token, q05doc.body.id)).status).toBe(204);
    const answers = await portalAnswers(a.token);
    expect(answers.q05).toBeUndefined();
    expect(answers.q01?.evidence).toEqual([q01doc.body.id]);
    expect(await blobCount(q05doc.body.sha256)).toBe(1);
    expect((await assessor.json("GET", `/api/documents/${q05doc.body.id}`)).status).toBe(404);
    const download = await assessor.request("GET", `/api/documents/${q01doc.body.id}/content`);
    expect(Buffer.from(await download.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    expect((await remove(a.token, q01doc.body.id)).status).toBe(204);
    expect(await blobCount(q05doc.body.sha256)).toBe(0);
    expect((await remove(a.token, q01doc.body.id)).status).toBe(404);
    const listed = (await (await list(a.token)).json()) as PortalDocList;
    expect(listed.items).toEqual([]);
  });

  it("a reviewer deleting a portal upload takes its reference off the answer too", async () => {
    const a = await sentAssessment("Initech Vision");
    const saved = await fetch(`${t.url}/api/portal/${a.token}/answers`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers: { q05: { value: 24, comment: "Contract clause 9." } } }),
    });
    expect(saved.status).toBe(200);
    const doc = await attach(a.token, plainTextPdf([["Breach notice within 24 hours."]]), {
      questionId: "q05",
    });
    expect((await portalAnswers(a.token)).q05?.evidence).toEqual([doc.body.id]);

    expect((await assessor.request("DELETE", `/api/documents/${doc.body.id}`)).status).toBe(204);
    // The answer keeps its value and comment; only the reference to the deleted file goes.
    expect((await portalAnswers(a.token)).q05).toEqual({ value: 24, comment: "Contract clause 9." });
    const audit = await admin.json("GET", `/api/audit?targetId=${a.id}&limit=50`);
    const actions = (audit.body as { items: Array<{ action: string }> }).items.map((e) => e.action);
    expect(actions).toContain("assessment.evidence.detach");
  });

  it("keeps every reference when files arrive for one question at the same moment, up to 20", async () => {
    const a = await sentAssessment("Tyrell Agents");
    const files = Array.from({ length: 6 }, (_, i) => plainTextPdf([[`Policy document number ${i}.`]]));
    const results = await Promise.all(
      files.map((f) => attach(a.token, f, { questionId: "q02", type: "other" })),
    );
    expect(results.map((r) => r.status)).toEqual(files.map(() => 201));
    expect((await portalAnswers(a.token)).q02?.evidence?.sort()).toEqual(
      results.map((r) => r.body.id).sort(),
    );

    for (let i = files.length; i < 20; i++) {
      const more = await attach(a.token, plainTextPdf([[`Policy document number ${i}.`]]), {
        questionId: "q02",
        type: "other",
      });
      expect(more.status).toBe(201);
    }
    const over = await attach(a.token, plainTextPdf([["One too many."]]), {
      questionId: "q02",
      type: "other",
    });
    expect(over.status).toBe(400);
    expect(over.body.code).toBe("VALIDATION_FAILED");
    expect((await portalAnswers(a.token)).q02?.evidence).toHaveLength(20);
    expect(await storedDocuments(a.id)).toBe(20);
  });

  it("moves a sent questionnaire to in_progress on the first file, exactly as a first saved answer does", async () => {
    const byFile = await sentAssessment("Vehement Capital Models");
    const byAnswer = await sentAssessment("Massive Dynamic Vision");
    const status = async (id: string) =>
      (await assessor.json<{ status: string }>("GET", `/api/assessments/${id}`)).body.status;
    expect([await status(byFile.id), await status(byAnswer.id)]).toEqual(["sent", "sent"]);

    const up = await attach(byFile.token, plainTextPdf([["A subprocessor list."]]), { questionId: "q01" });
    expect(up.status).toBe(201);
    const put = await fetch(`${t.url}/api/portal/${byAnswer.token}/answers`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ answers: { q05: { value: 24 } } }),
    });
    expect(put.status).toBe(200);
    expect([await status(byFile.id), await status(byAnswer.id)]).toEqual(["in_progress", "in_progress"]);

    // A second file does not start it again.
    const second = await attach(byFile.token, plainTextPdf([["A retention policy."]]), { questionId: "q02" });
    expect(second.status).toBe(201);
    const startsOf = (id: string) =>
      t.server.services.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.targetId, id), eq(auditLog.action, "assessment.start")));
    const [fileStarts, answerStarts] = [await startsOf(byFile.id), await startsOf(byAnswer.id)];
    expect(fileStarts).toHaveLength(1);
    expect(answerStarts).toHaveLength(1);
    expect(fileStarts[0]?.details).toEqual(answerStarts[0]?.details);
    expect(fileStarts[0]?.details).toMatchObject({ from: "sent", to: "in_progress" });
    expect(fileStarts[0]?.actorType).toBe("portal");
    // The start is logged before the file's reference, in the same transaction.
    const trail = await t.server.services.db
      .select({ action: auditLog.action })
      .from(auditLog)
      .where(eq(auditLog.targetId, byFile.id))
      .orderBy(asc(auditLog.seq));
    const actions = trail.map((r) => r.action);
    expect(actions.indexOf("assessment.start")).toBeLessThan(actions.indexOf("assessment.evidence.attach"));
  });

  it("refuses types the portal does not take with 415 and stores nothing", async () => {
    const a = await sentAssessment("Umbrella Hub");
    const refused: [string, Uint8Array][] = [
      ["executable", new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00])],
      ["html", new TextEncoder().encode("<!doctype html><html><script>alert(1)</script></html>")],
      ["json", new TextEncoder().encode('{"soc2": true}')],
      ["empty", new Uint8Array(0)],
    ];
    for (const [name, bytes] of refused) {
      const res = await attach(a.token, bytes, { questionId: "q01", fileName: "report.pdf" });
      expect(res.status, name).toBe(415);
      expect(res.body.code, name).toBe("DOCUMENT_TYPE_UNSUPPORTED");
    }
    const multipart = await attach(
      a.token,
      plainTextPdf([["x"]]),
      { questionId: "q01" },
      "multipart/form-data",
    );
    expect(multipart.status).toBe(415);
    // Plain text, CSV included, is accepted.
    const csv = await attach(a.token, new TextEncoder().encode("name,location\nAcme,EU\n"), {
      questionId: "q01",
      fileName: "subprocessors.csv",
    });
    expect(csv.status).toBe(201);
    expect(csv.body.mediaType).toBe("text/plain");
    expect(await storedDocuments(a.id)).toBe(1);
    expect((await portalAnswers(a.token)).q01?.evidence).toEqual([csv.body.id]);
  });

  it("refuses an unknown question and bad details with 400", async () => {
    const a = await sentAssessment("Soylent Embeddings");
    const unknown = await attach(a.token, plainTextPdf([["x"]]), { questionId: "q99" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe("VALIDATION_FAILED");
    expect(
      (await attach(a.token, plainTextPdf([["x"]]), { questionId: "q01", type: "passport" })).status,
    ).toBe(400);
    expect((await attach(a.token, plainTextPdf([["x"]]), {})).status).toBe(400);
    expect(await storedDocuments(a.id)).toBe(0);
  });
});

describe("portal files are scoped to their link", () => {
  it("token A never sees or touches assessment B's files", async () => {
    const a = await sentAssessment("Pied Piper Compression");
    const b = await sentAssessment("Globex Vectors");
    const fileA = await attach(a.token, plainTextPdf([["Acme subprocessor list."]]), { questionId: "q01" });
    const fileB = await attach(b.token, plainTextPdf([["Globex subprocessor list."]]), { questionId: "q01" });
    expect([fileA.status, fileB.status]).toEqual([201, 201]);

    const seenByB = (await (await list(b.token)).json()) as PortalDocList;
    expect(seenByB.items.map((d) => d.id)).toEqual([fileB.body.id]);
    const deleteAcross = await remove(b.token, fileA.body.id);
    expect(deleteAcross.status).toBe(404);
    expect(await deleteAcross.text()).not.toContain("Pied Piper");
    expect((await portalAnswers(a.token)).q01?.evidence).toEqual([fileA.body.id]);
    expect(await storedDocuments(a.id)).toBe(1);

    // A document the reviewer uploaded for the same vendor is not the respondent's to list or remove.
    const own = await fetch(`${t.url}/api/vendors/${a.vendorId}/documents?type=other`, {
      method: "POST",
      headers: { authorization: `Bearer ${assessor.bearer}`, "content-type": "application/pdf" },
      body: plainTextPdf([["Internal review note."]]),
    });
    expect(own.status).toBe(201);
    const ownId = ((await own.json()) as { id: string }).id;
    expect(((await (await list(a.token)).json()) as PortalDocList).items.map((d) => d.id)).toEqual([
      fileA.body.id,
    ]);
    expect((await remove(a.token, ownId)).status).toBe(404);
  });

  it("refuses uploads and removals after submitting with 409", async () => {
    const a = await sentAssessment("Cyberdyne Vision");
    const kept = await attach(a.token, plainTextPdf([["A DPA."]]), { questionId: "q01" });
    expect(kept.status).toBe(201);
    expect((await fetch(`${t.url}/api/portal/${a.token}/submit`, { method: "POST" })).status).toBe(200);
    const late = await attach(a.token, plainTextPdf([["Another DPA."]]), { questionId: "q01" });
    expect(late.status).toBe(409);
    expect(late.body.code).toBe("ASSESSMENT_STATE_INVALID");
    expect((await remove(a.token, kept.body.id)).status).toBe(409);
    expect(await storedDocuments(a.id)).toBe(1);
    // Listing still works, so the respondent can see what was sent.
    expect(((await (await list(a.token)).json()) as PortalDocList).items).toHaveLength(1);
  });

  it("answers revoked links with 410 and unknown ones with 401, without data", async () => {
    const a = await sentAssessment("Wonka Speech");
    const file = await attach(a.token, plainTextPdf([["A model card."]]), { questionId: "q01" });
    expect(file.status).toBe(201);
    expect((await assessor.json("POST", `/api/assessments/${a.id}/portal-link/revoke`)).status).toBe(200);
    for (const res of [
      await list(a.token),
      await remove(a.token, file.body.id),
      await fetch(`${t.url}/api/portal/${a.token}/documents?questionId=q01`, {
        method: "POST",
        body: plainTextPdf([["x"]]),
      }),
    ]) {
      expect(res.status).toBe(410);
      const text = await res.text();
      expect(JSON.parse(text).code).toBe("PORTAL_LINK_REVOKED");
      expect(text).not.toContain(file.body.id);
    }
    const unknown = await list("assay_portal_nope");
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { code: string }).code).toBe("PORTAL_LINK_INVALID");
    expect((await remove("assay_portal_nope", file.body.id)).status).toBe(401);
    expect(await storedDocuments(a.id)).toBe(1);
  });

  it("answers an expired link with 410 for listing, attaching and removing", async () => {
    const a = await sentAssessment("Oscorp Translation");
    const file = await attach(a.token, plainTextPdf([["A retention policy."]]), { questionId: "q01" });
    expect(file.status).toBe(201);
    await t.server.services.db
      .update(portalLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(portalLinks.assessmentId, a.id));
    for (const res of [
      await list(a.token),
      await remove(a.token, file.body.id),
      await fetch(`${t.url}/api/portal/${a.token}/documents?questionId=q01`, {
        method: "POST",
        body: plainTextPdf([["x"]]),
      }),
    ]) {
      expect(res.status).toBe(410);
      expect(((await res.json()) as { code: string }).code).toBe("PORTAL_LINK_EXPIRED");
    }
    expect(await storedDocuments(a.id)).toBe(1);
  });

  it("refuses a body over the limit with 413, declared or streamed, before it ends, and stores nothing", async () => {
    const a = await sentAssessment("Stark Robotics");
    const path = `/api/portal/${a.token}/documents?questionId=q01`;
    // A declared length over the limit is refused from the headers alone.
    const declared = await postUnfinished(path, [], LIMIT + 1);
    expect(declared).toEqual({ status: 413, code: "PAYLOAD_TOO_LARGE" });
    // A body without a declared length is refused once one byte too many has arrived.
    const chunk = new Uint8Array(256 * 1024).fill(0x41);
    const chunks = [...Array.from({ length: LIMIT / chunk.length }, () => chunk), new Uint8Array([0x41])];
    const streamed = await postUnfinished(path, chunks);
    expect(streamed.status).toBe(413);
    expect(["PAYLOAD_TOO_LARGE", "DOCUMENT_TOO_LARGE"]).toContain(streamed.code);
    expect(await storedDocuments(a.id)).toBe(0);
    expect(await portalAnswers(a.token)).toEqual({});
  });
});
