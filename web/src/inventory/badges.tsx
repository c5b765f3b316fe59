import type { ReactNode } from "react";
import { type CatalogFact, STATUS_LABELS, type Tier, type VendorStatus } from "./vocabulary";

const TIER_STYLES: Record<Tier, string> = {
  1: "bg-emerald-50 text-emerald-800 ring-emerald-600/30",
  2: "bg-amber-50 text-amber-900 ring-amber-600/30",
  3: "bg-red-50 text-red-800 ring-red-600/30",
};

/** Tier 1 green, 2 amber, 3 red; an overridden tier says so in text, not only in colour. */
export function TierBadge({ tier, overridden }: { tier: Tier; overridden?: boolean }) {
  return (
    <span
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-semibold ring-1 ring-inset ${TIER_STYLES[tier]}`}
    >
      Tier {tier}
      {overridden ? (
        <span className="font-normal italic" title="Set by an override; the computed tier differs">
          (overridden)
        </span>
      ) : null}
    </span>
  );
}

const STATUS_STYLES: Record<VendorStatus, string> = {
  proposed: "bg-slate-100 text-slate-700",
  in_review: "bg-sky-50 text-sky-800",
  approved: "bg-emerald-50 text-emerald-800",
  approved_with_conditions: "bg-amber-50 text-amber-900",
  rejected: "bg-red-50 text-red-800",
  offboarded: "bg-slate-200 text-slate-600 line-through",
};

export function StatusBadge({ status }: { status: VendorStatus }) {
  return (
    <span
      className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${STATUS_STYLES[status]}`}
    >
      {STATUS_LABELS[status]}
    </span>
  );
}

/** A catalogue value as text: lists joined, "unknown" kept as the word. */
export function factText(value: unknown): string {
  if (value === undefined || value === null) return "unknown";
  if (Array.isArray(value)) return value.length ? value.map(String).join(", ") : "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value).replaceAll("_", " ");
}

const isUrl = (s: string) => /^https?:\/\//.test(s);

/** One catalogue fact with its as-of date, an "uncertain" marker and its source link. */
export function Fact({ label, fact, children }: { label: string; fact: CatalogFact; children?: ReactNode }) {
  const text = factText(fact.value);
  return (
    <div className="py-1.5">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="text-sm text-slate-800">
        {children ??
          (isUrl(text) ? (
            <a className="break-all text-teal-700 underline" href={text} target="_blank" rel="noreferrer">
              {text}
            </a>
          ) : (
            <span className={text === "unknown" ? "italic text-slate-500" : undefined}>{text}</span>
          ))}
        <FactMeta asOf={fact.asOf} uncertain={fact.uncertain} source={fact.source} />
        {fact.note ? <p className="text-xs text-slate-500">{fact.note}</p> : null}
      </dd>
    </div>
  );
}

export function FactMeta({
  asOf,
  uncertain,
  source,
}: {
  asOf: string;
  uncertain: boolean;
  source?: string | undefined;
}) {
  return (
    <span className="ml-2 whitespace-nowrap text-xs text-slate-500">
      as of {asOf}
      {uncertain ? (
        <span className="ml-1 rounded bg-amber-100 px-1 font-medium text-amber-900" title="To be re-verified">
          uncertain
        </span>
      ) : null}
      {source ? (
        <a className="ml-1 text-teal-700 underline" href={source} target="_blank" rel="noreferrer">
          source
        </a>
      ) : null}
    </span>
  );
}

/** A toggle chip for a filter: a button whose pressed state screen readers announce. */
export function Chip({
  pressed,
  onToggle,
  children,
}: {
  pressed: boolean;
  onToggle: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      aria-pressed={pressed}
      onClick={onToggle}
      className={`rounded-full border px-2.5 py-1 text-xs font-medium transition ${
        pressed
          ? "border-teal-700 bg-teal-700 text-white"
          : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50"
      }`}
    >
      {children}
    </button>
  );
}
