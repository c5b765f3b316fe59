import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { businessDaysWorstCase, numberFromWords, parseDuration } from "./durations.ts";

const ONES = [
  "zero",
  "one",
  "two",
  "three",
  "four",
  "five",
  "six",
  "seven",
  "eight",
  "nine",
  "ten",
  "eleven",
  "twelve",
  "thirteen",
  "fourteen",
  "fifteen",
  "sixteen",
  "seventeen",
  "eighteen",
  "nineteen",
];
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

function words(n: number): string {
  if (n < 20) return ONES[n] ?? "";
  const ones = n % 10;
  return `${TENS[Math.floor(n / 10)]}${ones === 0 ? "" : `-${ONES[ones]}`}`;
}

describe("durations", () => {
  it("reads every number from zero to ninety-nine written in words", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99 }), (n) => {
        expect(numberFromWords(words(n))).toBe(n);
        expect(parseDuration(`within ${words(n)} (${n}) hours`)?.hours).toBe(n);
      }),
    );
  });

  it("counts business days at their worst case", () => {
    expect(businessDaysWorstCase(1)).toBe(3);
    expect(businessDaysWorstCase(5)).toBe(7);
    expect(businessDaysWorstCase(10)).toBe(14);
    expect(parseDuration("three working days")).toMatchObject({
      amount: 3,
      unit: "business_days",
      hours: 5 * 24,
    });
  });

  it("never throws and never returns a negative period", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const d = parseDuration(text);
        if (d !== null) expect(d.hours).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});
