import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import { VENDOR_CATEGORIES, VENDOR_STATUSES, type VendorCategory } from "../../domain/inventory.ts";
import type { Tier } from "../../domain/tiering.ts";
import {
  type ColumnMapping,
  IMPORT_FIELDS,
  type ImportField,
  mapImportRows,
  suggestColumnMapping,
} from "../../domain/vendor-import.ts";
import { readTable } from "../../evidence/spreadsheet/index.ts";
import { vendorCatalog, vendorCatalogEntry } from "../../store/catalog.ts";
import {
  createVendor,
  createVendorsInBulk,
  fillDemoWorkspace,
  IMPORT_MAX_BYTES,
  listVendors,
  VENDOR_SORTS,
  type VendorSort,
  vendorFromCatalog,
} from "../../store/inventory.ts";
import { EXIT } from "../exit-codes.ts";
import { withStore } from "../open-store.ts";
import { action, emit, withJson } from "../output.ts";

const CLI_ACTOR = { type: "system" as const, id: null, label: "assay CLI" };

function listOf<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
  flag: string,
): T[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw
    .split(",")
    .map((v) => v.trim())
    .filter(Boolean);
  const bad = values.filter((v) => !allowed.includes(v as T));
  if (bad.length > 0)
    throw new AppError("VALIDATION_FAILED", `${flag} takes ${allowed.join(", ")}; not ${bad.join(", ")}.`);
  return values as T[];
}

function pad(text: string, width: number): string {
  return text.length >= width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

export function registerVendorCommand(program: Command): void {
  const vendor = program.command("vendor").description("the AI vendor inventory");

  withJson(
    vendor
      .command("list")
      .description("list vendors (all pages, or --limit)")
      .option("--search <text>", "match name or owner")
      .option("--tier <tiers>", "comma-separated tiers, e.g. 2,3")
      .option("--status <statuses>", `comma-separated: ${VENDOR_STATUSES.join(", ")}`)
      .option("--category <categories>", "comma-separated vendor categories")
      .option("--sort <field>", `one of ${VENDOR_SORTS.join(", ")}`, "name")
      .option("--desc", "sort descending")
      .option("--limit <n>", "at most this many vendors"),
  ).action(
    action(
      async (options: {
        search?: string;
        tier?: string;
        status?: string;
        category?: string;
        sort: string;
        desc?: boolean;
        limit?: string;
        json?: boolean;
      }) => {
        if (!VENDOR_SORTS.includes(options.sort as VendorSort))
          throw new AppError("VALIDATION_FAILED", `--sort must be one of ${VENDOR_SORTS.join(", ")}.`);
        const tiers = listOf(options.tier, ["1", "2", "3"], "--tier")?.map(Number) as Tier[] | undefined;
        const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);
        if (!(limit > 0)) throw new AppError("VALIDATION_FAILED", "--limit must be a positive number.");
        const result = await withStore("vendor list", async (database, workspaceId) => {
          const items = [];
          let cursor: string | undefined;
          let total = 0;
          do {
            const page = await listVendors(database.db, workspaceId, {
              q: options.search,
              tiers,
              statuses: listOf(options.status, VENDOR_STATUSES, "--status"),
              categories: listOf(options.category, VENDOR_CATEGORIES, "--category"),
              sort: options.sort as VendorSort,
              direction: options.desc ? "desc" : "asc",
              limit: Math.min(200, limit - items.length),
              cursor,
            });
            items.push(...page.items);
            total = page.total;
            cursor = page.nextCursor ?? undefined;
          } while (cursor && items.length < limit);
          return { items, total };
        });
        emit(options, result, () => [
          `${pad("NAME", 32)} ${pad("TIER", 6)} ${pad("STATUS", 26)} ${pad("CATEGORY", 26)} NEXT REVIEW`,
          ...result.items.map(
            (v) =>
              `${pad(v.name, 32)} ${pad(`${v.tier}${v.tierOverridden ? "*" : ""}`, 6)} ${pad(v.status, 26)} ${pad(v.category, 26)} ${v.nextReviewDue}`,
          ),
          `${result.items.length} of ${result.total} vendors${result.items.some((v) => v.tierOverridden) ? " (* tier overridden)" : ""}`,
        ]);
      },
    ),
  );

  withJson(
    vendor
      .command("add [name]")
      .description("add a vendor, or pre-fill it from the catalogue with --from-catalog <slug>")
      .option("--from-catalog <slug>", "catalogue entry, e.g. openai, anthropic, aws-bedrock")
      .option("--category <category>", VENDOR_CATEGORIES.join(", "))
      .option("--website <url>")
      .option("--owner <owner>"),
  ).action(
    action(
      async (
        name: string | undefined,
        options: {
          fromCatalog?: string;
          category?: string;
          website?: string;
          owner?: string;
          json?: boolean;
        },
      ) => {
        const created = await withStore("vendor add", async (database, workspaceId) => {
          if (options.fromCatalog) {
            const entry = await vendorCatalogEntry(database.db, options.fromCatalog);
            const input = vendorFromCatalog(entry, {
              ...(name ? { name } : {}),
              ...(options.owner ? { owner: options.owner } : {}),
            });
            return createVendor(database.db, workspaceId, input, CLI_ACTOR);
          }
          if (!name)
            throw new AppError("VALIDATION_FAILED", "Give the vendor's name, or --from-catalog <slug>.");
          if (!options.category || !VENDOR_CATEGORIES.includes(options.category as VendorCategory)) {
            throw new AppError(
              "VALIDATION_FAILED",
              `--category is required: one of ${VENDOR_CATEGORIES.join(", ")}.`,
            );
          }
          return createVendor(
            database.db,
            workspaceId,
            {
              name,
              category: options.category as VendorCategory,
              website: options.website,
              owner: options.owner,
            },
            CLI_ACTOR,
          );
        });
        emit(
          options,
          created,
          () => `Added ${created.name} (${created.id}), tier ${created.tier}, status ${created.status}.`,
        );
      },
    ),
  );
}

/** "vendorName=Supplier,dataClasses=Data sent" → a column mapping. */
function parseMapping(raw: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  for (const pair of raw.split(",")) {
    const [field, header] = pair.split("=").map((p) => p.trim());
    if (!field || !header || !IMPORT_FIELDS.includes(field as ImportField)) {
      throw new AppError(
        "VALIDATION_FAILED",
        `--map takes field=Header pairs with fields from: ${IMPORT_FIELDS.join(", ")}.`,
      );
    }
    mapping[field as ImportField] = header;
  }
  return mapping;
}

export function registerVendorImportCommands(program: Command): void {
  const vendor = program.commands.find((c) => c.name() === "vendor") ?? program.command("vendor");
  withJson(
    vendor
      .command("import <file>")
      .description("import vendors from a CSV or XLSX sheet: all rows or none (preview with --dry-run)")
      .option(
        "--map <pairs>",
        "column mapping, e.g. vendorName=Supplier,dataClasses=Data sent (default: guessed from the headers)",
      )
      .option("--sheet <name>", "XLSX worksheet (default: the first)")
      .option("--dry-run", "show what would be imported and every rejected row, write nothing")
      .option(
        "--skip-invalid",
        "import the good rows even when some are rejected (each rejection is reported)",
      ),
  ).action(
    action(
      async (
        file: string,
        options: { map?: string; sheet?: string; dryRun?: boolean; skipInvalid?: boolean; json?: boolean },
      ) => {
        const bytes = await readFile(file).catch(() => {
          throw new AppError("FILE_NOT_FOUND", `Cannot read ${file}.`);
        });
        const table = await readTable(new Uint8Array(bytes), {
          sheet: options.sheet,
          maxBytes: IMPORT_MAX_BYTES,
        });
        const mapping = options.map ? parseMapping(options.map) : suggestColumnMapping(table.headers);
        const outcome = await withStore("vendor import", async (database, workspaceId) => {
          const catalog = (await vendorCatalog(database.db)).map((e) => ({
            slug: e.slug,
            name: e.name,
            category: e.category,
            website: e.website,
          }));
          const mapped = mapImportRows(table, mapping, { catalog });
          const blocked = mapped.rejected.length > 0 && !options.skipInvalid;
          if (options.dryRun || blocked || mapped.vendors.length === 0) return { mapped, imported: null };
          const result = await createVendorsInBulk(
            database.db,
            workspaceId,
            mapped.vendors.map((v) => ({ vendor: v.vendor, integrations: v.integrations, status: v.status })),
            { type: "system", id: null, label: "assay CLI" },
            "vendor.import",
          );
          return {
            mapped,
            imported: { vendors: result.vendorIds.length, integrations: result.integrations },
          };
        });
        const { mapped, imported } = outcome;
        emit(
          options,
          {
            mapping,
            rowCount: mapped.rowCount,
            vendors: mapped.vendors.map((v) => ({
              name: v.vendor.name,
              rowNumbers: v.rowNumbers,
              integrations: v.integrations.length,
            })),
            rejected: mapped.rejected,
            imported,
          },
          () => [
            `Mapping: ${
              Object.entries(mapping)
                .map(([f, h]) => `${f} ← "${h}"`)
                .join(", ") || "(none)"
            }`,
            `${mapped.rowCount} rows: ${mapped.vendors.length} vendors, ${mapped.rejected.length} rejected.`,
            ...mapped.rejected.map(
              (r) => `  row ${r.rowNumber}${r.column ? ` (${r.column})` : ""}: ${r.reason}`,
            ),
            imported
              ? `Imported ${imported.vendors} vendors with ${imported.integrations} integrations.`
              : options.dryRun
                ? "Dry run: nothing was imported."
                : mapped.rejected.length > 0
                  ? "Nothing was imported: fix the rejected rows, or pass --skip-invalid."
                  : "Nothing to import.",
          ],
        );
        return imported ? EXIT.ok : mapped.rejected.length > 0 && !options.dryRun ? EXIT.findings : EXIT.ok;
      },
    ),
  );

  withJson(
    program.command("demo").description("fill an empty workspace with a realistic example company"),
  ).action(
    action(async (options: { json?: boolean }) => {
      const result = await withStore("demo", (database, workspaceId) =>
        fillDemoWorkspace(database.db, workspaceId, { type: "system", id: null, label: "assay CLI" }),
      );
      emit(
        options,
        result,
        () =>
          `Filled the demo company ${result.company}: ${result.vendors} vendors, ${result.integrations} integrations.`,
      );
    }),
  );
}
