import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Logger } from "pino";
import { AppError, type ErrorCode } from "../domain/errors.ts";

/** The one table from error codes to HTTP statuses. Exhaustive: a new code will not compile until mapped. */
export const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  RATE_LIMITED: 429,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_FAILED: 403,
  INVALID_CREDENTIALS: 401,
  SETUP_ALREADY_DONE: 409,
  SETUP_TOKEN_INVALID: 403,
  USER_DISABLED: 403,
  USER_NOT_FOUND: 404,
  USER_EXISTS: 409,
  TOKEN_NOT_FOUND: 404,
  DATA_DIR_LOCKED: 503,
  DATABASE_UNAVAILABLE: 503,
  DATABASE_NOT_EMPTY: 409,
  BACKUP_INVALID: 400,
  AUDIT_CHAIN_BROKEN: 409,
  CATALOG_INVALID: 500,
  VENDOR_NOT_FOUND: 404,
  INTEGRATION_NOT_FOUND: 404,
  CATALOG_ENTRY_NOT_FOUND: 404,
  IMPORT_INVALID: 422,
  ASSESSMENT_NOT_FOUND: 404,
  ASSESSMENT_STATE_INVALID: 409,
  QUESTION_BANK_INVALID: 422,
  PORTAL_LINK_INVALID: 401,
  PORTAL_LINK_EXPIRED: 410,
  PORTAL_LINK_REVOKED: 410,
  SPREADSHEET_INVALID: 422,
  DOCUMENT_NOT_FOUND: 404,
  DOCUMENT_TOO_LARGE: 413,
  DOCUMENT_TYPE_UNSUPPORTED: 415,
  DOCUMENT_CORRUPT: 422,
  DOCUMENT_HASH_MISMATCH: 500,
  PDF_NO_TEXT_LAYER: 422,
  PDF_INVALID: 422,
  PDF_ENCRYPTED: 422,
  ARCHIVE_UNSAFE: 422,
  INPUT_TOO_LARGE: 413,
  INPUT_MALFORMED: 422,
  FILE_NOT_FOUND: 404,
  MANIFEST_INVALID: 422,
  NOTHING_SCANNABLE: 422,
  MODEL_NOT_FOUND: 404,
  HUB_REPO_NOT_FOUND: 404,
  HUB_UNAVAILABLE: 502,
  USAGE_LINE_INVALID: 422,
  USAGE_FORMAT_UNKNOWN: 422,
  LLM_UNAVAILABLE: 502,
  LLM_NOT_CONFIGURED: 503,
  DELIVERY_FAILED: 502,
  INTERNAL: 500,
};

const TITLES: Partial<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  410: "Gone",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

/** An RFC 9457 problem document as Assay writes it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  instance?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

export function problemFor(error: AppError, requestId: string | undefined): Problem {
  const status = STATUS_BY_CODE[error.code];
  return {
    type: `https://assay.dev/problems/${error.code.toLowerCase().replaceAll("_", "-")}`,
    title: TITLES[status] ?? "Error",
    status,
    code: error.code,
    detail: error.message,
    ...(requestId ? { requestId } : {}),
    ...(error.details ? { details: error.details } : {}),
  };
}

/** Turns whatever was thrown into an AppError: known ones pass, framework ones are translated, the rest are INTERNAL. */
export function toAppError(error: unknown): { appError: AppError; unexpected: boolean } {
  if (error instanceof AppError) return { appError: error, unexpected: false };
  if (error instanceof HTTPException) {
    const status = error.status;
    if (status === 400 && /json/i.test(error.message)) {
      return {
        appError: new AppError("MALFORMED_JSON", "The request body is not valid JSON."),
        unexpected: false,
      };
    }
    if (status === 413)
      return {
        appError: new AppError("PAYLOAD_TOO_LARGE", "The request body is too large."),
        unexpected: false,
      };
    if (status === 401)
      return {
        appError: new AppError("UNAUTHENTICATED", "Sign in or send an API token."),
        unexpected: false,
      };
    if (status === 404) return { appError: new AppError("NOT_FOUND", "Not found."), unexpected: false };
    if (status < 500)
      return {
        appError: new AppError("VALIDATION_FAILED", error.message || "Bad request."),
        unexpected: false,
      };
  }
  return {
    appError: new AppError(
      "INTERNAL",
      "Something went wrong on the server. The request id identifies it in the logs.",
    ),
    unexpected: true,
  };
}

/** The single error handler: problem+json with the request id; unexpected errors are logged once, with their stack. */
export function handleError(error: unknown, c: Context, logger: Logger): Response {
  const requestId = c.get("requestId" as never) as string | undefined;
  const { appError, unexpected } = toAppError(error);
  if (unexpected) {
    logger.error(
      { err: error, reqId: requestId, route: c.req.routePath, method: c.req.method },
      "unexpected error",
    );
  }
  const problem = problemFor(appError, requestId);
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  const retryAfter = appError.details?.retryAfterSeconds;
  if (typeof retryAfter === "number") headers["retry-after"] = String(retryAfter);
  return new Response(JSON.stringify(problem), { status: problem.status, headers });
}
