// Span times handed to the SDK as HrTime, never as a number of milliseconds.
//
// The SDK reads a number as an ambiguous time: one not above `performance.now()` is taken for a
// reading of the performance clock and shifted by the process's time origin, anything larger for
// epoch milliseconds. Times from an injected Clock are epoch milliseconds, but a test or simulated
// clock starts near zero, so once the process had run longer than those times its spans came back
// as "now" on the wall clock (which test file ran first decided it). An HrTime,
// [seconds, nanoseconds], is taken as it is.

import type { HrTime } from "@opentelemetry/api";
import type { Clock } from "../../internal/runtime/index.ts";

const nanosPerMs = 1e6;
const nanosPerSecond = 1e9;

/** Epoch milliseconds (fractions kept to the nanosecond) as an HrTime. */
export function hrTimeOfMs(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * nanosPerMs);
  // Rounding 999.9999996 ms up reaches a whole second.
  if (nanos >= nanosPerSecond) {
    seconds += 1;
    nanos -= nanosPerSecond;
  }
  return [seconds, nanos];
}

/** The clock's wall time now, as an HrTime. */
export function hrNow(clock: Clock): HrTime {
  return hrTimeOfMs(clock.nowMs());
}
