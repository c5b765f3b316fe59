import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type ReactNode, useEffect, useMemo, useRef, useState } from "react";
import { api, unwrap } from "../api/client";
import { EmptyState, ErrorNote, PageHeader } from "../components/ui";
import { Chip, StatusBadge, TierBadge } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import {
  CATEGORIES,
  CATEGORY_LABELS,
  STATUS_LABELS,
  STATUSES,
  TIERS,
  type Tier,
  type VendorCategory,
  type VendorSort,
  type VendorStatus,
} from "../inventory/vocabulary";
import { errorMessage } from "../session";

/** The list's state as it lives in the URL, so a filtered view is a link one can share. */
export interface VendorSearch {
  q?: string;
  tier?: string;
  status?: string;
  category?: string;
  sort?: VendorSort;
  dir?: "asc" | "desc";
  /** Page size, 1–200 (the API's limit); the menu offers the usual sizes. */
  size?: string;
}

const SORTS: readonly VendorSort[] = ["name", "tier", "status", "nextReviewDue", "updatedAt"];

/** Reads the URL's search params leniently: anything unknown is dropped rather than failing the page. */
export function parseVendorSearch(raw: Record<string, unknown>): VendorSearch {
  const text = (v: unknown) =>
    typeof v === "string" || typeof v === "number" ? String(v).trim() || undefined : undefined;
  const list = <T extends string | number>(v: unknown, allowed: readonly T[]) => {
    const items = (text(v) ?? "")
      .split(",")
      .map((s) => allowed.find((a) => String(a) === s.trim()))
      .filter((a): a is T => a !== undefined);
    return items.length ? [...new Set(items)].join(",") : undefined;
  };
  const sort = SORTS.find((s) => s === raw.sort);
  const out: VendorSearch = {};
  const q = text(raw.q);
  if (q) out.q = q.slice(0, 200);
  const tier = list(raw.tier, TIERS);
  if (tier) out.tier = tier;
  const status = list(raw.status, STATUSES);
  if (status) out.status = status;
  const category = list(raw.category, CATEGORIES);
  if (category) out.category = category;
  if (sort) out.sort = sort;
  if (raw.dir === "desc") out.dir = "desc";
  const size = Number(text(raw.size));
  if (Number.isInteger(size) && size >= 1 && size <= 200 && size !== DEFAULT_PAGE_SIZE)
    out.size = String(size);
  return out;
}

const DEFAULT_PAGE_SIZE = 25;
const PAGE_SIZES = [10, 25, 50, 100] as const;

function splitList<T extends string | number>(value: string | undefined, allowed: readonly T[]): T[] {
  if (!value) return [];
  return value
    .split(",")
    .map((s) => allowed.find((a) => String(a) === s))
    .filter((a): a is T => a !== undefined);
}

function toggle<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

const joined = (list: readonly (string | number)[]) => (list.length ? list.join(",") : undefined);

/** Vendor inventory: search, filters, sorting and server-side cursor paging. */
export function VendorListPage({
  search,
  onSearch,
}: {
  search: VendorSearch;
  /** Filters and sorting push a history entry (Back undoes them); typing in the search box replaces. */
  onSearch: (next: VendorSearch, options?: { replace?: boolean }) => void;
}) {
  const canWrite = useCanWrite();
  const tiers = splitList<Tier>(search.tier, TIERS);
  const statuses = splitList<VendorStatus>(search.status, STATUSES);
  const categories = splitList<VendorCategory>(search.category, CATEGORIES);
  const sort = search.sort ?? "name";
  const dir = search.dir ?? "asc";
  const pageSize = search.size ? Number(search.size) : DEFAULT_PAGE_SIZE;

  // The search box types freely; the URL (and so the query) follows 300 ms after the last key.
  // A change of q that this box did not send (back button, a shared link) replaces what is typed.
  const [draft, setDraft] = useState(search.q ?? "");
  const sent = useRef(search.q);
  useEffect(() => {
    if (search.q !== sent.current) {
      sent.current = search.q;
      setDraft(search.q ?? "");
    }
  }, [search.q]);
  useEffect(() => {
    const q = draft.trim() || undefined;
    if (q === search.q) return;
    const timer = setTimeout(() => {
      sent.current = q;
      onSearch({ ...search, q }, { replace: true });
    }, 300);
    return () => clearTimeout(timer);
  }, [draft, search, onSearch]);

  // Cursors of the pages seen so far, for "Previous". A change of filters starts again at page one.
  const filterKey = JSON.stringify(search);
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key: filterKey,
    cursors: [undefined],
  });
  const cursors = paging.key === filterKey ? paging.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];

  const query = useMemo(
    () => ({
      q: search.q,
      tier: search.tier,
      status: search.status,
      category: search.category,
      sort,
      direction: dir,
      limit: pageSize,
      cursor,
    }),
    [search, sort, dir, cursor, pageSize],
  );
  const vendors = useQuery({
    queryKey: ["vendors", query],
    queryFn: async () => unwrap(await api.GET("/api/vendors", { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const setSort = (column: VendorSort) =>
    onSearch({
      ...search,
      sort: column,
      dir: column === sort && dir === "asc" ? "desc" : undefined,
    });
  const pageNumber = cursors.length;
  const total = vendors.data?.total ?? 0;
  const firstShown = total === 0 ? 0 : (pageNumber - 1) * pageSize + 1;
  const lastShown = (pageNumber - 1) * pageSize + (vendors.data?.items.length ?? 0);
  const filtered = Boolean(search.q || search.tier || search.status || search.category);

  return (
    <>
      <PageHeader
        title="Vendors"
        description="Every AI vendor and the integrations that use it: what data goes where, in which region, for which feature."
        actions={
          canWrite ? (
            <>
              <Link to="/vendors/catalog" className="btn-primary">
                Add from catalogue
              </Link>
              <Link to="/vendors/new" className="btn-secondary">
                Add vendor
              </Link>
              <Link to="/vendors/import" className="btn-secondary">
                Import spreadsheet
              </Link>
            </>
          ) : undefined
        }
      />
      <section className="card mb-4 space-y-3 p-4" aria-label="Filters">
        <div className="flex flex-wrap items-end gap-3">
          <div className="min-w-64 flex-1">
            <label className="label" htmlFor="vendor-search">
              Search vendors
            </label>
            <input
              id="vendor-search"
              type="search"
              className="input"
              placeholder="Name or owner"
              value={draft}
              maxLength={200}
              onChange={(e) => setDraft(e.target.value)}
            />
          </div>
          {filtered ? (
            <button
              type="button"
              className="btn-secondary"
              onClick={() => onSearch({ sort: search.sort, dir: search.dir, size: search.size })}
            >
              Clear filters
            </button>
          ) : null}
        </div>
        <FilterGroup label="Tier">
          {TIERS.map((t) => (
            <Chip
              key={t}
              pressed={tiers.includes(t)}
              onToggle={() => onSearch({ ...search, tier: joined(toggle(tiers, t)) })}
            >
              Tier {t}
            </Chip>
          ))}
        </FilterGroup>
        <FilterGroup label="Status">
          {STATUSES.map((s) => (
            <Chip
              key={s}
              pressed={statuses.includes(s)}
              onToggle={() => onSearch({ ...search, status: joined(toggle(statuses, s)) })}
            >
              {STATUS_LABELS[s]}
            </Chip>
          ))}
        </FilterGroup>
        <FilterGroup label="Category">
          {CATEGORIES.map((c) => (
            <Chip
              key={c}
              pressed={categories.includes(c)}
              onToggle={() => onSearch({ ...search, category: joined(toggle(categories, c)) })}
            >
              {CATEGORY_LABELS[c]}
            </Chip>
          ))}
        </FilterGroup>
      </section>

      <ErrorNote message={vendors.error ? errorMessage(vendors.error) : undefined} />
      {vendors.data && total === 0 && !filtered ? (
        <EmptyState title="No vendors recorded yet">
          Start with{" "}
          <Link to="/vendors/catalog" className="text-teal-700 underline">
            the catalogue
          </Link>{" "}
          of common AI vendors, add one by hand, or import the spreadsheet you keep today.
        </EmptyState>
      ) : (
        <div className="card overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Vendors">
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <SortHeader column="name" sort={sort} dir={dir} onSort={setSort} />
                <th className="px-4 py-2">Category</th>
                <SortHeader column="tier" sort={sort} dir={dir} onSort={setSort} />
                <SortHeader column="status" sort={sort} dir={dir} onSort={setSort} />
                <th className="px-4 py-2">Owner</th>
                <th className="px-4 py-2 text-right">Integrations</th>
                <SortHeader column="nextReviewDue" sort={sort} dir={dir} onSort={setSort} />
                <SortHeader column="updatedAt" sort={sort} dir={dir} onSort={setSort} />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {(vendors.data?.items ?? []).map((v) => (
                <tr key={v.id} data-testid="vendor-row" className="hover:bg-slate-50">
                  <td className="px-4 py-2 font-medium">
                    <Link to="/vendors/$id" params={{ id: v.id }} className="text-teal-800 hover:underline">
                      {v.name}
                    </Link>
                  </td>
                  <td className="px-4 py-2 text-slate-600">{CATEGORY_LABELS[v.category]}</td>
                  <td className="px-4 py-2">
                    <TierBadge tier={v.tier} overridden={v.tierOverridden} />
                  </td>
                  <td className="px-4 py-2">
                    <StatusBadge status={v.status} />
                  </td>
                  <td className="px-4 py-2 text-slate-600">{v.owner ?? "—"}</td>
                  <td className="px-4 py-2 text-right tabular-nums">{v.integrationCount}</td>
                  <td className="px-4 py-2 tabular-nums">{v.nextReviewDue}</td>
                  <td className="px-4 py-2 tabular-nums text-slate-600">{v.updatedAt.slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {vendors.isLoading ? <p className="p-4 text-sm text-slate-500">Loading…</p> : null}
          {vendors.data && total === 0 ? (
            <p className="p-4 text-sm text-slate-600">No vendor matches these filters.</p>
          ) : null}
          <div className="flex items-center justify-between border-t border-slate-200 px-4 py-2 text-sm">
            <p role="status" aria-live="polite" className="text-slate-600">
              {vendors.data ? `${firstShown}–${lastShown} of ${total} vendors` : ""}
            </p>
            <div className="flex items-center gap-2">
              <label className="text-xs text-slate-600" htmlFor="vendor-page-size">
                Per page
              </label>
              <select
                id="vendor-page-size"
                className="input w-20 py-1"
                value={pageSize}
                onChange={(e) =>
                  onSearch({
                    ...search,
                    size: Number(e.target.value) === DEFAULT_PAGE_SIZE ? undefined : e.target.value,
                  })
                }
              >
                {[...new Set<number>([...PAGE_SIZES, pageSize])]
                  .sort((a, b) => a - b)
                  .map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
              </select>
              <button
                type="button"
                className="btn-secondary"
                disabled={cursors.length < 2 || vendors.isFetching}
                aria-label="Previous page"
                onClick={() => setPaging({ key: filterKey, cursors: cursors.slice(0, -1) })}
              >
                Previous
              </button>
              <button
                type="button"
                className="btn-secondary"
                disabled={!vendors.data?.nextCursor || vendors.isFetching}
                aria-label="Next page"
                onClick={() => {
                  const next = vendors.data?.nextCursor;
                  if (next) setPaging({ key: filterKey, cursors: [...cursors, next] });
                }}
              >
                Next
              </button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}

function FilterGroup({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a fieldset would add a border and legend layout we do not want; role=group names the chips for screen readers.
    <div role="group" aria-label={`${label} filter`} className="flex flex-wrap items-center gap-1.5">
      <span className="w-20 text-xs font-medium uppercase tracking-wide text-slate-500">{label}</span>
      {children}
    </div>
  );
}

const SORT_TITLES: Record<VendorSort, string> = {
  name: "Name",
  tier: "Tier",
  status: "Status",
  nextReviewDue: "Next review",
  updatedAt: "Updated",
};

function SortHeader({
  column,
  sort,
  dir,
  onSort,
}: {
  column: VendorSort;
  sort: VendorSort;
  dir: "asc" | "desc";
  onSort: (column: VendorSort) => void;
}) {
  const active = sort === column;
  return (
    <th className="px-4 py-2" aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        className="inline-flex items-center gap-1 uppercase tracking-wide hover:text-slate-800"
        onClick={() => onSort(column)}
      >
        {SORT_TITLES[column]}
        <span aria-hidden="true">{active ? (dir === "asc" ? "▲" : "▼") : "↕"}</span>
      </button>
    </th>
  );
}
