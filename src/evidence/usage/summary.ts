/**
 * Tallies of usage events, kept in memory while a log streams past: totals per vendor, data class
 * and detection kind (what `assay usage classify` prints), and daily rollup rows per
 * day × vendor × service × model × version × source × data class (what storage keeps for the 90-day
 * evidence). Pure: events in, counts out.
 */
import type { DataClass, UsageEvent, UsageLineError } from "./types.ts";

export interface VendorTally {
  requests: number;
  withDetections: number;
  byDataClass: Partial<Record<DataClass, number>>;
}

export interface UsageTally {
  events: number;
  eventsWithDetections: number;
  invalidLines: UsageLineError[];
  /** Keyed by vendor slug; hosts that are not AI vendors under "(not an AI vendor)". */
  byVendor: Record<string, VendorTally>;
  /** Requests that carried at least one detection of the class. */
  byDataClass: Partial<Record<DataClass, number>>;
  /** Requests per detection kind (`custom:<name>` for custom patterns). */
  byKind: Record<string, number>;
  unattributedHosts: number;
  discoveryOnlyRequests: number;
}

export const NOT_AN_AI_VENDOR = "(not an AI vendor)";

/** An empty tally and the functions that fill it. */
export function createUsageTally(): {
  tally: UsageTally;
  addEvent(event: UsageEvent): void;
  addError(error: UsageLineError): void;
} {
  const tally: UsageTally = {
    events: 0,
    eventsWithDetections: 0,
    invalidLines: [],
    byVendor: {},
    byDataClass: {},
    byKind: {},
    unattributedHosts: 0,
    discoveryOnlyRequests: 0,
  };
  return {
    tally,
    addError(error) {
      tally.invalidLines.push(error);
    },
    addEvent(event) {
      tally.events++;
      const key = event.vendor ?? NOT_AN_AI_VENDOR;
      if (event.vendor === null) tally.unattributedHosts++;
      if (event.discoveryOnly) tally.discoveryOnlyRequests++;
      const vendor = tally.byVendor[key] ?? { requests: 0, withDetections: 0, byDataClass: {} };
      tally.byVendor[key] = vendor;
      vendor.requests++;
      if (event.detections.length === 0) return;
      tally.eventsWithDetections++;
      vendor.withDetections++;
      const kinds = new Set<string>();
      const classes = new Set<DataClass>();
      for (const d of event.detections) {
        kinds.add(d.kind === "custom" ? `custom:${d.rule}` : d.kind);
        classes.add(d.dataClass);
      }
      for (const k of kinds) tally.byKind[k] = (tally.byKind[k] ?? 0) + 1;
      for (const c of classes) {
        tally.byDataClass[c] = (tally.byDataClass[c] ?? 0) + 1;
        vendor.byDataClass[c] = (vendor.byDataClass[c] ?? 0) + 1;
      }
    },
  };
}

/** One row of the daily rollup. `dataClass` null is the row of all requests of the group. */
export interface UsageRollupRow {
  day: string;
  vendor: string | null;
  service: string | null;
  model: string | null;
  modelVersion: string | null;
  source: string | null;
  dataClass: DataClass | null;
  requests: number;
  requestBytes: number;
  responseBytes: number;
}

/**
 * Adds events to daily rollup rows (UTC day). Every request counts in the group's `null` row (all
 * requests) and once in the row of each class it carried, so "N requests to vendor Y, of which K
 * contained PII" is the sum of the `null` rows and of the `pii` rows over the period.
 */
export function createDailyRollup(): { add(event: UsageEvent): void; rows(): UsageRollupRow[] } {
  const rows = new Map<string, UsageRollupRow>();
  return {
    add(event) {
      const day = event.timestamp.slice(0, 10);
      const classes: Array<DataClass | null> = [null];
      for (const d of event.detections) if (!classes.includes(d.dataClass)) classes.push(d.dataClass);
      for (const dataClass of classes) {
        const key = [
          day,
          event.vendor,
          event.service,
          event.model,
          event.modelVersion,
          event.source,
          dataClass,
        ].join("\u0000");
        let row = rows.get(key);
        if (row === undefined) {
          row = {
            day,
            vendor: event.vendor,
            service: event.service,
            model: event.model,
            modelVersion: event.modelVersion,
            source: event.source,
            dataClass,
            requests: 0,
            requestBytes: 0,
            responseBytes: 0,
          };
          rows.set(key, row);
        }
        row.requests++;
        row.requestBytes += event.requestBytes ?? 0;
        row.responseBytes += event.responseBytes ?? 0;
      }
    },
    rows() {
      return [...rows.values()];
    },
  };
}
