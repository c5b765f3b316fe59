/**
 * The demo workspace (issue 3, item 8): a realistic example company, "Northwind Health Analytics",
 * a health-data analytics SaaS, so a newcomer sees every screen populated. About a dozen vendors
 * come from the catalogue (pre-filled the same way "add from catalogue" does) and two are not in
 * it; their integrations cover all three tiers, several AI Act classes, every vendor status and
 * some values left unknown on purpose. The output is plain create inputs: the caller inserts
 * them through the normal store functions and moves each vendor along `statusPath`.
 */
import { addMonths, type CalendarDate } from "./business-days.ts";
import type {
  AiIntegrationCreateInput,
  VendorCategory,
  VendorCreateInput,
  VendorStatus,
} from "./inventory.ts";
import type { VendorCatalogEntry } from "./vendor-catalog.ts";

export interface DemoVendor {
  /** Stable key within the demo (the catalogue slug, or a made-up one). */
  key: string;
  vendor: VendorCreateInput;
  /** Status moves to apply after creation, from "proposed"; empty leaves the vendor proposed. */
  statusPath: VendorStatus[];
  /** The status the vendor ends in. */
  status: VendorStatus;
  /** Date of the last completed review, for vendors that have been reviewed. */
  lastReviewedOn: CalendarDate | null;
  integrations: AiIntegrationCreateInput[];
}

export interface DemoCompany {
  name: string;
  description: string;
  asOf: CalendarDate;
  vendors: DemoVendor[];
}

export interface BuildDemoCompanyOptions {
  /** The day the demo is created; review dates are placed relative to it. */
  asOf: CalendarDate;
}

const STATUS_PATHS: Readonly<Record<VendorStatus, VendorStatus[]>> = {
  proposed: [],
  in_review: ["in_review"],
  approved: ["in_review", "approved"],
  approved_with_conditions: ["in_review", "approved_with_conditions"],
  rejected: ["in_review", "rejected"],
  offboarded: ["in_review", "approved", "offboarded"],
};

interface DemoSpec {
  key: string;
  /** Used when the catalogue has no entry for `key` (and for the made-up vendors). */
  fallback: { name: string; website: string; category: VendorCategory; headquartersCountry?: string };
  owner: string;
  status: VendorStatus;
  /** Months before asOf of the last review; null when never reviewed. */
  reviewedMonthsAgo: number | null;
  integrations: AiIntegrationCreateInput[];
}

const SPECS: readonly DemoSpec[] = [
  {
    key: "openai",
    fallback: { name: "OpenAI", website: "https://openai.com", category: "foundation_model_provider" },
    owner: "Priya Raman (Head of Support)",
    status: "approved_with_conditions",
    reviewedMonthsAgo: 5,
    integrations: [
      {
        name: "Support assistant",
        productFeature: "Help-centre chat for clinic staff",
        service: "OpenAI API",
        models: [{ kind: "vendor_model", name: "gpt-4o", version: "2024-08-06" }],
        deployment: "vendor_api",
        dataClasses: ["pii", "customer_data"],
        processingRegions: ["US"],
        retentionDays: 30,
        trainingUse: "no",
        customerFacing: true,
        decisionCritical: false,
        domain: "general",
        humanOversight: "monitoring",
        owner: "Support engineering",
        aiActUseCases: ["chatbot"],
      },
      {
        name: "Release-note drafting",
        productFeature: "Internal release notes",
        service: "OpenAI API",
        models: [{ kind: "vendor_model", name: "gpt-4o-mini" }],
        deployment: "vendor_api",
        dataClasses: ["internal"],
        processingRegions: ["US"],
        retentionDays: 30,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        humanOversight: "review_before_use",
        owner: "Platform team",
        aiActUseCases: ["generates_synthetic_content"],
      },
    ],
  },
  {
    key: "anthropic",
    fallback: {
      name: "Anthropic",
      website: "https://www.anthropic.com",
      category: "foundation_model_provider",
    },
    owner: "Dr. Amara Osei (Clinical Product)",
    status: "approved",
    reviewedMonthsAgo: 2,
    integrations: [
      {
        name: "Clinical note summarisation",
        productFeature: "Visit summaries in the clinician dashboard",
        service: "Claude API",
        models: [{ kind: "vendor_model", name: "claude-sonnet-4-5" }],
        deployment: "vendor_api",
        dataClasses: ["phi", "pii"],
        processingRegions: ["US"],
        retentionDays: 0,
        trainingUse: "no",
        customerFacing: true,
        decisionCritical: false,
        domain: "healthcare",
        humanOversight: "review_before_use",
        owner: "Clinical product",
        aiActUseCases: ["generates_synthetic_content"],
      },
      {
        name: "Code review assistant",
        productFeature: "Pull-request review comments",
        service: "Claude API",
        models: [{ kind: "vendor_model", name: "claude-sonnet-4-5" }],
        deployment: "vendor_api",
        dataClasses: ["confidential"],
        processingRegions: ["US"],
        retentionDays: 30,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        humanOversight: "review_before_use",
        owner: "Platform team",
      },
    ],
  },
  {
    key: "azure-openai",
    fallback: {
      name: "Azure OpenAI",
      website: "https://azure.microsoft.com/products/ai-services/openai-service",
      category: "cloud_ai_platform",
    },
    owner: "Jonas Weber (CTO office)",
    status: "approved",
    reviewedMonthsAgo: 3,
    integrations: [
      {
        name: "Prior-authorisation letters",
        productFeature: "Draft prior-authorisation letters for payers",
        service: "Azure OpenAI",
        models: [{ kind: "vendor_model", name: "gpt-4o", version: "2024-11-20" }],
        deployment: "vendor_hosted_endpoint",
        dataClasses: ["phi", "pii"],
        processingRegions: ["EU (DataZone EU)"],
        retentionDays: 0,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: null,
        domain: "healthcare",
        humanOversight: "review_before_use",
        owner: "Revenue cycle team",
      },
    ],
  },
  {
    key: "google-vertex-ai",
    fallback: {
      name: "Google Vertex AI",
      website: "https://cloud.google.com/vertex-ai",
      category: "cloud_ai_platform",
    },
    owner: "Marcus Bell (Payer Analytics)",
    status: "in_review",
    reviewedMonthsAgo: null,
    integrations: [
      {
        name: "Claims anomaly scoring",
        productFeature: "Flag unusual payer claims for audit",
        service: "Vertex AI generative AI",
        models: [{ kind: "vendor_model", name: "gemini-2.5-pro" }],
        deployment: "vendor_api",
        dataClasses: ["customer_data", "pii"],
        processingRegions: ["europe-west4"],
        retentionDays: 1,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: true,
        domain: "insurance",
        humanOversight: "review_before_use",
        owner: "Payer analytics",
      },
    ],
  },
  {
    key: "aws-bedrock",
    fallback: {
      name: "Amazon Bedrock",
      website: "https://aws.amazon.com/bedrock",
      category: "cloud_ai_platform",
    },
    owner: "Elena Costa (Finance)",
    status: "approved",
    reviewedMonthsAgo: 3,
    integrations: [
      {
        name: "Payment-plan credit checks",
        productFeature: "Instalment plans for clinic subscriptions",
        service: "Bedrock runtime (model invocation)",
        models: [{ kind: "vendor_model", name: "anthropic.claude-3-5-haiku" }],
        deployment: "vendor_api",
        dataClasses: ["payment_data", "pii"],
        processingRegions: ["eu-west-1"],
        retentionDays: 0,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: true,
        domain: "finance_credit",
        humanOversight: "review_before_use",
        owner: "Finance systems",
        aiActUseCases: ["creditworthiness_assessment"],
      },
    ],
  },
  {
    key: "cohere",
    fallback: { name: "Cohere", website: "https://cohere.com", category: "foundation_model_provider" },
    owner: "Sam Lindqvist (IT)",
    status: "approved",
    reviewedMonthsAgo: 11,
    integrations: [
      {
        name: "Wiki semantic search",
        productFeature: "Internal wiki search",
        service: "Cohere API",
        models: [{ kind: "vendor_model", name: "embed-english-v3.0" }],
        deployment: "vendor_api",
        dataClasses: ["internal"],
        processingRegions: ["US"],
        retentionDays: 30,
        trainingUse: "opt_out_available",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        humanOversight: "none",
        owner: "IT",
      },
    ],
  },
  {
    key: "mistral",
    fallback: { name: "Mistral AI", website: "https://mistral.ai", category: "foundation_model_provider" },
    owner: "Chloé Martin (Marketing)",
    status: "proposed",
    reviewedMonthsAgo: null,
    integrations: [
      {
        name: "Marketing copy drafts",
        productFeature: "Blog and newsletter drafts",
        service: "Mistral API",
        models: [{ kind: "vendor_model", name: "mistral-large-latest" }],
        deployment: "vendor_api",
        dataClasses: ["public", "internal"],
        processingRegions: ["EU"],
        retentionDays: 30,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        humanOversight: "review_before_use",
        owner: "Marketing",
        aiActUseCases: ["generates_synthetic_content"],
      },
    ],
  },
  {
    key: "hugging-face",
    fallback: { name: "Hugging Face", website: "https://huggingface.co", category: "model_hub" },
    owner: "Dr. Amara Osei (Clinical Product)",
    status: "approved_with_conditions",
    reviewedMonthsAgo: 6,
    integrations: [
      {
        name: "PHI de-identification model",
        productFeature: "Strip identifiers before analytics",
        service: "Hugging Face Hub",
        models: [{ kind: "hub_model", repo: "obi/deid_roberta_i2b2", revision: "main" }],
        deployment: "self_hosted_hub_model",
        dataClasses: ["phi"],
        processingRegions: ["our AWS eu-central-1"],
        retentionDays: 0,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: false,
        domain: "healthcare",
        humanOversight: "monitoring",
        owner: "Data platform",
      },
      {
        name: "Document classifier endpoint",
        productFeature: "Sort uploaded clinic documents",
        service: "Inference Endpoints (dedicated)",
        models: [{ kind: "hub_model", repo: "microsoft/deberta-v3-base" }],
        deployment: "vendor_hosted_endpoint",
        dataClasses: ["customer_data"],
        processingRegions: ["AWS eu-west-1"],
        retentionDays: null,
        trainingUse: "unknown",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        owner: "Data platform",
      },
    ],
  },
  {
    key: "pinecone",
    fallback: { name: "Pinecone", website: "https://www.pinecone.io", category: "vector_database" },
    owner: "Priya Raman (Head of Support)",
    status: "in_review",
    reviewedMonthsAgo: null,
    integrations: [
      {
        name: "Support knowledge index",
        productFeature: "Retrieval for the support assistant",
        service: "Pinecone vector database",
        deployment: "vendor_api",
        dataClasses: ["customer_data"],
        processingRegions: [],
        retentionDays: null,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        owner: "Support engineering",
      },
    ],
  },
  {
    key: "langsmith",
    fallback: {
      name: "LangSmith",
      website: "https://www.langchain.com/langsmith",
      category: "observability",
    },
    owner: "Jonas Weber (CTO office)",
    status: "approved_with_conditions",
    reviewedMonthsAgo: 5,
    integrations: [
      {
        name: "LLM tracing",
        productFeature: "Traces of the support assistant",
        service: "LangSmith API",
        deployment: "vendor_api",
        dataClasses: ["pii", "customer_data"],
        processingRegions: ["US"],
        retentionDays: 14,
        trainingUse: "unknown",
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        humanOversight: "none",
        owner: "Support engineering",
      },
    ],
  },
  {
    key: "google-gemini-api",
    fallback: {
      name: "Google Gemini API",
      website: "https://ai.google.dev",
      category: "foundation_model_provider",
    },
    owner: "Sam Lindqvist (IT)",
    status: "rejected",
    reviewedMonthsAgo: 1,
    integrations: [
      {
        name: "Meeting-notes prototype",
        productFeature: "Sales call notes (prototype)",
        service: "Gemini API",
        models: [{ kind: "vendor_model", name: "gemini-2.5-flash" }],
        deployment: "vendor_api",
        dataClasses: ["internal", "customer_data"],
        processingRegions: [],
        trainingUse: "yes",
        customerFacing: false,
        domain: "general",
        owner: "Sales operations",
      },
    ],
  },
  {
    key: "meridian-annotation",
    fallback: {
      name: "Meridian Annotation Services",
      website: "https://meridian-annotation.example",
      category: "labeling",
      headquartersCountry: "PH",
    },
    owner: "Dr. Amara Osei (Clinical Product)",
    status: "in_review",
    reviewedMonthsAgo: null,
    integrations: [
      {
        name: "Clinical entity labelling",
        productFeature: "Training data for the de-identification model",
        service: "Managed annotation workforce",
        deployment: "vendor_hosted_endpoint",
        dataClasses: ["phi"],
        processingRegions: ["PH"],
        retentionDays: 90,
        trainingUse: "no",
        customerFacing: false,
        decisionCritical: false,
        domain: "healthcare",
        humanOversight: "review_before_use",
        owner: "Data platform",
      },
    ],
  },
  {
    key: "lumen-metrics",
    fallback: {
      name: "Lumen Metrics",
      website: "https://lumen-metrics.example",
      category: "observability",
      headquartersCountry: "US",
    },
    owner: "Jonas Weber (CTO office)",
    status: "offboarded",
    reviewedMonthsAgo: 14,
    integrations: [
      {
        name: "Prompt latency dashboards",
        productFeature: "Model latency and cost dashboards",
        service: "Lumen ingest API",
        deployment: "vendor_api",
        dataClasses: ["internal"],
        processingRegions: ["US"],
        retentionDays: 365,
        customerFacing: false,
        decisionCritical: false,
        domain: "general",
        owner: "Platform team",
      },
    ],
  },
];

function known<T>(fact: { value: T | "unknown" }): T | undefined {
  return fact.value === "unknown" ? undefined : fact.value;
}

/** A vendor pre-filled from its catalogue entry (as "add from catalogue" does), else from the fallback. */
function vendorInput(spec: DemoSpec, entry: VendorCatalogEntry | undefined): VendorCreateInput {
  const base: VendorCreateInput =
    entry === undefined
      ? { ...spec.fallback, subprocessors: [] }
      : {
          name: entry.name,
          website: entry.website,
          category: entry.category,
          trustPortalUrl: known(entry.trustPortal),
          headquartersCountry: known(entry.headquartersCountry),
          catalogSlug: entry.slug,
          subprocessors: [],
        };
  return Object.fromEntries(
    Object.entries({ ...base, owner: spec.owner }).filter(([, v]) => v !== undefined),
  ) as VendorCreateInput;
}

/** Service names follow the catalogue's where it lists the service, so usage attribution matches. */
function serviceName(service: string | undefined, entry: VendorCatalogEntry | undefined): string | undefined {
  if (service === undefined || entry === undefined) return service;
  return entry.services.find((s) => s.name.toLowerCase() === service.toLowerCase())?.name ?? service;
}

/**
 * Builds the demo company from the catalogue: vendors pre-filled from their entries (a built-in
 * fallback when an entry is missing), integrations of every tier, statuses and review dates set
 * relative to `asOf` so some reviews fall due within the next 30 days.
 */
export function buildDemoCompany(
  catalog: readonly VendorCatalogEntry[],
  options: BuildDemoCompanyOptions,
): DemoCompany {
  const bySlug = new Map(catalog.map((e) => [e.slug, e]));
  const vendors = SPECS.map((spec): DemoVendor => {
    const entry = bySlug.get(spec.key);
    return {
      key: spec.key,
      vendor: vendorInput(spec, entry),
      statusPath: [...STATUS_PATHS[spec.status]],
      status: spec.status,
      lastReviewedOn:
        spec.reviewedMonthsAgo === null ? null : addMonths(options.asOf, -spec.reviewedMonthsAgo),
      integrations: spec.integrations.map((i) => ({
        ...structuredClone(i),
        ...(i.service === undefined ? {} : { service: serviceName(i.service, entry) }),
      })),
    };
  });
  return {
    name: "Northwind Health Analytics",
    description:
      "Example company: a health-data analytics SaaS for clinics and payers, with AI in support, clinical documentation, claims and billing. Every name and record here is made up for the demo.",
    asOf: options.asOf,
    vendors,
  };
}
