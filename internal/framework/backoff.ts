// Re-subscription backoff, as docs/scheduler-http-api.md recommends: exponential, capped (15 s by
// default), with jitter so that many frameworks losing one master do not return in step.

import type { Random } from "../runtime/index.ts";

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

export const defaultBackoff: BackoffSettings = { initialMs: 250, maxMs: 15_000 };

/** Delay before retry number `attempt` (0 for the first retry): uniform in [d/2, d], d = initial * 2^attempt, capped. */
export function backoffDelayMs(attempt: number, settings: BackoffSettings, random: Random): number {
  const ceiling = Math.min(settings.maxMs, settings.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random.next() * (ceiling / 2));
}
