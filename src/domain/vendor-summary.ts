/**
 * The one-page vendor summary (issue 3, DESIGN "Audit pack"): everything a reviewer or auditor
 * asks about one AI vendor in one plain object — what we use it for, what data we send, the tier
 * and why, the EU AI Act class of each use, the catalogue's facts with their sources and as-of
 * dates, whether the DPA, the no-training confirmation and the SOC 2 report are on file, and the
 * open findings. The HTML view and the PDF both render this object and decide nothing themselves.
 */
import type { AiActClass, AiActResult } from "./ai-act.ts";
import { addMonths, type CalendarDate, compareDates } from "./business-days.ts";
import { FINDING_SEVERITIES, type FindingSeverity } from "./findings.ts";
import type { AiIntegration, DataClass, Vendor, VendorCategory } from "./inventory.ts";
import { TIER3_DATA_CLASSES, type TierReason, type TierResult } from "./tiering.ts";
import type { VendorCatalogEntry } from "./vendor-catalog.ts";

export const CATEGORY_LABELS: Readonly<Record<VendorCategory, string>> = {
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

export const DATA_CLASS_LABELS: Readonly<Record<DataClass, string>> = {
  public: "Public",
  internal: "Internal",
  confidential: "Confidential",
  customer_data: "Customer data",
  pii: "PII",
  phi: "PHI",
  payment_data: "Payment data",
  credentials: "Credentials / secrets",
  biometric: "Biometric",
};

/** Documents the summary checks for; the first three are required for every AI vendor. */
export const SUMMARY_DOCUMENT_KINDS = [
  "dpa",
  "no_training_confirmation",
  "soc2_report",
  "iso27001_certificate",
  "iso42001_certificate",
  "baa",
  "contract",
] as const;
export type SummaryDocumentKind = (typeof SUMMARY_DOCUMENT_KINDS)[number];
const REQUIRED_DOCUMENTS: readonly SummaryDocumentKind[] = ["dpa", "no_training_confirmation", "soc2_report"];

const DOCUMENT_LABELS: Readonly<Record<SummaryDocumentKind, string>> = {
  dpa: "Data processing agreement (DPA)",
  no_training_confirmation: "No-training confirmation",
  soc2_report: "SOC 2 report",
  iso27001_certificate: "ISO/IEC 27001 certificate",
  iso42001_certificate: "ISO/IEC 42001 certificate",
  baa: "Business associate agreement (BAA)",
  contract: "Contract",
};

/** A document on file for the vendor, as the store knows it. */
export interface SummaryDocumentInput {
  kind: SummaryDocumentKind;
  title?: string | undefined;
  /** Signed, issued or (SOC 2) report period end. */
  date?: CalendarDate | undefined;
  expiresOn?: CalendarDate | undefined;
}

export interface SummaryFindingInput {
  title: string;
  severity: FindingSeverity;
  dueOn?: CalendarDate | undefined;
}

export interface BuildVendorSummaryInput {
  vendor: Pick<
    Vendor,
    | "name"
    | "category"
    | "status"
    | "owner"
    | "website"
    | "trustPortalUrl"
    | "headquartersCountry"
    | "catalogSlug"
  >;
  integrations: readonly AiIntegration[];
  tier: TierResult;
  /** One result per integration (matched by integrationId); integrations without one show "not classified". */
  aiAct?: readonly AiActResult[] | undefined;
  catalogEntry?: VendorCatalogEntry | undefined;
  documents?: readonly SummaryDocumentInput[] | undefined;
  openFindings?: readonly SummaryFindingInput[] | undefined;
  asOf: CalendarDate;
}

export type YesNoUnknown = "yes" | "no" | "unknown";

export interface SummaryUse {
  integration: string;
  feature: string;
  service: string;
  models: string[];
  customerFacing: YesNoUnknown;
  decisionCritical: YesNoUnknown;
  domain: string;
  aiActClass: AiActClass | "not classified";
  aiActRole: string;
  aiActBasis: string[];
}

export interface SummaryDataClass {
  dataClass: DataClass;
  label: string;
  /** Tier 3 on its own (PHI, payment data, biometric, credentials). */
  sensitive: boolean;
  integrations: string[];
}

export interface SummaryFact {
  label: string;
  value: string;
  source: string | null;
  asOf: CalendarDate;
  uncertain: boolean;
}

export type DocumentStatus = "present" | "missing" | "expired";

export interface SummaryDocument {
  kind: SummaryDocumentKind;
  label: string;
  required: boolean;
  status: DocumentStatus;
  detail: string;
}

export interface VendorSummary {
  asOf: CalendarDate;
  vendor: {
    name: string;
    category: string;
    status: string;
    owner: string;
    website: string | null;
    trustPortalUrl: string | null;
    headquartersCountry: string;
  };
  uses: SummaryUse[];
  data: {
    classes: SummaryDataClass[];
    /** Integrations whose data classes are not recorded. */
    unknownIn: string[];
    regions: string[];
    retention: string[];
    trainingUse: string[];
  };
  tier: {
    tier: 1 | 2 | 3;
    computedTier: 1 | 2 | 3;
    override: { tier: number; justification: string } | null;
    reasons: string[];
    questionCount: number;
    reviewCadence: string;
    nextReviewDue: CalendarDate;
  };
  aiAct: { highest: AiActClass | "not classified" };
  catalog: { slug: string; facts: SummaryFact[]; certifications: SummaryFact[] } | null;
  documents: SummaryDocument[];
  /** Required documents that are missing or expired. */
  documentGaps: number;
  findings: { total: number; bySeverity: Record<FindingSeverity, number>; items: SummaryFindingInput[] };
}

const CLASS_ORDER: readonly AiActClass[] = ["prohibited", "high_risk", "transparency", "minimal"];

function yesNo(value: boolean | null | undefined): YesNoUnknown {
  return value === true ? "yes" : value === false ? "no" : "unknown";
}

function modelText(model: AiIntegration["models"][number]): string {
  if (model.kind === "vendor_model") return model.version ? `${model.name} (${model.version})` : model.name;
  return model.revision ? `${model.repo}@${model.revision}` : model.repo;
}

/** One reason of the tier in words: "Clinical notes: sends PHI (tier 3)". */
export function describeTierReason(reason: TierReason): string {
  const subject = reason.integrationName ?? "Vendor";
  const what = (() => {
    switch (reason.rule) {
      case "decision_critical":
        return "its output drives decisions";
      case "decision_critical_unknown":
        return "whether its output drives decisions is not recorded";
      case "regulated_domain":
        return `used in the regulated ${reason.value.replaceAll("_", " ")} domain`;
      case "domain_unknown":
        return "domain not recorded";
      case "sensitive_data_class":
      case "customer_data_class":
        return `sends ${dataClassInText(reason.value)}`;
      case "data_classes_unknown":
        return "data sent is not recorded";
      case "customer_facing":
        return "customer-facing";
      case "customer_facing_unknown":
        return "whether it is customer-facing is not recorded";
      case "annex_iii_domain":
        return `used in the ${reason.value.replaceAll("_", " ")} domain (EU AI Act Annex III area)`;
      case "vendor_may_train":
        return reason.value === "yes"
          ? "the vendor trains on the data"
          : "whether the vendor trains on the data is unknown";
      case "no_integrations":
        return "no integrations recorded yet, so what it receives is unknown";
      case "dangerous_model_file":
        return `the model ${reason.value} holds a dangerous file (code that runs on load or a hash mismatch)`;
    }
  })();
  return `${subject}: ${what} (tier ${reason.tier})`;
}

/** A data class as it reads inside a sentence: "PII", "PHI", but "customer data". */
function dataClassInText(value: string): string {
  const label = DATA_CLASS_LABELS[value as DataClass] ?? value.replaceAll("_", " ");
  return /^[A-Z]{2,}$/.test(label) ? label : label.toLowerCase();
}

function factText(value: unknown): string {
  if (Array.isArray(value)) return value.join(", ");
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return value.replaceAll("_", " ");
  return String(value);
}

function catalogFacts(entry: VendorCatalogEntry): NonNullable<VendorSummary["catalog"]> {
  const facts: SummaryFact[] = [];
  const push = (
    label: string,
    f: { value: unknown; source?: string | undefined; asOf: string; uncertain: boolean },
  ) =>
    facts.push({
      label,
      value: factText(f.value),
      source: f.source ?? null,
      asOf: f.asOf,
      uncertain: f.uncertain,
    });
  push("Trains on API data by default", entry.trainingOnApiData);
  push("API data retention", entry.apiRetention);
  push("Default retention (days)", entry.defaultApiRetentionDays);
  push("Zero-retention option", entry.zeroRetention);
  push("Data residency options", entry.residencyOptions);
  push("BAA", entry.baa);
  push("DPA", entry.dpa);
  push("Subprocessor list", entry.subprocessorList);
  push("Trust portal", entry.trustPortal);
  push("Headquarters", entry.headquartersCountry);
  const certifications = entry.certifications.map((c) => ({
    label: c.name,
    value: c.scope ?? "claimed",
    source: c.source,
    asOf: c.asOf,
    uncertain: c.uncertain,
  }));
  return { slug: entry.slug, facts, certifications };
}

function documentStatus(
  kind: SummaryDocumentKind,
  documents: readonly SummaryDocumentInput[],
  asOf: CalendarDate,
): SummaryDocument {
  const required = REQUIRED_DOCUMENTS.includes(kind);
  const label = DOCUMENT_LABELS[kind];
  const onFile = documents
    .filter((d) => d.kind === kind)
    .sort((a, b) => compareDates(b.date ?? "0000-01-01", a.date ?? "0000-01-01"));
  const latest = onFile[0];
  if (latest === undefined) return { kind, label, required, status: "missing", detail: "not on file" };
  // A SOC 2 report older than twelve months past its period end no longer covers the vendor
  // (the usual bridge-letter window), so it counts as expired when no expiry is recorded.
  const expiresOn =
    latest.expiresOn ??
    (kind === "soc2_report" && latest.date !== undefined ? addMonths(latest.date, 12) : undefined);
  // The label already names the document; an untitled one reads "on file".
  const title = latest.title ?? "on file";
  if (expiresOn !== undefined && compareDates(expiresOn, asOf) < 0) {
    return { kind, label, required, status: "expired", detail: `${title}, expired ${expiresOn}` };
  }
  const dated =
    latest.date === undefined ? "" : `, ${kind === "soc2_report" ? "period end" : "dated"} ${latest.date}`;
  const until = expiresOn === undefined ? "" : `, valid until ${expiresOn}`;
  return { kind, label, required, status: "present", detail: `${title}${dated}${until}` };
}

/**
 * Assembles the one-page summary of a vendor from its records, tier, AI Act results, catalogue
 * entry, documents and open findings. Pure: the same inputs give the same summary.
 */
export function buildVendorSummary(input: BuildVendorSummaryInput): VendorSummary {
  const integrations = [...input.integrations].sort((a, b) => a.name.localeCompare(b.name));
  const aiActById = new Map((input.aiAct ?? []).map((r) => [r.integrationId, r]));

  const uses: SummaryUse[] = integrations.map((i) => {
    const act = aiActById.get(i.id);
    return {
      integration: i.name,
      feature: i.productFeature ?? "unknown",
      service: i.service ?? "unknown",
      models: i.models.map(modelText),
      customerFacing: yesNo(i.customerFacing),
      decisionCritical: yesNo(i.decisionCritical),
      domain: i.domain?.replaceAll("_", " ") ?? "unknown",
      aiActClass: act?.class ?? "not classified",
      aiActRole: act?.role ?? "unknown",
      aiActBasis: act?.rules.map((r) => r.basis) ?? [],
    };
  });

  const byClass = new Map<DataClass, string[]>();
  const unknownIn: string[] = [];
  for (const i of integrations) {
    if (i.dataClasses === undefined || i.dataClasses.length === 0) unknownIn.push(i.name);
    for (const c of i.dataClasses ?? []) byClass.set(c, [...(byClass.get(c) ?? []), i.name]);
  }
  const classes = [...byClass.entries()]
    .map(([dataClass, names]) => ({
      dataClass,
      label: DATA_CLASS_LABELS[dataClass],
      sensitive: TIER3_DATA_CLASSES.includes(dataClass),
      integrations: names,
    }))
    .sort((a, b) => Number(b.sensitive) - Number(a.sensitive) || a.label.localeCompare(b.label));

  const regions = [...new Set(integrations.flatMap((i) => i.processingRegions))].sort();
  if (integrations.some((i) => i.processingRegions.length === 0)) regions.push("unknown");
  const retention = integrations.map(
    (i) =>
      `${i.name}: ${i.retentionDays == null ? "unknown" : i.retentionDays === 0 ? "not stored" : `${i.retentionDays} days`}`,
  );
  const trainingUse = integrations.map(
    (i) => `${i.name}: ${(i.trainingUse ?? "unknown").replaceAll("_", " ")}`,
  );

  const classesSeen = uses.map((u) => u.aiActClass).filter((c): c is AiActClass => c !== "not classified");
  const highest = CLASS_ORDER.find((c) => classesSeen.includes(c)) ?? "not classified";

  const documents = SUMMARY_DOCUMENT_KINDS.map((kind) =>
    documentStatus(kind, input.documents ?? [], input.asOf),
  ).filter((d) => d.required || d.status !== "missing");

  const findings = [...(input.openFindings ?? [])].sort(
    (a, b) =>
      FINDING_SEVERITIES.indexOf(b.severity) - FINDING_SEVERITIES.indexOf(a.severity) ||
      a.title.localeCompare(b.title),
  );
  const bySeverity = Object.fromEntries(FINDING_SEVERITIES.map((s) => [s, 0])) as Record<
    FindingSeverity,
    number
  >;
  for (const f of findings) bySeverity[f.severity]++;

  const tier = input.tier;
  return {
    asOf: input.asOf,
    vendor: {
      name: input.vendor.name,
      category: CATEGORY_LABELS[input.vendor.category],
      status: input.vendor.status.replaceAll("_", " "),
      owner: input.vendor.owner ?? "unknown",
      website: input.vendor.website ?? null,
      trustPortalUrl: input.vendor.trustPortalUrl ?? null,
      headquartersCountry: input.vendor.headquartersCountry ?? "unknown",
    },
    uses,
    data: { classes, unknownIn, regions, retention, trainingUse },
    tier: {
      tier: tier.tier,
      computedTier: tier.computedTier,
      override:
        tier.override === null
          ? null
          : { tier: tier.override.tier, justification: tier.override.justification },
      reasons: tier.reasons.map(describeTierReason),
      questionCount: tier.questionCount,
      reviewCadence: `every ${tier.reviewCadenceMonths} months${tier.continuousMonitoring ? " plus continuous monitoring" : ""}`,
      nextReviewDue: tier.nextReviewDue,
    },
    aiAct: { highest },
    catalog: input.catalogEntry === undefined ? null : catalogFacts(input.catalogEntry),
    documents,
    documentGaps: documents.filter((d) => d.required && d.status !== "present").length,
    findings: { total: findings.length, bySeverity, items: findings },
  };
}
