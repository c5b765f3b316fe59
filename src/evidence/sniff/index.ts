export * from "./sniff.ts";
