// The cron mode: a Chronos-compatible time-based job scheduler that runs as a Mesos framework.
// Other folders import only from here.

export { startCron } from "./start.ts";
export { CronMetrics } from "./metrics.ts";
export { noopCronObserver, type CronObserver } from "./observer.ts";
export { cronConfigFromFlags, type CronConfig, type CronConfigOverrides } from "./config.ts";
export { CronCore, JobNotFoundError } from "./core.ts";
export type { CoreSettings, Ready } from "./core-state.ts";
export { nextRuns } from "./next-runs.ts";
export { parseJobJson, jobToJson, chronosDefaults, JobJsonError, type JobDefaults } from "./job-json.ts";
export { SqliteStore } from "./sqlite-store.ts";
export type { Job, JobSpec, JobStatus, RunRecord, RunState, Schedule, ConcurrencyPolicy } from "./types.ts";
