import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIOME = fileURLToPath(new URL("../node_modules/@biomejs/biome/bin/biome", import.meta.url));
// A scratch tree with the project's own biome.json, so probes never touch the real source folders.
const scratch = mkdtempSync(path.join(tmpdir(), "assay-layers-"));
copyFileSync(fileURLToPath(new URL("../biome.json", import.meta.url)), path.join(scratch, "biome.json"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Lints source text placed at `file` under the project's lint configuration, as `npm run lint` would. */
function lintAs(file: string, source: string) {
  const full = path.join(scratch, file);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, source);
  const run = spawnSync(process.execPath, [BIOME, "lint", "--vcs-enabled=false", file], {
    cwd: scratch,
    encoding: "utf8",
  });
  rmSync(full);
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

describe("layer boundaries (domain ← evidence ← store ← server/cli)", () => {
  const cases = [
    {
      file: "src/domain/probe.ts",
      source: 'import { openDatabase } from "../store/database.ts";\nexport const x = openDatabase;\n',
      says: "src/domain holds pure rules",
    },
    {
      file: "src/domain/probe.ts",
      source: 'import pg from "pg";\nexport const x = pg;\n',
      says: "src/domain is pure",
    },
    {
      file: "src/evidence/soc2/probe.ts",
      source: 'import { buildApp } from "../../server/app.ts";\nexport const x = buildApp;\n',
      says: "src/evidence reads outside formats",
    },
    {
      file: "src/store/probe.ts",
      source: 'import { buildApp } from "../server/app.ts";\nexport const x = buildApp;\n',
      says: "src/store owns schema and queries",
    },
    {
      file: "web/src/probe.ts",
      source: 'import { users } from "../../src/store/schema.ts";\nexport const x = users;\n',
      says: "the web app talks to the server only through /api",
    },
  ];

  for (const c of cases) {
    it(`rejects a violating import in ${c.file} with a message that explains the rule`, () => {
      const result = lintAs(c.file, c.source);
      expect(result.code).not.toBe(0);
      expect(result.output).toContain("noRestrictedImports");
      expect(result.output).toContain(c.says);
    });
  }

  it("accepts imports that follow the direction", () => {
    expect(
      lintAs(
        "src/store/probe.ts",
        'import { AppError } from "../domain/errors.ts";\nexport const x = AppError;\n',
      ).code,
    ).toBe(0);
    expect(
      lintAs(
        "src/server/probe.ts",
        'import { openDatabase } from "../store/database.ts";\nexport const x = openDatabase;\n',
      ).code,
    ).toBe(0);
  });
});
