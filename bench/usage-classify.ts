/**
 * Benchmark: full classification of a generated JSONL usage log (parse, attribute, detect and
 * validate every class) against `LC_ALL=C grep -c -E` with an equivalent pattern set over the same
 * file, in the same run. Prints both times, the ratio and the peak resident memory.
 *
 *   node bench/usage-classify.ts                 # 1 GB, 2 workers and 1 thread
 *   USAGE_BENCH_MB=100 node bench/usage-classify.ts
 *   USAGE_BENCH_WORKERS=0 USAGE_BENCH_MB=100 node bench/usage-classify.ts
 *
 * The log goes to bench/out/ (git-ignored) and is deleted afterwards unless USAGE_BENCH_KEEP=1.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { createRandom, generateUsageLine } from "../src/evidence/usage/corpus.ts";
import { readUsageLog } from "../src/evidence/usage/read.ts";
import { loadRepoCatalog } from "../src/evidence/usage/test-catalog.ts";

const sizeMb = Number(process.env.USAGE_BENCH_MB ?? 1024);
const workerRuns = (process.env.USAGE_BENCH_WORKERS ?? "2,0").split(",").map(Number);
const keep = process.env.USAGE_BENCH_KEEP === "1";
const outDir = join(import.meta.dirname, "out");
const file = join(outDir, `usage-${sizeMb}mb.jsonl`);

// POSIX ERE with the same classes the classifier looks for (without any of its validation).
const GREP_PATTERN = [
  "[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}",
  "\\(?[0-9]{3}\\)?[ .-]?[0-9]{3}[ .-][0-9]{4}",
  "\\+[0-9]{1,3}[ .-]?[0-9]{2,4}[ .-]?[0-9]{3,4}",
  "[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,7}",
  "[A-Z]{2}[0-9]{2} ?[A-Z0-9]{4} ?[A-Z0-9]{4}",
  "[0-9]{3}-[0-9]{2}-[0-9]{4}",
  "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}",
  "[0-9a-fA-F]{1,4}::[0-9a-fA-F]{0,4}",
  "[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:",
  "(AKIA|ASIA)[A-Z2-7]{16}",
  "gh[pousr]_[A-Za-z0-9]{36}",
  "github_pat_",
  "sk-[A-Za-z0-9_-]{20,}",
  "[rs]k_live_",
  "xox[abposr]-",
  "AIza[0-9A-Za-z_-]{35}",
  "eyJ[A-Za-z0-9_-]+\\.eyJ",
  "PRIVATE KEY",
  "(password|passwd|pwd|secret|token|api_?key)[\"']?[ ]*[:=]",
  "MRN",
  "(ICD|[Dd]iagnos)",
  "[Pp]atient",
].join("|");

async function generate(): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  const target = sizeMb * 1024 * 1024;
  const out = createWriteStream(file);
  const rng = createRandom(2026);
  let written = 0;
  let lines = 0;
  let buffer: string[] = [];
  let bufferBytes = 0;
  while (written < target) {
    const { line } = generateUsageLine(rng, lines++, 0.05);
    buffer.push(line);
    bufferBytes += line.length + 1;
    if (bufferBytes >= 1 << 20) {
      const chunk = `${buffer.join("\n")}\n`;
      written += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, "drain");
      buffer = [];
      bufferBytes = 0;
    }
  }
  if (buffer.length > 0) out.write(`${buffer.join("\n")}\n`);
  out.end();
  await once(out, "finish");
  return lines;
}

/** CPU seconds used by reaped child processes so far (Linux /proc/self/stat cutime + cstime). */
function childCpuSeconds(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  // After "pid (comm) ", field 3 is state; cutime and cstime are fields 16 and 17 (1-based).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function grepSeconds(): { seconds: number; cpuSeconds: number; matches: number } {
  const cpuBefore = childCpuSeconds();
  const start = process.hrtime.bigint();
  const result = spawnSync("grep", ["-c", "-E", GREP_PATTERN, file], {
    env: { ...process.env, LC_ALL: "C" },
    encoding: "utf8",
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && result.status !== 1) throw new Error(`grep failed: ${result.stderr}`);
  return { seconds, cpuSeconds: childCpuSeconds() - cpuBefore, matches: Number(result.stdout.trim()) };
}

async function classifySeconds(workers: number) {
  const catalog = loadRepoCatalog();
  const startRss = process.memoryUsage().rss;
  let peakRss = startRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  let events = 0;
  let errors = 0;
  let sensitive = 0;
  const byClass: Record<string, number> = {};
  for await (const batch of readUsageLog(createReadStream(file, { highWaterMark: 1 << 20 }), {
    catalog,
    format: "jsonl",
    workers,
  })) {
    for (const record of batch.records) {
      if (!record.ok) {
        errors++;
        continue;
      }
      events++;
      if (record.event.detections.length > 0) sensitive++;
      for (const d of record.event.detections) byClass[d.dataClass] = (byClass[d.dataClass] ?? 0) + 1;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return {
    seconds,
    cpuSeconds,
    events,
    errors,
    sensitive,
    byClass,
    startRssMb: Math.round(startRss / 2 ** 20),
    peakRssMb: Math.round(peakRss / 2 ** 20),
  };
}

const genStart = Date.now();
const lines = await generate();
const bytes = statSync(file).size;
const mb = bytes / 2 ** 20;
console.log(
  `generated ${lines} lines, ${mb.toFixed(0)} MiB in ${((Date.now() - genStart) / 1000).toFixed(1)} s`,
);

try {
  // Warm the page cache so neither side pays for the disk; grep runs before and after each
  // classification and the faster of the two is the baseline (the machine is shared).
  grepSeconds();
  for (const workers of workerRuns) {
    const before = grepSeconds();
    const ours = await classifySeconds(workers);
    const after = grepSeconds();
    const grep = before.seconds <= after.seconds ? before : after;
    const grepCpu = Math.min(before.cpuSeconds, after.cpuSeconds);
    console.log(
      `grep -c -E: ${grep.seconds.toFixed(2)} s wall, ${grepCpu.toFixed(2)} s CPU, ${(mb / grep.seconds).toFixed(0)} MiB/s, ${grep.matches} matching lines`,
    );
    const label = workers === 0 ? "classify (1 thread)" : `classify (${workers} workers)`;
    console.log(
      `${label}: ${ours.seconds.toFixed(2)} s wall, ${ours.cpuSeconds.toFixed(2)} s CPU, ${(mb / ours.seconds).toFixed(0)} MiB/s, ` +
        `${Math.round(ours.events / ours.seconds)} events/s, ${ours.events} events, ${ours.sensitive} with detections ` +
        `(${((100 * ours.sensitive) / ours.events).toFixed(1)} %), ${ours.errors} errors, ` +
        `RSS ${ours.startRssMb} MiB before, ${ours.peakRssMb} MiB peak`,
    );
    console.log(`  by class: ${JSON.stringify(ours.byClass)}`);
    console.log(
      `  ratio classify / grep: ${(ours.seconds / grep.seconds).toFixed(2)}x wall, ${(ours.cpuSeconds / grepCpu).toFixed(2)}x CPU (target <= 5x)`,
    );
  }
} finally {
  if (!keep) rmSync(file, { force: true });
}
