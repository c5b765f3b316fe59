import type { ErrorCode } from "../domain/errors.ts";

/**
 * Exit codes of every `assay` command (docs/cli.md lists them):
 * 0 ok · 1 findings or a failed check · 2 usage or input error · 3 nothing to work on ·
 * 4 the database or a service is unavailable or busy · 5 refused by the current state · 70 internal error.
 */
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  nothing: 3,
  unavailable: 4,
  refused: 5,
  internal: 70,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case "AUDIT_CHAIN_BROKEN":
      return EXIT.findings;
    case "NOTHING_SCANNABLE":
      return EXIT.nothing;
    case "DATA_DIR_LOCKED":
    case "DATABASE_UNAVAILABLE":
    case "LLM_UNAVAILABLE":
    case "DELIVERY_FAILED":
      return EXIT.unavailable;
    case "DATABASE_NOT_EMPTY":
    case "USER_EXISTS":
    case "CONFLICT":
    case "SETUP_ALREADY_DONE":
    case "ASSESSMENT_STATE_INVALID":
      return EXIT.refused;
    case "INTERNAL":
    case "CATALOG_INVALID":
    case "DOCUMENT_HASH_MISMATCH":
      return EXIT.internal;
    default:
      return EXIT.usage;
  }
}
