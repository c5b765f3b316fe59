import { z } from "@hono/zod-openapi";
import { AI_ACT_CLASSES } from "../domain/ai-act.ts";
import {
  AI_ACT_ROLES,
  AI_ACT_USE_CASES,
  DATA_CLASSES,
  DEPLOYMENTS,
  HUMAN_OVERSIGHT,
  INTEGRATION_DOMAINS,
  TRAINING_USE,
  VENDOR_CATEGORIES,
  VENDOR_STATUSES,
} from "../domain/inventory.ts";
import { TIER_RULES } from "../domain/tiering.ts";

// Response shapes of the inventory API, for validation-free typing of the OpenAPI document and the
// generated web client. Request bodies use the domain's own zod schemas.

export const TierSchema = z.union([z.literal(1), z.literal(2), z.literal(3)]).openapi("Tier");

export const VendorSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    website: z.string().optional(),
    category: z.enum(VENDOR_CATEGORIES),
    owner: z.string().optional(),
    status: z.enum(VENDOR_STATUSES),
    trustPortalUrl: z.string().optional(),
    headquartersCountry: z.string().optional(),
    subprocessors: z.array(
      z.object({ name: z.string(), purpose: z.string().optional(), country: z.string().optional() }),
    ),
    catalogSlug: z.string().optional(),
    tier: TierSchema,
    computedTier: TierSchema,
    tierOverridden: z.boolean(),
    nextReviewDue: z.string().openapi({ format: "date" }),
    lastReviewedOn: z.string().nullable(),
    integrationCount: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Vendor");

const ModelRefSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("vendor_model"), name: z.string(), version: z.string().optional() }),
  z.object({ kind: z.literal("hub_model"), repo: z.string(), revision: z.string().optional() }),
]);

export const IntegrationSchema = z
  .object({
    id: z.uuid(),
    vendorId: z.uuid(),
    name: z.string(),
    productFeature: z.string().optional(),
    service: z.string().optional(),
    models: z.array(ModelRefSchema),
    deployment: z.enum(DEPLOYMENTS).optional(),
    dataClasses: z
      .array(z.enum(DATA_CLASSES))
      .optional()
      .openapi({ description: "Absent when not known yet (counts upward in tiering)." }),
    processingRegions: z.array(z.string()),
    retentionDays: z.number().int().nullable().optional(),
    trainingUse: z.enum(TRAINING_USE).optional(),
    customerFacing: z.boolean().nullable().optional(),
    decisionCritical: z.boolean().nullable().optional(),
    domain: z.enum(INTEGRATION_DOMAINS).optional(),
    humanOversight: z.enum(HUMAN_OVERSIGHT).optional(),
    owner: z.string().optional(),
    aiActUseCases: z.array(z.enum(AI_ACT_USE_CASES)).optional(),
    aiActRole: z.enum(AI_ACT_ROLES).optional(),
  })
  .openapi("AiIntegration");

export const TierResultSchema = z
  .object({
    tier: TierSchema,
    computedTier: TierSchema,
    reasons: z.array(
      z.object({
        integrationId: z.string().nullable(),
        integrationName: z.string().nullable(),
        attribute: z.string(),
        value: z.string(),
        tier: TierSchema,
        rule: z.enum(TIER_RULES),
      }),
    ),
    questionCount: z.number().int(),
    reviewCadenceMonths: z.number().int(),
    continuousMonitoring: z.boolean(),
    nextReviewDue: z.string(),
    override: z
      .object({
        tier: TierSchema,
        justification: z.string(),
        by: z.string().optional(),
        on: z.string().optional(),
      })
      .nullable(),
  })
  .openapi("TierResult");

const ApplicationDateSchema = z.object({
  date: z.string(),
  basis: z.string(),
  status: z.string(),
  source: z.string(),
  asOf: z.string(),
});

export const AiActResultSchema = z
  .object({
    integrationId: z.string(),
    class: z.enum(AI_ACT_CLASSES),
    categories: z.array(z.enum(AI_ACT_CLASSES)),
    highRiskBasis: z.enum(["annex_iii", "annex_i"]).nullable(),
    role: z.enum(AI_ACT_ROLES),
    roleRule: z.object({ rule: z.string(), explanation: z.string() }),
    rules: z.array(
      z.object({
        rule: z.string(),
        category: z.enum(AI_ACT_CLASSES),
        basis: z.string(),
        explanation: z.string(),
      }),
    ),
    obligations: z.array(
      z.object({
        id: z.string(),
        article: z.string(),
        title: z.string(),
        role: z.enum(AI_ACT_ROLES),
        rule: z.string(),
        applicationDate: ApplicationDateSchema,
        pendingChange: ApplicationDateSchema.extend({ note: z.string().optional() }).nullable(),
        inEffect: z.boolean(),
      }),
    ),
  })
  .openapi("AiActResult");

const FactSchema = z.object({
  value: z.unknown(),
  source: z.string().optional(),
  asOf: z.string(),
  uncertain: z.boolean(),
  note: z.string().optional(),
});

export const CatalogVendorSchema = z
  .object({
    slug: z.string(),
    name: z.string(),
    category: z.enum(VENDOR_CATEGORIES),
    website: z.string(),
    services: z.array(z.object({ id: z.string(), name: z.string() })),
    headquartersCountry: FactSchema,
    trustPortal: FactSchema,
    certifications: z.array(
      z.object({
        name: z.string(),
        scope: z.string().optional(),
        source: z.string(),
        asOf: z.string(),
        uncertain: z.boolean(),
      }),
    ),
    apiRetention: FactSchema,
    defaultApiRetentionDays: FactSchema,
    zeroRetention: FactSchema,
    trainingOnApiData: FactSchema,
    residencyOptions: FactSchema,
    dpa: FactSchema,
    subprocessorList: FactSchema,
    baa: FactSchema,
    hosts: z.array(
      z.object({ pattern: z.string(), service: z.string(), discoveryOnly: z.boolean() }).passthrough(),
    ),
  })
  .openapi("CatalogVendor");

export const DashboardSchema = z
  .object({
    vendors: z.number().int(),
    byTier: z.object({ "1": z.number().int(), "2": z.number().int(), "3": z.number().int() }),
    byStatus: z.record(z.string(), z.number().int()),
    reviewsDueNext30Days: z.array(
      z.object({ id: z.string(), name: z.string(), tier: TierSchema, nextReviewDue: z.string() }),
    ),
    overdueReviews: z.number().int(),
    unreviewed: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })),
  })
  .openapi("Dashboard");
