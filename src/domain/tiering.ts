/**
 * Triage: a vendor's risk tier computed from its AI integrations. Tier 3 (high) for regulated or
 * decision-critical use or the most sensitive data; tier 2 (medium) for customer-facing use or
 * customer data; tier 1 (low) otherwise. What is not known counts upward, and every rule that
 * fired is listed with the integration and attribute behind it. The tier fixes the question count
 * and the review cadence. See docs/risk-model.md for the rules in prose.
 */
import { z } from "zod";
import { addMonths, type CalendarDate, CalendarDateSchema } from "./business-days.ts";
import { AppError } from "./errors.ts";
import type { AiIntegration, DataClass, IntegrationDomain } from "./inventory.ts";

export const TIERS = [1, 2, 3] as const;
export type Tier = (typeof TIERS)[number];

/** What each tier asks and how often (seed triage: 10/25/40 questions; yearly/6-monthly/quarterly). */
export const TIER_POLICY: Readonly<
  Record<Tier, { questionCount: number; reviewCadenceMonths: number; continuousMonitoring: boolean }>
> = {
  1: { questionCount: 10, reviewCadenceMonths: 12, continuousMonitoring: false },
  2: { questionCount: 25, reviewCadenceMonths: 6, continuousMonitoring: false },
  3: { questionCount: 40, reviewCadenceMonths: 3, continuousMonitoring: true },
};

/** Domains whose use puts a vendor in tier 3 (issue 3: regulated or decision-critical contexts). */
export const TIER3_DOMAINS: readonly IntegrationDomain[] = [
  "healthcare",
  "finance_credit",
  "insurance",
  "employment",
  "legal",
  "critical_infrastructure",
  "law_enforcement",
  "biometrics",
];
/**
 * Education is an EU AI Act Annex III area but not on the tier-3 list; decision-critical education
 * use reaches tier 3 through the decision-critical rule, other education use is at least tier 2.
 */
export const TIER2_DOMAINS: readonly IntegrationDomain[] = ["education"];

export const TIER3_DATA_CLASSES: readonly DataClass[] = ["phi", "payment_data", "biometric", "credentials"];
export const TIER2_DATA_CLASSES: readonly DataClass[] = ["customer_data", "pii"];

/** Stable ids of the tiering rules; they appear in reasons and in the docs. */
export const TIER_RULES = [
  "decision_critical",
  "decision_critical_unknown",
  "regulated_domain",
  "domain_unknown",
  "sensitive_data_class",
  "data_classes_unknown",
  "customer_facing",
  "customer_facing_unknown",
  "customer_data_class",
  "annex_iii_domain",
  "vendor_may_train",
  "no_integrations",
  "dangerous_model_file",
] as const;
export type TierRule = (typeof TIER_RULES)[number];

export interface TierReason {
  /** Absent for vendor-level reasons (no integrations recorded, a dangerous model file). */
  integrationId: string | null;
  integrationName: string | null;
  attribute: string;
  /** The value that fired the rule, as text ("unknown" when it was missing). */
  value: string;
  tier: Tier;
  rule: TierRule;
}

/** Only the integration fields tiering reads; a full AiIntegration fits. */
export type TieringIntegration = Pick<
  AiIntegration,
  "id" | "name" | "decisionCritical" | "domain" | "dataClasses" | "customerFacing" | "trainingUse"
>;

export const TierOverrideSchema = z
  .object({
    tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    justification: z.string().trim().min(20, "explain the override in at least 20 characters").max(2000),
    by: z.string().trim().min(1).max(200).optional(),
    on: CalendarDateSchema.optional(),
  })
  .strict();
export type TierOverride = z.infer<typeof TierOverrideSchema>;

export interface ClassifyTierInput {
  integrations: readonly TieringIntegration[];
  /** Today, or the date the classification is made for. */
  asOf: CalendarDate;
  /** Date of the last completed review; the next review is due a cadence after it (else after asOf). */
  lastReviewedOn?: CalendarDate | undefined;
  override?: TierOverride | undefined;
  /**
   * Model artifacts of the vendor whose scan found a dangerous file (code that runs on load, or
   * bytes that do not match the published hashes): each puts the vendor in tier 3.
   */
  dangerousModels?: readonly DangerousModel[] | undefined;
}

/** A scanned model artifact with a dangerous verdict, as tiering names it in its reason. */
export interface DangerousModel {
  id: string;
  name: string;
}

export interface TierResult {
  /** The tier in force: the override's when there is one, else the computed one. */
  tier: Tier;
  /** The tier the rules give, kept visible beside an override. */
  computedTier: Tier;
  reasons: TierReason[];
  questionCount: number;
  reviewCadenceMonths: number;
  continuousMonitoring: boolean;
  nextReviewDue: CalendarDate;
  override: TierOverride | null;
}

function reasonsFor(integration: TieringIntegration): TierReason[] {
  const out: TierReason[] = [];
  const add = (attribute: string, value: string, tier: Tier, rule: TierRule) =>
    out.push({
      integrationId: integration.id,
      integrationName: integration.name,
      attribute,
      value,
      tier,
      rule,
    });

  if (integration.decisionCritical === true) add("decisionCritical", "true", 3, "decision_critical");
  else if (integration.decisionCritical == null)
    add("decisionCritical", "unknown", 3, "decision_critical_unknown");

  if (integration.domain === undefined) add("domain", "unknown", 3, "domain_unknown");
  else if (TIER3_DOMAINS.includes(integration.domain))
    add("domain", integration.domain, 3, "regulated_domain");
  else if (TIER2_DOMAINS.includes(integration.domain))
    add("domain", integration.domain, 2, "annex_iii_domain");

  const classes = integration.dataClasses;
  if (classes === undefined || classes.length === 0) {
    add("dataClasses", "unknown", 3, "data_classes_unknown");
  } else {
    for (const c of classes) {
      if (TIER3_DATA_CLASSES.includes(c)) add("dataClasses", c, 3, "sensitive_data_class");
      else if (TIER2_DATA_CLASSES.includes(c)) add("dataClasses", c, 2, "customer_data_class");
    }
  }

  if (integration.customerFacing === true) add("customerFacing", "true", 2, "customer_facing");
  else if (integration.customerFacing == null) add("customerFacing", "unknown", 2, "customer_facing_unknown");

  // A vendor that trains (or may train) on non-public data we send makes that data part of its
  // product: at least tier 2, even when the data is only internal.
  const training = integration.trainingUse ?? "unknown";
  const sendsNonPublic = classes === undefined || classes.some((c) => c !== "public");
  if ((training === "yes" || training === "unknown") && sendsNonPublic) {
    add("trainingUse", training, 2, "vendor_may_train");
  }
  return out;
}

/**
 * Decides a vendor's tier from its integrations and its dangerous model files: the highest tier
 * any rule gives, tier 1 when none fires. A vendor with no integrations is tier 2: what it will
 * receive is unknown, which counts upward, but nothing is known to flow yet that would justify
 * tier 3.
 */
export function classifyTier(input: ClassifyTierInput): TierResult {
  const override = input.override === undefined ? null : parseOverride(input.override);
  const reasons: TierReason[] =
    input.integrations.length === 0
      ? [
          {
            integrationId: null,
            integrationName: null,
            attribute: "integrations",
            value: "none recorded",
            tier: 2,
            rule: "no_integrations",
          },
        ]
      : input.integrations.flatMap(reasonsFor);
  // Loading a model whose file executes code on load compromises the system that loads it,
  // whatever data flows through it: the highest tier until the artifact is cleaned or removed.
  for (const model of input.dangerousModels ?? []) {
    reasons.push({
      integrationId: null,
      integrationName: null,
      attribute: "modelArtifact",
      value: model.name,
      tier: 3,
      rule: "dangerous_model_file",
    });
  }
  const computedTier: Tier = reasons.some((r) => r.tier === 3)
    ? 3
    : reasons.some((r) => r.tier === 2)
      ? 2
      : 1;
  const tier = override?.tier ?? computedTier;
  const policy = TIER_POLICY[tier];
  return {
    tier,
    computedTier,
    reasons: reasons.sort((a, b) => b.tier - a.tier),
    questionCount: policy.questionCount,
    reviewCadenceMonths: policy.reviewCadenceMonths,
    continuousMonitoring: policy.continuousMonitoring,
    nextReviewDue: nextReviewDate(tier, input.lastReviewedOn ?? input.asOf),
    override,
  };
}

/** The date a vendor of `tier` reviewed on `reviewedOn` is due again (12 / 6 / 3 months later). */
export function nextReviewDate(tier: Tier, reviewedOn: CalendarDate): CalendarDate {
  return addMonths(reviewedOn, TIER_POLICY[tier].reviewCadenceMonths);
}

function parseOverride(raw: TierOverride): TierOverride {
  const parsed = TierOverrideSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", "A tier override needs a tier and a written justification.", {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  }
  return parsed.data;
}
