// Runs Graphviz (WebAssembly) in a worker thread: a layout cannot be interrupted from inside, so
// the caller stops a slow one by terminating this thread. Graphviz is loaded once per thread and
// the thread serves one job at a time.
import { parentPort } from "node:worker_threads";
import { Graphviz } from "@hpcc-js/wasm-graphviz";

interface Job {
  id: number;
  dot: string;
}

const graphviz = Graphviz.load();

parentPort?.on("message", async (job: Job) => {
  try {
    const svg = (await graphviz).dot(job.dot, "svg");
    parentPort?.postMessage({ id: job.id, ok: true, svg });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A WebAssembly trap leaves this Graphviz instance unusable; the caller replaces the thread.
    const trap =
      (error instanceof Error && error.name === "RuntimeError") ||
      /out of bounds|unreachable|memory access|call stack/i.test(message);
    parentPort?.postMessage({ id: job.id, ok: false, trap, message: message.slice(0, 300) });
  }
});
