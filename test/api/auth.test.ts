import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, buildUser, Client, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => t.close());

describe("first-run setup", () => {
  it("reports setup as required and refuses a wrong setup token", async () => {
    const anon = new Client(t.url);
    expect((await anon.json("GET", "/api/setup")).body).toEqual({ required: true });
    const wrong = await anon.json("POST", "/api/setup", {
      setupToken: "assay_setup_guess",
      email: "x@example.com",
      password: "a long enough password",
    });
    expect(wrong.status).toBe(403);
    expect(wrong.body).toMatchObject({ code: "SETUP_TOKEN_INVALID" });
    expect(wrong.res.headers.get("content-type")).toContain("application/problem+json");
  });

  it("creates the admin with the printed token, signs in with a hardened cookie, and closes setup", async () => {
    const res = await new Client(t.url).request("POST", "/api/setup", {
      setupToken: t.server.setupToken,
      email: ADMIN.email,
      password: ADMIN.password,
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/assay_session=assay_ses_/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const again = await new Client(t.url).json("POST", "/api/setup", {
      setupToken: t.server.setupToken,
      email: "second@example.com",
      password: "a long enough password",
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: "SETUP_ALREADY_DONE" });
    expect((await new Client(t.url).json("GET", "/api/setup")).body).toEqual({ required: false });
  });
});

describe("sessions", () => {
  it("signs in, needs the CSRF header for writes, and signs out", async () => {
    const admin = new Client(t.url);
    await admin.login(ADMIN.email, ADMIN.password);
    const me = await admin.json<{ user: { email: string; role: string } }>("GET", "/api/auth/session");
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: ADMIN.email, role: "admin" });

    const csrf = admin.csrf;
    admin.csrf = undefined;
    const forged = await admin.json("POST", "/api/users", {
      email: "v@example.com",
      role: "viewer",
      password: "a long enough password",
    });
    expect(forged.status).toBe(403);
    expect(forged.body).toMatchObject({ code: "CSRF_FAILED" });
    admin.csrf = "wrong-token";
    expect(
      (
        await admin.json("POST", "/api/users", {
          email: "v@example.com",
          role: "viewer",
          password: "a long enough password",
        })
      ).status,
    ).toBe(403);
    admin.csrf = csrf;
    expect(
      (
        await admin.json("POST", "/api/users", {
          email: "v@example.com",
          role: "viewer",
          password: "a long enough password",
        })
      ).status,
    ).toBe(201);

    expect((await admin.request("POST", "/api/auth/logout")).status).toBe(204);
    expect((await admin.json("GET", "/api/auth/session")).status).toBe(401);
  });

  it("rejects a wrong password without telling which part was wrong", async () => {
    const c = new Client(t.url);
    const wrongPassword = await c.json("POST", "/api/auth/login", {
      email: ADMIN.email,
      password: "nope nope nope",
    });
    const unknownUser = await c.json("POST", "/api/auth/login", {
      email: "nobody@example.com",
      password: "nope nope nope",
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownUser.status).toBe(401);
    expect((wrongPassword.body as { detail: string }).detail).toBe(
      (unknownUser.body as { detail: string }).detail,
    );
  });

  it("rate-limits failed sign-ins per account, even with the right password afterwards", async () => {
    const victim = await buildUser(t, "viewer");
    const c = new Client(t.url);
    for (let i = 0; i < 5; i++) {
      expect(
        (await c.json("POST", "/api/auth/login", { email: victim.email, password: "guess guess guess" }))
          .status,
      ).toBe(401);
    }
    const blocked = await c.json("POST", "/api/auth/login", {
      email: victim.email,
      password: victim.password,
    });
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ code: "RATE_LIMITED" });
    expect(Number(blocked.res.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("API tokens", () => {
  it("are shown once, work as Bearer, and stop working when revoked", async () => {
    const { client: admin } = await buildUser(t, "admin");
    const created = await admin.json<{ token: string; info: { id: string; prefix: string } }>(
      "POST",
      "/api/tokens",
      { name: "ci" },
    );
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^assay_pat_[\w-]{43}$/);
    expect(created.body.token.startsWith(created.body.info.prefix)).toBe(true);

    const list = await admin.json<{ items: Record<string, unknown>[] }>("GET", "/api/tokens");
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);

    const ci = new Client(t.url, { bearer: created.body.token });
    expect((await ci.json("GET", "/api/auth/session")).status).toBe(200);
    expect((await admin.request("DELETE", `/api/tokens/${created.body.info.id}`)).status).toBe(204);
    const after = await ci.json("GET", "/api/auth/session");
    expect(after.status).toBe(401);
    expect(after.body).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("a malformed Authorization header is a clear 401", async () => {
    const res = await new Client(t.url).request("GET", "/api/users", undefined, {
      authorization: "Basic abc",
    });
    expect(res.status).toBe(401);
  });
});

describe("users", () => {
  it("an admin creates, re-roles and disables a user; a disabled user cannot sign in", async () => {
    const admin = new Client(t.url);
    await admin.login(ADMIN.email, ADMIN.password);
    const created = await admin.json<{ id: string }>("POST", "/api/users", {
      email: "d@example.com",
      role: "assessor",
      password: "a long enough password",
    });
    expect(created.status).toBe(201);
    const dup = await admin.json("POST", "/api/users", {
      email: "D@example.com",
      role: "viewer",
      password: "a long enough password",
    });
    expect(dup.status).toBe(409);

    const patched = await admin.json("PATCH", `/api/users/${created.body.id}`, { role: "auditor" });
    expect(patched.body).toMatchObject({ role: "auditor", disabled: false });

    const user = new Client(t.url);
    await user.login("d@example.com", "a long enough password");
    expect((await admin.json("PATCH", `/api/users/${created.body.id}`, { disabled: true })).status).toBe(200);
    expect((await user.json("GET", "/api/auth/session")).status).toBe(401);
    const denied = await new Client(t.url).json("POST", "/api/auth/login", {
      email: "d@example.com",
      password: "a long enough password",
    });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: "USER_DISABLED" });
  });

  it("never lets the last active admin demote or disable itself", async () => {
    const admin = new Client(t.url);
    await admin.login(ADMIN.email, ADMIN.password);
    const users = await admin.json<{
      items: { id: string; role: string; email: string; disabled: boolean }[];
    }>("GET", "/api/users");
    // Demote every other admin first, so this one is the last.
    for (const u of users.body.items) {
      if (u.role === "admin" && u.email !== ADMIN.email && !u.disabled) {
        expect((await admin.json("PATCH", `/api/users/${u.id}`, { role: "viewer" })).status).toBe(200);
      }
    }
    const me = users.body.items.find((u) => u.email === ADMIN.email);
    const res = await admin.json("PATCH", `/api/users/${me?.id}`, { role: "viewer" });
    expect(res.status).toBe(409);
  });
});

describe("audit trail of auth", () => {
  it("records user and token changes in a chain that verifies", async () => {
    const { client } = await buildUser(t, "auditor");
    const page = await client.json<{ items: { action: string }[]; total: number }>(
      "GET",
      "/api/audit?limit=200",
    );
    expect(page.status).toBe(200);
    const actions = new Set(page.body.items.map((e) => e.action));
    for (const a of [
      "setup.complete",
      "user.create",
      "user.update",
      "token.create",
      "token.revoke",
      "auth.login",
    ])
      expect(actions).toContain(a);
    const verify = await client.json<{ ok: boolean; checked: number }>("GET", "/api/audit/verify");
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBe(page.body.total);
  });
});

describe("logs", () => {
  it("never contain passwords, tokens or cookies", async () => {
    const text = t.logs.join("");
    expect(text).toContain('"msg":"request"');
    expect(text).not.toContain(ADMIN.password);
    expect(text).not.toMatch(/assay_(ses|pat|setup)_[\w-]{20,}/);
    expect(text).not.toContain("a long enough password");
  });
});

describe("throttling per address", () => {
  it("blocks an address that fails across many accounts", async () => {
    // A server of its own: every request here comes from 127.0.0.1, so it would block the others.
    const own = await startTestServer();
    try {
      const c = new Client(own.url);
      const statuses: number[] = [];
      for (let i = 0; i < 32; i++) {
        statuses.push(
          (
            await c.json("POST", "/api/auth/login", {
              email: `spray${i}@example.com`,
              password: "guess guess guess",
            })
          ).status,
        );
      }
      expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
      expect(statuses.slice(30)).toEqual([429, 429]);
    } finally {
      await own.close();
    }
  });
});
