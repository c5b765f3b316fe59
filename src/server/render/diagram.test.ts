import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  buildDataFlowGraph,
  buildVendorDataFlowDot,
  type DataFlowIntegration,
} from "../../domain/data-flow.ts";
import { isAppError } from "../../domain/errors.ts";
import { checkDot, closeDiagramRenderer, renderSvg } from "./diagram.ts";

afterAll(closeDiagramRenderer);

const vendor = { id: "v1", name: 'Evil "Corp" <script>alert(1)</script> onload=x() \\N & co' };
const integrations: DataFlowIntegration[] = [
  {
    id: "i1",
    vendorId: "v1",
    name: "Notes",
    productFeature: "Clinical <img src=x onerror=alert(1)> notes",
    service: "API",
    dataClasses: ["phi", "pii"],
    processingRegions: ["EU"],
    decisionCritical: false,
    domain: "healthcare",
    customerFacing: false,
    trainingUse: "no",
  },
  {
    id: "i2",
    vendorId: "v1",
    name: "Search",
    dataClasses: undefined,
    processingRegions: [],
    decisionCritical: null,
    customerFacing: true,
    trainingUse: "unknown",
  },
];

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (isAppError(error)) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

/** Markup of the SVG without text content: what a browser would execute or fetch lives here. */
const tagsOnly = (svg: string) => svg.replace(/>[^<]*</g, "><");

describe("renderSvg", () => {
  it("renders a vendor data-flow diagram with every node and edge, hostile names shown as text", async () => {
    const graph = buildDataFlowGraph([vendor], integrations);
    const svg = await renderSvg(buildVendorDataFlowDot(vendor, integrations));
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.match(/class="node"/g)).toHaveLength(graph.nodes.length);
    expect(svg.match(/class="edge"/g)).toHaveLength(graph.edges.length);
    expect(svg).toContain(
      "Evil &quot;Corp&quot; &lt;script&gt;alert(1)&lt;/script&gt; onload=x() \\N &amp; co",
    );
    expect(svg).toContain("Clinical &lt;img src=x onerror=alert(1)&gt; notes");
    expect(svg).toContain("Data classes unknown");
    expect(svg).toContain("#d93025");
    const markup = tagsOnly(svg);
    expect(markup).not.toMatch(/<script|<image|<a\b|href=|<!DOCTYPE|onload=|onerror=|<foreignObject/i);
    expect(svg).not.toMatch(/<!--/);
    expect(tagsOnly(svg).match(/https?:\/\/[^"]*/g)).toEqual(["http://www.w3.org/2000/svg"]);
  });

  it("refuses DOT that links, embeds or uses HTML-like labels, but not such words inside labels", async () => {
    for (const dot of [
      'digraph { a [URL="https://example.com"] }',
      'digraph { a [image="/etc/passwd"] }',
      'digraph { graph [stylesheet="https://x/s.css"]; a }',
      "digraph { a [label=<<b>x</b>>] }",
    ]) {
      expect((await refusal(renderSvg(dot))).code).toBe("INPUT_MALFORMED");
    }
    expect(() => checkDot('digraph { a [label="URL=https://x image=y <b>"] }')).not.toThrow();
  });

  it("refuses oversized and invalid DOT, and stops a layout past the time limit", async () => {
    expect((await refusal(renderSvg("digraph { a }", { maxDotBytes: 5 }))).code).toBe("INPUT_TOO_LARGE");
    expect((await refusal(renderSvg("digraph { a -> "))).code).toBe("INPUT_MALFORMED");
    const edges = Array.from({ length: 3000 }, (_, i) => `n${i % 400} -> n${(i * 7) % 400};`).join("\n");
    const slow = await refusal(renderSvg(`digraph { ${edges} }`, { timeoutMs: 1 }));
    expect(slow.code).toBe("INPUT_TOO_LARGE");
    // The stopped thread is replaced: the next render works.
    expect(await renderSvg("digraph { a -> b }")).toContain('class="edge"');
  });

  it("renders any names without active markup (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), async (name, feature) => {
        const v = { id: "v", name: name || "x" };
        const svg = await renderSvg(
          buildVendorDataFlowDot(v, [
            {
              ...integrations[0],
              id: "p",
              vendorId: "v",
              name: "p",
              productFeature: feature || "f",
            } as DataFlowIntegration,
          ]),
        );
        expect(tagsOnly(svg)).not.toMatch(/<script|href=|<a\b|<image/i);
      }),
      { numRuns: 25 },
    );
  });
});
