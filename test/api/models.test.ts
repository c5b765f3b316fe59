import { request } from "node:http";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  benignSafetensors,
  type HubStub,
  maliciousPickle,
  modelCard,
  sha256,
  startHubStub,
} from "../../src/store/connectors/hub-stub.ts";
import { findings } from "../../src/store/schema.ts";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

const COMMIT = "c".repeat(40);
const UPLOAD_LIMIT = 256 * 1024;

interface Model {
  id: string;
  vendorId: string;
  status: string;
  verdict: string | null;
  hubRevision: string | null;
  error: string | null;
  files: { path: string; verdict: string; format: string; findings: { module?: string; name?: string }[] }[];
  findings: { rule: string; severity: string; status: string; path: string | null }[];
  modelCard: { cardPresent: boolean } | null;
  integrity: { ok: boolean } | null;
  code?: string;
}

let t: TestServer;
let stub: HubStub;
let assessor: Client;
let viewer: Client;
let auditor: Client;
const saved = { endpoint: process.env.ASSAY_HF_ENDPOINT, limit: process.env.ASSAY_MODEL_UPLOAD_LIMIT_BYTES };

async function buildVendor(name: string): Promise<string> {
  const vendor = await assessor.json<{ id: string }>("POST", "/api/vendors", { name, category: "model_hub" });
  await assessor.json("POST", `/api/vendors/${vendor.body.id}/integrations`, {
    name: "Ticket tagging",
    decisionCritical: false,
    domain: "general",
    dataClasses: ["internal"],
    customerFacing: false,
    trainingUse: "no",
  });
  return vendor.body.id;
}

async function tierOf(vendorId: string): Promise<number> {
  return (await assessor.json<{ tier: number }>("GET", `/api/vendors/${vendorId}`)).body.tier;
}

/** Polls the model until its scan has finished (done or failed). */
async function settled(id: string): Promise<Model> {
  const until = Date.now() + 20_000;
  for (;;) {
    const { body } = await assessor.json<Model>("GET", `/api/models/${id}`);
    if (body.status === "done" || body.status === "failed") return body;
    if (Date.now() > until) throw new Error(`scan of ${id} still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function upload(
  client: Client,
  path: string,
  bytes: Uint8Array | ReadableStream<Uint8Array>,
  query: Record<string, string>,
): Promise<{ status: number; body: Model }> {
  const res = await fetch(`${t.url}${path}?${new URLSearchParams(query)}`, {
    method: "POST",
    headers: { authorization: `Bearer ${client.bearer}`, "content-type": "application/octet-stream" },
    body: bytes,
    ...(bytes instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return { status: res.status, body: (await res.json()) as Model };
}

beforeAll(async () => {
  stub = await startHubStub({
    "acme/trojan": {
      sha: COMMIT,
      files: [
        { path: "README.md", bytes: modelCard() },
        { path: "pytorch_model.bin", bytes: maliciousPickle(), lfs: true },
        { path: "model.safetensors", bytes: benignSafetensors(), lfs: true },
      ],
    },
  });
  process.env.ASSAY_HF_ENDPOINT = stub.url;
  process.env.ASSAY_MODEL_UPLOAD_LIMIT_BYTES = String(UPLOAD_LIMIT);
  t = await startTestServer();
  await setupAdmin(t);
  assessor = (await buildUser(t, "assessor")).client;
  viewer = (await buildUser(t, "viewer")).client;
  auditor = (await buildUser(t, "auditor")).client;
});
afterAll(async () => {
  for (const [name, value] of [
    ["ASSAY_HF_ENDPOINT", saved.endpoint],
    ["ASSAY_MODEL_UPLOAD_LIMIT_BYTES", saved.limit],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await t.close();
  await stub.close();
});

describe("Hub models over the API", () => {
  it("registers, scans in the background, raises the finding, lifts the tier, and a clean rescan resolves it", async () => {
    const vendorId = await buildVendor("Trojan Hub Inc");
    expect(await tierOf(vendorId)).toBe(1);
    const registered = await assessor.json<Model>("POST", "/api/models/hub", {
      vendorId,
      repo: "acme/trojan",
      revision: "main",
    });
    expect(registered.status).toBe(202);
    expect(registered.body.hubRevision).toBe(COMMIT);

    const model = await settled(registered.body.id);
    expect(model.status).toBe("done");
    expect(model.verdict).toBe("dangerous");
    const bad = model.files.find((f) => f.path === "pytorch_model.bin");
    expect(bad?.findings.some((f) => f.module === "os" && f.name === "system")).toBe(true);
    expect(model.findings).toContainEqual(
      expect.objectContaining({
        rule: "model_file_dangerous",
        severity: "critical",
        status: "open",
        path: "pytorch_model.bin",
      }),
    );
    const { db, workspaceId } = t.server.services;
    const rows = await db
      .select()
      .from(findings)
      .where(
        and(
          eq(findings.workspaceId, workspaceId),
          eq(findings.vendorId, vendorId),
          eq(findings.source, "model_scan"),
        ),
      );
    expect(rows.map((r) => [r.rule, r.status])).toEqual([["model_file_dangerous", "open"]]);
    expect(await tierOf(vendorId)).toBe(3);
    const tier = await assessor.json<{ reasons: { rule: string; value: string }[] }>(
      "GET",
      `/api/vendors/${vendorId}/tier`,
    );
    expect(tier.status).toBe(200);
    expect(tier.body.reasons[0]).toMatchObject({ rule: "dangerous_model_file", value: "acme/trojan" });
    expect(tier.body.reasons[0]).toMatchObject({ rule: "dangerous_model_file", value: "acme/trojan" });

    const listed = await viewer.json<{ items: Model[]; total: number }>(
      "GET",
      `/api/models?vendorId=${vendorId}`,
    );
    expect(listed.body.total).toBe(1);
    expect(listed.body.items[0]?.verdict).toBe("dangerous");

    const repo = stub.repos.get("acme/trojan");
    if (!repo) throw new Error("stub repo missing");
    repo.files = repo.files.filter((f) => f.path !== "pytorch_model.bin");
    const rescan = await assessor.json<Model>("POST", `/api/models/${registered.body.id}/rescan`);
    expect(rescan.status).toBe(202);
    const clean = await settled(registered.body.id);
    expect(clean.verdict).toBe("safe");
    expect(clean.findings.every((f) => f.status === "resolved")).toBe(true);
    expect(await tierOf(vendorId)).toBe(1);
  });

  it("refuses uploads into a Hub model and a second rescan while one is queued", async () => {
    const vendorId = await buildVendor("Hub Files Co");
    const registered = await assessor.json<Model>("POST", "/api/models/hub", {
      vendorId,
      repo: "acme/trojan",
    });
    await settled(registered.body.id);
    const added = await upload(assessor, `/api/models/${registered.body.id}/files`, benignSafetensors(), {
      path: "extra.safetensors",
    });
    expect(added.status).toBe(409);
    expect(added.body.code).toBe("CONFLICT");
    const first = await assessor.json<Model>("POST", `/api/models/${registered.body.id}/rescan`);
    const second = await assessor.json<Model>("POST", `/api/models/${registered.body.id}/rescan`);
    expect(first.status).toBe(202);
    // The first may already have finished on a fast machine; otherwise the second is refused.
    expect([202, 409]).toContain(second.status);
    expect((await settled(registered.body.id)).status).toBe("done");
  });

  it("answers 404 for a repository the Hub does not have and 400 for a path trick", async () => {
    const vendorId = await buildVendor("Missing Hub Co");
    const missing = await assessor.json<Model>("POST", "/api/models/hub", { vendorId, repo: "acme/none" });
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe("HUB_REPO_NOT_FOUND");
    const tricky = await assessor.json<Model>("POST", "/api/models/hub", {
      vendorId,
      repo: "../../etc/passwd",
    });
    expect(tricky.status).toBe(400);
  });
});

describe("uploaded models over the API", () => {
  it("scans an upload while it streams, adds a card, and refuses a rescan", async () => {
    const vendorId = await buildVendor("Upload Labs");
    const first = await upload(assessor, "/api/models/upload", maliciousPickle(), {
      vendorId,
      name: "Churn model",
      path: "model.pkl",
    });
    expect(first.status).toBe(201);
    expect(first.body.verdict).toBe("dangerous");
    expect(first.body.files[0]?.format).toBe("pickle");
    expect(await tierOf(vendorId)).toBe(3);

    const chunks = [modelCard().subarray(0, 100), modelCard().subarray(100)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const card = await upload(assessor, `/api/models/${first.body.id}/files`, stream, { path: "README.md" });
    expect(card.status).toBe(200);
    expect(card.body.modelCard?.cardPresent).toBe(true);

    const replaced = await upload(assessor, `/api/models/${first.body.id}/files`, benignSafetensors(), {
      path: "model.pkl",
      sha256: sha256(benignSafetensors()),
    });
    expect(replaced.body.verdict).toBe("safe");
    expect(replaced.body.integrity?.ok).toBe(true);
    expect(await tierOf(vendorId)).toBe(1);

    const rescan = await assessor.json<Model>("POST", `/api/models/${first.body.id}/rescan`);
    expect(rescan.status).toBe(409);
  });

  it("refuses a body over ASSAY_MODEL_UPLOAD_LIMIT_BYTES, declared or streamed", async () => {
    const vendorId = await buildVendor("Big Files Ltd");
    const declared = await upload(assessor, "/api/models/upload", new Uint8Array(UPLOAD_LIMIT + 1), {
      vendorId,
      path: "big.bin",
    });
    expect(declared.status).toBe(413);
    // Chunked, with no declared length: refused by the scan's own count. A connection of its own,
    // since the server stops reading the body and closes it.
    const streamed = await new Promise<{ status: number; body: Model }>((resolve, reject) => {
      const req = request(
        `${t.url}/api/models/upload?${new URLSearchParams({ vendorId, path: "big.bin" })}`,
        {
          method: "POST",
          agent: false,
          headers: { authorization: `Bearer ${assessor.bearer}`, "content-type": "application/octet-stream" },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on("data", (d: Buffer) => parts.push(d));
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(parts).toString()) as Model,
            }),
          );
        },
      );
      req.on("error", reject);
      let sent = 0;
      const pump = () => {
        while (sent <= UPLOAD_LIMIT * 8) {
          sent += 64 * 1024;
          if (!req.write(new Uint8Array(64 * 1024))) {
            req.once("drain", pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(streamed.body.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("access", () => {
  it("lets viewers and auditors read but not register, upload, rescan or delete", async () => {
    const vendorId = await buildVendor("Access Corp");
    const made = await upload(assessor, "/api/models/upload", benignSafetensors(), {
      vendorId,
      path: "w.safetensors",
    });
    expect(made.status).toBe(201);
    const id = made.body.id;
    for (const client of [viewer, auditor]) {
      expect((await client.json("GET", `/api/models/${id}`)).status).toBe(200);
      expect((await client.json("POST", "/api/models/hub", { vendorId, repo: "acme/trojan" })).status).toBe(
        403,
      );
      expect(
        (await upload(client, "/api/models/upload", benignSafetensors(), { vendorId, path: "x" })).status,
      ).toBe(403);
      expect((await client.json("POST", `/api/models/${id}/rescan`)).status).toBe(403);
      expect((await client.json("DELETE", `/api/models/${id}`)).status).toBe(403);
    }
    const anonymous = await fetch(`${t.url}/api/models`);
    expect(anonymous.status).toBe(401);
    expect((await assessor.json("DELETE", `/api/models/${id}`)).status).toBe(204);
    expect((await assessor.json<Model>("GET", `/api/models/${id}`)).body.code).toBe("MODEL_NOT_FOUND");
  });
});
