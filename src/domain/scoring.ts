/**
 * Risk scoring: each dimension (infrastructure, model, data, governance) from 1 (low risk) to 5
 * (critical), and an overall score, computed from the answers (how much was left open) and the
 * findings, with weights kept as data (catalog/scoring/weights-v1.yaml). Every score lists its
 * contributions — what added how many points — so the number can be recomputed by hand.
 */
import { z } from "zod";
import { AppError } from "./errors.ts";
import {
  FINDING_KINDS,
  FINDING_SEVERITIES,
  type Finding,
  type FindingKind,
  type FindingSeverity,
  SCORING_DIMENSIONS,
  type ScoringDimension,
} from "./findings.ts";
import { type Answers, isBlankAnswer, type Question } from "./question-bank.ts";

const points = z.number().min(0).max(10);

export const ScoringWeightsSchema = z
  .object({
    version: z.number().int().positive(),
    base: z.literal(1),
    max: z.literal(5),
    severityPoints: z
      .object(
        Object.fromEntries(FINDING_SEVERITIES.map((s) => [s, points])) as Record<
          FindingSeverity,
          typeof points
        >,
      )
      .strict(),
    kindMultiplier: z
      .object(Object.fromEntries(FINDING_KINDS.map((k) => [k, points])) as Record<FindingKind, typeof points>)
      .strict(),
    maxPointsPerRule: z.number().positive().max(4),
    coverageWeight: z.number().min(0).max(4),
    dimensionWeights: z
      .object(
        Object.fromEntries(SCORING_DIMENSIONS.map((d) => [d, z.number().positive().max(10)])) as Record<
          ScoringDimension,
          z.ZodNumber
        >,
      )
      .strict(),
    floors: z
      .array(
        z
          .object({
            when: z.union([
              z.object({ severity: z.enum(FINDING_SEVERITIES) }).strict(),
              z.object({ kind: z.enum(FINDING_KINDS) }).strict(),
            ]),
            atLeast: z.number().min(1).max(5),
            reason: z.string().min(1).max(300),
          })
          .strict(),
      )
      .max(20),
    levels: z
      .array(z.object({ level: z.number().int().min(1).max(5), label: z.string().min(1).max(40) }).strict())
      .length(5)
      .refine((ls) => ls.every((l, i) => l.level === i + 1), { message: "levels must be 1..5 in order" }),
  })
  .strict();
export type ScoringWeights = z.infer<typeof ScoringWeightsSchema>;

/** Validates parsed weights; throws CATALOG_INVALID naming the bad paths. */
export function parseScoringWeights(raw: unknown): ScoringWeights {
  const parsed = ScoringWeightsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new AppError("CATALOG_INVALID", "The scoring weights do not match their schema.", {
      details: {
        issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    });
  }
  return parsed.data;
}

export type ScoreContribution =
  | { source: "base"; label: string; points: number }
  | {
      source: "findings";
      rule: string;
      findingIds: string[];
      label: string;
      /** Sum before the per-rule cap. */
      uncappedPoints: number;
      points: number;
    }
  | { source: "coverage"; label: string; unanswered: number; asked: number; points: number }
  | { source: "cap"; label: string; points: number };

export interface DimensionScore {
  dimension: ScoringDimension;
  score: number;
  level: number;
  label: string;
  /** Required questions of this dimension the assessment asked; 0 means only findings scored it. */
  questionsAsked: number;
  contributions: ScoreContribution[];
}

export type OverallContribution =
  | { source: "dimension"; dimension: ScoringDimension; score: number; weight: number; label: string }
  | { source: "floor"; atLeast: number; findingIds: string[]; label: string };

export interface AssessmentScore {
  weightsVersion: number;
  dimensions: DimensionScore[];
  overall: { score: number; level: number; label: string; contributions: OverallContribution[] };
}

export interface ScoreAssessmentInput {
  questions: readonly Question[];
  answers: Answers;
  findings: readonly Finding[];
  weights: ScoringWeights;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function levelOf(score: number, weights: ScoringWeights): { level: number; label: string } {
  const level = Math.min(5, Math.max(1, Math.floor(score + 0.5)));
  return { level, label: weights.levels[level - 1]?.label ?? String(level) };
}

function scoreDimension(dimension: ScoringDimension, input: ScoreAssessmentInput): DimensionScore {
  const { weights } = input;
  const contributions: ScoreContribution[] = [
    { source: "base", label: "starting score (low risk)", points: weights.base },
  ];

  const byRule = new Map<string, Finding[]>();
  for (const f of input.findings) {
    if (f.dimension !== dimension) continue;
    const list = byRule.get(f.rule) ?? [];
    list.push(f);
    byRule.set(f.rule, list);
  }
  for (const [rule, list] of [...byRule.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const uncapped = round2(
      list.reduce((sum, f) => sum + weights.severityPoints[f.severity] * weights.kindMultiplier[f.kind], 0),
    );
    if (uncapped === 0) continue;
    const capped = Math.min(uncapped, weights.maxPointsPerRule);
    contributions.push({
      source: "findings",
      rule,
      findingIds: list.map((f) => f.id),
      label: `${list.length} finding${list.length === 1 ? "" : "s"} of rule ${rule}${capped < uncapped ? ` (capped at ${weights.maxPointsPerRule})` : ""}`,
      uncappedPoints: uncapped,
      points: capped,
    });
  }

  const asked = input.questions.filter((q) => q.dimension === dimension && q.required);
  const unanswered = asked.filter((q) => isBlankAnswer(input.answers[q.id])).length;
  if (asked.length > 0 && unanswered > 0) {
    contributions.push({
      source: "coverage",
      label: `${unanswered} of ${asked.length} required questions unanswered`,
      unanswered,
      asked: asked.length,
      points: round2((weights.coverageWeight * unanswered) / asked.length),
    });
  }

  const raw = round2(contributions.reduce((sum, c) => sum + c.points, 0));
  if (raw > weights.max) {
    contributions.push({
      source: "cap",
      label: `capped at ${weights.max}`,
      points: round2(weights.max - raw),
    });
  }
  const score = round2(Math.min(raw, weights.max));
  return { dimension, score, ...levelOf(score, weights), questionsAsked: asked.length, contributions };
}

/**
 * Decides the dimension and overall risk scores (1 low … 5 critical) from the answers and the
 * findings, using the given weights; each score lists the contributions it is the sum of.
 */
export function scoreAssessment(input: ScoreAssessmentInput): AssessmentScore {
  const { weights } = input;
  const dimensions = SCORING_DIMENSIONS.map((d) => scoreDimension(d, input));
  const totalWeight = SCORING_DIMENSIONS.reduce((sum, d) => sum + weights.dimensionWeights[d], 0);
  const contributions: OverallContribution[] = dimensions.map((d) => ({
    source: "dimension",
    dimension: d.dimension,
    score: d.score,
    weight: weights.dimensionWeights[d.dimension],
    label: `${d.dimension} ${d.score} × weight ${weights.dimensionWeights[d.dimension]}`,
  }));
  let overall =
    dimensions.reduce((sum, d) => sum + d.score * weights.dimensionWeights[d.dimension], 0) / totalWeight;
  for (const floor of weights.floors) {
    const hits = input.findings.filter((f) =>
      "severity" in floor.when ? f.severity === floor.when.severity : f.kind === floor.when.kind,
    );
    if (hits.length === 0 || overall >= floor.atLeast) continue;
    overall = floor.atLeast;
    contributions.push({
      source: "floor",
      atLeast: floor.atLeast,
      findingIds: hits.map((f) => f.id),
      label: floor.reason,
    });
  }
  const score = round2(overall);
  return {
    weightsVersion: weights.version,
    dimensions,
    overall: { score, ...levelOf(score, weights), contributions },
  };
}
