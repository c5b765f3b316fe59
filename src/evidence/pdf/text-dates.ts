/**
 * Calendar dates as documents spell them ("January 1, 2025", "1 January 2025", "2025-01-01",
 * "01/01/2025"), read into ISO `YYYY-MM-DD`, and the small date arithmetic the age and expiry
 * rules need. Dates are calendar days in UTC; no time zones are involved.
 */

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
] as const;

const MONTH_WORD =
  "(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\\.?";

/** A regular-expression source that matches one date in any supported spelling (no groups). */
export const DATE_SOURCE = [
  `${MONTH_WORD}\\s+\\d{1,2}(?:st|nd|rd|th)?,?\\s+\\d{4}`,
  `\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_WORD},?\\s+\\d{4}`,
  "\\d{4}-\\d{2}-\\d{2}",
  "\\d{1,2}/\\d{1,2}/\\d{4}",
  "\\d{1,2}\\.\\d{1,2}\\.\\d{4}",
].join("|");

/** A day and month without a year ("January 1", "1 January"), as the start of a range may be written. */
export const MONTH_DAY_SOURCE = `${MONTH_WORD}\\s+\\d{1,2}(?:st|nd|rd|th)?|\\d{1,2}(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_WORD}`;

/** The spellings `formatDate` can write; the parser reads all of them back. */
export const DATE_STYLES = ["long_us", "long_eu", "iso", "slash_us"] as const;
export type DateStyle = (typeof DATE_STYLES)[number];

function monthIndex(word: string): number {
  const w = word.toLowerCase().replace(/\.$/, "");
  return MONTHS.findIndex((m) => m.startsWith(w.slice(0, 3)));
}

function iso(year: number, month: number, day: number): string | null {
  if (year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1) return null;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/**
 * Reads one date into `YYYY-MM-DD`, or null when the text is not a real calendar date.
 * Numeric day/month order: "01/02/2025" is read the US way (January 2) unless the first number
 * cannot be a month; dotted dates ("1.2.2025") are read the European way.
 */
export function parseDateText(text: string): string | null {
  const s = text.trim().replace(/\s+/g, " ");
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return iso(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return a > 12 ? iso(Number(m[3]), b, a) : iso(Number(m[3]), a, b);
  }
  m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s);
  if (m) return iso(Number(m[3]), Number(m[2]), Number(m[1]));
  m = /^([A-Za-z]+)\.? (\d{1,2})(?:st|nd|rd|th)?,? (\d{4})$/.exec(s);
  if (m) {
    const month = monthIndex(m[1] ?? "");
    return month < 0 ? null : iso(Number(m[3]), month + 1, Number(m[2]));
  }
  m = /^(\d{1,2})(?:st|nd|rd|th)? (?:of )?([A-Za-z]+)\.?,? (\d{4})$/.exec(s);
  if (m) {
    const month = monthIndex(m[2] ?? "");
    return month < 0 ? null : iso(Number(m[3]), month + 1, Number(m[1]));
  }
  return null;
}

/** Writes an ISO date in one of the supported spellings (used by fixtures and tests). */
export function formatDate(isoDate: string, style: DateStyle): string {
  const [y, mo, d] = isoDate.split("-").map(Number) as [number, number, number];
  const name = MONTHS[mo - 1] ?? "january";
  const month = name.charAt(0).toUpperCase() + name.slice(1);
  switch (style) {
    case "long_us":
      return `${month} ${d}, ${y}`;
    case "long_eu":
      return `${d} ${month} ${y}`;
    case "iso":
      return isoDate;
    case "slash_us":
      return `${String(mo).padStart(2, "0")}/${String(d).padStart(2, "0")}/${y}`;
  }
}

const DAY_MS = 86_400_000;

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The ISO date `days` days after `isoDate`. */
export function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** The ISO date `months` calendar months after `isoDate`, clamped to the month's last day. */
export function addMonths(isoDate: string, months: number): string {
  const [y, m, d] = isoDate.split("-").map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, m - 1 + months, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d, last));
  return target.toISOString().slice(0, 10);
}

/** True when `value` is a real calendar date written as YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && parseDateText(value) === value;
}
