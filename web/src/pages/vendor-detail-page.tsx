import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import { VendorAssessments } from "../assessments/vendor-assessments";
import { Dialog } from "../components/dialog";
import { ErrorNote, Field } from "../components/ui";
import { VendorEvidence } from "../components/vendor-evidence";
import { Fact, FactMeta, StatusBadge, TierBadge } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import {
  AI_ACT_CLASS_LABELS,
  AI_ACT_ROLE_LABELS,
  type AiActResult,
  type AiIntegration,
  ATTRIBUTE_LABELS,
  CATEGORY_LABELS,
  type CatalogVendor,
  DATA_CLASS_LABELS,
  DEPLOYMENT_LABELS,
  DOMAIN_LABELS,
  STATUS_ACTIONS,
  STATUS_TRANSITIONS,
  TIERS,
  type Tier,
  type TierResult,
  type Vendor,
  type VendorStatus,
} from "../inventory/vocabulary";
import { errorMessage } from "../session";
import { IntegrationForm } from "./integration-form";
import { VendorForm } from "./vendor-form";

const vendorKey = (id: string) => ["vendor", id] as const;

/** One vendor: status and actions, tier with its reasons, integrations, EU AI Act and the data flow. */
export function VendorDetailPage({ id }: { id: string }) {
  const vendor = useQuery({
    queryKey: vendorKey(id),
    queryFn: async () => unwrap(await api.GET("/api/vendors/{id}", { params: { path: { id } } })),
  });
  if (vendor.isLoading) return <p className="text-sm text-slate-500">Loading…</p>;
  if (!vendor.data)
    return (
      <div className="space-y-4">
        <ErrorNote message={errorMessage(vendor.error)} />
        <Link to="/vendors" className="btn-secondary">
          Back to vendors
        </Link>
      </div>
    );
  return <VendorDetail vendor={vendor.data} />;
}

function useInvalidateVendor(id: string) {
  const queryClient = useQueryClient();
  return async () => {
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: vendorKey(id) }),
      queryClient.invalidateQueries({ queryKey: ["vendors"] }),
      queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
    ]);
  };
}

function VendorDetail({ vendor }: { vendor: Vendor }) {
  const integrations = useQuery({
    queryKey: [...vendorKey(vendor.id), "integrations"],
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors/{id}/integrations", { params: { path: { id: vendor.id } } })),
  });
  const catalog = useQuery({
    queryKey: ["catalog"],
    queryFn: async () => unwrap(await api.GET("/api/catalog/vendors")),
    staleTime: 5 * 60_000,
    enabled: Boolean(vendor.catalogSlug),
  });
  const catalogEntry = catalog.data?.items.find((c) => c.slug === vendor.catalogSlug);
  const services = catalogEntry?.services.map((s) => s.name);
  // The diagram is an image the browser caches; a new version key after every change redraws it.
  const diagramVersion = integrations.dataUpdatedAt;
  return (
    <>
      <VendorHeader vendor={vendor} />
      <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_24rem]">
        <div className="min-w-0 space-y-6">
          <IntegrationsCard
            vendorId={vendor.id}
            items={integrations.data?.items}
            loading={integrations.isLoading}
            error={integrations.error}
            services={services}
          />
          <AiActCard
            vendorId={vendor.id}
            integrations={integrations.data?.items ?? []}
            version={diagramVersion}
          />
          <DiagramCard vendor={vendor} version={diagramVersion} />
          <VendorEvidence vendorId={vendor.id} />
        </div>
        <div className="space-y-6">
          <TierCard vendorId={vendor.id} version={diagramVersion} />
          <VendorAssessments vendorId={vendor.id} />
          <FactsCard vendor={vendor} />
          {catalogEntry ? <CatalogFactsCard entry={catalogEntry} /> : null}
        </div>
      </div>
    </>
  );
}

function VendorHeader({ vendor }: { vendor: Vendor }) {
  const invalidate = useInvalidateVendor(vendor.id);
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string>();
  const [editing, setEditing] = useState(false);
  const canWrite = useCanWrite();
  const move = useMutation({
    mutationFn: async (status: VendorStatus) =>
      unwrap(
        await api.POST("/api/vendors/{id}/status", { params: { path: { id: vendor.id } }, body: { status } }),
      ),
    onSuccess: invalidate,
    onError: (e) => setProblem(errorMessage(e)),
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE("/api/vendors/{id}", { params: { path: { id: vendor.id } } })),
    onSuccess: async () => {
      await invalidate();
      await navigate({ to: "/vendors" });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const moves = STATUS_TRANSITIONS[vendor.status];
  const act = (status: VendorStatus) => {
    setProblem(undefined);
    if (status === "offboarded" && !window.confirm(`Offboard ${vendor.name}? Offboarding is final.`)) return;
    move.mutate(status);
  };
  return (
    <header className="mb-6">
      <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
        <Link to="/vendors" className="hover:underline">
          Vendors
        </Link>{" "}
        / {vendor.name}
      </nav>
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-slate-900">
            {vendor.name}
            <TierBadge tier={vendor.tier} overridden={vendor.tierOverridden} />
            <StatusBadge status={vendor.status} />
          </h1>
          <p className="mt-1 text-sm text-slate-600">
            {CATEGORY_LABELS[vendor.category]}
            {vendor.owner ? ` · owner ${vendor.owner}` : " · no owner recorded"}
            {vendor.catalogSlug ? " · from the catalogue" : ""}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          <Link to="/vendors/$id/summary" params={{ id: vendor.id }} className="btn-secondary">
            Summary
          </Link>
          <Link to="/models" search={{ vendorId: vendor.id }} className="btn-secondary">
            Models
          </Link>
          <a className="btn-secondary" href={`/api/vendors/${vendor.id}/summary.pdf`} download>
            Download PDF
          </a>
          {canWrite ? (
            <button type="button" className="btn-secondary" onClick={() => setEditing(true)}>
              Edit vendor
            </button>
          ) : null}
        </div>
      </div>
      {!canWrite ? null : moves.length ? (
        // biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form group.
        <div role="group" aria-label="Status actions" className="mt-3 flex flex-wrap items-center gap-2">
          <span className="text-xs font-medium uppercase tracking-wide text-slate-500">Move to</span>
          {moves.map((s) => (
            <button
              key={s}
              type="button"
              className={s === "rejected" || s === "offboarded" ? "btn-danger" : "btn-secondary"}
              disabled={move.isPending}
              onClick={() => act(s)}
            >
              {STATUS_ACTIONS[s]}
            </button>
          ))}
        </div>
      ) : (
        <p className="mt-3 text-sm text-slate-600">Offboarded: the record stays for the audit trail.</p>
      )}
      {vendor.status === "offboarded" || !canWrite ? null : (
        <div className="mt-2">
          <button
            type="button"
            className="text-xs text-red-700 underline"
            disabled={remove.isPending}
            onClick={() => {
              if (
                window.confirm(`Delete ${vendor.name} and its integrations? Offboarding keeps the history.`)
              )
                remove.mutate();
            }}
          >
            Delete vendor
          </button>
        </div>
      )}
      <div className="mt-2">
        <ErrorNote message={problem} />
      </div>
      <Dialog open={editing} title={`Edit ${vendor.name}`} onClose={() => setEditing(false)} wide>
        <VendorForm vendor={vendor} onSaved={() => setEditing(false)} onCancel={() => setEditing(false)} />
      </Dialog>
    </header>
  );
}

/** "Clinical notes · data class = phi → tier 3", the form the issue asks every reason to take. */
export function reasonText(r: TierResult["reasons"][number]): string {
  return `${r.integrationName ?? "Vendor"} · ${ATTRIBUTE_LABELS[r.attribute] ?? r.attribute} = ${r.value} → tier ${r.tier}`;
}

function TierCard({ vendorId, version }: { vendorId: string; version: number }) {
  const tier = useQuery({
    queryKey: [...vendorKey(vendorId), "tier", version],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors/{id}/tier", { params: { path: { id: vendorId } } })),
  });
  const [overriding, setOverriding] = useState(false);
  const canWrite = useCanWrite();
  const invalidate = useInvalidateVendor(vendorId);
  const [problem, setProblem] = useState<string>();
  const clear = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE("/api/vendors/{id}/tier-override", { params: { path: { id: vendorId } } })),
    onSuccess: invalidate,
    onError: (e) => setProblem(errorMessage(e)),
  });
  const t = tier.data;
  return (
    <section className="card p-5" aria-labelledby="tier-title">
      <h2 id="tier-title" className="text-base font-semibold">
        Tier
      </h2>
      <ErrorNote message={tier.error ? errorMessage(tier.error) : problem} />
      {t ? (
        <div data-testid="tier-card">
          <div className="mt-2 flex items-center gap-3">
            <span className="text-4xl font-bold tabular-nums" data-testid="tier-value">
              {t.tier}
            </span>
            <TierBadge tier={t.tier} overridden={t.override !== null} />
            {t.override ? (
              <span className="text-sm text-slate-600">computed: tier {t.computedTier}</span>
            ) : null}
          </div>
          {t.override ? (
            <div className="mt-3 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm">
              <p className="font-medium text-amber-900">Overridden to tier {t.override.tier}</p>
              <p className="mt-1 text-amber-900">{t.override.justification}</p>
              {t.override.by || t.override.on ? (
                <p className="mt-1 text-xs text-amber-800">
                  {[t.override.by, t.override.on].filter(Boolean).join(" · ")}
                </p>
              ) : null}
            </div>
          ) : null}
          <dl className="mt-4 grid grid-cols-2 gap-3 text-sm">
            <div>
              <dt className="text-xs text-slate-500">Questions</dt>
              <dd className="font-medium">{t.questionCount}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Review cadence</dt>
              <dd className="font-medium">every {t.reviewCadenceMonths} months</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Next review</dt>
              <dd className="font-medium tabular-nums">{t.nextReviewDue}</dd>
            </div>
            <div>
              <dt className="text-xs text-slate-500">Continuous monitoring</dt>
              <dd className="font-medium">{t.continuousMonitoring ? "yes" : "no"}</dd>
            </div>
          </dl>
          <h3 className="mt-4 text-xs font-medium uppercase tracking-wide text-slate-500">
            Why ({t.reasons.length} {t.reasons.length === 1 ? "reason" : "reasons"})
          </h3>
          {t.reasons.length === 0 ? (
            <p className="mt-1 text-sm text-slate-600">
              No rule raises the tier: internal, non-sensitive use.
            </p>
          ) : null}
          <ul className="mt-1 space-y-1 text-sm" aria-label="Tier reasons">
            {[...t.reasons]
              .sort((a, b) => b.tier - a.tier)
              .map((r) => (
                <li key={`${r.integrationId}-${r.rule}-${r.value}`} className="flex items-start gap-2">
                  <TierDot tier={r.tier} />
                  <span>{reasonText(r)}</span>
                </li>
              ))}
          </ul>
          <div className={canWrite ? "mt-4 flex gap-2" : "hidden"}>
            <button type="button" className="btn-secondary" onClick={() => setOverriding(true)}>
              Override tier
            </button>
            {t.override ? (
              <button
                type="button"
                className="btn-danger"
                disabled={clear.isPending}
                onClick={() => {
                  setProblem(undefined);
                  clear.mutate();
                }}
              >
                Clear override
              </button>
            ) : null}
          </div>
          <Dialog open={overriding} title="Override the tier" onClose={() => setOverriding(false)}>
            <OverrideForm
              vendorId={vendorId}
              current={t}
              onDone={async () => {
                setOverriding(false);
                await invalidate();
              }}
            />
          </Dialog>
        </div>
      ) : tier.isLoading ? (
        <p className="text-sm text-slate-500">Loading…</p>
      ) : null}
    </section>
  );
}

function TierDot({ tier }: { tier: Tier }) {
  const colour = tier === 3 ? "bg-red-500" : tier === 2 ? "bg-amber-500" : "bg-emerald-500";
  return <span aria-hidden="true" className={`mt-1.5 h-2 w-2 shrink-0 rounded-full ${colour}`} />;
}

function OverrideForm({
  vendorId,
  current,
  onDone,
}: {
  vendorId: string;
  current: TierResult;
  onDone: () => void;
}) {
  const [tier, setTier] = useState<Tier>(current.override?.tier ?? current.computedTier);
  const [justification, setJustification] = useState(current.override?.justification ?? "");
  const [problem, setProblem] = useState<string>();
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT("/api/vendors/{id}/tier-override", {
          params: { path: { id: vendorId } },
          body: { tier, justification: justification.trim() },
        }),
      ),
    onSuccess: onDone,
    onError: (e) => setProblem(errorMessage(e)),
  });
  const tooShort = justification.trim().length < 20;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    save.mutate();
  };
  return (
    <form className="space-y-4" onSubmit={submit} aria-label="Tier override">
      <p className="text-sm text-slate-600">
        The rules give tier {current.computedTier}. An override is written to the audit log, and the computed
        tier stays visible beside it.
      </p>
      <Field label="Tier" htmlFor="override-tier">
        <select
          id="override-tier"
          className="input"
          value={tier}
          onChange={(e) => setTier(Number(e.target.value) as Tier)}
        >
          {TIERS.map((t) => (
            <option key={t} value={t}>
              Tier {t}
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="Justification"
        htmlFor="override-justification"
        hint={`At least 20 characters (${justification.trim().length} so far).`}
      >
        <textarea
          id="override-justification"
          className="input min-h-24"
          required
          minLength={20}
          maxLength={2000}
          value={justification}
          onChange={(e) => setJustification(e.target.value)}
        />
      </Field>
      <ErrorNote message={problem} />
      <button type="submit" className="btn-primary" disabled={save.isPending || tooShort}>
        Save override
      </button>
    </form>
  );
}

const yesNo = (v: boolean | null | undefined) => (v === true ? "yes" : v === false ? "no" : "unknown");

function IntegrationsCard({
  vendorId,
  items,
  loading,
  error,
  services,
}: {
  vendorId: string;
  items: AiIntegration[] | undefined;
  loading: boolean;
  error: unknown;
  services: string[] | undefined;
}) {
  const invalidate = useInvalidateVendor(vendorId);
  const [editing, setEditing] = useState<AiIntegration | "new" | null>(null);
  const canWrite = useCanWrite();
  const [problem, setProblem] = useState<string>();
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/integrations/{id}", { params: { path: { id } } })),
    onSuccess: invalidate,
    onError: (e) => setProblem(errorMessage(e)),
  });
  return (
    <section className="card" aria-labelledby="integrations-title">
      <div className="flex items-center justify-between border-b border-slate-200 px-5 py-3">
        <h2 id="integrations-title" className="text-base font-semibold">
          AI integrations
        </h2>
        {canWrite ? (
          <button type="button" className="btn-primary" onClick={() => setEditing("new")}>
            Add integration
          </button>
        ) : null}
      </div>
      <ErrorNote message={error ? errorMessage(error) : problem} />
      {loading ? <p className="p-5 text-sm text-slate-500">Loading…</p> : null}
      {items && items.length === 0 ? (
        <p className="p-5 text-sm text-slate-600">
          No integration recorded. Until one is, what this vendor receives is unknown and the tier stays at
          least 2.
        </p>
      ) : null}
      {items?.length ? (
        <div className="overflow-x-auto">
          <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="AI integrations">
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th className="px-4 py-2">Integration</th>
                <th className="px-4 py-2">Data classes</th>
                <th className="px-4 py-2">Domain</th>
                <th className="px-4 py-2">Models</th>
                <th className="px-4 py-2">Regions · retention</th>
                <th className="px-4 py-2">Customer-facing / decision-critical</th>
                <th className="px-4 py-2" />
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((i) => (
                <tr key={i.id} data-testid="integration-row">
                  <td className="px-4 py-2">
                    <div className="font-medium">{i.name}</div>
                    <div className="text-xs text-slate-500">
                      {[
                        i.productFeature,
                        i.service,
                        i.deployment ? DEPLOYMENT_LABELS[i.deployment] : undefined,
                      ]
                        .filter(Boolean)
                        .join(" · ")}
                    </div>
                  </td>
                  <td className="px-4 py-2">
                    {i.dataClasses?.length ? (
                      i.dataClasses.map((c) => DATA_CLASS_LABELS[c]).join(", ")
                    ) : (
                      <span className="italic text-slate-500">unknown</span>
                    )}
                  </td>
                  <td className="px-4 py-2">
                    {i.domain ? (
                      DOMAIN_LABELS[i.domain]
                    ) : (
                      <span className="italic text-slate-500">unknown</span>
                    )}
                  </td>
                  <td className="px-4 py-2 text-xs">
                    {i.models.length
                      ? i.models
                          .map((m) =>
                            m.kind === "vendor_model"
                              ? `${m.name}${m.version ? ` ${m.version}` : ""}`
                              : `${m.repo}${m.revision ? `@${m.revision}` : ""}`,
                          )
                          .join(", ")
                      : "—"}
                  </td>
                  <td className="px-4 py-2 text-xs">
                    {i.processingRegions.join(", ") || "regions unknown"} ·{" "}
                    {i.retentionDays == null ? "retention unknown" : `${i.retentionDays} days`}
                  </td>
                  <td className="px-4 py-2 text-xs">
                    {yesNo(i.customerFacing)} / {yesNo(i.decisionCritical)}
                  </td>
                  <td className={canWrite ? "whitespace-nowrap px-4 py-2 text-right" : "hidden"}>
                    <button
                      type="button"
                      className="btn-secondary py-1"
                      aria-label={`Edit ${i.name}`}
                      onClick={() => setEditing(i)}
                    >
                      Edit
                    </button>{" "}
                    <button
                      type="button"
                      className="btn-danger py-1"
                      aria-label={`Delete ${i.name}`}
                      disabled={remove.isPending}
                      onClick={() => {
                        setProblem(undefined);
                        if (window.confirm(`Delete the integration ${i.name}?`)) remove.mutate(i.id);
                      }}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Dialog
        open={editing !== null}
        title={editing === "new" || editing === null ? "Add integration" : `Edit ${editing.name}`}
        onClose={() => setEditing(null)}
        wide
      >
        {editing !== null ? (
          <IntegrationForm
            vendorId={vendorId}
            integration={editing === "new" ? undefined : editing}
            services={services}
            onSaved={async () => {
              setEditing(null);
              await invalidate();
            }}
            onCancel={() => setEditing(null)}
          />
        ) : null}
      </Dialog>
    </section>
  );
}

const CLASS_STYLES: Record<AiActResult["class"], string> = {
  prohibited: "bg-red-700 text-white",
  high_risk: "bg-red-50 text-red-800 ring-1 ring-red-600/30",
  transparency: "bg-amber-50 text-amber-900 ring-1 ring-amber-600/30",
  minimal: "bg-emerald-50 text-emerald-800 ring-1 ring-emerald-600/30",
};

function AiActCard({
  vendorId,
  integrations,
  version,
}: {
  vendorId: string;
  integrations: AiIntegration[];
  version: number;
}) {
  const aiAct = useQuery({
    queryKey: [...vendorKey(vendorId), "ai-act", version],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors/{id}/ai-act", { params: { path: { id: vendorId } } })),
  });
  const nameOf = (id: string) => integrations.find((i) => i.id === id)?.name ?? "Integration";
  return (
    <section className="card p-5" aria-labelledby="ai-act-title">
      <h2 id="ai-act-title" className="text-base font-semibold">
        EU AI Act
      </h2>
      <p className="text-xs text-slate-500">
        Risk class, our role and the obligations that follow, per integration
        {aiAct.data ? `, as of ${aiAct.data.asOf}` : ""}. Application dates are data and move with amendments.
      </p>
      <ErrorNote message={aiAct.error ? errorMessage(aiAct.error) : undefined} />
      {aiAct.data?.items.length === 0 ? (
        <p className="mt-3 text-sm text-slate-600">No integration to classify yet.</p>
      ) : null}
      <div className="mt-3 space-y-4">
        {aiAct.data?.items.map((r) => (
          <article
            key={r.integrationId}
            className="rounded-md border border-slate-200 p-4"
            aria-label={`AI Act: ${nameOf(r.integrationId)}`}
          >
            <div className="flex flex-wrap items-center gap-2">
              <h3 className="font-medium">{nameOf(r.integrationId)}</h3>
              <span className={`rounded-full px-2 py-0.5 text-xs font-semibold ${CLASS_STYLES[r.class]}`}>
                {AI_ACT_CLASS_LABELS[r.class]}
                {r.highRiskBasis ? ` (${r.highRiskBasis === "annex_iii" ? "Annex III" : "Annex I"})` : ""}
              </span>
              <span className="text-sm text-slate-600">
                as {AI_ACT_ROLE_LABELS[r.role].toLowerCase()}{" "}
                <span className="text-xs text-slate-500">— {r.roleRule.explanation}</span>
              </span>
            </div>
            {r.rules.length ? (
              <ul className="mt-2 space-y-0.5 text-sm">
                {r.rules.map((rule) => (
                  <li key={rule.rule}>
                    <code className="text-xs text-slate-500">{rule.rule}</code> · {rule.basis}:{" "}
                    {rule.explanation}
                  </li>
                ))}
              </ul>
            ) : null}
            {r.obligations.length ? (
              <table className="mt-3 min-w-full text-sm">
                <thead className="text-left text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th className="py-1 pr-3">Article</th>
                    <th className="py-1 pr-3">Obligation</th>
                    <th className="py-1 pr-3">Applies from</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {r.obligations.map((o) => (
                    <tr key={o.id}>
                      <td className="whitespace-nowrap py-1 pr-3 font-medium">{o.article}</td>
                      <td className="py-1 pr-3">
                        {o.title}
                        <div className="text-xs text-slate-500">rule {o.rule}</div>
                      </td>
                      <td className="py-1 pr-3 text-xs">
                        <span className="tabular-nums">{o.applicationDate.date}</span>{" "}
                        {o.inEffect ? (
                          <span className="text-emerald-700">in effect</span>
                        ) : (
                          <span className="text-slate-500">not yet</span>
                        )}
                        <div className="text-slate-500">
                          {o.applicationDate.status}, as of {o.applicationDate.asOf}{" "}
                          <a
                            href={o.applicationDate.source}
                            className="underline"
                            target="_blank"
                            rel="noreferrer"
                          >
                            source
                          </a>
                        </div>
                        {o.pendingChange ? (
                          <div className="mt-1 rounded bg-amber-50 px-1.5 py-0.5 text-amber-900">
                            Pending change: {o.pendingChange.date} ({o.pendingChange.status})
                            {o.pendingChange.note ? ` — ${o.pendingChange.note}` : ""}
                          </div>
                        ) : null}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="mt-2 text-sm text-slate-600">No obligation follows from this use.</p>
            )}
          </article>
        ))}
      </div>
    </section>
  );
}

function DiagramCard({ vendor, version }: { vendor: Vendor; version: number }) {
  const [failed, setFailed] = useState<number | null>(null);
  const src = `/api/vendors/${vendor.id}/diagram.svg?v=${version}`;
  return (
    <section className="card p-5" aria-labelledby="diagram-title">
      <div className="flex items-center justify-between">
        <h2 id="diagram-title" className="text-base font-semibold">
          Data flow
        </h2>
        <a
          className="text-sm text-teal-700 underline"
          href={`/api/vendors/${vendor.id}/diagram.svg`}
          download
        >
          Download SVG
        </a>
      </div>
      <p className="text-xs text-slate-500">
        Drawn from the integrations: feature → data classes → vendor service → region.
      </p>
      {failed === version ? (
        <p className="mt-3 text-sm text-slate-600">The diagram could not be drawn.</p>
      ) : (
        <div className="mt-3 overflow-x-auto">
          <img
            src={src}
            alt={`Data-flow diagram of ${vendor.name}`}
            className="max-w-none"
            onError={() => setFailed(version)}
          />
        </div>
      )}
    </section>
  );
}

function FactsCard({ vendor }: { vendor: Vendor }) {
  const link = (url: string | undefined) =>
    url ? (
      <a href={url} className="break-all text-teal-700 underline" target="_blank" rel="noreferrer">
        {url}
      </a>
    ) : (
      <span className="italic text-slate-500">not recorded</span>
    );
  return (
    <section className="card p-5" aria-labelledby="facts-title">
      <h2 id="facts-title" className="text-base font-semibold">
        Vendor
      </h2>
      <dl className="mt-2 space-y-2 text-sm">
        <div>
          <dt className="text-xs text-slate-500">Website</dt>
          <dd>{link(vendor.website)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Trust portal</dt>
          <dd>{link(vendor.trustPortalUrl)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Headquarters</dt>
          <dd>{vendor.headquartersCountry ?? <span className="italic text-slate-500">not recorded</span>}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Last reviewed</dt>
          <dd>{vendor.lastReviewedOn ?? "never"}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">Subprocessors (fourth parties)</dt>
          <dd>
            {vendor.subprocessors.length ? (
              <ul className="list-inside list-disc">
                {vendor.subprocessors.map((s) => (
                  <li key={s.name}>
                    {s.name}
                    {s.purpose ? ` — ${s.purpose}` : ""}
                    {s.country ? ` (${s.country})` : ""}
                  </li>
                ))}
              </ul>
            ) : (
              <span className="italic text-slate-500">none recorded</span>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}

/** What the vendor publishes, from the catalogue entry it was added from, each fact dated and sourced. */
function CatalogFactsCard({ entry }: { entry: CatalogVendor }) {
  return (
    <section className="card p-5" aria-labelledby="catalog-facts-title">
      <h2 id="catalog-facts-title" className="text-base font-semibold">
        What {entry.name} publishes
      </h2>
      <p className="text-xs text-slate-500">From the catalogue; check the sources before relying on them.</p>
      <dl className="mt-2">
        <Fact label="Trains on API data" fact={entry.trainingOnApiData} />
        <Fact label="API data retention" fact={entry.apiRetention} />
        <Fact label="Zero retention" fact={entry.zeroRetention} />
        <Fact label="BAA (HIPAA)" fact={entry.baa} />
        <Fact label="Data residency" fact={entry.residencyOptions} />
        <Fact label="DPA" fact={entry.dpa} />
        <Fact label="Subprocessor list" fact={entry.subprocessorList} />
      </dl>
      <h3 className="mt-2 text-xs font-medium uppercase tracking-wide text-slate-500">
        Certifications claimed
      </h3>
      <ul className="mt-1 space-y-0.5 text-sm">
        {entry.certifications.map((c) => (
          <li key={`${c.name}-${c.scope ?? ""}`}>
            {c.name}
            <FactMeta asOf={c.asOf} uncertain={c.uncertain} source={c.source} />
          </li>
        ))}
        {entry.certifications.length === 0 ? <li className="italic text-slate-500">none recorded</li> : null}
      </ul>
    </section>
  );
}
