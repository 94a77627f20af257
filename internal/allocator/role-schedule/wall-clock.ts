// Local wall-clock time in a zone, as "wall ms": the local date and time read as if it were UTC.
// Cron expressions are matched on wall ms (no daylight-saving changes there), then mapped to
// instants here. The mapping decides the daylight-saving cases once for every expression:
//
// - a wall time that does not exist (spring forward, 02:30 in New York on the second Sunday of
//   March) maps to the first instant after the gap (03:00 EDT): the window opens at the next
//   valid time;
// - a wall time that happens twice (fall back, 01:30 in New York in November) maps to its first
//   instant only, so a repeated hour never opens a window twice.
//
// The mapping never decreases (a later wall time never maps to an earlier instant), which is what
// lets activity searches run in wall time. Temporal does the zone arithmetic (tz database).

import { assert } from "../../runtime/index.ts";

const utc = "UTC";

/** A zone Temporal knows (IANA or a fixed `+hh:mm` offset), or the reason it is not one. */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone.trim() === "") return "is empty";
  try {
    Temporal.Now.zonedDateTimeISO(zone);
  } catch (error) {
    return `'${zone}' is not a time zone of the tz database (${(error as Error).message})`;
  }
  return undefined;
}

function zoned(instantMs: number, zone: string): Temporal.ZonedDateTime {
  return Temporal.Instant.fromEpochMilliseconds(instantMs).toZonedDateTimeISO(zone);
}

/** The local wall time at an instant. */
export function wallMsAt(instantMs: number, zone: string): number {
  return instantMs + zoned(instantMs, zone).offsetNanoseconds / 1e6;
}

/** The instant a wall time opens at: the first one showing it, or the end of the gap it falls in. */
export function instantOfWall(wallMs: number, zone: string): number {
  const local = zoned(wallMs, utc).toPlainDateTime();
  const earlier = local.toZonedDateTime(zone, { disambiguation: "earlier" });
  const earlierMs = earlier.epochMilliseconds;
  if (earlierMs + earlier.offsetNanoseconds / 1e6 === wallMs) return earlierMs;
  // In a gap: "earlier" read the wall time with the offset after the change, an instant before
  // the gap; the change itself is the first instant that exists past the wall time.
  const transition = earlier.getTimeZoneTransition("next");
  assert(transition !== null, `no transition after the nonexistent wall time ${formatWallMs(wallMs)} in ${zone}`);
  return transition.epochMilliseconds;
}

/**
 * The latest wall time whose instant is at or before `instantMs`. It is the wall time at that
 * instant, except in the second pass of a repeated hour: there every wall time up to the end of the
 * repeated hour already mapped (to its first pass), which is before `instantMs`.
 */
export function wallLimitAt(instantMs: number, zone: string): number {
  const wallMs = wallMsAt(instantMs, zone);
  if (instantOfWall(wallMs, zone) === instantMs) return wallMs;
  const fallBack = zoned(instantMs + 1, zone).getTimeZoneTransition("previous");
  assert(fallBack !== null, `no transition before the repeated wall time ${formatWallMs(wallMs)} in ${zone}`);
  return wallMsAt(fallBack.epochMilliseconds - 1, zone);
}

/** `2025-03-09T02:30:00` for messages. */
export function formatWallMs(wallMs: number): string {
  return new Date(wallMs).toISOString().slice(0, 19);
}
