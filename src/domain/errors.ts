/**
 * The one error type of Assay. Code below the server never knows HTTP statuses: it throws an
 * AppError with a stable `code`; the server maps codes to statuses in one table
 * (src/server/problem.ts) and the CLI maps them to exit codes (src/cli/exit-codes.ts).
 */

/** Every error code Assay can report. Stable: clients and scripts may match on them. */
export const ERROR_CODES = [
  // request shape
  "VALIDATION_FAILED",
  "MALFORMED_JSON",
  "UNSUPPORTED_MEDIA_TYPE",
  "PAYLOAD_TOO_LARGE",
  "NOT_FOUND",
  "METHOD_NOT_ALLOWED",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "RATE_LIMITED",
  // auth
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "CSRF_FAILED",
  "INVALID_CREDENTIALS",
  "SETUP_ALREADY_DONE",
  "SETUP_TOKEN_INVALID",
  "USER_DISABLED",
  "USER_NOT_FOUND",
  "USER_EXISTS",
  "TOKEN_NOT_FOUND",
  // store and operations
  "DATA_DIR_LOCKED",
  "DATABASE_UNAVAILABLE",
  "DATABASE_NOT_EMPTY",
  "BACKUP_INVALID",
  "AUDIT_CHAIN_BROKEN",
  "CATALOG_INVALID",
  // inventory
  "VENDOR_NOT_FOUND",
  "INTEGRATION_NOT_FOUND",
  "CATALOG_ENTRY_NOT_FOUND",
  "IMPORT_INVALID",
  // assessments and portal
  "ASSESSMENT_NOT_FOUND",
  "ASSESSMENT_STATE_INVALID",
  "QUESTION_BANK_INVALID",
  "PORTAL_LINK_INVALID",
  "PORTAL_LINK_EXPIRED",
  "PORTAL_LINK_REVOKED",
  "SPREADSHEET_INVALID",
  // evidence and files
  "DOCUMENT_NOT_FOUND",
  "DOCUMENT_TOO_LARGE",
  "DOCUMENT_TYPE_UNSUPPORTED",
  "DOCUMENT_CORRUPT",
  "DOCUMENT_HASH_MISMATCH",
  "PDF_NO_TEXT_LAYER",
  "PDF_INVALID",
  "PDF_ENCRYPTED",
  "ARCHIVE_UNSAFE",
  "INPUT_TOO_LARGE",
  "INPUT_MALFORMED",
  "FILE_NOT_FOUND",
  "MANIFEST_INVALID",
  "NOTHING_SCANNABLE",
  // models
  "MODEL_NOT_FOUND",
  "HUB_REPO_NOT_FOUND",
  "HUB_UNAVAILABLE",
  // usage
  "USAGE_LINE_INVALID",
  "USAGE_FORMAT_UNKNOWN",
  // integrations with the outside
  "LLM_UNAVAILABLE",
  "LLM_NOT_CONFIGURED",
  "DELIVERY_FAILED",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface AppErrorOptions {
  /** Structured, safe-to-show facts about the failure (field paths, line numbers, limits). */
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** An expected failure with a stable code and a message that is safe to show to users. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options.details;
  }
}

/** True when `error` is an AppError, optionally with the given code. */
export function isAppError(error: unknown, code?: ErrorCode): error is AppError {
  return error instanceof AppError && (code === undefined || error.code === code);
}
