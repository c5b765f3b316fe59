import { z } from "@hono/zod-openapi";
import { ASSESSMENT_DECISIONS, ASSESSMENT_STATUSES } from "../../domain/assessment-workflow.ts";
import { CalendarDateSchema } from "../../domain/business-days.ts";
import { AppError } from "../../domain/errors.ts";
import { FindingSchema } from "../../domain/findings.ts";
import { AnswerSchema } from "../../domain/question-bank.ts";
import { REMEDIATION_STATUSES, RemediationUpdateSchema } from "../../domain/remediation.ts";
import {
  addCustomQuestion,
  analyzeAssessment,
  assessmentHistory,
  createAssessment,
  decideAssessment,
  deleteCustomQuestion,
  exportAssessmentXlsx,
  getAssessment,
  importAssessmentXlsx,
  listAssessments,
  listCustomQuestions,
  listRemediation,
  readSendSettings,
  reissuePortalLink,
  returnToVendor,
  revokePortalLinks,
  sendAssessment,
  updateRemediation,
} from "../../store/assessments.ts";
import { today } from "../../store/inventory.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import {
  EmailSchema,
  IdParamSchema,
  jsonBody,
  jsonResponse,
  NameSchema,
  problemResponses,
} from "../schemas.ts";
import { portalRoutes } from "./portal-routes.ts";

/** Largest questionnaire workbook accepted by import (base64 in JSON stays under the 1 MB JSON limit). */
export const ASSESSMENT_IMPORT_MAX_BYTES = 700 * 1024;
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const AssessmentSchema = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid(),
    vendorName: z.string(),
    tier: z.number().int(),
    bankId: z.string(),
    bankVersion: z.number().int(),
    status: z.enum(ASSESSMENT_STATUSES),
    decision: z.enum(ASSESSMENT_DECISIONS).nullable(),
    conditions: z.array(z.string()),
    rationale: z.string().nullable(),
    sentOn: z.string().nullable(),
    dueDate: z.string().nullable(),
    submittedOn: z.string().nullable(),
    decidedOn: z.string().nullable(),
    nextReviewDue: z.string().nullable(),
    returnedCount: z.number().int(),
    overdue: z.boolean(),
    questionCount: z.number().int(),
    answeredCount: z.number().int(),
    allowedEvents: z.array(z.string()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Assessment");

const AssessmentDetailSchema = AssessmentSchema.extend({
  questions: z.array(
    z.object({ id: z.string(), section: z.string(), text: z.string(), answerType: z.string() }).passthrough(),
  ),
  answers: z.record(z.string(), AnswerSchema),
  portalLink: z
    .object({ expiresAt: z.string(), lastUsedAt: z.string().nullable(), createdAt: z.string() })
    .nullable(),
  respondentEmail: z.string().nullable(),
  respondentName: z.string().nullable(),
}).openapi("AssessmentDetail");

const ContributionSchema = z.object({ source: z.string(), label: z.string() }).passthrough();
const ScoresSchema = z
  .object({
    weightsVersion: z.number(),
    dimensions: z.array(
      z.object({
        dimension: z.string(),
        score: z.number(),
        level: z.number(),
        label: z.string(),
        questionsAsked: z.number(),
        contributions: z.array(ContributionSchema),
      }),
    ),
    overall: z.object({
      score: z.number(),
      level: z.number(),
      label: z.string(),
      contributions: z.array(ContributionSchema),
    }),
  })
  .openapi("AssessmentScores");
const AnalysisSchema = z
  .object({ findings: z.array(FindingSchema), scores: ScoresSchema })
  .openapi("AssessmentAnalysis");

const RemediationSchema = z
  .object({
    id: z.uuid(),
    assessmentId: z.uuid(),
    vendorId: z.uuid(),
    templateId: z.string(),
    rules: z.array(z.string()),
    title: z.string(),
    action: z.string(),
    responsibleParty: z.string(),
    owner: z.string().nullable(),
    dueDate: z.string(),
    status: z.enum(REMEDIATION_STATUSES),
    blocking: z.boolean(),
    severity: z.string(),
    closingEvidence: z.array(z.string()),
    findingIds: z.array(z.string()),
    questionIds: z.array(z.string()),
    evidenceRefs: z.array(z.string()),
    note: z.string().nullable(),
    closedOn: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("RemediationItem");

const LinkSchema = z
  .object({ portalUrl: z.string(), dueDate: z.string(), expiresAt: z.string() })
  .openapi("PortalLink");

const ListQuerySchema = z.object({
  vendorId: z.uuid().optional(),
  status: z.enum(ASSESSMENT_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const DecisionSchema = z
  .strictObject({
    decision: z.enum(ASSESSMENT_DECISIONS),
    note: z.string().trim().min(10, { error: "explain the decision in at least 10 characters" }).max(5000),
    remediationOwner: z.string().trim().min(1).max(200).optional(),
    conditions: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
  })
  .openapi("AssessmentDecision");

const RemediationPatchSchema = z
  .strictObject({
    owner: z.string().trim().min(1).max(200).nullable().optional(),
    dueDate: CalendarDateSchema.optional(),
    status: z.enum(REMEDIATION_STATUSES).optional(),
    on: CalendarDateSchema.optional(),
    evidenceRefs: z.array(z.string().trim().min(1).max(500)).max(50).optional(),
    note: z.string().trim().min(1).max(2000).optional(),
  })
  .openapi("RemediationPatch");

const ImportSchema = z
  .strictObject({
    contentBase64: z
      .string()
      .min(1)
      .max(Math.ceil((ASSESSMENT_IMPORT_MAX_BYTES * 4) / 3) + 4)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, { error: "must be base64" }),
  })
  .openapi("AssessmentImport");

const CustomQuestionViewSchema = z
  .object({ id: z.uuid(), question: z.record(z.string(), z.unknown()), createdAt: z.string() })
  .openapi("CustomQuestion");

const routes = {
  list: defineRoute({
    method: "get",
    path: "/api/assessments",
    tags: ["assessments"],
    summary: "List assessments, newest first, by vendor and status",
    access: "read",
    request: { query: ListQuerySchema },
    responses: {
      200: jsonResponse(
        z.object({ items: z.array(AssessmentSchema), total: z.number().int() }),
        "Assessments",
      ),
      ...problemResponses(400, 401),
    },
  }),
  create: defineRoute({
    method: "post",
    path: "/api/assessments",
    tags: ["assessments"],
    summary: "Start a draft assessment with the question set of the vendor's current tier",
    access: "write",
    request: { body: jsonBody(z.strictObject({ vendorId: z.uuid() }).openapi("AssessmentCreate")) },
    responses: {
      201: jsonResponse(AssessmentDetailSchema, "Created"),
      ...problemResponses(400, 401, 403, 404, 415),
    },
  }),
  get: defineRoute({
    method: "get",
    path: "/api/assessments/{id}",
    tags: ["assessments"],
    summary: "One assessment with its questions, answers and portal link state",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(AssessmentDetailSchema, "The assessment"),
      ...problemResponses(400, 401, 404),
    },
  }),
  send: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/send",
    tags: ["assessments"],
    summary: "Send a draft: due in 14 business days, with a new portal link (shown once)",
    description:
      "An optional body names the vendor's respondent; questionnaire reminders are e-mailed to respondentEmail when SMTP is configured.",
    access: "write",
    request: {
      params: IdParamSchema,
      body: {
        content: {
          "application/json": {
            schema: z
              .strictObject({
                respondentEmail: EmailSchema.optional(),
                respondentName: NameSchema.min(1).optional(),
              })
              .openapi("AssessmentSend"),
          },
        },
        required: false,
      },
    },
    responses: {
      200: jsonResponse(LinkSchema, "The portal link"),
      ...problemResponses(400, 401, 403, 404, 409),
    },
  }),
  reissue: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/portal-link",
    tags: ["assessments"],
    summary: "Issue a new portal link; earlier links stop working",
    access: "write",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(LinkSchema, "The new portal link"),
      ...problemResponses(400, 401, 403, 404, 409),
    },
  }),
  revoke: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/portal-link/revoke",
    tags: ["assessments"],
    summary: "Revoke the assessment's portal links",
    access: "write",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(z.object({ revoked: z.number().int() }), "How many live links were revoked"),
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  returnToVendor: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/return",
    tags: ["assessments"],
    summary: "Send a questionnaire under review back to the vendor for clarification",
    access: "write",
    request: {
      params: IdParamSchema,
      body: jsonBody(
        z
          .strictObject({
            reason: z
              .string()
              .trim()
              .min(10, { error: "say what needs clarifying in at least 10 characters" })
              .max(2000),
            dueDate: CalendarDateSchema.optional(),
          })
          .openapi("AssessmentReturn"),
      ),
    },
    responses: {
      200: jsonResponse(AssessmentDetailSchema, "The assessment, in progress again"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  analysis: defineRoute({
    method: "get",
    path: "/api/assessments/{id}/analysis",
    tags: ["assessments"],
    summary: "Findings (with red flags) and 1–5 scores of the answers as they stand",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(AnalysisSchema, "Findings and scores"),
      ...problemResponses(400, 401, 404),
    },
  }),
  decision: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/decision",
    tags: ["assessments"],
    summary: "Decide: approve, approve with conditions (the remediation items) or reject",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(DecisionSchema) },
    responses: {
      200: jsonResponse(
        z.object({ assessment: AssessmentDetailSchema, remediation: z.array(RemediationSchema) }),
        "The decided assessment and its remediation items",
      ),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  exportXlsx: defineRoute({
    method: "get",
    path: "/api/assessments/{id}/export.xlsx",
    tags: ["assessments"],
    summary: "The questionnaire as a spreadsheet, a row per question",
    access: "export",
    request: { params: IdParamSchema },
    responses: {
      200: {
        description: "XLSX workbook",
        content: { [XLSX_TYPE]: { schema: z.string().openapi({ format: "binary" }) } },
      },
      ...problemResponses(400, 401, 403, 404),
    },
  }),
  importXlsx: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/import",
    tags: ["assessments"],
    summary: "Import a completed questionnaire spreadsheet (base64), all-or-nothing",
    description: "Every problem names its sheet and cell (422 SPREADSHEET_INVALID, details.errors).",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(ImportSchema) },
    responses: {
      200: jsonResponse(AssessmentDetailSchema, "The assessment with the imported answers"),
      ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422),
    },
  }),
  history: defineRoute({
    method: "get",
    path: "/api/vendors/{id}/assessment-history",
    tags: ["assessments"],
    summary: "Scores of the vendor's assessments over time (snapshots on submit and decision)",
    access: "read",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(
        z.object({
          items: z.array(
            z.object({
              assessmentId: z.uuid(),
              reason: z.string(),
              at: z.string(),
              status: z.enum(ASSESSMENT_STATUSES),
              decision: z.enum(ASSESSMENT_DECISIONS).nullable(),
              overall: z.number(),
              dimensions: z.record(z.string(), z.number()),
              findingCount: z.number().int(),
            }),
          ),
        }),
        "Snapshots, oldest first",
      ),
      ...problemResponses(400, 401, 404),
    },
  }),
  remediationList: defineRoute({
    method: "get",
    path: "/api/remediation",
    tags: ["remediation"],
    summary: "Remediation items, soonest due first",
    access: "read",
    request: {
      query: z.object({
        status: z.enum(REMEDIATION_STATUSES).optional(),
        vendorId: z.uuid().optional(),
        assessmentId: z.uuid().optional(),
      }),
    },
    responses: {
      200: jsonResponse(z.object({ items: z.array(RemediationSchema) }), "Items"),
      ...problemResponses(400, 401),
    },
  }),
  remediationPatch: defineRoute({
    method: "patch",
    path: "/api/remediation/{id}",
    tags: ["remediation"],
    summary: "Change an item's owner, due date or status (closing needs evidence references)",
    access: "write",
    request: { params: IdParamSchema, body: jsonBody(RemediationPatchSchema) },
    responses: {
      200: jsonResponse(RemediationSchema, "The item"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  customList: defineRoute({
    method: "get",
    path: "/api/questions/custom",
    tags: ["assessments"],
    summary: "The workspace's custom questions",
    access: "read",
    responses: {
      200: jsonResponse(z.object({ items: z.array(CustomQuestionViewSchema) }), "Custom questions"),
      ...problemResponses(401),
    },
  }),
  customCreate: defineRoute({
    method: "post",
    path: "/api/questions/custom",
    tags: ["assessments"],
    summary: "Add a custom question (id c-…) to future assessments of its tiers",
    access: "admin",
    request: { body: jsonBody(z.record(z.string(), z.unknown()).openapi("CustomQuestionInput")) },
    responses: {
      201: jsonResponse(CustomQuestionViewSchema, "Created"),
      ...problemResponses(400, 401, 403, 409, 415),
    },
  }),
  customDelete: defineRoute({
    method: "delete",
    path: "/api/questions/custom/{id}",
    tags: ["assessments"],
    summary: "Remove a custom question from future assessments",
    access: "admin",
    request: { params: IdParamSchema },
    responses: { 204: { description: "Deleted" }, ...problemResponses(400, 401, 403, 404) },
  }),
};

/** The remediation status change a PATCH body asks for, in the domain's shape. */
function statusChangeOf(body: z.infer<typeof RemediationPatchSchema>) {
  if (body.status === undefined) {
    if (body.on !== undefined || body.evidenceRefs !== undefined || body.note !== undefined) {
      throw new AppError("VALIDATION_FAILED", "on, evidenceRefs and note go with a status change.");
    }
    return undefined;
  }
  const change = {
    status: body.status,
    on: body.on ?? today(),
    evidenceRefs: body.evidenceRefs,
    note: body.note,
  };
  const parsed = RemediationUpdateSchema.safeParse(
    Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
  );
  if (!parsed.success) {
    throw new AppError(
      "VALIDATION_FAILED",
      `The status change is not valid: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      {
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
      },
    );
  }
  return parsed.data;
}

/** Assessments, remediation, custom questions and (mounted here) the vendor portal. */
export function assessmentRoutes(services: Services) {
  const { db, config } = services;
  const portalUrl = (token: string) => `${config.publicUrl}/portal/${token}`;
  const linkAnswer = (link: { token: string; dueDate: string; expiresAt: string }) => ({
    portalUrl: portalUrl(link.token),
    dueDate: link.dueDate,
    expiresAt: link.expiresAt,
  });
  return newRouter()
    .openapi(routes.list, async (c) => {
      const q = c.req.valid("query");
      return c.json(await listAssessments(db, principalOf(c).workspaceId, q), 200);
    })
    .openapi(routes.create, async (c) => {
      const p = principalOf(c);
      return c.json(await createAssessment(db, p.workspaceId, c.req.valid("json"), p.actor), 201);
    })
    .openapi(routes.get, async (c) =>
      c.json(await getAssessment(db, principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.send, async (c) => {
      const p = principalOf(c);
      const body = c.req.header("content-type") ? c.req.valid("json") : {};
      const link = await sendAssessment(
        db,
        p.workspaceId,
        c.req.valid("param").id,
        readSendSettings(),
        p.actor,
        { email: body.respondentEmail, name: body.respondentName },
      );
      return c.json(linkAnswer(link), 200);
    })
    .openapi(routes.reissue, async (c) => {
      const p = principalOf(c);
      const link = await reissuePortalLink(
        db,
        p.workspaceId,
        c.req.valid("param").id,
        readSendSettings(),
        p.actor,
      );
      return c.json(linkAnswer(link), 200);
    })
    .openapi(routes.revoke, async (c) => {
      const p = principalOf(c);
      return c.json(await revokePortalLinks(db, p.workspaceId, c.req.valid("param").id, p.actor), 200);
    })
    .openapi(routes.returnToVendor, async (c) => {
      const p = principalOf(c);
      return c.json(
        await returnToVendor(
          db,
          p.workspaceId,
          c.req.valid("param").id,
          c.req.valid("json"),
          readSendSettings(),
          p.actor,
        ),
        200,
      );
    })
    .openapi(routes.analysis, async (c) =>
      c.json(await analyzeAssessment(db, principalOf(c).workspaceId, c.req.valid("param").id), 200),
    )
    .openapi(routes.decision, async (c) => {
      const p = principalOf(c);
      return c.json(
        await decideAssessment(db, p.workspaceId, c.req.valid("param").id, c.req.valid("json"), p.actor),
        200,
      );
    })
    .openapi(routes.exportXlsx, async (c) => {
      const id = c.req.valid("param").id;
      const bytes = await exportAssessmentXlsx(db, principalOf(c).workspaceId, id);
      return c.body(new Uint8Array(bytes), 200, {
        "content-type": XLSX_TYPE,
        "content-disposition": `attachment; filename="assessment-${id}.xlsx"`,
      }) as never;
    })
    .openapi(routes.importXlsx, async (c) => {
      const p = principalOf(c);
      const bytes = Buffer.from(c.req.valid("json").contentBase64, "base64");
      if (bytes.length > ASSESSMENT_IMPORT_MAX_BYTES) {
        throw new AppError(
          "PAYLOAD_TOO_LARGE",
          `The workbook is larger than ${ASSESSMENT_IMPORT_MAX_BYTES} bytes.`,
          {
            details: { limitBytes: ASSESSMENT_IMPORT_MAX_BYTES },
          },
        );
      }
      return c.json(
        await importAssessmentXlsx(db, p.workspaceId, c.req.valid("param").id, bytes, p.actor),
        200,
      );
    })
    .openapi(routes.history, async (c) =>
      c.json(
        { items: await assessmentHistory(db, principalOf(c).workspaceId, c.req.valid("param").id) },
        200,
      ),
    )
    .openapi(routes.remediationList, async (c) =>
      c.json({ items: await listRemediation(db, principalOf(c).workspaceId, c.req.valid("query")) }, 200),
    )
    .openapi(routes.remediationPatch, async (c) => {
      const p = principalOf(c);
      const body = c.req.valid("json");
      const item = await updateRemediation(
        db,
        p.workspaceId,
        c.req.valid("param").id,
        { owner: body.owner, dueDate: body.dueDate, change: statusChangeOf(body) },
        p.actor,
      );
      return c.json(item, 200);
    })
    .openapi(routes.customList, async (c) =>
      c.json({ items: await listCustomQuestions(db, principalOf(c).workspaceId) }, 200),
    )
    .openapi(routes.customCreate, async (c) => {
      const p = principalOf(c);
      return c.json(await addCustomQuestion(db, p.workspaceId, c.req.valid("json"), p.actor), 201);
    })
    .openapi(routes.customDelete, async (c) => {
      const p = principalOf(c);
      await deleteCustomQuestion(db, p.workspaceId, c.req.valid("param").id, p.actor);
      return c.body(null, 204);
    })
    .route("/", portalRoutes(services));
}
