import { z } from "@hono/zod-openapi";
import { AppError, isAppError } from "../../domain/errors.ts";
import { FINDING_SEVERITIES } from "../../evidence/pdf/index.ts";
import {
  ANALYSIS_STATUSES,
  addDocument,
  DOCUMENT_TYPES,
  type DocumentStoreConfig,
  deleteDocument,
  getDocument,
  listDocuments,
  listExpiringDocuments,
  readDocumentContent,
  readDocumentStoreConfig,
  readUploadStream,
  reanalyzeDocument,
  updateDocument,
} from "../../store/documents.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, jsonResponse, ProblemSchema, problemResponses } from "../schemas.ts";

/** The upload route, for the body-size limit in app.ts (its path carries the vendor id). */
export const DOCUMENT_UPLOAD_PATH = /^\/api\/vendors\/[^/]+\/documents$/;

const IsoDate = z.iso.date({ error: "must be a date as YYYY-MM-DD" });
const DocumentTypeSchema = z.enum(DOCUMENT_TYPES).openapi("DocumentType");
const QuestionId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.-]{1,40}$/, { error: "must be a question id such as q07" });

const FindingSchema = z
  .object({
    rule: z.string(),
    severity: z.enum(FINDING_SEVERITIES),
    title: z.string(),
    detail: z.string(),
    page: z.number().int().optional(),
    quote: z.string().optional(),
  })
  .openapi("EvidenceFinding");

export const DocumentSchema = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid().nullable(),
    vendorName: z.string().nullable(),
    questionId: z.string().nullable(),
    type: DocumentTypeSchema,
    title: z.string(),
    fileName: z.string(),
    sha256: z.string(),
    size: z.number().int(),
    mediaType: z.string(),
    issuedOn: z.string().nullable(),
    expiresOn: z.string().nullable(),
    expiry: z.object({
      state: z.enum(["none", "valid", "expiring", "expired"]),
      daysLeft: z.number().int().nullable(),
    }),
    uploadedBy: z.string(),
    uploadedVia: z.string(),
    analysisStatus: z.enum(ANALYSIS_STATUSES),
    analysisError: z.string().nullable(),
    analysis: z.unknown().openapi({
      description:
        "What the reader for the type found: SOC 2 report facts, certificate, DPA clauses or model card sections; each fact with `page` and `quote`.",
    }),
    findings: z.array(FindingSchema),
    createdAt: z.string().openapi({ format: "date-time" }),
    updatedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Document");

const DocumentPageSchema = z
  .object({ items: z.array(DocumentSchema), total: z.number().int(), nextCursor: z.string().nullable() })
  .openapi("DocumentPage");

const UploadQuerySchema = z.object({
  type: DocumentTypeSchema,
  title: z.string().trim().min(1).max(300).optional(),
  fileName: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .optional()
    .openapi({ description: "The file's name, shown and used on download" }),
  issuedOn: IsoDate.optional(),
  expiresOn: IsoDate.optional().openapi({
    description: "Defaults to the expiry read from an ISO certificate",
  }),
  questionId: QuestionId.optional(),
});

const ListQuerySchema = z.object({
  vendorId: z.uuid().optional(),
  type: DocumentTypeSchema.optional(),
  q: z.string().max(200).optional().openapi({ description: "Search in title and file name" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});
const VendorListQuerySchema = ListQuerySchema.pick({ type: true, limit: true, cursor: true });

const PatchSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(300).optional(),
    type: DocumentTypeSchema.optional(),
    issuedOn: IsoDate.nullable().optional(),
    expiresOn: IsoDate.nullable().optional(),
    questionId: QuestionId.nullable().optional(),
  })
  .openapi("DocumentPatch");

const ExpiringQuerySchema = z.object({
  days: z.coerce.number().int().min(0).max(3650).default(60),
});

const BINARY = z.string().openapi({ format: "binary" });

const routes = {
  upload: defineRoute({
    method: "post",
    path: "/api/vendors/{id}/documents",
    tags: ["documents"],
    summary: "Upload a document for the vendor: the raw file is the body, its details are query parameters",
    description:
      "Send the file's bytes as the request body (any Content-Type but multipart; application/octet-stream is fine). " +
      "The type is detected from the bytes, never the name; PDF, Word, Markdown, text, JSON, HTML, PNG, JPEG and XLSX are accepted. " +
      "Identical bytes are stored once. Bodies over ASSAY_DOCUMENT_LIMIT_BYTES (default 50 MB) are refused with 413 while they stream. " +
      "The reader for the document type runs at once; a file it cannot read is kept with analysisStatus `failed` and the reason.",
    access: "write",
    request: {
      params: IdParamSchema,
      query: UploadQuerySchema,
      body: {
        content: { "application/octet-stream": { schema: BINARY } },
        required: true,
      },
    },
    responses: {
      201: jsonResponse(DocumentSchema, "Stored and analysed"),
      ...problemResponses(400, 401, 403, 404, 413, 415),
    },
  }),
  listForVendor: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/documents",
    tags: ["documents"],
    summary: "The vendor's documents, newest first",
    access: "read",
    request: { params: IdParamSchema, query: VendorListQuerySchema },
    responses: {
      200: jsonResponse(DocumentPageSchema, "A page of documents"),
      ...problemResponses(400, 401, 404),
    },
  }),
  list: defineRoute({
    method: "get",
    path: "/api/documents",
    tags: ["documents"],
    summary: "Documents across all vendors, newest first",
    access: "read",
    request: { query: ListQuerySchema },
    responses: {
      200: jsonResponse(DocumentPageSchema, "A page of documents"),
      ...problemResponses(400, 401, 404),
    },
  }),
  expiring: defineRoute({
    method: "get",
    path: "/api/documents/expiring",
    tags: ["documents"],
    summary: "Documents that expire within `days` (default 60) and those already expired, soonest first",
    access: "read",
    request: { query: ExpiringQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({ asOf: z.string(), days: z.number().int(), items: z.array(DocumentSchema) }),
        "Expiring",
      ),
      ...problemResponses(400, 401),
    },
  }),
  get: defineRoute({
    method: "get",
    path: "/api/documents/{id}",
    tags: ["documents"],
    summary: "One document: details, extracted facts and findings",
    access: "read",
    request: { params: IdParamSchema },
    responses: { 200: jsonResponse(DocumentSchema, "The document"), ...problemResponses(400, 401, 404) },
  }),
  content: defineRoute({
    method: "get",
    path: "/api/documents/{id}/content",
    tags: ["documents"],
    summary:
      "Download the document's bytes, re-hashed first: bytes that no longer match their SHA-256 are never served",
    access: "export",
    request: { params: IdParamSchema },
    responses: {
      200: {
        description: "The file, as an attachment",
        content: { "application/octet-stream": { schema: BINARY } },
      },
      ...problemResponses(400, 401, 403, 404, 500),
    },
  }),
  view: defineRoute({
    method: "get",
    path: "/api/documents/{id}/view",
    tags: ["documents"],
    summary:
      "Open a PDF document in the browser at a quoted page (#page=N), re-hashed first; `read` access, so every role that sees a quote can check its page",
    description:
      "Needs only `read`: every role that may see a document's facts and quotes (viewers and auditors included) may check " +
      "them against the page they came from; the download route stays `export` (though a PDF the browser shows can be " +
      "saved from its viewer, so for PDFs `read` is in effect enough to keep a copy). The bytes are re-hashed " +
      "exactly as for the download and are never served when they no longer match their SHA-256. Only PDF documents are " +
      "shown; any other type is refused with 415, so a stored HTML or Markdown file is never rendered by the browser. " +
      "The response carries its own Content-Security-Policy: no script, no connections, only the browser's own PDF viewer.",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: {
        description: "The PDF, inline",
        content: { "application/pdf": { schema: BINARY } },
      },
      ...problemResponses(400, 401, 404, 500),
      415: {
        description: "The document is not a PDF: download it instead",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    },
  }),
  patch: defineRoute({
    method: "patch",
    path: "/api/documents/{id}",
    tags: ["documents"],
    summary: "Change a document's title, type, dates or question",
    access: "write",
    request: {
      params: IdParamSchema,
      body: { content: { "application/json": { schema: PatchSchema } }, required: true },
    },
    responses: { 200: jsonResponse(DocumentSchema, "Updated"), ...problemResponses(400, 401, 403, 404, 415) },
  }),
  analyze: defineRoute({
    method: "post",
    path: "/api/documents/{id}/analyze",
    tags: ["documents"],
    summary: "Read the document again with the reader for its type",
    access: "write",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(DocumentSchema, "Analysed"),
      ...problemResponses(400, 401, 403, 404, 500),
    },
  }),
  remove: defineRoute({
    method: "delete",
    path: "/api/documents/{id}",
    tags: ["documents"],
    summary: "Delete a document (its bytes go when no other document has the same content)",
    access: "write",
    request: { params: IdParamSchema },
    responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404) },
  }),
};

/** `filename` for old clients (ASCII only) and `filename*` with the name as given (RFC 6266). */
function contentDisposition(fileName: string, disposition: "attachment" | "inline" = "attachment"): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/**
 * The policy of an inline PDF. Chromium shows a PDF by wrapping it in a page of its own with an
 * `<embed>` and inline styles, and that page is held to the PDF response's policy: `object-src`
 * must allow the document's own origin and `style-src` inline styles, or the viewer is blocked
 * (crbug.com/271452). Nothing else is needed, so scripts, connections, forms and framing are off.
 */
export const PDF_VIEW_CSP = [
  "default-src 'none'",
  "object-src 'self'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "script-src 'none'",
  "connect-src 'none'",
  "form-action 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

export function documentRoutes(services: Services, config: DocumentStoreConfig = readDocumentStoreConfig()) {
  const { db, logger } = services;
  // A blob that no longer matches its hash means the store was damaged or tampered with: the
  // request gets a problem document, and the operator a log line naming the blob.
  const reportDamage = (documentId: string) => (error: unknown) => {
    if (isAppError(error, "DOCUMENT_HASH_MISMATCH"))
      logger.error({ documentId, ...error.details }, "stored document failed its hash check");
    throw error;
  };
  return newRouter()
    .openapi(routes.upload, async (c) => {
      const p = principalOf(c);
      const type = c.req.header("content-type") ?? "";
      if (/^multipart\//i.test(type)) {
        throw new AppError(
          "UNSUPPORTED_MEDIA_TYPE",
          "Send the file's bytes as the request body (for example application/octet-stream), not a multipart form.",
        );
      }
      const stream = c.req.raw.body;
      const bytes = stream ? await readUploadStream(stream, config.maxBytes) : new Uint8Array(0);
      const q = c.req.valid("query");
      const document = await addDocument(
        db,
        p.workspaceId,
        {
          vendorId: c.req.valid("param").id,
          type: q.type,
          bytes,
          fileName: q.fileName,
          title: q.title,
          issuedOn: q.issuedOn,
          expiresOn: q.expiresOn,
          questionId: q.questionId,
          uploadedVia: p.via === "session" ? "web" : "api",
        },
        p.actor,
        config,
      );
      return c.json(document, 201);
    })
    .openapi(routes.listForVendor, async (c) => {
      const q = c.req.valid("query");
      const page = await listDocuments(db, principalOf(c).workspaceId, {
        vendorId: c.req.valid("param").id,
        type: q.type,
        limit: q.limit,
        cursor: q.cursor,
      });
      return c.json(page, 200);
    })
    .openapi(routes.list, async (c) => {
      const q = c.req.valid("query");
      return c.json(await listDocuments(db, principalOf(c).workspaceId, q), 200);
    })
    .openapi(routes.expiring, async (c) => {
      const { days } = c.req.valid("query");
      const asOf = new Date().toISOString().slice(0, 10);
      const items = await listExpiringDocuments(db, principalOf(c).workspaceId, days, asOf);
      return c.json({ asOf, days, items }, 200);
    })
    .openapi(routes.get, async (c) =>
      c.json(await getDocument(db, principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.content, async (c) => {
      const id = c.req.valid("param").id;
      const { document, bytes } = await readDocumentContent(db, principalOf(c).workspaceId, id, config).catch(
        reportDamage(id),
      );
      return c.body(new Uint8Array(bytes), 200, {
        "content-type": document.mediaType,
        "content-disposition": contentDisposition(document.fileName),
        "content-length": String(bytes.length),
        "cache-control": "no-store",
        "x-content-sha256": document.sha256,
      }) as never;
    })
    .openapi(routes.view, async (c) => {
      const p = principalOf(c);
      const id = c.req.valid("param").id;
      const found = await getDocument(db, p.workspaceId, id);
      if (found.mediaType !== "application/pdf") {
        throw new AppError(
          "DOCUMENT_TYPE_UNSUPPORTED",
          "Only PDF documents can be viewed in the browser; download it instead.",
          { details: { mediaType: found.mediaType } },
        );
      }
      const { document, bytes } = await readDocumentContent(db, p.workspaceId, id, config).catch(
        reportDamage(id),
      );
      return c.body(new Uint8Array(bytes), 200, {
        "content-type": "application/pdf",
        "content-disposition": contentDisposition(document.fileName, "inline"),
        "content-length": String(bytes.length),
        "cache-control": "no-store",
        "x-content-sha256": document.sha256,
        "x-content-type-options": "nosniff",
        "content-security-policy": PDF_VIEW_CSP,
      }) as never;
    })
    .openapi(routes.patch, async (c) => {
      const p = principalOf(c);
      return c.json(
        await updateDocument(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        200,
      );
    })
    .openapi(routes.analyze, async (c) => {
      const p = principalOf(c);
      return c.json(
        await reanalyzeDocument(db, p.workspaceId, c.req.valid("param").id, p.actor, config).catch(
          reportDamage(c.req.valid("param").id),
        ),
        200,
      );
    })
    .openapi(routes.remove, async (c) => {
      const p = principalOf(c);
      await deleteDocument(db, p.workspaceId, c.req.valid("param").id, p.actor, config);
      return c.body(null, 204);
    });
}

/** The upload size limit (ASSAY_DOCUMENT_LIMIT_BYTES), for the body limit app.ts sets on the upload route. */
export function documentUploadLimitBytes(): number {
  return readDocumentStoreConfig().maxBytes;
}
