import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Every business table carries workspace_id so one deployment can later serve several isolated
// workspaces. Tables that describe the installation itself (instance settings, the catalogue,
// login throttling) are global.

const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();

export const workspaces = pgTable("workspaces", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  createdAt: createdAt(),
});

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    role: text("role", { enum: ["admin", "assessor", "viewer", "auditor"] }).notNull(),
    passwordHash: text("password_hash").notNull(),
    disabledAt: timestamp("disabled_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("users_workspace_email_key").on(t.workspaceId, sql`lower(${t.email})`)],
);

export const sessions = pgTable(
  "sessions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    csrfToken: text("csrf_token").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    address: text("address"),
    userAgent: text("user_agent"),
  },
  (t) => [uniqueIndex("sessions_token_hash_key").on(t.tokenHash), index("sessions_user_idx").on(t.userId)],
);

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** First characters of the token, shown in lists so a person can tell tokens apart. */
    prefix: text("prefix").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    uniqueIndex("api_tokens_token_hash_key").on(t.tokenHash),
    index("api_tokens_user_idx").on(t.userId),
  ],
);

/**
 * Tamper-evident audit log: each entry stores the hash of the one before it. `seq` is assigned
 * by the writer under an advisory lock (never by a sequence, whose rolled-back values would leave
 * gaps that look like deletions).
 */
export const auditLog = pgTable(
  "audit_log",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey(),
    id: uuid("id").notNull().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
    actorType: text("actor_type", { enum: ["user", "token", "system", "portal"] }).notNull(),
    actorId: text("actor_id"),
    actorLabel: text("actor_label").notNull(),
    action: text("action").notNull(),
    targetType: text("target_type").notNull(),
    targetId: text("target_id"),
    details: jsonb("details").notNull().default({}),
    prevHash: text("prev_hash").notNull(),
    hash: text("hash").notNull(),
  },
  (t) => [
    index("audit_log_workspace_at_idx").on(t.workspaceId, t.at),
    index("audit_log_target_idx").on(t.targetType, t.targetId),
  ],
);

/** Failed login attempts, counted per account and per client address for throttling. */
export const loginFailures = pgTable(
  "login_failures",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    scope: text("scope", { enum: ["account", "address"] }).notNull(),
    key: text("key").notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [index("login_failures_scope_key_at_idx").on(t.scope, t.key, t.at)],
);

/** Settings of the installation (not of a workspace), such as the hashed first-run setup token. */
export const instanceSettings = pgTable("instance_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: updatedAt(),
});

/** Validated catalogue data (question banks, vendor facts, regulation dates) seeded from catalog/. */
export const catalogEntries = pgTable(
  "catalog_entries",
  {
    kind: text("kind").notNull(),
    key: text("key").notNull(),
    sourceFile: text("source_file").notNull(),
    contentHash: text("content_hash").notNull(),
    data: jsonb("data").notNull(),
    loadedAt: timestamp("loaded_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    active: boolean("active").notNull().default(true),
    revision: integer("revision").notNull().default(1),
  },
  (t) => [primaryKey({ columns: [t.kind, t.key] })],
);

// ---------------------------------------------------------------- inventory

/**
 * An AI vendor. `computed_tier`, `tier`, `next_review_due` and `integration_count` are derived
 * from the integrations and the override; they are stored (and refreshed in the same transaction
 * as every change) so the vendor list can filter and sort by them on the server.
 */
export const vendors = pgTable(
  "vendors",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    name: text("name").notNull(),
    website: text("website"),
    category: text("category").notNull(),
    owner: text("owner"),
    status: text("status").notNull().default("proposed"),
    trustPortalUrl: text("trust_portal_url"),
    headquartersCountry: text("headquarters_country"),
    subprocessors: jsonb("subprocessors").notNull().default([]),
    catalogSlug: text("catalog_slug"),
    tierOverride: jsonb("tier_override"),
    computedTier: smallint("computed_tier").notNull().default(2),
    tier: smallint("tier").notNull().default(2),
    nextReviewDue: date("next_review_due", { mode: "string" }).notNull(),
    lastReviewedOn: date("last_reviewed_on", { mode: "string" }),
    integrationCount: integer("integration_count").notNull().default(0),
    /** The row as the vendor list returns it, rebuilt in every write's transaction (see inventory.ts). */
    listJson: jsonb("list_json"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("vendors_workspace_name_key").on(t.workspaceId, sql`lower(${t.name})`),
    // One index per sort order of the vendor list, ending in id: keyset pages read only their rows.
    index("vendors_sort_name_idx").on(t.workspaceId, sql`lower(${t.name})`, t.id),
    index("vendors_sort_tier_idx").on(t.workspaceId, t.tier, t.id),
    index("vendors_sort_status_idx").on(t.workspaceId, t.status, t.id),
    index("vendors_sort_review_idx").on(t.workspaceId, t.nextReviewDue, t.id),
    index("vendors_sort_updated_idx").on(t.workspaceId, t.updatedAt, t.id),
    index("vendors_workspace_category_idx").on(t.workspaceId, t.category),
  ],
);

/** One use of a vendor by one product feature. NULL means "not known yet" (tiering counts it upward). */
export const aiIntegrations = pgTable(
  "ai_integrations",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    vendorId: uuid("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    productFeature: text("product_feature"),
    service: text("service"),
    models: jsonb("models").notNull().default([]),
    deployment: text("deployment"),
    dataClasses: text("data_classes").array(),
    processingRegions: text("processing_regions").array().notNull().default(sql`'{}'::text[]`),
    retentionDays: integer("retention_days"),
    trainingUse: text("training_use"),
    customerFacing: boolean("customer_facing"),
    decisionCritical: boolean("decision_critical"),
    domain: text("domain"),
    humanOversight: text("human_oversight"),
    owner: text("owner"),
    aiActUseCases: text("ai_act_use_cases").array(),
    aiActRole: text("ai_act_role"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("ai_integrations_vendor_idx").on(t.vendorId),
    index("ai_integrations_workspace_idx").on(t.workspaceId),
  ],
);

// ---------------------------------------------------------------- evidence documents

/** PostgreSQL bytea as a Node Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * Document bytes, stored once per content: the key is the SHA-256 of the bytes. `content` is NULL
 * when the bytes live in ASSAY_BLOB_DIR instead (under their hash). Every read re-verifies the hash.
 */
export const blobs = pgTable(
  "blobs",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    sha256: text("sha256").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    mediaType: text("media_type").notNull(),
    content: bytea("content"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.sha256] })],
);

/** A piece of evidence about a vendor: what it is, its dates, and what the readers found in it. */
export const documents = pgTable(
  "documents",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    vendorId: uuid("vendor_id").references(() => vendors.id, { onDelete: "set null" }),
    /** The question of an assessment this document answers, e.g. "q01". */
    questionId: text("question_id"),
    assessmentId: uuid("assessment_id"),
    type: text("type").notNull(),
    title: text("title").notNull(),
    fileName: text("file_name").notNull(),
    sha256: text("sha256").notNull(),
    size: bigint("size", { mode: "number" }).notNull(),
    mediaType: text("media_type").notNull(),
    issuedOn: date("issued_on", { mode: "string" }),
    expiresOn: date("expires_on", { mode: "string" }),
    uploadedBy: text("uploaded_by").notNull(),
    uploadedVia: text("uploaded_via").notNull(),
    /** pending → done / failed / not_applicable (a type no reader handles). */
    analysisStatus: text("analysis_status").notNull().default("pending"),
    analysis: jsonb("analysis"),
    findings: jsonb("findings").notNull().default([]),
    analysisError: text("analysis_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("documents_vendor_idx").on(t.workspaceId, t.vendorId),
    index("documents_expiry_idx").on(t.workspaceId, t.expiresOn),
    index("documents_sha_idx").on(t.workspaceId, t.sha256),
  ],
);

// ---------------------------------------------------------------- AI usage

/** One ingestion of a usage log. The file's SHA-256 makes a second ingestion of the same file a no-op. */
export const usageIngests = pgTable(
  "usage_ingests",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    source: text("source").notNull(),
    fileSha256: text("file_sha256").notNull(),
    fileName: text("file_name"),
    format: text("format").notNull(),
    /** running → complete / failed. */
    status: text("status").notNull(),
    /** Batches committed so far: a rerun after a crash resumes after them. */
    batchesCommitted: integer("batches_committed").notNull().default(0),
    lines: bigint("lines", { mode: "number" }).notNull().default(0),
    events: bigint("events", { mode: "number" }).notNull().default(0),
    /** The first skipped lines (line and reason); skippedCount is exact beyond them. */
    skipped: jsonb("skipped").notNull().default([]),
    skippedCount: bigint("skipped_count", { mode: "number" }).notNull().default(0),
    error: jsonb("error"),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [uniqueIndex("usage_ingests_file_key").on(t.workspaceId, t.fileSha256)],
);

/**
 * One AI request seen in a log. No prompt text: classes, counts, sizes and the content hash only.
 * The table is append-only and the busiest in the schema, so it has no foreign keys: their checks
 * cost a third of the load time per row (bench/RESULTS.md), and only ingestUsageLog writes here, with
 * the workspace and ingest it has just read or created.
 */
export const usageEvents = pgTable(
  "usage_events",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity(),
    workspaceId: uuid("workspace_id").notNull(),
    ingestId: uuid("ingest_id").notNull(),
    line: bigint("line", { mode: "number" }).notNull(),
    occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "date" }).notNull(),
    host: text("host"),
    vendor: text("vendor"),
    service: text("service"),
    model: text("model"),
    modelVersion: text("model_version"),
    region: text("region"),
    actor: text("actor"),
    source: text("source").notNull(),
    requestBytes: integer("request_bytes"),
    responseBytes: integer("response_bytes"),
    contentHash: text("content_hash"),
    dataClasses: text("data_classes").array().notNull().default(sql`'{}'::text[]`),
    detections: jsonb("detections").notNull().default({}),
    discoveryOnly: boolean("discovery_only").notNull().default(false),
  },
  // Only the ingest and line are indexed (resume and findings read by ingest); summaries read the
  // daily rollups, never the events, so a time index would cost every load and serve no query.
  (t) => [uniqueIndex("usage_events_ingest_line_key").on(t.ingestId, t.line)],
);

/**
 * Daily counts per vendor × service × model × version × source × data class ("" counts every
 * request). Summaries over months read these, never the events.
 */
export const usageDaily = pgTable(
  "usage_daily",
  {
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    day: date("day", { mode: "string" }).notNull(),
    vendor: text("vendor").notNull(),
    service: text("service").notNull(),
    model: text("model").notNull(),
    modelVersion: text("model_version").notNull(),
    source: text("source").notNull(),
    dataClass: text("data_class").notNull(),
    requests: bigint("requests", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({
      columns: [t.workspaceId, t.day, t.vendor, t.service, t.model, t.modelVersion, t.source, t.dataClass],
    }),
  ],
);

// ---------------------------------------------------------------- findings

/**
 * A finding raised by a rule over evidence (usage logs, documents, answers). The dedupe key makes a
 * rerun of the same rule over the same facts update the finding instead of adding another.
 */
export const findings = pgTable(
  "findings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    vendorId: uuid("vendor_id").references(() => vendors.id, { onDelete: "set null" }),
    /** What raised it, e.g. "usage". */
    source: text("source").notNull(),
    rule: text("rule").notNull(),
    /** info, low, medium, high, critical. */
    severity: text("severity").notNull(),
    title: text("title").notNull(),
    detail: text("detail").notNull().default(""),
    evidence: jsonb("evidence").notNull().default({}),
    /** open → resolved. */
    status: text("status").notNull().default("open"),
    dedupeKey: text("dedupe_key").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("findings_dedupe_key").on(t.workspaceId, t.dedupeKey),
    index("findings_source_idx").on(t.workspaceId, t.source, t.createdAt),
  ],
);

// ---------------------------------------------------------------- assessments

/**
 * One questionnaire sent to one vendor. The question set is a snapshot taken at creation (the
 * bank version plus the workspace's custom questions of the tier), so a later bank version or an
 * edited custom question never changes what this assessment asked. Answers are a jsonb map of
 * question id → { value, comment?, evidence? }.
 */
export const assessments = pgTable(
  "assessments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    vendorId: uuid("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    tier: smallint("tier").notNull(),
    bankId: text("bank_id").notNull(),
    bankVersion: integer("bank_version").notNull(),
    questions: jsonb("questions").notNull(),
    answers: jsonb("answers").notNull().default({}),
    /** draft, sent, in_progress, submitted, under_review, decided. */
    status: text("status").notNull(),
    /** approved, approved_with_conditions, rejected. */
    decision: text("decision"),
    conditions: jsonb("conditions").notNull().default([]),
    rationale: text("rationale"),
    sentOn: date("sent_on", { mode: "string" }),
    dueDate: date("due_date", { mode: "string" }),
    submittedOn: date("submitted_on", { mode: "string" }),
    decidedOn: date("decided_on", { mode: "string" }),
    nextReviewDue: date("next_review_due", { mode: "string" }),
    returnedCount: integer("returned_count").notNull().default(0),
    /** Who answers for the vendor: reminders go to this address. */
    respondentEmail: text("respondent_email"),
    respondentName: text("respondent_name"),
    lastEventOn: date("last_event_on", { mode: "string" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("assessments_vendor_idx").on(t.workspaceId, t.vendorId, t.createdAt),
    index("assessments_status_idx").on(t.workspaceId, t.status),
  ],
);

/** A respondent link: only the SHA-256 of the token is kept; one assessment per link. */
export const portalLinks = pgTable(
  "portal_links",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    assessmentId: uuid("assessment_id")
      .notNull()
      .references(() => assessments.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("portal_links_token_key").on(t.tokenHash),
    index("portal_links_assessment_idx").on(t.assessmentId),
  ],
);

/** A remediation item planned from an assessment's findings by a template. */
export const remediationItems = pgTable(
  "remediation_items",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    assessmentId: uuid("assessment_id")
      .notNull()
      .references(() => assessments.id, { onDelete: "cascade" }),
    vendorId: uuid("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    templateId: text("template_id").notNull(),
    /** The finding rules the item answers. */
    rules: text("rules").array().notNull().default(sql`'{}'::text[]`),
    title: text("title").notNull(),
    action: text("action").notNull(),
    responsibleParty: text("responsible_party").notNull(),
    owner: text("owner"),
    dueDate: date("due_date", { mode: "string" }).notNull(),
    /** open, in_progress, closed, risk_accepted. */
    status: text("status").notNull(),
    blocking: boolean("blocking").notNull(),
    severity: text("severity").notNull(),
    closingEvidence: jsonb("closing_evidence").notNull().default([]),
    findingIds: jsonb("finding_ids").notNull().default([]),
    questionIds: jsonb("question_ids").notNull().default([]),
    evidenceRefs: jsonb("evidence_refs").notNull().default([]),
    note: text("note"),
    closedOn: date("closed_on", { mode: "string" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("remediation_items_status_idx").on(t.workspaceId, t.status, t.dueDate),
    index("remediation_items_vendor_idx").on(t.workspaceId, t.vendorId),
  ],
);

/** Questions an admin adds to every new assessment of the tiers they name. */
export const customQuestions = pgTable(
  "custom_questions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    questionId: text("question_id").notNull(),
    data: jsonb("data").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("custom_questions_key").on(t.workspaceId, t.questionId)],
);

/** Findings and scores of an assessment as they stood on submit and on decision (the trend). */
export const assessmentAnalyses = pgTable(
  "assessment_analyses",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    assessmentId: uuid("assessment_id")
      .notNull()
      .references(() => assessments.id, { onDelete: "cascade" }),
    vendorId: uuid("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    /** submit or decision. */
    reason: text("reason").notNull(),
    findings: jsonb("findings").notNull(),
    scores: jsonb("scores").notNull(),
    overallScore: jsonb("overall_score").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("assessment_analyses_vendor_idx").on(t.workspaceId, t.vendorId, t.createdAt)],
);

// ---------------------------------------------------------------- notifications

/**
 * The notification outbox: a message is written in the transaction that decides it is due, and a
 * deliverer sends it afterwards (SMTP, signed webhook), retrying with backoff. The dedupe key makes
 * "the 7-days-before reminder of assessment X" exist once however often the scheduler runs.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    /** e.g. assessment.reminder_7, assessment.reminder_2, assessment.overdue. */
    kind: text("kind").notNull(),
    /** email or webhook. */
    channel: text("channel").notNull(),
    recipient: text("recipient").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    payload: jsonb("payload").notNull().default({}),
    assessmentId: uuid("assessment_id").references(() => assessments.id, { onDelete: "cascade" }),
    dedupeKey: text("dedupe_key").notNull(),
    /** pending → sent, or failed after the last attempt. */
    status: text("status").notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("notifications_dedupe_key").on(t.workspaceId, t.dedupeKey),
    index("notifications_due_idx").on(t.status, t.nextAttemptAt),
  ],
);

// ---------------------------------------------------------------- AI assistance

/**
 * A finding suggested by the optional language-model pass over an assessment's answers. It counts
 * for nothing until a person accepts it; dismissed suggestions stay, with who dismissed them.
 */
export const assessmentSuggestions = pgTable(
  "assessment_suggestions",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    assessmentId: uuid("assessment_id")
      .notNull()
      .references(() => assessments.id, { onDelete: "cascade" }),
    /** The suggested finding, in the shape of a domain Finding. */
    finding: jsonb("finding").notNull(),
    model: text("model").notNull(),
    /** pending → accepted / dismissed. */
    status: text("status").notNull().default("pending"),
    decidedBy: text("decided_by"),
    decidedAt: timestamp("decided_at", { withTimezone: true, mode: "date" }),
    note: text("note"),
    createdAt: createdAt(),
  },
  (t) => [index("assessment_suggestions_assessment_idx").on(t.workspaceId, t.assessmentId, t.status)],
);

// ---------------------------------------------------------------- model artifacts

/**
 * A model taken from a hub or uploaded, registered under a vendor (and optionally one of its
 * integrations) and scanned on the server. Per-file results are kept; the bytes are not.
 */
export const modelArtifacts = pgTable(
  "model_artifacts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    workspaceId: uuid("workspace_id")
      .notNull()
      .references(() => workspaces.id),
    vendorId: uuid("vendor_id")
      .notNull()
      .references(() => vendors.id, { onDelete: "cascade" }),
    integrationId: uuid("integration_id").references(() => aiIntegrations.id, { onDelete: "set null" }),
    name: text("name").notNull(),
    /** hub or upload. */
    source: text("source").notNull(),
    hubRepo: text("hub_repo"),
    hubRevision: text("hub_revision"),
    /** pending → scanning → done / failed. */
    status: text("status").notNull().default("pending"),
    /** safe, suspicious, dangerous, error: the worst file's verdict. */
    verdict: text("verdict"),
    files: jsonb("files").notNull().default([]),
    modelCard: jsonb("model_card"),
    integrity: jsonb("integrity"),
    error: text("error"),
    bytesScanned: bigint("bytes_scanned", { mode: "number" }).notNull().default(0),
    createdBy: text("created_by").notNull(),
    scannedAt: timestamp("scanned_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index("model_artifacts_vendor_idx").on(t.workspaceId, t.vendorId, t.createdAt)],
);
