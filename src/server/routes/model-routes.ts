import type { IncomingMessage } from "node:http";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AppError } from "../../domain/errors.ts";
import { FINDING_SEVERITIES } from "../../domain/findings.ts";
import { MODEL_FORMATS, SCAN_VERDICTS } from "../../evidence/modelfile/types.ts";
import { HubClient } from "../../store/connectors/hub.ts";
import {
  addUploadedModelFile,
  deleteModel,
  getModel,
  listModels,
  MODEL_SCAN_STATUSES,
  MODEL_SOURCES,
  ModelScanQueue,
  type ModelStoreConfig,
  readModelStoreConfig,
  registerHubModel,
  registerUploadedModel,
  requestRescan,
} from "../../store/models.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { AppEnv, Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, jsonBody, jsonResponse, problemResponses } from "../schemas.ts";

/** The route that adds a file to an uploaded model, for the body-size rule in app.ts (its path carries the id). */
export const MODEL_FILE_UPLOAD_PATH = /^\/api\/models\/[^/]+\/files$/;

const VerdictSchema = z.enum(SCAN_VERDICTS).openapi("ModelVerdict");

const ScanFindingSchema = z
  .object({
    rule: z.string(),
    severity: z.enum(FINDING_SEVERITIES),
    message: z.string(),
    offset: z.number().int().optional(),
    member: z.string().optional(),
    opcode: z.string().optional(),
    module: z.string().optional(),
    name: z.string().optional(),
    count: z.number().int().optional(),
  })
  .openapi("ModelScanFinding");

const IntegrityCheckSchema = z.object({
  algorithm: z.enum(["sha256", "git-blob-sha1"]),
  expected: z.string(),
  actual: z.string().nullable(),
  ok: z.boolean(),
});

const ModelFileSchema = z
  .object({
    path: z.string(),
    size: z.number().int(),
    sha256: z.string().nullable(),
    format: z.enum(MODEL_FORMATS),
    verdict: VerdictSchema,
    findings: z.array(ScanFindingSchema),
    findingsOmitted: z.number().int(),
    integrity: IntegrityCheckSchema.nullable(),
    error: z.string().nullable(),
  })
  .openapi("ModelFile");

const IntegrityReportSchema = z
  .object({
    manifestKind: z.enum(["hf-tree", "sha256-list"]),
    checked: z.number().int(),
    mismatched: z.array(IntegrityCheckSchema.extend({ path: z.string() })),
    missing: z.array(z.string()),
    unlisted: z.array(z.string()),
    ok: z.boolean(),
  })
  .openapi("ModelIntegrity");

const ModelCardSchema = z
  .object({
    cardPresent: z.boolean(),
    licenseValid: z.boolean(),
    metadata: z.object({
      license: z.string().nullable(),
      datasets: z.array(z.string()),
      baseModel: z.array(z.string()),
      pipelineTag: z.string().nullable(),
    }),
    present: z.array(z.string()),
    missing: z.array(z.string()),
    noDocumentationRedFlag: z.boolean(),
    findings: z.array(
      z.object({
        rule: z.string(),
        severity: z.enum(FINDING_SEVERITIES),
        title: z.string(),
        detail: z.string(),
      }),
    ),
  })
  .openapi("ModelCardAnalysis");

const ModelSchema = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid(),
    vendorName: z.string(),
    integrationId: z.uuid().nullable(),
    integrationName: z.string().nullable(),
    name: z.string(),
    source: z.enum(MODEL_SOURCES),
    hubRepo: z.string().nullable(),
    hubRevision: z.string().nullable().openapi({ description: "The commit the revision resolved to" }),
    status: z.enum(MODEL_SCAN_STATUSES),
    verdict: VerdictSchema.nullable().openapi({
      description: "The worst verdict of its files, once scanned",
    }),
    fileCount: z.number().int(),
    counts: z.object({
      safe: z.number().int(),
      suspicious: z.number().int(),
      dangerous: z.number().int(),
      error: z.number().int(),
    }),
    bytesScanned: z.number().int(),
    progress: z
      .object({
        bytesTotal: z.number().int(),
        fileCount: z.number().int(),
        filesDone: z.number().int(),
        currentPath: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: "While scanning: how far the scan is" }),
    error: z.string().nullable(),
    createdBy: z.string(),
    scannedAt: z.string().nullable().openapi({ format: "date-time" }),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("ModelArtifact");

const ModelDetailSchema = ModelSchema.extend({
  files: z.array(ModelFileSchema),
  integrity: IntegrityReportSchema.nullable(),
  modelCard: ModelCardSchema.nullable(),
  findings: z.array(
    z.object({
      id: z.uuid(),
      rule: z.string(),
      severity: z.enum(FINDING_SEVERITIES),
      title: z.string(),
      detail: z.string(),
      status: z.enum(["open", "resolved"]),
      path: z.string().nullable(),
      createdAt: z.string().openapi({ format: "date-time" }),
      updatedAt: z.string().openapi({ format: "date-time" }),
    }),
  ),
}).openapi("ModelArtifactDetail");

const ModelPageSchema = z
  .object({ items: z.array(ModelSchema), total: z.number().int(), nextCursor: z.string().nullable() })
  .openapi("ModelPage");

const ListQuerySchema = z.object({
  vendorId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

const HubRegistrationSchema = z
  .strictObject({
    vendorId: z.uuid(),
    integrationId: z.uuid().optional(),
    name: z.string().trim().min(1).max(300).optional(),
    repo: z.string().trim().min(1).max(200).openapi({ example: "acme/sentiment-base" }),
    revision: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Branch, tag or commit (default main); pinned to its commit" }),
  })
  .openapi("ModelHubRegistration");

const FilePath = z
  .string()
  .trim()
  .min(1)
  .max(1000)
  .openapi({ description: "The file's path inside the model" });
const Sha256 = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{64}$/, { error: "must be 64 hexadecimal digits" })
  .optional()
  .openapi({ description: "The published SHA-256 of the file, checked while it streams" });

const UploadQuerySchema = z.object({
  vendorId: z.uuid(),
  integrationId: z.uuid().optional(),
  name: z.string().trim().min(1).max(300).optional(),
  path: FilePath,
  sha256: Sha256,
});
const FileQuerySchema = z.object({ path: FilePath, sha256: Sha256 });

const BINARY = z.string().openapi({ format: "binary" });
const rawBody = { content: { "application/octet-stream": { schema: BINARY } }, required: true };
const UPLOAD_NOTE =
  "Send the file's bytes as the request body (application/octet-stream, not multipart). The file is scanned while it streams and its bytes are not kept. " +
  "Bodies over ASSAY_MODEL_UPLOAD_LIMIT_BYTES (default 20 GiB) are refused with 413.";

const routes = {
  list: defineRoute({
    method: "get",
    path: "/api/models",
    tags: ["models"],
    summary: "Model artifacts, newest first, optionally of one vendor",
    access: "read",
    request: { query: ListQuerySchema },
    responses: { 200: jsonResponse(ModelPageSchema, "A page of models"), ...problemResponses(400, 401) },
  }),
  get: defineRoute({
    method: "get",
    path: "/api/models/{id}",
    tags: ["models"],
    summary:
      "One model: files with verdicts and scanner findings, integrity, model card and the findings raised",
    access: "read",
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(ModelDetailSchema, "The model"), ...problemResponses(400, 401, 404) },
  }),
  registerHub: defineRoute({
    method: "post",
    path: "/api/models/hub",
    tags: ["models"],
    summary: "Register a Hugging Face Hub model under a vendor and queue its scan",
    description:
      "The revision is resolved to its commit now, so the scan reads exactly those bytes. The scan runs in the background; poll GET /api/models/{id} until status is done or failed.",
    access: "write",
    request: { body: jsonBody(HubRegistrationSchema) },
    responses: {
      202: jsonResponse(ModelSchema, "Registered; the scan is queued"),
      ...problemResponses(400, 401, 403, 404, 415, 502),
    },
  }),
  upload: defineRoute({
    method: "post",
    path: "/api/models/upload",
    tags: ["models"],
    summary: "Register an uploaded model under a vendor with its first file, scanned as it streams in",
    description: UPLOAD_NOTE,
    access: "write",
    request: { query: UploadQuerySchema, body: rawBody },
    responses: {
      201: jsonResponse(ModelDetailSchema, "Registered and scanned"),
      ...problemResponses(400, 401, 403, 404, 413, 415),
    },
  }),
  addFile: defineRoute({
    method: "post",
    path: "/api/models/{id}/files",
    tags: ["models"],
    summary: "Add a file to an uploaded model, or replace the file at the same path",
    description: UPLOAD_NOTE,
    access: "write",
    request: { params: IdParamSchema, query: FileQuerySchema, body: rawBody },
    responses: {
      200: jsonResponse(ModelDetailSchema, "Scanned"),
      ...problemResponses(400, 401, 403, 404, 409, 413, 415),
    },
  }),
  rescan: defineRoute({
    method: "post",
    path: "/api/models/{id}/rescan",
    tags: ["models"],
    summary: "Fetch and scan a Hub model again at its pinned commit",
    description:
      "A clean rescan resolves the findings of the earlier scan. Uploaded models are rescanned by uploading the file again.",
    access: "write",
    request: { params: IdParamSchema },
    responses: { 202: jsonResponse(ModelSchema, "Queued"), ...problemResponses(400, 401, 403, 404, 409) },
  }),
  remove: defineRoute({
    method: "delete",
    path: "/api/models/{id}",
    tags: ["models"],
    summary: "Delete a model: its findings are resolved and the vendor's tier recomputed",
    access: "write",
    request: { params: IdParamSchema },
    responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404) },
  }),
};

/**
 * The upload's bytes. Under Node the request stream is read directly when nothing has touched it
 * yet: the web stream the adapter builds around it moves large bodies about 4x slower. Elsewhere,
 * or once read through the web stream, that stream.
 */
function uploadBody(c: Context<AppEnv>): AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableDidRead && incoming.listenerCount("data") === 0) return incoming;
  return c.req.raw.body ?? new ReadableStream({ start: (controller) => controller.close() });
}

function refuseMultipart(contentType: string | undefined): void {
  if (/^multipart\//i.test(contentType ?? "")) {
    throw new AppError(
      "UNSUPPORTED_MEDIA_TYPE",
      "Send the file's bytes as the request body (for example application/octet-stream), not a multipart form.",
    );
  }
}

/**
 * The Models area. Hub scans run in this process, one at a time, in the server's queue (started,
 * recovered after a restart and stopped by startServer).
 */
export function modelRoutes(services: Services, config: ModelStoreConfig = readModelStoreConfig()) {
  const { db, logger } = services;
  const hub = new HubClient(config.hub);
  // Only the OpenAPI generator builds the app without a server, and it never handles a request.
  const queue = services.modelScans ?? new ModelScanQueue({ db, hub, logger });
  return newRouter()
    .openapi(routes.list, async (c) =>
      c.json(await listModels(db, principalOf(c).workspaceId, c.req.valid("query")), 200),
    )
    .openapi(routes.get, async (c) =>
      c.json(await getModel(db, principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.registerHub, async (c) => {
      const p = principalOf(c);
      const model = await registerHubModel(db, p.workspaceId, c.req.valid("json"), p.actor, hub);
      queue.enqueue(p.workspaceId, model.id);
      return c.json(model, 202);
    })
    .openapi(routes.upload, async (c) => {
      refuseMultipart(c.req.header("content-type"));
      const p = principalOf(c);
      const q = c.req.valid("query");
      const model = await registerUploadedModel(
        db,
        p.workspaceId,
        { vendorId: q.vendorId, integrationId: q.integrationId, name: q.name },
        { path: q.path, sha256: q.sha256, body: uploadBody(c) },
        p.actor,
        config,
      );
      return c.json(model, 201);
    })
    .openapi(routes.addFile, async (c) => {
      refuseMultipart(c.req.header("content-type"));
      const p = principalOf(c);
      const q = c.req.valid("query");
      const model = await addUploadedModelFile(
        db,
        p.workspaceId,
        c.req.valid("param").id,
        { path: q.path, sha256: q.sha256, body: uploadBody(c) },
        p.actor,
        config,
      );
      return c.json(model, 200);
    })
    .openapi(routes.rescan, async (c) => {
      const p = principalOf(c);
      const model = await requestRescan(db, p.workspaceId, c.req.valid("param").id, p.actor);
      queue.enqueue(p.workspaceId, model.id);
      return c.json(model, 202);
    })
    .openapi(routes.remove, async (c) => {
      const p = principalOf(c);
      await deleteModel(db, p.workspaceId, c.req.valid("param").id, p.actor);
      return c.body(null, 204);
    });
}

/** The upload size limit (ASSAY_MODEL_UPLOAD_LIMIT_BYTES), for the body-size rule app.ts sets on the upload routes. */
export function modelUploadLimitBytes(): number {
  return readModelStoreConfig().uploadLimitBytes;
}
