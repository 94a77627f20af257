// The cron mode's vocabulary: jobs as the Chronos API describes them, their durable status, and
// runs (one scheduled execution attempt each, also the Mesos task). Pure data; no behaviour.

export const concurrencyPolicies = ["Allow", "Forbid", "Replace"] as const;
/** Kubernetes CronJob meaning: Allow overlaps, Forbid skips a new run while one is active, Replace kills it. */
export type ConcurrencyPolicy = (typeof concurrencyPolicies)[number];

/** When a job runs: an ISO 8601 repeating interval, a cron expression, or after its parents. */
export type Schedule =
  | {
      kind: "iso8601";
      /** As the client wrote it, e.g. `R5/2024-01-01T00:00:00Z/PT1H`. */
      text: string;
      /** Runs in total; undefined repeats for ever, 0 never runs. */
      repeats: number | undefined;
      /** The first occurrence; an empty start in the text was resolved to the time the job was posted. */
      startMs: number;
      /** ISO 8601 duration text of the period, e.g. `P1D`. */
      period: string;
      /**
       * Where calendar periods (days, weeks, months, years) are added: the job's scheduleTimeZone,
       * else the start's own UTC offset (`+02:00`), else `UTC`. Time periods are exact.
       */
      zone: string;
    }
  | { kind: "cron"; expression: string }
  | { kind: "dependency"; parents: string[] };

export interface EnvironmentVariable {
  name: string;
  value: string;
}

/** A job as posted, normalised: defaults filled in, schedule parsed. */
export interface JobSpec {
  name: string;
  command: string;
  shell: boolean;
  arguments: string[];
  description: string;
  owner: string;
  ownerName: string;
  schedule: Schedule;
  /** IANA zone for the schedule's calendar arithmetic; "" means UTC (or the start's own offset). */
  scheduleTimeZone: string;
  /** ISO 8601 duration text of the lateness still worth running, e.g. `PT60S`. */
  epsilon: string;
  epsilonMs: number;
  retries: number;
  cpus: number;
  memMegabytes: number;
  diskMegabytes: number;
  environmentVariables: EnvironmentVariable[];
  disabled: boolean;
  concurrencyPolicy: ConcurrencyPolicy;
  /** A failure (after retries) still counts as done for dependent jobs, as in Chronos. */
  softError: boolean;
  runAsUser: string | undefined;
  /** Seconds after which a running task is killed; undefined: no limit. */
  maxCompletionTimeSeconds: number | undefined;
}

/** What Chronos reports about a job, plus the scheduler's own bookkeeping; durable with the job. */
export interface JobStatus {
  successCount: number;
  errorCount: number;
  /** Wall-clock ms of the last success / last failure (after retries), or undefined. */
  lastSuccessMs: number | undefined;
  lastErrorMs: number | undefined;
  errorsSinceLastSuccess: number;
  skippedCount: number;
  /** The next occurrence not yet acted on; undefined when the schedule has no more (or is a dependency). */
  nextDueMs: number | undefined;
  /** The latest occurrence acted on (run or skipped); undefined before the first. */
  lastScheduledMs: number | undefined;
  /** Largest scheduled time of any run created for the job; new runs get a larger one, so ids never repeat. */
  lastRunMs: number | undefined;
  /** Parents that succeeded since this job's own last run (dependent jobs only). */
  parentsSucceeded: string[];
}

export interface Job {
  spec: JobSpec;
  status: JobStatus;
}

export type RunTrigger = "schedule" | "manual" | "dependency" | "retry";

/**
 * queued: recorded, waiting for an offer. launching: an ACCEPT may have been sent (agent chosen).
 * running: the task reported TASK_RUNNING. The rest are final.
 */
export type RunState = "queued" | "launching" | "running" | "succeeded" | "failed" | "killed" | "skipped";

export const finalRunStates: ReadonlySet<RunState> = new Set(["succeeded", "failed", "killed", "skipped"]);

export function isFinalRunState(state: RunState): boolean {
  return finalRunStates.has(state);
}

export interface RunRecord {
  /** `ct:<scheduledMs>:<attempt>:<job>`; also the Mesos task id. */
  id: string;
  job: string;
  scheduledMs: number;
  attempt: number;
  /** When this attempt may start: the scheduled time, or later for a retry after backoff. */
  dueMs: number;
  trigger: RunTrigger;
  state: RunState;
  createdMs: number;
  launchedMs?: number;
  startedMs?: number;
  endedMs?: number;
  agentId?: string;
  hostname?: string;
  /** Agent base URL, for the sandbox link. */
  agentUrl?: string;
  /** Latest Mesos task state seen. */
  taskState?: string;
  exitCode?: number;
  message?: string;
  /** The master last answered a reconciliation with a non-final "don't know" (UNKNOWN, UNREACHABLE). */
  reconcilePending?: boolean;
}
