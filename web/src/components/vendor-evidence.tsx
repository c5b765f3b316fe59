import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { DocumentCitations } from "../assessments/document-citations";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";
import { ErrorNote, Field } from "./ui";

export type EvidenceDocument = components["schemas"]["Document"];
export type DocumentType = components["schemas"]["DocumentType"];
type Finding = EvidenceDocument["findings"][number];

export const DOCUMENT_TYPE_LABELS: Record<DocumentType, string> = {
  soc2_type1: "SOC 2 Type I report",
  soc2_type2: "SOC 2 Type II report",
  soc3: "SOC 3 report",
  bridge_letter: "Bridge letter",
  iso27001: "ISO/IEC 27001 certificate",
  iso42001: "ISO/IEC 42001 certificate",
  dpa: "Data processing agreement",
  baa: "Business associate agreement",
  contract: "Contract / MSA",
  no_training_confirmation: "No-training confirmation",
  model_card: "Model card",
  pentest_summary: "Penetration test summary",
  incident_response_plan: "Incident response plan",
  subprocessor_list: "Subprocessor list",
  insurance_certificate: "Insurance certificate",
  other: "Other",
};
const DOCUMENT_TYPES = Object.keys(DOCUMENT_TYPE_LABELS) as DocumentType[];

const SEVERITY_STYLES: Record<Finding["severity"], string> = {
  info: "border-slate-200 bg-slate-50 text-slate-700",
  low: "border-sky-200 bg-sky-50 text-sky-800",
  medium: "border-amber-200 bg-amber-50 text-amber-800",
  high: "border-orange-300 bg-orange-50 text-orange-800",
  critical: "border-red-300 bg-red-50 text-red-800",
};

export const documentsKey = ["documents"] as const;

/** "expired 12 days ago" / "expires in 30 days" / the date; nothing without an expiry date. */
export function ExpiryBadge({ document }: { document: Pick<EvidenceDocument, "expiry" | "expiresOn"> }) {
  const { state, daysLeft } = document.expiry;
  if (state === "none" || daysLeft === null) return null;
  const style =
    state === "expired"
      ? "border-red-300 bg-red-50 text-red-800"
      : state === "expiring"
        ? "border-amber-300 bg-amber-50 text-amber-800"
        : "border-emerald-200 bg-emerald-50 text-emerald-800";
  const text =
    state === "expired"
      ? `Expired ${-daysLeft} day${daysLeft === -1 ? "" : "s"} ago`
      : state === "expiring"
        ? daysLeft === 0
          ? "Expires today"
          : `Expires in ${daysLeft} day${daysLeft === 1 ? "" : "s"}`
        : `Valid until ${document.expiresOn}`;
  return (
    <span
      className={`inline-flex rounded-full border px-2 py-0.5 text-xs font-medium ${style}`}
      data-expiry={state}
      title={document.expiresOn ?? undefined}
    >
      {text}
    </span>
  );
}

/** Only PDFs open in the browser; the server refuses to show anything else inline. */
export function isViewable(document: Pick<EvidenceDocument, "mediaType">): boolean {
  return document.mediaType === "application/pdf";
}

/**
 * The address that opens a stored PDF in the browser's own viewer, at a page when one is given
 * (`#page=N` is the PDF fragment of RFC 8118, which Chromium's and Firefox's viewers follow).
 */
export function documentViewUrl(documentId: string, page?: number): string {
  const base = `/api/documents/${documentId}/view`;
  return page === undefined ? base : `${base}#page=${page}`;
}

/**
 * "page N" of a document: a link that opens a PDF at that page in a new tab, plain text for
 * documents the browser cannot show (Markdown model cards, Word files).
 */
export function PageReference({
  document,
  page,
  className = "",
}: {
  document: Pick<EvidenceDocument, "id" | "mediaType" | "title">;
  page: number;
  className?: string;
}) {
  if (!isViewable(document)) return <span className={className}>page {page}</span>;
  return (
    <a
      className={`${className} text-sky-700 underline hover:text-sky-900`}
      href={documentViewUrl(document.id, page)}
      target="_blank"
      rel="noopener"
      title={`Open ${document.title} at page ${page}`}
      data-page-link={page}
    >
      page {page}
    </a>
  );
}

type PageDocument = Pick<EvidenceDocument, "id" | "mediaType" | "title">;

/** A fact a reader extracted: its value, the page it is on and the words it was read from. */
interface QuotedFact {
  label: string;
  value: string;
  page: number;
  quote: string;
}

function isQuoted(x: unknown): x is { value: unknown; page: number; quote: string } {
  return (
    typeof x === "object" &&
    x !== null &&
    "value" in x &&
    typeof (x as { page?: unknown }).page === "number" &&
    typeof (x as { quote?: unknown }).quote === "string"
  );
}

function humanLabel(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/_/g, " ");
  return spaced.charAt(0).toUpperCase() + spaced.slice(1).toLowerCase();
}

function valueText(value: unknown): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.map(valueText).join(", ");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined && v !== "")
      .map(([k, v]) => `${humanLabel(k)}: ${valueText(v)}`)
      .join("; ");
  }
  return String(value).replace(/_/g, " ");
}

/** Collects every quoted fact in a reader's output, whatever its shape, in reading order. */
export function quotedFacts(analysis: unknown, limit = 60): QuotedFact[] {
  const facts: QuotedFact[] = [];
  const walk = (node: unknown, label: string, depth: number) => {
    if (facts.length >= limit || depth > 4 || node === null || typeof node !== "object") return;
    if (isQuoted(node)) {
      facts.push({ label, value: valueText(node.value), page: node.page, quote: node.quote });
      return;
    }
    if (Array.isArray(node)) {
      node.forEach((item, i) => {
        walk(item, `${label} ${i + 1}`, depth + 1);
      });
      return;
    }
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      // Sections of a SOC 2 report are layout, not facts.
      if (key === "sections" || key === "findings") continue;
      walk(child, humanLabel(key), depth + 1);
    }
  };
  walk(analysis, "", 0);
  return facts;
}

function FindingList({ findings, document }: { findings: Finding[]; document: PageDocument }) {
  if (findings.length === 0) return <p className="text-sm text-slate-500">No findings.</p>;
  return (
    <ul className="space-y-2" aria-label="Findings">
      {findings.map((f) => (
        <li
          key={`${f.rule}|${f.page ?? ""}|${f.quote ?? f.detail}`}
          className={`rounded-md border px-3 py-2 text-sm ${SEVERITY_STYLES[f.severity]}`}
        >
          <div className="flex flex-wrap items-center gap-2">
            <span className="text-xs font-semibold uppercase tracking-wide">{f.severity}</span>
            <span className="font-medium">{f.title}</span>
            {f.page ? <PageReference document={document} page={f.page} className="text-xs" /> : null}
          </div>
          <p className="mt-1">{f.detail}</p>
          {f.quote ? (
            <blockquote className="mt-1 border-l-2 border-current pl-2 italic">“{f.quote}”</blockquote>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

function stringList(x: unknown): string[] | null {
  return Array.isArray(x) && x.every((v) => typeof v === "string") ? (x as string[]) : null;
}

/** Readers that check for expected parts (model cards) list what is present and what is missing. */
function PresenceList({ analysis }: { analysis: unknown }) {
  if (typeof analysis !== "object" || analysis === null) return null;
  const present = stringList((analysis as { present?: unknown }).present);
  const missing = stringList((analysis as { missing?: unknown }).missing);
  if (!present && !missing) return null;
  return (
    <dl className="grid gap-2 text-sm sm:grid-cols-2">
      <div>
        <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Present</dt>
        <dd>{present && present.length > 0 ? present.map(humanLabel).join(", ") : "—"}</dd>
      </div>
      <div>
        <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">Missing</dt>
        <dd className={missing && missing.length > 0 ? "text-red-700" : ""}>
          {missing && missing.length > 0 ? missing.map(humanLabel).join(", ") : "nothing"}
        </dd>
      </div>
    </dl>
  );
}

function FactList({ analysis, document }: { analysis: unknown; document: PageDocument }) {
  const facts = quotedFacts(analysis);
  return (
    <div className="space-y-3">
      <PresenceList analysis={analysis} />
      {facts.length === 0 ? null : (
        <dl className="grid gap-3 sm:grid-cols-2" aria-label="Extracted facts">
          {facts.map((f) => (
            <div
              key={`${f.label}|${f.page}|${f.quote}`}
              className="rounded-md border border-slate-200 px-3 py-2"
            >
              <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{f.label}</dt>
              <dd className="text-sm text-slate-900">
                {f.value}{" "}
                <span className="text-xs text-slate-500">
                  (<PageReference document={document} page={f.page} />)
                </span>
              </dd>
              <dd className="mt-1 text-xs italic text-slate-600">“{f.quote}”</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}

const STATUS_TEXT: Record<EvidenceDocument["analysisStatus"], string> = {
  pending: "Not read yet",
  done: "Read",
  failed: "Could not be read",
  not_applicable: "No reader for this type",
};

/** One stored document: type, dates and expiry, what the reader found, and its actions. */
export function DocumentCard({
  document,
  showVendor = false,
}: {
  document: EvidenceDocument;
  showVendor?: boolean;
}) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const refresh = () => queryClient.invalidateQueries({ queryKey: documentsKey });
  const analyze = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/documents/{id}/analyze", { params: { path: { id: document.id } } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE("/api/documents/{id}", { params: { path: { id: document.id } } })),
    onSuccess: refresh,
  });
  return (
    <article className="card p-4" aria-label={document.title} data-document-id={document.id}>
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div>
          <h3 className="text-base font-semibold text-slate-900">{document.title}</h3>
          <p className="text-sm text-slate-600">
            {DOCUMENT_TYPE_LABELS[document.type]}
            {showVendor && document.vendorName ? ` · ${document.vendorName}` : ""}
            {document.issuedOn ? ` · issued ${document.issuedOn}` : ""}
            {document.questionId ? ` · answers ${document.questionId}` : ""}
          </p>
          <p className="mt-1 text-xs text-slate-500">
            {document.fileName} · {(document.size / 1024).toFixed(1)} KB · SHA-256{" "}
            {document.sha256.slice(0, 12)}…
          </p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <ExpiryBadge document={document} />
          <span className="text-xs text-slate-600" data-analysis={document.analysisStatus}>
            {STATUS_TEXT[document.analysisStatus]}
            {document.findings.length > 0 ? ` · ${document.findings.length} finding(s)` : ""}
          </span>
        </div>
      </div>
      {document.analysisStatus === "failed" ? (
        <ErrorNote message={document.analysisError ?? undefined} />
      ) : null}
      <div className="mt-3 flex flex-wrap gap-2">
        <button type="button" className="btn-secondary" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "Hide details" : "Facts and findings"}
        </button>
        {isViewable(document) ? (
          <a
            className="btn-secondary"
            href={documentViewUrl(document.id)}
            target="_blank"
            rel="noopener"
            aria-label={`View ${document.title}`}
          >
            View
          </a>
        ) : null}
        <a
          className="btn-secondary"
          href={`/api/documents/${document.id}/content`}
          download={document.fileName}
        >
          Download
        </a>
        {canWrite ? (
          <>
            <button
              type="button"
              className="btn-secondary"
              disabled={analyze.isPending}
              onClick={() => analyze.mutate()}
            >
              {analyze.isPending ? "Reading…" : "Re-analyse"}
            </button>
            <button
              type="button"
              className="btn-danger"
              disabled={remove.isPending}
              onClick={() => {
                if (window.confirm(`Delete "${document.title}"?`)) remove.mutate();
              }}
            >
              Delete
            </button>
          </>
        ) : null}
      </div>
      <ErrorNote message={analyze.error ? errorMessage(analyze.error) : undefined} />
      <ErrorNote message={remove.error ? errorMessage(remove.error) : undefined} />
      {open ? (
        <div className="mt-4 space-y-4">
          <section>
            <h4 className="mb-2 text-sm font-semibold text-slate-800">Findings</h4>
            <FindingList findings={document.findings} document={document} />
          </section>
          {document.vendorId ? (
            <DocumentCitations vendorId={document.vendorId} sha256={document.sha256} />
          ) : null}
          <section>
            <h4 className="mb-2 text-sm font-semibold text-slate-800">Extracted facts</h4>
            {document.analysisStatus === "done" ? (
              <FactList analysis={document.analysis} document={document} />
            ) : (
              <p className="text-sm text-slate-500">{STATUS_TEXT[document.analysisStatus]}.</p>
            )}
          </section>
        </div>
      ) : null}
    </article>
  );
}

/** The upload form: type, title, dates, question and the file, sent as the raw request body. */
function UploadForm({ vendorId }: { vendorId: string }) {
  const queryClient = useQueryClient();
  const [type, setType] = useState<DocumentType>("soc2_type2");
  const [title, setTitle] = useState("");
  const [issuedOn, setIssuedOn] = useState("");
  const [expiresOn, setExpiresOn] = useState("");
  const [questionId, setQuestionId] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [formKey, setFormKey] = useState(0);
  const upload = useMutation({
    mutationFn: async (chosen: File) =>
      unwrap(
        await api.POST("/api/vendors/{id}/documents", {
          params: {
            path: { id: vendorId },
            query: {
              type,
              fileName: chosen.name,
              ...(title.trim() ? { title: title.trim() } : {}),
              ...(issuedOn ? { issuedOn } : {}),
              ...(expiresOn ? { expiresOn } : {}),
              ...(questionId.trim() ? { questionId: questionId.trim() } : {}),
            },
          },
          // The file goes as it is; the server sniffs its type from the bytes.
          body: chosen as unknown as string,
          bodySerializer: (body: unknown) => body as BodyInit,
          headers: { "content-type": "application/octet-stream" },
        }),
      ),
    onSuccess: async () => {
      setTitle("");
      setIssuedOn("");
      setExpiresOn("");
      setQuestionId("");
      setFile(null);
      setFormKey((k) => k + 1);
      await queryClient.invalidateQueries({ queryKey: documentsKey });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (file) upload.mutate(file);
  };
  return (
    <form key={formKey} onSubmit={submit} className="card space-y-3 p-4" aria-label="Upload evidence">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Type" htmlFor="evidence-type">
          <select
            id="evidence-type"
            className="input"
            value={type}
            onChange={(e) => setType(e.target.value as DocumentType)}
          >
            {DOCUMENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {DOCUMENT_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Title" htmlFor="evidence-title" hint="Defaults to the file name">
          <input
            id="evidence-title"
            className="input"
            value={title}
            onChange={(e) => setTitle(e.target.value)}
          />
        </Field>
        <Field label="Issued on" htmlFor="evidence-issued">
          <input
            id="evidence-issued"
            type="date"
            className="input"
            value={issuedOn}
            onChange={(e) => setIssuedOn(e.target.value)}
          />
        </Field>
        <Field
          label="Expires on"
          htmlFor="evidence-expires"
          hint="Read from ISO certificates when left empty"
        >
          <input
            id="evidence-expires"
            type="date"
            className="input"
            value={expiresOn}
            onChange={(e) => setExpiresOn(e.target.value)}
          />
        </Field>
        <Field
          label="Question"
          htmlFor="evidence-question"
          hint="The question it answers, e.g. q07 (optional)"
        >
          <input
            id="evidence-question"
            className="input"
            value={questionId}
            onChange={(e) => setQuestionId(e.target.value)}
          />
        </Field>
        <Field label="File" htmlFor="evidence-file" hint="PDF, Word, Markdown, text, JSON, HTML or an image">
          <input
            id="evidence-file"
            type="file"
            className="input"
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
        </Field>
      </div>
      <ErrorNote message={upload.error ? errorMessage(upload.error) : undefined} />
      <button type="submit" className="btn-primary" disabled={!file || upload.isPending}>
        {upload.isPending ? "Uploading and reading…" : "Upload"}
      </button>
    </form>
  );
}

/** The evidence section of a vendor's page: upload, and every document with its facts and findings. */
export function VendorEvidence({ vendorId }: { vendorId: string }) {
  const canWrite = useCanWrite();
  const docs = useQuery({
    queryKey: [...documentsKey, "vendor", vendorId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/vendors/{id}/documents", {
          params: { path: { id: vendorId }, query: { limit: 200 } },
        }),
      ),
  });
  return (
    <section className="space-y-4" aria-label="Evidence">
      <h2 className="text-lg font-semibold text-slate-900">Evidence</h2>
      {canWrite ? <UploadForm vendorId={vendorId} /> : null}
      <ErrorNote message={docs.error ? errorMessage(docs.error) : undefined} />
      {docs.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {docs.data && docs.data.items.length === 0 ? (
        <p className="text-sm text-slate-500">No documents yet.</p>
      ) : null}
      <div className="space-y-3">
        {docs.data?.items.map((d) => (
          <DocumentCard key={d.id} document={d} />
        ))}
      </div>
    </section>
  );
}
