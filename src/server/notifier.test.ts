import { Writable } from "node:stream";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Db } from "../store/database.ts";
import { createLogger } from "./logger.ts";
import {
  channelsOf,
  describeChannels,
  type NotifierSettings,
  readNotifierSettings,
  startNotifier,
} from "./notifier.ts";

const SMTP_PASSWORD = "hunter2-but-longer";
const WEBHOOK_SECRET = "whsec-abcdefghijklmnop";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger("info", sink), lines };
}

const env = {
  ASSAY_SMTP_URL: `smtp://assay:${SMTP_PASSWORD}@mail.example.com:587`,
  ASSAY_MAIL_FROM: "assay@example.com",
  ASSAY_WEBHOOK_URL: "https://hooks.example.com/services/T0/secret-path",
  ASSAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
};

afterEach(() => {
  vi.useRealTimers();
});

describe("readNotifierSettings", () => {
  it("defaults to a 5-minute loop with no channel, and reads the configured ones", () => {
    const none = readNotifierSettings({}, "http://127.0.0.1:8787");
    expect(none.intervalSeconds).toBe(300);
    expect(channelsOf(none)).toEqual([]);
    const both = readNotifierSettings(
      { ...env, ASSAY_NOTIFY_INTERVAL_SECONDS: "0" },
      "https://assay.example.com",
    );
    expect(both.intervalSeconds).toBe(0);
    expect(channelsOf(both)).toEqual(["email", "webhook"]);
    expect(describeChannels(both)).toEqual({
      email: "smtp://mail.example.com:587",
      webhook: "hooks.example.com",
    });
    expect(() => readNotifierSettings({ ASSAY_NOTIFY_INTERVAL_SECONDS: "-1" }, "x")).toThrow(
      /ASSAY_NOTIFY_INTERVAL_SECONDS/,
    );
  });
});

describe("startNotifier", () => {
  it("logs a failing run without secrets, keeps running, and stops", async () => {
    vi.useFakeTimers();
    const { logger, lines } = capture();
    let calls = 0;
    // A database that is down: every query throws.
    const db = {
      select() {
        calls += 1;
        throw new Error("connection terminated");
      },
    } as unknown as Db;
    const settings: NotifierSettings = {
      ...readNotifierSettings(env, "https://assay.example.com"),
      intervalSeconds: 60,
    };
    const notifier = startNotifier(db, logger, settings);
    expect(calls).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(2);
    const failures = lines.filter((l) => l.msg === "reminders run failed");
    expect(failures).toHaveLength(2);
    expect(failures[0]?.error).toBe("connection terminated");
    await notifier.stop();
    await vi.advanceTimersByTimeAsync(600_000);
    expect(calls).toBe(2);
    const text = JSON.stringify(lines);
    expect(text).toContain("smtp://mail.example.com:587");
    expect(text).not.toContain(SMTP_PASSWORD);
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(text).not.toContain("secret-path");
  });

  it("does not run at all with an interval of 0", async () => {
    vi.useFakeTimers();
    const { logger, lines } = capture();
    let calls = 0;
    const db = {
      select() {
        calls += 1;
        return [];
      },
    } as unknown as Db;
    const notifier = startNotifier(db, logger, { ...readNotifierSettings(env, "x"), intervalSeconds: 0 });
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(["reminder loop off (ASSAY_NOTIFY_INTERVAL_SECONDS=0)"]);
    await notifier.stop();
  });
});
