import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { ErrorNote } from "../components/ui";
import { errorMessage } from "../session";
import type { AssessmentDetail } from "./vocabulary";

type Reminder = components["schemas"]["AssessmentReminder"];

const KIND_LABELS: Record<string, string> = {
  "assessment.reminder_7": "7 business days before",
  "assessment.reminder_2": "2 business days before",
  "assessment.overdue": "Overdue",
};

const STATUS_STYLES: Record<Reminder["status"], string> = {
  pending: "bg-amber-100 text-amber-800",
  sent: "bg-emerald-100 text-emerald-800",
  failed: "bg-red-100 text-red-800",
};

/** The questionnaire reminders of one assessment: who they go to and whether each went out. */
export function RemindersCard({ a }: { a: AssessmentDetail }) {
  const reminders = useQuery({
    queryKey: ["assessment", a.id, "reminders"],
    queryFn: async () =>
      unwrap(await api.GET("/api/assessments/{id}/reminders", { params: { path: { id: a.id } } })),
    enabled: a.status !== "draft",
  });
  const items = reminders.data?.items ?? [];
  return (
    <section className="card p-5" aria-labelledby="reminders-title">
      <h2 id="reminders-title" className="text-base font-semibold">
        Reminders
      </h2>
      <p className="mt-1 text-sm text-slate-600" data-testid="respondent">
        {a.respondentEmail ? (
          <>
            Respondent: {a.respondentName ? `${a.respondentName} ` : ""}
            <span className="font-mono text-xs">{a.respondentEmail}</span>
          </>
        ) : a.status === "draft" ? (
          "Name the respondent beside Send to vendor to have reminders e-mailed to them."
        ) : (
          "No respondent e-mail: reminders go only to the webhook, if one is configured."
        )}
      </p>
      <p className="mt-1 text-xs text-slate-500">
        Sent 7 and 2 business days before the due date and on the first business day after it, while the
        vendor still owes answers.
      </p>
      <ErrorNote message={reminders.error ? errorMessage(reminders.error) : undefined} />
      {a.status === "draft" ? null : items.length === 0 ? (
        <p className="mt-2 text-sm text-slate-600">{reminders.isLoading ? "Loading…" : "None sent yet."}</p>
      ) : (
        <table className="mt-2 w-full text-left text-sm" aria-label="Reminders">
          <thead className="text-xs text-slate-500">
            <tr>
              <th className="py-1 font-medium">Reminder</th>
              <th className="py-1 font-medium">Channel</th>
              <th className="py-1 font-medium">Status</th>
              <th className="py-1 font-medium">Sent</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id} className="border-t border-slate-100">
                <td className="py-1">{KIND_LABELS[r.kind] ?? r.kind}</td>
                <td className="py-1">{r.channel === "email" ? "E-mail" : "Webhook"}</td>
                <td className="py-1">
                  <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[r.status]}`}>
                    {r.status}
                    {r.status !== "sent" && r.attempts > 0 ? ` (${r.attempts} tries)` : ""}
                  </span>
                </td>
                <td className="py-1 tabular-nums">{r.sentAt ? new Date(r.sentAt).toLocaleString() : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
