/**
 * Per-file scanning state shared by the format analyzers: limits, the bounded finding list,
 * the imports seen in all pickles of the file, and the format as it becomes known.
 */

import type { PickleImport } from "./pickle.ts";
import { DEFAULT_SCAN_LIMITS, type ModelFinding, type ModelFormat, type ScanLimits } from "./types.ts";

export class ScanContext {
  readonly limits: ScanLimits;
  readonly findings: ModelFinding[] = [];
  findingsOmitted = 0;
  readonly imports = new Map<string, PickleImport>();
  format: ModelFormat = "unknown";
  /** Formats found inside containers, by member path. */
  readonly members: Array<{ name: string; format: ModelFormat }> = [];
  /** Bytes inflated from all archive members of this file. */
  inflatedTotal = 0;

  constructor(limits: Partial<ScanLimits> = {}) {
    this.limits = { ...DEFAULT_SCAN_LIMITS, ...limits };
  }

  readonly report = (finding: ModelFinding): void => {
    if (this.findings.length < this.limits.maxFindings) this.findings.push(finding);
    else this.findingsOmitted++;
  };

  addImports(imports: Iterable<PickleImport>): void {
    for (const i of imports) {
      const key = `${i.module}\u0000${i.name}`;
      const seen = this.imports.get(key);
      if (seen) seen.count += i.count;
      else if (this.imports.size < 10_000) this.imports.set(key, { ...i });
    }
  }
}

/** Where an analyzer sits: its depth of archive nesting and the member path it reads. */
export interface AnalyzerPlace {
  ctx: ScanContext;
  depth: number;
  member: string | undefined;
}

/** Stamps the member path on a finding when the analyzer reads an archive member. */
export function at(place: AnalyzerPlace, finding: ModelFinding): ModelFinding {
  return place.member === undefined ? finding : { ...finding, member: place.member };
}
