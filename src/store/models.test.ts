import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors.ts";
import { listAuditEntries, SYSTEM_ACTOR } from "./audit-log.ts";
import { HubClient, readHubConfig } from "./connectors/hub.ts";
import {
  benignSafetensors,
  type HubStub,
  maliciousPickle,
  modelCard,
  sha256,
  startHubStub,
} from "./connectors/hub-stub.ts";
import type { Database } from "./database.ts";
import { createIntegration, createVendor, getVendor } from "./inventory.ts";
import {
  addUploadedModelFile,
  deleteModel,
  getModel,
  INTERRUPTED_MESSAGE,
  listModels,
  ModelScanQueue,
  readModelStoreConfig,
  recoverModelScans,
  registerHubModel,
  registerUploadedModel,
  requestRescan,
  scanHubModel,
} from "./models.ts";
import { findings, modelArtifacts } from "./schema.ts";
import { openTestDatabase } from "./testing.ts";
import { ensureDefaultWorkspace } from "./workspaces.ts";

const COMMIT_A = "a".repeat(40);
const COMMIT_B = "b".repeat(40);
const actor = { type: "user" as const, id: null, label: "tester@example.com" };
const uploads = { uploadLimitBytes: 1024 * 1024 };

let database: Database;
let workspaceId: string;
let stub: HubStub;
let hub: HubClient;

/** A vendor with one internal, low-risk integration: tier 1 until a model says otherwise. */
async function buildVendor(name: string): Promise<{ vendorId: string; integrationId: string }> {
  const vendor = await createVendor(database.db, workspaceId, { name, category: "model_hub" }, SYSTEM_ACTOR);
  const integration = await createIntegration(
    database.db,
    workspaceId,
    vendor.id,
    {
      name: "Ticket tagging",
      decisionCritical: false,
      domain: "general",
      dataClasses: ["internal"],
      customerFacing: false,
      trainingUse: "no",
    },
    SYSTEM_ACTOR,
  );
  return { vendorId: vendor.id, integrationId: integration.id };
}

async function* bytesOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

async function findingsOf(artifactId: string) {
  const rows = await database.db
    .select()
    .from(findings)
    .where(and(eq(findings.workspaceId, workspaceId), eq(findings.source, "model_scan")));
  return rows.filter((r) => r.dedupeKey.startsWith(`model_scan:${artifactId}:`));
}

beforeAll(async () => {
  database = await openTestDatabase();
  workspaceId = await ensureDefaultWorkspace(database.db);
  stub = await startHubStub({
    "acme/clean": {
      sha: COMMIT_A,
      files: [
        { path: "README.md", bytes: modelCard() },
        { path: "model.safetensors", bytes: benignSafetensors(), lfs: true },
        { path: "config.json", bytes: new TextEncoder().encode('{"model_type":"bert"}') },
      ],
    },
    "acme/trojan": {
      sha: COMMIT_B,
      files: [
        { path: "README.md", bytes: modelCard() },
        { path: "pytorch_model.bin", bytes: maliciousPickle(), lfs: true },
        { path: "model.safetensors", bytes: benignSafetensors(), lfs: true, listedSha256: "f".repeat(64) },
      ],
    },
  });
  hub = new HubClient(readHubConfig({ ASSAY_HF_ENDPOINT: stub.url }));
});
afterAll(async () => {
  await stub.close();
  await database.close();
});

describe("readModelStoreConfig", () => {
  it("defaults the upload limit to 20 GiB and refuses nonsense", () => {
    expect(readModelStoreConfig({}).uploadLimitBytes).toBe(20 * 1024 ** 3);
    expect(readModelStoreConfig({ ASSAY_MODEL_UPLOAD_LIMIT_BYTES: "1000" }).uploadLimitBytes).toBe(1000);
    expect(() => readModelStoreConfig({ ASSAY_MODEL_UPLOAD_LIMIT_BYTES: "lots" })).toThrow(/positive whole/);
  });
});

describe("Hub models", () => {
  it("pins the revision, scans a clean model and raises nothing", async () => {
    const { vendorId } = await buildVendor("Clean Hub");
    const registered = await registerHubModel(
      database.db,
      workspaceId,
      { vendorId, repo: "acme/clean", revision: "main" },
      actor,
      hub,
    );
    expect(registered).toMatchObject({
      status: "pending",
      hubRevision: COMMIT_A,
      name: "acme/clean",
      source: "hub",
    });
    await scanHubModel(database.db, workspaceId, registered.id, hub);
    const model = await getModel(database.db, workspaceId, registered.id);
    expect(model.status).toBe("done");
    expect(model.verdict).toBe("safe");
    expect(model.files.map((f) => f.path).sort()).toEqual(["README.md", "config.json", "model.safetensors"]);
    const weights = model.files.find((f) => f.path === "model.safetensors");
    expect(weights).toMatchObject({
      format: "safetensors",
      verdict: "safe",
      sha256: sha256(benignSafetensors()),
    });
    expect(weights?.integrity).toMatchObject({ algorithm: "sha256", ok: true });
    expect(model.files.find((f) => f.path === "config.json")?.integrity).toMatchObject({
      algorithm: "git-blob-sha1",
      ok: true,
    });
    expect(model.integrity).toMatchObject({ ok: true, checked: 3, mismatched: [] });
    expect(model.modelCard?.cardPresent).toBe(true);
    expect(model.modelCard?.noDocumentationRedFlag).toBe(false);
    expect(model.bytesScanned).toBe(model.files.reduce((a, f) => a + f.size, 0));
    expect(model.findings).toEqual([]);
    expect((await getVendor(database.db, workspaceId, vendorId)).tier).toBe(1);
  });

  it("raises critical and integrity findings for a trojaned model and puts the vendor in tier 3", async () => {
    const { vendorId, integrationId } = await buildVendor("Trojan Hub");
    const registered = await registerHubModel(
      database.db,
      workspaceId,
      { vendorId, integrationId, repo: "acme/trojan", name: "Support tagger" },
      actor,
      hub,
    );
    await scanHubModel(database.db, workspaceId, registered.id, hub);
    const model = await getModel(database.db, workspaceId, registered.id);
    expect(model.verdict).toBe("dangerous");
    expect(model.integrationName).toBe("Ticket tagging");
    const pickle = model.files.find((f) => f.path === "pytorch_model.bin");
    expect(pickle?.verdict).toBe("dangerous");
    expect(
      pickle?.findings.some((f) => f.module === "os" && f.name === "system" && f.offset !== undefined),
    ).toBe(true);
    expect(model.integrity?.ok).toBe(false);
    expect(model.integrity?.mismatched.map((m) => m.path)).toEqual(["model.safetensors"]);

    const rows = await findingsOf(registered.id);
    const dangerous = rows.find((r) => r.rule === "model_file_dangerous");
    expect(dangerous).toMatchObject({ severity: "critical", status: "open", vendorId });
    expect(dangerous?.title).toContain("pytorch_model.bin");
    expect(dangerous?.title).toContain("os.system");
    expect(dangerous?.evidence).toMatchObject({
      artifactId: registered.id,
      path: "pytorch_model.bin",
      sha256: sha256(maliciousPickle()),
    });
    const integrity = rows.find((r) => r.rule === "model_integrity_mismatch");
    expect(integrity).toMatchObject({ severity: "high", status: "open" });
    // The safetensors file is clean in content: its only finding is the hash mismatch.
    expect(
      rows.filter((r) => (r.evidence as { path?: string }).path === "model.safetensors").map((r) => r.rule),
    ).toEqual(["model_integrity_mismatch"]);

    const vendor = await getVendor(database.db, workspaceId, vendorId);
    expect(vendor.tier).toBe(3);
    const audit = await listAuditEntries(database.db, {
      workspaceId,
      limit: 50,
      targetType: "model_artifact",
      targetId: registered.id,
    });
    expect(audit.items.some((e) => e.action === "model.scan" && e.targetId === registered.id)).toBe(true);

    // A second scan of an artifact nobody asked to rescan does nothing.
    const before = await getModel(database.db, workspaceId, registered.id);
    await scanHubModel(database.db, workspaceId, registered.id, hub);
    expect((await getModel(database.db, workspaceId, registered.id)).scannedAt).toBe(before.scannedAt);

    // A rerun updates the same findings instead of adding copies.
    await requestRescan(database.db, workspaceId, registered.id, actor);
    await scanHubModel(database.db, workspaceId, registered.id, hub);
    expect((await findingsOf(registered.id)).length).toBe(rows.length);

    // The maintainers replace the file and fix the listing: a rescan resolves everything.
    const repo = stub.repos.get("acme/trojan");
    if (!repo) throw new Error("stub repo missing");
    repo.files = [
      { path: "README.md", bytes: modelCard() },
      { path: "model.safetensors", bytes: benignSafetensors(), lfs: true },
    ];
    await requestRescan(database.db, workspaceId, registered.id, actor);
    await scanHubModel(database.db, workspaceId, registered.id, hub);
    const after = await getModel(database.db, workspaceId, registered.id);
    expect(after.verdict).toBe("safe");
    expect(after.findings.length).toBe(rows.length);
    expect(after.findings.every((f) => f.status === "resolved")).toBe(true);
    expect((await getVendor(database.db, workspaceId, vendorId)).tier).toBe(1);
  });

  it("flags a model without a card with the model-card red flag", async () => {
    stub.repos.set("acme/undocumented", {
      sha: COMMIT_A,
      files: [{ path: "model.safetensors", bytes: benignSafetensors(), lfs: true }],
    });
    const { vendorId } = await buildVendor("Undocumented Hub");
    const m = await registerHubModel(
      database.db,
      workspaceId,
      { vendorId, repo: "acme/undocumented" },
      actor,
      hub,
    );
    await scanHubModel(database.db, workspaceId, m.id, hub);
    const model = await getModel(database.db, workspaceId, m.id);
    expect(model.modelCard?.cardPresent).toBe(false);
    expect(model.findings.map((f) => [f.rule, f.severity])).toEqual([["model_card_missing", "high"]]);
    expect(model.verdict).toBe("safe");
  });

  it("refuses an unknown repository, a path trick and another vendor's integration at registration", async () => {
    const { vendorId } = await buildVendor("Refusals");
    const other = await buildVendor("Other vendor");
    const code = async (p: Promise<unknown>) =>
      p.then(() => "ok").catch((e: unknown) => (isAppError(e) ? e.code : "?"));
    expect(
      await code(registerHubModel(database.db, workspaceId, { vendorId, repo: "acme/none" }, actor, hub)),
    ).toBe("HUB_REPO_NOT_FOUND");
    expect(
      await code(registerHubModel(database.db, workspaceId, { vendorId, repo: "../etc" }, actor, hub)),
    ).toBe("VALIDATION_FAILED");
    expect(
      await code(
        registerHubModel(
          database.db,
          workspaceId,
          { vendorId, repo: "acme/clean", integrationId: other.integrationId },
          actor,
          hub,
        ),
      ),
    ).toBe("VALIDATION_FAILED");
    expect(
      await code(
        registerHubModel(
          database.db,
          workspaceId,
          { vendorId: crypto.randomUUID(), repo: "acme/clean" },
          actor,
          hub,
        ),
      ),
    ).toBe("VENDOR_NOT_FOUND");
  });

  it("stores a failure with its reason when the Hub goes away mid-way", async () => {
    const { vendorId } = await buildVendor("Vanishing Hub");
    stub.repos.set("acme/vanishing", {
      sha: COMMIT_A,
      files: [{ path: "a.bin", bytes: new Uint8Array([1]) }],
    });
    const m = await registerHubModel(
      database.db,
      workspaceId,
      { vendorId, repo: "acme/vanishing" },
      actor,
      hub,
    );
    stub.repos.delete("acme/vanishing");
    await scanHubModel(database.db, workspaceId, m.id, hub);
    const model = await getModel(database.db, workspaceId, m.id);
    expect(model.status).toBe("failed");
    expect(model.error).toMatch(/Hub has no file listing/);
  });
});

describe("the scan queue", () => {
  it("runs queued scans one after another in the background", async () => {
    const { vendorId } = await buildVendor("Queued");
    const queue = new ModelScanQueue({ db: database.db, hub });
    const a = await registerHubModel(database.db, workspaceId, { vendorId, repo: "acme/clean" }, actor, hub);
    const b = await registerHubModel(database.db, workspaceId, { vendorId, repo: "acme/trojan" }, actor, hub);
    queue.enqueue(workspaceId, a.id);
    queue.enqueue(workspaceId, b.id);
    await queue.idle();
    expect((await getModel(database.db, workspaceId, a.id)).status).toBe("done");
    expect((await getModel(database.db, workspaceId, b.id)).status).toBe("done");
    await queue.close();
  });

  it("marks a scan left running by a stopped server as interrupted and requeues pending ones", async () => {
    const { vendorId } = await buildVendor("Restarted");
    const running = await registerHubModel(
      database.db,
      workspaceId,
      { vendorId, repo: "acme/clean" },
      actor,
      hub,
    );
    const waiting = await registerHubModel(
      database.db,
      workspaceId,
      { vendorId, repo: "acme/clean" },
      actor,
      hub,
    );
    await database.db
      .update(modelArtifacts)
      .set({ status: "scanning" })
      .where(eq(modelArtifacts.id, running.id));
    const requeue = await recoverModelScans(database.db);
    expect(requeue.map((r) => r.id)).toContain(waiting.id);
    expect(requeue.map((r) => r.id)).not.toContain(running.id);
    const stopped = await getModel(database.db, workspaceId, running.id);
    expect(stopped).toMatchObject({ status: "failed", error: INTERRUPTED_MESSAGE });
    // The failed scan can be asked for again.
    expect((await requestRescan(database.db, workspaceId, running.id, actor)).status).toBe("pending");
    await expect(requestRescan(database.db, workspaceId, running.id, actor)).rejects.toThrow(
      /already being scanned/,
    );
  });
});

describe("uploaded models", () => {
  it("scans files as they stream in, adds more by path and replaces a file uploaded again", async () => {
    const { vendorId } = await buildVendor("Uploads");
    const first = await registerUploadedModel(
      database.db,
      workspaceId,
      { vendorId, name: "Local classifier" },
      {
        path: "classifier.pkl",
        body: bytesOf(maliciousPickle().subarray(0, 5), maliciousPickle().subarray(5)),
      },
      actor,
      uploads,
    );
    expect(first).toMatchObject({
      source: "upload",
      status: "done",
      verdict: "dangerous",
      name: "Local classifier",
    });
    expect(first.files[0]).toMatchObject({
      path: "classifier.pkl",
      format: "pickle",
      sha256: sha256(maliciousPickle()),
    });
    expect((await getVendor(database.db, workspaceId, vendorId)).tier).toBe(3);
    // No README yet: the card red flag is open beside the dangerous file.
    expect(first.findings.map((f) => f.rule).sort()).toEqual(["model_card_missing", "model_file_dangerous"]);

    const withCard = await addUploadedModelFile(
      database.db,
      workspaceId,
      first.id,
      { path: "README.md", body: bytesOf(modelCard()) },
      actor,
      uploads,
    );
    expect(withCard.modelCard?.cardPresent).toBe(true);
    expect(withCard.findings.find((f) => f.rule === "model_card_missing")?.status).toBe("resolved");

    const replaced = await addUploadedModelFile(
      database.db,
      workspaceId,
      first.id,
      { path: "classifier.pkl", body: bytesOf(benignSafetensors()), sha256: sha256(benignSafetensors()) },
      actor,
      uploads,
    );
    expect(replaced.files.map((f) => f.path)).toEqual(["README.md", "classifier.pkl"]);
    expect(replaced.verdict).toBe("safe");
    expect(replaced.integrity).toMatchObject({ ok: true, checked: 1 });
    expect(replaced.findings.every((f) => f.status === "resolved")).toBe(true);
    expect((await getVendor(database.db, workspaceId, vendorId)).tier).toBe(1);

    await expect(requestRescan(database.db, workspaceId, first.id, actor)).rejects.toThrow(
      /upload the file again/,
    );
  });

  it("refuses a file over the limit while it streams and leaves the model as it was", async () => {
    const { vendorId } = await buildVendor("Big uploads");
    const m = await registerUploadedModel(
      database.db,
      workspaceId,
      { vendorId },
      { path: "ok.safetensors", body: bytesOf(benignSafetensors()) },
      actor,
      uploads,
    );
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(64 * 1024);
      }
    }
    await expect(
      addUploadedModelFile(
        database.db,
        workspaceId,
        m.id,
        { path: "big.bin", body: endless() },
        actor,
        uploads,
      ),
    ).rejects.toSatisfy((e: unknown) => isAppError(e, "PAYLOAD_TOO_LARGE"));
    expect(pulled).toBeLessThanOrEqual(17);
    const after = await getModel(database.db, workspaceId, m.id);
    expect(after.files.map((f) => f.path)).toEqual(["ok.safetensors"]);
    expect(after.status).toBe("done");
  });

  it("keeps no empty model when the first file is refused", async () => {
    const { vendorId } = await buildVendor("First file too big");
    await expect(
      registerUploadedModel(
        database.db,
        workspaceId,
        { vendorId },
        { path: "big.bin", body: bytesOf(new Uint8Array(uploads.uploadLimitBytes + 1)) },
        actor,
        uploads,
      ),
    ).rejects.toSatisfy((e: unknown) => isAppError(e, "PAYLOAD_TOO_LARGE"));
    expect((await listModels(database.db, workspaceId, { vendorId, limit: 10 })).total).toBe(0);
  });

  it("refuses paths that climb out and a malformed expected hash", async () => {
    const { vendorId } = await buildVendor("Path tricks");
    await expect(
      registerUploadedModel(
        database.db,
        workspaceId,
        { vendorId },
        { path: "../x.bin", body: bytesOf() },
        actor,
        uploads,
      ),
    ).rejects.toThrow(/not a relative file path/);
    await expect(
      registerUploadedModel(
        database.db,
        workspaceId,
        { vendorId },
        { path: "x.bin", body: bytesOf(new Uint8Array([1])), sha256: "abc" },
        actor,
        uploads,
      ),
    ).rejects.toThrow(/64 hexadecimal/);
  });
});

describe("listing and deleting", () => {
  it("lists newest first by vendor with a cursor, and deleting resolves findings and lowers the tier", async () => {
    const { vendorId } = await buildVendor("Listed");
    const ids: string[] = [];
    for (const path of ["a.pkl", "b.pkl", "c.pkl"]) {
      const m = await registerUploadedModel(
        database.db,
        workspaceId,
        { vendorId, name: path },
        { path, body: bytesOf(maliciousPickle()) },
        actor,
        uploads,
      );
      ids.push(m.id);
    }
    const page1 = await listModels(database.db, workspaceId, { vendorId, limit: 2 });
    expect(page1.total).toBe(3);
    expect(page1.items.map((i) => i.name)).toEqual(["c.pkl", "b.pkl"]);
    expect(page1.items[0]?.counts.dangerous).toBe(1);
    const page2 = await listModels(database.db, workspaceId, {
      vendorId,
      limit: 2,
      cursor: page1.nextCursor ?? "",
    });
    expect(page2.items.map((i) => i.name)).toEqual(["a.pkl"]);
    expect(page2.nextCursor).toBeNull();
    await expect(listModels(database.db, workspaceId, { limit: 2, cursor: "bogus" })).rejects.toThrow(
      /cursor/,
    );

    expect((await getVendor(database.db, workspaceId, vendorId)).tier).toBe(3);
    for (const id of ids) await deleteModel(database.db, workspaceId, id, actor);
    expect((await getVendor(database.db, workspaceId, vendorId)).tier).toBe(1);
    for (const id of ids) {
      expect((await findingsOf(id)).every((f) => f.status === "resolved")).toBe(true);
    }
    await expect(getModel(database.db, workspaceId, ids[0] ?? "")).rejects.toSatisfy((e: unknown) =>
      isAppError(e, "MODEL_NOT_FOUND"),
    );
  });
});
