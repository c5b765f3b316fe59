import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { api, type Problem, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { FindingCard } from "../assessments/finding-card";
import { AssessmentStatusBadge, OverdueMarker, ScoreChart } from "../assessments/parts";
import { RemediationTable } from "../assessments/remediation-table";
import { RemindersCard } from "../assessments/reminders-card";
import { SuggestionsPanel } from "../assessments/suggestions-panel";
import {
  type AssessmentDecision,
  type AssessmentDetail,
  type AssessmentFinding,
  answerText,
  DECISION_LABELS,
  DECISIONS,
  groupBy,
  type RemediationItem,
  sectionTitle,
} from "../assessments/vocabulary";
import { Dialog } from "../components/dialog";
import { ErrorNote, Field } from "../components/ui";
import { DOCUMENT_TYPE_LABELS, documentsKey } from "../components/vendor-evidence";
import { TierBadge } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";

const assessmentKey = (id: string) => ["assessment", id] as const;

type PortalLink = { portalUrl: string; dueDate: string; expiresAt: string };

/** One assessment: state and dates, the portal link, the spreadsheet round-trip, review and decision. */
export function AssessmentDetailPage({ id }: { id: string }) {
  const assessment = useQuery({
    queryKey: assessmentKey(id),
    queryFn: async () => unwrap(await api.GET("/api/assessments/{id}", { params: { path: { id } } })),
  });
  if (assessment.isLoading) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!assessment.data)
    return (
      <div className="space-y-4">
        <ErrorNote message={errorMessage(assessment.error)} />
        <Link to="/assessments" className="btn-secondary">
          Back to assessments
        </Link>
      </div>
    );
  return <Assessment a={assessment.data} />;
}

function useInvalidateAssessment(a: AssessmentDetail) {
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: assessmentKey(a.id) }),
      queryClient.invalidateQueries({ queryKey: ["assessments"] }),
      queryClient.invalidateQueries({ queryKey: ["remediation"] }),
      queryClient.invalidateQueries({ queryKey: ["vendor", a.vendorId] }),
      queryClient.invalidateQueries({ queryKey: ["vendors"] }),
    ]);
  };
}

const tierOf = (n: number) => (n === 1 || n === 3 ? n : 2);

function Assessment({ a }: { a: AssessmentDetail }) {
  const reviewable = a.status === "submitted" || a.status === "under_review" || a.status === "decided";
  const side = (
    <div className="space-y-6">
      <DatesCard a={a} />
      <RemindersCard a={a} />
      <SpreadsheetCard a={a} />
    </div>
  );
  return (
    <>
      <Header a={a} />
      {reviewable ? (
        <Review a={a} side={side} />
      ) : (
        <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
          <AnswersCard a={a} findings={[]} />
          {side}
        </div>
      )}
    </>
  );
}

function Header({ a }: { a: AssessmentDetail }) {
  const canWrite = useCanWrite();
  const invalidate = useInvalidateAssessment(a);
  const [link, setLink] = useState<PortalLink>();
  const [problem, setProblem] = useState<string>();
  const [returning, setReturning] = useState(false);
  const [respondentEmail, setRespondentEmail] = useState("");
  const [respondentName, setRespondentName] = useState("");
  const send = useMutation({
    mutationFn: async (kind: "send" | "reissue") => {
      if (kind === "reissue")
        return unwrap(
          await api.POST("/api/assessments/{id}/portal-link", { params: { path: { id: a.id } } }),
        );
      // The respondent is optional: with neither field filled the request has no body at all.
      const respondent = {
        ...(respondentEmail.trim() ? { respondentEmail: respondentEmail.trim() } : {}),
        ...(respondentName.trim() ? { respondentName: respondentName.trim() } : {}),
      };
      return unwrap(
        await api.POST("/api/assessments/{id}/send", {
          params: { path: { id: a.id } },
          ...(Object.keys(respondent).length ? { body: respondent } : {}),
        }),
      );
    },
    onMutate: () => setProblem(undefined),
    onSuccess: async (issued) => {
      setLink(issued);
      await invalidate();
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const revoke = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/assessments/{id}/portal-link/revoke", { params: { path: { id: a.id } } })),
    onMutate: () => setProblem(undefined),
    onSuccess: invalidate,
    onError: (e) => setProblem(errorMessage(e)),
  });
  const open = a.status === "sent" || a.status === "in_progress";
  return (
    <header className="mb-6">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link to="/assessments" className="hover:underline">
          Assessments
        </Link>{" "}
        / {a.vendorName}
      </nav>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-slate-900">
            Assessment of {a.vendorName}
            <TierBadge tier={tierOf(a.tier)} />
            <span data-testid="assessment-state">
              <AssessmentStatusBadge status={a.status} />
            </span>
            {a.overdue ? <OverdueMarker /> : null}
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            {a.questionCount} questions (bank {a.bankId} v{a.bankVersion}) · {a.answeredCount} answered ·{" "}
            <Link to="/vendors/$id" params={{ id: a.vendorId }} className="text-sky-700 hover:underline">
              vendor record
            </Link>
          </p>
        </div>
        {canWrite ? (
          <div className="flex flex-wrap gap-2">
            {a.status === "draft" ? (
              <form
                className="flex flex-wrap items-center gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  send.mutate("send");
                }}
              >
                <input
                  type="email"
                  aria-label="Respondent e-mail"
                  title="Reminders are e-mailed to this address"
                  placeholder="Respondent e-mail (optional)"
                  className="input w-60"
                  value={respondentEmail}
                  onChange={(e) => setRespondentEmail(e.target.value)}
                />
                <input
                  aria-label="Respondent name"
                  placeholder="Name (optional)"
                  className="input w-40"
                  value={respondentName}
                  onChange={(e) => setRespondentName(e.target.value)}
                />
                <button type="submit" className="btn-primary" disabled={send.isPending}>
                  Send to vendor
                </button>
              </form>
            ) : null}
            {open ? (
              <button
                type="button"
                className="btn-secondary"
                disabled={send.isPending}
                onClick={() => {
                  if (window.confirm("Issue a new portal link? Earlier links stop working."))
                    send.mutate("reissue");
                }}
              >
                Re-issue link
              </button>
            ) : null}
            {a.portalLink ? (
              <button
                type="button"
                className="btn-danger"
                disabled={revoke.isPending}
                onClick={() => {
                  if (
                    window.confirm("Revoke the portal link? The vendor can no longer open the questionnaire.")
                  )
                    revoke.mutate();
                }}
              >
                Revoke link
              </button>
            ) : null}
            {a.status === "under_review" ? (
              <button type="button" className="btn-secondary" onClick={() => setReturning(true)}>
                Return to vendor
              </button>
            ) : null}
          </div>
        ) : null}
      </div>
      <div className="mt-2">
        <ErrorNote message={problem} />
      </div>
      <Dialog open={link !== undefined} title="Portal link for the vendor" onClose={() => setLink(undefined)}>
        {link ? <LinkPanel link={link} vendorName={a.vendorName} /> : null}
      </Dialog>
      <Dialog open={returning} title="Return to the vendor" onClose={() => setReturning(false)}>
        <ReturnForm a={a} onDone={() => setReturning(false)} />
      </Dialog>
    </header>
  );
}

function LinkPanel({ link, vendorName }: { link: PortalLink; vendorName: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="space-y-3 text-sm">
      <p className="text-slate-700">
        Send this link to {vendorName}'s respondent. It is shown only now: Assay keeps only a hash of it.
        Answers are due by <strong data-testid="link-due">{link.dueDate}</strong>; the link works until{" "}
        {new Date(link.expiresAt).toLocaleString()}.
      </p>
      <div className="flex gap-2">
        <input
          aria-label="Portal link"
          readOnly
          className="input font-mono text-xs"
          value={link.portalUrl}
          onFocus={(e) => e.target.select()}
        />
        <button
          type="button"
          className="btn-secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(link.portalUrl);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}

function ReturnForm({ a, onDone }: { a: AssessmentDetail; onDone: () => void }) {
  const invalidate = useInvalidateAssessment(a);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string>();
  const send = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/assessments/{id}/return", { params: { path: { id: a.id } }, body: { reason } }),
      ),
    onSuccess: async () => {
      await invalidate();
      onDone();
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        send.mutate();
      }}
    >
      <Field label="What needs clarifying" htmlFor="return-reason" hint="At least 10 characters.">
        <textarea
          id="return-reason"
          className="input min-h-24"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
        />
      </Field>
      <ErrorNote message={problem} />
      <button type="submit" className="btn-primary" disabled={send.isPending}>
        Return to vendor
      </button>
    </form>
  );
}

function DatesCard({ a }: { a: AssessmentDetail }) {
  const rows: [string, string | null][] = [
    ["Created", a.createdAt.slice(0, 10)],
    ["Sent", a.sentOn],
    ["Due", a.dueDate],
    ["Submitted", a.submittedOn],
    ["Decided", a.decidedOn],
    ["Next review", a.nextReviewDue],
  ];
  return (
    <section className="card p-5" aria-labelledby="dates-title">
      <h2 id="dates-title" className="text-base font-semibold">
        Dates
      </h2>
      <dl className="mt-2 grid grid-cols-[8rem_1fr] gap-y-1 text-sm">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd className="tabular-nums">
              {value ?? "—"}
              {label === "Due" && a.overdue ? <OverdueMarker /> : null}
            </dd>
          </div>
        ))}
      </dl>
      {a.returnedCount > 0 ? (
        <p className="mt-2 text-xs text-slate-600">Returned to the vendor {a.returnedCount}×.</p>
      ) : null}
      <h3 className="mt-4 text-sm font-semibold">Portal link</h3>
      {a.portalLink ? (
        <p className="mt-1 text-sm text-slate-700" data-testid="portal-link-state">
          Live until {new Date(a.portalLink.expiresAt).toLocaleString()} ·{" "}
          {a.portalLink.lastUsedAt
            ? `last used ${new Date(a.portalLink.lastUsedAt).toLocaleString()}`
            : "not used yet"}
        </p>
      ) : (
        <p className="mt-1 text-sm text-slate-600" data-testid="portal-link-state">
          No live link.
        </p>
      )}
      {a.status === "decided" && a.decision ? (
        <>
          <h3 className="mt-4 text-sm font-semibold">Decision</h3>
          <p className="mt-1 text-sm font-medium" data-testid="decision">
            {DECISION_LABELS[a.decision]}
          </p>
          {a.rationale ? (
            <p className="mt-1 whitespace-pre-wrap text-sm text-slate-700">{a.rationale}</p>
          ) : null}
          {a.conditions.length ? (
            <ul className="mt-1 list-disc pl-5 text-sm text-slate-700">
              {a.conditions.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

async function fileToBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk)
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

interface CellError {
  sheet?: string;
  cell?: string;
  message?: string;
}

function SpreadsheetCard({ a }: { a: AssessmentDetail }) {
  const canWrite = useCanWrite();
  const invalidate = useInvalidateAssessment(a);
  const input = useRef<HTMLInputElement>(null);
  const [problem, setProblem] = useState<string>();
  const [cellErrors, setCellErrors] = useState<CellError[]>([]);
  const [done, setDone] = useState<string>();
  const upload = useMutation({
    mutationFn: async (file: File) => {
      const result = await api.POST("/api/assessments/{id}/import", {
        params: { path: { id: a.id } },
        body: { contentBase64: await fileToBase64(file) },
      });
      if (result.error !== undefined || !result.response.ok) {
        const p = (result.error ?? {}) as Partial<Problem>;
        const errors = Array.isArray(p.details?.errors) ? (p.details.errors as CellError[]) : [];
        setCellErrors(errors);
        throw new Error(p.detail ?? `The server answered ${result.response.status}.`);
      }
      return result.data;
    },
    onMutate: () => {
      setProblem(undefined);
      setCellErrors([]);
      setDone(undefined);
    },
    onSuccess: async (next) => {
      setDone(`Imported: ${next.answeredCount} of ${next.questionCount} questions answered.`);
      await invalidate();
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const importable = a.status === "draft" || a.status === "sent" || a.status === "in_progress";
  return (
    <section className="card p-5" aria-labelledby="sheet-title">
      <h2 id="sheet-title" className="text-base font-semibold">
        Spreadsheet
      </h2>
      <p className="mt-1 text-sm text-slate-600">
        For vendors who prefer to answer offline: export the questionnaire, and import the completed workbook.
      </p>
      <div className="mt-3 flex flex-wrap gap-2">
        <a className="btn-secondary" href={`/api/assessments/${a.id}/export.xlsx`} download>
          Export XLSX
        </a>
        {canWrite && importable ? (
          <>
            <button
              type="button"
              className="btn-secondary"
              disabled={upload.isPending}
              onClick={() => input.current?.click()}
            >
              {upload.isPending ? "Importing…" : "Import XLSX"}
            </button>
            <input
              ref={input}
              type="file"
              aria-label="Completed questionnaire workbook"
              accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
              className="hidden"
              onChange={(e) => {
                const file = e.target.files?.[0];
                e.target.value = "";
                if (file) upload.mutate(file);
              }}
            />
          </>
        ) : null}
      </div>
      <div className="mt-2 space-y-2">
        <ErrorNote message={problem} />
        {cellErrors.length > 1 ? (
          <ul
            className="max-h-48 list-disc overflow-auto pl-5 text-xs text-red-800"
            aria-label="Spreadsheet problems"
          >
            {cellErrors.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the server's list, fixed and ordered.
              <li key={i}>
                {e.sheet ? `${e.sheet}!` : ""}
                {e.cell ? `${e.cell}: ` : ""}
                {e.message}
              </li>
            ))}
          </ul>
        ) : null}
        {done ? <p className="text-sm text-emerald-800">{done}</p> : null}
      </div>
    </section>
  );
}

/** The review screen: scores and decision beside the dates, then the findings beside the answers. */
function Review({ a, side }: { a: AssessmentDetail; side: ReactNode }) {
  const analysis = useQuery({
    queryKey: [...assessmentKey(a.id), "analysis", a.updatedAt],
    queryFn: async () =>
      unwrap(await api.GET("/api/assessments/{id}/analysis", { params: { path: { id: a.id } } })),
  });
  const findings = analysis.data?.findings ?? [];
  const redFlags = findings.filter((f) => f.kind === "red_flag");
  const missing = findings.filter((f) => f.kind === "missing_answer");
  const others = findings.filter((f) => f.kind !== "red_flag" && f.kind !== "missing_answer");
  return (
    <div className="space-y-6">
      <ErrorNote message={analysis.error ? errorMessage(analysis.error) : undefined} />
      <div className="grid items-start gap-6 xl:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_22rem]">
        <section className="card p-5" aria-labelledby="scores-title">
          <h2 id="scores-title" className="text-base font-semibold">
            Scores
          </h2>
          <p className="mb-3 text-xs text-slate-500">
            1 is low risk, 5 high; open a dimension to see what added to it.
          </p>
          {analysis.data ? (
            <ScoreChart scores={analysis.data.scores} />
          ) : (
            <p className="text-sm text-slate-500">Loading…</p>
          )}
        </section>
        {a.status === "decided" ? <AssessmentRemediation a={a} /> : <DecisionCard a={a} />}
        {side}
      </div>
      <SuggestionsPanel assessmentId={a.id} status={a.status} />
      <div className="grid items-start gap-6 lg:grid-cols-2">
        <section className="card p-5" aria-labelledby="findings-title">
          <h2 id="findings-title" className="text-base font-semibold">
            Findings{" "}
            <span className="text-sm font-normal text-slate-600">
              {findings.length} · {redFlags.length} red flag{redFlags.length === 1 ? "" : "s"}
            </span>
          </h2>
          <div className="mt-3 space-y-2">
            {[...redFlags, ...others].map((f) => (
              <FindingCard key={f.id} finding={f} vendorId={a.vendorId} />
            ))}
            {missing.length ? (
              <details className="rounded-md border border-slate-200 p-3 text-sm">
                <summary className="cursor-pointer font-medium">
                  {missing.length} unanswered question{missing.length === 1 ? "" : "s"}
                </summary>
                <div className="mt-2 space-y-2">
                  {missing.map((f) => (
                    <FindingCard key={f.id} finding={f} vendorId={a.vendorId} />
                  ))}
                </div>
              </details>
            ) : null}
            {analysis.data && findings.length === 0 ? (
              <p className="text-sm text-slate-600">No findings: every answer was complete and specific.</p>
            ) : null}
          </div>
        </section>
        <AnswersCard a={a} findings={findings} />
      </div>
    </div>
  );
}

/** An answer as text, with the option labels of choice questions instead of their stored values. */
function choiceText(
  question: AssessmentDetail["questions"][number],
  answer: AssessmentDetail["answers"][string] | undefined,
) {
  const options = Array.isArray(question.options)
    ? (question.options as { value?: unknown; label?: unknown }[])
    : [];
  const label = (v: string) => {
    const found = options.find((o) => o.value === v);
    return typeof found?.label === "string" ? found.label : v;
  };
  if (answer && typeof answer.value === "string" && options.length) return label(answer.value);
  if (answer && Array.isArray(answer.value) && options.length && answer.value.length)
    return answer.value.map(label).join(", ");
  return answerText(answer);
}

type VendorDocument = components["schemas"]["Document"];

/**
 * An answer's evidence references: documents of the vendor (uploaded in the portal or by the
 * team) as download links with their type and reading state, anything else as the text given.
 */
function AnswerEvidence({
  refs,
  documents,
  vendorId,
}: {
  refs: string[];
  documents: Map<string, VendorDocument>;
  vendorId: string;
}) {
  const notes = refs.filter((r) => !documents.has(r));
  const files = refs.flatMap((r) => documents.get(r) ?? []);
  return (
    <div className="mt-1 text-xs text-slate-600">
      {files.length ? (
        <ul aria-label="Attached documents" className="space-y-0.5">
          {files.map((d) => (
            <li key={d.id}>
              <a className="font-medium text-sky-700 underline" href={`/api/documents/${d.id}/content`}>
                {d.fileName}
              </a>{" "}
              · {DOCUMENT_TYPE_LABELS[d.type]}
              {d.uploadedVia === "portal" ? " · from the vendor portal" : ""}
              {d.analysisStatus === "done"
                ? ` · read, ${d.findings.length} finding${d.findings.length === 1 ? "" : "s"}`
                : ""}{" "}
              ·{" "}
              <Link to="/vendors/$id" params={{ id: vendorId }} className="underline">
                on the evidence tab
              </Link>
            </li>
          ))}
        </ul>
      ) : null}
      {notes.length ? <p>Evidence: {notes.join(", ")}</p> : null}
    </div>
  );
}

function AnswersCard({ a, findings }: { a: AssessmentDetail; findings: AssessmentFinding[] }) {
  // The vendor's documents, to show references to them by name with a download link.
  const vendorDocuments = useQuery({
    queryKey: [...documentsKey, "vendor", a.vendorId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/vendors/{id}/documents", {
          params: { path: { id: a.vendorId }, query: { limit: 200 } },
        }),
      ),
  });
  const documents = new Map((vendorDocuments.data?.items ?? []).map((d) => [d.id, d]));
  const flagged = new Map<string, AssessmentFinding[]>();
  // Unanswered questions are plain to see already; highlighting marks what an answer said.
  for (const f of findings) {
    if (f.kind === "missing_answer") continue;
    for (const q of f.questionIds) flagged.set(q, [...(flagged.get(q) ?? []), f]);
  }
  return (
    <section className="card p-5" aria-labelledby="answers-title">
      <h2 id="answers-title" className="text-base font-semibold">
        Answers
      </h2>
      {groupBy(a.questions, (q) => q.section).map(([section, questions]) => (
        <div key={section} className="mt-4">
          <h3 className="text-sm font-semibold text-slate-700">{sectionTitle(section)}</h3>
          <ol className="mt-2 space-y-2">
            {questions.map((q) => {
              const answer = a.answers[q.id];
              const hits = flagged.get(q.id) ?? [];
              const red = hits.some((f) => f.kind === "red_flag");
              return (
                <li
                  key={q.id}
                  data-testid={`answer-${q.id}`}
                  className={`rounded-md border p-2 text-sm ${red ? "border-red-300 bg-red-50" : hits.length ? "border-amber-200 bg-amber-50" : "border-slate-100"}`}
                >
                  <p className="text-slate-600">
                    <span className="mr-1 font-mono text-xs text-slate-500">{q.id}</span>
                    {q.text}
                  </p>
                  <p className="mt-1 whitespace-pre-wrap font-medium text-slate-900">
                    {choiceText(q, answer)}
                  </p>
                  {answer?.comment ? (
                    <p className="mt-1 text-xs text-slate-600">Comment: {answer.comment}</p>
                  ) : null}
                  {answer?.evidence?.length ? (
                    <AnswerEvidence refs={answer.evidence} documents={documents} vendorId={a.vendorId} />
                  ) : null}
                  {hits.length ? (
                    <p className="mt-1 text-xs text-slate-700">
                      Cited by: {hits.map((f) => f.title).join("; ")}
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ol>
        </div>
      ))}
    </section>
  );
}

function DecisionCard({ a }: { a: AssessmentDetail }) {
  const canWrite = useCanWrite();
  const invalidate = useInvalidateAssessment(a);
  const [decision, setDecision] = useState<AssessmentDecision>("approved_with_conditions");
  const [note, setNote] = useState("");
  const [owner, setOwner] = useState("");
  const [conditions, setConditions] = useState("");
  const [problem, setProblem] = useState<string>();
  const [created, setCreated] = useState<RemediationItem[]>();
  const decide = useMutation({
    mutationFn: async () => {
      const extra = conditions
        .split("\n")
        .map((c) => c.trim())
        .filter(Boolean);
      return unwrap(
        await api.POST("/api/assessments/{id}/decision", {
          params: { path: { id: a.id } },
          body: {
            decision,
            note,
            ...(owner.trim() ? { remediationOwner: owner.trim() } : {}),
            ...(decision === "approved_with_conditions" && extra.length ? { conditions: extra } : {}),
          },
        }),
      );
    },
    onMutate: () => setProblem(undefined),
    onSuccess: async (result) => {
      setCreated(result.remediation);
      await invalidate();
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  if (a.status !== "under_review" || !canWrite) return null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    decide.mutate();
  };
  return (
    <section className="card p-5" aria-labelledby="decision-title">
      <h2 id="decision-title" className="text-base font-semibold">
        Decision
      </h2>
      <form aria-label="Decision" className="mt-3 space-y-3" onSubmit={submit}>
        <div role="radiogroup" aria-label="Decision" className="flex flex-wrap gap-4">
          {DECISIONS.map((d) => (
            <label key={d} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name="decision"
                value={d}
                checked={decision === d}
                onChange={() => setDecision(d)}
              />
              {DECISION_LABELS[d]}
            </label>
          ))}
        </div>
        <Field
          label="Note"
          htmlFor="decision-note"
          hint="Why, in at least 10 characters; kept with the decision."
        >
          <textarea
            id="decision-note"
            className="input min-h-20"
            value={note}
            onChange={(e) => setNote(e.target.value)}
          />
        </Field>
        {decision === "rejected" ? null : (
          <Field
            label="Remediation owner"
            htmlFor="decision-owner"
            hint="Owner of the remediation items this creates."
          >
            <input
              id="decision-owner"
              className="input"
              value={owner}
              onChange={(e) => setOwner(e.target.value)}
            />
          </Field>
        )}
        {decision === "approved_with_conditions" ? (
          <Field
            label="Extra conditions"
            htmlFor="decision-conditions"
            hint="One per line, beside the items the findings call for."
          >
            <textarea
              id="decision-conditions"
              className="input min-h-16"
              value={conditions}
              onChange={(e) => setConditions(e.target.value)}
            />
          </Field>
        ) : null}
        <ErrorNote message={problem} />
        <button type="submit" className="btn-primary" disabled={decide.isPending}>
          {decide.isPending ? "Recording…" : "Record decision"}
        </button>
      </form>
      {created ? <RemediationTable items={created} caption="Remediation items created" /> : null}
    </section>
  );
}

function AssessmentRemediation({ a }: { a: AssessmentDetail }) {
  const items = useQuery({
    queryKey: ["remediation", { assessmentId: a.id }],
    queryFn: async () =>
      unwrap(await api.GET("/api/remediation", { params: { query: { assessmentId: a.id } } })),
  });
  return (
    <section className="card p-5" aria-labelledby="remediation-title">
      <h2 id="remediation-title" className="text-base font-semibold">
        Remediation
      </h2>
      <ErrorNote message={items.error ? errorMessage(items.error) : undefined} />
      {items.data ? (
        items.data.items.length ? (
          <RemediationTable items={items.data.items} caption="Remediation items" />
        ) : (
          <p className="mt-2 text-sm text-slate-600">The decision created no remediation items.</p>
        )
      ) : null}
      <Link to="/assessments/remediation" className="mt-3 inline-block text-sm text-sky-700 hover:underline">
        Open the remediation board
      </Link>
    </section>
  );
}
