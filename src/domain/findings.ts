/**
 * The shared shape of a finding: one thing wrong or worth a reviewer's attention, found in a
 * vendor's answers, a document or usage data. Every finding names the rule that produced it,
 * carries a severity and the scoring dimension it counts against, explains itself in a sentence
 * and quotes its evidence, so a reviewer or auditor can check it without rerunning anything.
 */
import { z } from "zod";

export const FINDING_SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type FindingSeverity = (typeof FINDING_SEVERITIES)[number];

export const SCORING_DIMENSIONS = ["infrastructure", "model", "data", "governance"] as const;
export type ScoringDimension = (typeof SCORING_DIMENSIONS)[number];

/**
 * Where a finding came from; answer analysis produces the first five. `assistant` marks a finding
 * an AI model suggested and a reviewer accepted.
 */
export const FINDING_KINDS = [
  "missing_answer",
  "vague_answer",
  "contradiction",
  "red_flag",
  "answer_check",
  "document",
  "usage",
  "assistant",
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

const quote = z.string().max(2000);

export const FindingEvidenceSchema = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("answer"),
      questionId: z.string().min(1).max(64),
      questionText: z.string().max(1000).optional(),
      /** The answer as given, or "(no answer)". */
      quote,
    })
    .strict(),
  z
    .object({
      kind: z.literal("document"),
      documentSha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
      documentName: z.string().max(500).optional(),
      /** Page, section or line where the quote was read. */
      location: z.string().max(200).optional(),
      quote,
    })
    .strict(),
  z
    .object({
      kind: z.literal("observation"),
      /** What was observed: a usage log, a watched page, a catalogue fact. */
      source: z.string().min(1).max(500),
      quote,
    })
    .strict(),
]);
export type FindingEvidence = z.infer<typeof FindingEvidenceSchema>;

export const FindingSchema = z
  .object({
    /** Deterministic: the same input gives the same id, so re-analysis does not duplicate. */
    id: z.string().min(1).max(300),
    rule: z.string().regex(/^[a-z][a-z0-9_]*$/),
    kind: z.enum(FINDING_KINDS),
    title: z.string().min(1).max(300),
    severity: z.enum(FINDING_SEVERITIES),
    dimension: z.enum(SCORING_DIMENSIONS),
    explanation: z.string().min(1).max(4000),
    evidence: z.array(FindingEvidenceSchema).max(100),
    /** Question ids the finding cites (empty for document and usage findings). */
    questionIds: z.array(z.string().min(1).max(64)).max(100),
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;

const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = {
  info: 0,
  low: 1,
  medium: 2,
  high: 3,
  critical: 4,
};

/** Orders severities: negative when `a` is less severe than `b`. */
export function compareSeverity(a: FindingSeverity, b: FindingSeverity): number {
  return SEVERITY_RANK[a] - SEVERITY_RANK[b];
}

/** The more severe of two severities. */
export function maxSeverity(a: FindingSeverity, b: FindingSeverity): FindingSeverity {
  return compareSeverity(a, b) >= 0 ? a : b;
}

/** The stable id of a finding: its rule and the keys (question ids, document hash) it is about. */
export function findingId(rule: string, keys: readonly string[]): string {
  return keys.length === 0 ? rule : `${rule}:${[...keys].join("+")}`;
}

/** Most severe first, then by id, so lists and reports read the same every time. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => compareSeverity(b.severity, a.severity) || a.id.localeCompare(b.id));
}
