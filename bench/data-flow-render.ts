// Data-flow diagrams: building the DOT for a company of N integrations and rendering it to SVG
// through renderSvg (checks, worker thread with a time limit, SVG cleaning), against a baseline
// measured in the same run: Graphviz WebAssembly called directly in this thread on the same DOT.
// Run: node bench/data-flow-render.ts [integrations]
import { performance } from "node:perf_hooks";
import { Graphviz } from "@hpcc-js/wasm-graphviz";
import { buildCompanyDataFlowDot, type DataFlowIntegration } from "../src/domain/data-flow.ts";
import type { DataClass } from "../src/domain/inventory.ts";
import { closeDiagramRenderer, renderSvg } from "../src/server/render/diagram.ts";

const count = Number(process.argv[2] ?? 120);
const classes: DataClass[][] = [
  ["pii", "customer_data"],
  ["internal"],
  ["phi"],
  ["payment_data"],
  ["public"],
];
const vendors = Array.from({ length: Math.ceil(count / 4) }, (_, i) => ({
  id: `v${i}`,
  name: `Vendor ${i}`,
}));
const integrations: DataFlowIntegration[] = Array.from({ length: count }, (_, i) => ({
  id: `i${i}`,
  vendorId: `v${i % vendors.length}`,
  name: `Integration ${i}`,
  productFeature: `Feature ${i % 40}`,
  service: `Service ${i % 3}`,
  dataClasses: classes[i % classes.length],
  processingRegions: i % 6 === 0 ? [] : [["US", "EU", "UK"][i % 3] ?? "US"],
  decisionCritical: i % 7 === 0 ? null : false,
  domain: i % 5 === 0 ? "healthcare" : "general",
  customerFacing: i % 2 === 0,
  trainingUse: "no",
}));

const runs = 5;
const t0 = performance.now();
const dot = buildCompanyDataFlowDot(vendors, integrations);
const buildMs = performance.now() - t0;
const graphviz = await Graphviz.load();
await renderSvg(dot); // warm the worker thread
graphviz.dot(dot, "svg");
const base: number[] = [];
const ours: number[] = [];
for (let i = 0; i < runs; i++) {
  let start = performance.now();
  graphviz.dot(dot, "svg");
  base.push(performance.now() - start);
  start = performance.now();
  await renderSvg(dot);
  ours.push(performance.now() - start);
}
const cold = performance.now();
await closeDiagramRenderer();
await renderSvg(dot);
const coldMs = performance.now() - cold;
await closeDiagramRenderer();
const mid = (t: number[]) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)] ?? Number.NaN;
const b = mid(base);
const o = mid(ours);
console.log(
  `${count} integrations, ${vendors.length} vendors; DOT ${dot.length} bytes, built in ${buildMs.toFixed(1)} ms`,
);
console.log(`median of ${runs} runs, alternating`);
console.log(`baseline: Graphviz WebAssembly in this thread   ${b.toFixed(1).padStart(8)} ms`);
console.log(
  `renderSvg (checks, worker, clean), warm thread  ${o.toFixed(1).padStart(8)} ms  (${(o / b).toFixed(2)}x baseline)`,
);
console.log(
  `renderSvg, first call (new thread, Graphviz load) ${coldMs.toFixed(1).padStart(7)} ms  (${(coldMs / b).toFixed(2)}x baseline)`,
);
