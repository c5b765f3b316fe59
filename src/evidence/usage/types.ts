/**
 * Shapes shared by the usage-log readers, the attribution table and the content classifier.
 * A UsageEvent never carries prompt text: only what was detected (kinds, counts, classes,
 * confidences) and a SHA-256 of the text, so identical prompts can be recognised without keeping them.
 */

// The data classes are the inventory's vocabulary (tiering, policy and usage speak the same words).
import type { DataClass } from "../../domain/inventory.ts";

export { DATA_CLASSES, type DataClass } from "../../domain/inventory.ts";

export const DETECTION_KINDS = [
  "email",
  "phone",
  "payment_card",
  "iban",
  "us_ssn",
  "ip_address",
  "api_key",
  "private_key",
  "jwt",
  "password",
  "high_entropy_secret",
  "medical_record_number",
  "icd10_code",
  "medical_term",
  "custom",
] as const;
export type DetectionKind = (typeof DETECTION_KINDS)[number];

/** The data class each built-in kind is evidence of. */
export const DATA_CLASS_OF_KIND: Readonly<Record<Exclude<DetectionKind, "custom">, DataClass>> = {
  email: "pii",
  phone: "pii",
  payment_card: "payment_data",
  iban: "payment_data",
  us_ssn: "pii",
  ip_address: "pii",
  api_key: "credentials",
  private_key: "credentials",
  jwt: "credentials",
  password: "credentials",
  high_entropy_secret: "credentials",
  medical_record_number: "phi",
  icd10_code: "phi",
  medical_term: "phi",
};

/** What was found in one request's content: never the matched text, only its kind and count. */
export interface Detection {
  kind: DetectionKind;
  dataClass: DataClass;
  /** Matches of this kind (and rule) in the text. */
  count: number;
  /** 0..1: how sure the detector is that the matches are real (highest over the matches). */
  confidence: number;
  /** The rule that fired, e.g. `aws_access_key_id`, or the custom pattern's name. */
  rule: string;
  /** Only with the explicit `excerpts` option: short context with the match itself masked. */
  excerpts?: string[];
}

export const USAGE_FORMATS = ["jsonl", "csv", "proxy", "dns"] as const;
export type UsageFormat = (typeof USAGE_FORMATS)[number];

/** The normalised record every log format is turned into. */
export interface UsageEvent {
  /** 1-based line (or CSV record) number in the input. */
  line: number;
  /** ISO 8601 in UTC. */
  timestamp: string;
  /** Lower-cased host, or null when the record names none (a bare request body). */
  host: string | null;
  path: string | null;
  method: string | null;
  /** Catalogue slug, or null when the host is not a known AI vendor. */
  vendor: string | null;
  service: string | null;
  /** True when the host is a consumer front-end (chatgpt.com, claude.ai…): shadow-AI discovery only. */
  discoveryOnly: boolean;
  model: string | null;
  modelVersion: string | null;
  region: string | null;
  /** Azure resource, endpoint name or similar label taken from the host. */
  resource: string | null;
  /** The user, service account or client address that sent the request. */
  actor: string | null;
  /** Where the log came from (`--source`), e.g. `litellm-prod`. */
  source: string | null;
  requestBytes: number | null;
  responseBytes: number | null;
  /** SHA-256 (hex) of the prompt text as classified; null when the record carries no content. */
  contentHash: string | null;
  detections: Detection[];
}

/** A line that could not be read. The caller decides whether to stop or to skip and report. */
export interface UsageLineError {
  line: number;
  code: "USAGE_LINE_INVALID";
  reason: string;
}

export type UsageRecord = { ok: true; event: UsageEvent } | { ok: false; error: UsageLineError };
