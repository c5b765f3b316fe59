import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalLinks } from "../../src/store/schema.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let assessor: Client;

type Portal = {
  vendorName: string;
  status: string;
  questions: { id: string }[];
  answers: Record<string, unknown>;
};

async function sentAssessment(name: string) {
  const vendor = await assessor.json<{ id: string }>("POST", "/api/vendors", {
    name,
    category: "cloud_ai_platform",
  });
  expect(vendor.status).toBe(201);
  const created = await assessor.json<{ id: string }>("POST", "/api/assessments", {
    vendorId: vendor.body.id,
  });
  expect(created.status).toBe(201);
  const sent = await assessor.json<{ portalUrl: string }>("POST", `/api/assessments/${created.body.id}/send`);
  expect(sent.status).toBe(200);
  return { id: created.body.id, token: sent.body.portalUrl.split("/portal/")[1] ?? "" };
}

const get = (token: string) => fetch(`${t.url}/api/portal/${token}`);
const put = (token: string, answers: unknown) =>
  fetch(`${t.url}/api/portal/${token}/answers`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ answers }),
  });
const submit = (token: string) => fetch(`${t.url}/api/portal/${token}/submit`, { method: "POST" });

/** A refused portal request: the status, the code, and nothing of the questionnaire in the body. */
async function expectRefused(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const text = await res.text();
  expect(JSON.parse(text).code).toBe(code);
  for (const leak of ["vendorName", "questions", "answers", "Acme", "Globex"])
    expect(text).not.toContain(leak);
}

let a: { id: string; token: string };
let b: { id: string; token: string };

beforeAll(async () => {
  t = await startTestServer();
  await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  a = await sentAssessment("Acme Models");
  b = await sentAssessment("Globex Vectors");
});
afterAll(async () => t.close());

describe("portal isolation", () => {
  it("a token opens its own questionnaire and nothing else", async () => {
    const resA = await get(a.token);
    expect(resA.status).toBe(200);
    const bodyA = (await resA.json()) as Portal;
    expect(bodyA.vendorName).toBe("Acme Models");
    // The respondent sees what to answer, not how answers are judged.
    const q10 = JSON.stringify(bodyA.questions.find((q) => q.id === "q10"));
    expect(q10).toContain("answerType");
    for (const hidden of ["redFlags", "checks", "minWords", "dimension", "references"])
      expect(q10).not.toContain(hidden);
    expect(JSON.stringify(bodyA)).not.toContain("Globex");

    expect((await put(a.token, { q01: { value: "none" } })).status).toBe(200);
    const bodyB = (await (await get(b.token)).json()) as Portal;
    expect(bodyB.vendorName).toBe("Globex Vectors");
    expect(bodyB.answers).toEqual({});
    expect(bodyB.status).toBe("sent");
  });

  it("a portal token is not an API credential", async () => {
    for (const path of ["/api/assessments", `/api/assessments/${b.id}`, `/api/assessments/${a.id}`]) {
      const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${a.token}` } });
      expect(res.status).toBe(401);
    }
    expect((await fetch(`${t.url}/api/portal/${b.id}`)).status).toBe(401);
  });

  it("an unknown or altered token gets 401 PORTAL_LINK_INVALID and no data", async () => {
    await expectRefused(await get("assay_portal_nope"), 401, "PORTAL_LINK_INVALID");
    const altered = `${a.token.slice(0, -1)}${a.token.endsWith("A") ? "B" : "A"}`;
    await expectRefused(await get(altered), 401, "PORTAL_LINK_INVALID");
    await expectRefused(await put(altered, { q01: { value: "none" } }), 401, "PORTAL_LINK_INVALID");
    await expectRefused(await submit("something-else"), 401, "PORTAL_LINK_INVALID");
  });

  it("an expired link gets 410 PORTAL_LINK_EXPIRED for reading, writing and submitting", async () => {
    const c = await sentAssessment("Initech Labeling");
    expect((await get(c.token)).status).toBe(200);
    const [link] = await t.server.services.db
      .select()
      .from(portalLinks)
      .where(eq(portalLinks.assessmentId, c.id));
    expect(link?.expiresAt.getTime()).toBeGreaterThan(Date.now() + 14 * 86_400_000);
    await t.server.services.db
      .update(portalLinks)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(portalLinks.assessmentId, c.id));
    await expectRefused(await get(c.token), 410, "PORTAL_LINK_EXPIRED");
    await expectRefused(await put(c.token, { q01: { value: "none" } }), 410, "PORTAL_LINK_EXPIRED");
    await expectRefused(await submit(c.token), 410, "PORTAL_LINK_EXPIRED");
  });

  it("a revoked link gets 410 PORTAL_LINK_REVOKED", async () => {
    const d = await sentAssessment("Umbrella Hub");
    expect((await assessor.json("POST", `/api/assessments/${d.id}/portal-link/revoke`)).status).toBe(200);
    await expectRefused(await get(d.token), 410, "PORTAL_LINK_REVOKED");
    await expectRefused(await put(d.token, { q01: { value: "none" } }), 410, "PORTAL_LINK_REVOKED");
  });
});

describe("portal answering", () => {
  it("saves drafts, submits once, and refuses answers after submitting with 409", async () => {
    const e = await sentAssessment("Hooli Observability");
    const first = await put(e.token, { q01: { value: "type1_only" } });
    expect(((await first.json()) as Portal).status).toBe("in_progress");
    const second = await put(e.token, {
      q05: { value: 72, comment: "business hours", evidence: ["doc-42"] },
    });
    const merged = (await second.json()) as Portal;
    expect(merged.answers).toEqual({
      q01: { value: "type1_only" },
      q05: { value: 72, comment: "business hours", evidence: ["doc-42"] },
    });
    const cleared = (await (await put(e.token, { q01: { value: null } })).json()) as Portal;
    expect(Object.keys(cleared.answers)).toEqual(["q05"]);

    expect((await submit(e.token)).status).toBe(200);
    const late = await put(e.token, { q01: { value: "none" } });
    expect(late.status).toBe(409);
    expect(((await late.json()) as { code: string }).code).toBe("ASSESSMENT_STATE_INVALID");
    expect((await submit(e.token)).status).toBe(409);
    const view = (await (await get(e.token)).json()) as Portal;
    expect(view.status).toBe("under_review");
  });

  it("keeps both of two drafts saved at the same moment", async () => {
    const g = await sentAssessment("Soylent Embeddings");
    const results = await Promise.all([
      put(g.token, { q01: { value: "none" } }),
      put(g.token, { q05: { value: 24 } }),
      put(g.token, { q03: { value: "no" } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const view = (await (await get(g.token)).json()) as Portal;
    expect(Object.keys(view.answers).sort()).toEqual(["q01", "q03", "q05"]);
  });

  it("keeps the token out of the request log", async () => {
    const f = await sentAssessment("Pied Piper Compression");
    await get(f.token);
    await put(f.token, { q01: { value: "none" } });
    await get("assay_portal_unknown-token-value");
    const logged = t.logs.join("\n");
    expect(logged).toContain("/api/portal/");
    expect(logged).not.toContain(f.token);
    expect(logged).not.toContain("unknown-token-value");
  });
});
