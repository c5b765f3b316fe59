import type { components } from "../api/schema";

// The inventory's words as the API speaks them, with the labels people read. Types come from the
// generated OpenAPI schema, so a value added on the server fails the exhaustive maps below at
// compile time instead of showing up unlabelled.

type Schemas = components["schemas"];
export type Vendor = Schemas["Vendor"];
export type VendorPage = Schemas["VendorPage"];
export type AiIntegration = Schemas["AiIntegration"];
export type TierResult = Schemas["TierResult"];
export type AiActResult = Schemas["AiActResult"];
export type CatalogVendor = Schemas["CatalogVendor"];
export type CatalogFact = CatalogVendor["trustPortal"];
export type Dashboard = Schemas["Dashboard"];
export type Tier = Schemas["Tier"];
export type VendorCategory = Vendor["category"];
export type VendorStatus = Vendor["status"];
export type DataClass = NonNullable<AiIntegration["dataClasses"]>[number];
export type IntegrationDomain = NonNullable<AiIntegration["domain"]>;
export type Deployment = NonNullable<AiIntegration["deployment"]>;
export type TrainingUse = NonNullable<AiIntegration["trainingUse"]>;
export type HumanOversight = NonNullable<AiIntegration["humanOversight"]>;
export type AiActUseCase = NonNullable<AiIntegration["aiActUseCases"]>[number];
export type AiActRole = NonNullable<AiIntegration["aiActRole"]>;
export type AiActClass = AiActResult["class"];
export type ModelRef = AiIntegration["models"][number];
export type VendorSort = "name" | "tier" | "status" | "nextReviewDue" | "updatedAt";

/** Options in a fixed, meaningful order (the order of the lifecycle or of increasing risk). */
const keysOf = <K extends string>(labels: Record<K, string>) => Object.keys(labels) as K[];

export const CATEGORY_LABELS: Record<VendorCategory, string> = {
  foundation_model_provider: "Foundation-model provider",
  cloud_ai_platform: "Cloud AI platform",
  model_hub: "Model hub",
  vector_database: "Vector database",
  data_platform: "Data storage / processing",
  labeling: "Labeling / annotation",
  observability: "Observability",
  identity: "Identity",
  other: "Other",
};
export const CATEGORIES = keysOf(CATEGORY_LABELS);

export const STATUS_LABELS: Record<VendorStatus, string> = {
  proposed: "Proposed",
  in_review: "In review",
  approved: "Approved",
  approved_with_conditions: "Approved with conditions",
  rejected: "Rejected",
  offboarded: "Offboarded",
};
export const STATUSES = keysOf(STATUS_LABELS);

/**
 * Status moves the server accepts (it enforces them; this only decides which buttons to offer).
 * proposed → in review → approved / with conditions / rejected; any live vendor can be offboarded.
 */
export const STATUS_TRANSITIONS: Record<VendorStatus, readonly VendorStatus[]> = {
  proposed: ["in_review", "offboarded"],
  in_review: ["approved", "approved_with_conditions", "rejected", "offboarded"],
  approved: ["in_review", "offboarded"],
  approved_with_conditions: ["approved", "in_review", "rejected", "offboarded"],
  rejected: ["in_review", "offboarded"],
  offboarded: [],
};

/** The button text for moving to a status. */
export const STATUS_ACTIONS: Record<VendorStatus, string> = {
  proposed: "Propose",
  in_review: "Start review",
  approved: "Approve",
  approved_with_conditions: "Approve with conditions",
  rejected: "Reject",
  offboarded: "Offboard",
};

export const DATA_CLASS_LABELS: Record<DataClass, string> = {
  public: "Public",
  internal: "Internal",
  confidential: "Confidential",
  customer_data: "Customer data",
  pii: "PII",
  phi: "PHI (health)",
  payment_data: "Payment data",
  credentials: "Credentials / secrets",
  biometric: "Biometric",
};
export const DATA_CLASSES = keysOf(DATA_CLASS_LABELS);

export const DOMAIN_LABELS: Record<IntegrationDomain, string> = {
  general: "General",
  healthcare: "Healthcare",
  finance_credit: "Finance / credit",
  insurance: "Insurance",
  employment: "Employment",
  education: "Education",
  legal: "Legal",
  critical_infrastructure: "Critical infrastructure",
  law_enforcement: "Law enforcement",
  biometrics: "Biometrics",
  other: "Other",
};
export const DOMAINS = keysOf(DOMAIN_LABELS);

export const DEPLOYMENT_LABELS: Record<Deployment, string> = {
  vendor_api: "Vendor API",
  vendor_hosted_endpoint: "Vendor-hosted endpoint",
  self_hosted_hub_model: "Self-hosted model from a hub",
};
export const DEPLOYMENTS = keysOf(DEPLOYMENT_LABELS);

export const TRAINING_USE_LABELS: Record<TrainingUse, string> = {
  no: "No",
  yes: "Yes",
  opt_out_available: "Opt-out available",
  unknown: "Unknown",
};
export const TRAINING_USES = keysOf(TRAINING_USE_LABELS);

export const OVERSIGHT_LABELS: Record<HumanOversight, string> = {
  review_before_use: "A person reviews output before use",
  monitoring: "Monitored after the fact",
  none: "None",
  unknown: "Unknown",
};
export const OVERSIGHTS = keysOf(OVERSIGHT_LABELS);

export const AI_ACT_ROLE_LABELS: Record<AiActRole, string> = {
  deployer: "Deployer",
  provider: "Provider",
};

export const AI_ACT_CLASS_LABELS: Record<AiActClass, string> = {
  prohibited: "Prohibited practice (Art. 5)",
  high_risk: "High-risk",
  transparency: "Transparency obligations (Art. 50)",
  minimal: "Minimal risk",
};

export const USE_CASE_LABELS: Record<AiActUseCase, string> = {
  manipulative_techniques: "Manipulative or deceptive techniques",
  exploits_vulnerabilities: "Exploits vulnerabilities (age, disability, situation)",
  social_scoring: "Social scoring",
  crime_prediction_by_profiling: "Crime prediction by profiling",
  untargeted_facial_scraping: "Untargeted scraping of facial images",
  emotion_recognition_workplace_or_school: "Emotion recognition at work or school",
  sensitive_biometric_categorisation: "Biometric categorisation by sensitive traits",
  realtime_remote_biometric_id_for_police: "Real-time remote biometric ID for police",
  remote_biometric_identification: "Remote biometric identification",
  critical_infrastructure_safety: "Safety component of critical infrastructure",
  education_access_or_assessment: "Education access or assessment",
  recruitment_or_worker_management: "Recruitment or worker management",
  essential_services_eligibility: "Eligibility for essential services or benefits",
  creditworthiness_assessment: "Creditworthiness assessment",
  life_health_insurance_pricing: "Life or health insurance pricing",
  emergency_call_triage: "Emergency call triage",
  law_enforcement_use: "Law enforcement",
  migration_or_border_control: "Migration or border control",
  justice_or_elections: "Justice or elections",
  chatbot: "Chatbot talking to people",
  generates_synthetic_content: "Generates synthetic text, images, audio or video",
  emotion_recognition: "Emotion recognition",
  biometric_categorisation: "Biometric categorisation",
  deepfake: "Deepfakes",
  public_interest_text: "Text published on matters of public interest",
};

/** The use-case flags grouped as the regulation groups them (order of USE_CASE_LABELS). */
export const USE_CASE_GROUPS: { title: string; items: AiActUseCase[] }[] = [
  { title: "Prohibited practices (Art. 5)", items: keysOf(USE_CASE_LABELS).slice(0, 8) },
  { title: "High-risk uses (Annex III)", items: keysOf(USE_CASE_LABELS).slice(8, 19) },
  { title: "Transparency triggers (Art. 50)", items: keysOf(USE_CASE_LABELS).slice(19) },
];

/** Attribute names of tier reasons as a person reads them. */
export const ATTRIBUTE_LABELS: Record<string, string> = {
  decisionCritical: "decision-critical",
  domain: "domain",
  dataClasses: "data class",
  customerFacing: "customer-facing",
  trainingUse: "training use",
  integrations: "integrations",
};

export const TIERS: readonly Tier[] = [1, 2, 3];
