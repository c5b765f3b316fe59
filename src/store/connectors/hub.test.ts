import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import {
  HubClient,
  type HubConfig,
  isSafeRepoPath,
  nextLink,
  parseHubListingPage,
  readHubConfig,
  validateHubRepo,
  validateHubRevision,
} from "./hub.ts";
import {
  benignSafetensors,
  type HubStub,
  maliciousPickle,
  modelCard,
  sha256,
  startHubStub,
} from "./hub-stub.ts";

const COMMIT = "0123456789abcdef0123456789abcdef01234567";
let stub: HubStub;

function client(overrides: Partial<HubConfig> = {}): HubClient {
  return new HubClient({ ...readHubConfig({ ASSAY_HF_ENDPOINT: stub.url }), ...overrides });
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    return isAppError(error) ? error.code : `not an AppError: ${String(error)}`;
  }
  return "no error";
}

beforeAll(async () => {
  stub = await startHubStub({
    "acme/sentiment": {
      sha: COMMIT,
      files: [
        { path: "README.md", bytes: modelCard() },
        { path: "model.safetensors", bytes: benignSafetensors(), lfs: true },
        { path: "weights/pytorch_model.bin", bytes: maliciousPickle(), lfs: true },
        { path: "config.json", bytes: new TextEncoder().encode('{"model_type":"bert"}') },
      ],
    },
    "acme/evil-path": { sha: COMMIT, files: [{ path: "../escape.bin", bytes: new Uint8Array([1]) }] },
  });
});
afterAll(async () => {
  await stub.close();
});

describe("repository and revision checks", () => {
  it.each(["acme/sentiment", "gpt2", "Org-1/model.v2_final"])("accepts %s", (repo) => {
    expect(validateHubRepo(repo)).toBe(repo);
  });
  it.each([
    "",
    "../etc",
    "acme/../x",
    "a/b/c",
    "/acme/x",
    "acme/x/",
    "acme/-x",
    "acme/x.",
    "acme/a--b",
    "http://x",
    "acme/x?y",
  ])("refuses %j", (repo) => {
    expect(() => validateHubRepo(repo)).toThrow(/not a Hub repository id/);
  });
  it.each(["main", "v1.0", "refs/pr/1", COMMIT])("accepts revision %s", (rev) => {
    expect(validateHubRevision(rev)).toBe(rev);
  });
  it.each(["", "../main", "a//b", "main/", "x.lock", "a b", "a?b", "a%2e"])("refuses revision %j", (rev) => {
    expect(() => validateHubRevision(rev)).toThrow(/not a branch, tag or commit/);
  });

  it("accepts no repo id or revision that could leave the repository in a URL (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (s) => {
        let repo: string | null = null;
        try {
          repo = validateHubRepo(s);
        } catch (error) {
          expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
        }
        if (repo !== null) {
          expect(repo).not.toMatch(/\.\.|^\/|\/$|[?#%\\\s]/);
          expect(repo.split("/").length).toBeLessThanOrEqual(2);
        }
        let rev: string | null = null;
        try {
          rev = validateHubRevision(s);
        } catch (error) {
          expect(isAppError(error, "VALIDATION_FAILED")).toBe(true);
        }
        if (rev !== null) expect(rev).not.toMatch(/\.\.|^\/|\/\/|[?#%\\\s]/);
      }),
      { numRuns: 2000 },
    );
  });

  it("takes only relative paths without dot segments from a listing", () => {
    expect(isSafeRepoPath("onnx/model.onnx")).toBe(true);
    for (const bad of ["", "/etc/passwd", "a/../b", "..", "a\\b", "a//b", "./a", "a\u0000b"]) {
      expect(isSafeRepoPath(bad)).toBe(false);
    }
  });

  it("reads the next page from a Link header", () => {
    expect(nextLink('<https://hub/api?cursor=2>; rel="next"')).toBe("https://hub/api?cursor=2");
    expect(nextLink('<https://hub/a>; rel="prev", <https://hub/b>; rel=next')).toBe("https://hub/b");
    expect(nextLink('<https://hub/a>; rel="prev"')).toBeNull();
    expect(nextLink(null)).toBeNull();
  });
});

describe("parseHubListingPage", () => {
  const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
  const entry = fc.oneof(
    fc.record({ type: fc.constant("file"), path: fc.string(), oid: hex(40), size: fc.nat() }),
    fc.record({
      type: fc.constant("file"),
      path: fc.string(),
      oid: hex(40),
      size: fc.nat(),
      lfs: fc.record({ oid: hex(64), size: fc.nat() }),
    }),
    fc.record({ type: fc.constant("directory"), path: fc.string(), oid: hex(40), size: fc.constant(0) }),
    fc.jsonValue(),
  );

  it("returns only files with safe paths and a hash, or refuses the page; never anything else (property)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.array(entry, { maxLength: 8 }), fc.jsonValue()), (body) => {
        let files: ReturnType<typeof parseHubListingPage>;
        try {
          files = parseHubListingPage(body);
        } catch (error) {
          expect(isAppError(error, "HUB_UNAVAILABLE")).toBe(true);
          return;
        }
        for (const f of files) {
          expect(isSafeRepoPath(f.path)).toBe(true);
          expect(f.lfs ? /^[0-9a-f]{64}$/.test(f.lfs.sha256) : /^[0-9a-f]{40}$/.test(f.oid)).toBe(true);
          expect(Number.isSafeInteger(f.size) && f.size >= 0).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("reads the Hub's own entry shapes", () => {
    const files = parseHubListingPage([
      { type: "directory", path: "onnx", oid: "0".repeat(40), size: 0 },
      {
        type: "file",
        path: "onnx/model.onnx",
        oid: "a".repeat(40),
        size: 10,
        lfs: { oid: "b".repeat(64), size: 99 },
      },
      { type: "file", path: "config.json", oid: "c".repeat(40), size: 7 },
    ]);
    expect(files).toEqual([
      { path: "onnx/model.onnx", oid: "a".repeat(40), size: 99, lfs: { sha256: "b".repeat(64), size: 99 } },
      { path: "config.json", oid: "c".repeat(40), size: 7 },
    ]);
  });
});

describe("readHubConfig", () => {
  it("defaults to huggingface.co and refuses what is not a URL", () => {
    const config = readHubConfig({});
    expect(config.endpoint).toBe("https://huggingface.co");
    expect(config.token).toBeUndefined();
    expect(readHubConfig({ ASSAY_HF_ENDPOINT: "http://hub.local:8080/" }).endpoint).toBe(
      "http://hub.local:8080",
    );
    expect(() => readHubConfig({ ASSAY_HF_ENDPOINT: "ftp://x" })).toThrow(/http or https/);
    expect(() => readHubConfig({ ASSAY_HF_MAX_FILE_BYTES: "-1" })).toThrow(/positive whole number/);
  });
});

describe("HubClient against a stub Hub", () => {
  it("resolves a branch to its commit", async () => {
    expect(await client().resolveRevision("acme/sentiment", "main")).toBe(COMMIT);
  });

  it("lists every file across Link pages, without directories, with LFS hashes", async () => {
    stub.pageSize = 2;
    const files = await client().listFiles("acme/sentiment", COMMIT);
    expect(files.map((f) => f.path).sort()).toEqual([
      "README.md",
      "config.json",
      "model.safetensors",
      "weights/pytorch_model.bin",
    ]);
    const lfs = files.find((f) => f.path === "model.safetensors");
    expect(lfs?.lfs?.sha256).toBe(sha256(benignSafetensors()));
    expect(files.find((f) => f.path === "config.json")?.lfs).toBeUndefined();
  });

  it("streams a file through the redirect LFS files take, sending the token to the Hub", async () => {
    stub.authorizations.length = 0;
    const hub = client({ token: "hf_secret" });
    const bytes = await collect(hub.openFile("acme/sentiment", COMMIT, "weights/pytorch_model.bin"));
    expect(Buffer.compare(bytes, Buffer.from(maliciousPickle()))).toBe(0);
    expect(stub.authorizations[0]?.authorization).toBe("Bearer hf_secret");
    expect(stub.authorizations.map((a) => a.path)).toContain(`/cdn/${sha256(maliciousPickle())}`);
  });

  it("stops a download past the size limit", async () => {
    const hub = client({ maxFileBytes: 10 });
    expect(await codeOf(collect(hub.openFile("acme/sentiment", COMMIT, "model.safetensors")))).toBe(
      "INPUT_TOO_LARGE",
    );
  });

  it("names a missing repository and an unreachable Hub apart", async () => {
    expect(await codeOf(client().resolveRevision("acme/missing", "main"))).toBe("HUB_REPO_NOT_FOUND");
    expect(await codeOf(client().listFiles("acme/missing", "main"))).toBe("HUB_REPO_NOT_FOUND");
    const closed = new HubClient({
      ...readHubConfig({ ASSAY_HF_ENDPOINT: "http://127.0.0.1:9" }),
      timeoutMs: 2000,
    });
    expect(await codeOf(closed.resolveRevision("acme/sentiment", "main"))).toBe("HUB_UNAVAILABLE");
  });

  it("refuses a listing with a path that climbs out of the repository", async () => {
    expect(await codeOf(client().listFiles("acme/evil-path", "main"))).toBe("HUB_UNAVAILABLE");
  });

  it("stops a download that stalls, and never follows a listing page to another host", async () => {
    const hostile = createServer((req, res) => {
      if (req.url?.startsWith("/api/models/acme/x/tree/")) {
        res.writeHead(200, {
          "content-type": "application/json",
          link: '<https://elsewhere.example/api/models/acme/x/tree/main?cursor=2>; rel="next"',
        });
        res.end(JSON.stringify([{ type: "file", path: "a.bin", oid: "a".repeat(40), size: 1 }]));
        return;
      }
      // A download that sends a few bytes and then nothing.
      res.writeHead(200, { "content-length": "1000" });
      res.write(new Uint8Array(10));
    });
    await new Promise<void>((resolve) => hostile.listen(0, "127.0.0.1", resolve));
    const port = (hostile.address() as AddressInfo).port;
    try {
      const hub = new HubClient({
        ...readHubConfig({ ASSAY_HF_ENDPOINT: `http://127.0.0.1:${port}` }),
        timeoutMs: 300,
      });
      expect(await codeOf(hub.listFiles("acme/x", "main"))).toBe("HUB_UNAVAILABLE");
      const started = Date.now();
      await expect(collect(hub.openFile("acme/x", "main", "a.bin"))).rejects.toThrow(/stalled/);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      hostile.closeAllConnections();
      await new Promise<void>((resolve) => hostile.close(() => resolve()));
    }
  });

  it("regression: a download longer than the timeout but never silent that long completes", async () => {
    const slow = createServer((_req, res) => {
      res.writeHead(200, { "content-length": "8" });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(new Uint8Array([sent]));
        if (++sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const port = (slow.address() as AddressInfo).port;
    try {
      const hub = new HubClient({
        ...readHubConfig({ ASSAY_HF_ENDPOINT: `http://127.0.0.1:${port}` }),
        timeoutMs: 300,
      });
      const bytes = await collect(hub.openFile("acme/x", "main", "a.bin"));
      expect([...bytes]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  it("gives up on a Hub that does not answer", async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const hub = new HubClient({
        ...readHubConfig({ ASSAY_HF_ENDPOINT: `http://127.0.0.1:${port}` }),
        timeoutMs: 200,
      });
      const started = Date.now();
      expect(await codeOf(hub.resolveRevision("acme/sentiment", "main"))).toBe("HUB_UNAVAILABLE");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
