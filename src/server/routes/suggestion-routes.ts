import { z } from "@hono/zod-openapi";
import { FindingSchema } from "../../domain/findings.ts";
import { SUGGESTION_DROP_REASONS } from "../../domain/suggestions.ts";
import {
  createLlmClient,
  endpointLabel,
  type LlmClient,
  llmNotConfigured,
  readLlmSettings,
} from "../../store/connectors/llm.ts";
import {
  acceptSuggestion,
  dismissSuggestion,
  listSuggestions,
  SUGGESTION_STATUSES,
  suggestFindings,
} from "../../store/suggestions.ts";
import { defineRoute, principalOf } from "../access.ts";
import type { Services } from "../context.ts";
import { newRouter } from "../router.ts";
import { IdParamSchema, jsonBody, jsonResponse, problemResponses } from "../schemas.ts";

const AssistantStatusSchema = z
  .object({
    enabled: z.boolean(),
    model: z.string().nullable(),
    /** Scheme, host and port of the endpoint; never a path, user info or key. */
    endpoint: z.string().nullable(),
    /** The variables still to set when assistance is off. */
    missing: z.array(z.string()),
  })
  .openapi("AssistantStatus");

const SuggestionSchema = z
  .object({
    id: z.uuid(),
    assessmentId: z.uuid(),
    finding: FindingSchema,
    model: z.string(),
    status: z.enum(SUGGESTION_STATUSES),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
    note: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Suggestion");

const DroppedSchema = z
  .object(
    Object.fromEntries(SUGGESTION_DROP_REASONS.map((r) => [r, z.number().int()])) as Record<
      (typeof SUGGESTION_DROP_REASONS)[number],
      z.ZodNumber
    >,
  )
  .openapi("SuggestionDrops");

const SuggestionRunSchema = z
  .object({
    model: z.string(),
    outcome: z.enum(["ok", "empty", "malformed"]),
    problem: z.string().nullable(),
    fenced: z.boolean(),
    received: z.number().int(),
    added: z.number().int(),
    alreadyKnown: z.number().int(),
    dropped: DroppedSchema,
    suggestions: z.array(SuggestionSchema),
  })
  .openapi("SuggestionRun");

const SuggestionParamsSchema = IdParamSchema.extend({
  suggestionId: z.uuid({ error: "must be a UUID" }).openapi({ param: { name: "suggestionId", in: "path" } }),
});

const DecisionNoteSchema = z
  .strictObject({ note: z.string().trim().max(2000).optional() })
  .openapi("SuggestionDecision");

const decisionBody = { ...jsonBody(DecisionNoteSchema), required: false };

const routes = {
  status: defineRoute({
    method: "get",
    path: "/api/assistant",
    tags: ["assessments"],
    summary: "Whether optional AI assistance is configured (ASSAY_LLM_BASE_URL and ASSAY_LLM_MODEL)",
    access: "read",
    responses: {
      200: jsonResponse(AssistantStatusSchema, "The assistant's configuration, without secrets"),
      ...problemResponses(401),
    },
  }),
  list: defineRoute({
    method: "get",
    path: "/api/assessments/{id}/suggestions",
    tags: ["assessments"],
    summary: "Suggested findings of the assessment: pending, accepted and dismissed",
    access: "read",
    request: {
      params: IdParamSchema,
      query: z.object({ status: z.enum(SUGGESTION_STATUSES).optional() }),
    },
    responses: {
      200: jsonResponse(z.object({ items: z.array(SuggestionSchema) }), "Suggestions"),
      ...problemResponses(400, 401, 404),
    },
  }),
  run: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/suggestions",
    tags: ["assessments"],
    summary: "Ask the configured model for suggested findings in the answers (stored as pending)",
    description:
      "Sends the questionnaire (questions and answers only) to the OpenAI-compatible endpoint the operator configured. " +
      "Answers 503 LLM_NOT_CONFIGURED when assistance is off, 502 LLM_UNAVAILABLE when the endpoint fails or times out.",
    access: "write",
    request: { params: IdParamSchema },
    responses: {
      200: jsonResponse(SuggestionRunSchema, "What the pass kept, what it dropped and why"),
      ...problemResponses(400, 401, 403, 404, 409, 413, 502, 503),
    },
  }),
  accept: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/suggestions/{suggestionId}/accept",
    tags: ["assessments"],
    summary: "Accept a pending suggestion: it then counts among the findings and in the scores",
    access: "write",
    request: { params: SuggestionParamsSchema, body: decisionBody },
    responses: {
      200: jsonResponse(SuggestionSchema, "The accepted suggestion"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
  dismiss: defineRoute({
    method: "post",
    path: "/api/assessments/{id}/suggestions/{suggestionId}/dismiss",
    tags: ["assessments"],
    summary: "Dismiss a pending suggestion, with an optional note; it will not be suggested again",
    access: "write",
    request: { params: SuggestionParamsSchema, body: decisionBody },
    responses: {
      200: jsonResponse(SuggestionSchema, "The dismissed suggestion"),
      ...problemResponses(400, 401, 403, 404, 409, 415),
    },
  }),
};

/**
 * Optional AI assistance on assessments. The endpoint is read from the environment once, when the
 * server starts; with ASSAY_LLM_BASE_URL or ASSAY_LLM_MODEL unset no route ever calls out.
 */
export function suggestionRoutes(services: Services, env: NodeJS.ProcessEnv = process.env) {
  const { db } = services;
  const settings = readLlmSettings(env);
  const client: LlmClient | undefined = settings.enabled ? createLlmClient(settings.config) : undefined;
  const noteOf = (body: { note?: string | undefined } | undefined) => body?.note || undefined;
  return newRouter()
    .openapi(routes.status, (c) =>
      c.json(
        settings.enabled
          ? {
              enabled: true,
              model: settings.config.model,
              endpoint: endpointLabel(settings.config.baseUrl),
              missing: [],
            }
          : { enabled: false, model: null, endpoint: null, missing: settings.missing },
        200,
      ),
    )
    .openapi(routes.list, async (c) => {
      const items = await listSuggestions(
        db,
        principalOf(c).workspaceId,
        c.req.valid("param").id,
        c.req.valid("query"),
      );
      return c.json({ items }, 200);
    })
    .openapi(routes.run, async (c) => {
      if (!client) throw llmNotConfigured(settings.enabled ? [] : settings.missing);
      const p = principalOf(c);
      return c.json(await suggestFindings(db, p.workspaceId, c.req.valid("param").id, client, p.actor), 200);
    })
    .openapi(routes.accept, async (c) => {
      const p = principalOf(c);
      const { id, suggestionId } = c.req.valid("param");
      return c.json(
        await acceptSuggestion(db, p.workspaceId, id, suggestionId, p.actor, noteOf(c.req.valid("json"))),
        200,
      );
    })
    .openapi(routes.dismiss, async (c) => {
      const p = principalOf(c);
      const { id, suggestionId } = c.req.valid("param");
      return c.json(
        await dismissSuggestion(db, p.workspaceId, id, suggestionId, p.actor, noteOf(c.req.valid("json"))),
        200,
      );
    });
}
