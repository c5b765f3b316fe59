import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { ErrorNote } from "../components/ui";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";
import {
  formatBytes,
  type ModelArtifactDetail,
  modelsKey,
  ScanStatus,
  sourceText,
  VerdictBadge,
} from "./models-page";

type ModelFile = ModelArtifactDetail["files"][number];
type ScanFinding = ModelFile["findings"][number];

const SEVERITY_STYLES: Record<ScanFinding["severity"], string> = {
  info: "bg-slate-100 text-slate-700",
  low: "bg-sky-50 text-sky-800",
  medium: "bg-amber-50 text-amber-900",
  high: "bg-red-50 text-red-800",
  critical: "bg-red-700 text-white",
};

function SeverityBadge({ severity }: { severity: ScanFinding["severity"] }) {
  return (
    <span className={`inline-flex rounded px-1.5 py-0.5 text-xs font-semibold ${SEVERITY_STYLES[severity]}`}>
      {severity}
    </span>
  );
}

/** One model: its scan state, the findings it raised, every file with the scanner's findings, integrity and card. */
export function ModelDetailPage({ id }: { id: string }) {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [problem, setProblem] = useState<string>();
  const model = useQuery({
    queryKey: [...modelsKey, id],
    queryFn: async () => unwrap(await api.GET("/api/models/{id}", { params: { path: { id } } })),
    refetchInterval: (q) =>
      q.state.data?.status === "pending" || q.state.data?.status === "scanning" ? 1000 : false,
  });
  const rescan = useMutation({
    mutationFn: async () => unwrap(await api.POST("/api/models/{id}/rescan", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: modelsKey }),
    onError: (e) => setProblem(errorMessage(e)),
  });
  const remove = useMutation({
    mutationFn: async () => {
      const result = await api.DELETE("/api/models/{id}", { params: { path: { id } } });
      if (!result.response.ok) unwrap(result);
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: modelsKey });
      await navigate({ to: "/models" });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  if (model.error) return <ErrorNote message={errorMessage(model.error)} />;
  const m = model.data;
  if (!m) return <p className="text-sm text-slate-500">Loading…</p>;
  const openFindings = m.findings.filter((f) => f.status === "open");
  const resolved = m.findings.filter((f) => f.status === "resolved");
  return (
    <div className="space-y-8">
      <header>
        <nav aria-label="Breadcrumb" className="mb-2 text-sm text-slate-500">
          <Link to="/models" className="hover:underline">
            Models
          </Link>{" "}
          / {m.name}
        </nav>
        <div className="flex flex-wrap items-start justify-between gap-4">
          <div>
            <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold tracking-tight text-slate-900">
              {m.name}
              <VerdictBadge verdict={m.verdict} />
            </h1>
            <p className="mt-1 text-sm text-slate-600">
              <Link to="/vendors/$id" params={{ id: m.vendorId }} className="text-teal-800 hover:underline">
                {m.vendorName}
              </Link>
              {m.integrationName ? ` · ${m.integrationName}` : ""} ·{" "}
              <span className="font-mono text-xs">{sourceText(m)}</span>
              {m.scannedAt ? ` · scanned ${new Date(m.scannedAt).toLocaleString()}` : ""}
            </p>
            <p className="mt-1">
              <ScanStatus model={m} />
            </p>
          </div>
          {canWrite ? (
            <div className="flex flex-wrap gap-2">
              {m.source === "hub" ? (
                <button
                  type="button"
                  className="btn-secondary"
                  disabled={rescan.isPending || m.status === "pending" || m.status === "scanning"}
                  onClick={() => {
                    setProblem(undefined);
                    rescan.mutate();
                  }}
                >
                  Rescan
                </button>
              ) : null}
              <button
                type="button"
                className="btn-danger"
                disabled={remove.isPending}
                onClick={() => {
                  setProblem(undefined);
                  if (window.confirm(`Delete ${m.name}? Its findings are resolved.`)) remove.mutate();
                }}
              >
                Delete
              </button>
            </div>
          ) : null}
        </div>
        <div className="mt-3">
          <ErrorNote message={problem} />
        </div>
      </header>

      <section aria-label="Findings" className="space-y-3">
        <h2 className="text-lg font-semibold text-slate-900">Findings</h2>
        {openFindings.length === 0 ? (
          <p className="text-sm text-slate-500">
            {m.status === "done" ? "No open findings." : "Findings appear when the scan is done."}
          </p>
        ) : (
          <ul className="space-y-2">
            {openFindings.map((f) => (
              <li key={f.id} className="card p-3 text-sm">
                <div className="flex items-center gap-2">
                  <SeverityBadge severity={f.severity} />
                  <span className="font-medium text-slate-900">{f.title}</span>
                </div>
                <p className="mt-1 text-slate-600">{f.detail}</p>
              </li>
            ))}
          </ul>
        )}
        {resolved.length > 0 ? (
          <details className="text-sm text-slate-600">
            <summary>{resolved.length} resolved by a later scan</summary>
            <ul className="mt-2 list-disc pl-5">
              {resolved.map((f) => (
                <li key={f.id}>{f.title}</li>
              ))}
            </ul>
          </details>
        ) : null}
      </section>

      <section aria-label="Files" className="space-y-3">
        <h2 className="text-lg font-semibold text-slate-900">Files</h2>
        {m.files.length === 0 ? <p className="text-sm text-slate-500">No files scanned yet.</p> : null}
        {m.files.map((f) => (
          <FileCard key={f.path} file={f} />
        ))}
      </section>

      <section aria-label="Integrity" className="space-y-2">
        <h2 className="text-lg font-semibold text-slate-900">Integrity</h2>
        {m.integrity === null ? (
          <p className="text-sm text-slate-500">
            {m.source === "upload"
              ? "No published hashes were given with the uploads."
              : "Checked against the Hub's file listing when the scan is done."}
          </p>
        ) : (
          <p className={`text-sm ${m.integrity.ok ? "text-emerald-800" : "text-red-800"}`}>
            {m.integrity.ok
              ? `All ${m.integrity.checked} files match the hashes the ${m.integrity.manifestKind === "hf-tree" ? "Hub lists" : "uploader gave"}.`
              : `${m.integrity.mismatched.length} of ${m.integrity.checked} files do not match: ${m.integrity.mismatched.map((x) => x.path).join(", ")}.`}
          </p>
        )}
      </section>

      <section aria-label="Model card" className="space-y-2">
        <h2 className="text-lg font-semibold text-slate-900">Model card</h2>
        {m.modelCard === null ? (
          <p className="text-sm text-slate-500">Not analysed yet.</p>
        ) : (
          <div className="card space-y-2 p-4 text-sm">
            <p>
              {m.modelCard.cardPresent ? "README.md is present." : "There is no model card."}{" "}
              {m.modelCard.noDocumentationRedFlag ? (
                <strong className="text-red-800">Red flag: no model card or documentation.</strong>
              ) : null}
            </p>
            <p className="text-slate-600">
              Licence: {m.modelCard.metadata.license ?? "not stated"}
              {m.modelCard.metadata.license && !m.modelCard.licenseValid ? " (not a known identifier)" : ""}
              {m.modelCard.metadata.datasets.length > 0
                ? ` · datasets: ${m.modelCard.metadata.datasets.join(", ")}`
                : ""}
              {m.modelCard.metadata.baseModel.length > 0
                ? ` · base model: ${m.modelCard.metadata.baseModel.join(", ")}`
                : ""}
            </p>
            {m.modelCard.cardPresent && m.modelCard.missing.length > 0 ? (
              <p className="text-slate-600">
                Missing: {m.modelCard.missing.map((s) => s.replaceAll("_", " ")).join(", ")}
              </p>
            ) : null}
            {m.modelCard.findings.length > 0 ? (
              <ul className="space-y-1">
                {m.modelCard.findings.map((f) => (
                  <li key={f.rule} className="flex gap-2">
                    <SeverityBadge severity={f.severity} />
                    <span>
                      {f.title}: <span className="text-slate-600">{f.detail}</span>
                    </span>
                  </li>
                ))}
              </ul>
            ) : null}
          </div>
        )}
      </section>
    </div>
  );
}

/** One file: format, size, verdict, hash and integrity, and each scanner finding with where it is. */
function FileCard({ file }: { file: ModelFile }) {
  return (
    <article className="card p-3 text-sm" aria-label={`File ${file.path}`}>
      <div className="flex flex-wrap items-center gap-3">
        <span className="font-mono font-medium text-slate-900">{file.path}</span>
        <VerdictBadge verdict={file.verdict} />
        <span className="text-xs text-slate-500">
          {file.format} · {formatBytes(file.size)}
        </span>
        {file.integrity ? (
          <span
            className={`text-xs ${file.integrity.ok ? "text-emerald-800" : "font-semibold text-red-800"}`}
          >
            {file.integrity.ok
              ? `${file.integrity.algorithm} matches`
              : `${file.integrity.algorithm} mismatch`}
          </span>
        ) : null}
      </div>
      {file.sha256 ? (
        <p className="mt-1 break-all font-mono text-xs text-slate-500">sha256 {file.sha256}</p>
      ) : null}
      {file.error ? <p className="mt-1 text-xs text-red-700">Not fully read: {file.error}</p> : null}
      {file.findings.length > 0 ? (
        <table className="mt-2 w-full text-left text-xs">
          <thead className="uppercase tracking-wide text-slate-500">
            <tr>
              <th className="py-1 pr-2">Severity</th>
              <th className="py-1 pr-2">Finding</th>
              <th className="py-1 pr-2">Opcode</th>
              <th className="py-1 pr-2">Import</th>
              <th className="py-1 pr-2">Offset</th>
            </tr>
          </thead>
          <tbody>
            {file.findings.map((f) => (
              <tr
                key={`${f.rule}:${f.member ?? ""}:${f.offset ?? ""}:${f.message}`}
                className="border-t border-slate-100 align-top"
              >
                <td className="py-1 pr-2">
                  <SeverityBadge severity={f.severity} />
                </td>
                <td className="py-1 pr-2">
                  <span className="font-mono">{f.rule}</span> {f.message}
                  {f.member ? <div className="text-slate-500">in {f.member}</div> : null}
                </td>
                <td className="py-1 pr-2 font-mono">{f.opcode ?? ""}</td>
                <td className="py-1 pr-2 font-mono">
                  {f.module ? `${f.module}${f.name ? `.${f.name}` : ""}` : ""}
                </td>
                <td className="py-1 pr-2 font-mono">{f.offset ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {file.findingsOmitted > 0 ? (
        <p className="mt-1 text-xs text-slate-500">{file.findingsOmitted} more findings not listed.</p>
      ) : null}
    </article>
  );
}
