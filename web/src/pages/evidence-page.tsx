import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { EmptyState, ErrorNote, PageHeader } from "../components/ui";
import {
  DOCUMENT_TYPE_LABELS,
  DocumentCard,
  type DocumentType,
  documentsKey,
  documentViewUrl,
  ExpiryBadge,
  isViewable,
} from "../components/vendor-evidence";
import { errorMessage } from "../session";

const WINDOWS = [30, 60, 90] as const;

/** Evidence across all vendors: what expires soon (or has expired), then every document. */
export function EvidencePage() {
  const [days, setDays] = useState<number>(60);
  const [type, setType] = useState<DocumentType | "">("");
  const [search, setSearch] = useState("");
  const expiring = useQuery({
    queryKey: [...documentsKey, "expiring", days],
    queryFn: async () => unwrap(await api.GET("/api/documents/expiring", { params: { query: { days } } })),
  });
  const all = useQuery({
    queryKey: [...documentsKey, "all", type, search],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/documents", {
          params: {
            query: { limit: 200, ...(type ? { type } : {}), ...(search.trim() ? { q: search.trim() } : {}) },
          },
        }),
      ),
  });
  return (
    <div className="space-y-8">
      <PageHeader
        title="Evidence"
        description="Every vendor document, content-addressed and re-verified each time it is opened, with what was read from it (linked to its page) and when it expires."
      />
      <section aria-label="Expiring" className="space-y-3">
        <div className="flex flex-wrap items-center gap-3">
          <h2 className="text-lg font-semibold text-slate-900">Expired or expiring</h2>
          <label className="text-sm text-slate-600" htmlFor="evidence-window">
            within
          </label>
          <select
            id="evidence-window"
            className="input w-auto"
            value={days}
            onChange={(e) => setDays(Number(e.target.value))}
          >
            {WINDOWS.map((d) => (
              <option key={d} value={d}>
                {d} days
              </option>
            ))}
          </select>
        </div>
        <ErrorNote message={expiring.error ? errorMessage(expiring.error) : undefined} />
        {expiring.data && expiring.data.items.length === 0 ? (
          <p className="text-sm text-slate-500">Nothing expires in the next {days} days.</p>
        ) : null}
        {expiring.data && expiring.data.items.length > 0 ? (
          <table className="card w-full text-left text-sm">
            <thead className="text-xs uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-3 py-2">Document</th>
                <th className="px-3 py-2">Vendor</th>
                <th className="px-3 py-2">Type</th>
                <th className="px-3 py-2">Expires</th>
              </tr>
            </thead>
            <tbody>
              {expiring.data.items.map((d) => (
                <tr key={d.id} className="border-t border-slate-100">
                  <td className="px-3 py-2 font-medium text-slate-900">
                    {isViewable(d) ? (
                      <a
                        className="text-sky-700 underline hover:text-sky-900"
                        href={documentViewUrl(d.id)}
                        target="_blank"
                        rel="noopener"
                      >
                        {d.title}
                      </a>
                    ) : (
                      d.title
                    )}
                  </td>
                  <td className="px-3 py-2">{d.vendorName ?? "—"}</td>
                  <td className="px-3 py-2">{DOCUMENT_TYPE_LABELS[d.type]}</td>
                  <td className="px-3 py-2">
                    <ExpiryBadge document={d} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section aria-label="All documents" className="space-y-3">
        <div className="flex flex-wrap items-end gap-3">
          <h2 className="text-lg font-semibold text-slate-900">All documents</h2>
          <input
            className="input w-64"
            placeholder="Search title or file name"
            aria-label="Search documents"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <select
            className="input w-auto"
            aria-label="Document type"
            value={type}
            onChange={(e) => setType(e.target.value as DocumentType | "")}
          >
            <option value="">All types</option>
            {(Object.keys(DOCUMENT_TYPE_LABELS) as DocumentType[]).map((t) => (
              <option key={t} value={t}>
                {DOCUMENT_TYPE_LABELS[t]}
              </option>
            ))}
          </select>
        </div>
        <ErrorNote message={all.error ? errorMessage(all.error) : undefined} />
        {all.data && all.data.total === 0 && !type && !search ? (
          <EmptyState title="No evidence yet">
            Upload SOC 2 reports, ISO certificates, DPAs and model cards from a vendor's page; they are read
            on upload.
          </EmptyState>
        ) : null}
        <div className="space-y-3">
          {all.data?.items.map((d) => (
            <DocumentCard key={d.id} document={d} showVendor />
          ))}
        </div>
        {all.data && all.data.total > all.data.items.length ? (
          <p className="text-xs text-slate-500">
            Showing the newest {all.data.items.length} of {all.data.total}; narrow by type or search.
          </p>
        ) : null}
      </section>
    </div>
  );
}
