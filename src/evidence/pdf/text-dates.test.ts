import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addDays,
  addMonths,
  DATE_SOURCE,
  DATE_STYLES,
  daysBetween,
  formatDate,
  isIsoDate,
  parseDateText,
} from "./text-dates.ts";

const isoDate = fc
  .date({ min: new Date("1990-01-01T00:00:00Z"), max: new Date("2150-12-31T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

describe("parseDateText", () => {
  it.each([
    ["January 1, 2025", "2025-01-01"],
    ["Jan. 1, 2025", "2025-01-01"],
    ["Sept 30, 2024", "2024-09-30"],
    ["1 January 2025", "2025-01-01"],
    ["31st of December, 2025", "2025-12-31"],
    ["2025-01-01", "2025-01-01"],
    ["01/02/2025", "2025-01-02"],
    ["31/01/2025", "2025-01-31"],
    ["1.2.2025", "2025-02-01"],
    ["February 29, 2024", "2024-02-29"],
  ])("reads %s as %s", (text, expected) => {
    expect(parseDateText(text)).toBe(expected);
  });

  it.each(["February 29, 2025", "2025-13-01", "32 March 2025", "Smarch 3, 2025", "", "yesterday"])(
    "rejects %s",
    (text) => {
      expect(parseDateText(text)).toBeNull();
    },
  );

  it("round-trips every spelling it writes", () => {
    fc.assert(
      fc.property(isoDate, fc.constantFrom(...DATE_STYLES), (date, style) => {
        const written = formatDate(date, style);
        expect(parseDateText(written)).toBe(date);
        expect(new RegExp(`^(?:${DATE_SOURCE})$`, "i").test(written)).toBe(true);
      }),
    );
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const value = parseDateText(text);
        expect(value === null || isIsoDate(value)).toBe(true);
      }),
    );
  });
});

describe("date arithmetic", () => {
  it("adds months clamped to the month's end", () => {
    expect(addMonths("2025-01-31", 1)).toBe("2025-02-28");
    expect(addMonths("2024-12-31", 12)).toBe("2025-12-31");
    expect(addMonths("2025-03-15", -3)).toBe("2024-12-15");
  });

  it("keeps addDays and daysBetween inverse", () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -5000, max: 5000 }), (date, days) => {
        expect(daysBetween(date, addDays(date, days))).toBe(days);
      }),
    );
  });
});
