/**
 * The inventory: AI vendors and, under each, the AI integrations that use them (what product
 * feature sends which data classes to which vendor service). Enumerations are `as const` arrays so
 * the same words serve TypeScript, zod, the database and the API. Create and update schemas are
 * `.strict()`: an unknown field is an input error, not something silently dropped.
 */
import { z } from "zod";
import { AppError } from "./errors.ts";

export const VENDOR_CATEGORIES = [
  "foundation_model_provider",
  "cloud_ai_platform",
  "model_hub",
  "vector_database",
  "data_platform",
  "labeling",
  "observability",
  "identity",
  "other",
] as const;
export type VendorCategory = (typeof VENDOR_CATEGORIES)[number];

export const VENDOR_STATUSES = [
  "proposed",
  "in_review",
  "approved",
  "approved_with_conditions",
  "rejected",
  "offboarded",
] as const;
export type VendorStatus = (typeof VENDOR_STATUSES)[number];

export const DATA_CLASSES = [
  "public",
  "internal",
  "confidential",
  "customer_data",
  "pii",
  "phi",
  "payment_data",
  "credentials",
  "biometric",
] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

export const INTEGRATION_DOMAINS = [
  "general",
  "healthcare",
  "finance_credit",
  "insurance",
  "employment",
  "education",
  "legal",
  "critical_infrastructure",
  "law_enforcement",
  "biometrics",
  "other",
] as const;
export type IntegrationDomain = (typeof INTEGRATION_DOMAINS)[number];

export const TRAINING_USE = ["no", "yes", "opt_out_available", "unknown"] as const;
export type TrainingUse = (typeof TRAINING_USE)[number];

export const DEPLOYMENTS = ["vendor_api", "vendor_hosted_endpoint", "self_hosted_hub_model"] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

/** How a person oversees the integration's output (EU AI Act Art. 14 / Art. 26(2) vocabulary). */
export const HUMAN_OVERSIGHT = ["review_before_use", "monitoring", "none", "unknown"] as const;
export type HumanOversight = (typeof HUMAN_OVERSIGHT)[number];

/**
 * Use-case flags that decide the EU AI Act class (see ai-act.ts). The first group names the
 * Art. 5 prohibited practices, the second the Annex III high-risk uses, the third the Art. 50
 * transparency triggers.
 */
export const AI_ACT_USE_CASES = [
  // Art. 5(1) prohibited practices
  "manipulative_techniques",
  "exploits_vulnerabilities",
  "social_scoring",
  "crime_prediction_by_profiling",
  "untargeted_facial_scraping",
  "emotion_recognition_workplace_or_school",
  "sensitive_biometric_categorisation",
  "realtime_remote_biometric_id_for_police",
  // Annex III high-risk uses
  "remote_biometric_identification",
  "critical_infrastructure_safety",
  "education_access_or_assessment",
  "recruitment_or_worker_management",
  "essential_services_eligibility",
  "creditworthiness_assessment",
  "life_health_insurance_pricing",
  "emergency_call_triage",
  "law_enforcement_use",
  "migration_or_border_control",
  "justice_or_elections",
  // Art. 50 transparency triggers
  "chatbot",
  "generates_synthetic_content",
  "emotion_recognition",
  "biometric_categorisation",
  "deepfake",
  "public_interest_text",
] as const;
export type AiActUseCase = (typeof AI_ACT_USE_CASES)[number];

export const AI_ACT_ROLES = ["provider", "deployer"] as const;
export type AiActRole = (typeof AI_ACT_ROLES)[number];

/** A model used by an integration: a named vendor model, or a hub repository at a revision. */
export type ModelRef =
  | { kind: "vendor_model"; name: string; version?: string | undefined }
  | { kind: "hub_model"; repo: string; revision?: string | undefined };

/** A vendor's own subprocessor (our fourth party). */
export interface Subprocessor {
  name: string;
  purpose?: string | undefined;
  country?: string | undefined;
}

export interface Vendor {
  id: string;
  name: string;
  website?: string | undefined;
  category: VendorCategory;
  owner?: string | undefined;
  status: VendorStatus;
  trustPortalUrl?: string | undefined;
  /** ISO 3166-1 alpha-2 code. */
  headquartersCountry?: string | undefined;
  subprocessors: Subprocessor[];
  /** Slug of the catalogue entry the vendor was created from, if any. */
  catalogSlug?: string | undefined;
}

/**
 * One use of a vendor by one product feature. Optional fields left undefined (or null) mean
 * "not known yet"; tiering counts unknowns upward.
 */
export interface AiIntegration {
  id: string;
  vendorId: string;
  name: string;
  productFeature?: string | undefined;
  service?: string | undefined;
  models: ModelRef[];
  deployment?: Deployment | undefined;
  dataClasses?: DataClass[] | undefined;
  processingRegions: string[];
  /** Days the vendor keeps what we send; 0 = not stored; undefined/null = unknown. */
  retentionDays?: number | null | undefined;
  trainingUse?: TrainingUse | undefined;
  customerFacing?: boolean | null | undefined;
  decisionCritical?: boolean | null | undefined;
  domain?: IntegrationDomain | undefined;
  humanOversight?: HumanOversight | undefined;
  owner?: string | undefined;
  aiActUseCases?: AiActUseCase[] | undefined;
  /** Our role under the EU AI Act when stated; otherwise ai-act.ts derives it. */
  aiActRole?: AiActRole | undefined;
}

// ---------------------------------------------------------------------------------------------
// Input schemas (API, CLI, spreadsheet import). Limits keep one request from carrying megabytes.

const name = z.string().trim().min(1).max(200);
const shortText = z.string().trim().min(1).max(200);
const url = z.url({ protocol: /^https?$/ }).max(2048);
const country = z.string().regex(/^[A-Z]{2}$/, "use an ISO 3166-1 alpha-2 code such as US or DE");

const subprocessorSchema = z
  .object({ name, purpose: z.string().trim().min(1).max(500).optional(), country: country.optional() })
  .strict();

const vendorFields = {
  name,
  website: url.optional(),
  category: z.enum(VENDOR_CATEGORIES),
  owner: shortText.optional(),
  trustPortalUrl: url.optional(),
  headquartersCountry: country.optional(),
  subprocessors: z.array(subprocessorSchema).max(500),
  catalogSlug: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .optional(),
};

export const VendorCreateSchema = z
  .object({ ...vendorFields, subprocessors: vendorFields.subprocessors.default([]) })
  .strict();
export type VendorCreateInput = z.input<typeof VendorCreateSchema>;

/** Update: any subset of the create fields. Status is not here: it moves only through transitions. */
export const VendorUpdateSchema = z
  .object(vendorFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "nothing to update" });
export type VendorUpdateInput = z.input<typeof VendorUpdateSchema>;

const modelRefSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("vendor_model"), name: shortText, version: shortText.optional() }).strict(),
  z
    .object({
      kind: z.literal("hub_model"),
      repo: z
        .string()
        .regex(/^[A-Za-z0-9][\w.-]{0,95}\/[\w.-]{1,96}$/, "use owner/name as on the hub")
        .max(200),
      revision: z
        .string()
        .regex(/^[\w.\-/]{1,100}$/)
        .optional(),
    })
    .strict(),
]);

const integrationFields = {
  name,
  productFeature: shortText.optional(),
  service: shortText.optional(),
  models: z.array(modelRefSchema).max(50),
  deployment: z.enum(DEPLOYMENTS).optional(),
  dataClasses: z
    .array(z.enum(DATA_CLASSES))
    .max(DATA_CLASSES.length)
    .refine((list) => new Set(list).size === list.length, { message: "data classes repeat" })
    .optional(),
  processingRegions: z.array(shortText.max(64)).max(50),
  retentionDays: z.number().int().min(0).max(36_500).nullable().optional(),
  trainingUse: z.enum(TRAINING_USE).optional(),
  customerFacing: z.boolean().nullable().optional(),
  decisionCritical: z.boolean().nullable().optional(),
  domain: z.enum(INTEGRATION_DOMAINS).optional(),
  humanOversight: z.enum(HUMAN_OVERSIGHT).optional(),
  owner: shortText.optional(),
  aiActUseCases: z
    .array(z.enum(AI_ACT_USE_CASES))
    .max(AI_ACT_USE_CASES.length)
    .refine((list) => new Set(list).size === list.length, { message: "use cases repeat" })
    .optional(),
  aiActRole: z.enum(AI_ACT_ROLES).optional(),
};

export const AiIntegrationCreateSchema = z
  .object({
    ...integrationFields,
    models: integrationFields.models.default([]),
    processingRegions: integrationFields.processingRegions.default([]),
  })
  .strict();
export type AiIntegrationCreateInput = z.input<typeof AiIntegrationCreateSchema>;

/** Update: any subset of the fields, with no defaults filled in (a PATCH must not clear lists). */
export const AiIntegrationUpdateSchema = z
  .object(integrationFields)
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, { message: "nothing to update" });
export type AiIntegrationUpdateInput = z.input<typeof AiIntegrationUpdateSchema>;

// ---------------------------------------------------------------------------------------------
// Vendor status lifecycle

/**
 * Allowed status moves. proposed → in_review → approved / approved_with_conditions / rejected;
 * a decided vendor goes back to in_review for reassessment; conditions met lifts
 * approved_with_conditions to approved; any vendor still in use can be offboarded, which is final
 * (re-engaging a vendor starts a new review from in_review only after it is proposed again as a
 * new record, so the offboarding stays in the history).
 */
export const VENDOR_STATUS_TRANSITIONS: Readonly<Record<VendorStatus, readonly VendorStatus[]>> = {
  proposed: ["in_review", "offboarded"],
  in_review: ["approved", "approved_with_conditions", "rejected", "offboarded"],
  approved: ["in_review", "offboarded"],
  approved_with_conditions: ["approved", "in_review", "rejected", "offboarded"],
  rejected: ["in_review", "offboarded"],
  offboarded: [],
};

/** Decides whether a vendor may move from `from` to `to`; returns `to` or throws CONFLICT. */
export function transitionVendorStatus(from: VendorStatus, to: VendorStatus): VendorStatus {
  const allowed = VENDOR_STATUS_TRANSITIONS[from];
  if (!allowed.includes(to)) {
    throw new AppError("CONFLICT", `A vendor cannot move from ${from} to ${to}.`, {
      details: { from, to, allowed: [...allowed] },
    });
  }
  return to;
}
