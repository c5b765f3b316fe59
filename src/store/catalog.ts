import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { and, eq, notInArray } from "drizzle-orm";
import { parseDocument } from "yaml";
import type { ZodType } from "zod";
import { type AiActCatalog, AiActCatalogSchema } from "../domain/ai-act.ts";
import { DataClassCatalogSchema } from "../domain/data-classes.ts";
import { AppError } from "../domain/errors.ts";
import { QuestionBankSchema } from "../domain/question-bank.ts";
import { RemediationTemplatesSchema } from "../domain/remediation.ts";
import { ScoringWeightsSchema } from "../domain/scoring.ts";
import { type VendorCatalogEntry, vendorCatalogEntrySchema } from "../domain/vendor-catalog.ts";
import type { Db } from "./database.ts";
import { catalogEntries } from "./schema.ts";

export const CATALOG_DIR = fileURLToPath(new URL("../../catalog", import.meta.url));

/** How the files of one catalogue folder are validated and keyed. */
export interface CatalogKind {
  /** Folder under catalog/, also the `kind` stored in the database. */
  folder: string;
  schema: ZodType;
  /** The key an entry is stored under (unique within the kind). */
  keyOf: (data: unknown, file: string) => string;
}

const byFileName = (_data: unknown, file: string) => path.basename(file).replace(/\.ya?ml$/, "");

/** Every catalogue folder the product knows. A folder that is not listed here fails validation. */
export const CATALOG_KINDS: CatalogKind[] = [
  { folder: "data-classes", schema: DataClassCatalogSchema, keyOf: byFileName },
  { folder: "questions", schema: QuestionBankSchema, keyOf: byFileName },
  { folder: "regulation", schema: AiActCatalogSchema, keyOf: byFileName },
  { folder: "remediation", schema: RemediationTemplatesSchema, keyOf: byFileName },
  { folder: "scoring", schema: ScoringWeightsSchema, keyOf: byFileName },
  { folder: "vendors", schema: vendorCatalogEntrySchema, keyOf: byFileName },
];

export interface CatalogFile {
  kind: string;
  key: string;
  file: string;
  contentHash: string;
  data: unknown;
}

function describePath(segments: readonly PropertyKey[]): string {
  if (segments.length === 0) return "(top level)";
  return segments
    .map((s, i) => (typeof s === "number" ? `[${s}]` : `${i === 0 ? "" : "."}${String(s)}`))
    .join("");
}

/**
 * Reads and validates every YAML file under the catalogue folder. Errors name the file and the
 * path inside it ("catalog/questions/ai-vendor-v1.yaml: questions[3].tiers: …"), all at once.
 */
export async function loadCatalog(
  root: string = CATALOG_DIR,
  kinds: CatalogKind[] = CATALOG_KINDS,
): Promise<CatalogFile[]> {
  const problems: string[] = [];
  const files: CatalogFile[] = [];
  const known = new Map(kinds.map((k) => [k.folder, k]));
  const entries = await readdir(root, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory()) continue;
    const kind = known.get(entry.name);
    const names = (await readdir(path.join(root, entry.name))).filter((n) => /\.ya?ml$/.test(n)).sort();
    if (!kind) {
      if (names.length > 0) problems.push(`catalog/${entry.name}: no schema is registered for this folder`);
      continue;
    }
    const keys = new Set<string>();
    for (const name of names) {
      const rel = `catalog/${entry.name}/${name}`;
      const text = await readFile(path.join(root, entry.name, name), "utf8");
      const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
      if (doc.errors.length > 0) {
        for (const e of doc.errors) problems.push(`${rel}: YAML error: ${e.message.split("\n")[0]}`);
        continue;
      }
      const parsed = kind.schema.safeParse(doc.toJS({ maxAliasCount: 100 }));
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push(`${rel}: ${describePath(issue.path)}: ${issue.message}`);
        continue;
      }
      const key = kind.keyOf(parsed.data, rel);
      if (keys.has(key)) problems.push(`${rel}: duplicate key "${key}" in catalog/${entry.name}`);
      keys.add(key);
      files.push({
        kind: kind.folder,
        key,
        file: rel,
        contentHash: createHash("sha256").update(text).digest("hex"),
        data: parsed.data,
      });
    }
  }
  if (problems.length > 0) {
    throw new AppError("CATALOG_INVALID", `The catalogue is not valid:\n  ${problems.join("\n  ")}`, {
      details: { problems },
    });
  }
  return files;
}

export interface SeedResult {
  inserted: number;
  updated: number;
  unchanged: number;
  deactivated: number;
}

/**
 * Writes validated catalogue files into the database. Idempotent: an unchanged file is left
 * alone, a changed one gets a new revision, and an entry whose file disappeared is deactivated
 * (kept, because assessments may refer to it).
 */
export async function seedCatalog(db: Db, files: CatalogFile[]): Promise<SeedResult> {
  const result: SeedResult = { inserted: 0, updated: 0, unchanged: 0, deactivated: 0 };
  await db.transaction(async (tx) => {
    const existing = await tx.select().from(catalogEntries);
    const byId = new Map(existing.map((row) => [`${row.kind}\u0000${row.key}`, row]));
    for (const file of files) {
      const row = byId.get(`${file.kind}\u0000${file.key}`);
      if (!row) {
        await tx.insert(catalogEntries).values({
          kind: file.kind,
          key: file.key,
          sourceFile: file.file,
          contentHash: file.contentHash,
          data: file.data,
        });
        result.inserted++;
      } else if (row.contentHash !== file.contentHash || !row.active) {
        await tx
          .update(catalogEntries)
          .set({
            sourceFile: file.file,
            contentHash: file.contentHash,
            data: file.data,
            active: true,
            revision: row.revision + 1,
            loadedAt: new Date(),
          })
          .where(and(eq(catalogEntries.kind, file.kind), eq(catalogEntries.key, file.key)));
        result.updated++;
      } else {
        result.unchanged++;
      }
    }
    const kinds = [...new Set(existing.map((r) => r.kind))];
    for (const kind of kinds) {
      const keep = files.filter((f) => f.kind === kind).map((f) => f.key);
      const stale = existing.filter((r) => r.kind === kind && r.active && !keep.includes(r.key));
      if (stale.length === 0) continue;
      const where =
        keep.length > 0
          ? and(eq(catalogEntries.kind, kind), notInArray(catalogEntries.key, keep))
          : eq(catalogEntries.kind, kind);
      await tx.update(catalogEntries).set({ active: false }).where(where);
      result.deactivated += stale.length;
    }
  });
  return result;
}

/** The active entries of one kind, as stored. */
export async function catalogEntriesOf(db: Db, kind: string) {
  return db
    .select()
    .from(catalogEntries)
    .where(and(eq(catalogEntries.kind, kind), eq(catalogEntries.active, true)));
}

/** The AI vendor catalogue as stored (validated at load), sorted by name. */
export async function vendorCatalog(db: Db): Promise<VendorCatalogEntry[]> {
  const rows = await catalogEntriesOf(db, "vendors");
  return rows.map((r) => r.data as VendorCatalogEntry).sort((a, b) => a.name.localeCompare(b.name));
}

/** One catalogue entry by slug, or CATALOG_ENTRY_NOT_FOUND. */
export async function vendorCatalogEntry(db: Db, slug: string): Promise<VendorCatalogEntry> {
  const [row] = await db
    .select()
    .from(catalogEntries)
    .where(
      and(eq(catalogEntries.kind, "vendors"), eq(catalogEntries.key, slug), eq(catalogEntries.active, true)),
    );
  if (!row)
    throw new AppError("CATALOG_ENTRY_NOT_FOUND", `The vendor catalogue has no entry "${slug}".`, {
      details: { slug },
    });
  return row.data as VendorCatalogEntry;
}

/** The EU AI Act dates and obligations (catalog/regulation/eu-ai-act.yaml). */
export async function aiActCatalog(db: Db): Promise<AiActCatalog> {
  const [row] = await db
    .select()
    .from(catalogEntries)
    .where(
      and(
        eq(catalogEntries.kind, "regulation"),
        eq(catalogEntries.key, "eu-ai-act"),
        eq(catalogEntries.active, true),
      ),
    );
  if (!row)
    throw new AppError(
      "CATALOG_ENTRY_NOT_FOUND",
      "The EU AI Act catalogue (catalog/regulation/eu-ai-act.yaml) is not loaded.",
    );
  return row.data as AiActCatalog;
}
