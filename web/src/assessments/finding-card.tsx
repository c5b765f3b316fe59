import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import { documentsKey, PageReference } from "../components/vendor-evidence";
import { SeverityBadge } from "./parts";
import { type AssessmentFinding, DIMENSION_LABELS } from "./vocabulary";

type Evidence = AssessmentFinding["evidence"][number];

const KIND_LABELS: Partial<Record<AssessmentFinding["kind"], { text: string; style: string }>> = {
  red_flag: { text: "Red flag", style: "bg-red-600 text-white" },
  contradiction: { text: "Contradiction", style: "bg-violet-700 text-white" },
  document: { text: "Evidence", style: "bg-slate-700 text-white" },
  usage: { text: "Usage", style: "bg-teal-700 text-white" },
};

/** The vendor's documents by SHA-256, so a quote can link to the file it came from. */
function useDocumentsBySha(vendorId: string | undefined) {
  const docs = useQuery({
    queryKey: [...documentsKey, "vendor", vendorId],
    enabled: vendorId !== undefined,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/vendors/{id}/documents", {
          params: { path: { id: vendorId ?? "" }, query: { limit: 200 } },
        }),
      ),
  });
  return new Map((docs.data?.items ?? []).map((d) => [d.sha256, d]));
}

function AnswerQuote({ e }: { e: Extract<Evidence, { kind: "answer" }> }) {
  return (
    <div data-evidence="answer">
      <p className="text-xs text-slate-500">
        <span className="font-mono">{e.questionId}</span>
        {e.questionText ? ` · ${e.questionText}` : ""}
      </p>
      <blockquote className="mt-0.5 border-l-2 border-sky-400 pl-2 italic text-slate-800">
        “{e.quote}”
      </blockquote>
    </div>
  );
}

/** The page a document quote's location names ("page 4"), if it names one. */
function pageOf(location: string | undefined): number | undefined {
  const match = location ? /^page (\d+)$/.exec(location.trim()) : null;
  return match?.[1] ? Number(match[1]) : undefined;
}

function DocumentQuote({
  e,
  documents,
}: {
  e: Extract<Evidence, { kind: "document" }>;
  documents: ReturnType<typeof useDocumentsBySha>;
}) {
  const doc = e.documentSha256 ? documents.get(e.documentSha256) : undefined;
  const name = e.documentName ?? doc?.title ?? "document";
  const page = pageOf(e.location);
  return (
    <div data-evidence="document">
      <p className="text-xs text-slate-500">
        {doc ? (
          <a
            className="font-medium text-sky-700 underline"
            href={`/api/documents/${doc.id}/content`}
            download={doc.fileName}
            title={`SHA-256 ${doc.sha256}`}
          >
            {name}
          </a>
        ) : (
          <span className="font-medium">{name}</span>
        )}
        {e.location ? " · " : ""}
        {doc && page !== undefined ? <PageReference document={doc} page={page} /> : (e.location ?? "")}
      </p>
      <blockquote className="mt-0.5 border-l-2 border-violet-400 pl-2 italic text-slate-800">
        “{e.quote}”
      </blockquote>
    </div>
  );
}

function ObservationQuote({ e }: { e: Extract<Evidence, { kind: "observation" }> }) {
  return (
    <div data-evidence="observation">
      <p className="text-xs text-slate-500">{e.source}</p>
      <blockquote className="mt-0.5 border-l-2 border-teal-400 pl-2 italic text-slate-800">
        “{e.quote}”
      </blockquote>
    </div>
  );
}

/**
 * One finding with its evidence: answers quoted with their question, document quotes with the
 * document's name (a link to the file) and page (a link that opens a PDF at that page),
 * observations with their source. A contradiction
 * shows the answer and the document side by side.
 */
export function FindingCard({ finding, vendorId }: { finding: AssessmentFinding; vendorId?: string }) {
  const kind = KIND_LABELS[finding.kind];
  const redFlag = finding.kind === "red_flag";
  const needsDocuments = finding.evidence.some((e) => e.kind === "document");
  const documents = useDocumentsBySha(needsDocuments ? vendorId : undefined);
  const answers = finding.evidence.filter((e) => e.kind === "answer");
  const rest = finding.evidence.filter((e) => e.kind !== "answer");
  const sideBySide = finding.kind === "contradiction" && answers.length > 0 && rest.length > 0;
  const render = (e: Evidence, i: number) => (
    <li key={i} className="text-sm">
      {e.kind === "answer" ? (
        <AnswerQuote e={e} />
      ) : e.kind === "document" ? (
        <DocumentQuote e={e} documents={documents} />
      ) : (
        <ObservationQuote e={e} />
      )}
    </li>
  );
  return (
    <article
      aria-label={finding.title}
      data-testid={redFlag ? "red-flag" : "finding"}
      data-kind={finding.kind}
      className={`rounded-md border p-3 text-sm ${redFlag ? "border-red-300 bg-red-50" : finding.kind === "contradiction" ? "border-violet-300 bg-violet-50" : "border-slate-200 bg-white"}`}
    >
      <div className="flex flex-wrap items-center gap-2">
        {kind ? (
          <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${kind.style}`}>{kind.text}</span>
        ) : null}
        <SeverityBadge severity={finding.severity} />
        <span className="font-medium text-slate-900">{finding.title}</span>
        <span className="text-xs text-slate-500">
          {DIMENSION_LABELS[finding.dimension] ?? finding.dimension}
        </span>
      </div>
      <p className="mt-1 text-slate-700">{finding.explanation}</p>
      {sideBySide ? (
        <div className="mt-2 grid gap-3 sm:grid-cols-2">
          <div>
            <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">The answer</p>
            <ul className="mt-1 space-y-2">{answers.map(render)}</ul>
          </div>
          <div>
            <p className="text-xs font-semibold uppercase tracking-wide text-slate-500">The evidence</p>
            <ul className="mt-1 space-y-2">{rest.map(render)}</ul>
          </div>
        </div>
      ) : finding.evidence.length ? (
        <ul className="mt-2 space-y-2">{finding.evidence.map(render)}</ul>
      ) : null}
    </article>
  );
}
