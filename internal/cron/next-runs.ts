// When a job runs next: the one pure question the cron service asks of a schedule. The service
// owns the timers and asks `nextRuns(job, afterMs)`; this file answers from the schedule alone.

import { CronOccurrences } from "./cron-expr.ts";
import { IsoOccurrences } from "./iso8601.ts";
import type { JobSpec } from "./types.ts";

/** Occurrence arithmetic of a time-based schedule. */
export interface Occurrences {
  /** The first occurrence strictly after t; undefined once the schedule has ended. */
  nextAfter(t: number): number | undefined;
  /** The last occurrence at or before t; undefined if there is none. */
  latestAtOrBefore(t: number): number | undefined;
  /** Occurrences in (a, b], counted up to max. */
  countBetween(a: number, b: number, max: number): number;
}

/** Occurrences of the job's schedule, or undefined for a dependent job (its runs follow its parents). */
export function occurrencesOf(spec: JobSpec): Occurrences | undefined {
  const schedule = spec.schedule;
  switch (schedule.kind) {
    case "iso8601": {
      const iso = new IsoOccurrences(schedule);
      return {
        nextAfter: (t) => iso.nextAfter(t),
        latestAtOrBefore: (t) => iso.latestAtOrBefore(t),
        countBetween: (a, b, max) => Math.min(max, iso.countBetween(a, b)),
      };
    }
    case "cron":
      return new CronOccurrences(schedule.expression, spec.scheduleTimeZone);
    case "dependency":
      return undefined;
  }
}

/** Up to `limit` scheduled times strictly after `afterMs`, earliest first. Pure. */
export function nextRuns(spec: JobSpec, afterMs: number, limit = 1): number[] {
  const occurrences = occurrencesOf(spec);
  const out: number[] = [];
  if (occurrences === undefined) return out;
  let t = afterMs;
  while (out.length < limit) {
    const next = occurrences.nextAfter(t);
    if (next === undefined) break;
    out.push(next);
    t = next;
  }
  return out;
}
