import { useQueries, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, unwrap } from "../api/client";
import { SeverityBadge } from "./parts";

/** How many of the vendor's newest assessments are searched for citations. */
const ASSESSMENTS_SEARCHED = 5;

/**
 * The assessment findings that cite one document (by its SHA-256): contradictions and evidence
 * findings of the vendor's newest assessments, each linking to its assessment. Meant to be shown
 * when a document's details are opened, since it asks for each assessment's analysis.
 */
export function DocumentCitations({ vendorId, sha256 }: { vendorId: string; sha256: string }) {
  const list = useQuery({
    queryKey: ["assessments", { vendorId }],
    queryFn: async () =>
      unwrap(await api.GET("/api/assessments", { params: { query: { vendorId, limit: 20 } } })),
  });
  const assessments = (list.data?.items ?? []).slice(0, ASSESSMENTS_SEARCHED);
  const analyses = useQueries({
    queries: assessments.map((a) => ({
      queryKey: ["assessment", a.id, "analysis", a.updatedAt],
      queryFn: async () =>
        unwrap(await api.GET("/api/assessments/{id}/analysis", { params: { path: { id: a.id } } })),
    })),
  });
  const citing = assessments.flatMap((a, i) =>
    (analyses[i]?.data?.findings ?? [])
      .filter((f) => f.evidence.some((e) => e.kind === "document" && e.documentSha256 === sha256))
      .map((f) => ({ assessment: a, finding: f })),
  );
  const loading = list.isLoading || analyses.some((q) => q.isLoading);
  return (
    <section aria-label="Cited by assessment findings">
      <h4 className="mb-2 text-sm font-semibold text-slate-800">Cited by assessment findings</h4>
      {loading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {!loading && citing.length === 0 ? (
        <p className="text-sm text-slate-500">No assessment finding cites this document.</p>
      ) : null}
      <ul className="space-y-1 text-sm">
        {citing.map(({ assessment, finding }) => (
          <li key={`${assessment.id}:${finding.id}`} className="flex flex-wrap items-center gap-2">
            <SeverityBadge severity={finding.severity} />
            <span
              className={finding.kind === "contradiction" ? "font-medium text-violet-800" : "text-slate-800"}
            >
              {finding.title}
            </span>
            <Link
              to="/assessments/$id"
              params={{ id: assessment.id }}
              className="text-xs text-sky-700 hover:underline"
            >
              assessment of {assessment.createdAt.slice(0, 10)}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
