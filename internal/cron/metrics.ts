// The cron process's own state gauges, as plain numbers the service keeps current. The
// observer (observer.ts) reads them when metrics are collected and counts run transitions;
// observability/observers turns both into OpenTelemetry instruments.

export class CronMetrics {
  /** 1 while this process holds the leader lock. */
  leader = 0;
  /** 1 while subscribed to a master as a framework. */
  subscribed = 0;
  jobs = 0;
  /** Runs queued, launching or running. */
  activeRuns = 0;
}
