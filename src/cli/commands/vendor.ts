import type { Command } from "commander";
import { AppError } from "../../domain/errors.ts";
import { VENDOR_CATEGORIES, VENDOR_STATUSES, type VendorCategory } from "../../domain/inventory.ts";
import type { Tier } from "../../domain/tiering.ts";
import { vendorCatalogEntry } from "../../store/catalog.ts";
import {
  createVendor,
  listVendors,
  VENDOR_SORTS,
  type VendorSort,
  vendorFromCatalog,
} from "../../store/inventory.ts";
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
