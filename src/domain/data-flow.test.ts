import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildCompanyDataFlowDot,
  buildDataFlowGraph,
  buildVendorDataFlowDot,
  type DataFlowIntegration,
  type DataFlowVendor,
  dotString,
} from "./data-flow.ts";

const openai: DataFlowVendor = { id: "v-openai", name: "OpenAI" };
const pinecone: DataFlowVendor = { id: "v-pinecone", name: "Pinecone" };

function integration(overrides: Partial<DataFlowIntegration> = {}): DataFlowIntegration {
  return {
    id: "i-1",
    vendorId: openai.id,
    name: "Support chatbot",
    productFeature: "Help centre chat",
    service: "OpenAI API",
    dataClasses: ["pii", "customer_data"],
    processingRegions: ["US"],
    decisionCritical: false,
    domain: "general",
    customerFacing: true,
    trainingUse: "no",
    ...overrides,
  };
}

const clinical = integration({
  id: "i-2",
  name: "Clinical notes",
  productFeature: "Clinical note summaries",
  dataClasses: ["phi"],
  domain: "healthcare",
  customerFacing: false,
  processingRegions: ["EU", "US"],
});

/** DOT statements: node lines `id [..., label="..."];` and edge lines `a -> b ...;`. */
function statements(dot: string) {
  const lines = dot.split("\n");
  return {
    nodes: lines.filter((l) => /^\s+\w+ \[.*label=".*"\];$/.test(l) && !/^\s+graph /.test(l)),
    edges: lines.filter((l) => /^\s+\w+ -> \w+( \[.*\])?;$/.test(l)),
  };
}

describe("buildDataFlowGraph", () => {
  it("draws feature → data class → vendor service → region for each integration", () => {
    const graph = buildDataFlowGraph([openai], [integration(), clinical]);
    const byKind = (kind: string) => graph.nodes.filter((n) => n.kind === kind).map((n) => n.label[0]);
    expect(byKind("feature")).toEqual(["Clinical note summaries", "Help centre chat"]);
    expect(byKind("data_class")).toEqual(["Customer data", "PHI", "PII"]);
    expect(byKind("service")).toEqual(["OpenAI"]);
    expect(byKind("region")).toEqual(["EU", "US"]);
    // feature→class: 2 + 1; class→service: 3; service→region: 2 (shared "US").
    expect(graph.edges).toHaveLength(8);
    expect(graph.omittedIntegrations).toBe(0);
  });

  it("marks tier-3 reasons high-risk: PHI node and its edges, the healthcare feature", () => {
    const graph = buildDataFlowGraph([openai], [integration(), clinical]);
    const phi = graph.nodes.find((n) => n.label[0] === "PHI");
    const pii = graph.nodes.find((n) => n.label[0] === "PII");
    expect(phi?.highRisk).toBe(true);
    expect(pii?.highRisk).toBe(false);
    expect(graph.edges.filter((e) => e.highRisk).every((e) => e.from === phi?.id || e.to === phi?.id)).toBe(
      true,
    );
    expect(graph.edges.filter((e) => e.highRisk)).toHaveLength(2);
    const feature = graph.nodes.find((n) => n.label[0] === "Clinical note summaries");
    expect(feature).toMatchObject({ highRisk: true, label: ["Clinical note summaries", "healthcare"] });
    const dot = buildVendorDataFlowDot(openai, [integration(), clinical]);
    expect(dot).toContain('label="Data flows: OpenAI\\nred: puts the vendor in tier 3"');
    expect(buildVendorDataFlowDot(openai, [integration()])).toContain('label="Data flows: OpenAI"];');
    expect(dot).toMatch(new RegExp(`${phi?.id} \\[[^\\n]*color="#d93025"`));
  });

  it("shows what is not recorded as unknown, dashed", () => {
    const graph = buildDataFlowGraph(
      [openai],
      [
        integration({
          dataClasses: undefined,
          processingRegions: [],
          service: undefined,
          domain: undefined,
          decisionCritical: null,
        }),
      ],
    );
    const labels = graph.nodes.map((n) => n.label.join(" | "));
    expect(labels).toEqual(
      expect.arrayContaining([
        "Data classes unknown",
        "Region unknown",
        "OpenAI | service unknown",
        "Help centre chat | domain unknown · decision-critical? · customer-facing",
      ]),
    );
    expect(graph.nodes.filter((n) => n.unknown).map((n) => n.kind)).toEqual([
      "data_class",
      "service",
      "region",
    ]);
    expect(graph.edges.every((e) => e.unknown)).toBe(true);
  });

  it("is deterministic and keeps node ids stable when integrations are added", () => {
    const a = buildCompanyDataFlowDot([openai, pinecone], [integration(), clinical]);
    const b = buildCompanyDataFlowDot([pinecone, openai], [clinical, integration()]);
    expect(a).toBe(b);
    const before = buildDataFlowGraph([openai], [integration()]);
    const after = buildDataFlowGraph([openai], [integration(), clinical]);
    for (const node of before.nodes) expect(after.nodes.map((n) => n.id)).toContain(node.id);
  });

  it("gives byte-identical DOT for any order of the same records (property)", () => {
    const pool = [
      integration(),
      clinical,
      integration({ id: "i-3", vendorId: pinecone.id, service: "Index", dataClasses: undefined }),
      integration({ id: "i-4", name: "Search", productFeature: "Search", processingRegions: ["UK", "EU"] }),
      integration({
        id: "i-5",
        vendorId: pinecone.id,
        name: "Same name",
        productFeature: "Help centre chat",
      }),
    ];
    const expected = buildCompanyDataFlowDot([openai, pinecone], pool);
    fc.assert(
      fc.property(fc.shuffledSubarray(pool, { minLength: pool.length }), fc.boolean(), (order, flip) => {
        const vendors = flip ? [pinecone, openai] : [openai, pinecone];
        expect(buildCompanyDataFlowDot(vendors, order)).toBe(expected);
      }),
    );
  });

  it("draws a company diagram across vendors, shares features and data classes, and bounds its size", () => {
    const embed = integration({ id: "i-3", vendorId: pinecone.id, service: "Serverless index" });
    const graph = buildDataFlowGraph([openai, pinecone], [integration(), embed]);
    expect(graph.nodes.filter((n) => n.kind === "feature")).toHaveLength(1);
    expect(graph.nodes.filter((n) => n.kind === "service").map((n) => n.label[0])).toEqual([
      "OpenAI",
      "Pinecone",
    ]);
    expect(graph.title).toBe("Data flows: all AI vendors");

    const many = Array.from({ length: 120 }, (_, i) =>
      integration({
        id: `m${i}`,
        name: `Feature ${i}`,
        productFeature: `Feature ${String(i).padStart(3, "0")}`,
      }),
    );
    const bounded = buildDataFlowGraph([openai], many, { maxIntegrations: 20 });
    expect(bounded.omittedIntegrations).toBe(100);
    expect(bounded.nodes.filter((n) => n.kind === "feature")).toHaveLength(20);
    expect(bounded.nodes.find((n) => n.kind === "note")?.label).toEqual([
      "… and 100 more integrations not drawn",
    ]);
  });

  it("leaves out integrations whose vendor is not given, and cuts long labels", () => {
    const stray = integration({ id: "x", vendorId: "other" });
    expect(buildDataFlowGraph([openai], [stray]).nodes).toEqual([]);
    const long = buildDataFlowGraph([openai], [integration({ productFeature: "x".repeat(500) })], {
      maxLabelLength: 40,
    });
    const feature = long.nodes.find((n) => n.kind === "feature");
    expect(feature?.label[0]).toHaveLength(40);
    expect(feature?.label[0]?.endsWith("…")).toBe(true);
  });
});

describe("DOT escaping", () => {
  it.each([
    ['Evil "Corp"', '"Evil \\"Corp\\""'],
    ["back\\slash \\N \\G", '"back\\\\slash \\\\N \\\\G"'],
    ["<b>bold</b>", '"<b>bold</b>"'],
    ["a & b &amp;", '"a &amp; b &amp;amp;"'],
    ["line\nbreak\r\ttab", '"line break tab"'],
  ])("%j is written as a literal quoted string", (input, expected) => {
    expect(dotString([input])).toBe(expected);
  });

  it("keeps every statement well formed whatever the names (property)", () => {
    const name = fc.string({ unit: "binary", minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(name, name, name, name, (vendorName, feature, service, region) => {
        const dot = buildVendorDataFlowDot({ id: "v", name: vendorName }, [
          integration({
            vendorId: "v",
            productFeature: feature,
            service,
            processingRegions: [region],
            dataClasses: ["phi"],
          }),
        ]);
        const { nodes, edges } = statements(dot);
        expect(nodes).toHaveLength(4);
        expect(edges).toHaveLength(3);
        // Outside quoted strings only DOT syntax remains: no stray quote, no HTML-like label.
        const bare = dot.replace(/"(?:[^"\\]|\\[\s\S])*"/g, '""');
        expect(bare).not.toMatch(/[<\\]/);
        expect(bare.split('"').length % 2).toBe(1);
      }),
      { numRuns: 60 },
    );
  });
});
