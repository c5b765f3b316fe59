import { z } from "@hono/zod-openapi";
import { ASSESSMENT_STATUSES } from "../../domain/assessment-workflow.ts";
import { ANSWER_TYPES, AnswerSchema } from "../../domain/question-bank.ts";
import { portalQuestionnaire, savePortalAnswers, submitPortalAnswers } from "../../store/assessments.ts";
import { defineRoute } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { problemResponses } from "../schemas.ts";

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
};

export function portalRoutes(services: Services) {
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
    );
}
