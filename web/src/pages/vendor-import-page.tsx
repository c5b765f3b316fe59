import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type ChangeEvent, useState } from "react";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { ErrorNote, PageHeader } from "../components/ui";
import { TierBadge } from "../inventory/badges";
import { useCanWrite } from "../inventory/permissions";
import type { Tier } from "../inventory/vocabulary";
import { errorMessage } from "../session";

type ImportResult = components["schemas"]["VendorImportResult"];
type ColumnMapping = components["schemas"]["ImportColumnMapping"];
type ImportField = keyof ColumnMapping;

/** The fields a column can feed, in the order of the vendor record and then the integration. */
const FIELD_LABELS: Record<ImportField, string> = {
  vendorName: "Vendor name (required)",
  website: "Website",
  category: "Category",
  vendorOwner: "Vendor owner",
  trustPortalUrl: "Trust portal",
  headquartersCountry: "Headquarters country",
  status: "Vendor status",
  integrationName: "Integration name",
  productFeature: "Product feature",
  service: "Vendor service",
  models: "Models",
  deployment: "Deployment",
  dataClasses: "Data classes",
  processingRegions: "Processing regions",
  retentionDays: "Retention (days)",
  trainingUse: "Training use",
  customerFacing: "Customer-facing",
  decisionCritical: "Decision-critical",
  domain: "Domain",
  humanOversight: "Human oversight",
  integrationOwner: "Integration owner",
};
const FIELDS = Object.keys(FIELD_LABELS) as ImportField[];

const MAX_BYTES = 5 * 1024 * 1024;

/** Bytes to base64 in slices, so a 5 MB file does not overflow the argument list of fromCharCode. */
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const asTier = (n: number): Tier => (n >= 3 ? 3 : n <= 1 ? 1 : 2);

interface LoadedFile {
  name: string;
  contentBase64: string;
}

/**
 * Spreadsheet import in two steps: a preview (nothing written) with the detected column mapping,
 * the vendors to be created and every rejected row; then the import, all rows in one transaction.
 */
export function VendorImportPage() {
  const queryClient = useQueryClient();
  const canWrite = useCanWrite();
  const [file, setFile] = useState<LoadedFile>();
  const [mapping, setMapping] = useState<ColumnMapping>();
  const [preview, setPreview] = useState<ImportResult>();
  const [skipRejected, setSkipRejected] = useState(false);
  const [problem, setProblem] = useState<string>();
  const [done, setDone] = useState<ImportResult["imported"]>(null);

  const run = useMutation({
    mutationFn: async (input: { file: LoadedFile; mapping?: ColumnMapping; dryRun: boolean }) =>
      unwrap(
        await api.POST("/api/vendors/import", {
          body: {
            fileName: input.file.name,
            format: "auto",
            contentBase64: input.file.contentBase64,
            mapping: input.mapping,
            dryRun: input.dryRun,
            skipRejected: input.dryRun ? false : skipRejected,
          },
        }),
      ),
    onSuccess: async (result, input) => {
      setPreview(result);
      setMapping(result.mapping);
      if (!input.dryRun && result.imported) {
        setDone(result.imported);
        await queryClient.invalidateQueries({ queryKey: ["vendors"] });
        await queryClient.invalidateQueries({ queryKey: ["dashboard"] });
      }
    },
    onError: (e) => setProblem(errorMessage(e)),
  });

  const choose = async (event: ChangeEvent<HTMLInputElement>) => {
    setProblem(undefined);
    setPreview(undefined);
    setMapping(undefined);
    setDone(null);
    setSkipRejected(false);
    const chosen = event.target.files?.[0];
    if (!chosen) return setFile(undefined);
    if (chosen.size > MAX_BYTES) {
      setFile(undefined);
      return setProblem(`${chosen.name} is ${(chosen.size / 1048576).toFixed(1)} MB; the limit is 5 MB.`);
    }
    const loaded = { name: chosen.name, contentBase64: toBase64(new Uint8Array(await chosen.arrayBuffer())) };
    setFile(loaded);
    run.mutate({ file: loaded, dryRun: true });
  };

  const remap = (field: ImportField, header: string) => {
    if (!file || !mapping) return;
    const next: ColumnMapping = { ...mapping };
    if (header) next[field] = header;
    else delete next[field];
    setMapping(next);
    setProblem(undefined);
    run.mutate({ file, mapping: next, dryRun: true });
  };

  const rejected = preview?.rejected ?? [];
  const canImport =
    canWrite && preview && !done && preview.vendors.length > 0 && (rejected.length === 0 || skipRejected);

  return (
    <>
      <PageHeader
        title="Import spreadsheet"
        description="Bring the vendor register you keep today. Nothing is stored until you confirm the preview, and then every row is stored in one go or none is."
        actions={
          <Link to="/vendors" className="btn-secondary">
            Back to vendors
          </Link>
        }
      />
      <section className="card mb-6 p-5">
        <label className="label" htmlFor="import-file">
          Spreadsheet (CSV or XLSX, up to 5 MB)
        </label>
        <input
          id="import-file"
          type="file"
          accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          className="block text-sm file:mr-3 file:rounded-md file:border-0 file:bg-teal-700 file:px-3 file:py-2 file:text-white"
          disabled={run.isPending}
          onChange={(e) => void choose(e)}
        />
        <p className="mt-2 text-xs text-slate-500">
          The first row holds the column names. Several rows naming the same vendor become one vendor with
          several integrations.
        </p>
        {run.isPending ? (
          <p role="status" className="mt-2 text-sm text-slate-600">
            Reading…
          </p>
        ) : null}
        <div className="mt-2">
          <ErrorNote message={problem} />
        </div>
      </section>

      {done ? (
        <p
          role="status"
          className="mb-6 rounded-md border border-emerald-200 bg-emerald-50 p-4 text-sm text-emerald-900"
        >
          Imported {done.vendors} {done.vendors === 1 ? "vendor" : "vendors"} with {done.integrations}{" "}
          {done.integrations === 1 ? "integration" : "integrations"}.{" "}
          <Link to="/vendors" className="font-medium underline">
            See the vendor list
          </Link>
        </p>
      ) : null}

      {preview && mapping ? (
        <div className="grid gap-6 xl:grid-cols-[22rem_minmax(0,1fr)]">
          <section className="card p-5" aria-labelledby="mapping-title">
            <h2 id="mapping-title" className="text-base font-semibold">
              Column mapping
            </h2>
            <p className="mb-3 text-xs text-slate-500">
              {preview.format.toUpperCase()}
              {preview.sheet ? `, sheet “${preview.sheet}”` : ""} · {preview.rowCount} rows · suggested from
              the column names; change any of them.
            </p>
            <div className="space-y-2">
              {FIELDS.map((field) => (
                <div key={field} className="grid grid-cols-[1fr_11rem] items-center gap-2">
                  <label className="text-sm text-slate-700" htmlFor={`map-${field}`}>
                    {FIELD_LABELS[field]}
                  </label>
                  <select
                    id={`map-${field}`}
                    className="input py-1"
                    value={mapping[field] ?? ""}
                    disabled={run.isPending || Boolean(done)}
                    onChange={(e) => remap(field, e.target.value)}
                  >
                    <option value="">— not imported —</option>
                    {preview.headers.map((h) => (
                      <option key={h} value={h}>
                        {h}
                      </option>
                    ))}
                  </select>
                </div>
              ))}
            </div>
          </section>

          <div className="min-w-0 space-y-6">
            <section className="card" aria-labelledby="to-create-title">
              <h2
                id="to-create-title"
                className="border-b border-slate-200 px-5 py-3 text-base font-semibold"
              >
                {done ? "Imported" : "To be created"}: {preview.vendors.length}{" "}
                {preview.vendors.length === 1 ? "vendor" : "vendors"}
              </h2>
              {preview.vendors.length ? (
                <table
                  className="min-w-full divide-y divide-slate-200 text-sm"
                  aria-label="Vendors to be created"
                >
                  <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <tr>
                      <th className="px-4 py-2">Rows</th>
                      <th className="px-4 py-2">Vendor</th>
                      <th className="px-4 py-2">Category</th>
                      <th className="px-4 py-2 text-right">Integrations</th>
                      <th className="px-4 py-2">Tier</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {preview.vendors.map((v) => (
                      <tr key={`${v.name}-${v.rowNumbers[0]}`}>
                        <td className="px-4 py-2 tabular-nums text-slate-600">{v.rowNumbers.join(", ")}</td>
                        <td className="px-4 py-2 font-medium">{v.name}</td>
                        <td className="px-4 py-2">{v.category.replaceAll("_", " ")}</td>
                        <td className="px-4 py-2 text-right tabular-nums">{v.integrations}</td>
                        <td className="px-4 py-2">
                          <TierBadge tier={asTier(v.tier)} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="p-5 text-sm text-slate-600">No row can be imported with this mapping.</p>
              )}
            </section>

            <section className="card" aria-labelledby="rejected-title">
              <h2 id="rejected-title" className="border-b border-slate-200 px-5 py-3 text-base font-semibold">
                Rejected rows: {rejected.length}
              </h2>
              {rejected.length ? (
                <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label="Rejected rows">
                  <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
                    <tr>
                      <th className="px-4 py-2">Row</th>
                      <th className="px-4 py-2">Column</th>
                      <th className="px-4 py-2">Value</th>
                      <th className="px-4 py-2">Reason</th>
                    </tr>
                  </thead>
                  <tbody className="divide-y divide-slate-100">
                    {rejected.map((r) => (
                      <tr key={`${r.rowNumber}-${r.column ?? ""}-${r.reason}`}>
                        <td className="px-4 py-2 tabular-nums">{r.rowNumber}</td>
                        <td className="px-4 py-2">{r.column ?? "—"}</td>
                        <td className="px-4 py-2 font-mono text-xs">{r.value ?? ""}</td>
                        <td className="px-4 py-2">{r.reason}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <p className="p-5 text-sm text-emerald-800">Every row can be imported.</p>
              )}
            </section>

            {!done && canWrite && file ? (
              <section className="card space-y-3 p-5" aria-label="Confirm import">
                {rejected.length ? (
                  <label className="flex items-center gap-2 text-sm">
                    <input
                      type="checkbox"
                      className="h-4 w-4 accent-teal-700"
                      checked={skipRejected}
                      onChange={(e) => setSkipRejected(e.target.checked)}
                    />
                    Skip the {rejected.length} rejected {rejected.length === 1 ? "row" : "rows"} and import
                    the rest
                  </label>
                ) : null}
                <button
                  type="button"
                  className="btn-primary"
                  disabled={!canImport || run.isPending}
                  onClick={() => {
                    setProblem(undefined);
                    run.mutate({ file, mapping, dryRun: false });
                  }}
                >
                  Import {preview.vendors.length} {preview.vendors.length === 1 ? "vendor" : "vendors"}
                </button>
                {rejected.length && !skipRejected ? (
                  <p className="text-xs text-slate-500">
                    Fix the rejected rows in the spreadsheet and choose it again, or skip them.
                  </p>
                ) : null}
              </section>
            ) : null}
          </div>
        </div>
      ) : null}
    </>
  );
}
