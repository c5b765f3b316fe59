/**
 * Worker thread for the usage reader: parses, attributes and classifies runs of whole lines sent by
 * the main thread, so classification uses every core while the main thread only splits the input.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { LineChunk, LineParserConfig } from "./read.ts";
import { createChunkParser } from "./read.ts";

const parseChunk = createChunkParser(workerData as LineParserConfig);

parentPort?.on("message", (message: { id: number; chunk: LineChunk }) => {
  try {
    parentPort?.postMessage({ id: message.id, records: parseChunk(message.chunk) });
  } catch (error) {
    parentPort?.postMessage({
      id: message.id,
      error: { code: "INTERNAL", message: error instanceof Error ? error.message : String(error) },
    });
  }
});
