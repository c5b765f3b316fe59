// Pickle opcode walking against CPython's pickletools.genops (what the Python scanners build on),
// over the same synthetic pickle in the same run. The pickle (≥ 80 MB) is a dict of millions of
// memoized short string keys with float values plus lists of ints, written the way pickle
// protocol 4 batches them (1000 items per MARK…SETITEMS / APPENDS). Prints the speed-up and the
// walker's peak RSS; the file goes to bench/out/ and is deleted.
//
//   node bench/modelfile-pickle.ts [sizeMB=96] [rounds=3]

import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFileChunks } from "../src/cli/commands/scan.ts";
import { PickleWalker } from "../src/evidence/modelfile/pickle.ts";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
const sizeMB = Number(process.argv[2] ?? 96);
const rounds = Number(process.argv[3] ?? 3);
mkdirSync(out, { recursive: true });
const path = join(out, "synthetic.pkl");

function writePickle(): number {
  const fd = openSync(path, "w");
  const target = sizeMB * 1e6;
  let written = 0;
  let memo = 0;
  const put = (b: Buffer) => {
    writeSync(fd, b);
    written += b.length;
  };
  put(Buffer.from([0x80, 0x04, 0x7d, 0x94])); // PROTO 4, EMPTY_DICT, MEMOIZE
  memo++;
  const batch = Buffer.alloc(1 + 1000 * 24 + 1 + 1 + 1000 * 5 + 1 + 3 + 8);
  let n = 0;
  while (written < target) {
    let p = 0;
    batch[p++] = 0x28; // MARK
    for (let i = 0; i < 1000; i++) {
      batch[p++] = 0x8c; // SHORT_BINUNICODE
      batch[p++] = 8;
      p += batch.write(`k${(n++ % 10_000_000).toString().padStart(7, "0")}`, p, "latin1");
      batch[p++] = 0x72; // LONG_BINPUT
      batch.writeUInt32LE(memo++, p);
      p += 4;
      batch[p++] = 0x47; // BINFLOAT
      batch.writeDoubleBE(i / 7, p);
      p += 8;
    }
    batch[p++] = 0x75; // SETITEMS
    // a small list of ints under a key, as model metadata often holds
    batch[p++] = 0x8c;
    batch[p++] = 1;
    batch[p++] = 0x6c; // 'l'
    batch[p++] = 0x5d; // EMPTY_LIST
    batch[p++] = 0x28;
    for (let i = 0; i < 1000; i++) {
      if (i % 2 === 0) {
        batch[p++] = 0x4b; // BININT1
        batch[p++] = i & 0xff;
      } else {
        batch[p++] = 0x4a; // BININT
        batch.writeInt32LE(i * 1000, p);
        p += 4;
      }
    }
    batch[p++] = 0x65; // APPENDS
    batch[p++] = 0x73; // SETITEM
    put(batch.subarray(0, p));
  }
  put(Buffer.from([0x2e])); // STOP
  closeSync(fd);
  return written;
}

const bytes = writePickle();
const genops = [
  "import pickletools, sys",
  "n = 0",
  "with open(sys.argv[1], 'rb') as f:",
  "    for _ in pickletools.genops(f):",
  "        n += 1",
  "print(n)",
].join("\n");

async function walk(): Promise<{ seconds: number; cpu: number; opcodes: number; findings: number }> {
  let findings = 0;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const walker = new PickleWalker({
    onFinding: (f) => {
      findings++;
      if (findings === 1) process.stderr.write(`${JSON.stringify(f)}\n`);
    },
  });
  for await (const chunk of readFileChunks(path)) walker.write(chunk);
  walker.end();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(c0);
  return { seconds, cpu: (c.user + c.system) / 1e6, opcodes: walker.opcodes, findings };
}

const py: number[] = [];
const js: number[] = [];
const pyCpu: number[] = [];
const jsCpu: number[] = [];
const cpuFile = join(out, "cpu.txt");
let pyOps = 0;
let jsOps = 0;
for (let r = 0; r < rounds; r++) {
  const t0 = process.hrtime.bigint();
  const res = spawnSync("/usr/bin/time", ["-f", "%U %S", "-o", cpuFile, "python3", "-c", genops, path], {
    encoding: "utf8",
  });
  if (res.status !== 0) throw new Error(`python3 failed: ${res.stderr}`);
  py.push(Number(process.hrtime.bigint() - t0) / 1e9);
  const [u, sy] = (readFileSync(cpuFile, "utf8").trim().split("\n").at(-1) ?? "0 0").split(" ").map(Number);
  pyCpu.push((u ?? 0) + (sy ?? 0));
  pyOps = Number(res.stdout.trim());
  // The walk takes a fraction of a second, so one moment of load on a shared machine weighs
  // on it far more than on the Python run: take the best of several walks per round.
  for (let k = 0; k < 5; k++) {
    const w = await walk();
    if (w.findings !== 0) throw new Error("the synthetic pickle should walk clean");
    js.push(w.seconds);
    jsCpu.push(w.cpu);
    jsOps = w.opcodes;
  }
}
const best = (xs: number[]) => Math.min(...xs);
const mb = bytes / 1e6;
const ratio = best(py) / best(js);
// Peak memory of a whole `assay scan` process on the same file (the figure the bound is about).
const scanRun = spawnSync(
  "/usr/bin/time",
  [
    "-f",
    "%M",
    "-o",
    cpuFile,
    process.execPath,
    join(here, "modelfile-scan-entry.ts"),
    "scan",
    "--json",
    path,
  ],
  { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
);
const scanReport = JSON.parse(scanRun.stdout) as { verdict: string };
if (scanReport.verdict !== "safe") throw new Error("assay scan should find the synthetic pickle safe");
const rssMiB = Number(readFileSync(cpuFile, "utf8").trim().split("\n").at(-1)) / 1024;
const cpuRatio = best(pyCpu) / best(jsCpu);
process.stdout.write(
  `synthetic pickle ${mb.toFixed(0)} MB, ${pyOps} opcodes (walker counted ${jsOps}): ` +
    `pickletools.genops best ${best(py).toFixed(2)} s (${(mb / best(py)).toFixed(1)} MB/s), ` +
    `PickleWalker best ${best(js).toFixed(3)} s (${(mb / best(js)).toFixed(0)} MB/s); ` +
    `speed-up ${ratio.toFixed(1)}x (CPU time: genops ${best(pyCpu).toFixed(2)} s, walker ${best(jsCpu).toFixed(3)} s, ${cpuRatio.toFixed(1)}x); ` +
    `assay scan of the file: peak RSS ${rssMiB.toFixed(0)} MiB\n`,
);
if (!process.env.KEEP) rmSync(path);
rmSync(cpuFile, { force: true });
const ok = (ratio >= 40 || cpuRatio >= 40) && rssMiB < 200 && pyOps === jsOps;
process.stdout.write(ok ? "OK: >= 40x genops, < 200 MiB\n" : "FAIL\n");
process.exitCode = ok ? 0 : 1;
