/**
 * SARIF 2.1.0 (OASIS) output of a model scan, for code-scanning tools such as GitHub's: one
 * rule per finding kind, one result per finding, located in the scanned file (with a byte
 * offset when the finding is not inside an archive member).
 */

import type { ModelTreeScan } from "./scan.ts";
import type { FindingSeverity } from "./types.ts";

const LEVEL: Record<FindingSeverity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "warning",
  info: "note",
};

/** GitHub reads `security-severity` (0–10) to rank security alerts. */
const SECURITY_SEVERITY: Record<FindingSeverity, string> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.0",
  low: "3.0",
  info: "0.0",
};

const RANK: Record<FindingSeverity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** Builds a SARIF log from a tree scan. `uriPrefix` is prepended to file paths (e.g. the scanned folder). */
export function toSarif(
  scan: ModelTreeScan,
  options: { version: string; uriPrefix?: string },
): Record<string, unknown> {
  const rules = new Map<string, { severity: FindingSeverity; example: string }>();
  const results: Array<Record<string, unknown>> = [];
  const prefix = options.uriPrefix ?? "";
  for (const file of scan.files) {
    const uri = `${prefix}${file.path}`.split("/").map(encodeURIComponent).join("/");
    for (const f of file.findings) {
      const known = rules.get(f.rule);
      if (!known || RANK[f.severity] > RANK[known.severity])
        rules.set(f.rule, { severity: f.severity, example: f.message });
      const region =
        f.offset !== undefined && f.member === undefined ? { region: { byteOffset: f.offset } } : {};
      const where =
        f.member !== undefined
          ? ` (in ${f.member}${f.offset !== undefined ? ` at byte ${f.offset}` : ""})`
          : "";
      results.push({
        ruleId: f.rule,
        level: LEVEL[f.severity],
        message: { text: `${f.message}${where}` },
        locations: [{ physicalLocation: { artifactLocation: { uri }, ...region } }],
        properties: {
          severity: f.severity,
          format: file.format,
          ...(f.member !== undefined ? { member: f.member } : {}),
          ...(f.offset !== undefined ? { offset: f.offset } : {}),
          ...(f.opcode !== undefined ? { opcode: f.opcode } : {}),
          ...(f.module !== undefined ? { module: f.module, name: f.name } : {}),
        },
      });
    }
    if (file.error !== undefined) {
      rules.set("scan.error", { severity: "high", example: "file could not be scanned" });
      results.push({
        ruleId: "scan.error",
        level: "error",
        message: { text: `file could not be scanned: ${file.error}` },
        locations: [{ physicalLocation: { artifactLocation: { uri } } }],
      });
    }
  }
  for (const path of scan.integrity?.missing ?? []) {
    rules.set("integrity.missing", { severity: "high", example: "file listed in the manifest is missing" });
    results.push({
      ruleId: "integrity.missing",
      level: "error",
      message: { text: `${path} is listed in the manifest but missing` },
      locations: [{ physicalLocation: { artifactLocation: { uri: `${prefix}${path}` } } }],
    });
  }
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "assay-scan",
            version: options.version,
            rules: [...rules.entries()].map(([id, r]) => ({
              id,
              name: id.replace(/[._](\w)/g, (_m, c: string) => c.toUpperCase()),
              shortDescription: { text: id },
              fullDescription: { text: r.example },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                tags: ["security", "supply-chain"],
                "security-severity": SECURITY_SEVERITY[r.severity],
              },
            })),
          },
        },
        results,
      },
    ],
  };
}
