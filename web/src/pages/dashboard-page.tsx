import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { EmptyState, ErrorNote, PageHeader } from "../components/ui";
import { StatusBadge, TierBadge } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import { STATUS_LABELS, STATUSES, TIERS, type Tier, type VendorStatus } from "../inventory/vocabulary";
import { errorMessage } from "../session";

const TIER_TILE: Record<Tier, string> = {
  1: "border-emerald-200 bg-emerald-50 text-emerald-900",
  2: "border-amber-200 bg-amber-50 text-amber-900",
  3: "border-red-200 bg-red-50 text-red-900",
};
const TIER_MEANING: Record<Tier, string> = {
  1: "internal, non-sensitive",
  2: "customer-facing or customer data",
  3: "regulated, decision-critical or sensitive data",
};

const isStatus = (s: string): s is VendorStatus => (STATUSES as readonly string[]).includes(s);

/** Inventory at a glance: tiers, statuses, reviews coming due and vendors nobody has reviewed. */
export function DashboardPage({ isAdmin }: { isAdmin: boolean }) {
  const dashboard = useQuery({
    queryKey: ["dashboard"],
    queryFn: async () => unwrap(await api.GET("/api/dashboard")),
  });
  const d = dashboard.data;
  return (
    <>
      <PageHeader
        title="Dashboard"
        description="Your AI vendors at a glance: tiers, reviews due, open findings and unreviewed AI use."
      />
      <ErrorNote message={dashboard.error ? errorMessage(dashboard.error) : undefined} />
      {dashboard.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {d && d.vendors === 0 ? <EmptyWorkspace isAdmin={isAdmin} /> : null}
      {d && d.vendors > 0 ? (
        <div className="space-y-6">
          <section aria-labelledby="tiles-tier" className="grid gap-4 md:grid-cols-4">
            <h2 id="tiles-tier" className="sr-only">
              Vendors by tier
            </h2>
            <Link to="/vendors" className="card block p-4 hover:bg-slate-50">
              <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Vendors</div>
              <div className="mt-1 text-3xl font-semibold tabular-nums">{d.vendors}</div>
              <div className="text-xs text-slate-500">in the inventory</div>
            </Link>
            {TIERS.map((t) => (
              <Link
                key={t}
                to="/vendors"
                search={{ tier: String(t) }}
                className={`block rounded-lg border p-4 shadow-sm hover:brightness-95 ${TIER_TILE[t]}`}
                aria-label={`Tier ${t}: ${d.byTier[t]} ${d.byTier[t] === 1 ? "vendor" : "vendors"}`}
              >
                <div className="text-xs font-medium uppercase tracking-wide">Tier {t}</div>
                <div className="mt-1 text-3xl font-semibold tabular-nums">{d.byTier[t]}</div>
                <div className="text-xs">{TIER_MEANING[t]}</div>
              </Link>
            ))}
          </section>

          <div className="grid gap-6 lg:grid-cols-3">
            <section className="card p-5" aria-labelledby="tiles-status">
              <h2 id="tiles-status" className="text-base font-semibold">
                By status
              </h2>
              <ul className="mt-3 space-y-2 text-sm">
                {STATUSES.map((s) => (
                  <li key={s} className="flex items-center justify-between">
                    <Link to="/vendors" search={{ status: s }} className="hover:underline">
                      <StatusBadge status={s} />
                    </Link>
                    <span className="tabular-nums font-medium">{d.byStatus[s] ?? 0}</span>
                  </li>
                ))}
              </ul>
            </section>

            <section className="card p-5" aria-labelledby="tiles-due">
              <h2 id="tiles-due" className="text-base font-semibold">
                Reviews due in the next 30 days
              </h2>
              {d.overdueReviews > 0 ? (
                <p className="mt-2 rounded-md bg-red-50 px-3 py-2 text-sm font-medium text-red-800">
                  {d.overdueReviews} {d.overdueReviews === 1 ? "review is" : "reviews are"} overdue ·{" "}
                  <Link to="/vendors" search={{ sort: "nextReviewDue" }} className="underline">
                    oldest first
                  </Link>
                </p>
              ) : (
                <p className="mt-2 text-sm text-emerald-800">No review is overdue.</p>
              )}
              {d.reviewsDueNext30Days.length === 0 ? (
                <p className="mt-3 text-sm text-slate-600">Nothing comes due in the next 30 days.</p>
              ) : (
                <ul className="mt-3 divide-y divide-slate-100 text-sm">
                  {d.reviewsDueNext30Days.map((r) => (
                    <li key={r.id} className="flex items-center justify-between gap-2 py-1.5">
                      <Link to="/vendors/$id" params={{ id: r.id }} className="text-teal-800 hover:underline">
                        {r.name}
                      </Link>
                      <span className="flex items-center gap-2">
                        <TierBadge tier={r.tier} />
                        <span className="whitespace-nowrap tabular-nums text-slate-600">
                          {r.nextReviewDue}
                        </span>
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </section>

            <section className="card p-5" aria-labelledby="tiles-unreviewed">
              <h2 id="tiles-unreviewed" className="text-base font-semibold">
                Unreviewed vendors ({d.unreviewed.length})
              </h2>
              <p className="text-xs text-slate-500">Never through a completed review yet.</p>
              {d.unreviewed.length === 0 ? (
                <p className="mt-3 text-sm text-slate-600">Every vendor has been through a review.</p>
              ) : (
                <ul className="mt-3 divide-y divide-slate-100 text-sm">
                  {d.unreviewed.map((v) => (
                    <li key={v.id} className="flex items-center justify-between gap-2 py-1.5">
                      <Link to="/vendors/$id" params={{ id: v.id }} className="text-teal-800 hover:underline">
                        {v.name}
                      </Link>
                      {isStatus(v.status) ? (
                        <StatusBadge status={v.status} />
                      ) : (
                        <span className="text-xs">{STATUS_LABELS.proposed}</span>
                      )}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>
          <CompanyDiagram version={dashboard.dataUpdatedAt} />
        </div>
      ) : null}
    </>
  );
}

/** Every vendor's integrations in one picture: feature → data classes → vendor service → region. */
function CompanyDiagram({ version }: { version: number }) {
  const [failed, setFailed] = useState<number | null>(null);
  return (
    <section className="card p-5" aria-labelledby="company-diagram">
      <div className="flex items-center justify-between">
        <h2 id="company-diagram" className="text-base font-semibold">
          Company data flow
        </h2>
        <a className="text-sm text-teal-700 underline" href="/api/diagram.svg" download="data-flow.svg">
          Download SVG
        </a>
      </div>
      {failed === version ? (
        <p className="mt-3 text-sm text-slate-600">The diagram could not be drawn.</p>
      ) : (
        <div className="mt-3 max-h-[40rem] overflow-auto">
          <img
            src={`/api/diagram.svg?v=${version}`}
            alt="Data-flow diagram of every AI vendor and integration"
            className="max-w-none"
            onError={() => setFailed(version)}
          />
        </div>
      )}
    </section>
  );
}

function EmptyWorkspace({ isAdmin }: { isAdmin: boolean }) {
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [problem, setProblem] = useState<string>();
  const demo = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/demo")),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      await queryClient.invalidateQueries({ queryKey: ["vendors"] });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  return (
    <EmptyState title="No AI vendors yet">
      <p>
        Record the AI vendors your company uses and what each integration sends them. Tiers, due reviews and
        unreviewed vendors appear here as the inventory grows.
      </p>
      <div className="mt-4 flex flex-wrap justify-center gap-2">
        {canWrite ? (
          <Link to="/vendors/catalog" className="btn-primary">
            Add a vendor from the catalogue
          </Link>
        ) : (
          <p className="text-slate-600">An assessor or an admin records the vendors.</p>
        )}
        {isAdmin ? (
          <button
            type="button"
            className="btn-secondary"
            disabled={demo.isPending}
            onClick={() => {
              setProblem(undefined);
              demo.mutate();
            }}
          >
            {demo.isPending ? "Filling…" : "Fill a demo workspace"}
          </button>
        ) : null}
      </div>
      <div className="mt-3 text-left">
        <ErrorNote message={problem} />
      </div>
    </EmptyState>
  );
}
