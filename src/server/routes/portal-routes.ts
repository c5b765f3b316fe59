import { z } from "@hono/zod-openapi";
import { ASSESSMENT_STATUSES } from "../../domain/assessment-workflow.ts";
import { AppError } from "../../domain/errors.ts";
import { ANSWER_TYPES, AnswerSchema } from "../../domain/question-bank.ts";
import { portalQuestionnaire, savePortalAnswers, submitPortalAnswers } from "../../store/assessments.ts";
import {
  DOCUMENT_TYPES,
  type DocumentStoreConfig,
  readDocumentStoreConfig,
  readUploadStream,
} from "../../store/documents.ts";
import {
  addPortalDocument,
  deletePortalDocument,
  listPortalDocuments,
  openPortalUpload,
  PORTAL_DOCUMENT_KINDS,
  portalDocumentLimits,
} from "../../store/portal-documents.ts";
import { defineRoute } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { jsonResponse, problemResponses } from "../schemas.ts";

/** The portal upload route, for the body-size limit in app.ts (its path carries the token). */
export const PORTAL_DOCUMENT_UPLOAD_PATH = /^\/api\/portal\/[^/]+\/documents$/;

// The vendor's respondent has no account: the link token in the path is the whole authorisation.
// The request logger records the route pattern (/api/portal/{token}), never the token itself.

const TokenParamSchema = z.object({
  token: z
    .string()
    .min(1)
    .max(200)
    .openapi({ param: { name: "token", in: "path" }, description: "The portal link token" }),
});

export const PortalQuestionnaireSchema = z
  .object({
    vendorName: z.string(),
    status: z.enum(ASSESSMENT_STATUSES),
    dueDate: z.string().nullable(),
    submittedOn: z.string().nullable(),
    questions: z.array(
      z.object({
        id: z.string(),
        section: z.string(),
        text: z.string(),
        help: z.string().nullable(),
        answerType: z.enum(ANSWER_TYPES),
        options: z.array(z.object({ value: z.string(), label: z.string() })).nullable(),
        allowedValues: z.array(z.string()).nullable(),
        unit: z.string().nullable(),
        evidenceExpected: z.array(z.string()),
        required: z.boolean(),
        commentRequiredFor: z.array(z.string()),
      }),
    ),
    answers: z.record(z.string(), AnswerSchema),
  })
  .openapi("PortalQuestionnaire");

const SaveAnswersSchema = z
  .strictObject({
    answers: z.record(z.string().max(64), z.unknown()).openapi({
      description:
        "Question id → { value, comment?, evidence? }. Merged over the saved answers; evidence holds document ids or notes.",
    }),
  })
  .openapi("PortalAnswers");

const PortalDocumentSchema = z
  .object({
    id: z.uuid(),
    questionId: z.string(),
    type: z.enum(DOCUMENT_TYPES),
    fileName: z.string(),
    mediaType: z.string(),
    size: z.number().int(),
    sha256: z.string(),
    uploadedAt: z.string().openapi({ format: "date-time" }),
  })
  .openapi("PortalDocument");

const PortalDocumentListSchema = z
  .object({
    items: z.array(PortalDocumentSchema),
    limits: z.object({
      maxBytes: z.number().int(),
      kinds: z.array(z.enum(PORTAL_DOCUMENT_KINDS)),
      mediaTypes: z.array(z.string()),
      filesPerQuestion: z.number().int(),
    }),
  })
  .openapi("PortalDocumentList");

const PortalUploadQuerySchema = z.object({
  questionId: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "must be a question id such as q07" }),
  fileName: z
    .string()
    .trim()
    .min(1)
    .max(300)
    .optional()
    .openapi({ description: "The file's name as the respondent knows it" }),
  type: z.enum(DOCUMENT_TYPES).optional().openapi({
    description: "Defaults to the kind of document the question expects (for example soc2_type2), else other",
  }),
});

const DocumentParamSchema = TokenParamSchema.extend({
  documentId: z.uuid().openapi({ param: { name: "documentId", in: "path" } }),
});

const ok = {
  description: "The questionnaire",
  content: { "application/json": { schema: PortalQuestionnaireSchema } },
};
const portalProblems = problemResponses(400, 401, 409, 410, 415);

const routes = {
  get: defineRoute({
    method: "get",
    path: "/api/portal/{token}",
    tags: ["portal"],
    summary: "The questionnaire behind a portal link: questions, allowed values, saved answers, due date",
    access: "portal",
    request: { params: TokenParamSchema },
    responses: { 200: ok, ...portalProblems },
  }),
  save: defineRoute({
    method: "put",
    path: "/api/portal/{token}/answers",
    tags: ["portal"],
    summary: "Save draft answers (the first save starts the questionnaire)",
    access: "portal",
    request: {
      params: TokenParamSchema,
      body: { content: { "application/json": { schema: SaveAnswersSchema } }, required: true },
    },
    responses: { 200: ok, ...portalProblems },
  }),
  submit: defineRoute({
    method: "post",
    path: "/api/portal/{token}/submit",
    tags: ["portal"],
    summary: "Submit the answers; the questionnaire goes to review and can no longer change",
    access: "portal",
    request: { params: TokenParamSchema },
    responses: { 200: ok, ...portalProblems },
  }),
  upload: defineRoute({
    method: "post",
    path: "/api/portal/{token}/documents",
    tags: ["portal"],
    summary:
      "Attach an evidence file to a question: the raw file is the body, the question a query parameter",
    description:
      "Send the file's bytes as the request body (not multipart). The type is detected from the bytes: PDF, Word, " +
      "Excel, plain text or CSV, Markdown, PNG and JPEG are accepted (415 otherwise); bodies over " +
      "ASSAY_DOCUMENT_LIMIT_BYTES are refused with 413 while they stream. The file is stored as a document of the " +
      "vendor, read like any upload, and its id is added to the question's answer evidence. Only while the " +
      "questionnaire is open (409 after submitting). The same file attached again to the same question is " +
      "answered with the stored one (200).",
    access: "portal",
    request: {
      params: TokenParamSchema,
      query: PortalUploadQuerySchema,
      body: {
        content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
        required: true,
      },
    },
    responses: {
      201: jsonResponse(PortalDocumentSchema, "Stored and attached"),
      200: jsonResponse(PortalDocumentSchema, "The same file was already attached to this question"),
      ...problemResponses(400, 401, 409, 410, 413, 415),
    },
  }),
  listDocuments: defineRoute({
    method: "get",
    path: "/api/portal/{token}/documents",
    tags: ["portal"],
    summary: "The files attached through this questionnaire's link, and the upload limits",
    access: "portal",
    request: { params: TokenParamSchema },
    responses: {
      200: jsonResponse(PortalDocumentListSchema, "Attached files and limits"),
      ...problemResponses(400, 401, 410),
    },
  }),
  removeDocument: defineRoute({
    method: "delete",
    path: "/api/portal/{token}/documents/{documentId}",
    tags: ["portal"],
    summary: "Remove an attached file before submitting (and its reference in the answer)",
    access: "portal",
    request: { params: DocumentParamSchema },
    responses: {
      204: { description: "Removed" },
      ...problemResponses(400, 401, 404, 409, 410),
    },
  }),
};

export function portalRoutes(services: Services, config: DocumentStoreConfig = readDocumentStoreConfig()) {
  const { db } = services;
  return newRouter()
    .openapi(routes.get, async (c) => c.json(await portalQuestionnaire(db, c.req.valid("param").token), 200))
    .openapi(routes.save, async (c) =>
      c.json(
        await savePortalAnswers(
          db,
          c.req.valid("param").token,
          c.req.valid("json").answers as Parameters<typeof savePortalAnswers>[2],
        ),
        200,
      ),
    )
    .openapi(routes.submit, async (c) =>
      c.json(await submitPortalAnswers(db, c.req.valid("param").token), 200),
    )
    .openapi(routes.upload, async (c) => {
      if (/^multipart\//i.test(c.req.header("content-type") ?? "")) {
        throw new AppError(
          "UNSUPPORTED_MEDIA_TYPE",
          "Send the file's bytes as the request body (for example application/octet-stream), not a multipart form.",
        );
      }
      const q = c.req.valid("query");
      // The link, the questionnaire's state and the question are checked before the body is read.
      const target = await openPortalUpload(db, c.req.valid("param").token, q.questionId);
      const stream = c.req.raw.body;
      const bytes = stream ? await readUploadStream(stream, config.maxBytes) : new Uint8Array(0);
      const { document, created } = await addPortalDocument(
        db,
        target,
        { bytes, fileName: q.fileName, type: q.type },
        config,
      );
      return created ? c.json(document, 201) : c.json(document, 200);
    })
    .openapi(routes.listDocuments, async (c) =>
      c.json(
        {
          items: await listPortalDocuments(db, c.req.valid("param").token),
          limits: portalDocumentLimits(config),
        },
        200,
      ),
    )
    .openapi(routes.removeDocument, async (c) => {
      const { token, documentId } = c.req.valid("param");
      await deletePortalDocument(db, token, documentId, config);
      return c.body(null, 204);
    });
}
