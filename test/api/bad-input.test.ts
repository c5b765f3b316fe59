import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildUser, type Client, setupAdmin, startTestServer, type TestServer } from "./harness.ts";

let t: TestServer;
let admin: Client;
beforeAll(async () => {
  t = await startTestServer({ ASSAY_JSON_LIMIT_BYTES: "4096" });
  await setupAdmin(t);
  admin = (await buildUser(t, "admin")).client;
});
afterAll(async () => t.close());

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  const body = (await res.json()) as { code: string; status: number; requestId: string; detail: string };
  expect(body).toMatchObject({ code, status });
  expect(body.requestId).toBe(res.headers.get("x-request-id"));
  expect(body.detail).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/);
  return body;
}

describe("bad input never reaches a 500", () => {
  it("malformed JSON → 400 MALFORMED_JSON", async () => {
    await expectProblem(
      await admin.request("POST", "/api/users", '{"email": "x@example.com",'),
      400,
      "MALFORMED_JSON",
    );
  });

  it("unknown fields → 400 naming them", async () => {
    const body = await expectProblem(
      await admin.request("POST", "/api/users", {
        email: "u@example.com",
        role: "viewer",
        password: "a long enough password",
        isAdmin: true,
      }),
      400,
      "VALIDATION_FAILED",
    );
    expect(body.detail).toContain("isAdmin");
  });

  it("wrong types → 400 naming the field", async () => {
    const body = await expectProblem(
      await admin.request("POST", "/api/users", {
        email: 42,
        role: "viewer",
        password: "a long enough password",
      }),
      400,
      "VALIDATION_FAILED",
    );
    expect(body.detail).toContain("body.email");
    await expectProblem(
      await admin.request("POST", "/api/users", {
        email: "r@example.com",
        role: "root",
        password: "a long enough password",
      }),
      400,
      "VALIDATION_FAILED",
    );
    await expectProblem(await admin.request("POST", "/api/users", [1, 2, 3]), 400, "VALIDATION_FAILED");
    await expectProblem(await admin.request("POST", "/api/users", "null"), 400, "VALIDATION_FAILED");
  });

  it("a bad path parameter or query → 400", async () => {
    await expectProblem(
      await admin.request("PATCH", "/api/users/not-a-uuid", { name: "x" }),
      400,
      "VALIDATION_FAILED",
    );
    await expectProblem(await admin.request("GET", "/api/audit?limit=100000"), 400, "VALIDATION_FAILED");
    await expectProblem(await admin.request("GET", "/api/audit?cursor=abc"), 400, "VALIDATION_FAILED");
  });

  it("oversized bodies → 413", async () => {
    await expectProblem(
      await admin.request("POST", "/api/users", {
        email: "big@example.com",
        role: "viewer",
        password: "x".repeat(10_000),
      }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
  });

  it("the wrong content type → 415", async () => {
    await expectProblem(
      await admin.request("POST", "/api/users", "email=a@example.com", {
        "content-type": "application/x-www-form-urlencoded",
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    await expectProblem(
      await admin.request("POST", "/api/tokens", '{"name":"x"}', { "content-type": "text/plain" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("unknown API paths → 404 problem", async () => {
    await expectProblem(await admin.request("GET", "/api/nothing-here"), 404, "NOT_FOUND");
  });

  it("an injected request id is replaced, a sane one is echoed", async () => {
    const injected = await admin.request("GET", "/api/health", undefined, {
      "x-request-id": "bad id with spaces <script>",
    });
    expect(injected.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const sane = await admin.request("GET", "/api/health", undefined, { "x-request-id": "trace-1234567890" });
    expect(sane.headers.get("x-request-id")).toBe("trace-1234567890");
  });

  it("the server logged no unexpected error", () => {
    expect(t.logs.join("")).not.toContain("unexpected error");
  });
});
