import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { ErrorNote, PageHeader } from "../components/ui";
import { Fact, FactMeta } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import { CATEGORY_LABELS, type CatalogVendor } from "../inventory/vocabulary";
import { errorMessage } from "../session";

/** The built-in AI vendor catalogue; adding an entry creates a vendor pre-filled with its facts. */
export function CatalogPage() {
  const catalog = useQuery({
    queryKey: ["catalog"],
    queryFn: async () => unwrap(await api.GET("/api/catalog/vendors")),
    staleTime: 5 * 60_000,
  });
  const [filter, setFilter] = useState("");
  const items = (catalog.data?.items ?? []).filter((v) =>
    `${v.name} ${v.slug}`.toLowerCase().includes(filter.trim().toLowerCase()),
  );
  return (
    <>
      <PageHeader
        title="Add from catalogue"
        description="Common AI vendors with what they publish about certifications, training on API data, retention, BAAs and residency. Every fact carries its source and the date it was checked; facts marked uncertain still need re-verification."
        actions={
          <Link to="/vendors" className="btn-secondary">
            Back to vendors
          </Link>
        }
      />
      <div className="mb-4 max-w-sm">
        <label className="label" htmlFor="catalog-filter">
          Find in catalogue
        </label>
        <input
          id="catalog-filter"
          type="search"
          className="input"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      <ErrorNote message={catalog.error ? errorMessage(catalog.error) : undefined} />
      {catalog.isLoading ? <p className="text-sm text-slate-500">Loading…</p> : null}
      <div className="grid gap-4 xl:grid-cols-2">
        {items.map((entry) => (
          <CatalogCard key={entry.slug} entry={entry} />
        ))}
      </div>
    </>
  );
}

function CatalogCard({ entry }: { entry: CatalogVendor }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [problem, setProblem] = useState<string>();
  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/vendors/from-catalog/{slug}", {
          params: { path: { slug: entry.slug } },
          body: {},
        }),
      ),
    onSuccess: async (vendor) => {
      await queryClient.invalidateQueries({ queryKey: ["vendors"] });
      await queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      await navigate({ to: "/vendors/$id", params: { id: vendor.id } });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const titleId = `catalog-${entry.slug}`;
  return (
    <article className="card flex flex-col p-5" aria-labelledby={titleId}>
      <div className="flex items-start justify-between gap-3">
        <div>
          <h2 id={titleId} className="text-lg font-semibold text-slate-900">
            {entry.name}
          </h2>
          <p className="text-sm text-slate-600">
            {CATEGORY_LABELS[entry.category]} ·{" "}
            <a href={entry.website} className="text-teal-700 underline" target="_blank" rel="noreferrer">
              {entry.website.replace(/^https?:\/\//, "")}
            </a>
          </p>
          <p className="mt-1 text-xs text-slate-500">
            Services: {entry.services.map((s) => s.name).join(", ") || "—"}
          </p>
        </div>
        {canWrite ? (
          <button
            type="button"
            className="btn-primary shrink-0"
            aria-label={`Add ${entry.name}`}
            disabled={add.isPending}
            onClick={() => {
              setProblem(undefined);
              add.mutate();
            }}
          >
            {add.isPending ? "Adding…" : "Add"}
          </button>
        ) : null}
      </div>
      <ErrorNote message={problem} />
      <div className="mt-3">
        <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">Certifications claimed</h3>
        {entry.certifications.length === 0 ? (
          <p className="text-sm italic text-slate-500">none recorded</p>
        ) : (
          <ul className="mt-1 space-y-0.5 text-sm">
            {entry.certifications.map((c) => (
              <li key={`${c.name}-${c.scope ?? ""}`}>
                <span className="font-medium">{c.name}</span>
                {c.scope ? <span className="text-slate-600"> — {c.scope}</span> : null}
                <FactMeta asOf={c.asOf} uncertain={c.uncertain} source={c.source} />
              </li>
            ))}
          </ul>
        )}
      </div>
      <dl className="mt-2 grid gap-x-6 sm:grid-cols-2">
        <Fact label="Trains on API data" fact={entry.trainingOnApiData} />
        <Fact label="API data retention" fact={entry.apiRetention} />
        <Fact label="Zero retention" fact={entry.zeroRetention} />
        <Fact label="BAA (HIPAA)" fact={entry.baa} />
        <Fact label="Data residency" fact={entry.residencyOptions} />
        <Fact label="Headquarters" fact={entry.headquartersCountry} />
        <Fact label="Trust portal" fact={entry.trustPortal} />
        <Fact label="DPA" fact={entry.dpa} />
        <Fact label="Subprocessor list" fact={entry.subprocessorList} />
      </dl>
    </article>
  );
}
