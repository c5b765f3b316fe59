import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PERMISSIONS, type Permission, ROLES, type Role, roleAllows } from "../../src/domain/roles.ts";
import { buildApp } from "../../src/server/app.ts";
import { buildUser, Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

// Every route the application serves, read from the app itself, must declare its access in the
// OpenAPI document; none but the declared public ones may answer without credentials; and each
// role gets 403 exactly where its permissions say so.

let t: TestServer;
let clients: Record<Role, Client>;
let operations: { method: string; path: string; access: string }[];
let appRoutes: { method: string; path: string }[];

const DOCS_ROUTES = new Set(["/api/openapi.json", "/api/docs", "/api/docs/init.js", "/api/docs/:asset"]);

beforeAll(async () => {
  t = await startTestServer();
  await setupAdmin(t);
  clients = Object.fromEntries(
    await Promise.all(ROLES.map(async (r) => [r, (await buildUser(t, r)).client] as const)),
  ) as Record<Role, Client>;
  const doc = (await (await fetch(`${t.url}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { "x-assay-access"?: string }>>;
  };
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path: path.replace(/\{(\w+)\}/g, ":$1"),
      access: op["x-assay-access"] ?? "",
    })),
  );
  appRoutes = buildApp(t.server.services)
    .routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api"))
    .map((r) => ({ method: r.method, path: r.path }));
});
afterAll(async () => t.close());

const concrete = (path: string) => path.replace(/:(\w+)/g, "00000000-0000-4000-8000-000000000000");

describe("route access", () => {
  it("finds the routes", () => {
    expect(appRoutes.length).toBeGreaterThan(10);
  });

  it("every API route the app serves declares its access in the OpenAPI document", () => {
    const missing = appRoutes.filter(
      (r) =>
        !DOCS_ROUTES.has(r.path) &&
        !operations.some((o) => o.method === r.method && o.path === r.path && o.access),
    );
    expect(missing).toEqual([]);
    for (const o of operations) expect(["public", "portal", ...PERMISSIONS]).toContain(o.access);
  });

  it("no route but the public ones answers without a session or token", async () => {
    for (const op of operations.filter((o) => o.access !== "public" && o.access !== "portal")) {
      const res = await fetch(`${t.url}${concrete(op.path)}`, {
        method: op.method,
        headers: { "content-type": "application/json" },
        body: ["GET", "HEAD"].includes(op.method) ? undefined : "{}",
      });
      expect({ route: `${op.method} ${op.path}`, status: res.status }).toEqual({
        route: `${op.method} ${op.path}`,
        status: 401,
      });
    }
  });

  it("a forged or foreign bearer token is refused everywhere", async () => {
    const forged = new Client(t.url, { bearer: "assay_pat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" });
    for (const op of operations.filter((o) => o.access !== "public" && o.access !== "portal")) {
      const res = await forged.request(
        op.method,
        concrete(op.path),
        ["GET", "HEAD"].includes(op.method) ? undefined : {},
      );
      expect(res.status).toBe(401);
    }
  });

  it("each role gets 403 exactly where its permissions fall short", async () => {
    const table: string[] = [];
    for (const op of operations.filter((o) => (PERMISSIONS as readonly string[]).includes(o.access))) {
      for (const role of ROLES) {
        const res = await clients[role].request(
          op.method,
          concrete(op.path),
          ["GET", "HEAD"].includes(op.method) ? undefined : {},
        );
        await res.body?.cancel();
        const allowed = roleAllows(role, op.access as Permission);
        if (allowed ? res.status === 403 || res.status === 401 : res.status !== 403) {
          table.push(`${role} ${op.method} ${op.path} (${op.access}) → ${res.status}`);
        }
      }
    }
    expect(table).toEqual([]);
  });
});
