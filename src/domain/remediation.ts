/**
 * Remediation planning: findings become remediation items through templates kept as data
 * (catalog/remediation/templates-v1.yaml) — "model undocumented → model card within 30 days",
 * "retention unclear → contractual retention limit", and so on. Each item names what must be done,
 * by whom, by when (decision date + the template's days) and the evidence that closes it.
 */
import { z } from "zod";
import { addCalendarDays, type CalendarDate, CalendarDateSchema, compareDates } from "./business-days.ts";
import { AppError } from "./errors.ts";
import { type Finding, type FindingSeverity, maxSeverity, sortFindings } from "./findings.ts";

export const REMEDIATION_STATUSES = ["open", "in_progress", "closed", "risk_accepted"] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

export const RESPONSIBLE_PARTIES = ["vendor", "us"] as const;
export type ResponsibleParty = (typeof RESPONSIBLE_PARTIES)[number];

const ruleId = z.string().regex(/^[a-z][a-z0-9_]*$/);

const templateSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/),
    match: z
      .array(
        z
          .object({ rule: ruleId, questionIds: z.array(z.string().min(1).max(64)).min(1).optional() })
          .strict(),
      )
      .min(1),
    title: z.string().min(1).max(200),
    action: z.string().min(1).max(2000),
    dueDays: z.number().int().min(0).max(730),
    responsibleParty: z.enum(RESPONSIBLE_PARTIES),
    blocking: z.boolean().default(false),
    closingEvidence: z.array(z.string().min(1).max(300)).min(1).max(10),
  })
  .strict();
export type RemediationTemplate = z.infer<typeof templateSchema>;

export const RemediationTemplatesSchema = z
  .object({ version: z.number().int().positive(), templates: z.array(templateSchema).min(1).max(500) })
  .strict()
  .superRefine((catalog, ctx) => {
    const seen = new Set<string>();
    catalog.templates.forEach((t, i) => {
      if (seen.has(t.id))
        ctx.addIssue({ code: "custom", path: ["templates", i, "id"], message: `duplicate id ${t.id}` });
      seen.add(t.id);
    });
  });
export type RemediationTemplates = z.infer<typeof RemediationTemplatesSchema>;

/** Validates parsed templates; throws CATALOG_INVALID naming the bad paths. */
export function parseRemediationTemplates(raw: unknown): RemediationTemplates {
  const parsed = RemediationTemplatesSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("CATALOG_INVALID", "The remediation templates do not match their schema.", {
      details: {
        issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    });
  }
  return parsed.data;
}

export interface RemediationItem {
  /** Deterministic within one plan: the template id. */
  id: string;
  templateId: string;
  title: string;
  action: string;
  responsibleParty: ResponsibleParty;
  /** The person who follows the item up; assigned after planning. */
  owner: string | null;
  dueDate: CalendarDate;
  status: RemediationStatus;
  /** Must be closed before the integration may go live. */
  blocking: boolean;
  /** The most severe of the findings it answers. */
  severity: FindingSeverity;
  closingEvidence: string[];
  findingIds: string[];
  questionIds: string[];
  /** References (document hashes, links) to the evidence that closed the item. */
  evidenceRefs: string[];
  /** Why a risk was accepted, or a note on closing. */
  note: string | null;
  closedOn: CalendarDate | null;
}

export interface PlanRemediationInput {
  findings: readonly Finding[];
  templates: RemediationTemplates;
  /** The decision date; due dates count from it. */
  decidedOn: CalendarDate;
  /** Owner given to every item (for example the vendor's relationship owner). */
  owner?: string | undefined;
}

export interface RemediationPlan {
  items: RemediationItem[];
  /** Findings no template covers; a reviewer handles them by hand or accepts them. */
  unmatched: Finding[];
}

function matches(template: RemediationTemplate, finding: Finding): boolean {
  return template.match.some(
    (m) =>
      m.rule === finding.rule &&
      (m.questionIds === undefined || finding.questionIds.some((id) => m.questionIds?.includes(id))),
  );
}

/**
 * Decides the remediation items for a set of findings: each finding goes to the first template
 * that matches its rule (and cited questions, where the template names them); findings sharing a
 * template become one item, due `dueDays` after the decision. Items are listed blocking first,
 * then by due date.
 */
export function planRemediation(input: PlanRemediationInput): RemediationPlan {
  const grouped = new Map<string, { template: RemediationTemplate; findings: Finding[] }>();
  const unmatched: Finding[] = [];
  for (const finding of sortFindings(input.findings)) {
    const template = input.templates.templates.find((t) => matches(t, finding));
    if (template === undefined) {
      unmatched.push(finding);
      continue;
    }
    const group = grouped.get(template.id) ?? { template, findings: [] };
    group.findings.push(finding);
    grouped.set(template.id, group);
  }
  const items: RemediationItem[] = [];
  for (const template of input.templates.templates) {
    const group = grouped.get(template.id);
    if (group === undefined) continue;
    items.push({
      id: template.id,
      templateId: template.id,
      title: template.title,
      action: template.action,
      responsibleParty: template.responsibleParty,
      owner: input.owner ?? null,
      dueDate: addCalendarDays(input.decidedOn, template.dueDays),
      status: "open",
      blocking: template.blocking,
      severity: group.findings.map((f) => f.severity).reduce(maxSeverity),
      closingEvidence: [...template.closingEvidence],
      findingIds: group.findings.map((f) => f.id),
      questionIds: [...new Set(group.findings.flatMap((f) => f.questionIds))].sort(),
      evidenceRefs: [],
      note: null,
      closedOn: null,
    });
  }
  items.sort(
    (a, b) =>
      Number(b.blocking) - Number(a.blocking) ||
      a.dueDate.localeCompare(b.dueDate) ||
      a.id.localeCompare(b.id),
  );
  return { items, unmatched };
}

// ---------------------------------------------------------------------------------------------
// Following an item up

/** Allowed status moves: work starts, the item closes with evidence or its risk is accepted; a closed item can be reopened. */
export const REMEDIATION_TRANSITIONS: Readonly<Record<RemediationStatus, readonly RemediationStatus[]>> = {
  open: ["in_progress", "closed", "risk_accepted"],
  in_progress: ["open", "closed", "risk_accepted"],
  closed: ["open"],
  risk_accepted: ["open"],
};

export const RemediationUpdateSchema = z.discriminatedUnion("status", [
  z
    .object({
      status: z.literal("open"),
      on: CalendarDateSchema,
      note: z.string().trim().min(1).max(2000).optional(),
    })
    .strict(),
  z.object({ status: z.literal("in_progress"), on: CalendarDateSchema }).strict(),
  z
    .object({
      status: z.literal("closed"),
      on: CalendarDateSchema,
      /** At least one reference to the evidence that closes the item. */
      evidenceRefs: z.array(z.string().trim().min(1).max(500)).min(1).max(50),
      note: z.string().trim().min(1).max(2000).optional(),
    })
    .strict(),
  z
    .object({
      status: z.literal("risk_accepted"),
      on: CalendarDateSchema,
      note: z.string().trim().min(20, "explain why the risk is accepted in at least 20 characters").max(2000),
    })
    .strict(),
]);
export type RemediationUpdate = z.input<typeof RemediationUpdateSchema>;

/**
 * Decides an item's next state: closing needs evidence references, accepting the risk needs a
 * written reason; an illegal move throws CONFLICT, a malformed update VALIDATION_FAILED.
 */
export function updateRemediationItem(item: RemediationItem, rawUpdate: RemediationUpdate): RemediationItem {
  const parsed = RemediationUpdateSchema.safeParse(rawUpdate);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", "The remediation update is not valid.", {
      details: { issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) },
    });
  }
  const update = parsed.data;
  if (!REMEDIATION_TRANSITIONS[item.status].includes(update.status)) {
    throw new AppError(
      "CONFLICT",
      `A remediation item that is ${item.status} cannot become ${update.status}.`,
      {
        details: { from: item.status, to: update.status, allowed: [...REMEDIATION_TRANSITIONS[item.status]] },
      },
    );
  }
  switch (update.status) {
    case "closed":
      return {
        ...item,
        status: "closed",
        evidenceRefs: update.evidenceRefs,
        note: update.note ?? null,
        closedOn: update.on,
      };
    case "risk_accepted":
      return { ...item, status: "risk_accepted", note: update.note, closedOn: update.on };
    case "open":
      return { ...item, status: "open", note: update.note ?? item.note, closedOn: null };
    case "in_progress":
      return { ...item, status: "in_progress" };
  }
}

/** True when the item is still open or in progress after its due date. */
export function isRemediationOverdue(item: RemediationItem, today: CalendarDate): boolean {
  return (item.status === "open" || item.status === "in_progress") && compareDates(today, item.dueDate) > 0;
}

/** The conditions an "approved with conditions" decision lists: the plan's item ids. */
export function conditionsFromPlan(plan: RemediationPlan): string[] {
  return plan.items.map((i) => i.id);
}
