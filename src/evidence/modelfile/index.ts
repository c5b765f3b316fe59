/**
 * Model supply-chain scanner: format detection by content, pickle analysis without
 * deserialization, hostile-archive checks, safetensors/GGUF/Keras/ONNX validation and
 * integrity manifests. Start with `scanModelStream` (one file) or `scanModelTree` (many).
 */

export { findTemplateCodeExecution } from "./gguf.ts";
export { analyzeKerasConfig } from "./keras.ts";
export { type Manifest, type ManifestEntry, parseManifest } from "./manifest.ts";
export { externalDataEscape } from "./onnx.ts";
export { type PickleImport, type PickleScan, PickleWalker, scanPickleBytes } from "./pickle.ts";
export { classifyImport, type ImportClass } from "./pickle-policy.ts";
export { checkSafetensorsHeader } from "./safetensors.ts";
export { toSarif } from "./sarif.ts";
export {
  type IntegrityCheck,
  type IntegrityReport,
  type ModelFileScan,
  type ModelTreeEntry,
  type ModelTreeScan,
  type ScanStreamOptions,
  scanModelBytes,
  scanModelStream,
  scanModelTree,
  type TreeScanOptions,
} from "./scan.ts";
export { chatTemplatesOf } from "./tokenizer.ts";
export * from "./types.ts";
export { unsafeMemberName } from "./zip.ts";
