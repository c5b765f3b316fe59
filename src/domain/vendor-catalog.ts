/**
 * The AI vendor catalogue: what Assay knows about well-known AI vendors before a customer records
 * anything. Entries are data (catalog/vendors/<slug>.yaml); this module holds their schema and
 * pure lookups. Every statement about the world is a `Fact` carrying its source URL and as-of date,
 * and what is not known is the literal "unknown", never a guess.
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { AppError } from "./errors.ts";
import { VENDOR_CATEGORIES, type VendorCategory } from "./inventory.ts";

// The vocabularies are the inventory's own; re-exported so catalogue readers need one import.
export { TRAINING_USE, type TrainingUse, VENDOR_CATEGORIES, type VendorCategory } from "./inventory.ts";

export const ZERO_RETENTION_OPTIONS = [
  "available",
  "by_approval",
  "not_available",
  "not_applicable",
] as const;
export const BAA_OPTIONS = ["available", "case_by_case", "eligible_services_only", "not_available"] as const;

const isoDate = z.iso.date();
const unknown = z.literal("unknown");

/**
 * A fact about a vendor: a value (or "unknown"), the public page it was read from and the date it
 * was read. `uncertain` marks a fact that only secondary sources state or that sources disagree on.
 */
function fact<T extends z.ZodType>(value: T) {
  return z
    .object({
      value: z.union([unknown, value]),
      source: z.url().optional(),
      asOf: isoDate,
      uncertain: z.boolean().default(false),
      note: z.string().min(1).optional(),
    })
    .strict()
    .refine(
      (f: { value?: unknown; source?: string | undefined }) =>
        f.value === "unknown" || f.source !== undefined,
      {
        message: "a known fact needs its source URL",
        path: ["source"],
      },
    );
}

const certificationSchema = z
  .object({
    name: z.string().min(1),
    scope: z.string().min(1).optional(),
    source: z.url(),
    asOf: isoDate,
    uncertain: z.boolean().default(false),
  })
  .strict();

/**
 * One hostname pattern used to attribute traffic. Labels are matched left to right:
 * `*` is any one label (kept as the resource name), `**` (leading only) is one or more labels,
 * `{resource}` and `{region}` capture a label or part of one (`{region}-aiplatform`).
 */
const hostPatternSchema = z
  .object({
    pattern: z
      .string()
      .min(3)
      .regex(
        /^(\*\*\.)?([a-z0-9-]+|\*|\{resource\}|\{region\}|[a-z0-9-]*\{(resource|region)\}[a-z0-9-]*)(\.([a-z0-9-]+|\*|\{resource\}|\{region\}|[a-z0-9-]*\{(resource|region)\}[a-z0-9-]*))+$/,
        {
          message: "host pattern: dot-separated labels, `*`, a leading `**`, `{resource}` or `{region}`",
        },
      ),
    service: z.string().min(1),
    /** Consumer or web front-end: seen only to discover shadow AI, never an API integration. */
    discoveryOnly: z.boolean().default(false),
    /** Regex over the URL path with a named group `model` (and optionally `region`). */
    pathModel: z.string().min(1).optional(),
    pathRegion: z.string().min(1).optional(),
    /** A region that every request to this host is processed in, when the vendor fixes it. */
    fixedRegion: z.string().min(1).optional(),
    source: z.url().optional(),
  })
  .strict();
export type VendorHostPattern = z.output<typeof hostPatternSchema>;

export const vendorCatalogEntrySchema = z
  .object({
    slug: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
    name: z.string().min(1),
    category: z.enum(VENDOR_CATEGORIES),
    website: z.url(),
    services: z.array(z.object({ id: z.string().min(1), name: z.string().min(1) }).strict()).min(1),
    headquartersCountry: fact(z.string().regex(/^[A-Z]{2}$/)),
    trustPortal: fact(z.url()),
    certifications: z.array(certificationSchema),
    apiRetention: fact(z.string().min(1)),
    defaultApiRetentionDays: fact(z.number().int().min(0)),
    zeroRetention: fact(z.enum(ZERO_RETENTION_OPTIONS)),
    trainingOnApiData: fact(z.enum(["no", "yes", "opt_out_available"])),
    residencyOptions: fact(z.array(z.string().min(1)).min(1)),
    dpa: fact(z.url()),
    subprocessorList: fact(z.url()),
    baa: fact(z.enum(BAA_OPTIONS)),
    hosts: z.array(hostPatternSchema).min(1),
  })
  .strict()
  .superRefine((entry, ctx) => {
    const serviceIds = new Set(entry.services.map((s) => s.id));
    entry.hosts.forEach((host, index) => {
      if (!serviceIds.has(host.service)) {
        ctx.addIssue({
          code: "custom",
          path: ["hosts", index, "service"],
          message: `service "${host.service}" is not listed under services`,
        });
      }
      for (const key of ["pathModel", "pathRegion"] as const) {
        const source = host[key];
        if (source === undefined) continue;
        try {
          new RegExp(source);
        } catch {
          ctx.addIssue({
            code: "custom",
            path: ["hosts", index, key],
            message: "not a valid regular expression",
          });
        }
      }
    });
  });

export type VendorCatalogEntry = z.output<typeof vendorCatalogEntrySchema>;
export type VendorCatalogEntryInput = z.input<typeof vendorCatalogEntrySchema>;

/** Validates one parsed catalogue document; throws CATALOG_INVALID naming the file and field paths. */
export function parseVendorCatalogEntry(document: unknown, origin = "catalogue entry"): VendorCatalogEntry {
  const result = vendorCatalogEntrySchema.safeParse(document);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    const first = issues[0];
    throw new AppError(
      "CATALOG_INVALID",
      `${origin}: ${first ? `${first.path || "(root)"}: ${first.message}` : "invalid"}`,
      { details: { origin, issues } },
    );
  }
  return result.data;
}

/**
 * Parses and validates catalogue YAML documents (file name and text, read by the caller), then checks
 * them as a set. A file whose name is `<slug>.yaml` must hold that slug.
 */
export function parseVendorCatalog(
  files: ReadonlyArray<{ name: string; text: string }>,
): VendorCatalogEntry[] {
  const entries = files.map((file) => {
    let document: unknown;
    try {
      document = parseYaml(file.text, { maxAliasCount: 0 });
    } catch (error) {
      throw new AppError("CATALOG_INVALID", `${file.name}: not valid YAML`, {
        details: { origin: file.name },
        cause: error,
      });
    }
    const entry = parseVendorCatalogEntry(document, file.name);
    const expected = file.name.replace(/^.*\//, "").replace(/\.ya?ml$/, "");
    if (expected !== entry.slug) {
      throw new AppError(
        "CATALOG_INVALID",
        `${file.name}: slug "${entry.slug}" does not match the file name`,
        {
          details: { origin: file.name, slug: entry.slug },
        },
      );
    }
    return entry;
  });
  return checkVendorCatalog(entries);
}

/**
 * Checks a set of entries as a whole: slugs unique, and no host pattern claimed by two vendors
 * (attribution would otherwise depend on file order).
 */
export function checkVendorCatalog(entries: readonly VendorCatalogEntry[]): VendorCatalogEntry[] {
  const slugs = new Set<string>();
  const patterns = new Map<string, string>();
  for (const entry of entries) {
    if (slugs.has(entry.slug)) {
      throw new AppError("CATALOG_INVALID", `duplicate vendor slug "${entry.slug}"`, {
        details: { slug: entry.slug },
      });
    }
    slugs.add(entry.slug);
    for (const host of entry.hosts) {
      const owner = patterns.get(host.pattern);
      if (owner !== undefined) {
        throw new AppError(
          "CATALOG_INVALID",
          `host pattern "${host.pattern}" is claimed by ${owner} and ${entry.slug}`,
          {
            details: { pattern: host.pattern, vendors: [owner, entry.slug] },
          },
        );
      }
      patterns.set(host.pattern, entry.slug);
    }
  }
  return [...entries].sort((a, b) => a.slug.localeCompare(b.slug));
}

/** The entry with this slug; throws CATALOG_ENTRY_NOT_FOUND when the catalogue has none. */
export function findCatalogEntry(entries: readonly VendorCatalogEntry[], slug: string): VendorCatalogEntry {
  const entry = entries.find((e) => e.slug === slug);
  if (entry === undefined) {
    throw new AppError("CATALOG_ENTRY_NOT_FOUND", `no catalogue entry "${slug}"`, { details: { slug } });
  }
  return entry;
}

/** Entries whose name, slug or service names contain the query (case-insensitive), optionally of one category. */
export function searchCatalog(
  entries: readonly VendorCatalogEntry[],
  query: { text?: string; category?: VendorCategory } = {},
): VendorCatalogEntry[] {
  const text = query.text?.trim().toLowerCase() ?? "";
  return entries.filter((entry) => {
    if (query.category !== undefined && entry.category !== query.category) return false;
    if (text === "") return true;
    const haystack = [entry.slug, entry.name, ...entry.services.map((s) => s.name)].join(" ").toLowerCase();
    return haystack.includes(text);
  });
}

/** Facts of an entry that are unknown or marked uncertain, by field name: what a reviewer must still confirm. */
export function openCatalogQuestions(entry: VendorCatalogEntry): string[] {
  const open: string[] = [];
  const factFields = [
    "headquartersCountry",
    "trustPortal",
    "apiRetention",
    "defaultApiRetentionDays",
    "zeroRetention",
    "trainingOnApiData",
    "residencyOptions",
    "dpa",
    "subprocessorList",
    "baa",
  ] as const;
  for (const field of factFields) {
    const f = entry[field];
    if (f.value === "unknown" || f.uncertain) open.push(field);
  }
  for (const cert of entry.certifications) {
    if (cert.uncertain) open.push(`certifications.${cert.name}`);
  }
  return open;
}
