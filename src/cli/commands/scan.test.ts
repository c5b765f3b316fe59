import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildSafetensors, buildTorchZip, PickleBuilder } from "../../evidence/modelfile/corpus.ts";
import { runCommand } from "../testing.ts";
import { readFileChunks, registerScanCommand } from "./scan.ts";

let dir: string;
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const weights = buildSafetensors([{ name: "w", shape: [1000] }]);
const torch = buildTorchZip("archive", 2);
const evil = new PickleBuilder().proto(2).global("os", "system").str("id").tuple1().reduce().stop().bytes();
const odd = new PickleBuilder().proto(2).global("mylib", "Thing").emptyTuple().raw(0x81).stop().bytes();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "assay-scan-"));
  await mkdir(join(dir, "clean"));
  await writeFile(join(dir, "clean", "model.safetensors"), weights);
  await writeFile(join(dir, "clean", "pytorch_model.bin"), torch);
  await writeFile(join(dir, "clean", "README.md"), "# A model\n");
  await mkdir(join(dir, "bad"));
  await writeFile(join(dir, "bad", "weights.pt"), evil);
  await mkdir(join(dir, "odd"));
  await writeFile(join(dir, "odd", "model.pkl"), odd);
  await mkdir(join(dir, "none"));
  await writeFile(join(dir, "none", "notes.txt"), "hello");
  await writeFile(
    join(dir, "manifest.txt"),
    `${sha(weights)}  model.safetensors\n${sha(torch)}  pytorch_model.bin\n${sha(new Uint8Array(1))}  README.md\n`,
  );
  await writeFile(
    join(dir, "card.md"),
    "---\nlicense: apache-2.0\n---\n# Model\n## Uses\nText.\n## Bias, Risks, and Limitations\nSome.\n## Training Data\nData.\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

afterEach(() => {
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

function run(args: string[]) {
  return runCommand(registerScanCommand, ["scan", ...args]);
}

describe("assay scan", () => {
  it("a clean model folder exits 0 with a readable summary", async () => {
    const r = await run([join(dir, "clean")]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("SAFE       model.safetensors (safetensors");
    expect(r.stdout).toContain("SAFE       pytorch_model.bin (pytorch_zip");
    expect(r.stdout).toContain("2 model file(s)");
  });

  it("a dangerous pickle exits 1; --json gives format, verdict and findings with offsets", async () => {
    const r = await run([join(dir, "bad"), "--json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.files[0]).toMatchObject({ path: "weights.pt", format: "pickle", verdict: "dangerous" });
    expect(out.files[0].findings[0]).toMatchObject({
      opcode: "GLOBAL",
      module: "os",
      name: "system",
      offset: 2,
    });
    expect(out.exitCode).toBe(1);
  });

  it("suspicious passes by default and fails with --strict", async () => {
    expect((await run([join(dir, "odd")])).code).toBe(0);
    expect((await run([join(dir, "odd"), "--strict"])).code).toBe(1);
  });

  it("nothing scannable exits 3; a missing path exits 2 with one line on stderr", async () => {
    const none = await run([join(dir, "none")]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain("nothing scannable");
    const missing = await run([join(dir, "nope")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--manifest verifies hashes: a mismatch fails with exit 1", async () => {
    const r = await run([join(dir, "clean"), "--manifest", join(dir, "manifest.txt"), "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.integrity.mismatched.map((m: { path: string }) => m.path)).toEqual(["README.md"]);
    expect(r.code).toBe(1);
    const bad = await run([join(dir, "clean"), "--manifest", join(dir, "card.md")]);
    expect(bad.code).toBe(2);
  });

  it("--sarif writes a SARIF 2.1.0 log with rule ids and locations", async () => {
    const file = join(dir, "out.sarif");
    const r = await run([join(dir, "bad"), "--sarif", file, "--json"]);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(await readFile(file, "utf8"));
    expect(sarif.version).toBe("2.1.0");
    const result = sarif.runs[0].results[0];
    expect(result).toMatchObject({ ruleId: "pickle.import.dangerous", level: "error" });
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "weights.pt" },
      region: { byteOffset: 2 },
    });
    expect(sarif.runs[0].tool.driver.rules[0].id).toBe("pickle.import.dangerous");
  });

  it("--model-card adds the model-card analysis", async () => {
    const r = await run([join(dir, "clean"), "--model-card", join(dir, "card.md"), "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.modelCard.metadata.license).toBe("apache-2.0");
    expect(Array.isArray(out.modelCard.missing)).toBe(true);
  });

  it("reads files in chunks that cover every byte once", async () => {
    const data = new Uint8Array(1000).map((_, i) => i % 251);
    const f = join(dir, "chunks.bin");
    await writeFile(f, data);
    const parts: number[] = [];
    const h = createHash("sha256");
    for await (const c of readFileChunks(f, 64)) {
      parts.push(c.length);
      h.update(c);
    }
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.digest("hex")).toBe(sha(data));
  });
});
