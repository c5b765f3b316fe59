/**
 * The one-page vendor summary as a self-contained HTML document: inline styles, no scripts, no
 * external references, every value escaped. For the audit pack and for printing; the web app
 * renders the same VendorSummary object with its own components.
 */
import type { VendorSummary } from "../../domain/vendor-summary.ts";

const ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text safe inside HTML elements and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** An http(s) link, or plain text when the value is anything else (never a javascript: URL). */
function link(url: string | null, text?: string): string {
  if (url === null) return "";
  const label = escapeHtml(text ?? url);
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}" rel="noreferrer">${label}</a>` : label;
}

function list(items: readonly string[], empty: string): string {
  if (items.length === 0) return `<p class="muted">${escapeHtml(empty)}</p>`;
  return `<ul>${items.map((i) => `<li>${i}</li>`).join("")}</ul>`;
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#202124;max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0}h2{font-size:1.1rem;border-bottom:1px solid #dadce0;padding-bottom:.2rem;margin-top:1.4rem}
.muted{color:#5f6368}.risk{color:#b3261e}.badge{float:right;border-radius:.4rem;color:#fff;padding:.4rem .9rem;font-weight:700;font-size:1.3rem}
.t1{background:#1e8e3e}.t2{background:#e37400}.t3{background:#b3261e}.cols{display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
ul{padding-left:1.2rem;margin:.3rem 0}table{border-collapse:collapse}td,th{text-align:left;padding:.1rem .6rem .1rem 0;vertical-align:top}
@media print{body{margin:0}}`;

/** Renders the vendor summary as one HTML document. */
export function renderVendorSummaryHtml(summary: VendorSummary): string {
  const s = summary;
  const e = escapeHtml;
  const uses = s.uses.map(
    (u) =>
      `<strong>${e(u.integration)}</strong>: ${e(u.feature)}, via ${e(u.service)}${u.models.length > 0 ? ` (${e(u.models.join(", "))})` : ""}; domain ${e(u.domain)}; customer-facing ${u.customerFacing}; decision-critical ${u.decisionCritical}; EU AI Act ${e(u.aiActClass.replaceAll("_", " "))}${u.aiActRole === "unknown" ? "" : ` as ${e(u.aiActRole)}`}${u.aiActBasis.length > 0 ? ` <span class="muted">(${e(u.aiActBasis.join("; "))})</span>` : ""}`,
  );
  const data = [
    ...s.data.classes.map(
      (c) =>
        `<span${c.sensitive ? ' class="risk"' : ""}>${e(c.label)}${c.sensitive ? " (tier 3 data)" : ""}</span>: ${e(c.integrations.join(", "))}`,
    ),
    ...(s.data.unknownIn.length > 0
      ? [`<span class="risk">Not recorded for: ${e(s.data.unknownIn.join(", "))}</span>`]
      : []),
  ];
  const facts =
    s.catalog === null
      ? `<p class="muted">Not a catalogue vendor; no published facts on file.</p>`
      : `<table>${[
          ...s.catalog.facts,
          ...s.catalog.certifications.map((c) => ({ ...c, label: `Certification: ${c.label}` })),
        ]
          .map(
            (f) =>
              `<tr><th>${e(f.label)}</th><td>${e(f.value)}${f.uncertain ? ' <span class="muted">(unconfirmed)</span>' : ""} <span class="muted">[${f.source === null ? "no source" : link(f.source, "source")}, as of ${e(f.asOf)}]</span></td></tr>`,
          )
          .join("")}</table>`;
  const documents = s.documents.map(
    (d) =>
      `<span${d.status === "present" ? "" : ' class="risk"'}>${e(d.label)}: ${d.status === "present" ? e(d.detail) : `${d.status.toUpperCase()}${d.status === "expired" ? ` (${e(d.detail)})` : ""}`}</span>`,
  );
  const findings = s.findings.items.map(
    (f) =>
      `<span${f.severity === "high" || f.severity === "critical" ? ' class="risk"' : ""}>[${e(f.severity)}] ${e(f.title)}${f.dueOn === undefined ? "" : ` (due ${e(f.dueOn)})`}</span>`,
  );
  const v = s.vendor;
  const override =
    s.tier.override === null
      ? ""
      : ` Overridden from the computed tier ${s.tier.computedTier}: ${e(s.tier.override.justification)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Vendor summary: ${e(v.name)}</title><style>${STYLE}</style></head>
<body>
<div class="badge t${s.tier.tier}">Tier ${s.tier.tier}</div>
<h1>${e(v.name)}</h1>
<p class="muted">${e(v.category)} · status ${e(v.status)} · owner ${e(v.owner)} · HQ ${e(v.headquartersCountry)}${v.website === null ? "" : ` · ${link(v.website)}`}${v.trustPortalUrl === null ? "" : ` · ${link(v.trustPortalUrl, "trust portal")}`}<br>Summary as of ${e(s.asOf)} · EU AI Act: highest class ${e(s.aiAct.highest.replaceAll("_", " "))}</p>
<h2>What we use it for</h2>${list(uses, "No integrations recorded.")}
<h2>Data sent</h2>${list(data, "No data classes recorded.")}
<p>Processing regions: ${e(s.data.regions.join(", ") || "unknown")}<br>Retention: ${e(s.data.retention.join("; ") || "unknown")}<br>Vendor trains on the data: ${e(s.data.trainingUse.join("; ") || "unknown")}</p>
<h2>Tier ${s.tier.tier} and why</h2>
<p>${s.tier.questionCount} questions; review ${e(s.tier.reviewCadence)}; next review due ${e(s.tier.nextReviewDue)}.${override}</p>
${list(s.tier.reasons.map(e), "No rule raised the tier above 1.")}
<div class="cols"><section><h2>Catalogue facts</h2>${facts}</section>
<section><h2>Contract and documents</h2>${list(documents, "No documents on file.")}
<h2>Open findings (${s.findings.total})</h2>${list(findings, "No open findings.")}</section></div>
<p class="muted">Generated by Assay from the inventory. Catalogue facts carry their source and as-of date; unknown means not recorded, and counts upward in tiering.</p>
</body></html>
`;
}
