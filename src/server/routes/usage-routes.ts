import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { z } from "@hono/zod-openapi";
import { AppError } from "../../domain/errors.ts";
import { FINDING_SEVERITIES } from "../../domain/findings.ts";
import { suggestedUsageWorkers } from "../../evidence/usage/read.ts";
import { DATA_CLASSES, USAGE_FORMATS } from "../../evidence/usage/types.ts";
import { vendorCatalog } from "../../store/catalog.ts";
import {
  ingestUsageLog,
  listUsageFindings,
  listUsageIngests,
  summarizeUsage,
  USAGE_GROUP_BY,
  usageSummaryCsv,
  usageTrend,
} from "../../store/usage.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { jsonResponse, problemResponses } from "../schemas.ts";

/** Largest usage log the ingest endpoint accepts (bytes as sent, gzip or plain). */
export const USAGE_UPLOAD_MAX_BYTES = 2 * 1024 * 1024 * 1024;

const ByDataClassSchema = z.partialRecord(z.enum(DATA_CLASSES), z.number().int());
const LineErrorSchema = z.object({ line: z.number().int(), code: z.string(), reason: z.string() });

const UsageFindingSchema = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid().nullable(),
    vendorName: z.string().nullable(),
    rule: z.string(),
    severity: z.enum(FINDING_SEVERITIES),
    title: z.string(),
    detail: z.string(),
    evidence: z.record(z.string(), z.unknown()),
    status: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("UsageFinding");

const IngestResultSchema = z
  .object({
    ingestId: z.uuid(),
    outcome: z.enum(["ingested", "resumed", "already_ingested"]),
    fileSha256: z.string(),
    source: z.string(),
    format: z.string(),
    lines: z.number().int(),
    events: z.number().int(),
    batchesCommitted: z.number().int(),
    skippedCount: z.number().int(),
    skipped: z.array(LineErrorSchema),
    findings: z.array(UsageFindingSchema),
    createdVendors: z.array(z.object({ id: z.uuid(), name: z.string(), catalogSlug: z.string() })),
  })
  .openapi("UsageIngestResult");

const IngestQuerySchema = z.object({
  source: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Name of the log's origin (default: api)" }),
  format: z.enum(["auto", ...USAGE_FORMATS]).default("auto"),
  fileName: z.string().max(255).optional(),
  skipInvalid: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true")
    .openapi({ description: "Report malformed lines and go on instead of failing the ingest" }),
});

const DaysSchema = z.coerce.number().int().min(1).max(3660).default(90);

const SummaryQuerySchema = z.object({
  days: DaysSchema,
  groupBy: z.enum(USAGE_GROUP_BY).default("vendor"),
});

const UsageSummarySchema = z
  .object({
    days: z.number().int(),
    from: z.string(),
    to: z.string(),
    groupBy: z.enum(USAGE_GROUP_BY),
    totalRequests: z.number().int(),
    rows: z.array(
      z.object({
        key: z.string().nullable(),
        modelVersion: z.string().nullable().optional(),
        label: z.string().nullable(),
        requests: z.number().int(),
        byDataClass: ByDataClassSchema,
      }),
    ),
    sentences: z.array(
      z.object({
        vendor: z.string(),
        vendorName: z.string(),
        requests: z.number().int(),
        pii: z.number().int(),
        sentence: z.string(),
      }),
    ),
  })
  .openapi("UsageSummary");

const TrendQuerySchema = z.object({
  days: DaysSchema,
  vendor: z.string().max(64).optional().openapi({ description: "Catalogue slug of one vendor" }),
});

const UsageTrendSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    vendor: z.string().nullable(),
    points: z.array(
      z.object({ day: z.string(), requests: z.number().int(), byDataClass: ByDataClassSchema }),
    ),
  })
  .openapi("UsageTrend");

const UsageIngestSchema = z
  .object({
    id: z.uuid(),
    source: z.string(),
    fileName: z.string().nullable(),
    fileSha256: z.string(),
    format: z.string(),
    status: z.string(),
    batchesCommitted: z.number().int(),
    lines: z.number().int(),
    events: z.number().int(),
    skippedCount: z.number().int(),
    skipped: z.array(LineErrorSchema),
    error: z.object({ code: z.string(), message: z.string().optional() }).nullable(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("UsageIngest");

const routes = {
  ingest: defineRoute({
    method: "post",
    path: "/api/usage/ingest",
    tags: ["usage"],
    summary: "Ingest an AI usage log (the raw log as the body, gzip or plain; streamed, up to 2 GiB)",
    description:
      "The same file (by SHA-256) ingested twice counts once; an ingest that stopped half-way resumes. " +
      "A malformed line fails the ingest with its line number before anything is stored, unless skipInvalid=true.",
    access: "write",
    request: {
      query: IngestQuerySchema,
      body: {
        required: true,
        content: {
          "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) },
          "application/x-ndjson": { schema: z.string() },
          "text/plain": { schema: z.string() },
          "text/csv": { schema: z.string() },
          "application/gzip": { schema: z.string().openapi({ format: "binary" }) },
        },
      },
    },
    responses: {
      200: jsonResponse(IngestResultSchema, "Ingested, resumed or already ingested"),
      ...problemResponses(400, 401, 403, 409, 413, 422),
    },
  }),
  summary: defineRoute({
    method: "get",
    path: "/api/usage/summary",
    tags: ["usage"],
    summary:
      "Requests per vendor, service, model, source or data class over the last days, from the daily rollups",
    access: "read",
    request: { query: SummaryQuerySchema },
    responses: { 200: jsonResponse(UsageSummarySchema, "Summary"), ...problemResponses(400, 401) },
  }),
  summaryCsv: defineRoute({
    method: "get",
    path: "/api/usage/summary.csv",
    tags: ["usage"],
    summary: "The usage summary as CSV, for the audit pack",
    access: "export",
    request: { query: SummaryQuerySchema },
    responses: {
      200: { description: "CSV", content: { "text/csv": { schema: z.string() } } },
      ...problemResponses(400, 401, 403),
    },
  }),
  trend: defineRoute({
    method: "get",
    path: "/api/usage/trend",
    tags: ["usage"],
    summary: "Requests per day (every day of the period), optionally for one vendor",
    access: "read",
    request: { query: TrendQuerySchema },
    responses: { 200: jsonResponse(UsageTrendSchema, "Daily counts"), ...problemResponses(400, 401) },
  }),
  ingests: defineRoute({
    method: "get",
    path: "/api/usage/ingests",
    tags: ["usage"],
    summary: "The latest usage-log ingests with their status and progress",
    access: "read",
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(UsageIngestSchema) }).openapi("UsageIngestList"),
        "Ingests",
      ),
      ...problemResponses(401),
    },
  }),
  findings: defineRoute({
    method: "get",
    path: "/api/usage/findings",
    tags: ["usage"],
    summary:
      "Findings from usage logs: shadow AI, unapproved vendors, undeclared data classes, residency, new model versions",
    access: "read",
    request: { query: z.object({ status: z.enum(["open", "resolved"]).optional() }) },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(UsageFindingSchema) }).openapi("UsageFindingList"),
        "Findings",
      ),
      ...problemResponses(400, 401),
    },
  }),
};

/** Streams the request body into a private temporary file (ingestion reads the log twice). */
async function spoolBody(
  body: ReadableStream<Uint8Array> | null,
): Promise<{ path: string; bytes: number; cleanup: () => Promise<void> }> {
  if (body === null) throw new AppError("VALIDATION_FAILED", "Send the usage log as the request body.");
  const dir = await mkdtemp(join(tmpdir(), "assay-usage-"));
  const path = join(dir, "upload.log");
  const cleanup = () => rm(dir, { recursive: true, force: true });
  let bytes = 0;
  try {
    const counted = Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>);
    counted.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > USAGE_UPLOAD_MAX_BYTES)
        counted.destroy(
          new AppError("PAYLOAD_TOO_LARGE", `The usage log is larger than ${USAGE_UPLOAD_MAX_BYTES} bytes.`, {
            details: { limitBytes: USAGE_UPLOAD_MAX_BYTES },
          }),
        );
    });
    await pipeline(counted, createWriteStream(path, { mode: 0o600 }));
  } catch (error) {
    await cleanup();
    throw error instanceof AppError
      ? error
      : new AppError("VALIDATION_FAILED", "The request body could not be read.", { cause: error });
  }
  if (bytes === 0) {
    await cleanup();
    throw new AppError("VALIDATION_FAILED", "The usage log is empty.");
  }
  return { path, bytes, cleanup };
}

export function usageRoutes(services: Services) {
  const { db, database } = services;
  return newRouter()
    .openapi(routes.ingest, async (c) => {
      const p = principalOf(c);
      const query = c.req.valid("query");
      const upload = await spoolBody(c.req.raw.body);
      try {
        const result = await ingestUsageLog(
          database,
          p.workspaceId,
          () => createReadStream(upload.path, { highWaterMark: 1 << 20 }),
          {
            catalog: await vendorCatalog(db),
            actor: p.actor,
            format: query.format,
            source: query.source ?? "api",
            fileName: query.fileName ?? null,
            skipInvalid: query.skipInvalid,
            workers: suggestedUsageWorkers(upload.bytes, "ingest"),
          },
        );
        return c.json(result, 200);
      } finally {
        await upload.cleanup();
      }
    })
    .openapi(routes.summary, async (c) => {
      const { days, groupBy } = c.req.valid("query");
      const catalog = await vendorCatalog(db);
      return c.json(await summarizeUsage(db, principalOf(c).workspaceId, { days, groupBy, catalog }), 200);
    })
    .openapi(routes.summaryCsv, async (c) => {
      const { days, groupBy } = c.req.valid("query");
      const summary = await summarizeUsage(db, principalOf(c).workspaceId, { days, groupBy });
      return c.body(usageSummaryCsv(summary), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="usage-${groupBy}-${summary.from}-${summary.to}.csv"`,
      }) as never;
    })
    .openapi(routes.trend, async (c) => {
      const { days, vendor } = c.req.valid("query");
      return c.json(
        await usageTrend(db, principalOf(c).workspaceId, { days, ...(vendor ? { vendor } : {}) }),
        200,
      );
    })
    .openapi(routes.ingests, async (c) =>
      c.json({ items: await listUsageIngests(db, principalOf(c).workspaceId) }, 200),
    )
    .openapi(routes.findings, async (c) => {
      const { status } = c.req.valid("query");
      return c.json(
        { items: await listUsageFindings(db, principalOf(c).workspaceId, status ? { status } : {}) },
        200,
      );
    });
}
