import { describe, expect, it } from "vitest";
import { createDailyRollup, createUsageTally, NOT_AN_AI_VENDOR } from "./summary.ts";
import type { Detection, UsageEvent } from "./types.ts";

function event(overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    line: 1,
    timestamp: "2026-11-01T10:00:00.000Z",
    host: "api.openai.com",
    path: null,
    method: "POST",
    vendor: "openai",
    service: "openai-api",
    discoveryOnly: false,
    model: "gpt-4o",
    modelVersion: "2024-08-06",
    region: null,
    resource: null,
    actor: "svc",
    source: "gw",
    requestBytes: 100,
    responseBytes: 1000,
    contentHash: null,
    detections: [],
    ...overrides,
  };
}

const pii: Detection = { kind: "email", dataClass: "pii", count: 2, confidence: 0.95, rule: "email" };
const phone: Detection = { kind: "phone", dataClass: "pii", count: 1, confidence: 0.9, rule: "phone" };
const phi: Detection = {
  kind: "medical_term",
  dataClass: "phi",
  count: 1,
  confidence: 0.6,
  rule: "medical_term",
};

describe("usage tally", () => {
  it("counts requests, requests with each class and kind once per request", () => {
    const { tally, addEvent, addError } = createUsageTally();
    addEvent(event());
    addEvent(event({ detections: [pii, phone, phi] }));
    addEvent(event({ vendor: null, service: null, host: "example.com" }));
    addEvent(event({ vendor: "anthropic", discoveryOnly: true }));
    addError({ line: 9, code: "USAGE_LINE_INVALID", reason: "not valid JSON" });
    expect(tally).toEqual({
      events: 4,
      eventsWithDetections: 1,
      invalidLines: [{ line: 9, code: "USAGE_LINE_INVALID", reason: "not valid JSON" }],
      byVendor: {
        openai: { requests: 2, withDetections: 1, byDataClass: { pii: 1, phi: 1 } },
        [NOT_AN_AI_VENDOR]: { requests: 1, withDetections: 0, byDataClass: {} },
        anthropic: { requests: 1, withDetections: 0, byDataClass: {} },
      },
      byDataClass: { pii: 1, phi: 1 },
      byKind: { email: 1, phone: 1, medical_term: 1 },
      unattributedHosts: 1,
      discoveryOnlyRequests: 1,
    });
  });
});

describe("daily rollup", () => {
  it("keeps an all-requests row and one row per class carried, per UTC day and group", () => {
    const rollup = createDailyRollup();
    rollup.add(event());
    rollup.add(event({ detections: [pii, phone] }));
    rollup.add(event({ detections: [phi], timestamp: "2026-11-02T00:00:01.000Z" }));
    rollup.add(event({ modelVersion: "2024-11-20" }));
    const rows = rollup.rows().map((r) => [r.day, r.modelVersion, r.dataClass, r.requests, r.requestBytes]);
    expect(rows).toEqual([
      ["2026-11-01", "2024-08-06", null, 2, 200],
      ["2026-11-01", "2024-08-06", "pii", 1, 100],
      ["2026-11-02", "2024-08-06", null, 1, 100],
      ["2026-11-02", "2024-08-06", "phi", 1, 100],
      ["2026-11-01", "2024-11-20", null, 1, 100],
    ]);
  });
});
