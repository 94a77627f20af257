// How long a decline filters an agent for a framework, the way Mesos turns `Filters.refuse_seconds`
// into a filter timeout.

import { allocationIntervalMsDefault, refuseFilterDurationMsMax, refuseSecondsDefault } from "./limits.ts";

/**
 * The filter duration for a decline (or for resources recovered unused at accept) with the given
 * `refuse_seconds`:
 *
 * - absent, negative or NaN: the 5 s default (Mesos logs a warning and does the same);
 * - 0: no filter at all, returned as 0 (Mesos creates none, so the resources may come back in
 *   the very next cycle);
 * - anything else: that long, at most 365 days, and never shorter than one allocation interval,
 *   since a filter that expires before the next cycle would filter nothing.
 */
export function refuseFilterDurationMs(
  refuseSeconds: number | undefined,
  allocationIntervalMs: number = allocationIntervalMsDefault,
): number {
  if (!(Number.isFinite(allocationIntervalMs) && allocationIntervalMs > 0)) {
    throw new Error(`refuseFilterDurationMs: allocation interval ${allocationIntervalMs} ms is not positive`);
  }
  let seconds = refuseSeconds ?? refuseSecondsDefault;
  if (Number.isNaN(seconds) || seconds < 0) seconds = refuseSecondsDefault;
  if (seconds === 0) return 0;
  const durationMs = Math.min(seconds * 1000, refuseFilterDurationMsMax);
  return Math.round(Math.max(durationMs, allocationIntervalMs));
}
