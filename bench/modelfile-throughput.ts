// Throughput of `assay scan --manifest` against `openssl dgst -sha256` on the same ≥1 GB files:
// a safetensors file and a PyTorch zip (stored members, as torch.save writes them). Both tools run
// as child processes in the same run, alternating, after a warm-up read. Prints the ratio of
// throughputs (assay / openssl) and assay's peak RSS. Files go to bench/out/ and are deleted.
//
//   node bench/modelfile-throughput.ts [sizeMiB=1024] [rounds=5]

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { torchStateDictPickle } from "../src/evidence/modelfile/corpus.ts";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
const sizeMiB = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 5);
mkdirSync(out, { recursive: true });

// 64 MiB of pseudo-random bytes reused for every tensor: content does not matter to hashing.
const BLOCK = 64 * 1024 * 1024;
const block = Buffer.allocUnsafe(BLOCK);
let x = 0x12345678;
for (let i = 0; i < BLOCK; i += 4) {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  block.writeUInt32LE(x >>> 0, i);
}
const blocks = Math.ceil((sizeMiB * 1024 * 1024) / BLOCK);

function writeSafetensors(path: string): string {
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  for (let i = 0; i < blocks; i++) {
    header[`layers.${i}.weight`] = {
      dtype: "F32",
      shape: [BLOCK / 4 / 1024, 1024],
      data_offsets: [i * BLOCK, (i + 1) * BLOCK],
    };
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  for (const part of [len, Buffer.from(json)]) {
    writeSync(fd, part);
    hash.update(part);
  }
  for (let i = 0; i < blocks; i++) {
    writeSync(fd, block);
    hash.update(block);
  }
  closeSync(fd);
  return hash.digest("hex");
}

function writeTorchZip(path: string): string {
  const hash = createHash("sha256");
  const fd = openSync(path, "w");
  let offset = 0;
  const central: Buffer[] = [];
  const put = (b: Buffer) => {
    writeSync(fd, b);
    hash.update(b);
    offset += b.length;
  };
  const member = (name: string, data: Buffer, repeat = 1) => {
    const n = Buffer.from(name);
    const size = data.length * repeat;
    let crc = 0;
    for (let r = 0; r < repeat; r++) crc = crc32(data, crc);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(size, 18);
    h.writeUInt32LE(size, 22);
    h.writeUInt16LE(n.length, 26);
    const at = offset;
    put(h);
    put(n);
    for (let r = 0; r < repeat; r++) put(data);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(size, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(at, 42);
    central.push(c, n);
  };
  const tensors = Array.from({ length: blocks }, (_, i) => ({
    name: `layers.${i}.weight`,
    key: String(i),
    shape: [BLOCK / 4 / 1024, 1024],
  }));
  member("archive/data.pkl", Buffer.from(torchStateDictPickle(tensors)));
  for (const t of tensors) member(`archive/data/${t.key}`, block);
  member("archive/version", Buffer.from("3\n"));
  const cdStart = offset;
  for (const c of central) put(c);
  const e = Buffer.alloc(22);
  e.writeUInt32LE(0x06054b50, 0);
  e.writeUInt16LE(tensors.length + 2, 8);
  e.writeUInt16LE(tensors.length + 2, 10);
  e.writeUInt32LE(offset - cdStart, 12);
  e.writeUInt32LE(cdStart, 16);
  put(e);
  closeSync(fd);
  return hash.digest("hex");
}

/** Runs a command under GNU time: wall seconds measured here, CPU seconds (user+sys) from time. */
function timed(
  cmd: string,
  args: string[],
): { seconds: number; cpu: number; stdout: string; stderr: string; status: number | null } {
  const cpuFile = join(out, "cpu.txt");
  const t0 = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%U %S", "-o", cpuFile, cmd, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    cwd: out,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const last = readFileSync(cpuFile, "utf8").trim().split("\n").at(-1) ?? "0 0";
  const [user, sys] = last.split(" ").map(Number);
  return { seconds, cpu: (user ?? 0) + (sys ?? 0), stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const entry = join(here, "modelfile-scan-entry.ts");
const files: Array<[string, (p: string) => string]> = [
  ["model.safetensors", writeSafetensors],
  ["pytorch_model.bin", writeTorchZip],
];
let failed = false;
for (const [name, write] of files) {
  const path = join(out, name);
  const manifest = join(out, `${name}.sha256`);
  const sha = write(path);
  writeFileSync(manifest, `${sha}  ${name}\n`);
  const bytes = blocks * BLOCK;
  timed("openssl", ["dgst", "-sha256", path]); // warm the page cache
  const ossl: number[] = [];
  const assay: number[] = [];
  const osslCpu: number[] = [];
  const assayCpu: number[] = [];
  let rss = 0;
  for (let r = 0; r < rounds; r++) {
    const o = timed("openssl", ["dgst", "-sha256", path]);
    if (!o.stdout.includes(sha)) throw new Error("openssl disagrees with the generated hash");
    ossl.push(o.seconds);
    osslCpu.push(o.cpu);
    // Manifest paths are relative to the working directory, as with `sha256sum -c`.
    const a = timed(process.execPath, [
      entry,
      "scan",
      "--manifest",
      manifest,
      "--json",
      "--no-progress",
      name,
    ]);
    const report = JSON.parse(a.stdout) as {
      integrity: { ok: boolean };
      verdict: string;
      files: Array<{ format: string }>;
    };
    if (a.status !== 0 || !report.integrity.ok || report.verdict !== "safe") {
      throw new Error(`assay scan failed (${a.status}): ${a.stderr} ${a.stdout.slice(0, 2000)}`);
    }
    assay.push(a.seconds);
    assayCpu.push(a.cpu);
    rss = Math.max(rss, Number(/maxrss_kb=(\d+)/.exec(a.stderr)?.[1] ?? 0));
    if (r === 0) process.stdout.write(`${name}: detected as ${report.files[0]?.format}\n`);
  }
  const best = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const ratio = best(ossl) / best(assay);
  const mib = bytes / 1024 / 1024;
  process.stdout.write(
    `${name} ${mib.toFixed(0)} MiB: openssl best ${(mib / best(ossl)).toFixed(0)} MiB/s (median ${(mib / median(ossl)).toFixed(0)}), ` +
      `assay scan --manifest best ${(mib / best(assay)).toFixed(0)} MiB/s (median ${(mib / median(assay)).toFixed(0)}); ` +
      `ratio ${ratio.toFixed(2)} (median ratio ${(median(ossl) / median(assay)).toFixed(2)}; CPU-time ratio ${(best(osslCpu) / best(assayCpu)).toFixed(2)}); ` +
      `peak RSS ${(rss / 1024).toFixed(0)} MiB\n`,
  );
  if (ratio < 0.8 || rss / 1024 > 200) failed = true;
  rmSync(path);
  rmSync(manifest);
}
rmSync(join(out, "cpu.txt"), { force: true });
process.stdout.write(
  failed ? "FAIL: below 0.8x openssl or above 200 MiB\n" : "OK: >= 0.8x openssl, < 200 MiB\n",
);
process.exitCode = failed ? 1 : 0;
