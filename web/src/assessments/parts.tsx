import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { ErrorNote } from "../components/ui";
import { errorMessage } from "../session";
import {
  ASSESSMENT_STATUS_LABELS,
  ASSESSMENT_STATUS_STYLES,
  type AssessmentFinding,
  type AssessmentScores,
  type AssessmentStatus,
  DIMENSION_LABELS,
  SEVERITY_STYLES,
} from "./vocabulary";

export function AssessmentStatusBadge({ status }: { status: AssessmentStatus }) {
  return (
    <span
      className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${ASSESSMENT_STATUS_STYLES[status]}`}
    >
      {ASSESSMENT_STATUS_LABELS[status]}
    </span>
  );
}

export function OverdueMarker() {
  return (
    <span className="ml-2 inline-flex rounded-full bg-red-100 px-2 py-0.5 text-xs font-semibold text-red-800">
      Overdue
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: AssessmentFinding["severity"] }) {
  return (
    <span
      className={`inline-flex rounded px-1.5 py-0.5 text-xs font-semibold uppercase ${SEVERITY_STYLES[severity]}`}
    >
      {severity}
    </span>
  );
}

/** Starts a draft assessment for a vendor and opens it. */
export function StartAssessmentButton({ vendorId, className }: { vendorId: string; className?: string }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<string>();
  const start = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/assessments", { body: { vendorId } })),
    onMutate: () => setProblem(undefined),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: ["assessments"] });
      await navigate({ to: "/assessments/$id", params: { id: created.id } });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  return (
    <div>
      <button
        type="button"
        className={className ?? "btn-primary"}
        disabled={start.isPending}
        onClick={() => start.mutate()}
      >
        {start.isPending ? "Starting…" : "Start assessment"}
      </button>
      <ErrorNote message={problem} />
    </div>
  );
}

const contributionPoints = (c: { [key: string]: unknown }) => (typeof c.points === "number" ? c.points : 0);
const signed = (n: number) => `${n > 0 ? "+" : ""}${Number.isInteger(n) ? n : n.toFixed(2)}`;

/**
 * The four dimension scores as horizontal bars on the 1–5 scale (higher is riskier), each with the
 * contributions that add up to it, and the overall score with how it was reached.
 */
export function ScoreChart({ scores }: { scores: AssessmentScores }) {
  const width = 320;
  const barX = 110;
  const barW = width - barX - 40;
  const rowH = 30;
  const x = (score: number) => barX + ((Math.min(5, Math.max(1, score)) - 1) / 4) * barW;
  const fill = (level: number) =>
    level >= 4 ? "#dc2626" : level === 3 ? "#f59e0b" : level === 2 ? "#38bdf8" : "#10b981";
  const rows = scores.dimensions;
  const height = rows.length * rowH + 28;
  return (
    <div>
      <div className="mb-3 flex items-baseline gap-3">
        <span className="text-sm text-slate-600">Overall</span>
        <span className="text-3xl font-bold tabular-nums" data-testid="overall-score">
          {scores.overall.score.toFixed(1)}
        </span>
        <span className="text-sm font-medium text-slate-700">{scores.overall.label}</span>
      </div>
      <svg
        role="img"
        aria-label="Score by dimension, 1 (low risk) to 5 (high risk)"
        viewBox={`0 0 ${width} ${height}`}
        className="w-full max-w-md"
      >
        {[1, 2, 3, 4, 5].map((tick) => (
          <g key={tick}>
            <line x1={x(tick)} x2={x(tick)} y1={0} y2={rows.length * rowH} stroke="#e2e8f0" />
            <text x={x(tick)} y={rows.length * rowH + 16} fontSize="10" textAnchor="middle" fill="#64748b">
              {tick}
            </text>
          </g>
        ))}
        {rows.map((d, i) => (
          <g key={d.dimension}>
            <text x={0} y={i * rowH + 19} fontSize="12" fill="#334155">
              {DIMENSION_LABELS[d.dimension] ?? d.dimension}
            </text>
            <rect
              x={barX}
              y={i * rowH + 6}
              width={Math.max(2, x(d.score) - barX)}
              height={18}
              rx={3}
              fill={fill(d.level)}
            />
            <text x={x(d.score) + 4} y={i * rowH + 19} fontSize="11" fill="#0f172a">
              {d.score.toFixed(1)}
            </text>
          </g>
        ))}
      </svg>
      <div className="mt-3 space-y-3" data-testid="score-breakdown">
        {rows.map((d) => (
          <details key={d.dimension} className="text-sm">
            <summary className="cursor-pointer">
              <span className="font-medium">{DIMENSION_LABELS[d.dimension] ?? d.dimension}</span>{" "}
              {d.score.toFixed(1)} · {d.label}
              {d.questionsAsked === 0 ? " · no questions asked" : ""}
            </summary>
            <ul className="mt-1 ml-4 list-disc text-xs text-slate-600">
              {d.contributions.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: contributions are a fixed, ordered list.
                <li key={i}>
                  <span className="tabular-nums font-medium">{signed(contributionPoints(c))}</span> {c.label}
                </li>
              ))}
            </ul>
          </details>
        ))}
        <details className="text-sm">
          <summary className="cursor-pointer font-medium">How the overall score was reached</summary>
          <ul className="mt-1 ml-4 list-disc text-xs text-slate-600">
            {scores.overall.contributions.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: contributions are a fixed, ordered list.
              <li key={i}>{c.label}</li>
            ))}
          </ul>
        </details>
      </div>
    </div>
  );
}

/** One finding: title, severity, why, and the answers (or documents) it cites, quoted. */
export function FindingCard({ finding }: { finding: AssessmentFinding }) {
  const redFlag = finding.kind === "red_flag";
  return (
    <article
      aria-label={finding.title}
      data-testid={redFlag ? "red-flag" : "finding"}
      className={`rounded-md border p-3 text-sm ${redFlag ? "border-red-300 bg-red-50" : "border-slate-200 bg-white"}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        {redFlag ? (
          <span className="rounded bg-red-600 px-1.5 py-0.5 text-xs font-semibold text-white">Red flag</span>
        ) : null}
        <SeverityBadge severity={finding.severity} />
        <span className="font-medium text-slate-900">{finding.title}</span>
        <span className="text-xs text-slate-500">
          {DIMENSION_LABELS[finding.dimension] ?? finding.dimension}
        </span>
      </div>
      <p className="mt-1 text-slate-700">{finding.explanation}</p>
      {finding.evidence.length ? (
        <ul className="mt-2 space-y-1">
          {finding.evidence.map((e, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: the evidence list is fixed and ordered.
            <li key={i} className="text-xs text-slate-700">
              <span className="font-mono text-slate-500">
                {e.kind === "answer"
                  ? e.questionId
                  : e.kind === "document"
                    ? (e.documentName ?? "document")
                    : e.source}
              </span>
              {e.kind === "answer" && e.questionText ? (
                <span className="text-slate-500"> {e.questionText}</span>
              ) : null}
              <blockquote className="mt-0.5 border-l-2 border-slate-300 pl-2 italic">“{e.quote}”</blockquote>
            </li>
          ))}
        </ul>
      ) : null}
    </article>
  );
}
