// The static check that no two windows of one role overlap (nor a window its own next
// occurrence). It runs in wall time, where there is no daylight saving: a daily 24-hour window
// is fine although on spring-forward day its two occurrences overlap by an hour in real time
// (at run time overlapping windows simply merge). One year of occurrences is looked at, from a
// fixed start so the same document always gets the same verdict, or fewer for windows that open
// very often (overlapCheckOccurrencesMax).

import { overlapCheckOccurrencesMax, overlapCheckSpanMs, overlapCheckStartWallMs } from "./limits.ts";
import type { ScheduleWindow } from "./types.ts";
import { formatWallMs } from "./wall-clock.ts";

interface Occurrence {
  readonly startWallMs: number;
  readonly endWallMs: number;
  readonly window: number;
}

/** The first overlap found, as "windows[i]: ..." (the caller prefixes the role's path), or undefined. */
export function windowsOverlapProblem(windows: readonly ScheduleWindow[]): string | undefined {
  let horizonWallMs = overlapCheckStartWallMs + overlapCheckSpanMs;
  const occurrences: Occurrence[] = [];
  windows.forEach((window, index) => {
    let count = 0;
    let wallMs = window.matcher.nextAfter(overlapCheckStartWallMs - 1);
    while (wallMs !== undefined && wallMs <= horizonWallMs && count < overlapCheckOccurrencesMax) {
      occurrences.push({ startWallMs: wallMs, endWallMs: wallMs + window.durationMs, window: index });
      count += 1;
      if (count === overlapCheckOccurrencesMax) horizonWallMs = Math.min(horizonWallMs, wallMs);
      wallMs = window.matcher.nextAfter(wallMs);
    }
  });
  occurrences.sort((a, b) => a.startWallMs - b.startWallMs || a.window - b.window);
  let open: Occurrence | undefined;
  for (const occurrence of occurrences) {
    if (occurrence.startWallMs > horizonWallMs) break;
    if (open !== undefined && occurrence.startWallMs < open.endWallMs) return describe(open, occurrence);
    if (open === undefined || occurrence.endWallMs > open.endWallMs) open = occurrence;
  }
  return undefined;
}

function describe(first: Occurrence, second: Occurrence): string {
  const which = first.window === second.window ? "itself" : `windows[${first.window}]`;
  return (
    `windows[${second.window}]: overlaps ${which}: the window opening ${formatWallMs(second.startWallMs)} starts before ` +
    `the one opening ${formatWallMs(first.startWallMs)} closes at ${formatWallMs(first.endWallMs)}`
  );
}
