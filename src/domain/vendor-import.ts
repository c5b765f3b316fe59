/**
 * Spreadsheet import of an existing AI vendor register: suggests which column holds which field,
 * then turns every row into vendor and integration create inputs, validated with the inventory's
 * own zod schemas. Free text is normalised ("PII, Customer data" → ["pii", "customer_data"]);
 * anything that cannot be read is a rejection naming the row, the column and the allowed values.
 * Rows naming the same vendor merge into one vendor with several integrations. The result is
 * complete: the caller imports only when `rejected` is empty, or when the user chose to skip the
 * rejected rows (the `vendors` list never holds anything from a rejected row).
 */
import { AppError } from "./errors.ts";
import {
  type AiIntegrationCreateInput,
  AiIntegrationCreateSchema,
  DATA_CLASSES,
  type DataClass,
  DEPLOYMENTS,
  type Deployment,
  HUMAN_OVERSIGHT,
  type HumanOversight,
  INTEGRATION_DOMAINS,
  type IntegrationDomain,
  type ModelRef,
  TRAINING_USE,
  type TrainingUse,
  VENDOR_CATEGORIES,
  VENDOR_STATUSES,
  type VendorCategory,
  type VendorCreateInput,
  VendorCreateSchema,
  type VendorStatus,
} from "./inventory.ts";

/** Fields a column can be mapped to. Vendor fields first, then integration fields. */
export const IMPORT_FIELDS = [
  "vendorName",
  "website",
  "category",
  "vendorOwner",
  "trustPortalUrl",
  "headquartersCountry",
  "status",
  "integrationName",
  "productFeature",
  "service",
  "models",
  "deployment",
  "dataClasses",
  "processingRegions",
  "retentionDays",
  "trainingUse",
  "customerFacing",
  "decisionCritical",
  "domain",
  "humanOversight",
  "integrationOwner",
] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];

const VENDOR_FIELDS: readonly ImportField[] = [
  "vendorName",
  "website",
  "category",
  "vendorOwner",
  "trustPortalUrl",
  "headquartersCountry",
  "status",
];

/** Which spreadsheet header feeds each field; unmapped fields are absent. */
export type ColumnMapping = Partial<Record<ImportField, string>>;

/** The table shape the spreadsheet reader produces (src/evidence/spreadsheet). */
export interface ImportTable {
  headers: readonly string[];
  rows: readonly { rowNumber: number; cells: Readonly<Record<string, string>> }[];
}

export interface ImportRejection {
  rowNumber: number;
  reason: string;
  /** The spreadsheet header of the cell at fault, when one cell is. */
  column?: string | undefined;
  value?: string | undefined;
}

export interface ImportedVendor {
  /** Rows that made this vendor, in sheet order. */
  rowNumbers: number[];
  vendor: VendorCreateInput;
  /** Status stated in the sheet; absent means the vendor starts as "proposed". */
  status?: VendorStatus | undefined;
  integrations: AiIntegrationCreateInput[];
}

export interface ImportResult {
  vendors: ImportedVendor[];
  rejected: ImportRejection[];
  /** Rows read (not counting the header). */
  rowCount: number;
}

export interface MapImportOptions {
  /** Category for rows that leave it empty (and name no catalogue vendor). Default "other". */
  defaultCategory?: VendorCategory | undefined;
  /** Catalogue vendors: a row naming one gets its slug, and its category and website when empty. */
  catalog?: readonly { slug: string; name: string; category: VendorCategory; website: string }[] | undefined;
  /** Names of vendors already in the inventory: rows naming one are rejected, not merged. */
  existingVendorNames?: readonly string[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// Column mapping

/** Header words per field, compared after lower-casing and reducing punctuation to spaces. */
const HEADER_SYNONYMS: Readonly<Record<ImportField, readonly string[]>> = {
  vendorName: [
    "vendor",
    "vendor name",
    "supplier",
    "supplier name",
    "provider",
    "company",
    "third party",
    "name",
  ],
  website: ["website", "url", "web site", "homepage", "vendor website", "site"],
  category: ["category", "vendor category", "type", "vendor type"],
  vendorOwner: ["owner", "vendor owner", "business owner", "relationship owner", "account owner"],
  trustPortalUrl: ["trust portal", "trust portal url", "trust center", "trust centre", "security page"],
  headquartersCountry: ["country", "hq", "hq country", "headquarters", "headquarters country"],
  status: ["status", "vendor status", "approval status", "review status", "state"],
  integrationName: ["integration", "integration name", "use case", "usecase", "ai use case"],
  productFeature: ["feature", "product feature", "our feature", "used by", "used for", "purpose"],
  service: ["service", "vendor service", "product", "api"],
  models: ["model", "models", "model name", "models used", "model version"],
  deployment: ["deployment", "hosting", "deployment type"],
  dataClasses: [
    "data classes",
    "data class",
    "data sent",
    "data shared",
    "data types",
    "data categories",
    "data classification",
    "data",
  ],
  processingRegions: [
    "region",
    "regions",
    "processing region",
    "processing regions",
    "data location",
    "location",
  ],
  retentionDays: ["retention", "retention days", "retention in days", "data retention", "retention period"],
  trainingUse: [
    "trains on data",
    "training",
    "training use",
    "trains on our data",
    "used for training",
    "model training",
  ],
  customerFacing: ["customer facing", "external", "customer visible", "public facing"],
  decisionCritical: ["decision critical", "automated decisions", "decision making", "makes decisions"],
  domain: ["domain", "industry", "sector", "use domain", "regulated domain"],
  humanOversight: ["human oversight", "oversight", "human review", "human in the loop"],
  integrationOwner: ["integration owner", "technical owner", "feature owner", "engineering owner"],
};

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** Headers of the sheet that no field is mapped from (shown in the preview as "ignored"). */
export function unmappedHeaders(headers: readonly string[], mapping: ColumnMapping): string[] {
  const used = new Set(Object.values(mapping));
  return headers.filter((h) => !used.has(h));
}

/**
 * Suggests which header feeds each import field by case-insensitive synonyms ("Vendor name",
 * "Supplier", "Data sent", "Retention (days)"...). Each header feeds at most one field.
 */
export function suggestColumnMapping(headers: readonly string[]): ColumnMapping {
  const mapping: ColumnMapping = {};
  const used = new Set<string>();
  const byNormal = headers.map((h) => ({ header: h, key: normalise(h) }));
  for (const field of IMPORT_FIELDS) {
    for (const synonym of HEADER_SYNONYMS[field]) {
      const hit = byNormal.find((h) => h.key === synonym && !used.has(h.header));
      if (hit !== undefined) {
        mapping[field] = hit.header;
        used.add(hit.header);
        break;
      }
    }
  }
  return mapping;
}

// ---------------------------------------------------------------------------------------------
// Value readers. Each returns the value, `undefined` for "not known", or throws a CellProblem.

class CellProblem {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

const UNKNOWN_WORDS = new Set([
  "",
  "unknown",
  "?",
  "tbd",
  "tbc",
  "n a",
  "na",
  "not sure",
  "unclear",
  "not known",
]);

function isUnknown(text: string): boolean {
  return UNKNOWN_WORDS.has(normalise(text));
}

function choice<T extends string>(
  text: string,
  allowed: readonly T[],
  synonyms: Readonly<Record<string, T>>,
  what: string,
): T | undefined {
  if (isUnknown(text)) return undefined;
  const key = normalise(text);
  const direct = byNormalForm(allowed).get(key);
  if (direct !== undefined) return direct;
  const mapped = synonyms[key];
  if (mapped !== undefined) return mapped;
  throw new CellProblem(`"${text}" is not a known ${what}; use one of: ${allowed.join(", ")}`);
}

const normalForms = new WeakMap<readonly string[], Map<string, string>>();

/** The allowed ids of a vocabulary by their normal form ("opt out available" → "opt_out_available"), built once. */
function byNormalForm<T extends string>(allowed: readonly T[]): Map<string, T> {
  let map = normalForms.get(allowed);
  if (map === undefined) {
    map = new Map(allowed.map((a) => [normalise(a), a]));
    normalForms.set(allowed, map);
  }
  return map as Map<string, T>;
}

const YES = new Set(["yes", "y", "true", "1", "x", "ja", "oui", "si"]);
const NO = new Set(["no", "n", "false", "0", "nein", "non"]);

/** yes / no / y / n / true / false / 1 / 0; empty or "unknown" is null (not known). */
export function parseYesNo(text: string): boolean | null {
  if (isUnknown(text)) return null;
  // Numbers as written: "-1" or "1.5" must not read as 1.
  const key = /\d/.test(text) ? text.trim() : normalise(text);
  if (YES.has(key)) return true;
  if (NO.has(key)) return false;
  throw new CellProblem(`"${text}" is not yes or no (use yes, no, y, n, true, false, 1, 0 or unknown)`);
}

const CATEGORY_SYNONYMS: Record<string, VendorCategory> = {
  "foundation model": "foundation_model_provider",
  "foundation models": "foundation_model_provider",
  llm: "foundation_model_provider",
  "llm provider": "foundation_model_provider",
  "model provider": "foundation_model_provider",
  "ai model provider": "foundation_model_provider",
  "cloud ai": "cloud_ai_platform",
  "cloud platform": "cloud_ai_platform",
  "ml platform": "cloud_ai_platform",
  "ai platform": "cloud_ai_platform",
  hub: "model_hub",
  "model repository": "model_hub",
  "vector db": "vector_database",
  "vector store": "vector_database",
  "vector search": "vector_database",
  "data storage": "data_platform",
  "data processing": "data_platform",
  "data storage processing": "data_platform",
  "data warehouse": "data_platform",
  database: "data_platform",
  labelling: "labeling",
  annotation: "labeling",
  "data labeling": "labeling",
  "data labelling": "labeling",
  "labeling annotation": "labeling",
  "labelling annotation": "labeling",
  monitoring: "observability",
  "llm observability": "observability",
  evaluation: "observability",
  tracing: "observability",
  sso: "identity",
  iam: "identity",
  "identity provider": "identity",
};

const STATUS_SYNONYMS: Record<string, VendorStatus> = {
  new: "proposed",
  requested: "proposed",
  planned: "proposed",
  "under review": "in_review",
  reviewing: "in_review",
  pending: "in_review",
  "in progress": "in_review",
  conditional: "approved_with_conditions",
  "conditionally approved": "approved_with_conditions",
  active: "approved",
  "in use": "approved",
  declined: "rejected",
  denied: "rejected",
  "not approved": "rejected",
  retired: "offboarded",
  terminated: "offboarded",
  decommissioned: "offboarded",
};

const DOMAIN_SYNONYMS: Record<string, IntegrationDomain> = {
  health: "healthcare",
  medical: "healthcare",
  clinical: "healthcare",
  "health care": "healthcare",
  finance: "finance_credit",
  credit: "finance_credit",
  lending: "finance_credit",
  banking: "finance_credit",
  "finance credit": "finance_credit",
  "financial services": "finance_credit",
  hr: "employment",
  hiring: "employment",
  recruiting: "employment",
  recruitment: "employment",
  "human resources": "employment",
  law: "legal",
  "critical infra": "critical_infrastructure",
  utilities: "critical_infrastructure",
  police: "law_enforcement",
  biometric: "biometrics",
  none: "general",
  "not regulated": "general",
};

const TRAINING_SYNONYMS: Record<string, TrainingUse> = {
  y: "yes",
  true: "yes",
  n: "no",
  false: "no",
  never: "no",
  "opt out": "opt_out_available",
  "opt out available": "opt_out_available",
  "opted out": "opt_out_available",
  optout: "opt_out_available",
};

const DEPLOYMENT_SYNONYMS: Record<string, Deployment> = {
  api: "vendor_api",
  saas: "vendor_api",
  "hosted endpoint": "vendor_hosted_endpoint",
  "dedicated endpoint": "vendor_hosted_endpoint",
  endpoint: "vendor_hosted_endpoint",
  "private endpoint": "vendor_hosted_endpoint",
  "self hosted": "self_hosted_hub_model",
  selfhosted: "self_hosted_hub_model",
  "on prem": "self_hosted_hub_model",
  "on premises": "self_hosted_hub_model",
  "hub model": "self_hosted_hub_model",
};

const OVERSIGHT_SYNONYMS: Record<string, HumanOversight> = {
  "human review": "review_before_use",
  "human in the loop": "review_before_use",
  hitl: "review_before_use",
  reviewed: "review_before_use",
  "spot checks": "monitoring",
  "spot check": "monitoring",
  monitored: "monitoring",
  no: "none",
};

const DATA_CLASS_SYNONYMS: Record<string, DataClass> = {
  "public data": "public",
  "internal data": "internal",
  "internal only": "internal",
  "confidential data": "confidential",
  "customer data": "customer_data",
  customer: "customer_data",
  "customer content": "customer_data",
  "personal data": "pii",
  "personal information": "pii",
  "personally identifiable information": "pii",
  "health data": "phi",
  "protected health information": "phi",
  "medical data": "phi",
  "patient data": "phi",
  health: "phi",
  "payment data": "payment_data",
  payment: "payment_data",
  "card data": "payment_data",
  "cardholder data": "payment_data",
  pci: "payment_data",
  "credentials secrets": "credentials",
  secrets: "credentials",
  "api keys": "credentials",
  passwords: "credentials",
  credential: "credentials",
  biometrics: "biometric",
  "biometric data": "biometric",
};

function splitList(text: string): string[] {
  return text
    .split(/[,;|\n]+/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

/** "PII, Customer data" → ["pii", "customer_data"]; empty or "unknown" → undefined (not known). */
export function parseDataClasses(text: string): DataClass[] | undefined {
  if (isUnknown(text)) return undefined;
  const out: DataClass[] = [];
  const add = (c: DataClass) => {
    if (!out.includes(c)) out.push(c);
  };
  for (const token of splitList(text)) {
    const one = dataClassOf(token);
    if (one !== undefined) {
      add(one);
      continue;
    }
    // "PII and PHI", "PII / PHI": try the parts before giving up.
    const parts = token.split(/\s*\/\s*|\s+and\s+|\s*&\s*/i).filter((p) => p !== "");
    const read = parts.map(dataClassOf);
    if (parts.length > 1 && read.every((c) => c !== undefined)) {
      for (const c of read) if (c !== undefined) add(c);
      continue;
    }
    throw new CellProblem(`"${token}" is not a known data class; use any of: ${DATA_CLASSES.join(", ")}`);
  }
  return out.length === 0 ? undefined : out;
}

function dataClassOf(token: string): DataClass | undefined {
  const key = normalise(token);
  return byNormalForm(DATA_CLASSES).get(key) ?? DATA_CLASS_SYNONYMS[key];
}

/**
 * "30", "30 days", "30d", "2 weeks", "0" / "none" / "zero retention" (not stored); empty or
 * "unknown" → undefined. Months and years are refused: their length in days is a guess.
 */
export function parseRetentionDays(text: string): number | null | undefined {
  if (isUnknown(text)) return undefined;
  const key = normalise(text);
  if (["none", "zero", "zero retention", "no retention", "not stored", "zdr"].includes(key)) return 0;
  // Read the text as written (not normalised): "-3" or "2.5" must not pass as 3 or 25.
  const match = /^(\d{1,5}) ?(d|days?|w|weeks?)?$/.exec(text.trim().toLowerCase().replace(/\s+/g, " "));
  if (match?.[1] === undefined) {
    throw new CellProblem(`"${text}" is not a number of days (write 30, "30 days", "2 weeks", 0 or unknown)`);
  }
  const days = Number(match[1]) * (match[2]?.startsWith("w") ? 7 : 1);
  if (days > 36_500) throw new CellProblem(`${days} days is more than 100 years`);
  return days;
}

const COUNTRY_NAMES: Record<string, string> = {
  "united states": "US",
  usa: "US",
  "united states of america": "US",
  "united kingdom": "GB",
  uk: "GB",
  "great britain": "GB",
  germany: "DE",
  france: "FR",
  canada: "CA",
  ireland: "IE",
  netherlands: "NL",
  "the netherlands": "NL",
  switzerland: "CH",
  israel: "IL",
  japan: "JP",
  india: "IN",
  china: "CN",
  singapore: "SG",
  australia: "AU",
  sweden: "SE",
};

function parseCountry(text: string): string | undefined {
  if (isUnknown(text)) return undefined;
  const trimmed = text.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return trimmed.toUpperCase();
  const code = COUNTRY_NAMES[normalise(trimmed)];
  if (code !== undefined) return code;
  throw new CellProblem(`"${text}" is not an ISO 3166-1 alpha-2 country code such as US or DE`);
}

function parseUrl(text: string): string | undefined {
  if (isUnknown(text)) return undefined;
  const trimmed = text.trim();
  return /^https?:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`;
}

/**
 * "gpt-4o@2024-08-06, GPT-4o (2024-11-20), mistralai/Mistral-7B-v0.1@main": owner/name is a hub
 * model; `@` or a trailing parenthesis gives the version (or hub revision).
 */
export function parseModels(text: string): ModelRef[] {
  if (isUnknown(text)) return [];
  return splitList(text).map((raw) => {
    const paren = /^(.+?)\s*\(([^()]+)\)$/.exec(raw);
    const token = paren?.[1] !== undefined && paren[2] !== undefined ? `${paren[1]}@${paren[2]}` : raw;
    const at = token.lastIndexOf("@");
    const base = (at > 0 ? token.slice(0, at) : token).trim();
    const version = at > 0 ? token.slice(at + 1).trim() || undefined : undefined;
    if (base.includes("/")) {
      return version === undefined
        ? { kind: "hub_model" as const, repo: base }
        : { kind: "hub_model" as const, repo: base, revision: version };
    }
    return version === undefined
      ? { kind: "vendor_model" as const, name: base }
      : { kind: "vendor_model" as const, name: base, version };
  });
}

function parseRegions(text: string): string[] {
  if (isUnknown(text)) return [];
  return [
    ...new Set(
      text
        .split(/[,;|\n/]+/)
        .map((t) => t.trim())
        .filter((t) => t !== ""),
    ),
  ];
}

function optionalText(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed;
}

// ---------------------------------------------------------------------------------------------
// Rows

interface ParsedRow {
  rowNumber: number;
  vendorKey: string;
  vendor: Record<string, unknown>;
  status: VendorStatus | undefined;
  /** Null when the row names a vendor only, with no integration fields filled. */
  integration: AiIntegrationCreateInput | null;
}

const INTEGRATION_PATH_FIELD: Readonly<Record<string, ImportField>> = {
  name: "integrationName",
  productFeature: "productFeature",
  service: "service",
  models: "models",
  deployment: "deployment",
  dataClasses: "dataClasses",
  processingRegions: "processingRegions",
  retentionDays: "retentionDays",
  trainingUse: "trainingUse",
  customerFacing: "customerFacing",
  decisionCritical: "decisionCritical",
  domain: "domain",
  humanOversight: "humanOversight",
  owner: "integrationOwner",
};

const VENDOR_PATH_FIELD: Readonly<Record<string, ImportField>> = {
  name: "vendorName",
  website: "website",
  category: "category",
  owner: "vendorOwner",
  trustPortalUrl: "trustPortalUrl",
  headquartersCountry: "headquartersCountry",
};

function vendorKeyOf(name: string): string {
  return name.trim().replace(/\s+/g, " ").toLowerCase();
}

function parseRow(
  row: ImportTable["rows"][number],
  mapping: ColumnMapping,
  options: MapImportOptions,
): { parsed: ParsedRow | null; rejected: ImportRejection[] } {
  const rejected: ImportRejection[] = [];
  const cell = (field: ImportField): string => {
    const header = mapping[field];
    return header === undefined ? "" : (row.cells[header] ?? "").trim();
  };
  const read = <T>(field: ImportField, reader: (text: string) => T): T | undefined => {
    const text = cell(field);
    try {
      return reader(text);
    } catch (error) {
      if (!(error instanceof CellProblem)) throw error;
      rejected.push({ rowNumber: row.rowNumber, reason: error.reason, column: mapping[field], value: text });
      return undefined;
    }
  };

  const vendorName = cell("vendorName").replace(/\s+/g, " ");
  if (vendorName === "") {
    rejected.push({
      rowNumber: row.rowNumber,
      reason: "the vendor name is empty",
      column: mapping.vendorName,
      value: "",
    });
  }
  // Only what the row states; defaults (category, catalogue facts) are added when the vendor is
  // assembled, so a row that leaves a cell empty never conflicts with one that fills it.
  const vendor: Record<string, unknown> = dropUndefined({
    name: vendorName,
    website: read("website", parseUrl),
    category: read("category", (t) => choice(t, VENDOR_CATEGORIES, CATEGORY_SYNONYMS, "vendor category")),
    owner: optionalText(cell("vendorOwner")),
    trustPortalUrl: read("trustPortalUrl", parseUrl),
    headquartersCountry: read("headquartersCountry", parseCountry),
  });
  const status = read("status", (t) => choice(t, VENDOR_STATUSES, STATUS_SYNONYMS, "vendor status"));

  const integrationFieldsFilled = IMPORT_FIELDS.some((f) => !VENDOR_FIELDS.includes(f) && cell(f) !== "");
  let integration: AiIntegrationCreateInput | null = null;
  if (integrationFieldsFilled) {
    const name =
      optionalText(cell("integrationName")) ??
      optionalText(cell("productFeature")) ??
      optionalText(cell("service")) ??
      `${vendorName} integration`;
    const draft = {
      name,
      productFeature: optionalText(cell("productFeature")),
      service: optionalText(cell("service")),
      models: read("models", parseModels) ?? [],
      deployment: read("deployment", (t) => choice(t, DEPLOYMENTS, DEPLOYMENT_SYNONYMS, "deployment")),
      dataClasses: read("dataClasses", parseDataClasses),
      processingRegions: read("processingRegions", parseRegions) ?? [],
      retentionDays: read("retentionDays", parseRetentionDays),
      trainingUse: read("trainingUse", (t) => choice(t, TRAINING_USE, TRAINING_SYNONYMS, "training use")),
      customerFacing: read("customerFacing", parseYesNo),
      decisionCritical: read("decisionCritical", parseYesNo),
      domain: read("domain", (t) => choice(t, INTEGRATION_DOMAINS, DOMAIN_SYNONYMS, "domain")),
      humanOversight: read("humanOversight", (t) =>
        choice(t, HUMAN_OVERSIGHT, OVERSIGHT_SYNONYMS, "human oversight"),
      ),
      owner: optionalText(cell("integrationOwner")),
    };
    const parsed = AiIntegrationCreateSchema.safeParse(dropUndefined(draft));
    if (parsed.success) integration = parsed.data;
    else if (rejected.length === 0) {
      for (const issue of parsed.error.issues) {
        const field = INTEGRATION_PATH_FIELD[String(issue.path[0])];
        const column = field === undefined ? undefined : mapping[field];
        rejected.push({
          rowNumber: row.rowNumber,
          reason: `${field ?? String(issue.path[0])}: ${issue.message}`,
          column,
          value: field === undefined ? undefined : cell(field),
        });
      }
    }
  }

  if (rejected.length === 0) {
    const parsedVendor = VendorCreateSchema.safeParse({ ...vendorDefaults(vendorName, options), ...vendor });
    if (!parsedVendor.success) {
      for (const issue of parsedVendor.error.issues) {
        const field = VENDOR_PATH_FIELD[String(issue.path[0])];
        rejected.push({
          rowNumber: row.rowNumber,
          reason: `${field ?? String(issue.path[0])}: ${issue.message}`,
          column: field === undefined ? undefined : mapping[field],
          value: field === undefined ? undefined : cell(field),
        });
      }
    }
  }
  if (rejected.length > 0) return { parsed: null, rejected };
  return {
    parsed: { rowNumber: row.rowNumber, vendorKey: vendorKeyOf(vendorName), vendor, status, integration },
    rejected,
  };
}

/** What a vendor gets when no row states it: catalogue slug, category and website, else the default category. */
function vendorDefaults(name: string, options: MapImportOptions): Record<string, unknown> {
  const entry = options.catalog?.find((e) => vendorKeyOf(e.name) === vendorKeyOf(name));
  if (entry === undefined) return { category: options.defaultCategory ?? "other" };
  return { category: entry.category, website: entry.website, catalogSlug: entry.slug };
}

function dropUndefined<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T;
}

function checkMapping(table: ImportTable, mapping: ColumnMapping): void {
  if (mapping.vendorName === undefined) {
    throw new AppError("IMPORT_INVALID", "Map a column to the vendor name; it is the one required column.", {
      details: { headers: [...table.headers] },
    });
  }
  for (const [field, header] of Object.entries(mapping)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) {
      throw new AppError("IMPORT_INVALID", `"${field}" is not an import field.`, {
        details: { field, allowed: [...IMPORT_FIELDS] },
      });
    }
    if (header !== undefined && !table.headers.includes(header)) {
      throw new AppError("IMPORT_INVALID", `The column "${header}" mapped to ${field} is not in the sheet.`, {
        details: { field, header, headers: [...table.headers] },
      });
    }
  }
}

/**
 * Turns spreadsheet rows into vendors with their integrations: each row validated with the
 * inventory schemas, rows of the same vendor (name compared case- and space-insensitively) merged,
 * every unreadable cell, conflicting vendor fact or repeated integration reported as a rejection.
 * Throws IMPORT_INVALID only when the mapping itself is unusable.
 */
export function mapImportRows(
  table: ImportTable,
  mapping: ColumnMapping,
  options: MapImportOptions = {},
): ImportResult {
  checkMapping(table, mapping);
  const rejected: ImportRejection[] = [];
  const existing = new Set((options.existingVendorNames ?? []).map(vendorKeyOf));
  const groups = new Map<
    string,
    {
      rows: ParsedRow[];
      vendor: Record<string, unknown>;
      status: VendorStatus | undefined;
      names: Map<string, number>;
    }
  >();
  for (const row of table.rows) {
    const result = parseRow(row, mapping, options);
    rejected.push(...result.rejected);
    const parsed = result.parsed;
    if (parsed === null) continue;
    if (existing.has(parsed.vendorKey)) {
      rejected.push({
        rowNumber: parsed.rowNumber,
        reason: `a vendor named "${String(parsed.vendor.name)}" is already in the inventory; add its integrations there or rename it in the sheet`,
        column: mapping.vendorName,
        value: String(parsed.vendor.name),
      });
      continue;
    }
    const group = groups.get(parsed.vendorKey);
    if (group === undefined) {
      const names = new Map<string, number>();
      if (parsed.integration !== null) names.set(parsed.integration.name.toLowerCase(), parsed.rowNumber);
      groups.set(parsed.vendorKey, {
        rows: [parsed],
        vendor: { ...parsed.vendor },
        status: parsed.status,
        names,
      });
      continue;
    }
    const conflicts = vendorConflicts(group, parsed, mapping);
    if (parsed.status !== undefined && group.status !== undefined && parsed.status !== group.status) {
      const first = group.rows.find((r) => r.status === group.status);
      conflicts.push({
        rowNumber: parsed.rowNumber,
        reason: `status "${parsed.status}" differs from "${group.status}" given for the same vendor on row ${first?.rowNumber ?? "?"}`,
        column: mapping.status,
        value: parsed.status,
      });
    }
    const integrationName = parsed.integration?.name.toLowerCase();
    const earlier = integrationName === undefined ? undefined : group.names.get(integrationName);
    if (earlier !== undefined) {
      conflicts.push({
        rowNumber: parsed.rowNumber,
        reason: `the integration "${parsed.integration?.name}" of this vendor is already on row ${earlier}`,
        column: mapping.integrationName ?? mapping.productFeature ?? mapping.service,
        value: parsed.integration?.name,
      });
    }
    if (conflicts.length > 0) {
      rejected.push(...conflicts);
      continue;
    }
    for (const [key, value] of Object.entries(parsed.vendor)) {
      if (group.vendor[key] === undefined) group.vendor[key] = value;
    }
    group.status ??= parsed.status;
    if (integrationName !== undefined) group.names.set(integrationName, parsed.rowNumber);
    group.rows.push(parsed);
  }
  const vendors: ImportedVendor[] = [...groups.values()].map((group) => ({
    rowNumbers: group.rows.map((r) => r.rowNumber),
    vendor: VendorCreateSchema.parse({
      ...vendorDefaults(String(group.vendor.name), options),
      ...group.vendor,
    }) as VendorCreateInput,
    ...(group.status === undefined ? {} : { status: group.status }),
    integrations: group.rows.flatMap((r) => (r.integration === null ? [] : [r.integration])),
  }));
  rejected.sort((a, b) => a.rowNumber - b.rowNumber);
  return { vendors, rejected, rowCount: table.rows.length };
}

/** A later row that states a vendor fact differently from an earlier row of the same vendor. */
function vendorConflicts(
  group: { rows: ParsedRow[]; vendor: Record<string, unknown> },
  row: ParsedRow,
  mapping: ColumnMapping,
): ImportRejection[] {
  const out: ImportRejection[] = [];
  for (const [key, field] of Object.entries(VENDOR_PATH_FIELD)) {
    if (key === "name") continue;
    const mine = row.vendor[key];
    const theirs = group.vendor[key];
    if (mine === undefined || theirs === undefined || mine === theirs) continue;
    const first = group.rows.find((r) => r.vendor[key] === theirs);
    out.push({
      rowNumber: row.rowNumber,
      reason: `${field} "${String(mine)}" differs from "${String(theirs)}" given for the same vendor on row ${first?.rowNumber ?? "?"}`,
      column: mapping[field],
      value: String(mine),
    });
  }
  return out;
}
