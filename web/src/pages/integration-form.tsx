import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useState } from "react";
import { api, unwrap } from "../api/client";
import { ErrorNote, Field } from "../components/ui";
import {
  AI_ACT_ROLE_LABELS,
  type AiActRole,
  type AiActUseCase,
  type AiIntegration,
  DATA_CLASS_LABELS,
  DATA_CLASSES,
  type DataClass,
  DEPLOYMENT_LABELS,
  DEPLOYMENTS,
  type Deployment,
  DOMAIN_LABELS,
  DOMAINS,
  type HumanOversight,
  type IntegrationDomain,
  type ModelRef,
  OVERSIGHT_LABELS,
  OVERSIGHTS,
  TRAINING_USE_LABELS,
  TRAINING_USES,
  type TrainingUse,
  USE_CASE_GROUPS,
  USE_CASE_LABELS,
} from "../inventory/vocabulary";
import { errorMessage } from "../session";

type YesNo = "yes" | "no" | "unknown";

/** The form's own state: strings for text inputs, "" for "not known yet" in selects. */
interface IntegrationDraft {
  name: string;
  productFeature: string;
  service: string;
  models: ModelRef[];
  deployment: Deployment | "";
  dataClasses: DataClass[];
  processingRegions: string;
  retentionDays: string;
  trainingUse: TrainingUse | "";
  customerFacing: YesNo;
  decisionCritical: YesNo;
  domain: IntegrationDomain | "";
  humanOversight: HumanOversight | "";
  owner: string;
  aiActUseCases: AiActUseCase[];
  aiActRole: AiActRole | "";
}

const yesNo = (v: boolean | null | undefined): YesNo => (v === true ? "yes" : v === false ? "no" : "unknown");
const fromYesNo = (v: YesNo) => (v === "yes" ? true : v === "no" ? false : null);

const draftOf = (i?: AiIntegration): IntegrationDraft => ({
  name: i?.name ?? "",
  productFeature: i?.productFeature ?? "",
  service: i?.service ?? "",
  models: i?.models ?? [],
  deployment: i?.deployment ?? "",
  dataClasses: i?.dataClasses ?? [],
  processingRegions: (i?.processingRegions ?? []).join(", "),
  retentionDays: i?.retentionDays == null ? "" : String(i.retentionDays),
  trainingUse: i?.trainingUse ?? "",
  customerFacing: yesNo(i?.customerFacing),
  decisionCritical: yesNo(i?.decisionCritical),
  domain: i?.domain ?? "",
  humanOversight: i?.humanOversight ?? "",
  owner: i?.owner ?? "",
  aiActUseCases: i?.aiActUseCases ?? [],
  aiActRole: i?.aiActRole ?? "",
});

const text = (s: string) => s.trim() || undefined;
const pick = <T extends string>(v: T | "") => (v === "" ? undefined : v);

/** The request body. Empty data classes mean "not known yet", which tiering counts upward. */
function bodyOf(form: IntegrationDraft, editing: boolean) {
  const retention = form.retentionDays.trim();
  return {
    name: form.name.trim(),
    productFeature: text(form.productFeature),
    service: text(form.service),
    models: form.models.map((m) =>
      m.kind === "vendor_model"
        ? { kind: m.kind, name: m.name.trim(), version: text(m.version ?? "") }
        : { kind: m.kind, repo: m.repo.trim(), revision: text(m.revision ?? "") },
    ),
    deployment: pick(form.deployment),
    // On an edit an empty list must be sent to clear what was there; on create, absent says "unknown".
    dataClasses: form.dataClasses.length || editing ? form.dataClasses : undefined,
    processingRegions: form.processingRegions
      .split(",")
      .map((r) => r.trim())
      .filter(Boolean),
    retentionDays: retention === "" ? null : Number(retention),
    trainingUse: pick(form.trainingUse),
    customerFacing: fromYesNo(form.customerFacing),
    decisionCritical: fromYesNo(form.decisionCritical),
    domain: pick(form.domain),
    humanOversight: pick(form.humanOversight),
    owner: text(form.owner),
    aiActUseCases: form.aiActUseCases,
    aiActRole: pick(form.aiActRole),
  };
}

function toggled<T>(list: readonly T[], item: T, on: boolean): T[] {
  return on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item);
}

/** Records or changes one AI integration: every field of the integration schema. */
export function IntegrationForm({
  vendorId,
  integration,
  services,
  onSaved,
  onCancel,
}: {
  vendorId: string;
  integration?: AiIntegration;
  /** Service names offered as suggestions (from the catalogue entry, when the vendor came from it). */
  services?: readonly string[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [form, setForm] = useState(() => draftOf(integration));
  const [problem, setProblem] = useState<string>();
  const set = (patch: Partial<IntegrationDraft>) => setForm((f) => ({ ...f, ...patch }));
  const save = useMutation({
    mutationFn: async () => {
      const body = bodyOf(form, Boolean(integration));
      if (integration)
        return unwrap(
          await api.PATCH("/api/integrations/{id}", { params: { path: { id: integration.id } }, body }),
        );
      return unwrap(
        await api.POST("/api/vendors/{id}/integrations", { params: { path: { id: vendorId } }, body }),
      );
    },
    onSuccess: onSaved,
    onError: (e) => setProblem(errorMessage(e)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setProblem(undefined);
    save.mutate();
  };
  const f = (name: string) => `${id}-${name}`;
  const setModel = (index: number, model: ModelRef) =>
    set({ models: form.models.map((m, i) => (i === index ? model : m)) });

  return (
    <form
      className="space-y-5"
      onSubmit={submit}
      aria-label={integration ? `Edit integration ${integration.name}` : "New integration"}
    >
      <div className="grid gap-4 md:grid-cols-3">
        <Field label="Integration name" htmlFor={f("name")} hint="e.g. Support reply drafts">
          <input
            id={f("name")}
            className="input"
            required
            maxLength={200}
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
          />
        </Field>
        <Field label="Product feature" htmlFor={f("feature")} hint="The feature of ours that uses the vendor">
          <input
            id={f("feature")}
            className="input"
            maxLength={200}
            value={form.productFeature}
            onChange={(e) => set({ productFeature: e.target.value })}
          />
        </Field>
        <Field label="Vendor service" htmlFor={f("service")}>
          <input
            id={f("service")}
            className="input"
            maxLength={200}
            list={services?.length ? f("services") : undefined}
            value={form.service}
            onChange={(e) => set({ service: e.target.value })}
          />
          {services?.length ? (
            <datalist id={f("services")}>
              {services.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ) : null}
        </Field>
        <Field label="Deployment" htmlFor={f("deployment")}>
          <select
            id={f("deployment")}
            className="input"
            value={form.deployment}
            onChange={(e) => set({ deployment: e.target.value as Deployment | "" })}
          >
            <option value="">Not known yet</option>
            {DEPLOYMENTS.map((d) => (
              <option key={d} value={d}>
                {DEPLOYMENT_LABELS[d]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Integration owner" htmlFor={f("owner")} hint="Who answers for this integration">
          <input
            id={f("owner")}
            className="input"
            maxLength={200}
            value={form.owner}
            onChange={(e) => set({ owner: e.target.value })}
          />
        </Field>
        <Field label="Domain" htmlFor={f("domain")} hint="Regulated domains make the vendor tier 3">
          <select
            id={f("domain")}
            className="input"
            value={form.domain}
            onChange={(e) => set({ domain: e.target.value as IntegrationDomain | "" })}
          >
            <option value="">Not known yet</option>
            {DOMAINS.map((d) => (
              <option key={d} value={d}>
                {DOMAIN_LABELS[d]}
              </option>
            ))}
          </select>
        </Field>
      </div>

      <fieldset>
        <legend className="label">Data classes sent</legend>
        <p className="mb-2 text-xs text-slate-500">
          Leave all unticked when not known yet; unknown counts as tier 3.
        </p>
        <div className="flex flex-wrap gap-x-5 gap-y-2">
          {DATA_CLASSES.map((c) => (
            <label key={c} className="inline-flex items-center gap-2 text-sm">
              <input
                type="checkbox"
                className="h-4 w-4 accent-teal-700"
                checked={form.dataClasses.includes(c)}
                onChange={(e) => set({ dataClasses: toggled(form.dataClasses, c, e.target.checked) })}
              />
              {DATA_CLASS_LABELS[c]}
            </label>
          ))}
        </div>
      </fieldset>

      <div className="grid gap-4 md:grid-cols-3">
        <Field label="Processing regions" htmlFor={f("regions")} hint="Comma-separated, e.g. EU, US">
          <input
            id={f("regions")}
            className="input"
            value={form.processingRegions}
            onChange={(e) => set({ processingRegions: e.target.value })}
          />
        </Field>
        <Field label="Retention (days)" htmlFor={f("retention")} hint="0 = not stored; empty = not known">
          <input
            id={f("retention")}
            type="number"
            min={0}
            max={36500}
            step={1}
            className="input"
            value={form.retentionDays}
            onChange={(e) => set({ retentionDays: e.target.value })}
          />
        </Field>
        <Field label="Vendor trains on the data" htmlFor={f("training")}>
          <select
            id={f("training")}
            className="input"
            value={form.trainingUse}
            onChange={(e) => set({ trainingUse: e.target.value as TrainingUse | "" })}
          >
            <option value="">Not stated</option>
            {TRAINING_USES.map((t) => (
              <option key={t} value={t}>
                {TRAINING_USE_LABELS[t]}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Customer-facing" htmlFor={f("customer")}>
          <YesNoSelect
            id={f("customer")}
            value={form.customerFacing}
            onChange={(v) => set({ customerFacing: v })}
          />
        </Field>
        <Field
          label="Decision-critical"
          htmlFor={f("decision")}
          hint="Its output decides about people or money"
        >
          <YesNoSelect
            id={f("decision")}
            value={form.decisionCritical}
            onChange={(v) => set({ decisionCritical: v })}
          />
        </Field>
        <Field label="Human oversight" htmlFor={f("oversight")}>
          <select
            id={f("oversight")}
            className="input"
            value={form.humanOversight}
            onChange={(e) => set({ humanOversight: e.target.value as HumanOversight | "" })}
          >
            <option value="">Not stated</option>
            {OVERSIGHTS.map((o) => (
              <option key={o} value={o}>
                {OVERSIGHT_LABELS[o]}
              </option>
            ))}
          </select>
        </Field>
      </div>

      <fieldset>
        <legend className="label">Models</legend>
        <div className="space-y-2">
          {form.models.map((m, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own until saved.
            <div key={index} className="grid items-end gap-2 md:grid-cols-[12rem_1fr_1fr_auto]">
              <Field label={`Model ${index + 1} source`} htmlFor={f(`model-kind-${index}`)}>
                <select
                  id={f(`model-kind-${index}`)}
                  className="input"
                  value={m.kind}
                  onChange={(e) =>
                    setModel(
                      index,
                      e.target.value === "hub_model"
                        ? { kind: "hub_model", repo: "" }
                        : { kind: "vendor_model", name: "" },
                    )
                  }
                >
                  <option value="vendor_model">Vendor model</option>
                  <option value="hub_model">Hub repository</option>
                </select>
              </Field>
              {m.kind === "vendor_model" ? (
                <>
                  <Field label={`Model ${index + 1} name`} htmlFor={f(`model-name-${index}`)}>
                    <input
                      id={f(`model-name-${index}`)}
                      className="input"
                      required
                      value={m.name}
                      onChange={(e) => setModel(index, { ...m, name: e.target.value })}
                    />
                  </Field>
                  <Field label={`Model ${index + 1} version`} htmlFor={f(`model-version-${index}`)}>
                    <input
                      id={f(`model-version-${index}`)}
                      className="input"
                      value={m.version ?? ""}
                      onChange={(e) => setModel(index, { ...m, version: e.target.value })}
                    />
                  </Field>
                </>
              ) : (
                <>
                  <Field label={`Model ${index + 1} repository`} htmlFor={f(`model-repo-${index}`)}>
                    <input
                      id={f(`model-repo-${index}`)}
                      className="input"
                      required
                      placeholder="owner/name"
                      pattern="[A-Za-z0-9][\w.\-]*/[\w.\-]+"
                      title="owner/name, as on the hub"
                      value={m.repo}
                      onChange={(e) => setModel(index, { ...m, repo: e.target.value })}
                    />
                  </Field>
                  <Field label={`Model ${index + 1} revision`} htmlFor={f(`model-revision-${index}`)}>
                    <input
                      id={f(`model-revision-${index}`)}
                      className="input"
                      placeholder="commit or tag"
                      value={m.revision ?? ""}
                      onChange={(e) => setModel(index, { ...m, revision: e.target.value })}
                    />
                  </Field>
                </>
              )}
              <button
                type="button"
                className="btn-danger"
                aria-label={`Remove model ${index + 1}`}
                onClick={() => set({ models: form.models.filter((_, i) => i !== index) })}
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            className="btn-secondary"
            onClick={() => set({ models: [...form.models, { kind: "vendor_model", name: "" }] })}
          >
            Add model
          </button>
        </div>
      </fieldset>

      <details className="rounded-md border border-slate-200 p-3" open={form.aiActUseCases.length > 0}>
        <summary className="cursor-pointer text-sm font-medium text-slate-700">
          EU AI Act: role and use cases ({form.aiActUseCases.length} selected)
        </summary>
        <div className="mt-3 max-w-xs">
          <Field
            label="Our role under the AI Act"
            htmlFor={f("role")}
            hint="Leave to derive it from the deployment"
          >
            <select
              id={f("role")}
              className="input"
              value={form.aiActRole}
              onChange={(e) => set({ aiActRole: e.target.value as AiActRole | "" })}
            >
              <option value="">Derive</option>
              {(["deployer", "provider"] as const).map((r) => (
                <option key={r} value={r}>
                  {AI_ACT_ROLE_LABELS[r]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {USE_CASE_GROUPS.map((group) => (
          <fieldset key={group.title} className="mt-3">
            <legend className="text-xs font-medium uppercase tracking-wide text-slate-500">
              {group.title}
            </legend>
            <div className="mt-1 grid gap-1 md:grid-cols-2">
              {group.items.map((u) => (
                <label key={u} className="inline-flex items-center gap-2 text-sm">
                  <input
                    type="checkbox"
                    className="h-4 w-4 accent-teal-700"
                    checked={form.aiActUseCases.includes(u)}
                    onChange={(e) => set({ aiActUseCases: toggled(form.aiActUseCases, u, e.target.checked) })}
                  />
                  {USE_CASE_LABELS[u]}
                </label>
              ))}
            </div>
          </fieldset>
        ))}
      </details>

      <ErrorNote message={problem} />
      <div className="flex gap-2">
        <button type="submit" className="btn-primary" disabled={save.isPending}>
          Save integration
        </button>
        <button type="button" className="btn-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function YesNoSelect({ id, value, onChange }: { id: string; value: YesNo; onChange: (v: YesNo) => void }) {
  return (
    <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value as YesNo)}>
      <option value="unknown">Unknown</option>
      <option value="yes">Yes</option>
      <option value="no">No</option>
    </select>
  );
}
