import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { ErrorNote } from "../components/ui";
import { FactMeta, TierBadge } from "../inventory/badges";
import { AI_ACT_CLASS_LABELS, type AiActClass, type Tier } from "../inventory/vocabulary";
import { errorMessage } from "../session";

type VendorSummary = components["schemas"]["VendorSummary"];

const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;

const asTier = (n: number): Tier => (n >= 3 ? 3 : n <= 1 ? 1 : 2);
const classLabel = (c: string) =>
  c in AI_ACT_CLASS_LABELS ? AI_ACT_CLASS_LABELS[c as AiActClass] : c.replaceAll("_", " ");

/** The one-page vendor summary as HTML: the same object the PDF renders, for reading and printing. */
export function VendorSummaryPage({ id }: { id: string }) {
  const summary = useQuery({
    queryKey: ["vendor", id, "summary"],
    queryFn: async () => unwrap(await api.GET("/api/vendors/{id}/summary", { params: { path: { id } } })),
  });
  if (summary.isLoading) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!summary.data) return <ErrorNote message={errorMessage(summary.error)} />;
  return <Summary id={id} s={summary.data} />;
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const headingId = `summary-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return (
    <section aria-labelledby={headingId} className="break-inside-avoid">
      <h2
        id={headingId}
        className="mb-1 border-b border-slate-200 pb-1 text-sm font-semibold uppercase tracking-wide text-slate-600"
      >
        {title}
      </h2>
      {children}
    </section>
  );
}

function Summary({ id, s }: { id: string; s: VendorSummary }) {
  const v = s.vendor;
  return (
    <article
      className="card mx-auto max-w-5xl space-y-5 p-8 print:border-0 print:shadow-none"
      aria-label={`Summary of ${v.name}`}
    >
      <header className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <nav aria-label="Breadcrumb" className="mb-1 text-sm text-slate-500 print:hidden">
            <Link to="/vendors" className="hover:underline">
              Vendors
            </Link>{" "}
            /{" "}
            <Link to="/vendors/$id" params={{ id }} className="hover:underline">
              {v.name}
            </Link>{" "}
            / Summary
          </nav>
          <h1 className="flex items-center gap-3 text-2xl font-semibold text-slate-900">
            {v.name} <TierBadge tier={asTier(s.tier.tier)} overridden={s.tier.override !== null} />
          </h1>
          <p className="text-sm text-slate-600">
            {v.category} · {v.status} · owner {v.owner} · headquarters {v.headquartersCountry} · as of{" "}
            {s.asOf}
          </p>
        </div>
        <div className="flex gap-2 print:hidden">
          <a className="btn-primary" href={`/api/vendors/${id}/summary.pdf`} download>
            Download PDF
          </a>
          <button type="button" className="btn-secondary" onClick={() => window.print()}>
            Print
          </button>
        </div>
      </header>

      <Section title="What we use it for">
        {s.uses.length === 0 ? (
          <p className="text-sm text-slate-600">No integration recorded.</p>
        ) : (
          <table className="min-w-full text-sm">
            <thead className="text-left text-xs text-slate-500">
              <tr>
                <th className="py-1 pr-3">Integration</th>
                <th className="py-1 pr-3">Feature · service · models</th>
                <th className="py-1 pr-3">Domain</th>
                <th className="py-1 pr-3">Customer-facing / decision-critical</th>
                <th className="py-1 pr-3">EU AI Act</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {s.uses.map((u) => (
                <tr key={u.integration}>
                  <td className="py-1 pr-3 font-medium">{u.integration}</td>
                  <td className="py-1 pr-3">
                    {[u.feature, u.service, u.models.join(", ")].filter(Boolean).join(" · ")}
                  </td>
                  <td className="py-1 pr-3">{u.domain}</td>
                  <td className="py-1 pr-3">
                    {u.customerFacing} / {u.decisionCritical}
                  </td>
                  <td className="py-1 pr-3">
                    {classLabel(u.aiActClass)} ({u.aiActRole})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <div className="grid gap-5 md:grid-cols-2">
        <Section title="Data sent">
          <ul className="space-y-0.5 text-sm">
            {s.data.classes.map((c) => (
              <li key={c.dataClass}>
                <span className={c.sensitive ? "font-semibold text-red-800" : "font-medium"}>{c.label}</span>
                <span className="text-slate-600"> — {c.integrations.join(", ")}</span>
              </li>
            ))}
            {s.data.unknownIn.length ? (
              <li className="italic text-slate-600">Not recorded for: {s.data.unknownIn.join(", ")}</li>
            ) : null}
          </ul>
          <dl className="mt-2 text-sm">
            <dt className="text-xs text-slate-500">Regions</dt>
            <dd>{s.data.regions.join(", ") || "unknown"}</dd>
            <dt className="mt-1 text-xs text-slate-500">Retention</dt>
            <dd>{s.data.retention.join("; ") || "unknown"}</dd>
            <dt className="mt-1 text-xs text-slate-500">Training on our data</dt>
            <dd>{s.data.trainingUse.join("; ") || "unknown"}</dd>
          </dl>
        </Section>

        <Section title="Tier and why">
          <p className="text-sm">
            Tier {s.tier.tier}
            {s.tier.override ? ` (overridden; computed tier ${s.tier.computedTier})` : ""} ·{" "}
            {s.tier.questionCount} questions · {s.tier.reviewCadence} · next review {s.tier.nextReviewDue}
          </p>
          {s.tier.override ? (
            <p className="text-sm italic text-amber-900">{s.tier.override.justification}</p>
          ) : null}
          <ul className="mt-1 list-inside list-disc text-sm">
            {s.tier.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <p className="mt-2 text-sm">
            Highest EU AI Act class: <strong>{classLabel(s.aiAct.highest)}</strong>
          </p>
        </Section>

        <Section title="Contract and documents">
          <p className="mb-1 text-sm">
            {s.documentGaps === 0
              ? "Every required document is on file."
              : `${s.documentGaps} required document(s) missing or expired.`}
          </p>
          <ul className="space-y-0.5 text-sm">
            {s.documents.map((d) => (
              <li key={d.kind} className="flex justify-between gap-3">
                <span>
                  {d.label}
                  {d.required ? "" : <span className="text-xs text-slate-500"> (if applicable)</span>}
                </span>
                <span
                  className={
                    d.status === "present"
                      ? "text-emerald-800"
                      : d.required
                        ? "font-medium text-red-800"
                        : "text-slate-500"
                  }
                >
                  {d.status === "present" ? d.detail : d.status === "expired" ? d.detail : "missing"}
                </span>
              </li>
            ))}
          </ul>
        </Section>

        <Section title="Open findings">
          {s.findings.total === 0 ? (
            <p className="text-sm text-slate-600">No open findings.</p>
          ) : (
            <>
              <p className="text-sm">
                {SEVERITIES.filter((sev) => (s.findings.bySeverity[sev] ?? 0) > 0)
                  .map((sev) => `${s.findings.bySeverity[sev]} ${sev}`)
                  .join(" · ")}
              </p>
              <ul className="mt-1 list-inside list-disc text-sm">
                {s.findings.items.map((f) => (
                  <li key={`${f.severity}-${f.title}`}>
                    <span className="font-medium">{f.severity}</span> — {f.title}
                    {f.dueOn ? ` (due ${f.dueOn})` : ""}
                  </li>
                ))}
              </ul>
            </>
          )}
        </Section>
      </div>

      {s.catalog ? (
        <Section title="What the vendor publishes">
          <dl className="grid gap-x-6 text-sm md:grid-cols-2">
            {[...s.catalog.facts, ...s.catalog.certifications].map((f) => (
              <div key={`${f.label}-${f.value}`} className="py-0.5">
                <dt className="inline font-medium">{f.label}: </dt>
                <dd className="inline">
                  {f.value}
                  <FactMeta asOf={f.asOf} uncertain={f.uncertain} source={f.source ?? undefined} />
                </dd>
              </div>
            ))}
          </dl>
        </Section>
      ) : null}
    </article>
  );
}
