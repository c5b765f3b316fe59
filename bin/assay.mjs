#!/usr/bin/env node
// The `assay` command. Assay runs on Node.js 24 (pinned as the `node` devDependency); when this
// file is started by an older Node, it hands over to the pinned one.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const entry = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const major = Number(process.versions.node.split(".")[0]);

if (major >= 24) {
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
  const result = spawnSync(pinned, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(result.status ?? 70);
}
