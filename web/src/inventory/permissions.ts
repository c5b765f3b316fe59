import { useSessionState } from "../session";

/**
 * Whether the signed-in person may change the inventory (the server's `write` permission: admins
 * and assessors). Read-only roles see the same pages without the buttons; the server still decides.
 */
export function useCanWrite(): boolean {
  const state = useSessionState();
  if (state.data?.kind !== "signed-in") return false;
  const role = state.data.session.user.role;
  return role === "admin" || role === "assessor";
}
