import { Writable } from "node:stream";
import type { Role } from "../../src/domain/roles.ts";
import { readServerConfig } from "../../src/server/config.ts";
import { createLogger } from "../../src/server/logger.ts";
import { type RunningServer, startServer } from "../../src/server/start.ts";
import { SYSTEM_ACTOR } from "../../src/store/audit-log.ts";
import { createApiToken } from "../../src/store/auth.ts";
import { openTestDatabase } from "../../src/store/testing.ts";
import { createUser } from "../../src/store/users.ts";

/** A running Assay server on a free port over a fresh test database, with its log lines captured. */
export interface TestServer {
  server: RunningServer;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const database = await openTestDatabase();
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = readServerConfig({ ASSAY_PORT: "0", ASSAY_LOG_LEVEL: "debug", ...env });
  const server = await startServer(config, { database, logger: createLogger("debug", sink) });
  return {
    server,
    url: server.url,
    logs,
    async close() {
      await server.close();
      await database.close();
    },
  };
}

/** A small HTTP client that keeps the session cookie and sends the CSRF header, like the web app. */
export class Client {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;
  readonly base: string;

  constructor(base: string, options: { bearer?: string } = {}) {
    this.base = base;
    this.bearer = options.bearer;
  }

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const h: Record<string, string> = { ...headers };
    if (body !== undefined && !("content-type" in h)) h["content-type"] = "application/json";
    if (this.cookie) h.cookie = this.cookie;
    if (this.csrf && !("x-csrf-token" in h)) h["x-csrf-token"] = this.csrf;
    if (this.bearer) h.authorization = `Bearer ${this.bearer}`;
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) {
      const match = /assay_session=([^;]*)/.exec(setCookie);
      if (match) this.cookie = match[1] ? `assay_session=${match[1]}` : undefined;
    }
    return res;
  }

  async json<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; res: Response }> {
    const res = await this.request(method, path, body);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, res };
  }

  async login(email: string, password: string): Promise<void> {
    const { status, body } = await this.json<{ csrfToken: string }>("POST", "/api/auth/login", {
      email,
      password,
    });
    if (status !== 200) throw new Error(`login failed with ${status}`);
    this.csrf = body.csrfToken;
  }
}

export const ADMIN = { email: "admin@example.com", password: "correct horse battery staple" };

/** Completes first-run setup and returns a signed-in admin client. */
export async function setupAdmin(t: TestServer): Promise<Client> {
  const client = new Client(t.url);
  const { status, body } = await client.json<{ csrfToken: string }>("POST", "/api/setup", {
    setupToken: t.server.setupToken,
    email: ADMIN.email,
    password: ADMIN.password,
  });
  if (status !== 201) throw new Error(`setup failed with ${status}: ${JSON.stringify(body)}`);
  client.csrf = body.csrfToken;
  return client;
}

let counter = 0;

/** Creates a user of a role directly in the store and returns an API-token client for it (the `buildUser` factory). */
export async function buildUser(
  t: TestServer,
  role: Role,
): Promise<{ client: Client; email: string; password: string; id: string }> {
  const { db, workspaceId } = t.server.services;
  const email = `${role}${++counter}@example.com`;
  const password = "a long enough password";
  const user = await createUser(db, { workspaceId, email, role, password }, SYSTEM_ACTOR);
  const { token } = await createApiToken(db, { workspaceId, userId: user.id, name: "test" }, SYSTEM_ACTOR);
  return { client: new Client(t.url, { bearer: token }), email, password, id: user.id };
}
