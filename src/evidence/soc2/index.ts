export * from "./soc2-age.ts";
export * from "./soc2-analysis.ts";
export * from "./soc2-report.ts";
