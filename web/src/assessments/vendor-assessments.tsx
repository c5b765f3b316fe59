import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { api, unwrap } from "../api/client";
import { ErrorNote } from "../components/ui";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";
import { AssessmentStatusBadge, OverdueMarker, StartAssessmentButton } from "./parts";
import { DECISION_LABELS } from "./vocabulary";

/** The vendor page's list of its assessments, newest first, with a button to start one. */
export function VendorAssessments({ vendorId }: { vendorId: string }) {
  const canWrite = useCanWrite();
  const list = useQuery({
    queryKey: ["assessments", { vendorId }],
    queryFn: async () =>
      unwrap(await api.GET("/api/assessments", { params: { query: { vendorId, limit: 20 } } })),
  });
  return (
    <section className="card p-5" aria-labelledby="vendor-assessments-title">
      <div className="flex items-center justify-between gap-2">
        <h2 id="vendor-assessments-title" className="text-base font-semibold">
          Assessments
        </h2>
      </div>
      <ErrorNote message={list.error ? errorMessage(list.error) : undefined} />
      {list.data?.items.length ? (
        <ul className="mt-2 divide-y divide-slate-100 text-sm">
          {list.data.items.map((a) => (
            <li key={a.id} className="flex flex-wrap items-center gap-2 py-2">
              <Link to="/assessments/$id" params={{ id: a.id }} className="text-sky-700 hover:underline">
                {a.createdAt.slice(0, 10)}
              </Link>
              <AssessmentStatusBadge status={a.status} />
              {a.decision ? (
                <span className="text-xs text-slate-600">{DECISION_LABELS[a.decision]}</span>
              ) : null}
              {a.dueDate && a.status !== "decided" ? (
                <span className="text-xs text-slate-600">due {a.dueDate}</span>
              ) : null}
              {a.overdue ? <OverdueMarker /> : null}
            </li>
          ))}
        </ul>
      ) : list.data ? (
        <p className="mt-2 text-sm text-slate-600">No assessment yet.</p>
      ) : null}
      {canWrite ? (
        <div className="mt-3">
          <StartAssessmentButton vendorId={vendorId} className="btn-secondary" />
        </div>
      ) : null}
    </section>
  );
}
