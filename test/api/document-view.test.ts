import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { plainTextPdf } from "../../src/evidence/fixtures/hostile-pdf.ts";
import { buildModelCard } from "../../src/evidence/fixtures/model-card-fixture.ts";
import { buildSoc2ReportPdf } from "../../src/evidence/fixtures/soc2-report-fixture.ts";
import { sha256Hex } from "../../src/store/blob-store.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
let assessor: Client;
let viewer: Client;
let auditor: Client;
let vendorId: string;

beforeAll(async () => {
  t = await startTestServer();
  admin = await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
  auditor = (await buildUser(t, "auditor")).client;
  const created = await assessor.json<{ id: string }>("POST", "/api/vendors", {
    name: "Vandelay Embeddings",
    category: "vector_database",
  });
  vendorId = created.body.id;
});
afterAll(async () => {
  await t.close();
});

interface Uploaded {
  id: string;
  sha256: string;
  mediaType: string;
}

async function upload(bytes: Uint8Array, query: Record<string, string>): Promise<Uploaded> {
  const res = await fetch(`${t.url}/api/vendors/${vendorId}/documents?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${assessor.bearer}`, "content-type": "application/octet-stream" },
    body: bytes,
  });
  if (res.status !== 201) throw new Error(`upload failed with ${res.status}: ${await res.text()}`);
  return (await res.json()) as Uploaded;
}

const view = (client: Client, id: string) => client.request("GET", `/api/documents/${id}/view`);

describe("viewing a PDF document in the browser", () => {
  it("serves the PDF inline with its hash, no caching, no sniffing and a policy without script", async () => {
    const bytes = await buildSoc2ReportPdf({ serviceOrganization: "Vandelay Embeddings Inc." });
    const doc = await upload(bytes, { type: "soc2_type2", fileName: "vandelay soc2 – 2025.pdf" });
    const res = await view(viewer, doc.id);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toBe(
      `inline; filename="vandelay soc2 _ 2025.pdf"; filename*=UTF-8''${encodeURIComponent("vandelay soc2 – 2025.pdf")}`,
    );
    expect(res.headers.get("x-content-sha256")).toBe(sha256Hex(bytes));
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    const csp = res.headers.get("content-security-policy") ?? "";
    // The response's own policy, not the app's: Chromium's viewer needs the embed and inline styles.
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("object-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("script-src 'self'");
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(Buffer.from(bytes))).toBe(true);
    expect(sha256Hex(body)).toBe(doc.sha256);

    // Other responses keep the app's policy.
    const json = await viewer.request("GET", `/api/documents/${doc.id}`);
    expect(json.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("lets every role view, while downloading stays an export permission", async () => {
    const doc = await upload(plainTextPdf([["A bridge letter covering January to March."]]), {
      type: "bridge_letter",
    });
    for (const [role, client] of [
      ["admin", admin],
      ["assessor", assessor],
      ["viewer", viewer],
      ["auditor", auditor],
    ] as const) {
      const res = await view(client, doc.id);
      expect(res.status, role).toBe(200);
      expect(res.headers.get("content-type"), role).toBe("application/pdf");
      await res.arrayBuffer();
    }
    // A viewer may look at the page a fact came from but not take the file away.
    const download = await viewer.request("GET", `/api/documents/${doc.id}/content`);
    expect(download.status).toBe(403);
  });

  it("answers without a session or token with 401 and no bytes", async () => {
    const doc = await upload(plainTextPdf([["An insurance certificate."]]), {
      type: "insurance_certificate",
    });
    const res = await fetch(`${t.url}/api/documents/${doc.id}/view`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(((await res.json()) as { code: string }).code).toBe("UNAUTHENTICATED");
  });

  it("refuses documents that are not PDFs with 415, whatever their name says", async () => {
    const card = await upload(new TextEncoder().encode(buildModelCard()), {
      type: "model_card",
      fileName: "README.pdf",
    });
    expect(card.mediaType).toBe("text/markdown");
    const res = await view(viewer, card.id);
    expect(res.status).toBe(415);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe("DOCUMENT_TYPE_UNSUPPORTED");
    expect(problem.detail).toMatch(/only PDF documents can be viewed in the browser; download it instead/i);
    // The download is still there for those who may export.
    const download = await auditor.request("GET", `/api/documents/${card.id}/content`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("text/markdown");
  });

  it("never serves bytes whose hash changed, and logs the damage", async () => {
    const bytes = plainTextPdf([["A penetration test summary, to be tampered with."]]);
    const doc = await upload(bytes, { type: "pentest_summary" });
    expect((await view(auditor, doc.id)).status).toBe(200);
    await t.server.services.db.execute(
      sql`UPDATE blobs SET content = ${Buffer.from("%PDF-1.4 tampered")} WHERE sha256 = ${doc.sha256}`,
    );
    const bad = await view(auditor, doc.id);
    expect(bad.status).toBe(500);
    expect(bad.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const text = await bad.text();
    expect(text).not.toContain("%PDF");
    expect((JSON.parse(text) as { code: string }).code).toBe("DOCUMENT_HASH_MISMATCH");
    expect(t.logs.some((line) => line.includes("failed its hash check") && line.includes(doc.sha256))).toBe(
      true,
    );
  });

  it("answers an unknown document with 404 and a malformed id with 400", async () => {
    const missing = await view(viewer, "00000000-0000-4000-8000-000000000000");
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { code: string }).code).toBe("DOCUMENT_NOT_FOUND");
    expect((await view(viewer, "not-a-uuid")).status).toBe(400);
  });
});
