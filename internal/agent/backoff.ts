// Backoff arithmetic, pure: the callers own the timers.

import type { Random } from "../runtime/index.ts";

/**
 * Mesos's registration backoff: a uniformly random wait in [0, b], where b is the factor doubled
 * once per failed attempt and capped. The randomness spreads a fleet of agents that lost the same
 * master over the interval instead of having them all knock at once.
 */
export function registrationDelayMs(attempt: number, factorMs: number, maxMs: number, random: Random): number {
  if (!(attempt >= 0 && factorMs > 0 && maxMs > 0)) {
    throw new Error(`registrationDelayMs: bad arguments ${attempt}, ${factorMs}, ${maxMs}`);
  }
  const boundMs = Math.min(maxMs, factorMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random.next() * boundMs);
}

/** The status update resend interval after `resends` resends: min, 2min, 4min, ... up to max. */
export function updateRetryIntervalMs(resends: number, minMs: number, maxMs: number): number {
  if (!(resends >= 0 && minMs > 0 && maxMs >= minMs)) {
    throw new Error(`updateRetryIntervalMs: bad arguments ${resends}, ${minMs}, ${maxMs}`);
  }
  return Math.min(maxMs, minMs * 2 ** Math.min(resends, 30));
}
