import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../domain/errors.ts";
import { acquireDataDirLock, currentDataDirHolder } from "./data-dir-lock.ts";
import { openDatabase } from "./database.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "assay-lock-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("embedded data-folder lock", () => {
  it("lets one process in and names it to the next", async () => {
    const child = spawn(process.execPath, [
      "--input-type=module",
      "-e",
      `import { acquireDataDirLock } from ${JSON.stringify(new URL("./data-dir-lock.ts", import.meta.url).href)};
       const lock = acquireDataDirLock(${JSON.stringify(dir)}, "serve");
       lock.update({ url: "http://127.0.0.1:9999" });
       console.log("held");
       setTimeout(() => {}, 60000);`,
    ]);
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    try {
      expect(currentDataDirHolder(dir)?.pid).toBe(child.pid);
      const error = (() => {
        try {
          acquireDataDirLock(dir, "user create");
        } catch (e) {
          return e;
        }
      })();
      expect(isAppError(error, "DATA_DIR_LOCKED")).toBe(true);
      expect((error as Error).message).toContain(`pid ${child.pid}`);
      expect((error as Error).message).toContain("http://127.0.0.1:9999");
      // The database refuses to open the folder too.
      const open = await openDatabase({ dataDir: dir, databaseUrl: undefined }, { command: "migrate" }).catch(
        (e: unknown) => e,
      );
      expect(isAppError(open, "DATA_DIR_LOCKED")).toBe(true);
    } finally {
      child.kill("SIGKILL");
      await new Promise((r) => child.once("exit", r));
    }
    // The holder died without cleaning up: its stale lock is taken over.
    const lock = acquireDataDirLock(dir, "migrate");
    expect(JSON.parse(await readFile(lock.file, "utf8")).pid).toBe(process.pid);
    lock.release();
    expect(currentDataDirHolder(dir)).toBeUndefined();
  });

  it("takes over a half-written lock file", async () => {
    await writeFile(path.join(dir, "assay.lock"), "{");
    const lock = acquireDataDirLock(dir, "serve");
    lock.release();
  });

  it("opens, closes and reopens a real embedded database folder", async () => {
    const first = await openDatabase({ dataDir: dir, databaseUrl: undefined }, { command: "test" });
    await first.close();
    const second = await openDatabase({ dataDir: dir, databaseUrl: undefined }, { command: "test" });
    expect(second.engine).toBe("pglite");
    await second.close();
  });
});
