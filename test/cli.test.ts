import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { openDatabase } from "../src/store/database.ts";

// The `assay` command as people run it: a real process, exit codes and output checked.

// Each case starts several real processes, each opening the embedded database: slow on a busy machine.
vi.setConfig({ testTimeout: 180_000 });

const BIN = fileURLToPath(new URL("../bin/assay.mjs", import.meta.url));
let dataDir: string;

function assay(args: string[], input?: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ASSAY_DATA_DIR: dataDir, DATABASE_URL: "", ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += String(d);
    });
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.stdin.end(input ?? "");
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "assay-cli-"));
});
afterAll(async () => rm(dataDir, { recursive: true, force: true }));

describe("assay CLI", () => {
  it("migrates, creates a user from stdin and prints only the token", async () => {
    const migrate = await assay(["migrate", "--json"]);
    expect(migrate.code).toBe(0);
    expect(JSON.parse(migrate.stdout).catalog.inserted).toBeGreaterThan(0);

    const created = await assay(
      ["user", "create", "ops@example.com", "--role", "assessor", "--password-stdin", "--json"],
      "a long enough password\n",
    );
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ email: "ops@example.com", role: "assessor" });
    expect(created.stdout + created.stderr).not.toContain("a long enough password");

    const token = await assay(["token", "create", "ops@example.com", "--name", "ci"]);
    expect(token.code).toBe(0);
    expect(token.stdout.trim()).toMatch(/^assay_pat_[\w-]{43}$/);
    const tokenJson = await assay(["token", "create", "ops@example.com", "--name", "ci2", "--json"]);
    expect(Object.keys(JSON.parse(tokenJson.stdout))).toEqual(["token"]);
  });

  it("exits 2 with one clear line on usage and input errors", async () => {
    const badRole = await assay(
      ["user", "create", "x@example.com", "--role", "root", "--password-stdin"],
      "a long enough password\n",
    );
    expect(badRole.code).toBe(2);
    expect(badRole.stderr.trim().split("\n")).toHaveLength(1);
    expect(badRole.stderr).toContain("--role must be one of");
    expect(
      (await assay(["user", "create", "x@example.com", "--role", "viewer", "--password-stdin"], "short\n"))
        .code,
    ).toBe(2);
    expect((await assay(["token", "create", "nobody@example.com", "--name", "x"])).code).toBe(2);
    expect((await assay(["no-such-command"])).code).toBe(2);
    const json = await assay(["token", "create", "nobody@example.com", "--name", "x", "--json"]);
    expect(JSON.parse(json.stdout).error.code).toBe("USER_NOT_FOUND");
  });

  it("exits 5 when a user already exists", async () => {
    const dup = await assay(
      ["user", "create", "OPS@example.com", "--role", "viewer", "--password-stdin"],
      "a long enough password\n",
    );
    expect(dup.code).toBe(5);
  });

  it("audit verify passes, then fails with exit 1 at the entry edited in the database", async () => {
    const ok = await assay(["audit", "verify", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, checked: 3 });

    const database = await openDatabase({ dataDir, databaseUrl: undefined }, { command: "test" });
    await database.db.execute(sql`UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 2`);
    await database.close();

    const broken = await assay(["audit", "verify", "--json"]);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, problem: { seq: 2, kind: "altered" } });
    const human = await assay(["audit", "verify"]);
    expect(human.stdout).toContain("Entry 2");
  });

  it("backs up, refuses to restore over data without --force, and restores with it", async () => {
    const file = path.join(dataDir, "..", `${path.basename(dataDir)}.backup.gz`);
    const backup = await assay(["backup", file, "--json"]);
    expect(backup.code).toBe(0);
    expect(JSON.parse(backup.stdout).tables.users).toBe(1);
    const refused = await assay(["restore", file]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain("--force");
    const forced = await assay(["restore", file, "--force", "--json"]);
    expect(forced.code).toBe(0);
    await rm(file, { force: true });
  });

  it("adds vendors, imports a sheet all-or-nothing and lists them", async () => {
    const added = await assay(["vendor", "add", "--from-catalog", "anthropic", "--json"]);
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: "Anthropic", catalogSlug: "anthropic" });
    expect((await assay(["vendor", "add", "Nameless"])).code).toBe(2);

    const sheet = path.join(dataDir, "..", `${path.basename(dataDir)}-vendors.csv`);
    await writeFile(
      sheet,
      "Vendor,Category,Data sent\nGood Vendor,other,internal\nBad Vendor,other,telepathy\n",
    );
    const refused = await assay(["vendor", "import", sheet]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("row 3");
    expect(refused.stdout).toContain("Nothing was imported");
    const skipped = await assay(["vendor", "import", sheet, "--skip-invalid", "--json"]);
    expect(skipped.code).toBe(0);
    expect(JSON.parse(skipped.stdout).imported).toEqual({ vendors: 1, integrations: 1 });
    await rm(sheet, { force: true });

    const list = await assay(["vendor", "list", "--json"]);
    expect(JSON.parse(list.stdout).items.map((v: { name: string }) => v.name)).toEqual([
      "Anthropic",
      "Good Vendor",
    ]);
    expect((await assay(["demo"])).code).toBe(5);
  });

  it("stops with a message naming the server when the server holds the data folder", async () => {
    const server = spawn(process.execPath, [BIN, "serve", "--json"], {
      env: {
        ...process.env,
        ASSAY_DATA_DIR: dataDir,
        ASSAY_PORT: "0",
        DATABASE_URL: "",
        ASSAY_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        server.stdout.on("data", (d) => {
          out += String(d);
          const m = /"url": "([^"]+)"/.exec(out);
          if (m?.[1]) resolve(m[1]);
        });
        server.once("exit", (code) => reject(new Error(`server exited ${code}`)));
      });
      const blocked = await assay(["token", "create", "ops@example.com", "--name", "x"]);
      expect(blocked.code).toBe(4);
      expect(blocked.stderr).toContain(`pid ${server.pid}`);
      expect(blocked.stderr).toContain(url);
      expect((await fetch(`${url}/api/health`)).status).toBe(200);
    } finally {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
    }
    // The server released the folder on its way out.
    expect((await assay(["migrate"])).code).toBe(0);
  });
});
