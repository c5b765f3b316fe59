export * from "./document-text-reader.ts";
export * from "./sniff.ts";
export * from "./zip-directory.ts";
