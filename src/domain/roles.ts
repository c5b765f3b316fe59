/** The roles a person can hold in a workspace. */
export const ROLES = ["admin", "assessor", "viewer", "auditor"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a route may require. `read` is any signed-in person; `write` changes business data;
 * `export` produces evidence packs and downloads for auditors; `admin` manages users and settings.
 */
export const PERMISSIONS = ["read", "write", "export", "admin"] as const;
export type Permission = (typeof PERMISSIONS)[number];

// Auditors are read-only but may export (SOC 2 fieldwork needs the evidence pack); viewers only read.
const GRANTS: Record<Role, readonly Permission[]> = {
  admin: ["read", "write", "export", "admin"],
  assessor: ["read", "write", "export"],
  viewer: ["read"],
  auditor: ["read", "export"],
};

/** Decides whether a role holds a permission, from the fixed grant table above. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

/** The roles that hold a permission, for documentation and tests. */
export function rolesWith(permission: Permission): Role[] {
  return ROLES.filter((role) => roleAllows(role, permission));
}
