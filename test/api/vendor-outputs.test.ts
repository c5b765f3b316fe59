import * as XLSX from "exceljs";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDpaPdf } from "../../src/evidence/fixtures/dpa-fixture.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
let assessor: Client;
let viewer: Client;
let auditor: Client;

beforeAll(async () => {
  t = await startTestServer();
  await setupAdmin(t);
  admin = (await buildUser(t, "admin")).client;
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
  auditor = (await buildUser(t, "auditor")).client;
});
afterAll(async () => t.close());

const b64 = (text: string | Uint8Array) => Buffer.from(text).toString("base64");

describe("spreadsheet import", () => {
  const CSV = [
    "Vendor,Category,Owner,Feature,Data sent,Domain,Customer facing,Decision critical,Regions,Retention (days),Trains on data",
    'OpenAI,,Platform team,Support chatbot,"PII, Customer data",general,yes,no,us,30,no',
    "OpenAI,,Platform team,Ticket triage,Internal,general,no,no,us,30,no",
    "Scribe Health,other,Clinical ops,Visit notes,PHI,healthcare,no,yes,eu,0,no",
    "Broken Co,spaceship,Ops,Thing,Internal,general,no,no,us,30,no",
    "Other Broken,other,Ops,Thing,telepathy,general,maybe,no,us,30,no",
  ].join("\n");

  it("previews the mapping, the vendors with their tiers and every rejected row, writing nothing", async () => {
    const { status, body } = await assessor.json<{
      mapping: Record<string, string>;
      vendors: { name: string; integrations: number; tier: number; rowNumbers: number[] }[];
      rejected: { rowNumber: number; reason: string; column?: string }[];
      imported: unknown;
    }>("POST", "/api/vendors/import", { fileName: "vendors.csv", contentBase64: b64(CSV) });
    expect(status).toBe(200);
    expect(body.mapping).toMatchObject({
      vendorName: "Vendor",
      dataClasses: "Data sent",
      productFeature: "Feature",
    });
    expect(body.vendors).toEqual([
      expect.objectContaining({ name: "OpenAI", integrations: 2, tier: 2, rowNumbers: [2, 3] }),
      expect.objectContaining({ name: "Scribe Health", integrations: 1, tier: 3, rowNumbers: [4] }),
    ]);
    expect(body.rejected.map((r) => r.rowNumber).sort()).toEqual([5, 6, 6]);
    expect(body.rejected.find((r) => r.rowNumber === 5)?.column).toBe("Category");
    expect(body.imported).toBeNull();
    expect((await viewer.json<{ total: number }>("GET", "/api/vendors")).body.total).toBe(0);
  });

  it("refuses to import while rows are rejected, and imports nothing", async () => {
    const res = await assessor.json<{ code: string; details: { rejected: unknown[] } }>(
      "POST",
      "/api/vendors/import",
      { contentBase64: b64(CSV), dryRun: false },
    );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe("IMPORT_INVALID");
    expect(res.body.details.rejected).toHaveLength(3);
    expect((await viewer.json<{ total: number }>("GET", "/api/vendors")).body.total).toBe(0);
  });

  it("imports the good rows with skipRejected, in one go", async () => {
    const res = await assessor.json<{ imported: { vendors: number; integrations: number } }>(
      "POST",
      "/api/vendors/import",
      {
        contentBase64: b64(CSV),
        dryRun: false,
        skipRejected: true,
      },
    );
    expect(res.status).toBe(200);
    expect(res.body.imported).toEqual({ vendors: 2, integrations: 3 });
    const list = await viewer.json<{ items: { name: string; tier: number; catalogSlug?: string }[] }>(
      "GET",
      "/api/vendors?sort=name",
    );
    expect(list.body.items.map((v) => [v.name, v.tier])).toEqual([
      ["OpenAI", 2],
      ["Scribe Health", 3],
    ]);
    expect(list.body.items[0]?.catalogSlug).toBe("openai");
  });

  it("a second import that collides with an existing vendor changes nothing", async () => {
    const again = await assessor.json("POST", "/api/vendors/import", {
      contentBase64: b64("Vendor,Category\nFresh Vendor,other\nopenai,other\n"),
      dryRun: false,
    });
    expect(again.status).toBe(409);
    const names = (await viewer.json<{ items: { name: string }[] }>("GET", "/api/vendors")).body.items.map(
      (v) => v.name,
    );
    expect(names).not.toContain("Fresh Vendor");
  });

  it("reads XLSX the same way", async () => {
    const workbook = new XLSX.Workbook();
    const sheet = workbook.addWorksheet("Vendors");
    sheet.addRow(["Vendor name", "Category", "Data classes"]);
    sheet.addRow(["Sheet Vendor", "vector database", "internal"]);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const res = await assessor.json<{ format: string; vendors: { name: string; category: string }[] }>(
      "POST",
      "/api/vendors/import",
      { contentBase64: b64(bytes) },
    );
    expect(res.body.format).toBe("xlsx");
    expect(res.body.vendors).toEqual([
      expect.objectContaining({ name: "Sheet Vendor", category: "vector_database" }),
    ]);
  });

  it("rejects hostile and wrong files with a clear 4xx", async () => {
    expect(
      (await assessor.json("POST", "/api/vendors/import", { contentBase64: "not base64!" })).status,
    ).toBe(400);
    const fakeZip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array(200).fill(0)]);
    const zip = await assessor.json<{ code: string }>("POST", "/api/vendors/import", {
      contentBase64: b64(fakeZip),
    });
    expect(zip.status).toBeGreaterThanOrEqual(400);
    expect(zip.status).toBeLessThan(500);
    const legacy = new Uint8Array([
      0xd0,
      0xcf,
      0x11,
      0xe0,
      0xa1,
      0xb1,
      0x1a,
      0xe1,
      ...new Array(100).fill(0),
    ]);
    const xls = await assessor.json<{ detail: string }>("POST", "/api/vendors/import", {
      contentBase64: b64(legacy),
    });
    expect(xls.body.detail).toMatch(/xls/i);
    const big = Buffer.alloc(6 * 1024 * 1024, "a").toString("base64");
    expect((await assessor.request("POST", "/api/vendors/import", { contentBase64: big })).status).toBe(413);
    expect((await viewer.json("POST", "/api/vendors/import", { contentBase64: b64(CSV) })).status).toBe(403);
  });
});

describe("diagrams and summaries", () => {
  let vendorId: string;
  beforeAll(async () => {
    const list = await viewer.json<{ items: { id: string; name: string }[] }>("GET", "/api/vendors?q=scribe");
    vendorId = list.body.items[0]?.id ?? "";
  });

  it("draws the vendor's data flows as a clean SVG", async () => {
    const res = await viewer.request("GET", `/api/vendors/${vendorId}/diagram.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("image/svg+xml");
    const svg = await res.text();
    expect(svg).toMatch(/^<\?xml|^<svg/);
    expect(svg).toContain("Visit notes");
    expect(svg).toMatch(/PHI/);
    expect(svg).not.toMatch(/<script|javascript:|xlink:href="http/i);
    const company = await viewer.request("GET", "/api/diagram.svg");
    expect(company.status).toBe(200);
    expect(await company.text()).toContain("Support chatbot");
  });

  it("summarises the vendor on one page, as JSON and as a searchable PDF", async () => {
    const json = await viewer.json<{
      vendor: { name: string };
      tier: { tier: number; reasons: string[] };
      uses: { integration: string }[];
    }>("GET", `/api/vendors/${vendorId}/summary`);
    expect(json.status).toBe(200);
    expect(json.body.vendor.name).toBe("Scribe Health");
    expect(json.body.tier.tier).toBe(3);
    expect(json.body.tier.reasons.join(" ")).toMatch(/PHI|health/i);

    expect((await viewer.request("GET", `/api/vendors/${vendorId}/summary.pdf`)).status).toBe(403);
    const pdf = await auditor.request("GET", `/api/vendors/${vendorId}/summary.pdf`);
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get("content-disposition")).toContain("Scribe-Health-summary.pdf");
    const doc = await getDocument({ data: new Uint8Array(await pdf.arrayBuffer()) }).promise;
    expect(doc.numPages).toBe(1);
    const text = (await (await doc.getPage(1)).getTextContent()).items
      .map((i) => ("str" in i ? i.str : ""))
      .join(" ");
    expect(text).toContain("Scribe Health");
    expect(text).toMatch(/Tier 3/i);
  });
});

describe("summary with evidence", () => {
  it("shows a DPA on file as present and its findings as open findings", async () => {
    const list = await viewer.json<{ items: { id: string }[] }>("GET", "/api/vendors?q=scribe");
    const vendorId = list.body.items[0]?.id ?? "";
    const before = await viewer.json<{
      documents: { kind: string; status: string }[];
      findings: { total: number };
    }>("GET", `/api/vendors/${vendorId}/summary`);
    expect(before.body.documents.find((d) => d.kind === "dpa")?.status).toBe("missing");
    const pdf = await buildDpaPdf({ omit: ["training", "audit"] });
    const upload = await assessor.request(
      "POST",
      `/api/vendors/${vendorId}/documents?type=dpa&title=Scribe%20DPA`,
      pdf,
      {
        "content-type": "application/pdf",
      },
    );
    expect(upload.status).toBe(201);
    const after = await viewer.json<{
      documents: { kind: string; status: string }[];
      findings: { total: number; items: { title: string }[] };
    }>("GET", `/api/vendors/${vendorId}/summary`);
    expect(after.body.documents.find((d) => d.kind === "dpa")?.status).toBe("present");
    expect(after.body.findings.total).toBeGreaterThan(before.body.findings.total);
    expect(after.body.findings.items.map((f) => f.title).join(" ")).toMatch(/Scribe DPA/);
  });
});

describe("demo workspace", () => {
  it("fills only an empty inventory, for admins", async () => {
    expect((await assessor.json("POST", "/api/demo")).status).toBe(403);
    expect((await admin.json("POST", "/api/demo")).status).toBe(409);
    const fresh = await startTestServer();
    try {
      await setupAdmin(fresh);
      const freshAdmin = (await buildUser(fresh, "admin")).client;
      const res = await freshAdmin.json<{ vendors: number; integrations: number }>("POST", "/api/demo");
      expect(res.status).toBe(201);
      expect(res.body.vendors).toBeGreaterThanOrEqual(12);
      const dash = await freshAdmin.json<{ byTier: Record<string, number> }>("GET", "/api/dashboard");
      expect(dash.body.byTier["1"]).toBeGreaterThan(0);
      expect(dash.body.byTier["2"]).toBeGreaterThan(0);
      expect(dash.body.byTier["3"]).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
