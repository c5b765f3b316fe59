/**
 * A short-lived, in-process cache of resolved sessions and API tokens, so a request does not pay a
 * database round trip just to learn who is asking. Every change that can end access here (sign-out,
 * revocation, disabling a user, a role or password change) clears it at once in this process;
 * other server processes sharing a PostgreSQL database see such a change within TTL_MS.
 */
const TTL_MS = 5_000;
const MAX_ENTRIES = 10_000;

interface Entry<T> {
  value: T;
  until: number;
}

const entries = new Map<string, Entry<unknown>>();

export function cachedPrincipal<T>(key: string): T | undefined {
  const entry = entries.get(key);
  if (!entry) return undefined;
  if (entry.until <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return entry.value as T;
}

/** Remembers a resolved principal until the TTL or `expiresAt`, whichever comes first. */
export function rememberPrincipal<T>(key: string, value: T, expiresAt?: Date | null): void {
  if (entries.size >= MAX_ENTRIES) entries.clear();
  const until = Math.min(Date.now() + TTL_MS, expiresAt ? expiresAt.getTime() : Number.POSITIVE_INFINITY);
  entries.set(key, { value, until });
}

/** Drops every cached principal; called by every write that can end or change someone's access. */
export function forgetPrincipals(): void {
  entries.clear();
}
