import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import {
  groupBy,
  REMEDIATION_STATUS_LABELS,
  REMEDIATION_STATUSES,
  type RemediationItem,
  type RemediationStatus,
} from "../assessments/vocabulary";
import { Dialog } from "../components/dialog";
import { EmptyState, ErrorNote, Field, PageHeader } from "../components/ui";
import { useCanWrite } from "../inventory/permissions";
import { errorMessage } from "../session";

type Change = { item: RemediationItem; status: RemediationStatus };

const todayIso = () => new Date().toISOString().slice(0, 10);

/** Every remediation item, in columns by status, with owner and due date; status changes in place. */
export function RemediationPage() {
  const canWrite = useCanWrite();
  const queryClient = useQueryClient();
  const items = useQuery({
    queryKey: ["remediation", "all"],
    queryFn: async () => unwrap(await api.GET("/api/remediation", { params: { query: {} } })),
  });
  const vendors = useQuery({
    queryKey: ["vendors", { limit: 200, sort: "name" }],
    queryFn: async () =>
      unwrap(await api.GET("/api/vendors", { params: { query: { limit: 200, sort: "name" } } })),
  });
  const vendorName = new Map(vendors.data?.items.map((v) => [v.id, v.name]));
  const [change, setChange] = useState<Change>();
  const [problem, setProblem] = useState<string>();
  const patch = useMutation({
    mutationFn: async (args: {
      id: string;
      body: { status: RemediationStatus; evidenceRefs?: string[]; note?: string };
    }) =>
      unwrap(
        await api.PATCH("/api/remediation/{id}", { params: { path: { id: args.id } }, body: args.body }),
      ),
    onMutate: () => setProblem(undefined),
    onSuccess: async () => {
      setChange(undefined);
      await queryClient.invalidateQueries({ queryKey: ["remediation"] });
    },
    onError: (e) => setProblem(errorMessage(e)),
  });
  const move = (item: RemediationItem, status: RemediationStatus) => {
    if (status === "closed" || status === "risk_accepted") setChange({ item, status });
    else patch.mutate({ id: item.id, body: { status } });
  };
  const byStatus = new Map(groupBy(items.data?.items ?? [], (i) => i.status));
  const today = todayIso();
  return (
    <>
      <PageHeader
        title="Remediation"
        description="What vendors (and we) committed to fix after each decision, soonest due first."
        actions={
          <Link to="/assessments" className="btn-secondary">
            Assessments
          </Link>
        }
      />
      <ErrorNote message={items.error ? errorMessage(items.error) : change ? undefined : problem} />
      {items.data && items.data.items.length === 0 ? (
        <EmptyState title="No remediation items">
          Items appear when an assessment is approved with conditions: each gap becomes an item with an owner
          and a due date.
        </EmptyState>
      ) : null}
      {items.data && items.data.items.length > 0 ? (
        <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
          {REMEDIATION_STATUSES.map((status) => {
            const column = byStatus.get(status) ?? [];
            return (
              <section
                key={status}
                aria-label={REMEDIATION_STATUS_LABELS[status]}
                className="rounded-lg bg-slate-100 p-3"
              >
                <h2 className="mb-2 text-sm font-semibold text-slate-700">
                  {REMEDIATION_STATUS_LABELS[status]}{" "}
                  <span className="font-normal text-slate-500">{column.length}</span>
                </h2>
                <div className="space-y-2">
                  {column.map((item) => {
                    const late =
                      item.dueDate < today && (item.status === "open" || item.status === "in_progress");
                    return (
                      <article
                        key={item.id}
                        aria-label={item.title}
                        className="card p-3 text-sm"
                        data-testid="board-item"
                      >
                        <p className="font-medium text-slate-900">{item.title}</p>
                        <p className="mt-0.5 text-xs text-slate-600">
                          {vendorName.get(item.vendorId) ?? "vendor"} ·{" "}
                          <Link
                            to="/assessments/$id"
                            params={{ id: item.assessmentId }}
                            className="text-sky-700 hover:underline"
                          >
                            assessment
                          </Link>
                        </p>
                        <p className="mt-1 text-xs text-slate-700">{item.action}</p>
                        <dl className="mt-2 grid grid-cols-[4rem_1fr] text-xs">
                          <dt className="text-slate-500">Owner</dt>
                          <dd>{item.owner ?? `(${item.responsibleParty})`}</dd>
                          <dt className="text-slate-500">Due</dt>
                          <dd className={late ? "font-semibold text-red-700" : ""}>
                            {item.dueDate}
                            {late ? " · overdue" : ""}
                          </dd>
                        </dl>
                        {item.note ? <p className="mt-1 text-xs italic text-slate-600">{item.note}</p> : null}
                        {canWrite ? (
                          <select
                            aria-label={`Status of ${item.title}`}
                            className="input mt-2 text-xs"
                            value={item.status}
                            disabled={patch.isPending}
                            onChange={(e) => {
                              const next = REMEDIATION_STATUSES.find((s) => s === e.target.value);
                              if (next && next !== item.status) move(item, next);
                            }}
                          >
                            {REMEDIATION_STATUSES.map((s) => (
                              <option key={s} value={s}>
                                {REMEDIATION_STATUS_LABELS[s]}
                              </option>
                            ))}
                          </select>
                        ) : null}
                      </article>
                    );
                  })}
                </div>
              </section>
            );
          })}
        </div>
      ) : null}
      <Dialog
        open={change !== undefined}
        title={change?.status === "closed" ? "Close the item" : "Accept the risk"}
        onClose={() => setChange(undefined)}
      >
        {change ? (
          <CloseForm
            change={change}
            pending={patch.isPending}
            problem={problem}
            onSubmit={(body) => patch.mutate({ id: change.item.id, body })}
          />
        ) : null}
      </Dialog>
    </>
  );
}

function CloseForm({
  change,
  pending,
  problem,
  onSubmit,
}: {
  change: Change;
  pending: boolean;
  problem: string | undefined;
  onSubmit: (body: { status: RemediationStatus; evidenceRefs?: string[]; note?: string }) => void;
}) {
  const [text, setText] = useState("");
  const closing = change.status === "closed";
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        if (closing)
          onSubmit({
            status: "closed",
            evidenceRefs: text
              .split(/[\n,]/)
              .map((s) => s.trim())
              .filter(Boolean),
          });
        else onSubmit({ status: "risk_accepted", note: text.trim() });
      }}
    >
      <p className="text-sm text-slate-700">{change.item.title}</p>
      {change.item.closingEvidence.length && closing ? (
        <p className="text-xs text-slate-600">
          Closing evidence expected: {change.item.closingEvidence.join("; ")}
        </p>
      ) : null}
      <Field
        label={closing ? "Evidence references" : "Why the risk is accepted"}
        htmlFor="close-text"
        hint={
          closing
            ? "Document ids or names, one per line."
            : "At least 20 characters; kept for the audit trail."
        }
      >
        <textarea
          id="close-text"
          className="input min-h-20"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      </Field>
      <ErrorNote message={problem} />
      <button type="submit" className="btn-primary" disabled={pending}>
        {closing ? "Close item" : "Accept risk"}
      </button>
    </form>
  );
}
