import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { EmptyState, ErrorNote, PageHeader } from "../components/ui";
import { errorMessage } from "../session";

type UsageSummary = components["schemas"]["UsageSummary"];
type TrendPoint = components["schemas"]["UsageTrend"]["points"][number];

const GROUPS = [
  { id: "vendor", label: "By vendor" },
  { id: "dataClass", label: "By data class" },
  { id: "model", label: "By model and version" },
  { id: "source", label: "By source" },
] as const;
type GroupBy = (typeof GROUPS)[number]["id"];

const CLASS_COLUMNS = ["pii", "phi", "payment_data", "credentials"] as const;
const PERIODS = [30, 90, 180, 365] as const;

const fmt = (n: number) => n.toLocaleString("en-US");

/** A small daily bar chart of requests; bars with sensitive data drawn darker on top. */
function TrendChart({ points }: { points: TrendPoint[] }) {
  const width = 720;
  const height = 140;
  const max = Math.max(1, ...points.map((p) => p.requests));
  const barWidth = width / Math.max(1, points.length);
  return (
    <svg
      viewBox={`0 0 ${width} ${height + 16}`}
      className="h-40 w-full"
      role="img"
      aria-label={`Requests per day, ${points[0]?.day ?? ""} to ${points.at(-1)?.day ?? ""}, at most ${fmt(max)} a day`}
    >
      {points.map((p, i) => {
        const h = (p.requests / max) * height;
        const pii = ((p.byDataClass.pii ?? 0) / max) * height;
        return (
          <g key={p.day}>
            <title>{`${p.day}: ${fmt(p.requests)} requests, ${fmt(p.byDataClass.pii ?? 0)} with PII`}</title>
            <rect
              x={i * barWidth + 1}
              y={height - h}
              width={Math.max(1, barWidth - 2)}
              height={h}
              className="fill-sky-300"
            />
            <rect
              x={i * barWidth + 1}
              y={height - pii}
              width={Math.max(1, barWidth - 2)}
              height={pii}
              className="fill-rose-500"
            />
          </g>
        );
      })}
      <text x={0} y={height + 14} className="fill-slate-500 text-[10px]">
        {points[0]?.day}
      </text>
      <text x={width} y={height + 14} textAnchor="end" className="fill-slate-500 text-[10px]">
        {points.at(-1)?.day}
      </text>
    </svg>
  );
}

function SummaryTable({ summary }: { summary: UsageSummary }) {
  const isClass = summary.groupBy === "dataClass";
  return (
    <table className="w-full text-sm">
      <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
        <tr>
          <th className="py-2">{GROUPS.find((g) => g.id === summary.groupBy)?.label.replace("By ", "")}</th>
          {summary.groupBy === "model" ? <th>Version</th> : null}
          <th className="text-right">Requests</th>
          {isClass
            ? null
            : CLASS_COLUMNS.map((c) => (
                <th key={c} className="text-right">
                  {c.replace("_", " ")}
                </th>
              ))}
        </tr>
      </thead>
      <tbody>
        {summary.rows.map((r) => (
          <tr key={`${r.key}\u0000${r.modelVersion ?? ""}`} className="border-t border-slate-100">
            <td className="py-1.5">{r.label ?? r.key ?? <span className="text-slate-400">(none)</span>}</td>
            {summary.groupBy === "model" ? <td>{r.modelVersion ?? "–"}</td> : null}
            <td className="text-right tabular-nums">{fmt(r.requests)}</td>
            {isClass
              ? null
              : CLASS_COLUMNS.map((c) => (
                  <td key={c} className="text-right tabular-nums">
                    {fmt(r.byDataClass[c] ?? 0)}
                  </td>
                ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * AI usage evidence: requests per vendor, data class, model and source over a period, a daily trend,
 * the audit sentence per vendor ready to copy, the CSV export, the ingests and the usage findings.
 */
export function UsagePage({ canExport }: { canExport: boolean }) {
  const [days, setDays] = useState<number>(90);
  const [groupBy, setGroupBy] = useState<GroupBy>("vendor");
  const [vendor, setVendor] = useState<string>("");
  const [copied, setCopied] = useState<string | null>(null);

  const summary = useQuery({
    queryKey: ["usage-summary", days, groupBy],
    queryFn: async () =>
      unwrap(await api.GET("/api/usage/summary", { params: { query: { days, groupBy } } })),
  });
  const vendors = useQuery({
    queryKey: ["usage-summary", days, "vendor"],
    queryFn: async () =>
      unwrap(await api.GET("/api/usage/summary", { params: { query: { days, groupBy: "vendor" } } })),
  });
  const trend = useQuery({
    queryKey: ["usage-trend", days, vendor],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/usage/trend", { params: { query: { days, ...(vendor ? { vendor } : {}) } } }),
      ),
  });
  const ingests = useQuery({
    queryKey: ["usage-ingests"],
    queryFn: async () => unwrap(await api.GET("/api/usage/ingests")),
  });
  const findings = useQuery({
    queryKey: ["usage-findings"],
    queryFn: async () => unwrap(await api.GET("/api/usage/findings", { params: { query: {} } })),
  });
  const error = [summary, vendors, trend, ingests, findings].find((q) => q.error)?.error;

  const copy = async (text: string) => {
    await navigator.clipboard.writeText(text);
    setCopied(text);
  };

  const empty = ingests.data && ingests.data.items.length === 0;
  return (
    <>
      <PageHeader
        title="AI usage"
        description="What went to which AI vendor, with which data classes, from your gateway, proxy and DNS logs."
        actions={
          canExport ? (
            <a
              className="btn-primary"
              href={`/api/usage/summary.csv?days=${days}&groupBy=${groupBy}`}
              download
            >
              Export CSV
            </a>
          ) : undefined
        }
      />
      <ErrorNote message={error ? errorMessage(error) : undefined} />
      {empty ? (
        <EmptyState title="No usage logs yet">
          Ingest a log with <code>assay usage ingest gateway.jsonl</code> or POST it to /api/usage/ingest.
        </EmptyState>
      ) : (
        <div className="space-y-6">
          <div className="flex flex-wrap items-center gap-3 text-sm">
            <label className="flex items-center gap-2">
              Period
              <select className="input" value={days} onChange={(e) => setDays(Number(e.target.value))}>
                {PERIODS.map((d) => (
                  <option key={d} value={d}>
                    last {d} days
                  </option>
                ))}
              </select>
            </label>
            <span className="text-slate-500">
              {summary.data
                ? `${summary.data.from} to ${summary.data.to}: ${fmt(summary.data.totalRequests)} requests`
                : ""}
            </span>
          </div>

          <section className="card p-5" aria-labelledby="usage-sentences">
            <h2 id="usage-sentences" className="text-base font-semibold">
              For the audit pack
            </h2>
            <ul className="mt-3 space-y-2 text-sm">
              {(vendors.data?.sentences ?? []).map((s) => (
                <li key={s.vendor} className="flex items-start justify-between gap-3">
                  <span>{s.sentence}</span>
                  <button
                    type="button"
                    className="btn-secondary shrink-0"
                    onClick={() => void copy(s.sentence)}
                  >
                    {copied === s.sentence ? "Copied" : "Copy"}
                  </button>
                </li>
              ))}
            </ul>
          </section>

          <section className="card p-5" aria-labelledby="usage-trend">
            <div className="flex items-center justify-between">
              <h2 id="usage-trend" className="text-base font-semibold">
                Requests per day <span className="text-xs font-normal text-rose-600">(red: with PII)</span>
              </h2>
              <select
                className="input"
                value={vendor}
                onChange={(e) => setVendor(e.target.value)}
                aria-label="Vendor"
              >
                <option value="">All vendors</option>
                {(vendors.data?.sentences ?? []).map((s) => (
                  <option key={s.vendor} value={s.vendor}>
                    {s.vendorName}
                  </option>
                ))}
              </select>
            </div>
            {trend.data ? <TrendChart points={trend.data.points} /> : null}
          </section>

          <section className="card p-5" aria-labelledby="usage-breakdown">
            <h2 id="usage-breakdown" className="sr-only">
              Breakdown
            </h2>
            <div className="mb-3 flex flex-wrap gap-2" role="tablist">
              {GROUPS.map((g) => (
                <button
                  key={g.id}
                  type="button"
                  role="tab"
                  aria-selected={groupBy === g.id}
                  className={groupBy === g.id ? "btn-primary" : "btn-secondary"}
                  onClick={() => setGroupBy(g.id)}
                >
                  {g.label}
                </button>
              ))}
            </div>
            {summary.data ? (
              <SummaryTable summary={summary.data} />
            ) : (
              <p className="text-sm text-slate-500">Loading…</p>
            )}
          </section>

          <div className="grid gap-6 lg:grid-cols-2">
            <section className="card p-5" aria-labelledby="usage-findings">
              <h2 id="usage-findings" className="text-base font-semibold">
                Findings
              </h2>
              <ul className="mt-3 space-y-3 text-sm">
                {(findings.data?.items ?? []).map((f) => (
                  <li key={f.id}>
                    <div className="font-medium">
                      <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs uppercase">
                        {f.severity}
                      </span>
                      {f.title}
                    </div>
                    <div className="text-slate-600">{f.detail}</div>
                  </li>
                ))}
                {findings.data?.items.length === 0 ? <li className="text-slate-500">No findings.</li> : null}
              </ul>
            </section>
            <section className="card p-5" aria-labelledby="usage-ingests">
              <h2 id="usage-ingests" className="text-base font-semibold">
                Ingested logs
              </h2>
              <table className="mt-3 w-full text-sm">
                <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="py-2">Source</th>
                    <th>Status</th>
                    <th className="text-right">Events</th>
                    <th className="text-right">Skipped</th>
                    <th>Started</th>
                  </tr>
                </thead>
                <tbody>
                  {(ingests.data?.items ?? []).map((i) => (
                    <tr key={i.id} className="border-t border-slate-100">
                      <td className="py-1.5" title={i.fileSha256}>
                        {i.source}
                        {i.fileName ? <span className="text-slate-500"> · {i.fileName}</span> : null}
                      </td>
                      <td>
                        {i.status === "complete" ? "complete" : `${i.status} (${i.batchesCommitted} batches)`}
                      </td>
                      <td className="text-right tabular-nums">{fmt(i.events)}</td>
                      <td className="text-right tabular-nums">{fmt(i.skippedCount)}</td>
                      <td>{i.startedAt.slice(0, 16).replace("T", " ")}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </div>
        </div>
      )}
    </>
  );
}
