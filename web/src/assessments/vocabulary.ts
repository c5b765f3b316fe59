import type { components } from "../api/schema";

export type Assessment = components["schemas"]["Assessment"];
export type AssessmentDetail = components["schemas"]["AssessmentDetail"];
export type AssessmentAnalysis = components["schemas"]["AssessmentAnalysis"];
export type AssessmentFinding = AssessmentAnalysis["findings"][number];
export type AssessmentScores = components["schemas"]["AssessmentScores"];
export type RemediationItem = components["schemas"]["RemediationItem"];
export type PortalQuestionnaire = components["schemas"]["PortalQuestionnaire"];
export type PortalQuestion = PortalQuestionnaire["questions"][number];
export type Answer = PortalQuestionnaire["answers"][string];
export type AssessmentStatus = Assessment["status"];
export type AssessmentDecision = NonNullable<Assessment["decision"]>;
export type RemediationStatus = RemediationItem["status"];

export const ASSESSMENT_STATUSES = [
  "draft",
  "sent",
  "in_progress",
  "submitted",
  "under_review",
  "decided",
] as const satisfies readonly AssessmentStatus[];

export const ASSESSMENT_STATUS_LABELS: Record<AssessmentStatus, string> = {
  draft: "Draft",
  sent: "Sent",
  in_progress: "In progress",
  submitted: "Submitted",
  under_review: "Under review",
  decided: "Decided",
};

export const ASSESSMENT_STATUS_STYLES: Record<AssessmentStatus, string> = {
  draft: "bg-slate-100 text-slate-700",
  sent: "bg-sky-100 text-sky-800",
  in_progress: "bg-indigo-100 text-indigo-800",
  submitted: "bg-amber-100 text-amber-800",
  under_review: "bg-amber-100 text-amber-800",
  decided: "bg-emerald-100 text-emerald-800",
};

export const DECISIONS = [
  "approved",
  "approved_with_conditions",
  "rejected",
] as const satisfies readonly AssessmentDecision[];

export const DECISION_LABELS: Record<AssessmentDecision, string> = {
  approved: "Approved",
  approved_with_conditions: "Approved with conditions",
  rejected: "Rejected",
};

export const REMEDIATION_STATUSES = [
  "open",
  "in_progress",
  "closed",
  "risk_accepted",
] as const satisfies readonly RemediationStatus[];

export const REMEDIATION_STATUS_LABELS: Record<RemediationStatus, string> = {
  open: "Open",
  in_progress: "In progress",
  closed: "Closed",
  risk_accepted: "Risk accepted",
};

/** The question bank's sections (catalog/questions): the portal groups questions under these titles. */
export const SECTION_TITLES: Record<string, string> = {
  A: "Organisational controls",
  B: "AI model governance",
  C: "Inference data handling",
  D: "Supply chain",
  E: "Incident response",
  F: "Compliance and regulation",
};

export const sectionTitle = (id: string) => (SECTION_TITLES[id] ? `${id}. ${SECTION_TITLES[id]}` : id);

export const YES_NO_LABELS: Record<string, string> = {
  yes: "Yes",
  no: "No",
  partial: "Partly",
  na: "Not applicable",
};

export const SCORING_DIMENSIONS = ["infrastructure", "model", "data", "governance"] as const;

export const DIMENSION_LABELS: Record<string, string> = {
  infrastructure: "Infrastructure",
  model: "Model",
  data: "Data",
  governance: "Governance",
};

export const SEVERITY_STYLES: Record<AssessmentFinding["severity"], string> = {
  info: "bg-slate-100 text-slate-700",
  low: "bg-sky-100 text-sky-800",
  medium: "bg-amber-100 text-amber-800",
  high: "bg-orange-100 text-orange-800",
  critical: "bg-red-100 text-red-800",
};

/** An answer value as one line of text, the way the reviewer reads it. */
export function answerText(answer: Answer | undefined): string {
  if (!answer || answer.value === null || answer.value === "") return "(no answer)";
  if (Array.isArray(answer.value)) return answer.value.length ? answer.value.join(", ") : "(no answer)";
  if (typeof answer.value === "string" && YES_NO_LABELS[answer.value])
    return YES_NO_LABELS[answer.value] ?? "";
  return String(answer.value);
}

/** Groups items by a key, keeping the order in which keys first appear. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return [...groups];
}
