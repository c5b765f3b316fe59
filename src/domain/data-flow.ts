/**
 * Data-flow diagrams drawn from the inventory, never by hand: for each AI integration, our product
 * feature → the data classes it sends → the vendor's service → the regions where it is processed.
 * The graph is built first (plain data the UI can also use), then written as Graphviz DOT text.
 * What puts a vendor in tier 3 is drawn red (PHI, payment data, biometric data, credentials;
 * regulated or decision-critical use); what is not recorded is drawn as "unknown", dashed, since
 * unknowns count upward. Output is deterministic (sorted, ids derived from content) and bounded.
 */
import type { AiIntegration, DataClass, Vendor } from "./inventory.ts";
import { classifyTier, TIER3_DATA_CLASSES } from "./tiering.ts";

export type DataFlowVendor = Pick<Vendor, "id" | "name">;
export type DataFlowIntegration = Pick<
  AiIntegration,
  | "id"
  | "vendorId"
  | "name"
  | "productFeature"
  | "service"
  | "dataClasses"
  | "processingRegions"
  | "decisionCritical"
  | "domain"
  | "customerFacing"
  | "trainingUse"
>;

export const DATA_FLOW_NODE_KINDS = ["feature", "data_class", "service", "region", "note"] as const;
export type DataFlowNodeKind = (typeof DATA_FLOW_NODE_KINDS)[number];

export interface DataFlowNode {
  /** Stable id derived from the node's kind and key, safe as a DOT identifier. */
  id: string;
  kind: DataFlowNodeKind;
  /** Lines of the label, plain text (escaped only when written). */
  label: string[];
  /** Drawn red: a tier-3 reason sits on this node. */
  highRisk: boolean;
  /** Drawn dashed: the value is not recorded. */
  unknown: boolean;
}

export interface DataFlowEdge {
  from: string;
  to: string;
  highRisk: boolean;
  unknown: boolean;
}

export interface DataFlowGraph {
  title: string;
  nodes: DataFlowNode[];
  edges: DataFlowEdge[];
  /** Integrations left out because of `maxIntegrations`. */
  omittedIntegrations: number;
}

export interface DataFlowOptions {
  /** At most this many integrations are drawn (default 300); the rest are counted in a note. */
  maxIntegrations?: number | undefined;
  /** Labels are cut to this many characters (default 60). */
  maxLabelLength?: number | undefined;
}

const DATA_CLASS_LABELS: Readonly<Record<DataClass, string>> = {
  public: "Public",
  internal: "Internal",
  confidential: "Confidential",
  customer_data: "Customer data",
  pii: "PII",
  phi: "PHI",
  payment_data: "Payment data",
  credentials: "Credentials / secrets",
  biometric: "Biometric",
};

const KIND_ORDER: Readonly<Record<DataFlowNodeKind, number>> = {
  feature: 0,
  data_class: 1,
  service: 2,
  region: 3,
  note: 4,
};

/** FNV-1a, 32 bits: a short stable id from a node key (collisions are resolved by suffix). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function cut(text: string, max: number): string {
  // Control characters never reach a label; long names are shortened, not wrapped.
  const clean = text.replace(/\p{Cc}+/gu, " ").trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

class GraphBuilder {
  readonly nodes = new Map<string, DataFlowNode>();
  readonly edges = new Map<string, DataFlowEdge>();
  private readonly idsByKey = new Map<string, string>();
  private readonly usedIds = new Set<string>();

  node(
    kind: DataFlowNodeKind,
    key: string,
    label: string[],
    flags: { highRisk?: boolean; unknown?: boolean } = {},
  ) {
    const fullKey = `${kind}\u0000${key}`;
    let id = this.idsByKey.get(fullKey);
    if (id === undefined) {
      const base = `${kind}_${hash(fullKey)}`;
      id = base;
      for (let n = 2; this.usedIds.has(id); n++) id = `${base}_${n}`;
      this.idsByKey.set(fullKey, id);
      this.usedIds.add(id);
      this.nodes.set(id, { id, kind, label, highRisk: false, unknown: false });
    }
    const node = this.nodes.get(id);
    if (node !== undefined) {
      node.highRisk ||= flags.highRisk === true;
      node.unknown ||= flags.unknown === true;
    }
    return id;
  }

  edge(from: string, to: string, flags: { highRisk?: boolean; unknown?: boolean } = {}): void {
    const key = `${from}->${to}`;
    const edge = this.edges.get(key) ?? { from, to, highRisk: false, unknown: false };
    edge.highRisk ||= flags.highRisk === true;
    edge.unknown ||= flags.unknown === true;
    this.edges.set(key, edge);
  }
}

/**
 * Builds the data-flow graph of the given vendors' integrations: feature → data class → vendor
 * service → region, with tier-3 reasons marked high-risk and missing values as "unknown" nodes.
 */
export function buildDataFlowGraph(
  vendors: readonly DataFlowVendor[],
  integrations: readonly DataFlowIntegration[],
  options: DataFlowOptions & { title?: string | undefined } = {},
): DataFlowGraph {
  const max = options.maxIntegrations ?? 300;
  const labelMax = options.maxLabelLength ?? 60;
  const vendorById = new Map(vendors.map((v) => [v.id, v]));
  const drawable = integrations
    .filter((i) => vendorById.has(i.vendorId))
    .map((i) => ({ integration: i, vendorName: vendorById.get(i.vendorId)?.name ?? "" }))
    .sort(
      (a, b) =>
        compare(a.vendorName, b.vendorName) ||
        compare(a.integration.name, b.integration.name) ||
        compare(a.integration.id, b.integration.id),
    );
  const drawn = drawable.slice(0, Math.max(0, max));
  const b = new GraphBuilder();

  for (const { integration, vendorName } of drawn) {
    const tier = classifyTier({ integrations: [integration], asOf: "2000-01-01" });
    const useReasons = tier.reasons.filter(
      (r) => r.tier === 3 && (r.attribute === "domain" || r.attribute === "decisionCritical"),
    );
    const featureText = integration.productFeature ?? integration.name;
    const featureLines = [cut(featureText, labelMax)];
    const notes = [
      integration.domain === undefined
        ? "domain unknown"
        : integration.domain !== "general"
          ? integration.domain
          : null,
      integration.decisionCritical === true
        ? "decision-critical"
        : integration.decisionCritical == null
          ? "decision-critical?"
          : null,
      integration.customerFacing === true ? "customer-facing" : null,
    ].filter((n): n is string => n !== null);
    if (notes.length > 0) featureLines.push(cut(notes.join(" · "), labelMax));
    // Features are per product feature, so one feature using two vendors is drawn once.
    const feature = b.node("feature", featureText.toLowerCase(), featureLines, {
      highRisk: useReasons.length > 0,
    });

    const serviceText = integration.service ?? "service unknown";
    const service = b.node(
      "service",
      `${integration.vendorId}\u0000${serviceText.toLowerCase()}`,
      [cut(vendorName, labelMax), cut(serviceText, labelMax)],
      { unknown: integration.service === undefined },
    );

    const classes = integration.dataClasses ?? [];
    if (classes.length === 0) {
      const unknown = b.node("data_class", "unknown", ["Data classes unknown"], { unknown: true });
      b.edge(feature, unknown, { unknown: true });
      b.edge(unknown, service, { unknown: true });
    }
    for (const c of [...classes].sort()) {
      const sensitive = TIER3_DATA_CLASSES.includes(c);
      const node = b.node("data_class", c, [DATA_CLASS_LABELS[c]], { highRisk: sensitive });
      b.edge(feature, node, { highRisk: sensitive });
      b.edge(node, service, { highRisk: sensitive });
    }

    const regions = integration.processingRegions ?? [];
    if (regions.length === 0) {
      const unknown = b.node("region", "unknown", ["Region unknown"], { unknown: true });
      b.edge(service, unknown, { unknown: true });
    }
    for (const region of regions) {
      b.edge(service, b.node("region", region.toLowerCase(), [cut(region, labelMax)]));
    }
  }
  const omitted = drawable.length - drawn.length;
  if (omitted > 0) {
    b.node("note", "omitted", [`… and ${omitted} more integrations not drawn`]);
  }
  const nodes = [...b.nodes.values()].sort(
    (x, y) =>
      KIND_ORDER[x.kind] - KIND_ORDER[y.kind] ||
      compare(x.label.join("\n"), y.label.join("\n")) ||
      compare(x.id, y.id),
  );
  const edges = [...b.edges.values()].sort((x, y) => compare(x.from, y.from) || compare(x.to, y.to));
  const title =
    options.title ??
    (vendors.length === 1
      ? `Data flows: ${cut(vendors[0]?.name ?? "", labelMax)}`
      : "Data flows: all AI vendors");
  return { title, nodes, edges, omittedIntegrations: omitted };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A DOT double-quoted string holding `text` literally: backslashes and quotes escaped (so "\N" or
 * "\G" cannot reach Graphviz's substitutions), `&` written as an entity so Graphviz cannot read an
 * entity out of a name, line breaks only where we put them. Never an HTML-like `<...>` label.
 */
export function dotString(lines: readonly string[]): string {
  const escaped = lines.map((line) =>
    line
      .replace(/\p{Cc}+/gu, " ")
      .replace(/\\/g, "\\\\")
      .replace(/"/g, '\\"')
      .replace(/&/g, "&amp;"),
  );
  return `"${escaped.join("\\n")}"`;
}

const STYLE: Readonly<Record<DataFlowNodeKind, string>> = {
  feature: 'shape=box, style="rounded,filled", fillcolor="#e8f0fe"',
  data_class: 'shape=note, style=filled, fillcolor="#fff8e1"',
  service: 'shape=component, style=filled, fillcolor="#e6f4ea"',
  region: 'shape=ellipse, style=filled, fillcolor="#f1f3f4"',
  note: 'shape=plaintext, fontcolor="#5f6368"',
};

/** Writes a data-flow graph as Graphviz DOT: left to right, one column per node kind. */
export function dataFlowGraphToDot(graph: DataFlowGraph): string {
  const out: string[] = [];
  out.push("digraph data_flow {");
  const legend = [
    graph.nodes.some((n) => n.highRisk) ? "red: puts the vendor in tier 3" : null,
    graph.nodes.some((n) => n.unknown) ? "dashed: not recorded (counts upward)" : null,
  ].filter((l): l is string => l !== null);
  const label = legend.length === 0 ? [graph.title] : [graph.title, legend.join(" · ")];
  out.push(`  graph [rankdir=LR, fontname="Helvetica", fontsize=14, labelloc=t, label=${dotString(label)}];`);
  out.push('  node [fontname="Helvetica", fontsize=11];');
  out.push('  edge [color="#5f6368"];');
  for (const kind of DATA_FLOW_NODE_KINDS) {
    const ofKind = graph.nodes.filter((n) => n.kind === kind);
    if (ofKind.length === 0) continue;
    out.push(`  subgraph column_${kind} {`);
    out.push("    rank=same;");
    for (const n of ofKind) {
      const extra = [
        n.highRisk ? 'color="#d93025", penwidth=2, fontcolor="#a50e0e"' : "",
        n.unknown ? 'style="dashed,filled", color="#e37400"' : "",
      ]
        .filter((s) => s !== "")
        .join(", ");
      out.push(
        `    ${n.id} [${STYLE[kind]}${extra === "" ? "" : `, ${extra}`}, label=${dotString(n.label)}];`,
      );
    }
    out.push("  }");
  }
  for (const e of graph.edges) {
    const attrs = [
      e.highRisk ? 'color="#d93025", penwidth=2' : "",
      e.unknown ? 'style=dashed, color="#e37400"' : "",
    ].filter((s) => s !== "");
    out.push(`  ${e.from} -> ${e.to}${attrs.length === 0 ? "" : ` [${attrs.join(", ")}]`};`);
  }
  out.push("}");
  return `${out.join("\n")}\n`;
}

/** DOT text of one vendor's data flows. */
export function buildVendorDataFlowDot(
  vendor: DataFlowVendor,
  integrations: readonly DataFlowIntegration[],
  options: DataFlowOptions = {},
): string {
  return dataFlowGraphToDot(
    buildDataFlowGraph(
      [vendor],
      integrations.filter((i) => i.vendorId === vendor.id),
      options,
    ),
  );
}

/** DOT text of the whole company's data flows, across every vendor given. */
export function buildCompanyDataFlowDot(
  vendors: readonly DataFlowVendor[],
  integrations: readonly DataFlowIntegration[],
  options: DataFlowOptions & { title?: string | undefined } = {},
): string {
  return dataFlowGraphToDot(buildDataFlowGraph(vendors, integrations, options));
}
