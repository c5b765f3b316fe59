// Vendor-list API under load on the embedded database (issue 3 item 12).
//
//   node bench/vendor-list.ts [--vendors 10000] [--integrations 50000] [--clients 20] [--requests 3000]
//
// Seeds a PGlite data folder with the vendors and integrations (tiers computed by the real rules),
// starts the real server on a free port, then runs `clients` concurrent loops of realistic list
// queries (first page, search, tier/status/category filters, other sorts, next pages by cursor)
// from a load generator in a worker thread (bench/http-load.ts), as separate clients would.
// The baseline, measured the same way in the same run, is GET /api/health: the cost of the HTTP
// stack, auth and logging with no query. Prints p50/p95/p99 and the ratio of p95s.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { classifyTier } from "../src/domain/tiering.ts";
import { readServerConfig } from "../src/server/config.ts";
import { createLogger } from "../src/server/logger.ts";
import { startServer } from "../src/server/start.ts";
import { SYSTEM_ACTOR } from "../src/store/audit-log.ts";
import { createApiToken } from "../src/store/auth.ts";
import { openDatabase } from "../src/store/database.ts";
import { fillVendorListJson, today, toIntegration } from "../src/store/inventory.ts";
import { aiIntegrations } from "../src/store/schema.ts";
import { createUser } from "../src/store/users.ts";
import { ensureDefaultWorkspace } from "../src/store/workspaces.ts";
import { type LoadPlan, runLoad } from "./http-load.ts";

const { values } = parseArgs({
  options: {
    vendors: { type: "string", default: "10000" },
    integrations: { type: "string", default: "50000" },
    clients: { type: "string", default: "20" },
    requests: { type: "string", default: "3000" },
  },
});
const VENDORS = Number(values.vendors);
const INTEGRATIONS = Number(values.integrations);
const CLIENTS = Number(values.clients);
const REQUESTS = Number(values.requests);

const dataDir = await mkdtemp(path.join(tmpdir(), "assay-bench-vendors-"));
const database = await openDatabase({ dataDir, databaseUrl: undefined }, { command: "bench" });
const { db } = database;
const workspaceId = await ensureDefaultWorkspace(db);

const t0 = performance.now();
// Seeding by SQL keeps setup to seconds; the tier columns are then computed by classifyTier itself.
await db.execute(sql`
  INSERT INTO vendors (workspace_id, name, category, owner, status, next_review_due, website)
  SELECT ${workspaceId}::uuid,
         'Vendor ' || lpad(i::text, 5, '0') || ' ' || (ARRAY['Labs','AI','Cloud','Data','Systems'])[1 + i % 5],
         (ARRAY['foundation_model_provider','cloud_ai_platform','model_hub','vector_database','data_platform','labeling','observability','identity','other'])[1 + i % 9],
         (ARRAY['Platform team','Data team','Security','Support','Growth'])[1 + i % 5],
         (ARRAY['proposed','in_review','approved','approved_with_conditions','rejected','offboarded'])[1 + (i * 7) % 6],
         ${today()}::date,
         'https://vendor' || i || '.example.com'
  FROM generate_series(1, ${VENDORS}) AS i`);
await db.execute(sql`
  INSERT INTO ai_integrations (workspace_id, vendor_id, name, product_feature, service, data_classes, processing_regions,
                               retention_days, training_use, customer_facing, decision_critical, domain, deployment)
  SELECT ${workspaceId}::uuid, v.id, 'Integration ' || g.i, 'Feature ' || (g.i % 40), 'API',
         CASE g.i % 5 WHEN 0 THEN ARRAY['internal'] WHEN 1 THEN ARRAY['public'] WHEN 2 THEN ARRAY['pii','customer_data']
                      WHEN 3 THEN ARRAY['phi'] ELSE ARRAY['internal','confidential'] END,
         ARRAY['us'], 30, (ARRAY['no','no','no','opt_out_available'])[1 + g.i % 4],
         (g.i % 3 = 0), (g.i % 11 = 0),
         (ARRAY['general','general','general','healthcare','finance_credit','education'])[1 + g.i % 6], 'vendor_api'
  FROM generate_series(1, ${INTEGRATIONS}) AS g(i)
  JOIN (SELECT id, row_number() OVER (ORDER BY name) AS rn FROM vendors) v ON v.rn = 1 + (g.i::bigint * 7919) % ${VENDORS}`);
const rows = (await db.select().from(aiIntegrations)).map(toIntegration);
const byVendor = new Map<string, ReturnType<typeof toIntegration>[]>();
for (const r of rows) byVendor.set(r.vendorId, [...(byVendor.get(r.vendorId) ?? []), r]);
const vendorIds = ((await db.execute(sql`SELECT id FROM vendors`)) as unknown as { rows: { id: string }[] })
  .rows;
const updates = vendorIds.map(({ id }) => {
  const result = classifyTier({ integrations: byVendor.get(id) ?? [], asOf: today() });
  return { id, tier: result.tier, next: result.nextReviewDue, n: byVendor.get(id)?.length ?? 0 };
});
await db.execute(sql`
  UPDATE vendors SET tier = u.tier, computed_tier = u.tier, next_review_due = u.next::date, integration_count = u.n
  FROM json_to_recordset(${JSON.stringify(updates)}::json) AS u(id uuid, tier smallint, next text, n int)
  WHERE vendors.id = u.id`);
await fillVendorListJson(db);
await db.execute(sql`ANALYZE`);
const seedMs = performance.now() - t0;

const admin = await createUser(
  db,
  { workspaceId, email: "bench@example.com", role: "admin", password: "bench password 123" },
  SYSTEM_ACTOR,
);
const { token } = await createApiToken(db, { workspaceId, userId: admin.id, name: "bench" }, SYSTEM_ACTOR);
const server = await startServer(readServerConfig({ ASSAY_PORT: "0", ASSAY_LOG_LEVEL: "warn" }), {
  database,
  logger: createLogger("warn"),
});
const headers = { authorization: `Bearer ${token}` };

const QUERIES = [
  "/api/vendors",
  "/api/vendors?sort=tier&direction=desc",
  "/api/vendors?q=vendor%2001",
  "/api/vendors?q=labs&tier=3",
  "/api/vendors?tier=2,3&status=in_review,proposed",
  "/api/vendors?category=vector_database&sort=nextReviewDue",
  "/api/vendors?status=approved&sort=updatedAt&direction=desc",
  "/api/vendors?q=data%20team&limit=100",
];

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
const fmt = (n: number) => `${n.toFixed(1)} ms`;

const plan = (paths: string[], followCursor: boolean): LoadPlan => ({
  baseUrl: server.url,
  headers,
  paths,
  requests: REQUESTS,
  clients: CLIENTS,
  followCursor,
});

// Warm up both paths (JIT, plan cache) before measuring.
await runLoad(plan(["/api/health"], false));
await runLoad(plan(QUERIES, false));

const baselineRun = await runLoad(plan(["/api/health"], false));
const listRun = await runLoad(plan(QUERIES, true));
const baseline = baselineRun.latencies;
const list = listRun.latencies;
const baselineSeconds = baselineRun.seconds;
const listSeconds = listRun.seconds;

console.log(
  `seeded ${VENDORS} vendors and ${INTEGRATIONS} integrations in ${(seedMs / 1000).toFixed(1)} s (embedded database in a data folder)`,
);
console.log(`${CLIENTS} concurrent clients, ${REQUESTS} requests per path`);
console.log(
  `baseline GET /api/health: p50 ${fmt(pct(baseline, 50))}  p95 ${fmt(pct(baseline, 95))}  p99 ${fmt(pct(baseline, 99))}  (${(baseline.length / baselineSeconds).toFixed(0)} req/s)`,
);
console.log(
  `vendor list (8 query shapes + cursor pages): p50 ${fmt(pct(list, 50))}  p95 ${fmt(pct(list, 95))}  p99 ${fmt(pct(list, 99))}  (${(list.length / listSeconds).toFixed(0)} req/s)`,
);
console.log(
  `ratio p95 list / p95 baseline: ${(pct(list, 95) / pct(baseline, 95)).toFixed(2)}x   target: p95 < 100 ms -> ${pct(list, 95) < 100 ? "met" : "NOT met"}`,
);

await server.close();
await database.close();
await rm(dataDir, { recursive: true, force: true });
