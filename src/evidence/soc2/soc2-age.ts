import { addMonths, daysBetween } from "../pdf/text-dates.ts";

/** How old a SOC 2 report's period is on a given day, and what that calls for. */
export interface Soc2Age {
  periodEnd: string;
  asOf: string;
  daysSincePeriodEnd: number;
  /** The period ended more than 12 months before `asOf`: the report no longer covers the vendor. */
  stale: boolean;
  /** The period ended more than 3 months before `asOf`: ask for a bridge (gap) letter. */
  bridgeLetterNeeded: boolean;
}

/**
 * Decides the age rules of a SOC 2 report: older than 12 months after the period end is stale;
 * older than 3 months needs a bridge letter covering the gap. Dates are ISO calendar dates.
 */
export function assessSoc2Age(periodEnd: string, asOf: string): Soc2Age {
  const stale = asOf > addMonths(periodEnd, 12);
  return {
    periodEnd,
    asOf,
    daysSincePeriodEnd: daysBetween(periodEnd, asOf),
    stale,
    bridgeLetterNeeded: !stale && asOf > addMonths(periodEnd, 3),
  };
}
