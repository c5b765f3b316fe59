/**
 * What scanning a model upload on the server costs against only hashing the same bytes, and how
 * much memory it takes. Starts a server on in-memory PGlite, streams a generated safetensors file
 * of the chosen size (one U8 tensor: header, then zeros) as a chunked request body to
 * POST /api/models/upload from a worker thread. Baseline, in the same run: the same upload to a
 * bare node:http server that only hashes the body with SHA-256 (the least an upload checked on
 * arrival costs); also shown, SHA-256 and the scanner alone in process. The RSS of the process
 * (server, database and client), sampled during the runs, shows whether the body is buffered.
 * Run: node bench/model-upload.ts [MiB] [rounds]
 */

import { createHash } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Worker } from "node:worker_threads";
import { scanModelStream } from "../src/evidence/modelfile/index.ts";
import { readServerConfig } from "../src/server/config.ts";
import { createLogger } from "../src/server/logger.ts";
import { startServer } from "../src/server/start.ts";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { createApiToken } from "../src/store/auth.ts";
import { createVendor } from "../src/store/inventory.ts";
import { createUser } from "../src/store/users.ts";

const mib = Number(process.argv[2] ?? 1024);
const rounds = Number(process.argv[3] ?? 2);
const CHUNK = 1024 * 1024;
const zeros = new Uint8Array(CHUNK);

process.env.ASSAY_MODEL_UPLOAD_LIMIT_BYTES = String(64 * 1024 ** 3);
const server = await startServer(readServerConfig({ ASSAY_PORT: "0" }), {
  inMemory: true,
  logger: createLogger("silent"),
});
const { db, workspaceId } = server.services;
const user = await createUser(
  db,
  { workspaceId, email: "bench@example.com", role: "assessor", password: "a long bench password" },
  SYSTEM_ACTOR,
);
const { token } = await createApiToken(db, { workspaceId, userId: user.id, name: "bench" }, SYSTEM_ACTOR);
const vendor = await createVendor(
  db,
  workspaceId,
  { name: "Bench hub", category: "model_hub" },
  SYSTEM_ACTOR,
);

/** The header of a safetensors file holding one U8 tensor of `bytes` bytes. */
function header(bytes: number): Uint8Array {
  let json = JSON.stringify({ weights: { dtype: "U8", shape: [bytes], data_offsets: [0, bytes] } });
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  return out;
}

function* chunks(): Generator<Uint8Array> {
  const size = mib * CHUNK;
  yield header(size);
  for (let i = 0; i < mib; i++) yield zeros;
}

async function hashOnly(): Promise<number> {
  const started = performance.now();
  const hash = createHash("sha256");
  for (const c of chunks()) hash.update(c);
  hash.digest("hex");
  return performance.now() - started;
}

/** The scanner alone on the same chunks, in this process: what the upload adds on top is HTTP and the store. */
async function scanOnly(): Promise<number> {
  const started = performance.now();
  async function* all() {
    yield* chunks();
  }
  await scanModelStream(all(), { path: "model.safetensors" });
  return performance.now() - started;
}

/**
 * Sends the file from a worker thread, as a separate client would: the server's event loop then
 * does only the server's work.
 */
const CLIENT = `
const { parentPort, workerData } = require("node:worker_threads");
const { url, token, mib, header } = workerData;
const zeros = new Uint8Array(1024 * 1024);
let i = -1;
const body = new ReadableStream({
  pull(controller) {
    if (i < 0) controller.enqueue(new Uint8Array(header));
    else if (i < mib) controller.enqueue(zeros);
    else controller.close();
    i++;
  },
});
const started = performance.now();
fetch(url, {
  method: "POST",
  headers: { authorization: "Bearer " + token, "content-type": "application/octet-stream" },
  body,
  duplex: "half",
}).then(async (res) => {
  const result = await res.json();
  parentPort.postMessage({ status: res.status, ms: performance.now() - started, result });
});
`;

/** The least an HTTP upload that is hashed on arrival costs: a bare node:http server that only hashes the body. */
const bare = createServer((req, res) => {
  const hash = createHash("sha256");
  req.on("data", (chunk: Buffer) => hash.update(chunk));
  req.on("end", () => {
    hash.digest("hex");
    res.writeHead(201, { "content-type": "application/json" }).end('{"verdict":"n/a"}');
  });
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;

async function upload(to: "assay" | "bare"): Promise<{ ms: number; verdict: string }> {
  const url =
    to === "bare"
      ? bareUrl
      : `${server.url}/api/models/upload?${new URLSearchParams({ vendorId: vendor.id, path: "model.safetensors" })}`;
  const worker = new Worker(CLIENT, {
    eval: true,
    workerData: { url, token, mib, header: header(mib * CHUNK) },
  });
  const answer = await new Promise<{
    status: number;
    ms: number;
    result: { verdict?: string; detail?: string };
  }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  await worker.terminate();
  if (answer.status !== 201) throw new Error(`upload failed with ${answer.status}: ${answer.result.detail}`);
  return { ms: answer.ms, verdict: answer.result.verdict ?? "?" };
}

const rssMiB = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
// Sampled, because the peak the kernel keeps (maxRSS) is set by the database's start-up.
let peak = 0;
const sampler = setInterval(() => {
  peak = Math.max(peak, rssMiB());
}, 20);
const rate = (ms: number) => `${((mib / ms) * 1000).toFixed(0)} MiB/s`;
console.log(`file: ${mib} MiB safetensors; rounds: ${rounds}; Node ${process.version}`);
console.log(`RSS before: ${rssMiB()} MiB`);
console.log(
  "| round | SHA-256 in process | scanModelStream in process | bare HTTP upload + SHA-256 (baseline) | Assay upload, scanned and stored | upload / baseline | verdict |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (let r = 1; r <= rounds; r++) {
  // Interleaved, so load from other work hits all alike.
  const hashed = await hashOnly();
  const scan = await scanOnly();
  const base = await upload("bare");
  const { ms, verdict } = await upload("assay");
  console.log(
    `| ${r} | ${rate(hashed)} | ${rate(scan)} | ${rate(base.ms)} | ${rate(ms)} | ${(base.ms / ms).toFixed(2)}x | ${verdict} |`,
  );
}
clearInterval(sampler);
console.log(`RSS peak during the runs: ${peak} MiB`);
bare.close();
await server.close();
