/**
 * Periods as contracts write them ("72 hours", "five (5) business days", "2 days",
 * "seventy-two (72) hours"), normalised to hours or days.
 */

/** Number words from zero to nineteen, in order (the index is the value). */
export const UNITS = [
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

const WORD_SOURCE = `(?:(?:${TENS.slice(2).join("|")})(?:[- ](?:${UNITS.slice(1, 10).join("|")}))?|${UNITS.join("|")}|a|an|one\\s+hundred)`;

/** Matches one period: a number (digits or words, with an optional "(5)"), optional kind, a unit. */
export const DURATION_SOURCE = `\\b(\\d{1,4}|${WORD_SOURCE})\\s*(?:\\((\\d{1,4})\\)\\s*)?(business|working|calendar)?\\s*(hours?|days?|weeks?|months?)\\b`;

export type DurationUnit = "hours" | "days" | "business_days" | "weeks" | "months";

export interface Duration {
  amount: number;
  unit: DurationUnit;
  /** The period in hours; business days count at their worst case (a weekend inside). */
  hours: number;
  text: string;
}

/** Reads a number written in digits or English words (up to 199); null when it is not one. */
export function numberFromWords(text: string): number | null {
  const t = text.trim().toLowerCase().replace(/\s+/g, " ");
  if (/^\d+$/.test(t)) return Number(t);
  if (t === "a" || t === "an") return 1;
  if (t === "one hundred") return 100;
  const unit = UNITS.indexOf(t);
  if (unit >= 0) return unit;
  const m = /^([a-z]+)(?:[- ]([a-z]+))?$/.exec(t);
  if (!m?.[1]) return null;
  const tens = TENS.indexOf(m[1]);
  if (tens < 2) return null;
  const ones = m[2] === undefined ? 0 : UNITS.indexOf(m[2]);
  return ones < 0 || ones > 9 ? null : tens * 10 + ones;
}

/**
 * Worst-case calendar days for `n` business days: a period that starts on a Friday evening
 * crosses a weekend for every five business days.
 */
export function businessDaysWorstCase(n: number): number {
  return n + 2 * Math.ceil(n / 5);
}

/** Turns one DURATION_SOURCE match into a Duration; null when the number is unreadable. */
export function durationFromMatch(match: RegExpExecArray): Duration | null {
  const digits = match[2] === undefined ? null : Number(match[2]);
  const amount = digits ?? numberFromWords(match[1] ?? "");
  if (amount === null) return null;
  const kind = (match[3] ?? "").toLowerCase();
  const word = (match[4] ?? "").toLowerCase();
  let unit: DurationUnit;
  let hours: number;
  if (word.startsWith("hour")) {
    unit = "hours";
    hours = amount;
  } else if (word.startsWith("day")) {
    unit = kind === "business" || kind === "working" ? "business_days" : "days";
    hours = (unit === "business_days" ? businessDaysWorstCase(amount) : amount) * 24;
  } else if (word.startsWith("week")) {
    unit = "weeks";
    hours = amount * 7 * 24;
  } else {
    unit = "months";
    hours = amount * 31 * 24;
  }
  return { amount, unit, hours, text: match[0].replace(/\s+/g, " ").trim() };
}

/** Reads the first period in `text`; null when there is none. */
export function parseDuration(text: string): Duration | null {
  const m = new RegExp(DURATION_SOURCE, "i").exec(text);
  return m ? durationFromMatch(m) : null;
}
