import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DataClassCatalogSchema } from "../domain/data-classes.ts";
import { isAppError } from "../domain/errors.ts";
import { type CatalogKind, catalogEntriesOf, loadCatalog, seedCatalog } from "./catalog.ts";
import type { Database } from "./database.ts";
import { openTestDatabase } from "./testing.ts";

const kinds: CatalogKind[] = [
  { folder: "data-classes", schema: DataClassCatalogSchema, keyOf: (_d, f) => path.basename(f, ".yaml") },
];
const GOOD = `version: 1
asOf: 2026-01-01
classes:
  - { id: pii, label: PII, description: Personal data, sensitivity: 3 }
`;

let root: string;
let database: Database;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "assay-catalog-"));
  await mkdir(path.join(root, "data-classes"));
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
  await rm(root, { recursive: true, force: true });
});

describe("catalogue", () => {
  it("loads the project's own catalogue without errors", async () => {
    const files = await loadCatalog();
    expect(files.some((f) => f.kind === "data-classes")).toBe(true);
  });

  it("names the file and the path inside it for every problem", async () => {
    await writeFile(
      path.join(root, "data-classes", "bad.yaml"),
      "version: 1\nasOf: yesterday\nclasses:\n  - { id: pii, label: PII, description: x, sensitivity: 9 }\n  - { id: telepathy, label: T, description: x, sensitivity: 1 }\n",
    );
    await writeFile(path.join(root, "data-classes", "broken.yaml"), "version: [1\n");
    const error = await loadCatalog(root, kinds).catch((e: unknown) => e);
    expect(isAppError(error, "CATALOG_INVALID")).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain("catalog/data-classes/bad.yaml: asOf:");
    expect(message).toContain("catalog/data-classes/bad.yaml: classes[0].sensitivity:");
    expect(message).toContain("catalog/data-classes/bad.yaml: classes[1].id:");
    expect(message).toContain("catalog/data-classes/broken.yaml: YAML error");
    await rm(path.join(root, "data-classes", "bad.yaml"));
    await rm(path.join(root, "data-classes", "broken.yaml"));
  });

  it("refuses a folder without a registered schema", async () => {
    await mkdir(path.join(root, "mystery"), { recursive: true });
    await writeFile(path.join(root, "mystery", "x.yaml"), "a: 1\n");
    const error = await loadCatalog(root, kinds).catch((e: unknown) => e);
    expect((error as Error).message).toContain("catalog/mystery: no schema is registered");
    await rm(path.join(root, "mystery"), { recursive: true });
  });

  it("seeds idempotently, revises changed files and deactivates removed ones", async () => {
    await writeFile(path.join(root, "data-classes", "one.yaml"), GOOD);
    await writeFile(path.join(root, "data-classes", "two.yaml"), GOOD);
    expect(await seedCatalog(database.db, await loadCatalog(root, kinds))).toEqual({
      inserted: 2,
      updated: 0,
      unchanged: 0,
      deactivated: 0,
    });
    expect(await seedCatalog(database.db, await loadCatalog(root, kinds))).toEqual({
      inserted: 0,
      updated: 0,
      unchanged: 2,
      deactivated: 0,
    });
    await writeFile(
      path.join(root, "data-classes", "one.yaml"),
      GOOD.replace("Personal data", "Personal information"),
    );
    await rm(path.join(root, "data-classes", "two.yaml"));
    expect(await seedCatalog(database.db, await loadCatalog(root, kinds))).toEqual({
      inserted: 0,
      updated: 1,
      unchanged: 0,
      deactivated: 1,
    });
    const active = await catalogEntriesOf(database.db, "data-classes");
    expect(active.map((e) => [e.key, e.revision])).toEqual([["one", 2]]);
  });
});
