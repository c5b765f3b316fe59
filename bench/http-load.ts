// A load generator for the API benchmarks. It runs in a worker thread, so the clients' own work
// (sending, receiving, parsing responses) happens beside the server, as separate clients would,
// not on the server's event loop.
//
// In the worker: reads { baseUrl, headers, paths, requests, clients, followCursor } from workerData
// and posts back the sorted latencies in milliseconds and the seconds the run took.
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

export interface LoadPlan {
  baseUrl: string;
  headers: Record<string, string>;
  paths: string[];
  requests: number;
  clients: number;
  /** Every third response with a nextCursor is followed by a request for the next page. */
  followCursor: boolean;
}

export interface LoadResult {
  latencies: number[];
  seconds: number;
}

/** Runs a load plan in a worker thread and resolves with its latencies. */
export function runLoad(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: plan });
    worker.once("message", (result: LoadResult) => resolve(result));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`load worker exited with ${code}`));
    });
  });
}

async function generate(plan: LoadPlan): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  const get = async (path: string) => {
    const started = performance.now();
    const res = await fetch(`${plan.baseUrl}${path}`, { headers: plan.headers });
    const body = (await res.json()) as { nextCursor?: string | null };
    latencies.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    return body;
  };
  const started = performance.now();
  await Promise.all(
    Array.from({ length: plan.clients }, async () => {
      for (let i = next++; i < plan.requests; i = next++) {
        const path = plan.paths[i % plan.paths.length] ?? "/";
        const body = await get(path);
        if (plan.followCursor && i % 3 === 0 && body.nextCursor && next < plan.requests) {
          next++;
          await get(`${path}${path.includes("?") ? "&" : "?"}cursor=${body.nextCursor}`);
        }
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

if (!isMainThread && parentPort) {
  parentPort.postMessage(await generate(workerData as LoadPlan));
}
