// The cron core's state and its change journal. Everything the core decides is a change to jobs
// or runs recorded here; the service takes the journal (`Ready`), makes it durable, and only then
// performs the effects (launches, kills, acknowledgements), as a Raft driver persists before it sends.

import { assert } from "../runtime/index.ts";
import { DueHeap } from "./due-heap.ts";
import { ChildIndex } from "./graph.ts";
import { occurrencesOf, type Occurrences } from "./next-runs.ts";
import { isFinalRunState, type Job, type JobStatus, type RunRecord } from "./types.ts";

export interface CoreSettings {
  /** Delay before the first retry of a failed run; each further retry doubles it. */
  failureRetryMs: number;
  /** Longest delay between retries. */
  failureRetryMaxMs: number;
  /** Disable a job after this many failures in a row (after retries); 0 never does. */
  disableAfterFailures: number;
}

export type Effect = { type: "kill"; runId: string; agentId: string | undefined; reason: string };

/** What changed since the last take: persist `jobs`/`runs` first, then perform `effects`. */
export interface Ready {
  /** Changed jobs by name; undefined marks a deleted job. */
  jobs: Map<string, Job | undefined>;
  runs: Map<string, RunRecord>;
  effects: Effect[];
}

export function emptyReady(): Ready {
  return { jobs: new Map(), runs: new Map(), effects: [] };
}

export function readyIsEmpty(ready: Ready): boolean {
  return ready.jobs.size === 0 && ready.runs.size === 0 && ready.effects.length === 0;
}

export function newStatus(): JobStatus {
  return {
    successCount: 0,
    errorCount: 0,
    lastSuccessMs: undefined,
    lastErrorMs: undefined,
    errorsSinceLastSuccess: 0,
    skippedCount: 0,
    nextDueMs: undefined,
    lastScheduledMs: undefined,
    lastRunMs: undefined,
    parentsSucceeded: [],
  };
}

/** The stale-entry slack after which the due heap is rebuilt from the jobs. */
const heapStaleEntriesMax = 10_000;

export class CoreState {
  readonly jobs = new Map<string, Job>();
  readonly occurrences = new Map<string, Occurrences>();
  readonly children = new ChildIndex();
  heap = new DueHeap();
  /** Runs not final yet, by id. */
  readonly active = new Map<string, RunRecord>();
  /** Ids of active runs per job. */
  readonly activeByJob = new Map<string, Set<string>>();
  ready: Ready = emptyReady();

  constructor(readonly settings: CoreSettings) {
    assert(settings.failureRetryMs > 0, "failureRetryMs must be positive");
    assert(settings.failureRetryMaxMs >= settings.failureRetryMs, "failureRetryMaxMs must be at least failureRetryMs");
  }

  // -- jobs ---------------------------------------------------------------------------------

  setJob(job: Job): void {
    const previous = this.jobs.get(job.spec.name);
    if (previous !== undefined) this.children.remove(previous.spec);
    this.jobs.set(job.spec.name, job);
    this.children.add(job.spec);
    const occurrences = occurrencesOf(job.spec);
    if (occurrences === undefined) this.occurrences.delete(job.spec.name);
    else this.occurrences.set(job.spec.name, occurrences);
    this.scheduleDue(job);
    this.markJob(job);
  }

  deleteJob(name: string): void {
    const job = this.jobs.get(name);
    assert(job !== undefined, `deleteJob: no job ${name}`);
    this.children.remove(job.spec);
    this.jobs.delete(name);
    this.occurrences.delete(name);
    this.ready.jobs.set(name, undefined);
  }

  markJob(job: Job): void {
    this.ready.jobs.set(job.spec.name, job);
  }

  /** Puts the job's next due time on the heap (a fresh entry; the old one goes stale). */
  scheduleDue(job: Job): void {
    const dueMs = job.status.nextDueMs;
    // A disabled job waits off the heap; enabling it recomputes its next due time.
    if (dueMs === undefined || job.spec.disabled) return;
    this.heap.push({ dueMs, name: job.spec.name });
    if (this.heap.size > 2 * this.jobs.size + heapStaleEntriesMax) this.rebuildHeap();
  }

  isCurrentDue = (entry: { dueMs: number; name: string }): boolean => {
    const job = this.jobs.get(entry.name);
    return job !== undefined && job.status.nextDueMs === entry.dueMs;
  };

  private rebuildHeap(): void {
    this.heap = new DueHeap();
    for (const job of this.jobs.values()) {
      if (job.status.nextDueMs !== undefined && !job.spec.disabled) this.heap.push({ dueMs: job.status.nextDueMs, name: job.spec.name });
    }
  }

  // -- runs ---------------------------------------------------------------------------------

  /** Records a run change; final runs leave the active set. */
  putRun(run: RunRecord): void {
    this.ready.runs.set(run.id, run);
    if (isFinalRunState(run.state)) {
      this.active.delete(run.id);
      const ids = this.activeByJob.get(run.job);
      ids?.delete(run.id);
      if (ids?.size === 0) this.activeByJob.delete(run.job);
      return;
    }
    this.active.set(run.id, run);
    let ids = this.activeByJob.get(run.job);
    if (ids === undefined) {
      ids = new Set();
      this.activeByJob.set(run.job, ids);
    }
    ids.add(run.id);
  }

  activeRunsOf(job: string): RunRecord[] {
    const ids = this.activeByJob.get(job);
    if (ids === undefined) return [];
    return [...ids].map((id) => this.active.get(id)!);
  }

  kill(run: RunRecord, reason: string): void {
    this.ready.effects.push({ type: "kill", runId: run.id, agentId: run.agentId, reason });
  }

  takeReady(): Ready {
    const ready = this.ready;
    this.ready = emptyReady();
    return ready;
  }
}

/** `ct:<scheduledMs>:<attempt>:<job>`, Chronos's task id shape; deterministic for a run. */
export function runId(job: string, scheduledMs: number, attempt: number): string {
  return `ct:${scheduledMs}:${attempt}:${job}`;
}

/** The parts of a run id, or undefined if the id is not one of ours. */
export function parseRunId(id: string): { job: string; scheduledMs: number; attempt: number } | undefined {
  const match = /^ct:(\d+):(\d+):([\w.-]+)$/.exec(id);
  if (!match) return undefined;
  return { scheduledMs: Number(match[1]), attempt: Number(match[2]), job: match[3]! };
}
