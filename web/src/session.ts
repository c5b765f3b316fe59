import { useQuery } from "@tanstack/react-query";
import { ApiError, api, rememberCsrf, type Session, unwrap } from "./api/client";

export type SessionState =
  | { kind: "signed-in"; session: Session }
  | { kind: "signed-out" }
  | { kind: "setup-required" };

/** Who is signed in, or whether first-run setup is still open. */
export async function fetchSessionState(): Promise<SessionState> {
  const res = await api.GET("/api/auth/session");
  if (res.response.status === 401) {
    const setup = unwrap(await api.GET("/api/setup"));
    return setup.required ? { kind: "setup-required" } : { kind: "signed-out" };
  }
  const session = unwrap(res);
  rememberCsrf(session.csrfToken);
  return { kind: "signed-in", session };
}

export const sessionQueryKey = ["session"] as const;

export function useSessionState() {
  return useQuery({ queryKey: sessionQueryKey, queryFn: fetchSessionState, staleTime: 60_000, retry: false });
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.problem.detail;
  return error instanceof Error ? error.message : String(error);
}
