// Named limits of the cron mode. Going past one from the outside (a job, a request) is an operating
// error answered with a 400 naming the field; past one inside is a programming error (assert).

/** Chronos's job name rule: `[\w.-]+`; we also bound the length so ids stay short. */
export const jobNamePattern = /^[\w.-]+$/;
export const jobNameCharsMax = 200;
export const commandCharsMax = 64 * 1024;
export const argumentsMax = 1000;
export const environmentVariablesMax = 1000;
export const parentsPerJobMax = 1000;
export const descriptionCharsMax = 64 * 1024;
export const retriesMax = 100;
export const cpusMax = 1024;
export const megabytesMax = 1024 * 1024 * 1024;
/** A schedule period shorter than this is refused: cron-parser's own resolution is one second. */
export const schedulePeriodMsMin = 1000;
/** Jobs one cron process holds; posting more is refused. */
export const jobsMax = 1_000_000;
/**
 * Occurrences of a cron expression counted when reporting runs missed while down; past it the count
 * says "at least" (cron-parser takes ~0.2 ms per step). ISO 8601 schedules are counted exactly.
 */
export const missedRunsCountedMax = 1000;
/** Steps taken to pin an occurrence index after the estimate; a bound on the search, never reached in practice. */
export const occurrenceSearchStepsMax = 10_000;
/** Runs listed by GET /v1/scheduler/job/<name>/runs (and kept in the stat history). */
export const runsListedMax = 1000;
/** Run ids per RECONCILE call. */
export const reconcileBatchMax = 1000;
/** Task launches per ACCEPT call. */
export const launchesPerAcceptMax = 1000;
