import fs from "node:fs";
import path from "node:path";
import { AppError } from "../domain/errors.ts";

/** What the holder of the embedded data folder wrote about itself. */
export interface LockHolder {
  pid: number;
  command: string;
  startedAt: string;
  url?: string;
}

export interface DataDirLock {
  readonly file: string;
  /** Records the URL the server listens on, so a second process can name it. */
  update(info: Partial<LockHolder>): void;
  release(): void;
}

const LOCK_NAME = "assay.lock";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM means the process exists but belongs to someone else: still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as Partial<LockHolder>;
    return typeof parsed.pid === "number" ? (parsed as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** Describes the process holding the folder in one sentence, for error messages. */
export function describeHolder(holder: LockHolder): string {
  const where = holder.url ? `, serving ${holder.url}` : "";
  return `pid ${holder.pid} ("assay ${holder.command}"${where}, since ${holder.startedAt})`;
}

/**
 * Takes exclusive ownership of an embedded data folder. PGlite must never be opened by two
 * processes at once (two writers corrupt it), so the second one stops here with a message that
 * names the first. A lock left by a process that no longer exists is taken over.
 */
export function acquireDataDirLock(dataDir: string, command: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, LOCK_NAME);
  let holder: LockHolder = { pid: process.pid, command, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, "wx", 0o600);
      fs.writeSync(fd, JSON.stringify(holder));
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        const current = readHolder(file);
        if (current?.pid === process.pid) fs.rmSync(file, { force: true });
        process.off("exit", release);
      };
      process.on("exit", release);
      return {
        file,
        update(info) {
          holder = { ...holder, ...info };
          fs.writeFileSync(file, JSON.stringify(holder), { mode: 0o600 });
        },
        release,
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const current = readHolder(file);
      if (current && current.pid !== process.pid && isAlive(current.pid)) {
        throw new AppError(
          "DATA_DIR_LOCKED",
          `The data folder ${dataDir} is in use by another Assay process: ${describeHolder(current)}. ` +
            "Only one process may open the embedded database; stop that process first, or work through its API.",
          { details: { dataDir, holder: current } },
        );
      }
      if (current && current.pid === process.pid) {
        throw new AppError("DATA_DIR_LOCKED", `This process already holds the data folder ${dataDir}.`, {
          details: { dataDir },
        });
      }
      // Stale lock (holder gone, or unreadable half-written file): remove and try again.
      fs.rmSync(file, { force: true });
    }
  }
  throw new AppError("DATA_DIR_LOCKED", `Could not take the lock on the data folder ${dataDir}.`, {
    details: { dataDir },
  });
}

/** Who holds the folder now, if anyone alive does. */
export function currentDataDirHolder(dataDir: string): LockHolder | undefined {
  const holder = readHolder(path.join(dataDir, LOCK_NAME));
  return holder && isAlive(holder.pid) ? holder : undefined;
}
