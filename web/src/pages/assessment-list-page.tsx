import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { AssessmentStatusBadge, OverdueMarker, StartAssessmentButton } from "../assessments/parts";
import {
  ASSESSMENT_STATUS_LABELS,
  ASSESSMENT_STATUSES,
  type AssessmentStatus,
} from "../assessments/vocabulary";
import { Dialog } from "../components/dialog";
import { EmptyState, ErrorNote, Field, PageHeader } from "../components/ui";
import { TierBadge } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import type { Tier } from "../inventory/vocabulary";
import { errorMessage } from "../session";

export interface AssessmentSearch {
  status?: AssessmentStatus;
}

export function parseAssessmentSearch(search: Record<string, unknown>): AssessmentSearch {
  const status = ASSESSMENT_STATUSES.find((s) => s === search.status);
  return status ? { status } : {};
}

const tierOf = (n: number): Tier => (n === 1 || n === 3 ? n : 2);

/** Every assessment: vendor, tier, state, due date; filtered by state. */
export function AssessmentListPage({
  search,
  onSearch,
}: {
  search: AssessmentSearch;
  onSearch: (next: AssessmentSearch) => void;
}) {
  const canWrite = useCanWrite();
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ["assessments", search],
    queryFn: async () =>
      unwrap(await api.GET("/api/assessments", { params: { query: { status: search.status, limit: 200 } } })),
  });
  return (
    <>
      <PageHeader
        title="Assessments"
        description="Questionnaires sent to vendors: who has answered, what is overdue, and what waits for a decision."
        actions={
          <>
            <Link to="/assessments/remediation" className="btn-secondary">
              Remediation
            </Link>
            {canWrite ? (
              <button type="button" className="btn-primary" onClick={() => setCreating(true)}>
                New assessment
              </button>
            ) : null}
          </>
        }
      />
      {/* biome-ignore lint/a11y/useSemanticElements: a toolbar of filter buttons, not a form group. */}
      <div role="group" aria-label="Filter by state" className="mb-4 flex flex-wrap gap-2">
        <FilterButton active={!search.status} onClick={() => onSearch({})}>
          All
        </FilterButton>
        {ASSESSMENT_STATUSES.map((s) => (
          <FilterButton key={s} active={search.status === s} onClick={() => onSearch({ status: s })}>
            {ASSESSMENT_STATUS_LABELS[s]}
          </FilterButton>
        ))}
      </div>
      <ErrorNote message={list.error ? errorMessage(list.error) : undefined} />
      {list.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {list.data && list.data.items.length === 0 ? (
        <EmptyState title={search.status ? "No assessments in this state" : "No assessments yet"}>
          Start one from a vendor's page or with “New assessment”: the vendor's tier picks the questions.
        </EmptyState>
      ) : null}
      {list.data && list.data.items.length > 0 ? (
        <div className="card overflow-x-auto">
          <table className="w-full text-left text-sm" aria-label="Assessments">
            <thead className="border-b border-slate-200 bg-slate-50 text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">Vendor</th>
                <th className="px-4 py-2">Tier</th>
                <th className="px-4 py-2">State</th>
                <th className="px-4 py-2">Answered</th>
                <th className="px-4 py-2">Due</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {list.data.items.map((a) => (
                <tr key={a.id} data-testid="assessment-row">
                  <td className="px-4 py-2">
                    <Link
                      to="/assessments/$id"
                      params={{ id: a.id }}
                      className="font-medium text-sky-700 hover:underline"
                    >
                      {a.vendorName}
                    </Link>
                  </td>
                  <td className="px-4 py-2">
                    <TierBadge tier={tierOf(a.tier)} />
                  </td>
                  <td className="px-4 py-2">
                    <AssessmentStatusBadge status={a.status} />
                  </td>
                  <td className="px-4 py-2 tabular-nums">
                    {a.answeredCount} / {a.questionCount}
                  </td>
                  <td className="px-4 py-2 tabular-nums">
                    {a.dueDate ?? "—"}
                    {a.overdue ? <OverdueMarker /> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="px-4 py-2 text-xs text-slate-500">
            {list.data.total} assessment{list.data.total === 1 ? "" : "s"}
          </p>
        </div>
      ) : null}
      <Dialog open={creating} title="New assessment" onClose={() => setCreating(false)}>
        <NewAssessment />
      </Dialog>
    </>
  );
}

function FilterButton({
  active,
  onClick,
  children,
}: {
  active: boolean;
  onClick: () => void;
  children: React.ReactNode;
}) {
  return (
    <button
      type="button"
      aria-pressed={active}
      className={`rounded-full px-3 py-1 text-sm ring-1 ring-inset ${active ? "bg-slate-900 text-white ring-slate-900" : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50"}`}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

function NewAssessment() {
  const vendors = useQuery({
    queryKey: ["vendors", { limit: 200, sort: "name" }],
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors", { params: { query: { limit: 200, sort: "name" } } })),
  });
  const [vendorId, setVendorId] = useState("");
  const items = vendors.data?.items.filter((v) => v.status !== "offboarded") ?? [];
  return (
    <div className="space-y-4">
      <ErrorNote message={vendors.error ? errorMessage(vendors.error) : undefined} />
      <Field
        label="Vendor"
        htmlFor="new-assessment-vendor"
        hint="The vendor's current tier picks the question set."
      >
        <select
          id="new-assessment-vendor"
          className="input"
          value={vendorId}
          onChange={(e) => setVendorId(e.target.value)}
        >
          <option value="">Choose a vendor…</option>
          {items.map((v) => (
            <option key={v.id} value={v.id}>
              {v.name} (tier {v.tier})
            </option>
          ))}
        </select>
      </Field>
      {vendorId ? <StartAssessmentButton vendorId={vendorId} /> : null}
    </div>
  );
}
