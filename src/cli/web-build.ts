import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WEB = path.join(ROOT, "web");
const STAMP = path.join(WEB, "dist", ".assay-build");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** True when web/dist is missing or older than any source of the web app or the lockfile. */
export function webBuildIsStale(): boolean {
  if (!existsSync(STAMP) || !existsSync(path.join(WEB, "dist", "index.html"))) return true;
  const built = statSync(STAMP).mtimeMs;
  const lock = path.join(ROOT, "package-lock.json");
  return newestMtime(WEB) > built || (existsSync(lock) && statSync(lock).mtimeMs > built);
}

/** Builds the web app with Vite's API (no shell), then writes the stamp. */
export async function buildWeb(): Promise<void> {
  const { build } = await import("vite");
  await build({ configFile: path.join(WEB, "vite.config.ts"), logLevel: "warn" });
  writeFileSync(STAMP, new Date().toISOString());
}
