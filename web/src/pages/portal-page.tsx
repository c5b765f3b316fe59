import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect, useId, useRef, useState } from "react";
import { ApiError, api, type Problem, unwrap } from "../api/client";
import type { components } from "../api/schema";
import {
  type Answer,
  answerText,
  groupBy,
  type PortalQuestion,
  type PortalQuestionnaire,
  sectionTitle,
  YES_NO_LABELS,
} from "../assessments/vocabulary";
import { Dialog } from "../components/dialog";
import { ErrorNote } from "../components/ui";
import { errorMessage } from "../session";

type Draft = Record<string, Answer>;
type PortalDocument = components["schemas"]["PortalDocument"];
type PortalDocumentList = components["schemas"]["PortalDocumentList"];
type Limits = PortalDocumentList["limits"];

/** Readable names of the file kinds the portal takes, in the order the server lists them. */
const KIND_LABELS: Record<Limits["kinds"][number], string> = {
  pdf: "PDF",
  docx: "Word (.docx)",
  xlsx: "Excel (.xlsx)",
  text: "plain text or CSV",
  markdown: "Markdown",
  png: "PNG",
  jpeg: "JPEG",
};
/** What the file picker offers; the server still decides from the bytes. */
const KIND_EXTENSIONS: Record<Limits["kinds"][number], string> = {
  pdf: ".pdf",
  docx: ".docx",
  xlsx: ".xlsx",
  text: ".txt,.csv",
  markdown: ".md",
  png: ".png",
  jpeg: ".jpg,.jpeg",
};

/** Document ids are UUIDs; any other evidence reference is a note the respondent typed. */
const DOCUMENT_REF = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const typedRefs = (refs: readonly string[] | undefined) => (refs ?? []).filter((r) => !DOCUMENT_REF.test(r));

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}

/**
 * Sends one file as the raw request body. XMLHttpRequest rather than fetch, because only it
 * reports upload progress; the answer is the stored file or the server's problem document.
 */
function uploadPortalFile(
  token: string,
  questionId: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<PortalDocument> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ questionId, fileName: file.name });
    xhr.open("POST", `/api/portal/${encodeURIComponent(token)}/documents?${query}`);
    xhr.setRequestHeader("content-type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 200 || xhr.status === 201) resolve(body as PortalDocument);
      else {
        const problem = (body ?? {}) as Partial<Problem>;
        reject(
          new ApiError({
            type: problem.type ?? "about:blank",
            title: problem.title ?? xhr.statusText,
            status: problem.status ?? xhr.status,
            code: problem.code ?? "INTERNAL",
            detail: problem.detail ?? `The server answered ${xhr.status}.`,
          }),
        );
      }
    };
    // A refused oversize body may end in a closed connection rather than an answer.
    xhr.onerror = () =>
      reject(
        new Error("The upload was interrupted. Check the connection and that the file is within the limit."),
      );
    xhr.send(file);
  });
}

/** What a respondent sees instead of the questionnaire when the link no longer opens it. */
const LINK_MESSAGES: Record<string, { title: string; text: string }> = {
  PORTAL_LINK_EXPIRED: {
    title: "This link has expired",
    text: "The time to answer through this link is over. Ask your contact for a new link if you still need to answer.",
  },
  PORTAL_LINK_REVOKED: {
    title: "This link was withdrawn",
    text: "The company that sent it has withdrawn this link, usually because a newer one was issued. Use the newest link you received, or ask your contact.",
  },
  PORTAL_LINK_INVALID: {
    title: "This link is not valid",
    text: "The link is incomplete or unknown. Check that you copied the whole address from the message you received.",
  },
};

const LOCKED = new Set<PortalQuestionnaire["status"]>(["submitted", "under_review", "decided"]);

const portalKey = (token: string) => ["portal", token] as const;
const portalDocumentsKey = (token: string) => ["portal", token, "documents"] as const;

/** The vendor respondent's page behind a portal link: no account, only this one questionnaire. */
export function PortalPage({ token }: { token: string }) {
  const questionnaire = useQuery({
    queryKey: portalKey(token),
    queryFn: async () => unwrap(await api.GET("/api/portal/{token}", { params: { path: { token } } })),
    retry: false,
  });
  return (
    <div className="min-h-screen bg-slate-50">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto max-w-4xl px-6 py-4 text-sm font-semibold tracking-tight text-slate-700">
          Assay · vendor questionnaire
        </div>
      </header>
      <main className="mx-auto max-w-4xl px-6 py-8">
        {questionnaire.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
        {questionnaire.error ? <LinkProblem error={questionnaire.error} /> : null}
        {questionnaire.data ? <Questionnaire token={token} data={questionnaire.data} /> : null}
      </main>
    </div>
  );
}

function LinkProblem({ error }: { error: unknown }) {
  const message = error instanceof ApiError ? LINK_MESSAGES[error.problem.code] : undefined;
  if (!message)
    return <ErrorNote message={`The questionnaire could not be loaded: ${errorMessage(error)}`} />;
  return (
    <section className="card px-6 py-10 text-center" role="alert" aria-labelledby="link-problem">
      <h1 id="link-problem" className="text-xl font-semibold text-slate-900">
        {message.title}
      </h1>
      <p className="mx-auto mt-2 max-w-xl text-sm text-slate-600">{message.text}</p>
    </section>
  );
}

/** Empty values become null, so clearing a field clears the saved answer. */
function normalise(answer: Answer): Answer {
  const value =
    answer.value === "" || (Array.isArray(answer.value) && answer.value.length === 0) ? null : answer.value;
  const out: Answer = { value };
  if (answer.comment?.trim()) out.comment = answer.comment;
  if (answer.evidence?.length) out.evidence = answer.evidence;
  return out;
}

const splitRefs = (text: string) =>
  text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean);

function Questionnaire({ token, data }: { token: string; data: PortalQuestionnaire }) {
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<Draft>(data.answers);
  const [dirty, setDirty] = useState<Set<string>>(new Set());
  const [savedAt, setSavedAt] = useState<Date>();
  const [problem, setProblem] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const locked = LOCKED.has(data.status);
  const files = useQuery({
    queryKey: portalDocumentsKey(token),
    queryFn: async () =>
      unwrap(await api.GET("/api/portal/{token}/documents", { params: { path: { token } } })),
    retry: false,
  });
  const filesOf = (questionId: string) =>
    (files.data?.items ?? []).filter((f) => f.questionId === questionId);

  // Leaving with unsaved answers asks first: the respondent may have typed for an hour.
  useEffect(() => {
    if (dirty.size === 0) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const saveDirty = async () => {
    if (dirty.size === 0) return data;
    const answers: Record<string, Answer> = {};
    for (const id of dirty) {
      const a = draft[id];
      // Attached files stay referenced whatever the typed references say.
      if (a)
        answers[id] = normalise({
          ...a,
          evidence: [...filesOf(id).map((f) => f.id), ...typedRefs(a.evidence)],
        });
    }
    const next = unwrap(
      await api.PUT("/api/portal/{token}/answers", { params: { path: { token } }, body: { answers } }),
    );
    setDirty(new Set());
    setSavedAt(new Date());
    return next;
  };
  const save = useMutation({
    mutationFn: saveDirty,
    onMutate: () => setProblem(undefined),
    onSuccess: (next) => queryClient.setQueryData(portalKey(token), next),
    onError: (e) => setProblem(errorMessage(e)),
  });
  const submit = useMutation({
    mutationFn: async () => {
      await saveDirty();
      return unwrap(await api.POST("/api/portal/{token}/submit", { params: { path: { token } } }));
    },
    onMutate: () => setProblem(undefined),
    onSuccess: (next) => {
      setConfirming(false);
      queryClient.setQueryData(portalKey(token), next);
    },
    onError: (e) => {
      setConfirming(false);
      setProblem(errorMessage(e));
    },
  });

  const change = (id: string, patch: Partial<Answer>) => {
    setDraft((d) => ({ ...d, [id]: { ...(d[id] ?? { value: null }), ...patch } }));
    setDirty((s) => new Set(s).add(id));
  };

  // An attached file answers a question as much as a value does (the server counts it the same).
  const isAnswered = (id: string) =>
    normalise(draft[id] ?? { value: null }).value !== null || filesOf(id).length > 0;
  const answered = data.questions.filter((q) => isAnswered(q.id)).length;
  const requiredOpen = data.questions.filter((q) => q.required && !isAnswered(q.id)).length;

  return (
    <>
      <div className="mb-6">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">
          Questionnaire for {data.vendorName}
        </h1>
        <dl className="mt-2 flex flex-wrap gap-x-6 gap-y-1 text-sm text-slate-600">
          <div>
            <dt className="inline">Due: </dt>
            <dd className="inline font-medium text-slate-800" data-testid="portal-due">
              {data.dueDate ?? "no due date"}
            </dd>
          </div>
          <div>
            <dt className="inline">State: </dt>
            <dd className="inline font-medium text-slate-800" data-testid="portal-state">
              {locked ? `submitted${data.submittedOn ? ` on ${data.submittedOn}` : ""}` : "open for answers"}
            </dd>
          </div>
          <div>
            <dt className="inline">Answered: </dt>
            <dd className="inline font-medium text-slate-800">
              {answered} of {data.questions.length}
            </dd>
          </div>
        </dl>
        {files.data ? <LimitsNote limits={files.data.limits} /> : null}
        {locked ? (
          <p className="mt-4 rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
            Thank you: these answers were submitted and are now with the reviewer. They can no longer be
            changed here.
          </p>
        ) : (
          <p className="mt-4 text-sm text-slate-600">
            Answers are kept as a draft until you submit. Save as often as you like; after submitting, the
            answers can no longer be changed.
          </p>
        )}
      </div>

      <form
        aria-label="Questionnaire"
        className="space-y-8"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        {groupBy(data.questions, (q) => q.section).map(([section, questions]) => (
          <section key={section} className="card p-5" aria-labelledby={`section-${section}`}>
            <h2 id={`section-${section}`} className="mb-4 text-lg font-semibold text-slate-900">
              {sectionTitle(section)}
            </h2>
            <div className="divide-y divide-slate-100">
              {questions.map((q) => (
                <QuestionField
                  key={q.id}
                  question={q}
                  answer={draft[q.id]}
                  locked={locked}
                  onChange={(patch) => change(q.id, patch)}
                  files={
                    <AttachedFiles
                      token={token}
                      questionId={q.id}
                      files={filesOf(q.id)}
                      limits={files.data?.limits}
                      locked={locked}
                    />
                  }
                />
              ))}
            </div>
          </section>
        ))}

        {locked ? null : (
          <div className="sticky bottom-0 -mx-6 flex flex-wrap items-center gap-3 border-t border-slate-200 bg-white/95 px-6 py-3">
            <button type="submit" className="btn-secondary" disabled={save.isPending || submit.isPending}>
              {save.isPending ? "Saving…" : "Save draft"}
            </button>
            <button
              type="button"
              className="btn-primary"
              disabled={save.isPending || submit.isPending}
              onClick={() => setConfirming(true)}
            >
              Submit
            </button>
            <output className="text-sm text-slate-600" data-testid="save-state">
              {dirty.size > 0
                ? `Unsaved changes to ${dirty.size} question${dirty.size === 1 ? "" : "s"}`
                : savedAt
                  ? `Draft saved at ${savedAt.toLocaleTimeString()}`
                  : "No unsaved changes"}
            </output>
            <div className="w-full">
              <ErrorNote message={problem} />
            </div>
          </div>
        )}
      </form>

      <Dialog open={confirming} title="Submit the questionnaire?" onClose={() => setConfirming(false)}>
        <p className="text-sm text-slate-700">
          After submitting, the answers go to the reviewer and can no longer be changed through this link.
          {requiredOpen > 0
            ? ` ${requiredOpen} required question${requiredOpen === 1 ? " is" : "s are"} still unanswered.`
            : ""}
        </p>
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" className="btn-secondary" onClick={() => setConfirming(false)}>
            Keep editing
          </button>
          <button
            type="button"
            className="btn-primary"
            disabled={submit.isPending}
            onClick={() => submit.mutate()}
          >
            {submit.isPending ? "Submitting…" : "Submit answers"}
          </button>
        </div>
      </Dialog>
    </>
  );
}

function QuestionField({
  question: q,
  answer,
  locked,
  onChange,
  files,
}: {
  question: PortalQuestion;
  answer: Answer | undefined;
  locked: boolean;
  onChange: (patch: Partial<Answer>) => void;
  files: ReactNode;
}) {
  const value = answer?.value ?? null;
  const needsComment = typeof value === "string" && q.commentRequiredFor.includes(value);
  return (
    <fieldset className="py-4" data-testid={`question-${q.id}`}>
      <legend className="text-sm font-medium text-slate-900">
        <span className="mr-2 font-mono text-xs text-slate-500">{q.id}</span>
        {q.text}
        {q.required ? null : <span className="ml-2 text-xs font-normal text-slate-500">(optional)</span>}
      </legend>
      {q.help ? <p className="mt-1 text-xs text-slate-600">{q.help}</p> : null}
      {q.evidenceExpected.length ? (
        <p className="mt-1 text-xs text-slate-500">Evidence expected: {q.evidenceExpected.join("; ")}</p>
      ) : null}
      <div className="mt-3">
        {locked ? (
          <p className="whitespace-pre-wrap text-sm text-slate-800">{answerText(answer)}</p>
        ) : (
          <AnswerInput question={q} value={value} onChange={(v) => onChange({ value: v })} />
        )}
      </div>
      <div className="mt-3 grid gap-3 sm:grid-cols-2">
        <div>
          <label className="label" htmlFor={`comment-${q.id}`}>
            Comment{needsComment ? " (needed for this answer)" : ""}
          </label>
          <textarea
            id={`comment-${q.id}`}
            aria-label={`Comment on ${q.id}`}
            className="input min-h-16"
            readOnly={locked}
            value={answer?.comment ?? ""}
            onChange={(e) => onChange({ comment: e.target.value })}
          />
        </div>
        <div>
          <label className="label" htmlFor={`evidence-${q.id}`}>
            Evidence reference
          </label>
          <RefsInput
            id={`evidence-${q.id}`}
            label={`Evidence for ${q.id}`}
            readOnly={locked}
            placeholder="Document name or link; separate several with commas"
            refs={typedRefs(answer?.evidence)}
            onChange={(evidence) => onChange({ evidence })}
          />
        </div>
      </div>
      {files}
    </fieldset>
  );
}

/** A list of references typed as text: the text stays as typed, the list is what gets saved. */
function RefsInput({
  id,
  label,
  refs,
  placeholder,
  readOnly,
  onChange,
}: {
  id: string;
  label: string;
  refs: readonly string[];
  placeholder: string;
  readOnly?: boolean;
  onChange: (refs: string[]) => void;
}) {
  const [text, setText] = useState(refs.join(", "));
  return (
    <input
      id={id}
      aria-label={label}
      className="input"
      readOnly={readOnly}
      placeholder={placeholder}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(splitRefs(e.target.value));
      }}
    />
  );
}

function AnswerInput({
  question: q,
  value,
  onChange,
}: {
  question: PortalQuestion;
  value: Answer["value"];
  onChange: (value: Answer["value"]) => void;
}) {
  const label = `Answer to ${q.id}`;
  switch (q.answerType) {
    case "yes_no_partial_na": {
      const values = q.allowedValues ?? ["yes", "no", "partial"];
      return (
        <div role="radiogroup" aria-label={label} className="flex flex-wrap gap-4">
          {values.map((v) => (
            <label key={v} className="flex items-center gap-2 text-sm">
              <input
                type="radio"
                name={`answer-${q.id}`}
                value={v}
                checked={value === v}
                onChange={() => onChange(v)}
              />
              {YES_NO_LABELS[v] ?? v}
            </label>
          ))}
        </div>
      );
    }
    case "single_choice":
      return (
        <select
          aria-label={label}
          className="input"
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value || null)}
        >
          <option value="">Choose…</option>
          {(q.options ?? []).map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      );
    case "multi_choice": {
      const chosen = Array.isArray(value) ? value : [];
      return (
        // biome-ignore lint/a11y/useSemanticElements: the question's fieldset already holds the legend.
        <div role="group" aria-label={label} className="grid gap-1 sm:grid-cols-2">
          {(q.options ?? []).map((o) => (
            <label key={o.value} className="flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                checked={chosen.includes(o.value)}
                onChange={(e) =>
                  onChange(e.target.checked ? [...chosen, o.value] : chosen.filter((c) => c !== o.value))
                }
              />
              {o.label}
            </label>
          ))}
        </div>
      );
    }
    case "number":
      return (
        <div className="flex items-center gap-2">
          <input
            aria-label={label}
            type="number"
            min={0}
            step="any"
            className="input max-w-48"
            value={typeof value === "number" ? value : ""}
            onChange={(e) => onChange(e.target.value === "" ? null : Number(e.target.value))}
          />
          {q.unit ? <span className="text-sm text-slate-600">{q.unit}</span> : null}
        </div>
      );
    case "date":
      return (
        <input
          aria-label={label}
          type="date"
          className="input max-w-48"
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value || null)}
        />
      );
    case "file":
      return (
        <RefsInput
          id={`answer-${q.id}`}
          label={label}
          placeholder="File names or links; separate several with commas"
          refs={Array.isArray(value) ? value : []}
          onChange={onChange}
        />
      );
    default:
      return (
        <textarea
          aria-label={label}
          className="input min-h-20"
          value={typeof value === "string" ? value : ""}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

function LimitsNote({ limits }: { limits: Limits }) {
  return (
    <p className="mt-2 text-sm text-slate-600" data-testid="portal-limits">
      Files can be attached to each question: up to {formatBytes(limits.maxBytes)} each, at most{" "}
      {limits.filesPerQuestion} per question, as {limits.kinds.map((k) => KIND_LABELS[k]).join(", ")}.
    </p>
  );
}

/** A question's attached files: the list with remove buttons and the "Attach file" control. */
function AttachedFiles({
  token,
  questionId,
  files,
  limits,
  locked,
}: {
  token: string;
  questionId: string;
  files: PortalDocument[];
  limits: Limits | undefined;
  locked: boolean;
}) {
  const queryClient = useQueryClient();
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<{ name: string; fraction: number }>();
  const [problem, setProblem] = useState<string>();
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: portalDocumentsKey(token) });
  };
  const upload = useMutation({
    mutationFn: (file: File) =>
      uploadPortalFile(token, questionId, file, (fraction) => setProgress({ name: file.name, fraction })),
    onMutate: (file) => {
      setProblem(undefined);
      setProgress({ name: file.name, fraction: 0 });
    },
    onSettled: async () => {
      setProgress(undefined);
      if (input.current) input.current.value = "";
      await refresh();
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.DELETE("/api/portal/{token}/documents/{documentId}", {
          params: { path: { token, documentId: id } },
        }),
      ),
    onMutate: () => setProblem(undefined),
    onSettled: refresh,
    onError: (e) => setProblem(errorMessage(e)),
  });
  const pick = (file: File | undefined) => {
    if (!file) return;
    // Checked here first so a large file is not sent only to be refused; the server checks again.
    if (limits && file.size > limits.maxBytes) {
      setProblem(
        `${file.name} is ${formatBytes(file.size)}; files can be at most ${formatBytes(limits.maxBytes)}.`,
      );
      if (input.current) input.current.value = "";
      return;
    }
    if (file.size === 0) {
      setProblem(`${file.name} is empty.`);
      if (input.current) input.current.value = "";
      return;
    }
    upload.mutate(file);
  };
  if (locked && files.length === 0) return null;
  const full = limits !== undefined && files.length >= limits.filesPerQuestion;
  return (
    <div className="mt-3" data-testid={`files-${questionId}`}>
      {files.length ? (
        <ul className="mb-2 space-y-1" aria-label={`Files attached to ${questionId}`}>
          {files.map((f) => (
            <li key={f.id} className="flex flex-wrap items-center gap-2 text-sm text-slate-800">
              <span className="font-medium">{f.fileName}</span>
              <span className="text-xs text-slate-500">{formatBytes(f.size)}</span>
              {locked ? null : (
                <button
                  type="button"
                  className="text-xs font-medium text-red-700 underline hover:text-red-900"
                  aria-label={`Remove ${f.fileName}`}
                  disabled={remove.isPending}
                  onClick={() => remove.mutate(f.id)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {locked ? null : (
        <div className="flex flex-wrap items-center gap-3">
          <label htmlFor={inputId} className="text-sm font-medium text-slate-700">
            Attach file
          </label>
          <input
            id={inputId}
            ref={input}
            type="file"
            aria-label={`Attach file to ${questionId}`}
            className="text-sm"
            disabled={upload.isPending || full}
            accept={limits ? limits.kinds.map((k) => KIND_EXTENSIONS[k]).join(",") : undefined}
            onChange={(e) => pick(e.target.files?.[0])}
          />
          {full ? <span className="text-xs text-slate-500">The most files a question takes.</span> : null}
          {progress ? (
            <span className="flex items-center gap-2 text-xs text-slate-600" aria-live="polite">
              <progress
                max={100}
                value={Math.round(progress.fraction * 100)}
                aria-label={`Uploading ${progress.name}`}
                className="h-2 w-32"
              />
              {progress.fraction < 1
                ? `Uploading ${progress.name}: ${Math.round(progress.fraction * 100)}%`
                : `Reading ${progress.name}…`}
            </span>
          ) : null}
        </div>
      )}
      {problem ? (
        <p role="alert" className="mt-1 text-sm text-red-700" data-testid={`file-error-${questionId}`}>
          {problem}
        </p>
      ) : null}
    </div>
  );
}
