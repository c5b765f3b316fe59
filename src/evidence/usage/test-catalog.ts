// Test support: the real vendor catalogue, read once from catalog/vendors for tests and benchmarks.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { VendorCatalogEntry } from "../../domain/vendor-catalog.ts";
import { parseVendorCatalog } from "../../domain/vendor-catalog.ts";

const dir = join(import.meta.dirname, "..", "..", "..", "catalog", "vendors");

export function loadRepoCatalog(): VendorCatalogEntry[] {
  return parseVendorCatalog(
    readdirSync(dir)
      .filter((name) => name.endsWith(".yaml"))
      .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8") })),
  );
}
