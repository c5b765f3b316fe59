import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Problem = components["schemas"]["Problem"];
export type User = components["schemas"]["User"];
export type Session = components["schemas"]["Session"];
export type Role = components["schemas"]["Role"];

const CSRF_KEY = "assay.csrf";

/** The CSRF token of this tab's session; the server hands it out at sign-in and with /api/auth/session. */
export function rememberCsrf(token: string | null | undefined): void {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

const csrf: Middleware = {
  onRequest({ request }) {
    const token = sessionStorage.getItem(CSRF_KEY);
    if (token && request.method !== "GET" && request.method !== "HEAD")
      request.headers.set("X-CSRF-Token", token);
    return request;
  },
};

/** The typed API client: paths, bodies and responses come from the server's OpenAPI document. */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: "same-origin" });
api.use(csrf);

/** An API failure carrying the server's problem document. */
export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.detail);
    this.problem = problem;
  }
}

/** Unwraps an openapi-fetch result: the data, or an ApiError with the problem's message. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = (result.error ?? {}) as Partial<Problem>;
    throw new ApiError({
      type: problem.type ?? "about:blank",
      title: problem.title ?? result.response.statusText,
      status: problem.status ?? result.response.status,
      code: problem.code ?? "INTERNAL",
      detail: problem.detail ?? `The server answered ${result.response.status}.`,
    });
  }
  return result.data as T;
}
