// Which sandboxes are due for removal, with Mesos's rule: a path scheduled with the full gc_delay
// is removed once it is older than gc_delay × max(0, 1 − gc_disk_headroom − disk usage), so a
// filling disk shortens every delay. Pure: time and disk usage come in as numbers.

import { assert } from "../../runtime/index.ts";

export interface GcEntry {
  path: string;
  scheduledAtMs: number;
  /** When the path goes at the latest (scheduledAtMs + its delay). */
  removeAtMs: number;
}

/** Mesos's --gc_delay default: one week. */
export const gcDelayMsDefault = 7 * 24 * 60 * 60 * 1000;
/** Mesos's --gc_disk_headroom default. */
export const gcDiskHeadroomDefault = 0.1;

/** The oldest a scheduled path may get at this disk usage (a fraction in [0, 1]). */
export function gcMaxAgeMs(gcDelayMs: number, gcDiskHeadroom: number, diskUsage: number): number {
  assert(gcDelayMs >= 0, `gc delay must not be negative: ${gcDelayMs}`);
  assert(gcDiskHeadroom >= 0 && gcDiskHeadroom <= 1, `gc disk headroom must be in [0, 1]: ${gcDiskHeadroom}`);
  const usage = Math.min(1, Math.max(0, diskUsage));
  return gcDelayMs * Math.max(0, 1 - gcDiskHeadroom - usage);
}

/**
 * Entries to remove now: those whose remaining time is within (gc_delay − max age), as Mesos's
 * prune does. At low disk usage that is only the expired ones; at full disk, all of them.
 * Ordered by removal time, earliest first.
 */
export function dueEntries(entries: Iterable<GcEntry>, nowMs: number, gcDelayMs: number, maxAgeMs: number): GcEntry[] {
  const slackMs = gcDelayMs - maxAgeMs;
  const due: GcEntry[] = [];
  for (const e of entries) if (e.removeAtMs - nowMs <= slackMs) due.push(e);
  return due.sort((a, b) => a.removeAtMs - b.removeAtMs || a.path.localeCompare(b.path));
}
