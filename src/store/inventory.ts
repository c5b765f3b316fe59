import { type AnyColumn, and, asc, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { buildDemoCompany } from "../domain/demo-company.ts";
import { AppError } from "../domain/errors.ts";
import {
  type AiIntegration,
  type AiIntegrationCreateInput,
  AiIntegrationCreateSchema,
  type AiIntegrationUpdateInput,
  AiIntegrationUpdateSchema,
  transitionVendorStatus,
  type Vendor,
  type VendorCreateInput,
  VendorCreateSchema,
  type VendorStatus,
  type VendorUpdateInput,
  VendorUpdateSchema,
} from "../domain/inventory.ts";
import { classifyTier, type Tier, type TierOverride, type TierResult } from "../domain/tiering.ts";
import type { VendorCatalogEntry } from "../domain/vendor-catalog.ts";
import { type Actor, recordAudit } from "./audit-log.ts";
import { vendorCatalog } from "./catalog.ts";
import type { Db } from "./database.ts";
import { aiIntegrations, modelArtifacts, vendors } from "./schema.ts";

type VendorRow = typeof vendors.$inferSelect;
type IntegrationRow = typeof aiIntegrations.$inferSelect;

/** A vendor as the API shows it: the domain fields plus what is derived from its integrations. */
export interface VendorView extends Vendor {
  tier: Tier;
  computedTier: Tier;
  tierOverridden: boolean;
  nextReviewDue: string;
  lastReviewedOn: string | null;
  integrationCount: number;
  createdAt: string;
  updatedAt: string;
}

/** Today as a calendar date in UTC. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

export function toVendorView(row: VendorRow): VendorView {
  return {
    id: row.id,
    name: row.name,
    website: orUndefined(row.website),
    category: row.category as Vendor["category"],
    owner: orUndefined(row.owner),
    status: row.status as VendorStatus,
    trustPortalUrl: orUndefined(row.trustPortalUrl),
    headquartersCountry: orUndefined(row.headquartersCountry),
    subprocessors: row.subprocessors as Vendor["subprocessors"],
    catalogSlug: orUndefined(row.catalogSlug),
    tier: row.tier as Tier,
    computedTier: row.computedTier as Tier,
    tierOverridden: row.tierOverride !== null,
    nextReviewDue: row.nextReviewDue,
    lastReviewedOn: row.lastReviewedOn,
    integrationCount: row.integrationCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toIntegration(row: IntegrationRow): AiIntegration {
  return {
    id: row.id,
    vendorId: row.vendorId,
    name: row.name,
    productFeature: orUndefined(row.productFeature),
    service: orUndefined(row.service),
    models: row.models as AiIntegration["models"],
    deployment: orUndefined(row.deployment) as AiIntegration["deployment"],
    dataClasses: orUndefined(row.dataClasses) as AiIntegration["dataClasses"],
    processingRegions: row.processingRegions,
    retentionDays: row.retentionDays,
    trainingUse: orUndefined(row.trainingUse) as AiIntegration["trainingUse"],
    customerFacing: row.customerFacing,
    decisionCritical: row.decisionCritical,
    domain: orUndefined(row.domain) as AiIntegration["domain"],
    humanOversight: orUndefined(row.humanOversight) as AiIntegration["humanOversight"],
    owner: orUndefined(row.owner),
    aiActUseCases: orUndefined(row.aiActUseCases) as AiIntegration["aiActUseCases"],
    aiActRole: orUndefined(row.aiActRole) as AiIntegration["aiActRole"],
  };
}

// ---------------------------------------------------------------- reading

export async function getVendorRow(db: Db, workspaceId: string, id: string): Promise<VendorRow> {
  const [row] = await db
    .select()
    .from(vendors)
    .where(and(eq(vendors.workspaceId, workspaceId), eq(vendors.id, id)));
  if (!row) throw new AppError("VENDOR_NOT_FOUND", "No such vendor.", { details: { id } });
  return row;
}

export async function getVendor(db: Db, workspaceId: string, id: string): Promise<VendorView> {
  return toVendorView(await getVendorRow(db, workspaceId, id));
}

export async function listIntegrations(
  db: Db,
  workspaceId: string,
  vendorId: string,
): Promise<AiIntegration[]> {
  const rows = await db
    .select()
    .from(aiIntegrations)
    .where(and(eq(aiIntegrations.workspaceId, workspaceId), eq(aiIntegrations.vendorId, vendorId)))
    .orderBy(asc(aiIntegrations.createdAt), asc(aiIntegrations.id));
  return rows.map(toIntegration);
}

async function getIntegrationRow(db: Db, workspaceId: string, id: string): Promise<IntegrationRow> {
  const [row] = await db
    .select()
    .from(aiIntegrations)
    .where(and(eq(aiIntegrations.workspaceId, workspaceId), eq(aiIntegrations.id, id)));
  if (!row) throw new AppError("INTEGRATION_NOT_FOUND", "No such integration.", { details: { id } });
  return row;
}

export async function getIntegration(db: Db, workspaceId: string, id: string): Promise<AiIntegration> {
  return toIntegration(await getIntegrationRow(db, workspaceId, id));
}

/** The vendor's tier as the rules give it today, with every reason, the override and the next review. */
export async function vendorTier(
  db: Db,
  workspaceId: string,
  vendorId: string,
  asOf = today(),
): Promise<TierResult> {
  const row = await getVendorRow(db, workspaceId, vendorId);
  const integrations = await listIntegrations(db, workspaceId, vendorId);
  const dangerousModels = await db
    .select({ id: modelArtifacts.id, name: modelArtifacts.name })
    .from(modelArtifacts)
    .where(
      and(
        eq(modelArtifacts.workspaceId, workspaceId),
        eq(modelArtifacts.vendorId, vendorId),
        eq(modelArtifacts.verdict, "dangerous"),
      ),
    )
    .orderBy(asc(modelArtifacts.createdAt), asc(modelArtifacts.id));
  return classifyTier({
    integrations,
    dangerousModels,
    asOf,
    lastReviewedOn: row.lastReviewedOn ?? undefined,
    override: (row.tierOverride as TierOverride | null) ?? undefined,
  });
}

/**
 * Recomputes and stores the derived tier fields; call inside the transaction of every change
 * (outside this module, call `inventoryChanged()` after the transaction commits).
 */
export async function refreshVendorTier(tx: Db, workspaceId: string, vendorId: string): Promise<TierResult> {
  const result = await vendorTier(tx, workspaceId, vendorId, today());
  const integrations = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(aiIntegrations)
    .where(eq(aiIntegrations.vendorId, vendorId));
  await tx
    .update(vendors)
    .set({
      computedTier: result.computedTier,
      tier: result.tier,
      nextReviewDue: result.nextReviewDue,
      integrationCount: integrations[0]?.n ?? 0,
    })
    .where(eq(vendors.id, vendorId));
  await tx.execute(sql`UPDATE ${vendors} SET list_json = ${VENDOR_JSON} WHERE ${vendors.id} = ${vendorId}`);
  return result;
}

// ---------------------------------------------------------------- listing

// Totals of list queries are cached per filter until the next inventory write in this process (or
// for a few seconds, for writes made by other server processes on a shared PostgreSQL).
let inventoryVersion = 0;
const COUNT_TTL_MS = 5_000;
const countCache = new Map<string, { version: number; at: number; total: number }>();

/** Drops cached list totals after a write made outside this module (a model scan moving a tier). */
export function inventoryChanged(): void {
  inventoryVersion++;
  countCache.clear();
}

/** Runs a write transaction and then marks the inventory as changed, dropping cached totals. */
async function inventoryWrite<T>(db: Db, body: (tx: Db) => Promise<T>): Promise<T> {
  try {
    return await db.transaction(body);
  } finally {
    inventoryVersion++;
    countCache.clear();
  }
}

export const VENDOR_SORTS = ["name", "tier", "status", "nextReviewDue", "updatedAt"] as const;
export type VendorSort = (typeof VENDOR_SORTS)[number];

export interface VendorListQuery {
  q?: string | undefined;
  tiers?: Tier[] | undefined;
  statuses?: string[] | undefined;
  categories?: string[] | undefined;
  sort: VendorSort;
  direction: "asc" | "desc";
  limit: number;
  cursor?: string | undefined;
}

const isoTime = (column: AnyColumn) =>
  sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A vendor row as the JSON of VendorView (toVendorView's twin in SQL: absent optional fields are
 * stripped, lastReviewedOn stays as null). Stored in `list_json` by every write, so a list page
 * reads ready-made JSON instead of building it per row and request.
 */
const VENDOR_JSON = sql`(jsonb_strip_nulls(jsonb_build_object(
  'id', ${vendors.id}, 'name', ${vendors.name}, 'website', ${vendors.website}, 'category', ${vendors.category},
  'owner', ${vendors.owner}, 'status', ${vendors.status}, 'trustPortalUrl', ${vendors.trustPortalUrl},
  'headquartersCountry', ${vendors.headquartersCountry}, 'subprocessors', ${vendors.subprocessors},
  'catalogSlug', ${vendors.catalogSlug}, 'tier', ${vendors.tier}, 'computedTier', ${vendors.computedTier},
  'tierOverridden', ${vendors.tierOverride} IS NOT NULL, 'nextReviewDue', ${vendors.nextReviewDue}::text,
  'integrationCount', ${vendors.integrationCount},
  'createdAt', ${isoTime(vendors.createdAt)}, 'updatedAt', ${isoTime(vendors.updatedAt)}))
  || jsonb_build_object('lastReviewedOn', ${vendors.lastReviewedOn}::text))`;

const SORT_EXPRESSIONS: Record<VendorSort, { expr: SQL; cast: string }> = {
  name: { expr: sql`lower(${vendors.name})`, cast: "text" },
  tier: { expr: sql`${vendors.tier}`, cast: "smallint" },
  status: { expr: sql`${vendors.status}`, cast: "text" },
  nextReviewDue: { expr: sql`${vendors.nextReviewDue}`, cast: "date" },
  updatedAt: { expr: sql`${vendors.updatedAt}`, cast: "timestamptz" },
};

function decodeCursor(cursor: string): { v: string; id: string } {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as {
      v?: unknown;
      id?: unknown;
    };
    if (typeof parsed.v === "string" && typeof parsed.id === "string" && /^[0-9a-f-]{36}$/.test(parsed.id)) {
      return { v: parsed.v, id: parsed.id };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("VALIDATION_FAILED", "The cursor is not valid; start again from the first page.");
}

/**
 * One page of vendors with search, filters and sorting done by the database, keyset-paged so a
 * page costs the same at the end of a long list as at the start, and the total that matches.
 */
export async function listVendors(db: Db, workspaceId: string, query: VendorListQuery) {
  const filters: SQL[] = [eq(vendors.workspaceId, workspaceId)];
  if (query.tiers?.length) filters.push(inArray(vendors.tier, query.tiers));
  if (query.statuses?.length) filters.push(inArray(vendors.status, query.statuses));
  if (query.categories?.length) filters.push(inArray(vendors.category, query.categories));
  const q = query.q?.trim().toLowerCase();
  // The same expression as the trigram index (migration 0002).
  const haystack = sql`lower(${vendors.name} || ' ' || coalesce(${vendors.owner}, ''))`;
  const searchFilters = q
    ? [...filters, sql`${haystack} LIKE ${`%${q.replace(/[\\%_]/g, (m) => `\\${m}`)}%`}`]
    : filters;
  const total = await countVendors(
    db,
    [workspaceId, q ?? "", query.tiers, query.statuses, query.categories],
    searchFilters,
  );

  const { expr, cast } = SORT_EXPRESSIONS[query.sort];
  // A search that matches many vendors is answered fastest by walking the sort index until the
  // page is full; PostgreSQL cannot estimate a LIKE '%…%' and would scan and sort instead. The
  // total (already known) tells which case this is: a narrow search keeps the trigram index.
  const broadSearch = q !== undefined && q !== "" && total > (query.limit + 1) * 4;
  const pageFilters = broadSearch ? [...filters, sql`strpos(${haystack}, ${q}) > 0`] : [...searchFilters];
  if (query.cursor) {
    const { v, id } = decodeCursor(query.cursor);
    const op = query.direction === "asc" ? sql`>` : sql`<`;
    pageFilters.push(sql`(${expr}, ${vendors.id}) ${op} (${v}::${sql.raw(cast)}, ${id}::uuid)`);
  }
  const dir = sql.raw(query.direction === "asc" ? "ASC" : "DESC");
  // The page is built as JSON by the database in the API's own shape: one text value crosses from
  // the engine instead of a typed field per column and row, which is most of the cost of a list.
  const result = (await db.execute(sql`
    SELECT coalesce(json_agg(page.item ORDER BY page.s ${dir}, page.id ${dir}), '[]')::text AS items
    FROM (
      SELECT ${vendors.id} AS id, ${expr} AS s,
             json_build_object('item', coalesce(${vendors.listJson}, ${VENDOR_JSON}), 'k', (${expr})::text) AS item
      FROM ${vendors}
      WHERE ${and(...pageFilters)}
      ORDER BY ${expr} ${dir}, ${vendors.id} ${dir}
      LIMIT ${query.limit + 1}
    ) AS page`)) as unknown as { rows: { items: string }[] };
  const rows = JSON.parse(result.rows[0]?.items ?? "[]") as {
    item: VendorView & { lastReviewedOn?: string | null };
    k: string;
  }[];
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => ({ ...r.item, lastReviewedOn: r.item.lastReviewedOn ?? null })),
    total,
    nextCursor:
      rows.length > query.limit && last
        ? Buffer.from(JSON.stringify({ v: last.k, id: last.item.id })).toString("base64url")
        : null,
  };
}

/** The number of vendors a filter matches, cached until the next inventory write. */
async function countVendors(db: Db, key: unknown[], filters: SQL[]): Promise<number> {
  const countKey = JSON.stringify(key);
  const cached = countCache.get(countKey);
  if (cached && cached.version === inventoryVersion && Date.now() - cached.at < COUNT_TTL_MS)
    return cached.total;
  const [count] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(vendors)
    .where(and(...filters));
  const total = count?.n ?? 0;
  if (countCache.size > 1000) countCache.clear();
  countCache.set(countKey, { version: inventoryVersion, at: Date.now(), total });
  return total;
}

// ---------------------------------------------------------------- writing

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++, e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: string }).code === "23505") return true;
  }
  return false;
}

async function withVendorNameCheck<T>(name: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", `A vendor named "${name}" already exists.`, { details: { name } });
    }
    throw error;
  }
}

function vendorValues(input: ReturnType<typeof VendorCreateSchema.parse>) {
  return {
    name: input.name,
    website: input.website ?? null,
    category: input.category,
    owner: input.owner ?? null,
    trustPortalUrl: input.trustPortalUrl ?? null,
    headquartersCountry: input.headquartersCountry ?? null,
    subprocessors: input.subprocessors,
    catalogSlug: input.catalogSlug ?? null,
  };
}

/** Inserts a vendor inside a transaction the caller holds (no audit entry). */
/** Inserts a vendor; `refresh: false` leaves the derived fields to a caller that adds integrations next. */
async function insertVendor(
  tx: Db,
  workspaceId: string,
  input: VendorCreateInput,
  options: { refresh: boolean } = { refresh: true },
): Promise<VendorRow> {
  const parsed = VendorCreateSchema.parse(input);
  const [row] = await tx
    .insert(vendors)
    .values({ workspaceId, ...vendorValues(parsed), nextReviewDue: today() })
    .returning();
  if (!row) throw new Error("vendor insert returned no row");
  if (options.refresh) await refreshVendorTier(tx, workspaceId, row.id);
  return row;
}

function integrationValues(input: Partial<ReturnType<typeof AiIntegrationCreateSchema.parse>>) {
  const out: Partial<typeof aiIntegrations.$inferInsert> = {};
  const copy = <K extends keyof typeof out>(key: K, value: (typeof out)[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  copy("name", input.name);
  copy("productFeature", input.productFeature);
  copy("service", input.service);
  copy("models", input.models);
  copy("deployment", input.deployment);
  copy("dataClasses", input.dataClasses);
  copy("processingRegions", input.processingRegions);
  copy("retentionDays", input.retentionDays);
  copy("trainingUse", input.trainingUse);
  copy("customerFacing", input.customerFacing);
  copy("decisionCritical", input.decisionCritical);
  copy("domain", input.domain);
  copy("humanOversight", input.humanOversight);
  copy("owner", input.owner);
  copy("aiActUseCases", input.aiActUseCases);
  copy("aiActRole", input.aiActRole);
  return out;
}

async function insertIntegration(
  tx: Db,
  workspaceId: string,
  vendorId: string,
  input: AiIntegrationCreateInput,
): Promise<IntegrationRow> {
  const parsed = AiIntegrationCreateSchema.parse(input);
  const [row] = await tx
    .insert(aiIntegrations)
    .values({ workspaceId, vendorId, ...integrationValues(parsed), name: parsed.name })
    .returning();
  if (!row) throw new Error("integration insert returned no row");
  return row;
}

export async function createVendor(
  db: Db,
  workspaceId: string,
  input: VendorCreateInput,
  actor: Actor,
): Promise<VendorView> {
  return withVendorNameCheck(input.name, () =>
    inventoryWrite(db, async (tx) => {
      const row = await insertVendor(tx, workspaceId, input);
      await recordAudit(tx, {
        workspaceId,
        actor,
        action: "vendor.create",
        targetType: "vendor",
        targetId: row.id,
        details: { name: row.name, category: row.category, catalogSlug: row.catalogSlug },
      });
      return getVendor(tx, workspaceId, row.id);
    }),
  );
}

export async function updateVendor(
  db: Db,
  workspaceId: string,
  id: string,
  input: VendorUpdateInput,
  actor: Actor,
): Promise<VendorView> {
  const parsed = VendorUpdateSchema.parse(input);
  return withVendorNameCheck(parsed.name ?? "", () =>
    inventoryWrite(db, async (tx) => {
      const before = await getVendorRow(tx, workspaceId, id);
      const set: Partial<typeof vendors.$inferInsert> = { updatedAt: new Date() };
      for (const [key, value] of Object.entries(parsed)) {
        if (value !== undefined) (set as Record<string, unknown>)[key] = value;
      }
      await tx.update(vendors).set(set).where(eq(vendors.id, id));
      await refreshVendorTier(tx, workspaceId, id);
      const changed = Object.keys(parsed).filter(
        (k) =>
          JSON.stringify((before as Record<string, unknown>)[k] ?? null) !==
          JSON.stringify((parsed as Record<string, unknown>)[k] ?? null),
      );
      await recordAudit(tx, {
        workspaceId,
        actor,
        action: "vendor.update",
        targetType: "vendor",
        targetId: id,
        details: { changed, name: before.name },
      });
      return getVendor(tx, workspaceId, id);
    }),
  );
}

/** Moves a vendor through its status lifecycle; a decision records the review date. */
export async function setVendorStatus(
  db: Db,
  workspaceId: string,
  id: string,
  input: { status: VendorStatus; note?: string | undefined },
  actor: Actor,
): Promise<VendorView> {
  return inventoryWrite(db, async (tx) => {
    const before = await getVendorRow(tx, workspaceId, id);
    const status = transitionVendorStatus(before.status as VendorStatus, input.status);
    const decided = status === "approved" || status === "approved_with_conditions" || status === "rejected";
    await tx
      .update(vendors)
      .set({ status, updatedAt: new Date(), ...(decided ? { lastReviewedOn: today() } : {}) })
      .where(eq(vendors.id, id));
    await refreshVendorTier(tx, workspaceId, id);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "vendor.status",
      targetType: "vendor",
      targetId: id,
      details: { from: before.status, to: status, note: input.note },
    });
    return getVendor(tx, workspaceId, id);
  });
}

/** Sets or clears a tier override. The justification is required by the domain schema; the computed tier stays visible. */
export async function setTierOverride(
  db: Db,
  workspaceId: string,
  id: string,
  override: { tier: Tier; justification: string } | null,
  actor: Actor,
): Promise<TierResult> {
  return inventoryWrite(db, async (tx) => {
    const before = await getVendorRow(tx, workspaceId, id);
    const value: TierOverride | null = override ? { ...override, by: actor.label, on: today() } : null;
    await tx.update(vendors).set({ tierOverride: value, updatedAt: new Date() }).where(eq(vendors.id, id));
    const result = await refreshVendorTier(tx, workspaceId, id);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: override ? "vendor.tier_override.set" : "vendor.tier_override.clear",
      targetType: "vendor",
      targetId: id,
      details: {
        from: (before.tierOverride as TierOverride | null)?.tier ?? null,
        to: override?.tier ?? null,
        computedTier: result.computedTier,
        justification: override?.justification,
      },
    });
    return result;
  });
}

export async function deleteVendor(db: Db, workspaceId: string, id: string, actor: Actor): Promise<void> {
  await inventoryWrite(db, async (tx) => {
    const before = await getVendorRow(tx, workspaceId, id);
    await tx.delete(vendors).where(eq(vendors.id, id));
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "vendor.delete",
      targetType: "vendor",
      targetId: id,
      details: { name: before.name, integrations: before.integrationCount },
    });
  });
}

export async function createIntegration(
  db: Db,
  workspaceId: string,
  vendorId: string,
  input: AiIntegrationCreateInput,
  actor: Actor,
): Promise<AiIntegration> {
  return inventoryWrite(db, async (tx) => {
    const vendor = await getVendorRow(tx, workspaceId, vendorId);
    const row = await insertIntegration(tx, workspaceId, vendorId, input);
    const tier = await refreshVendorTier(tx, workspaceId, vendorId);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "integration.create",
      targetType: "integration",
      targetId: row.id,
      details: {
        vendorId,
        vendor: vendor.name,
        name: row.name,
        dataClasses: row.dataClasses,
        tier: tier.tier,
      },
    });
    return toIntegration(row);
  });
}

export async function updateIntegration(
  db: Db,
  workspaceId: string,
  id: string,
  input: AiIntegrationUpdateInput,
  actor: Actor,
): Promise<AiIntegration> {
  const parsed = AiIntegrationUpdateSchema.parse(input);
  return inventoryWrite(db, async (tx) => {
    const before = await getIntegrationRow(tx, workspaceId, id);
    const [row] = await tx
      .update(aiIntegrations)
      .set({ ...integrationValues(parsed), updatedAt: new Date() })
      .where(eq(aiIntegrations.id, id))
      .returning();
    if (!row) throw new AppError("INTEGRATION_NOT_FOUND", "No such integration.");
    const tier = await refreshVendorTier(tx, workspaceId, before.vendorId);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "integration.update",
      targetType: "integration",
      targetId: id,
      details: { vendorId: before.vendorId, changed: Object.keys(parsed), tier: tier.tier },
    });
    return toIntegration(row);
  });
}

export async function deleteIntegration(
  db: Db,
  workspaceId: string,
  id: string,
  actor: Actor,
): Promise<void> {
  await inventoryWrite(db, async (tx) => {
    const before = await getIntegrationRow(tx, workspaceId, id);
    await tx.delete(aiIntegrations).where(eq(aiIntegrations.id, id));
    const tier = await refreshVendorTier(tx, workspaceId, before.vendorId);
    await recordAudit(tx, {
      workspaceId,
      actor,
      action: "integration.delete",
      targetType: "integration",
      targetId: id,
      details: { vendorId: before.vendorId, name: before.name, tier: tier.tier },
    });
  });
}

export interface VendorWithIntegrations {
  vendor: VendorCreateInput;
  integrations: AiIntegrationCreateInput[];
  status?: VendorStatus | undefined;
  lastReviewedOn?: string | null | undefined;
}

/**
 * Creates many vendors with their integrations in one transaction: all of them or, on the first
 * problem, none. Used by the spreadsheet import and the demo workspace.
 */
export async function createVendorsInBulk(
  db: Db,
  workspaceId: string,
  items: VendorWithIntegrations[],
  actor: Actor,
  action: string,
): Promise<{ vendorIds: string[]; integrations: number }> {
  return inventoryWrite(db, async (tx) => {
    const vendorIds: string[] = [];
    let integrations = 0;
    for (const [index, item] of items.entries()) {
      const row = await withVendorNameCheck(item.vendor.name, () =>
        insertVendor(tx, workspaceId, item.vendor, { refresh: false }),
      ).catch((error: unknown) => {
        throw error instanceof AppError
          ? new AppError(error.code, `Item ${index + 1}: ${error.message}`, {
              details: { index, ...error.details },
            })
          : error;
      });
      for (const integration of item.integrations) {
        await insertIntegration(tx, workspaceId, row.id, integration);
        integrations++;
      }
      if ((item.status && item.status !== "proposed") || item.lastReviewedOn) {
        await tx
          .update(vendors)
          .set({ status: item.status ?? "proposed", lastReviewedOn: item.lastReviewedOn ?? null })
          .where(eq(vendors.id, row.id));
      }
      await refreshVendorTier(tx, workspaceId, row.id);
      vendorIds.push(row.id);
    }
    await recordAudit(tx, {
      workspaceId,
      actor,
      action,
      targetType: "vendor",
      targetId: null,
      details: {
        vendors: vendorIds.length,
        integrations,
        names: items.slice(0, 50).map((i) => i.vendor.name),
      },
    });
    return { vendorIds, integrations };
  });
}

export interface InventoryDashboard {
  vendors: number;
  byTier: Record<"1" | "2" | "3", number>;
  byStatus: Record<string, number>;
  reviewsDueNext30Days: { id: string; name: string; tier: Tier; nextReviewDue: string }[];
  overdueReviews: number;
  unreviewed: { id: string; name: string; status: string }[];
}

/** The dashboard's inventory tiles: vendors by tier and status, reviews due soon, vendors never reviewed. */
export async function inventoryDashboard(
  db: Db,
  workspaceId: string,
  asOf = today(),
): Promise<InventoryDashboard> {
  const ws = eq(vendors.workspaceId, workspaceId);
  const tiers = await db
    .select({ tier: vendors.tier, n: sql<number>`count(*)::int` })
    .from(vendors)
    .where(ws)
    .groupBy(vendors.tier);
  const statuses = await db
    .select({ status: vendors.status, n: sql<number>`count(*)::int` })
    .from(vendors)
    .where(ws)
    .groupBy(vendors.status);
  const horizon = new Date(`${asOf}T00:00:00Z`);
  horizon.setUTCDate(horizon.getUTCDate() + 30);
  const active = sql`${vendors.status} NOT IN ('offboarded', 'rejected')`;
  const due = await db
    .select({ id: vendors.id, name: vendors.name, tier: vendors.tier, nextReviewDue: vendors.nextReviewDue })
    .from(vendors)
    .where(
      and(
        ws,
        active,
        sql`${vendors.nextReviewDue} <= ${horizon.toISOString().slice(0, 10)}::date`,
        sql`${vendors.nextReviewDue} >= ${asOf}::date`,
      ),
    )
    .orderBy(asc(vendors.nextReviewDue))
    .limit(20);
  const [overdue] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(vendors)
    .where(and(ws, active, sql`${vendors.nextReviewDue} < ${asOf}::date`));
  const unreviewed = await db
    .select({ id: vendors.id, name: vendors.name, status: vendors.status })
    .from(vendors)
    .where(
      and(ws, inArray(vendors.status, ["proposed", "in_review"]), sql`${vendors.lastReviewedOn} IS NULL`),
    )
    .orderBy(desc(vendors.tier), asc(vendors.name))
    .limit(20);
  const byTier = { "1": 0, "2": 0, "3": 0 };
  for (const t of tiers) byTier[String(t.tier) as "1" | "2" | "3"] = t.n;
  return {
    vendors: tiers.reduce((a, t) => a + t.n, 0),
    byTier,
    byStatus: Object.fromEntries(statuses.map((s) => [s.status, s.n])),
    reviewsDueNext30Days: due.map((d) => ({ ...d, tier: d.tier as Tier })),
    overdueReviews: overdue?.n ?? 0,
    unreviewed,
  };
}

/** Fills a new vendor from the catalogue: name, website, category, trust portal, headquarters. */
export function vendorFromCatalog(
  entry: VendorCatalogEntry,
  overrides: Partial<VendorCreateInput> = {},
): VendorCreateInput {
  const known = <T>(fact: { value: T | "unknown" }): T | undefined =>
    fact.value === "unknown" ? undefined : fact.value;
  return {
    name: entry.name,
    website: entry.website,
    category: entry.category,
    trustPortalUrl: known(entry.trustPortal),
    headquartersCountry: known(entry.headquartersCountry),
    catalogSlug: entry.slug,
    subprocessors: [],
    ...overrides,
  };
}

/** Vendors in use (not rejected or offboarded) and their integrations, for the company data-flow diagram. */
export async function listAllForDiagram(db: Db, workspaceId: string, limit = 500) {
  const rows = await db
    .select({ id: vendors.id, name: vendors.name })
    .from(vendors)
    .where(
      and(eq(vendors.workspaceId, workspaceId), sql`${vendors.status} NOT IN ('rejected', 'offboarded')`),
    )
    .orderBy(desc(vendors.tier), asc(vendors.name))
    .limit(limit);
  const ids = rows.map((r) => r.id);
  const integrations =
    ids.length === 0
      ? []
      : (await db.select().from(aiIntegrations).where(inArray(aiIntegrations.vendorId, ids))).map(
          toIntegration,
        );
  return { vendors: rows, integrations };
}

/** True when the workspace has no vendors yet (the demo fills only an empty inventory). */
export async function inventoryIsEmpty(db: Db, workspaceId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: vendors.id })
    .from(vendors)
    .where(eq(vendors.workspaceId, workspaceId))
    .limit(1);
  return row === undefined;
}

/** Largest spreadsheet the vendor import accepts. */
export const IMPORT_MAX_BYTES = 5 * 1024 * 1024;

/** Fills an empty inventory with the demo company (vendors of every tier and status). */
export async function fillDemoWorkspace(db: Db, workspaceId: string, actor: Actor) {
  if (!(await inventoryIsEmpty(db, workspaceId))) {
    throw new AppError(
      "CONFLICT",
      "The workspace already has vendors; the demo fills only an empty inventory.",
    );
  }
  const company = buildDemoCompany(await vendorCatalog(db), { asOf: today() });
  const result = await createVendorsInBulk(
    db,
    workspaceId,
    company.vendors.map((v) => ({
      vendor: v.vendor,
      integrations: v.integrations,
      status: v.status,
      lastReviewedOn: v.lastReviewedOn,
    })),
    actor,
    "demo.create",
  );
  return { company: company.name, vendors: result.vendorIds.length, integrations: result.integrations };
}

/**
 * Fills the stored list JSON of vendors that have none (rows written before the column existed,
 * or loaded in bulk by SQL). Runs at start; cheap when every row is current.
 */
export async function fillVendorListJson(db: Db): Promise<number> {
  const result = (await db.execute(
    sql`UPDATE ${vendors} SET list_json = ${VENDOR_JSON} WHERE ${vendors.listJson} IS NULL`,
  )) as unknown as {
    affectedRows?: number;
    rowCount?: number;
  };
  return result.affectedRows ?? result.rowCount ?? 0;
}
