// What the cron service tells observability, as plain calls with its own records
// (observability/observers turns them into metrics and spans; nothing here imports
// OpenTelemetry). Called after the journal holding the change is durable, so what is observed
// is what survives a restart.

import type { CronMetrics } from "./metrics.ts";
import type { RunRecord } from "./types.ts";

export interface CronObserver {
  /** Called once per process; the observer reads the gauges when metrics are collected. */
  bind(gauges: Readonly<CronMetrics>): void;
  /** A run changed as persisted: `before` is the run as it was (undefined when new or recovered). */
  runChanged(before: RunRecord | undefined, after: RunRecord): void;
}

export const noopCronObserver: CronObserver = {
  bind: () => {},
  runChanged: () => {},
};
