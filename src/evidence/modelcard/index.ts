export * from "./hub-licenses.ts";
export * from "./model-card.ts";
