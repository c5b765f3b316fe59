import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let assessor: Client;
let viewer: Client;

type Vendor = {
  id: string;
  name: string;
  tier: number;
  computedTier: number;
  status: string;
  trustPortalUrl?: string;
  category: string;
  catalogSlug?: string;
  nextReviewDue: string;
  lastReviewedOn: string | null;
  integrationCount: number;
};
type Tier = {
  tier: number;
  computedTier: number;
  reasons: { attribute: string; value: string; tier: number; rule: string; integrationName: string | null }[];
  questionCount: number;
  reviewCadenceMonths: number;
  continuousMonitoring: boolean;
  nextReviewDue: string;
  override: { tier: number; justification: string } | null;
};

/** A small factory for integrations: everything known and harmless unless overridden. */
function buildIntegration(overrides: Record<string, unknown> = {}) {
  return {
    name: "Internal summaries",
    productFeature: "Wiki summariser",
    service: "Chat Completions",
    models: [{ kind: "vendor_model", name: "gpt-4o", version: "2024-08-06" }],
    deployment: "vendor_api",
    dataClasses: ["internal"],
    processingRegions: ["us"],
    retentionDays: 30,
    trainingUse: "no",
    customerFacing: false,
    decisionCritical: false,
    domain: "general",
    humanOversight: "review_before_use",
    ...overrides,
  };
}

beforeAll(async () => {
  t = await startTestServer();
  await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
});
afterAll(async () => t.close());

describe("catalogue", () => {
  it("lists the built-in AI vendors with sourced facts", async () => {
    const { status, body } = await viewer.json<{
      items: { slug: string; trustPortal: { value: unknown; source?: string; asOf: string } }[];
    }>("GET", "/api/catalog/vendors");
    expect(status).toBe(200);
    const slugs = body.items.map((e) => e.slug);
    for (const s of [
      "openai",
      "anthropic",
      "azure-openai",
      "google-vertex-ai",
      "google-gemini-api",
      "aws-bedrock",
      "cohere",
      "mistral",
      "hugging-face",
      "pinecone",
      "langsmith",
    ]) {
      expect(slugs).toContain(s);
    }
    for (const e of body.items) {
      expect(e.trustPortal.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (e.trustPortal.value !== "unknown") expect(e.trustPortal.source).toMatch(/^https:\/\//);
    }
  });

  it("pre-fills a vendor added from the catalogue", async () => {
    const { status, body } = await assessor.json<Vendor>("POST", "/api/vendors/from-catalog/openai");
    expect(status).toBe(201);
    expect(body).toMatchObject({
      name: "OpenAI",
      category: "foundation_model_provider",
      catalogSlug: "openai",
      trustPortalUrl: "https://trust.openai.com",
      status: "proposed",
    });
    expect((await assessor.json("POST", "/api/vendors/from-catalog/openai")).status).toBe(409);
    expect((await assessor.json("POST", "/api/vendors/from-catalog/no-such-vendor")).status).toBe(404);
  });
});

describe("tiering through the API", () => {
  let vendorId: string;

  it("a vendor without integrations is tier 2 with the reason", async () => {
    const v = await assessor.json<Vendor>("POST", "/api/vendors", {
      name: "Acme Health AI",
      category: "other",
    });
    expect(v.status).toBe(201);
    vendorId = v.body.id;
    const tier = await viewer.json<Tier>("GET", `/api/vendors/${vendorId}/tier`);
    expect(tier.body).toMatchObject({ tier: 2, questionCount: 25, reviewCadenceMonths: 6 });
    expect(tier.body.reasons[0]?.rule).toBe("no_integrations");
  });

  it("an internal, harmless integration makes it tier 1 (10 questions, yearly)", async () => {
    const created = await assessor.json<{ id: string }>(
      "POST",
      `/api/vendors/${vendorId}/integrations`,
      buildIntegration(),
    );
    expect(created.status).toBe(201);
    const tier = await viewer.json<Tier>("GET", `/api/vendors/${vendorId}/tier`);
    expect(tier.body).toMatchObject({
      tier: 1,
      questionCount: 10,
      reviewCadenceMonths: 12,
      continuousMonitoring: false,
      reasons: [],
    });
  });

  it("a healthcare integration sending PHI makes it tier 3, naming the integration and attribute", async () => {
    const created = await assessor.json<{ id: string }>(
      "POST",
      `/api/vendors/${vendorId}/integrations`,
      buildIntegration({
        name: "Clinical notes",
        domain: "healthcare",
        dataClasses: ["phi", "pii"],
        customerFacing: true,
      }),
    );
    expect(created.status).toBe(201);
    const tier = await viewer.json<Tier>("GET", `/api/vendors/${vendorId}/tier`);
    expect(tier.body).toMatchObject({
      tier: 3,
      questionCount: 40,
      reviewCadenceMonths: 3,
      continuousMonitoring: true,
    });
    expect(tier.body.reasons).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          integrationName: "Clinical notes",
          attribute: "dataClasses",
          value: "phi",
          tier: 3,
        }),
        expect.objectContaining({
          integrationName: "Clinical notes",
          attribute: "domain",
          value: "healthcare",
          tier: 3,
        }),
      ]),
    );
    const vendor = await viewer.json<Vendor>("GET", `/api/vendors/${vendorId}`);
    expect(vendor.body).toMatchObject({ tier: 3, computedTier: 3, integrationCount: 2 });

    // Removing the PHI integration brings the tier back down.
    expect((await assessor.request("DELETE", `/api/integrations/${created.body.id}`)).status).toBe(204);
    expect((await viewer.json<Vendor>("GET", `/api/vendors/${vendorId}`)).body).toMatchObject({
      tier: 1,
      integrationCount: 1,
    });
  });

  it("unknown values count upward", async () => {
    const list = await viewer.json<{ items: { id: string }[] }>(
      "GET",
      `/api/vendors/${vendorId}/integrations`,
    );
    const id = list.body.items[0]?.id;
    const patched = await assessor.json("PATCH", `/api/integrations/${id}`, { decisionCritical: null });
    expect(patched.status).toBe(200);
    const tier = await viewer.json<Tier>("GET", `/api/vendors/${vendorId}/tier`);
    expect(tier.body.tier).toBe(3);
    expect(tier.body.reasons[0]).toMatchObject({ attribute: "decisionCritical", value: "unknown", tier: 3 });
  });

  it("an override needs a justification, keeps the computed tier visible and is audit-logged", async () => {
    const weak = await assessor.json("PUT", `/api/vendors/${vendorId}/tier-override`, {
      tier: 1,
      justification: "trust me",
    });
    expect(weak.status).toBe(400);
    const set = await assessor.json<Tier>("PUT", `/api/vendors/${vendorId}/tier-override`, {
      tier: 2,
      justification: "Decision support only; a clinician reviews every output before use.",
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ tier: 2, computedTier: 3, override: { tier: 2 } });
    expect((await viewer.json<Vendor>("GET", `/api/vendors/${vendorId}`)).body).toMatchObject({
      tier: 2,
      computedTier: 3,
      tierOverridden: true,
    });
    const audit = await (await buildUser(t, "auditor")).client.json<{
      items: { action: string; details: Record<string, unknown> }[];
    }>("GET", `/api/audit?targetType=vendor&targetId=${vendorId}`);
    expect(audit.body.items.find((e) => e.action === "vendor.tier_override.set")?.details).toMatchObject({
      to: 2,
      computedTier: 3,
    });
    const cleared = await assessor.json<Tier>("DELETE", `/api/vendors/${vendorId}/tier-override`);
    expect(cleared.body).toMatchObject({ tier: 3, override: null });
  });

  it("moves through the status lifecycle and schedules the next review from the decision", async () => {
    expect(
      (await assessor.json("POST", `/api/vendors/${vendorId}/status`, { status: "approved" })).status,
    ).toBe(409);
    expect(
      (await assessor.json("POST", `/api/vendors/${vendorId}/status`, { status: "in_review" })).status,
    ).toBe(200);
    const approved = await assessor.json<Vendor>("POST", `/api/vendors/${vendorId}/status`, {
      status: "approved_with_conditions",
      note: "model card within 30 days",
    });
    expect(approved.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(approved.body.lastReviewedOn).toBe(today);
    const due = new Date(`${today}T00:00:00Z`);
    due.setUTCMonth(due.getUTCMonth() + 3);
    expect(approved.body.nextReviewDue.slice(0, 7)).toBe(due.toISOString().slice(0, 7));
  });
});

describe("EU AI Act class", () => {
  it("classifies each integration with the rule that fired and its obligations", async () => {
    const v = await assessor.json<Vendor>("POST", "/api/vendors", {
      name: "Hiring Bot Inc",
      category: "other",
    });
    await assessor.json(
      "POST",
      `/api/vendors/${v.body.id}/integrations`,
      buildIntegration({ name: "CV screening", domain: "employment", decisionCritical: true }),
    );
    await assessor.json(
      "POST",
      `/api/vendors/${v.body.id}/integrations`,
      buildIntegration({ name: "Support chat", customerFacing: true, aiActUseCases: ["chatbot"] }),
    );
    const res = await viewer.json<{
      items: {
        class: string;
        rules: { rule: string }[];
        obligations: { article: string; applicationDate: { date: string } }[];
      }[];
    }>("GET", `/api/vendors/${v.body.id}/ai-act`);
    expect(res.status).toBe(200);
    const [screening, chat] = res.body.items;
    expect(screening?.class).toBe("high_risk");
    expect(screening?.obligations.map((o) => o.article).join(" ")).toMatch(/26/);
    expect(chat?.class).toBe("transparency");
    expect(chat?.obligations.map((o) => o.article).join(" ")).toMatch(/50/);
    for (const o of [...(screening?.obligations ?? []), ...(chat?.obligations ?? [])])
      expect(o.applicationDate.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe("vendor list", () => {
  beforeAll(async () => {
    for (let i = 0; i < 23; i++) {
      const v = await assessor.json<Vendor>("POST", "/api/vendors", {
        name: `Listed Vendor ${String(i).padStart(2, "0")}`,
        category: i % 2 ? "vector_database" : "observability",
        owner: i % 3 ? "Platform team" : "Data team",
      });
      if (i % 4 === 0)
        await assessor.json(
          "POST",
          `/api/vendors/${v.body.id}/integrations`,
          buildIntegration({ name: "Public docs", dataClasses: ["public"] }),
        );
    }
  });

  it("pages with a cursor without losing or repeating a vendor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let total = 0;
    do {
      const page: { body: { items: Vendor[]; total: number; nextCursor: string | null } } = await viewer.json(
        "GET",
        `/api/vendors?q=listed&sort=name&limit=5${cursor ? `&cursor=${cursor}` : ""}`,
      );
      total = page.body.total;
      seen.push(...page.body.items.map((v) => v.name));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(total).toBe(23);
    expect(seen).toHaveLength(23);
    expect(new Set(seen).size).toBe(23);
    expect(seen).toEqual([...seen].sort());
  });

  it("filters by tier, category and search, and sorts descending", async () => {
    const tier1 = await viewer.json<{ items: Vendor[]; total: number }>(
      "GET",
      "/api/vendors?q=listed&tier=1",
    );
    expect(tier1.body.total).toBe(6);
    expect(tier1.body.items.every((v) => v.tier === 1)).toBe(true);
    const vector = await viewer.json<{ items: Vendor[]; total: number }>(
      "GET",
      "/api/vendors?q=listed&category=vector_database",
    );
    expect(vector.body.total).toBe(11);
    const data = await viewer.json<{ total: number }>("GET", "/api/vendors?q=data%20team");
    expect(data.body.total).toBe(8);
    const desc = await viewer.json<{ items: Vendor[] }>(
      "GET",
      "/api/vendors?q=listed&sort=name&direction=desc&limit=3",
    );
    expect(desc.body.items.map((v) => v.name)).toEqual([
      "Listed Vendor 22",
      "Listed Vendor 21",
      "Listed Vendor 20",
    ]);
    const byTier = await viewer.json<{ items: Vendor[] }>(
      "GET",
      "/api/vendors?sort=tier&direction=desc&limit=200",
    );
    const tiers = byTier.body.items.map((v) => v.tier);
    expect(tiers).toEqual([...tiers].sort((a, b) => b - a));
    expect((await viewer.json("GET", "/api/vendors?q=%25")).status).toBe(200);
  });

  it("lists each vendor exactly as GET /api/vendors/{id} shows it, also right after a change", async () => {
    const page = await viewer.json<{ items: Vendor[] }>("GET", "/api/vendors?limit=200");
    expect(page.body.items.length).toBeGreaterThan(20);
    for (const item of page.body.items) {
      expect(item).toEqual((await viewer.json<Vendor>("GET", `/api/vendors/${item.id}`)).body);
    }
    const target = page.body.items.find((v) => v.name === "Listed Vendor 05");
    await assessor.json("PATCH", `/api/vendors/${target?.id}`, { owner: "Renamed team" });
    await assessor.json("POST", `/api/vendors/${target?.id}/status`, { status: "in_review" });
    const again = await viewer.json<{ items: Vendor[] }>("GET", "/api/vendors?q=listed%20vendor%2005");
    expect(again.body.items[0]).toEqual(
      (await viewer.json<Vendor>("GET", `/api/vendors/${target?.id}`)).body,
    );
    expect(again.body.items[0]).toMatchObject({ owner: "Renamed team", status: "in_review" });
  });

  it("a broad search (walked in index order) and a narrow one find the same vendors", async () => {
    const names = async (q: string, limit: number) => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: Vendor[]; nextCursor: string | null } } = await viewer.json(
          "GET",
          `/api/vendors?q=${encodeURIComponent(q)}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        seen.push(...page.body.items.map((v) => v.name));
        cursor = page.body.nextCursor;
      } while (cursor);
      return seen;
    };
    // limit 2: 23 matches make it a broad search; limit 50: a narrow one.
    expect(await names("listed", 2)).toEqual(await names("listed", 50));
    expect(await names("listed", 2)).toHaveLength(23);
    // LIKE wildcards in the search text are literal in both plans.
    await assessor.json("POST", "/api/vendors", { name: "Percent 100% AI", category: "other" });
    expect(await names("100%", 1)).toEqual(["Percent 100% AI"]);
    expect(await names("t_d", 1)).toEqual([]);
  });

  it("rejects bad filters and cursors with 400", async () => {
    expect((await viewer.json("GET", "/api/vendors?tier=4")).status).toBe(400);
    expect((await viewer.json("GET", "/api/vendors?status=happy")).status).toBe(400);
    expect((await viewer.json("GET", "/api/vendors?sort=price")).status).toBe(400);
    expect((await viewer.json("GET", "/api/vendors?cursor=garbage")).status).toBe(400);
  });
});

describe("bad input and permissions", () => {
  it("rejects unknown fields, bad enums and duplicates", async () => {
    expect(
      (await assessor.json("POST", "/api/vendors", { name: "X", category: "other", color: "red" })).status,
    ).toBe(400);
    expect((await assessor.json("POST", "/api/vendors", { name: "X", category: "spaceship" })).status).toBe(
      400,
    );
    expect((await assessor.json("POST", "/api/vendors", { name: "", category: "other" })).status).toBe(400);
    expect(
      (await assessor.json("POST", "/api/vendors", { name: "acme health ai", category: "other" })).status,
    ).toBe(409);
    const v = await assessor.json<Vendor>("POST", "/api/vendors", {
      name: "Bad Input Co",
      category: "other",
    });
    expect(
      (
        await assessor.json(
          "POST",
          `/api/vendors/${v.body.id}/integrations`,
          buildIntegration({ dataClasses: ["gossip"] }),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await assessor.json(
          "POST",
          `/api/vendors/${v.body.id}/integrations`,
          buildIntegration({ retentionDays: -1 }),
        )
      ).status,
    ).toBe(400);
    expect((await assessor.json("PATCH", `/api/vendors/${v.body.id}`, {})).status).toBe(400);
    expect((await assessor.json("GET", "/api/vendors/00000000-0000-4000-8000-000000000000")).status).toBe(
      404,
    );
  });

  it("viewers read but do not write", async () => {
    expect((await viewer.json("POST", "/api/vendors", { name: "Nope", category: "other" })).status).toBe(403);
    expect((await viewer.json("GET", "/api/vendors")).status).toBe(200);
  });
});

describe("dashboard", () => {
  it("counts vendors by tier and status and lists the unreviewed", async () => {
    const { body } = await viewer.json<{
      vendors: number;
      byTier: Record<string, number>;
      byStatus: Record<string, number>;
      unreviewed: { name: string }[];
    }>("GET", "/api/dashboard");
    expect(body.vendors).toBe((body.byTier["1"] ?? 0) + (body.byTier["2"] ?? 0) + (body.byTier["3"] ?? 0));
    expect(body.byStatus.approved_with_conditions).toBe(1);
    expect(body.unreviewed.map((u) => u.name)).toContain("OpenAI");
  });
});
