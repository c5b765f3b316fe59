import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ApiError, api, type Problem, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { EmptyState, ErrorNote, Field, PageHeader } from "../components/ui";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";

export type ModelArtifact = components["schemas"]["ModelArtifact"];
export type ModelArtifactDetail = components["schemas"]["ModelArtifactDetail"];
export type ModelVerdict = NonNullable<components["schemas"]["ModelVerdict"]>;

export const modelsKey = ["models"] as const;

const VERDICT_STYLES: Record<ModelVerdict, string> = {
  safe: "bg-emerald-50 text-emerald-800 ring-emerald-600/30",
  suspicious: "bg-amber-50 text-amber-900 ring-amber-600/30",
  dangerous: "bg-red-50 text-red-800 ring-red-600/30",
  error: "bg-slate-100 text-slate-700 ring-slate-500/30",
};

/** A scan verdict in words and colour; the word carries the meaning, the colour only helps. */
export function VerdictBadge({ verdict }: { verdict: ModelVerdict | null }) {
  if (verdict === null) return <span className="text-xs text-slate-500">not scanned</span>;
  return (
    <span
      className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${VERDICT_STYLES[verdict]}`}
    >
      {verdict}
    </span>
  );
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** The scan's state in words: queued, how far it is, done, or why it failed. */
export function ScanStatus({ model }: { model: ModelArtifact }) {
  if (model.status === "pending") return <span className="text-xs text-slate-600">queued</span>;
  if (model.status === "failed")
    return (
      <span className="text-xs text-red-700" title={model.error ?? undefined}>
        failed{model.error ? `: ${model.error}` : ""}
      </span>
    );
  if (model.status === "scanning") {
    const p = model.progress;
    const percent =
      p && p.bytesTotal > 0 ? Math.min(100, Math.round((model.bytesScanned / p.bytesTotal) * 100)) : null;
    return (
      <span className="inline-flex items-center gap-2 text-xs text-slate-700">
        scanning
        {percent !== null ? (
          <progress className="h-2 w-20" max={100} value={percent} aria-label="Scan progress">
            {percent}%
          </progress>
        ) : null}
        {p ? `${p.filesDone}/${p.fileCount} files` : formatBytes(model.bytesScanned)}
      </span>
    );
  }
  return <span className="text-xs text-slate-600">done</span>;
}

export function sourceText(model: ModelArtifact): string {
  if (model.source === "upload") return "upload";
  return `${model.hubRepo ?? ""}@${(model.hubRevision ?? "").slice(0, 10)}`;
}

/** The Models area: every registered model with its verdict and scan state, and the form to add one. */
export function ModelsPage({ vendorId }: { vendorId?: string | undefined }) {
  const canWrite = useCanWrite();
  const [adding, setAdding] = useState(false);
  const models = useQuery({
    queryKey: [...modelsKey, "list", vendorId ?? ""],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/models", {
          params: { query: { limit: 200, ...(vendorId ? { vendorId } : {}) } },
        }),
      ),
    // Scans run in the background: poll while any is queued or running.
    refetchInterval: (q) =>
      q.state.data?.items.some((m) => m.status === "pending" || m.status === "scanning") ? 1000 : false,
  });
  return (
    <div className="space-y-6">
      <PageHeader
        title="Models"
        description="Model files from hubs or uploads, scanned on the server for code that runs on load, malformed formats and hash mismatches. Dangerous files raise findings and put the vendor in tier 3."
        actions={
          canWrite && !adding ? (
            <button type="button" className="btn-primary" onClick={() => setAdding(true)}>
              Register a model
            </button>
          ) : null
        }
      />
      {adding ? <RegisterModelForm onClose={() => setAdding(false)} initialVendorId={vendorId} /> : null}
      <ErrorNote message={models.error ? errorMessage(models.error) : undefined} />
      {vendorId ? (
        <p className="text-sm text-slate-600">
          Models of one vendor.{" "}
          <Link to="/models" className="text-teal-800 hover:underline">
            Show all
          </Link>
        </p>
      ) : null}
      {models.data && models.data.total === 0 ? (
        <EmptyState title="No model artifacts registered yet">
          Register a model from the Hugging Face Hub by repository and revision, or upload its files; each
          file is scanned without being loaded.
        </EmptyState>
      ) : null}
      {models.data && models.data.items.length > 0 ? (
        <table className="card w-full text-left text-sm">
          <thead className="text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="px-3 py-2">Model</th>
              <th className="px-3 py-2">Vendor</th>
              <th className="px-3 py-2">Source</th>
              <th className="px-3 py-2">Verdict</th>
              <th className="px-3 py-2">Scan</th>
              <th className="px-3 py-2">Files</th>
            </tr>
          </thead>
          <tbody>
            {models.data.items.map((m) => (
              <tr key={m.id} className="border-t border-slate-100">
                <td className="px-3 py-2 font-medium text-slate-900">
                  <Link to="/models/$id" params={{ id: m.id }} className="hover:underline">
                    {m.name}
                  </Link>
                  {m.integrationName ? (
                    <div className="text-xs text-slate-500">{m.integrationName}</div>
                  ) : null}
                </td>
                <td className="px-3 py-2">
                  <Link to="/vendors/$id" params={{ id: m.vendorId }} className="hover:underline">
                    {m.vendorName}
                  </Link>
                </td>
                <td className="px-3 py-2 font-mono text-xs">{sourceText(m)}</td>
                <td className="px-3 py-2">
                  <VerdictBadge verdict={m.verdict} />
                </td>
                <td className="px-3 py-2">
                  <ScanStatus model={m} />
                </td>
                <td className="px-3 py-2 text-xs text-slate-600">
                  {m.fileCount}
                  {m.counts.dangerous > 0 ? ` · ${m.counts.dangerous} dangerous` : ""}
                  {m.counts.suspicious > 0 ? ` · ${m.counts.suspicious} suspicious` : ""}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/**
 * Sends one file as the raw request body with upload progress (fetch reports none), the way the
 * API expects uploads: details in the query, bytes streamed, never a multipart form.
 */
function uploadFile(
  url: string,
  file: File,
  onProgress: (sent: number) => void,
): Promise<ModelArtifactDetail> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("content-type", "application/octet-stream");
    // The same tab-scoped CSRF token the API client sends (api/client.ts keeps it under this key).
    const csrf = sessionStorage.getItem("assay.csrf");
    if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ModelArtifactDetail);
      else {
        const p = (body ?? {}) as Partial<Problem>;
        reject(
          new ApiError({
            type: p.type ?? "about:blank",
            title: p.title ?? xhr.statusText,
            status: xhr.status,
            code: p.code ?? "INTERNAL",
            detail: p.detail ?? `The server answered ${xhr.status}.`,
          }),
        );
      }
    };
    xhr.onerror = () => reject(new Error("The upload was interrupted."));
    xhr.send(file);
  });
}

/** Register a model: vendor (and integration), then a Hub repository and revision, or files to upload. */
function RegisterModelForm({
  onClose,
  initialVendorId,
}: {
  onClose: () => void;
  initialVendorId?: string | undefined;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [vendorId, setVendorId] = useState(initialVendorId ?? "");
  const [integrationId, setIntegrationId] = useState("");
  const [source, setSource] = useState<"hub" | "upload">("hub");
  const [name, setName] = useState("");
  const [repo, setRepo] = useState("");
  const [revision, setRevision] = useState("main");
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(0);
  const [problem, setProblem] = useState<string>();
  const vendors = useQuery({
    queryKey: ["vendors", "for-models"],
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors", { params: { query: { limit: 200, sort: "name" } } })),
  });
  const integrations = useQuery({
    queryKey: ["vendors", vendorId, "integrations"],
    enabled: vendorId !== "",
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors/{id}/integrations", { params: { path: { id: vendorId } } })),
  });
  const total = files.reduce((a, f) => a + f.size, 0);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setProblem(undefined);
    setBusy(true);
    try {
      let id: string;
      if (source === "hub") {
        const model = unwrap(
          await api.POST("/api/models/hub", {
            body: {
              vendorId,
              repo: repo.trim(),
              ...(revision.trim() ? { revision: revision.trim() } : {}),
              ...(integrationId ? { integrationId } : {}),
              ...(name.trim() ? { name: name.trim() } : {}),
            },
          }),
        );
        id = model.id;
      } else {
        const [first, ...rest] = files;
        if (!first) throw new Error("Choose at least one file.");
        let done = 0;
        const query = new URLSearchParams({ vendorId, path: first.name });
        if (integrationId) query.set("integrationId", integrationId);
        if (name.trim()) query.set("name", name.trim());
        const created = await uploadFile(`/api/models/upload?${query}`, first, (n) => setSent(done + n));
        done += first.size;
        for (const file of rest) {
          await uploadFile(
            `/api/models/${created.id}/files?${new URLSearchParams({ path: file.name })}`,
            file,
            (n) => setSent(done + n),
          );
          done += file.size;
        }
        id = created.id;
      }
      await queryClient.invalidateQueries({ queryKey: modelsKey });
      onClose();
      await navigate({ to: "/models/$id", params: { id } });
    } catch (error) {
      setProblem(errorMessage(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="card space-y-4 p-4" aria-label="Register a model">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Vendor" htmlFor="model-vendor">
          <select
            id="model-vendor"
            className="input"
            required
            value={vendorId}
            onChange={(e) => {
              setVendorId(e.target.value);
              setIntegrationId("");
            }}
          >
            <option value="">Choose a vendor…</option>
            {vendors.data?.items.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Integration (optional)" htmlFor="model-integration">
          <select
            id="model-integration"
            className="input"
            value={integrationId}
            disabled={!vendorId}
            onChange={(e) => setIntegrationId(e.target.value)}
          >
            <option value="">None</option>
            {integrations.data?.items.map((i) => (
              <option key={i.id} value={i.id}>
                {i.name}
              </option>
            ))}
          </select>
        </Field>
        <Field
          label="Name (optional)"
          htmlFor="model-name"
          hint="Defaults to the repository or the first file's name"
        >
          <input id="model-name" className="input" value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
      </div>
      <fieldset className="flex gap-4 text-sm">
        <legend className="label">Source</legend>
        <label className="inline-flex items-center gap-1">
          <input
            type="radio"
            name="model-source"
            checked={source === "hub"}
            onChange={() => setSource("hub")}
          />
          Hugging Face Hub
        </label>
        <label className="inline-flex items-center gap-1">
          <input
            type="radio"
            name="model-source"
            checked={source === "upload"}
            onChange={() => setSource("upload")}
          />
          Upload files
        </label>
      </fieldset>
      {source === "hub" ? (
        <div className="grid gap-3 sm:grid-cols-2">
          <Field label="Repository" htmlFor="model-repo" hint="owner/name, as on the Hub">
            <input
              id="model-repo"
              className="input font-mono"
              required
              placeholder="owner/model"
              value={repo}
              onChange={(e) => setRepo(e.target.value)}
            />
          </Field>
          <Field label="Revision" htmlFor="model-revision" hint="Branch, tag or commit; pinned to its commit">
            <input
              id="model-revision"
              className="input font-mono"
              value={revision}
              onChange={(e) => setRevision(e.target.value)}
            />
          </Field>
        </div>
      ) : (
        <Field
          label="Files"
          htmlFor="model-files"
          hint="Weights, configuration and README.md; each is scanned as it uploads and not kept"
        >
          <input
            id="model-files"
            type="file"
            multiple
            className="block text-sm"
            onChange={(e) => setFiles([...(e.target.files ?? [])])}
          />
        </Field>
      )}
      {busy && source === "upload" && total > 0 ? (
        <div className="flex items-center gap-2 text-xs text-slate-600">
          <progress max={total} value={sent} className="h-2 w-48" aria-label="Upload progress" />
          {formatBytes(sent)} of {formatBytes(total)}
        </div>
      ) : null}
      <ErrorNote message={problem} />
      <div className="flex gap-2">
        <button
          type="submit"
          className="btn-primary"
          disabled={busy || !vendorId || (source === "upload" && files.length === 0)}
        >
          {busy ? (source === "hub" ? "Registering…" : "Uploading and scanning…") : "Register and scan"}
        </button>
        <button type="button" className="btn-secondary" onClick={onClose} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
