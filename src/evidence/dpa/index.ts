export * from "./dpa.ts";
export * from "./durations.ts";
