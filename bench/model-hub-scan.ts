/**
 * What a server-side scan of a Hub model costs against only downloading and hashing its bytes.
 * A stand-in Hub runs in a worker thread (revision, tree listing and resolve endpoints) serving a
 * generated safetensors file of the chosen size, listed with its true SHA-256 as LFS. Measured:
 * `scanHubModel` (list, stream, scan, hash against the listing, store results on in-memory
 * PGlite). Baseline, in the same run and interleaved: fetching the same file and hashing it with
 * SHA-256, nothing else. The RSS of this process is sampled during the runs.
 * Run: node bench/model-hub-scan.ts [MiB] [rounds]
 */

import { createHash } from "node:crypto";
import { Worker } from "node:worker_threads";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { HubClient, readHubConfig } from "../src/store/connectors/hub.ts";
import { openDatabase } from "../src/store/database.ts";
import { createVendor } from "../src/store/inventory.ts";
import { getModel, registerHubModel, requestRescan, scanHubModel } from "../src/store/models.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";

const mib = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 2);

/** The stand-in Hub: one repository with one generated file, its hash computed before serving. */
const HUB = `
const { parentPort, workerData } = require("node:worker_threads");
const { createServer } = require("node:http");
const { createHash } = require("node:crypto");
const { mib } = workerData;
const MIB = 1024 * 1024;
const size = mib * MIB;
let json = JSON.stringify({ weights: { dtype: "U8", shape: [size], data_offsets: [0, size] } });
json += " ".repeat((8 - (json.length % 8)) % 8);
const header = Buffer.alloc(8 + json.length);
header.writeBigUInt64LE(BigInt(json.length), 0);
header.write(json, 8);
const zeros = Buffer.alloc(MIB);
const hash = createHash("sha256").update(header);
for (let i = 0; i < mib; i++) hash.update(zeros);
const sha256 = hash.digest("hex");
const total = header.length + size;
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
  if (path.startsWith("/api/models/bench/model/revision/")) {
    res.end(JSON.stringify({ sha: "e".repeat(40) }));
  } else if (path.startsWith("/api/models/bench/model/tree/")) {
    res.end(JSON.stringify([{ type: "file", path: "model.safetensors", oid: "0".repeat(40), size: total, lfs: { oid: sha256, size: total } }]));
  } else if (path.startsWith("/bench/model/resolve/")) {
    res.writeHead(200, { "content-length": String(total) });
    res.write(header);
    let i = 0;
    const pump = () => {
      while (i < mib) {
        i++;
        if (!res.write(zeros)) return void res.once("drain", pump);
      }
      res.end();
    };
    pump();
  } else res.writeHead(404).end();
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port, total }));
`;

const worker = new Worker(HUB, { eval: true, workerData: { mib } });
const { port, total } = await new Promise<{ port: number; total: number }>((resolve) =>
  worker.once("message", resolve),
);
const endpoint = `http://127.0.0.1:${port}`;
const hub = new HubClient(readHubConfig({ ASSAY_HF_ENDPOINT: endpoint }));

const database = await openDatabase(
  { dataDir: "", databaseUrl: undefined },
  { command: "bench", inMemory: true },
);
const db = database.db;
const workspaceId = await ensureDefaultWorkspace(db);
const vendor = await createVendor(
  db,
  workspaceId,
  { name: "Bench hub", category: "model_hub" },
  SYSTEM_ACTOR,
);
const model = await registerHubModel(
  db,
  workspaceId,
  { vendorId: vendor.id, repo: "bench/model" },
  SYSTEM_ACTOR,
  hub,
);

async function downloadAndHash(): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${endpoint}/bench/model/resolve/main/model.safetensors`);
  const hash = createHash("sha256");
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  hash.digest("hex");
  return performance.now() - started;
}

async function scan(first: boolean): Promise<{ ms: number; verdict: string; integrity: boolean }> {
  if (!first) await requestRescan(db, workspaceId, model.id, SYSTEM_ACTOR);
  const started = performance.now();
  await scanHubModel(db, workspaceId, model.id, hub);
  const ms = performance.now() - started;
  const done = await getModel(db, workspaceId, model.id);
  if (done.status !== "done") throw new Error(`scan ${done.status}: ${done.error}`);
  return { ms, verdict: done.verdict ?? "?", integrity: done.integrity?.ok === true };
}

const rssMiB = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, rssMiB());
}, 20);
const rate = (ms: number) => `${((total / 1024 / 1024 / ms) * 1000).toFixed(0)} MiB/s`;

console.log(`file: ${mib} MiB safetensors; rounds: ${rounds}; Node ${process.version}`);
console.log(`RSS before: ${rssMiB()} MiB`);
console.log(
  "| round | download + SHA-256 (baseline) | scanHubModel | scan / baseline | verdict | integrity |",
);
console.log("| --- | --- | --- | --- | --- | --- |");
for (let r = 1; r <= rounds; r++) {
  const base = await downloadAndHash();
  const result = await scan(r === 1);
  console.log(
    `| ${r} | ${rate(base)} | ${rate(result.ms)} | ${(base / result.ms).toFixed(2)}x | ${result.verdict} | ${result.integrity ? "ok" : "MISMATCH"} |`,
  );
}
clearInterval(sampler);
console.log(`RSS peak during the runs: ${peak} MiB`);
await worker.terminate();
await database.close();
