import { REMEDIATION_STATUS_LABELS, type RemediationItem } from "./vocabulary";

/** Remediation items as a plain table: what to do, who, by when, in which state. */
export function RemediationTable({ items, caption }: { items: RemediationItem[]; caption: string }) {
  return (
    <div className="mt-3 overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={caption}>
        <caption className="mb-1 text-left text-sm font-medium text-slate-700">{caption}</caption>
        <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th className="py-1 pr-3">Item</th>
            <th className="py-1 pr-3">Owner</th>
            <th className="py-1 pr-3">Due</th>
            <th className="py-1 pr-3">Status</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {items.map((item) => (
            <tr key={item.id} data-testid="remediation-item">
              <td className="py-1 pr-3">
                <span className="font-medium">{item.title}</span>
                {item.blocking ? (
                  <span className="ml-2 text-xs font-semibold text-red-700">blocking</span>
                ) : null}
                <p className="text-xs text-slate-600">{item.action}</p>
              </td>
              <td className="py-1 pr-3">{item.owner ?? `(${item.responsibleParty})`}</td>
              <td className="py-1 pr-3 tabular-nums">{item.dueDate}</td>
              <td className="py-1 pr-3">{REMEDIATION_STATUS_LABELS[item.status]}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
