export * from "./document-text.ts";
export * from "./extract-pdf-text.ts";
export * from "./pdf-limits.ts";
export * from "./text-dates.ts";
