/**
 * EU AI Act (Regulation (EU) 2024/1689) risk class of one AI integration, our role under the Act,
 * and the obligations that follow, each with the rule that fired it and its application date.
 * The rules read the integration's use-case flags (`aiActUseCases`), its domain and whether it is
 * decision-critical; the dates and obligation texts come from catalog/regulation/eu-ai-act.yaml,
 * passed in already parsed. This is triage for a compliance lead, not legal advice: Art. 6(3)
 * exemptions and sector rules need a person's judgement, and docs/risk-model.md says so.
 */
import { z } from "zod";
import { type CalendarDate, CalendarDateSchema, compareDates } from "./business-days.ts";
import { AppError } from "./errors.ts";
import {
  AI_ACT_ROLES,
  AI_ACT_USE_CASES,
  type AiActRole,
  type AiActUseCase,
  type AiIntegration,
  type IntegrationDomain,
} from "./inventory.ts";

export const AI_ACT_CLASSES = ["prohibited", "high_risk", "transparency", "minimal"] as const;
export type AiActClass = (typeof AI_ACT_CLASSES)[number];

const DATE_STATUSES = ["in_force", "adopted_not_in_force", "reported_unverified"] as const;

const milestoneDateSchema = z
  .object({
    date: CalendarDateSchema,
    status: z.enum(DATE_STATUSES),
    note: z.string().min(1).optional(),
    source: z.url(),
    asOf: CalendarDateSchema,
  })
  .strict();

const milestoneSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    date: CalendarDateSchema,
    covers: z.string().min(1),
    basis: z.string().min(1),
    status: z.enum(DATE_STATUSES),
    source: z.url(),
    asOf: CalendarDateSchema,
    pendingChange: milestoneDateSchema.optional(),
  })
  .strict();

const obligationSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    article: z.string().min(1),
    title: z.string().min(1),
    roles: z.array(z.enum(AI_ACT_ROLES)).min(1),
    when: z
      .object({
        categories: z.array(z.enum(AI_ACT_CLASSES)).min(1).optional(),
        useCases: z.array(z.enum(AI_ACT_USE_CASES)).min(1).optional(),
        fria: z.boolean().optional(),
        generalPurposeModel: z.boolean().optional(),
      })
      .strict()
      .refine((w) => w.categories !== undefined || w.useCases !== undefined, {
        message: "an obligation needs categories or useCases",
      }),
    milestone: z.string().min(1),
    milestoneAnnexI: z.string().min(1).optional(),
  })
  .strict();

export const AiActCatalogSchema = z
  .object({
    regulation: z.string().min(1),
    reference: z.string().min(1),
    version: z.number().int().positive(),
    asOf: CalendarDateSchema,
    milestones: z.array(milestoneSchema).min(1),
    obligations: z.array(obligationSchema).min(1),
  })
  .strict()
  .superRefine((catalog, ctx) => {
    const ids = new Set(catalog.milestones.map((m) => m.id));
    catalog.obligations.forEach((o, i) => {
      for (const key of ["milestone", "milestoneAnnexI"] as const) {
        const ref = o[key];
        if (ref !== undefined && !ids.has(ref)) {
          ctx.addIssue({
            code: "custom",
            path: ["obligations", i, key],
            message: `unknown milestone ${ref}`,
          });
        }
      }
    });
  });
export type AiActCatalog = z.infer<typeof AiActCatalogSchema>;
type Milestone = AiActCatalog["milestones"][number];

/** Validates the parsed eu-ai-act.yaml; throws CATALOG_INVALID naming the first bad paths. */
export function parseAiActCatalog(raw: unknown): AiActCatalog {
  const parsed = AiActCatalogSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("CATALOG_INVALID", "The EU AI Act catalogue does not match its schema.", {
      details: {
        issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    });
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------

const PROHIBITED: Partial<Record<AiActUseCase, string>> = {
  manipulative_techniques: "Art. 5(1)(a)",
  exploits_vulnerabilities: "Art. 5(1)(b)",
  social_scoring: "Art. 5(1)(c)",
  crime_prediction_by_profiling: "Art. 5(1)(d)",
  untargeted_facial_scraping: "Art. 5(1)(e)",
  emotion_recognition_workplace_or_school: "Art. 5(1)(f)",
  sensitive_biometric_categorisation: "Art. 5(1)(g)",
  realtime_remote_biometric_id_for_police: "Art. 5(1)(h)",
};

const ANNEX_III_USE_CASES: Partial<Record<AiActUseCase, string>> = {
  remote_biometric_identification: "Annex III point 1(a)",
  biometric_categorisation: "Annex III point 1(b)",
  emotion_recognition: "Annex III point 1(c)",
  critical_infrastructure_safety: "Annex III point 2",
  education_access_or_assessment: "Annex III point 3",
  recruitment_or_worker_management: "Annex III point 4",
  essential_services_eligibility: "Annex III point 5(a)",
  creditworthiness_assessment: "Annex III point 5(b)",
  life_health_insurance_pricing: "Annex III point 5(c)",
  emergency_call_triage: "Annex III point 5(d)",
  law_enforcement_use: "Annex III point 6",
  migration_or_border_control: "Annex III point 7",
  justice_or_elections: "Annex III point 8",
};

/** Domains that are Annex III areas: decision-critical use there is high-risk. */
const ANNEX_III_DOMAINS: Partial<Record<IntegrationDomain, string>> = {
  biometrics: "Annex III point 1",
  critical_infrastructure: "Annex III point 2",
  education: "Annex III point 3",
  employment: "Annex III point 4",
  finance_credit: "Annex III point 5(b)",
  insurance: "Annex III point 5(c)",
  law_enforcement: "Annex III point 6",
  legal: "Annex III point 8",
};

const TRANSPARENCY: Partial<Record<AiActUseCase, string>> = {
  chatbot: "Art. 50(1)",
  generates_synthetic_content: "Art. 50(2)",
  emotion_recognition: "Art. 50(3)",
  biometric_categorisation: "Art. 50(3)",
  deepfake: "Art. 50(4)",
  public_interest_text: "Art. 50(4)",
};

/** Annex III uses for which a deployer must carry out a fundamental rights impact assessment. */
const FRIA_USE_CASES: readonly AiActUseCase[] = [
  "creditworthiness_assessment",
  "life_health_insurance_pricing",
];
const FRIA_DOMAINS: readonly IntegrationDomain[] = ["finance_credit", "insurance"];

/** The integration fields the classification reads; a full AiIntegration fits. */
export type AiActIntegration = Pick<
  AiIntegration,
  | "id"
  | "name"
  | "domain"
  | "decisionCritical"
  | "customerFacing"
  | "deployment"
  | "aiActUseCases"
  | "aiActRole"
>;

export interface ClassifyAiActOptions {
  regulation: AiActCatalog;
  /** Date the obligations are judged for (whether each is already in effect). */
  asOf: CalendarDate;
  /** The integration builds on a general-purpose model (a foundation-model vendor's API, a hub LLM). */
  generalPurposeModel?: boolean | undefined;
  /** We are a public body or a private entity providing public services (Art. 27(1)). */
  providesPublicServices?: boolean | undefined;
}

export interface AiActRuleHit {
  rule: string;
  category: AiActClass;
  basis: string;
  explanation: string;
}

export interface ApplicationDate {
  date: CalendarDate;
  basis: string;
  status: (typeof DATE_STATUSES)[number];
  source: string;
  asOf: CalendarDate;
}

export interface AiActObligation {
  id: string;
  article: string;
  title: string;
  role: AiActRole;
  /** Why the obligation applies here: the class or use case that brought it in. */
  rule: string;
  applicationDate: ApplicationDate;
  /** A reported move of the date that is not law yet (kept beside the date in force). */
  pendingChange: (ApplicationDate & { note?: string | undefined }) | null;
  /** Whether the date in force has been reached on `asOf`. */
  inEffect: boolean;
}

export interface AiActResult {
  integrationId: string;
  class: AiActClass;
  /** Every category that fired (a high-risk chatbot is also under Art. 50). */
  categories: AiActClass[];
  /** Set when the class is high-risk: Annex III area, or a product under Annex I. */
  highRiskBasis: "annex_iii" | "annex_i" | null;
  role: AiActRole;
  roleRule: { rule: string; explanation: string };
  rules: AiActRuleHit[];
  obligations: AiActObligation[];
}

function roleOf(integration: AiActIntegration): AiActResult["roleRule"] & { role: AiActRole } {
  if (integration.aiActRole !== undefined) {
    return {
      role: integration.aiActRole,
      rule: "role_stated",
      explanation: "the role recorded on the integration",
    };
  }
  if (integration.deployment === "self_hosted_hub_model") {
    return {
      role: "provider",
      rule: "role_self_hosted_model",
      explanation: "we build the AI system ourselves from a hub model and put it into service (Art. 3(3))",
    };
  }
  if (integration.customerFacing === true) {
    return {
      role: "provider",
      rule: "role_own_product",
      explanation:
        "the system is offered to our customers under our name, built on the vendor's model (Art. 3(3))",
    };
  }
  return {
    role: "deployer",
    rule: "role_internal_use",
    explanation: "we use the vendor's AI system under our authority for our own purposes (Art. 3(4))",
  };
}

function ruleHits(integration: AiActIntegration): { hits: AiActRuleHit[]; annexI: boolean } {
  const hits: AiActRuleHit[] = [];
  const useCases = integration.aiActUseCases ?? [];
  for (const u of useCases) {
    const basis = PROHIBITED[u];
    if (basis)
      hits.push({ rule: `prohibited_${u}`, category: "prohibited", basis, explanation: `use case ${u}` });
  }
  for (const u of useCases) {
    const basis = ANNEX_III_USE_CASES[u];
    if (basis)
      hits.push({ rule: `annex_iii_${u}`, category: "high_risk", basis, explanation: `use case ${u}` });
  }
  const domain = integration.domain;
  const domainBasis = domain === undefined ? undefined : ANNEX_III_DOMAINS[domain];
  if (domainBasis && integration.decisionCritical !== false) {
    const unknown = integration.decisionCritical == null;
    hits.push({
      rule: unknown ? "annex_iii_domain_decision_unknown" : "annex_iii_domain_decision",
      category: "high_risk",
      basis: domainBasis,
      explanation: unknown
        ? `domain ${domain}; whether the output drives decisions is not recorded, so it counts as decision-critical`
        : `decision-critical use in the ${domain} domain`,
    });
  }
  let annexI = false;
  if (domain === "healthcare" && integration.decisionCritical !== false) {
    annexI = true;
    hits.push({
      rule: "annex_i_medical_device_possible",
      category: "high_risk",
      basis: "Art. 6(1), Annex I (medical devices)",
      explanation:
        "clinical decision support may be a medical device under the MDR/IVDR; treated as high-risk until confirmed otherwise",
    });
  }
  for (const u of useCases) {
    const basis = TRANSPARENCY[u];
    if (basis)
      hits.push({ rule: `transparency_${u}`, category: "transparency", basis, explanation: `use case ${u}` });
  }
  return { hits, annexI };
}

function applicationDate(m: Milestone): ApplicationDate {
  return { date: m.date, basis: m.basis, status: m.status, source: m.source, asOf: m.asOf };
}

/**
 * Decides the AI Act class of one integration (prohibited > high-risk > transparency > minimal),
 * our role (provider or deployer) and the obligations that follow for that role, each dated from
 * the regulation catalogue. Unknown decision-criticality in an Annex III domain counts as high-risk.
 */
export function classifyAiActRisk(integration: AiActIntegration, options: ClassifyAiActOptions): AiActResult {
  const { hits, annexI } = ruleHits(integration);
  const categories = AI_ACT_CLASSES.filter((c) => hits.some((h) => h.category === c));
  if (categories.length === 0) categories.push("minimal");
  const cls = categories[0] ?? "minimal";
  const highRisk = categories.includes("high_risk");
  const annexIIIHit = hits.some(
    (h) => h.category === "high_risk" && h.rule !== "annex_i_medical_device_possible",
  );
  const highRiskBasis = !highRisk ? null : annexIIIHit ? "annex_iii" : annexI ? "annex_i" : null;
  const role = roleOf(integration);
  const useCases = new Set(integration.aiActUseCases ?? []);
  const fria =
    role.role === "deployer" &&
    highRisk &&
    (options.providesPublicServices === true ||
      FRIA_USE_CASES.some((u) => useCases.has(u)) ||
      (integration.domain !== undefined &&
        FRIA_DOMAINS.includes(integration.domain) &&
        integration.decisionCritical !== false));

  const milestones = new Map(options.regulation.milestones.map((m) => [m.id, m]));
  const obligations: AiActObligation[] = [];
  for (const o of options.regulation.obligations) {
    if (!o.roles.includes(role.role)) continue;
    const categoryHit = o.when.categories?.find((c) => categories.includes(c));
    const useCaseHit = o.when.useCases?.find((u) => useCases.has(u));
    if (o.when.categories !== undefined && categoryHit === undefined) continue;
    if (o.when.useCases !== undefined && useCaseHit === undefined) continue;
    if (o.when.fria === true && !fria) continue;
    if (o.when.generalPurposeModel === true && options.generalPurposeModel !== true) continue;
    const milestoneId =
      highRiskBasis === "annex_i" && o.milestoneAnnexI !== undefined ? o.milestoneAnnexI : o.milestone;
    const milestone = milestones.get(milestoneId);
    if (milestone === undefined) {
      throw new AppError("CATALOG_INVALID", `Obligation ${o.id} names an unknown milestone.`, {
        details: { obligation: o.id, milestone: milestoneId },
      });
    }
    const reasons = [
      useCaseHit === undefined ? undefined : `use case ${useCaseHit}`,
      categoryHit === undefined ? undefined : `class ${categoryHit}`,
      o.when.fria === true ? "Art. 27(1) deployer" : undefined,
      o.when.generalPurposeModel === true ? "built on a general-purpose model" : undefined,
    ].filter((r): r is string => r !== undefined);
    const pending = milestone.pendingChange;
    obligations.push({
      id: o.id,
      article: o.article,
      title: o.title,
      role: role.role,
      rule: `${reasons.join(", ")} as ${role.role}`,
      applicationDate: applicationDate(milestone),
      pendingChange:
        pending === undefined
          ? null
          : {
              date: pending.date,
              basis: milestone.basis,
              status: pending.status,
              source: pending.source,
              asOf: pending.asOf,
              note: pending.note,
            },
      inEffect: compareDates(options.asOf, milestone.date) >= 0,
    });
  }
  return {
    integrationId: integration.id,
    class: cls,
    categories,
    highRiskBasis,
    role: role.role,
    roleRule: { rule: role.rule, explanation: role.explanation },
    rules:
      hits.length > 0
        ? hits
        : [
            {
              rule: "no_trigger",
              category: "minimal",
              basis: "Art. 95 (voluntary codes)",
              explanation: "no prohibited, high-risk or transparency trigger recorded",
            },
          ],
    obligations,
  };
}
