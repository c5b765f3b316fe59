import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { ErrorNote } from "../components/ui";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";
import { SeverityBadge } from "./parts";
import { type AssessmentStatus, DIMENSION_LABELS } from "./vocabulary";

type Suggestion = components["schemas"]["Suggestion"];
type SuggestionRun = components["schemas"]["SuggestionRun"];

const DROP_LABELS: Record<keyof SuggestionRun["dropped"], string> = {
  malformed_finding: "incomplete",
  invalid_severity: "unknown severity",
  invalid_dimension: "unknown dimension",
  unknown_question: "cited a question not asked",
  quote_not_found: "quote not in the answer",
  duplicate: "repeated",
  too_many: "over the limit",
};

/** States in which the server runs a pass (the answers are there and the assessment is not decided). */
const SUGGESTIBLE: readonly AssessmentStatus[] = ["in_progress", "submitted", "under_review"];

/** One line about the last pass: what the model sent back and what was kept. */
function runSummary(run: SuggestionRun): string {
  if (run.outcome !== "ok") return run.problem ?? "The model's reply could not be read.";
  const drops = (Object.keys(DROP_LABELS) as (keyof SuggestionRun["dropped"])[])
    .filter((k) => run.dropped[k] > 0)
    .map((k) => `${run.dropped[k]} ${DROP_LABELS[k]}`);
  const parts = [
    `${run.received} suggested`,
    `${run.added} new`,
    ...(run.alreadyKnown ? [`${run.alreadyKnown} already listed`] : []),
    ...(drops.length ? [`left out: ${drops.join(", ")}`] : []),
  ];
  return `${parts.join(" · ")}.`;
}

/**
 * Optional AI assistance on the review screen: asks the configured model for extra findings and
 * lists them as suggestions a reviewer accepts (they then count in findings and scores) or
 * dismisses. When the server has no model configured it says how to turn it on.
 */
export function SuggestionsPanel({
  assessmentId,
  status,
}: {
  assessmentId: string;
  status: AssessmentStatus;
}) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const [lastRun, setLastRun] = useState<SuggestionRun>();
  const assistant = useQuery({
    queryKey: ["assistant"],
    queryFn: async () => unwrap(await api.GET("/api/assistant")),
    staleTime: 5 * 60_000,
  });
  const enabled = assistant.data?.enabled === true;
  const suggestions = useQuery({
    queryKey: ["assessment", assessmentId, "suggestions"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/assessments/{id}/suggestions", {
          params: { path: { id: assessmentId }, query: {} },
        }),
      ).items,
    enabled,
  });
  // The analysis query sits under the same key prefix: accepting a suggestion refreshes findings and scores.
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["assessment", assessmentId] });
  const run = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/assessments/{id}/suggestions", { params: { path: { id: assessmentId } } })),
    onSuccess: async (result) => {
      setLastRun(result);
      await refresh();
    },
  });

  if (!assistant.data) return null;
  if (!enabled) {
    return (
      <section className="card p-5" aria-labelledby="suggestions-title" data-testid="assistant-off">
        <h2 id="suggestions-title" className="text-base font-semibold">
          AI assistance is off
        </h2>
        <p className="mt-1 text-sm text-slate-600">
          A language model can suggest further findings, each quoting the answers it rests on, for you to
          accept or dismiss. To turn it on, an operator sets <code>ASSAY_LLM_BASE_URL</code> (an
          OpenAI-compatible API) and <code>ASSAY_LLM_MODEL</code> and restarts the server. Until then nothing
          leaves this server.
        </p>
      </section>
    );
  }

  const items = suggestions.data ?? [];
  const pending = items.filter((s) => s.status === "pending");
  const decided = items.filter((s) => s.status !== "pending");
  const canRun = canWrite && SUGGESTIBLE.includes(status);
  return (
    <section className="card p-5" aria-labelledby="suggestions-title">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h2 id="suggestions-title" className="text-base font-semibold">
            Suggested findings{" "}
            <span className="text-sm font-normal text-slate-600">{pending.length} to review</span>
          </h2>
          <p className="mt-1 max-w-3xl text-xs text-slate-500">
            Model {assistant.data.model} at {assistant.data.endpoint}. Only the questions and answers are
            sent. A suggestion counts in the findings and scores once you accept it.
          </p>
        </div>
        {canRun ? (
          <button
            type="button"
            className="btn-secondary"
            disabled={run.isPending}
            onClick={() => run.mutate()}
          >
            {run.isPending ? "Asking the model…" : "Suggest findings"}
          </button>
        ) : null}
      </div>
      {run.isPending ? (
        <div
          role="progressbar"
          aria-label="Waiting for the model"
          className="mt-3 h-1.5 w-full overflow-hidden rounded bg-slate-100"
        >
          <div className="h-full w-1/3 animate-pulse rounded bg-indigo-500" />
        </div>
      ) : null}
      <ErrorNote message={run.error ? errorMessage(run.error) : undefined} />
      <ErrorNote message={suggestions.error ? errorMessage(suggestions.error) : undefined} />
      {lastRun && !run.isPending ? (
        <p className="mt-3 text-sm text-slate-700" data-testid="suggestion-run">
          {runSummary(lastRun)}
        </p>
      ) : null}
      <div className="mt-3 space-y-2">
        {pending.map((s) => (
          <SuggestionCard
            key={s.id}
            assessmentId={assessmentId}
            suggestion={s}
            canDecide={canWrite && status !== "decided"}
            onDone={refresh}
          />
        ))}
        {suggestions.data && pending.length === 0 ? (
          <p className="text-sm text-slate-600">
            {items.length === 0 ? "No suggestions yet." : "Every suggestion has been decided."}
          </p>
        ) : null}
        {decided.length ? (
          <details className="rounded-md border border-slate-200 p-3 text-sm">
            <summary className="cursor-pointer font-medium">
              {decided.filter((s) => s.status === "accepted").length} accepted ·{" "}
              {decided.filter((s) => s.status === "dismissed").length} dismissed
            </summary>
            <div className="mt-2 space-y-2">
              {decided.map((s) => (
                <SuggestionCard
                  key={s.id}
                  assessmentId={assessmentId}
                  suggestion={s}
                  canDecide={false}
                  onDone={refresh}
                />
              ))}
            </div>
          </details>
        ) : null}
      </div>
    </section>
  );
}

function SuggestionCard({
  assessmentId,
  suggestion,
  canDecide,
  onDone,
}: {
  assessmentId: string;
  suggestion: Suggestion;
  canDecide: boolean;
  onDone: () => Promise<void>;
}) {
  const f = suggestion.finding;
  const [dismissing, setDismissing] = useState(false);
  const [note, setNote] = useState("");
  const decide = useMutation({
    mutationFn: async (action: "accept" | "dismiss") => {
      const params = { path: { id: assessmentId, suggestionId: suggestion.id } };
      const body = note.trim() ? { note: note.trim() } : {};
      return unwrap(
        action === "accept"
          ? await api.POST("/api/assessments/{id}/suggestions/{suggestionId}/accept", { params, body })
          : await api.POST("/api/assessments/{id}/suggestions/{suggestionId}/dismiss", { params, body }),
      );
    },
    onSuccess: onDone,
  });
  return (
    <article
      aria-label={f.title}
      data-testid="suggestion"
      className="rounded-md border border-indigo-200 bg-indigo-50/40 p-3 text-sm"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="rounded bg-indigo-600 px-1.5 py-0.5 text-xs font-semibold text-white">
          Suggested
        </span>
        <SeverityBadge severity={f.severity} />
        <span className="font-medium text-slate-900">{f.title}</span>
        <span className="text-xs text-slate-500">{DIMENSION_LABELS[f.dimension] ?? f.dimension}</span>
        {suggestion.status !== "pending" ? (
          <span className="text-xs text-slate-500">
            {suggestion.status} by {suggestion.decidedBy}
            {suggestion.note ? ` — ${suggestion.note}` : ""}
          </span>
        ) : null}
      </div>
      <p className="mt-1 text-slate-700">{f.explanation}</p>
      <ul className="mt-2 space-y-1">
        {f.evidence.map((e, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the evidence list is fixed and ordered.
          <li key={i} className="text-xs text-slate-700">
            {e.kind === "answer" ? (
              <>
                <span className="font-mono text-slate-500">{e.questionId}</span>
                {e.questionText ? <span className="text-slate-500"> {e.questionText}</span> : null}
              </>
            ) : null}
            <blockquote className="mt-0.5 border-l-2 border-indigo-300 pl-2 italic">“{e.quote}”</blockquote>
          </li>
        ))}
      </ul>
      {canDecide && suggestion.status === "pending" ? (
        <div className="mt-3 flex flex-wrap items-center gap-2">
          {dismissing ? (
            <>
              <input
                className="input max-w-xs"
                aria-label="Reason for dismissing (optional)"
                placeholder="Reason (optional)"
                value={note}
                maxLength={2000}
                onChange={(e) => setNote(e.target.value)}
              />
              <button
                type="button"
                className="btn-secondary"
                disabled={decide.isPending}
                onClick={() => decide.mutate("dismiss")}
              >
                Confirm dismiss
              </button>
              <button
                type="button"
                className="text-xs text-slate-600 underline"
                onClick={() => setDismissing(false)}
              >
                Cancel
              </button>
            </>
          ) : (
            <>
              <button
                type="button"
                className="btn-primary"
                disabled={decide.isPending}
                onClick={() => decide.mutate("accept")}
              >
                Accept
              </button>
              <button type="button" className="btn-secondary" onClick={() => setDismissing(true)}>
                Dismiss
              </button>
            </>
          )}
        </div>
      ) : null}
      <ErrorNote message={decide.error ? errorMessage(decide.error) : undefined} />
    </article>
  );
}
