import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAppError } from "../../domain/errors.ts";
import type { OutboxMessage } from "../notifications.ts";
import {
  createWebhookTransport,
  readWebhookSettings,
  signWebhook,
  verifyWebhookSignature,
  type WebhookSettings,
} from "./webhook.ts";

const SECRET = "whsec-0123456789abcdef";

interface Delivery {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  verified: boolean;
}

let server: Server;
let base: string;
const deliveries: Delivery[] = [];
/** What the receiver answers next, by path. */
const behaviour: Record<string, (res: ServerResponse) => void> = {
  "/fail": (res) => res.writeHead(503).end("busy"),
  "/moved": (res) => res.writeHead(302, { location: "/hook" }).end(),
  "/slow": () => {},
};

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const header = (name: string) => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      // The receiver's side: recompute the signature from the raw body and the timestamp header.
      const verified = verifyWebhookSignature({
        secret: SECRET,
        timestamp: header("x-assay-timestamp"),
        signature: header("x-assay-signature"),
        body,
      });
      deliveries.push({ path: req.url ?? "", headers: req.headers, body, verified });
      const special = behaviour[new URL(req.url ?? "/", "http://receiver").pathname];
      if (special) special(res);
      else res.writeHead(verified ? 204 : 401).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const message: OutboxMessage = {
  id: "0d3a3f3c-4b6e-4d43-9a0f-1b5c2e7d8a90",
  kind: "assessment.overdue",
  channel: "webhook",
  recipient: "127.0.0.1",
  subject: "Overdue: the AI vendor questionnaire for Acme AI was due on 2026-03-20",
  body: "Hello,\n\nThe questionnaire … was due.",
  payload: { assessmentId: "a1", dueDate: "2026-03-20", businessDaysLeft: -1 },
  createdAt: new Date("2026-03-23T08:00:00Z"),
};

function settings(path: string, secret = SECRET, timeoutMs = 2000): WebhookSettings {
  return { url: `${base}${path}`, host: new URL(base).host, secret, timeoutMs };
}

describe("readWebhookSettings", () => {
  it("is undefined when unset and insists on a signing secret and an http(s) URL", () => {
    expect(readWebhookSettings({})).toBeUndefined();
    for (const env of [
      { ASSAY_WEBHOOK_URL: "https://hooks.example.com/x" },
      { ASSAY_WEBHOOK_URL: "https://hooks.example.com/x", ASSAY_WEBHOOK_SECRET: "short" },
      { ASSAY_WEBHOOK_URL: "ftp://hooks.example.com/x", ASSAY_WEBHOOK_SECRET: SECRET },
      {
        ASSAY_WEBHOOK_URL: "https://hooks.example.com/x",
        ASSAY_WEBHOOK_SECRET: SECRET,
        ASSAY_WEBHOOK_TIMEOUT_SECONDS: "0",
      },
    ]) {
      expect(() => readWebhookSettings(env)).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED" }));
    }
    expect(
      readWebhookSettings({
        ASSAY_WEBHOOK_URL: "https://hooks.example.com/T0/secret-path",
        ASSAY_WEBHOOK_SECRET: SECRET,
      }),
    ).toEqual({
      url: "https://hooks.example.com/T0/secret-path",
      host: "hooks.example.com",
      secret: SECRET,
      timeoutMs: 10_000,
    });
  });
});

describe("webhook signatures", () => {
  it("verify only the exact body, timestamp and secret, within the tolerance", () => {
    const now = new Date("2026-03-23T08:00:00Z");
    const ts = String(now.getTime() / 1000);
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1 }), (body, extra) => {
        const signature = signWebhook(SECRET, ts, body);
        expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
        expect(verifyWebhookSignature({ secret: SECRET, timestamp: ts, signature, body, now })).toBe(true);
        expect(
          verifyWebhookSignature({ secret: SECRET, timestamp: ts, signature, body: body + extra, now }),
        ).toBe(false);
        expect(verifyWebhookSignature({ secret: `${SECRET}x`, timestamp: ts, signature, body, now })).toBe(
          false,
        );
        expect(
          verifyWebhookSignature({ secret: SECRET, timestamp: String(Number(ts) + 1), signature, body, now }),
        ).toBe(false);
      }),
    );
    const old = String(now.getTime() / 1000 - 301);
    expect(
      verifyWebhookSignature({
        secret: SECRET,
        timestamp: old,
        signature: signWebhook(SECRET, old, "{}"),
        body: "{}",
        now,
      }),
    ).toBe(false);
  });
});

describe("createWebhookTransport", () => {
  it("POSTs the signed JSON event, which the receiver verifies", async () => {
    await createWebhookTransport(settings("/hook")).send(message);
    const got = deliveries.at(-1);
    expect(got?.path).toBe("/hook");
    expect(got?.verified).toBe(true);
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["x-assay-event"]).toBe("assessment.overdue");
    expect(got?.headers["x-assay-delivery"]).toBe(message.id);
    expect(JSON.parse(got?.body ?? "")).toEqual({
      id: message.id,
      type: "assessment.overdue",
      createdAt: "2026-03-23T08:00:00.000Z",
      subject: message.subject,
      text: message.body,
      data: message.payload,
    });
  });

  it("a receiver holding another secret refuses it, and that is a failed delivery", async () => {
    const error = await createWebhookTransport(settings("/hook", "another-secret-0000"))
      .send(message)
      .catch((e: unknown) => e);
    expect(deliveries.at(-1)?.verified).toBe(false);
    expect(isAppError(error, "DELIVERY_FAILED")).toBe(true);
    expect((error as Error).message).toContain("HTTP 401");
  });

  it("a non-2xx answer, a redirect, a timeout and a refused connection all fail without echoing the URL path", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadHost = `127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const cases: [WebhookSettings, RegExp][] = [
      [settings("/fail?token=path-secret"), /HTTP 503/],
      [settings("/moved?token=path-secret"), /HTTP 302/],
      [settings("/slow?token=path-secret", SECRET, 300), /no answer within 0.3 s/],
      [
        {
          ...settings("/x?token=path-secret"),
          url: `http://${deadHost}/x?token=path-secret`,
          host: deadHost,
        },
        /ECONNREFUSED/,
      ],
    ];
    for (const [s, reason] of cases) {
      const error = await createWebhookTransport(s)
        .send(message)
        .catch((e: unknown) => e);
      expect(isAppError(error, "DELIVERY_FAILED")).toBe(true);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).not.toContain("path-secret");
    }
  });
});
