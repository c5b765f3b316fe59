#!/usr/bin/env node
// The `assay` command. Assay runs on Node.js 24 (pinned as the `node` devDependency); when this
// file is started by an older Node, it hands over to the pinned one.
import { spawnSync } from "node:child_process";
import { createRequire, enableCompileCache } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);

// Caching compiled code halves start-up, which matters for short commands run in CI loops.
const compileCache = path.join(tmpdir(), "assay-compile-cache");

if (major >= 24) {
  enableCompileCache?.(compileCache);
  const { runCli } = await import(entry);
  await runCli(process.argv);
} else {
  let pinned;
  try {
    pinned = createRequire(import.meta.url).resolve("node/bin/node");
  } catch {
    process.stderr.write(
      `assay needs Node.js 24 or newer (this is ${process.version}); run \`npm ci\` to install the pinned one.\n`,
    );
    process.exit(70);
  }
  const result = spawnSync(pinned, [entry, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? compileCache },
  });
  process.exit(result.status ?? 70);
}
