/**
 * Evidence against answers: the facts the document readers extracted (SOC 2 report period, type,
 * opinion and exceptions; DPA training and breach-notification clauses; certificate expiry) are
 * held against the vendor's questionnaire answers, and every disagreement becomes a finding of
 * kind "contradiction" that quotes both sides — the answer with its question, and the document
 * with its name, hash, page and the text read there.
 *
 * The same module turns the rest of the evidence on file into assessment findings: each reader
 * finding of the vendor's current documents (kind "document") and the open monitoring findings
 * of usage logs and model scans (evidence of kind "observation").
 *
 * Only the newest document of a kind counts: an older SOC 2 report or an expired certificate that
 * a newer one replaced is superseded and raises nothing, and the same bytes uploaded twice count
 * once. Rules read question ids of bank v1 (q01, q03, q04, q05, q18) and check the question's
 * answer type, so custom questions ("c-…") and a changed question never match by accident.
 */
import { quoteAnswer } from "./answer-analysis.ts";
import { addMonths, type CalendarDate, compareDates } from "./business-days.ts";
import {
  FINDING_SEVERITIES,
  type Finding,
  type FindingEvidence,
  type FindingSeverity,
  findingId,
  type ScoringDimension,
  sortFindings,
} from "./findings.ts";
import { type Answer, type Answers, type AnswerType, isBlankAnswer, type Question } from "./question-bank.ts";

// ---------------------------------------------------------------------------------------------
// Input: the facts of each document, as the store hands them over

/** A fact read from a document, with the page and the text it was read from. */
export interface QuotedFact<T> {
  value: T;
  /** 1-based page; absent when the fact was entered by hand rather than read. */
  page?: number | undefined;
  quote: string;
}

export const SOC2_REPORT_KINDS = ["type1", "type2"] as const;
export const SOC2_OPINION_KINDS = ["unqualified", "qualified", "adverse", "disclaimer"] as const;
/** Training use of customer data in the shared vocabulary. */
export const TRAINING_USES = ["no", "yes", "opt_out_available", "unknown"] as const;

export interface Soc2Facts {
  reportType: QuotedFact<(typeof SOC2_REPORT_KINDS)[number]> | null;
  /** End of the examination period (Type 2) or the "as of" date (Type 1). */
  periodEnd: QuotedFact<CalendarDate> | null;
  opinion: QuotedFact<(typeof SOC2_OPINION_KINDS)[number]> | null;
  /** Each exception the auditor noted; the value is the deviation as written. */
  exceptions: QuotedFact<string>[];
}

export interface ContractFacts {
  /** The training clause; null when the document has none. */
  training: QuotedFact<(typeof TRAINING_USES)[number]> | null;
  /** The breach-notification clause; hours null when it sets no fixed period. */
  breachNotice: QuotedFact<{ hours: number | null }> | null;
}

export interface CertificateFacts {
  validUntil: QuotedFact<CalendarDate> | null;
}

/** What a reader said about a document, as stored beside it. */
export interface ReaderFinding {
  rule: string;
  severity: FindingSeverity;
  title: string;
  detail: string;
  page?: number | undefined;
  quote?: string | undefined;
}

/** One of the vendor's documents with the facts its reader extracted. */
export interface EvidenceDocument {
  id: string;
  sha256: string;
  /** Title or file name, as a reviewer knows it. */
  name: string;
  /** The document type of the store (soc2_type2, dpa, iso27001, …). */
  type: string;
  /** The day the document speaks for: its issue or report date, else the day it was uploaded. */
  date: CalendarDate;
  /** Upload time (ISO 8601); breaks ties between documents of the same date. */
  uploadedAt: string;
  soc2?: Soc2Facts | undefined;
  contract?: ContractFacts | undefined;
  certificate?: CertificateFacts | undefined;
  /** The reader's findings; empty when nothing read the document. */
  findings: ReaderFinding[];
}

// ---------------------------------------------------------------------------------------------
// Which documents count

/**
 * Document types that replace one another: the newest of a family is current, the rest are
 * superseded. A Type 1 and a Type 2 report are one family (a newer Type 2 replaces an older
 * Type 1). Model cards, subprocessor lists and "other" describe different things each, so they
 * are never superseded.
 */
export const DOCUMENT_FAMILIES: Readonly<Record<string, string>> = {
  soc2_type1: "soc2",
  soc2_type2: "soc2",
  soc3: "soc3",
  bridge_letter: "bridge_letter",
  iso27001: "iso27001",
  iso42001: "iso42001",
  dpa: "dpa",
  baa: "baa",
  contract: "contract",
  no_training_confirmation: "no_training_confirmation",
  pentest_summary: "pentest_summary",
  incident_response_plan: "incident_response_plan",
  insurance_certificate: "insurance_certificate",
};

function newerFirst(a: EvidenceDocument, b: EvidenceDocument): number {
  return compareDates(b.date, a.date) || b.uploadedAt.localeCompare(a.uploadedAt) || a.id.localeCompare(b.id);
}

/**
 * Decides which documents are current: the same bytes count once, and of each family in
 * DOCUMENT_FAMILIES only the newest (by its date, then upload time) counts.
 */
export function currentDocuments(documents: readonly EvidenceDocument[]): EvidenceDocument[] {
  const seenBytes = new Set<string>();
  const seenFamilies = new Set<string>();
  const out: EvidenceDocument[] = [];
  for (const doc of [...documents].sort(newerFirst)) {
    if (seenBytes.has(doc.sha256)) continue;
    seenBytes.add(doc.sha256);
    const family = Object.hasOwn(DOCUMENT_FAMILIES, doc.type) ? DOCUMENT_FAMILIES[doc.type] : undefined;
    if (family !== undefined) {
      if (seenFamilies.has(family)) continue;
      seenFamilies.add(family);
    }
    out.push(doc);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Contradictions

/** Every contradiction rule with the one line that says what it compares. */
export const CONTRADICTION_RULES = {
  contradiction_soc2_period:
    "q01 claims a Type II report whose period ended within 12 months, but the newest SOC 2 report on file ended more than 12 months ago.",
  contradiction_soc2_type:
    "q01 claims a Type II report, but the newest SOC 2 report on file is a Type I (controls at one date, not over a period).",
  contradiction_soc2_exceptions:
    "q03 denies exceptions or qualified opinions, but the newest SOC 2 report lists exceptions or gives a modified opinion.",
  contradiction_dpa_training:
    "q18 says our data is not used for training, but the newest DPA or contract permits it, permits it unless we opt out, or holds no no-training clause (and no no-training confirmation is on file).",
  contradiction_breach_notice:
    "q05 promises breach notice within N hours, but the DPA, contract or BAA on file allows M > N hours.",
  contradiction_certificate_expired:
    "q04 says the vendor is ISO/IEC 27001 (or 42001) certified, but the newest certificate of that standard on file has expired.",
} as const;
export type ContradictionRule = keyof typeof CONTRADICTION_RULES;

export interface ContradictionInput {
  questions: readonly Question[];
  answers: Answers;
  /** The vendor's documents; superseded ones are set aside here. */
  documents: readonly EvidenceDocument[];
  /** The day ages and expiry are judged on. */
  asOf: CalendarDate;
}

function chosenValuesOf(answer: Answer | undefined): string[] {
  if (answer === undefined || answer.value === null) return [];
  if (Array.isArray(answer.value)) return answer.value;
  return typeof answer.value === "string" ? [answer.value] : [];
}

interface Ctx {
  byId: Map<string, Question>;
  answers: Answers;
  asOf: CalendarDate;
}

/** The question of the assessment with this bank id and answer type, answered; else undefined. */
function answered(ctx: Ctx, id: string, type: AnswerType): Question | undefined {
  const q = ctx.byId.get(id);
  if (q === undefined || q.answerType !== type || isBlankAnswer(ctx.answers[id])) return undefined;
  return q;
}

function answerEvidence(ctx: Ctx, q: Question): FindingEvidence {
  return { kind: "answer", questionId: q.id, questionText: q.text, quote: quoteAnswer(q, ctx.answers[q.id]) };
}

function documentEvidence(doc: EvidenceDocument, fact: { page?: number | undefined; quote: string }) {
  return {
    kind: "document" as const,
    documentSha256: doc.sha256,
    documentName: doc.name.slice(0, 500),
    ...(fact.page === undefined ? {} : { location: `page ${fact.page}` }),
    quote: fact.quote.slice(0, 2000),
  } satisfies FindingEvidence;
}

function contradiction(
  rule: ContradictionRule,
  q: Question,
  doc: EvidenceDocument,
  f: { title: string; severity: FindingSeverity; explanation: string; evidence: FindingEvidence[] },
): Finding {
  return {
    id: findingId(rule, [q.id, doc.sha256.slice(0, 16)]),
    rule,
    kind: "contradiction",
    title: f.title,
    severity: f.severity,
    dimension: q.dimension,
    explanation: f.explanation,
    evidence: f.evidence,
    questionIds: [q.id],
  };
}

const ofType = (docs: readonly EvidenceDocument[], ...types: string[]) =>
  docs.filter((d) => types.includes(d.type));

function soc2Contradictions(ctx: Ctx, docs: readonly EvidenceDocument[]): Finding[] {
  const out: Finding[] = [];
  const report = ofType(docs, "soc2_type1", "soc2_type2").find((d) => d.soc2 !== undefined);
  const facts = report?.soc2;
  if (report === undefined || facts === undefined) return out;

  const q01 = answered(ctx, "q01", "single_choice");
  const claim = q01 === undefined ? [] : chosenValuesOf(ctx.answers.q01);
  if (q01 !== undefined && claim.includes("type2_current") && facts.periodEnd !== null) {
    const end = facts.periodEnd.value;
    // The reader's age rule: stale once the day is later than period end + 12 months.
    if (compareDates(ctx.asOf, addMonths(end, 12)) > 0) {
      out.push(
        contradiction("contradiction_soc2_period", q01, report, {
          title: "SOC 2 report claimed current, but its period ended more than 12 months ago",
          severity: "high",
          explanation: `q01 says the Type II period ended within the last 12 months, but “${report.name}” covers a period that ended on ${end}, more than 12 months before ${ctx.asOf}. Ask for the current report or a bridge letter, and for a corrected answer.`,
          evidence: [answerEvidence(ctx, q01), documentEvidence(report, facts.periodEnd)],
        }),
      );
    }
  }
  if (
    q01 !== undefined &&
    claim.some((v) => v === "type2_current" || v === "type2_older") &&
    facts.reportType?.value === "type1"
  ) {
    out.push(
      contradiction("contradiction_soc2_type", q01, report, {
        title: "Type II report claimed, but the report on file is a Type I",
        severity: "high",
        explanation: `q01 claims a SOC 2 Type II report, but “${report.name}” is a Type I report: it covers the design of controls at one date, not whether they operated over a period.`,
        evidence: [answerEvidence(ctx, q01), documentEvidence(report, facts.reportType)],
      }),
    );
  }

  const q03 = answered(ctx, "q03", "yes_no_partial_na");
  const denies = q03 !== undefined && chosenValuesOf(ctx.answers.q03).some((v) => v === "no" || v === "na");
  const modified = facts.opinion !== null && facts.opinion.value !== "unqualified" ? facts.opinion : null;
  if (q03 !== undefined && denies && (facts.exceptions.length > 0 || modified !== null)) {
    const quoted = [...(modified === null ? [] : [modified]), ...facts.exceptions.slice(0, 3)];
    const parts = [
      ...(modified === null ? [] : [`a ${modified.value} opinion`]),
      ...(facts.exceptions.length === 0
        ? []
        : [`${facts.exceptions.length} exception${facts.exceptions.length === 1 ? "" : "s"}`]),
    ];
    out.push(
      contradiction("contradiction_soc2_exceptions", q03, report, {
        title: "Exceptions denied, but the SOC 2 report lists them",
        severity: modified === null ? "medium" : "high",
        explanation: `q03 denies exceptions and qualified opinions, but “${report.name}” holds ${parts.join(" and ")}. Ask how each was remediated and for a corrected answer.`,
        evidence: [answerEvidence(ctx, q03), ...quoted.map((fact) => documentEvidence(report, fact))],
      }),
    );
  }
  return out;
}

const CONTRACT_TYPES = ["dpa", "contract", "baa"];

function trainingContradictions(ctx: Ctx, docs: readonly EvidenceDocument[]): Finding[] {
  const q18 = answered(ctx, "q18", "yes_no_partial_na");
  if (q18 === undefined || !chosenValuesOf(ctx.answers.q18).includes("no")) return [];
  const contracts = ofType(docs, ...CONTRACT_TYPES).filter((d) => d.contract !== undefined);
  const out: Finding[] = [];
  for (const doc of contracts) {
    const clause = doc.contract?.training ?? null;
    if (clause === null || (clause.value !== "yes" && clause.value !== "opt_out_available")) continue;
    const permitted = clause.value === "yes";
    out.push(
      contradiction("contradiction_dpa_training", q18, doc, {
        title: permitted
          ? "“No training on our data”, but the contract permits training"
          : "“No training on our data”, but the contract trains unless we opt out",
        severity: permitted ? "critical" : "high",
        explanation: permitted
          ? `q18 says our inference data is not used to train or improve models, but “${doc.name}” lets the vendor use customer data for training. The contract is what binds; it must be amended to match the answer.`
          : `q18 says our inference data is not used to train or improve models, but “${doc.name}” uses customer data for training unless the customer opts out. Confirm the opt-out in writing or amend the contract.`,
        evidence: [answerEvidence(ctx, q18), documentEvidence(doc, clause)],
      }),
    );
  }
  if (out.length > 0) return out;
  // A missing clause contradicts the answer only when nothing on file makes the commitment.
  const committed =
    contracts.some((d) => d.contract?.training?.value === "no") ||
    ofType(docs, "no_training_confirmation").length > 0;
  const dpa = ofType(contracts, "dpa")[0];
  if (committed || dpa === undefined || dpa.contract?.training !== null) return out;
  out.push(
    contradiction("contradiction_dpa_training", q18, dpa, {
      title: "“No training on our data”, but the DPA holds no such clause",
      severity: "high",
      explanation: `q18 says our inference data is not used to train or improve models, but “${dpa.name}” holds no clause that commits to it, and no no-training confirmation is on file. An answer in a questionnaire does not bind; the commitment belongs in the contract.`,
      evidence: [
        answerEvidence(ctx, q18),
        documentEvidence(dpa, {
          quote: "(no clause on using customer data to train or improve models was found in this document)",
        }),
      ],
    }),
  );
  return out;
}

/** GDPR Art. 33(1): the controller has 72 hours, so a processor taking longer leaves it none. */
const GDPR_BREACH_HOURS = 72;

function breachContradictions(ctx: Ctx, docs: readonly EvidenceDocument[]): Finding[] {
  const q05 = answered(ctx, "q05", "number");
  const promised = ctx.answers.q05?.value;
  if (q05 === undefined || typeof promised !== "number") return [];
  const out: Finding[] = [];
  for (const doc of ofType(docs, ...CONTRACT_TYPES)) {
    const clause = doc.contract?.breachNotice ?? null;
    const hours = clause?.value.hours ?? null;
    if (clause === null || hours === null || hours <= promised) continue;
    out.push(
      contradiction("contradiction_breach_notice", q05, doc, {
        title: `Breach notice answered as ${promised} hours, but the contract allows ${hours}`,
        severity: hours > GDPR_BREACH_HOURS && promised <= GDPR_BREACH_HOURS ? "high" : "medium",
        explanation: `q05 promises notice of a breach within ${promised} hours, but “${doc.name}” gives the vendor ${hours} hours. The contract is what can be enforced: have the answer corrected or the contract amended to ${promised} hours.`,
        evidence: [answerEvidence(ctx, q05), documentEvidence(doc, clause)],
      }),
    );
  }
  return out;
}

const CERTIFICATE_STANDARDS: readonly { type: string; label: string }[] = [
  { type: "iso27001", label: "ISO/IEC 27001" },
  { type: "iso42001", label: "ISO/IEC 42001" },
];

function certificateContradictions(ctx: Ctx, docs: readonly EvidenceDocument[]): Finding[] {
  const q04 = answered(ctx, "q04", "yes_no_partial_na");
  if (q04 === undefined || !chosenValuesOf(ctx.answers.q04).includes("yes")) return [];
  const out: Finding[] = [];
  for (const { type, label } of CERTIFICATE_STANDARDS) {
    const doc = ofType(docs, type)[0];
    const until = doc?.certificate?.validUntil ?? null;
    if (doc === undefined || until === null || compareDates(until.value, ctx.asOf) >= 0) continue;
    out.push(
      contradiction("contradiction_certificate_expired", q04, doc, {
        title: `Certification claimed, but the ${label} certificate expired on ${until.value}`,
        severity: "high",
        explanation: `q04 says the vendor is certified, but the newest ${label} certificate on file, “${doc.name}”, was valid until ${until.value} and ${ctx.asOf} is later. Ask for the renewed certificate.`,
        evidence: [answerEvidence(ctx, q04), documentEvidence(doc, until)],
      }),
    );
  }
  return out;
}

/**
 * Decides the contradictions between the answers and the vendor's current documents on `asOf`;
 * each finding quotes the answer (with its question) and the document (name, hash, page, text).
 */
export function findContradictions(input: ContradictionInput): Finding[] {
  const ctx: Ctx = {
    byId: new Map(input.questions.map((q) => [q.id, q])),
    answers: input.answers,
    asOf: input.asOf,
  };
  const docs = currentDocuments(input.documents);
  return sortFindings([
    ...soc2Contradictions(ctx, docs),
    ...trainingContradictions(ctx, docs),
    ...breachContradictions(ctx, docs),
    ...certificateContradictions(ctx, docs),
  ]);
}

// ---------------------------------------------------------------------------------------------
// Reader findings as assessment findings

/**
 * The scoring dimension a reader's finding counts against: the exact rule first, then its
 * reader (the part before the dot). Contracts' governance clauses (breach notice, audits,
 * subprocessors) count against governance, their data clauses against data.
 */
export const DOCUMENT_RULE_DIMENSIONS: Readonly<Record<string, ScoringDimension>> = {
  soc2: "infrastructure",
  certificate: "infrastructure",
  dpa: "data",
  modelcard: "model",
  "dpa.breach_notification_missing": "governance",
  "dpa.breach_notification_unbounded": "governance",
  "dpa.breach_notification_slow": "governance",
  "dpa.audit_rights_missing": "governance",
  "dpa.subprocessor_notice_missing": "governance",
  "dpa.subprocessor_objection_missing": "governance",
  "dpa.baa_missing": "governance",
};

/** Where a reader rule has no entry: governance, the dimension of paperwork. */
const DEFAULT_DOCUMENT_DIMENSION: ScoringDimension = "governance";

/** A reader rule ("soc2.stale_period") as a finding rule id ("soc2_stale_period"). */
export function documentRuleId(readerRule: string): string {
  const id = readerRule
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return /^[a-z]/.test(id) ? id : `doc_${id}`;
}

function dimensionOfReaderRule(rule: string): ScoringDimension {
  // Own keys only: a reader rule named like an Object method ("toString") must not match.
  for (const key of [rule, rule.split(".")[0] ?? ""]) {
    if (Object.hasOwn(DOCUMENT_RULE_DIMENSIONS, key))
      return DOCUMENT_RULE_DIMENSIONS[key] ?? DEFAULT_DOCUMENT_DIMENSION;
  }
  return DEFAULT_DOCUMENT_DIMENSION;
}

function safeSeverity(value: string): FindingSeverity {
  return (FINDING_SEVERITIES as readonly string[]).includes(value) ? (value as FindingSeverity) : "medium";
}

/**
 * Decides the document findings of an assessment: each reader finding of the vendor's current
 * documents, with the dimension from DOCUMENT_RULE_DIMENSIONS and the document quoted.
 */
export function documentFindings(documents: readonly EvidenceDocument[]): Finding[] {
  const out: Finding[] = [];
  for (const doc of currentDocuments(documents)) {
    const perRule = new Map<string, number>();
    for (const f of doc.findings) {
      const rule = documentRuleId(f.rule);
      const n = (perRule.get(rule) ?? 0) + 1;
      perRule.set(rule, n);
      const keys = [doc.sha256.slice(0, 16), ...(n > 1 ? [String(n)] : [])];
      out.push({
        id: findingId(rule, keys),
        rule,
        kind: "document",
        title: `${f.title} (${doc.name})`.slice(0, 300),
        severity: safeSeverity(f.severity),
        dimension: dimensionOfReaderRule(f.rule),
        explanation: f.detail.slice(0, 4000) || f.title,
        evidence: [documentEvidence(doc, { page: f.page, quote: f.quote ?? f.detail })],
        questionIds: [],
      });
    }
  }
  return sortFindings(out);
}

// ---------------------------------------------------------------------------------------------
// Monitoring findings (usage logs, model scans)

/** Where a monitoring finding came from, with its kind and dimension in the assessment. */
export const MONITORING_SOURCES = {
  usage: { kind: "usage", dimension: "data", label: "AI usage monitoring" },
  model_scan: { kind: "document", dimension: "model", label: "model file scan" },
} as const satisfies Record<string, { kind: Finding["kind"]; dimension: ScoringDimension; label: string }>;
export type MonitoringSource = keyof typeof MONITORING_SOURCES;

/** An open row of the findings table, raised outside any questionnaire. */
export interface MonitoringFinding {
  id: string;
  source: string;
  rule: string;
  severity: string;
  title: string;
  detail: string;
  /** The row's evidence object; `assessmentId` there ties it to one assessment. */
  evidence: Record<string, unknown>;
}

/** Facts of a row's evidence worth quoting: usage (vendor, data class, region, model) and model scans (artifact, file). */
const EVIDENCE_FACT_KEYS = [
  "vendor",
  "model",
  "version",
  "dataClass",
  "region",
  "requests",
  "artifactName",
  "hubRepo",
  "hubRevision",
  "path",
];

function observationQuote(row: MonitoringFinding): string {
  const facts = EVIDENCE_FACT_KEYS.flatMap((k) => {
    const v = row.evidence[k];
    return typeof v === "string" || typeof v === "number" ? [`${k}: ${v}`] : [];
  });
  return [row.detail || row.title, facts.length > 0 ? `(${facts.join(", ")})` : ""]
    .filter(Boolean)
    .join(" ")
    .slice(0, 2000);
}

/**
 * Decides the monitoring findings that count in an assessment: open rows of the known sources
 * (usage, model_scan), minus those whose evidence names a different assessment.
 */
export function monitoringFindings(rows: readonly MonitoringFinding[], assessmentId: string): Finding[] {
  const out: Finding[] = [];
  for (const row of rows) {
    if (!Object.hasOwn(MONITORING_SOURCES, row.source)) continue;
    const source = MONITORING_SOURCES[row.source as MonitoringSource];
    const tiedTo = row.evidence.assessmentId;
    if (typeof tiedTo === "string" && tiedTo !== assessmentId) continue;
    const rule = documentRuleId(`${row.source}_${row.rule}`);
    out.push({
      id: findingId(rule, [row.id]),
      rule,
      kind: source.kind,
      title: row.title.slice(0, 300) || rule,
      severity: safeSeverity(row.severity),
      dimension: source.dimension,
      explanation: (row.detail || row.title).slice(0, 4000),
      evidence: [{ kind: "observation", source: source.label, quote: observationQuote(row) }],
      questionIds: [],
    });
  }
  return sortFindings(out);
}

export interface EvidenceFindingsInput extends ContradictionInput {
  assessmentId: string;
  monitoring: readonly MonitoringFinding[];
}

/** Decides every finding the evidence on file raises for one assessment, most severe first. */
export function evidenceFindings(input: EvidenceFindingsInput): Finding[] {
  return sortFindings([
    ...findContradictions(input),
    ...documentFindings(input.documents),
    ...monitoringFindings(input.monitoring, input.assessmentId),
  ]);
}
