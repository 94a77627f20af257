// The cron core: jobs, their schedules and runs, decided without timers, I/O or clocks. Every
// method takes the time it should act at. Changes accumulate in a journal the service takes with
// takeReady(), persists, and only then acts on (launch, kill, acknowledge).

import type { Offer, TaskStatus } from "../wire/index.ts";
import { assert } from "../runtime/index.ts";
import { expireQueuedRuns, killOverdueRuns, runDueOccurrences } from "./core-runs.ts";
import { CoreState, newStatus, type CoreSettings, type Ready } from "./core-state.ts";
import { applyTaskStatus, startManualRun, type StatusOutcome } from "./core-status.ts";
import { graphProblem } from "./graph.ts";
import { JobJsonError, sameSchedule } from "./job-json.ts";
import { jobsMax } from "./limits.ts";
import { occurrencesOf } from "./next-runs.ts";
import { placeRuns, type Placement } from "./placement.ts";
import { isFinalRunState, type Job, type JobSpec, type RunRecord } from "./types.ts";

export class JobNotFoundError extends Error {
  override readonly name = "JobNotFoundError";
  constructor(readonly job: string) {
    super(`job '${job}' not found`);
  }
}

export class CronCore {
  private readonly state: CoreState;

  constructor(settings: CoreSettings) {
    this.state = new CoreState(settings);
  }

  /** Rebuilds the core from stored jobs and non-final runs (after a restart or a takeover). */
  load(jobs: readonly Job[], activeRuns: readonly RunRecord[]): void {
    assert(this.state.jobs.size === 0, "load into an empty core only");
    for (const job of jobs) this.state.setJob(job);
    for (const run of activeRuns) {
      assert(!isFinalRunState(run.state), `stored active run ${run.id} is final`);
      this.state.putRun(run);
    }
    this.state.takeReady();
  }

  // -- reading ------------------------------------------------------------------------------

  job(name: string): Job | undefined {
    return this.state.jobs.get(name);
  }

  jobs(): Job[] {
    return [...this.state.jobs.values()];
  }

  get jobCount(): number {
    return this.state.jobs.size;
  }

  activeRuns(): RunRecord[] {
    return [...this.state.active.values()];
  }

  activeRunsOf(name: string): RunRecord[] {
    return this.state.activeRunsOf(name);
  }

  /** Chronos's current state of a job: `running`, `queued` or `idle`. */
  currentState(name: string): "idle" | "queued" | "running" {
    const runs = this.state.activeRunsOf(name);
    if (runs.some((r) => r.state === "launching" || r.state === "running")) return "running";
    return runs.length > 0 ? "queued" : "idle";
  }

  /**
   * When the core next has something to do on its own, after nowMs: the earliest due job, a
   * queued run becoming due (offers are then wanted), or a due one expiring past its epsilon.
   */
  nextWakeMs(nowMs: number): number | undefined {
    let wake = this.state.heap.nextDueMs(this.state.isCurrentDue) ?? Infinity;
    for (const run of this.state.active.values()) {
      if (run.state !== "queued") continue;
      const epsilonMs = this.state.jobs.get(run.job)?.spec.epsilonMs ?? 0;
      wake = Math.min(wake, run.dueMs > nowMs ? run.dueMs : run.dueMs + epsilonMs + 1);
    }
    return wake === Infinity ? undefined : wake;
  }

  /** When a run next wants to start: now if one is queued and due, else the earliest due job or queued run. */
  nextStartMs(nowMs: number): number | undefined {
    let next = this.state.heap.nextDueMs(this.state.isCurrentDue) ?? Infinity;
    for (const run of this.state.active.values()) {
      if (run.state === "queued") next = Math.min(next, Math.max(run.dueMs, nowMs));
    }
    return next === Infinity ? undefined : next;
  }

  // -- jobs ---------------------------------------------------------------------------------

  /** Adds or replaces a job. Unknown parents and cycles are refused with the field named. */
  putJob(spec: JobSpec, nowMs: number): { created: boolean } {
    const previous = this.state.jobs.get(spec.name);
    if (previous === undefined && this.state.jobs.size >= jobsMax) throw new JobJsonError("name", `this scheduler already holds ${jobsMax} jobs`);
    const problem = graphProblem(spec, (name) => (name === spec.name ? undefined : this.state.jobs.get(name)?.spec));
    if (problem) throw new JobJsonError(problem.field, problem.problem);
    const status = previous === undefined ? newStatus() : { ...previous.status };
    const keepPlace = previous !== undefined && sameSchedule(previous.spec, spec) && !(previous.spec.disabled && !spec.disabled);
    if (!keepPlace) status.nextDueMs = firstDue(spec, nowMs, status.lastScheduledMs);
    if (spec.schedule.kind === "dependency") {
      const parents = new Set(spec.schedule.parents);
      status.parentsSucceeded = status.parentsSucceeded.filter((p) => parents.has(p));
    } else status.parentsSucceeded = [];
    this.state.setJob({ spec, status });
    return { created: previous === undefined };
  }

  /** Deletes a job; its live tasks are killed. A job that others depend on cannot go. */
  deleteJob(name: string, nowMs: number): void {
    const job = this.requireJob(name);
    const children = this.state.children.of(name);
    if (children.length > 0) throw new JobJsonError("name", `jobs ${children.map((c) => `'${c}'`).join(", ")} depend on '${name}'; delete or change them first`);
    this.killJob(name, nowMs, "job deleted");
    this.state.deleteJob(job.spec.name);
  }

  /** Starts the job now (Chronos's PUT /v1/scheduler/job/<name>). */
  runNow(name: string, nowMs: number): RunRecord {
    this.tick(nowMs);
    return startManualRun(this.state, this.requireJob(name), nowMs);
  }

  /** Kills every active run of the job: queued ones at once, launched ones through Mesos. */
  killJob(name: string, nowMs: number, reason = "killed through the API"): number {
    this.requireJob(name);
    const runs = this.state.activeRunsOf(name);
    for (const run of runs) {
      if (run.state === "queued") this.state.putRun({ ...run, state: "killed", endedMs: nowMs, message: reason });
      else {
        this.state.putRun({ ...run, message: reason });
        this.state.kill(run, reason);
      }
    }
    return runs.length;
  }

  private requireJob(name: string): Job {
    const job = this.state.jobs.get(name);
    if (job === undefined) throw new JobNotFoundError(name);
    return job;
  }

  // -- time ---------------------------------------------------------------------------------

  /** Everything due by nowMs: occurrences, expired queued runs, runs past maxCompletionTime. */
  tick(nowMs: number): RunRecord[] {
    const created = runDueOccurrences(this.state, nowMs);
    expireQueuedRuns(this.state, nowMs);
    killOverdueRuns(this.state, nowMs);
    return created;
  }

  /** Queued runs due by nowMs, earliest first: what offers are wanted for. */
  queuedDue(nowMs: number): RunRecord[] {
    const runs: RunRecord[] = [];
    for (const run of this.state.active.values()) if (run.state === "queued" && run.dueMs <= nowMs) runs.push(run);
    return runs.sort((a, b) => a.dueMs - b.dueMs || (a.id < b.id ? -1 : 1));
  }

  /** Places due queued runs on the offers and marks them launching (to persist before ACCEPT). */
  place(offers: readonly Offer[], nowMs: number, perOfferMax: number): Placement[] {
    const { placements } = placeRuns(this.queuedDue(nowMs), (run) => this.needOf(run), offers, perOfferMax);
    for (const placement of placements) {
      for (const placed of placement.runs) {
        const launching: RunRecord = { ...placed.run, state: "launching", launchedMs: nowMs, agentId: placement.offer.agent_id.value, hostname: placement.offer.hostname };
        const url = agentUrlOf(placement.offer);
        if (url !== undefined) launching.agentUrl = url;
        this.state.putRun(launching);
        placed.run = launching;
      }
    }
    return placements;
  }

  private needOf(run: RunRecord): { cpus: number; memMegabytes: number; diskMegabytes: number } {
    const spec = this.state.jobs.get(run.job)?.spec;
    return spec === undefined ? { cpus: Infinity, memMegabytes: Infinity, diskMegabytes: Infinity } : spec;
  }

  // -- Mesos ----------------------------------------------------------------------------------

  applyStatus(status: TaskStatus, nowMs: number): StatusOutcome {
    return applyTaskStatus(this.state, status, nowMs);
  }

  /** Runs whose task may exist: what to ask the master about after (re)subscribing. */
  reconcileTargets(): Array<{ taskId: string; agentId: string | undefined }> {
    const out: Array<{ taskId: string; agentId: string | undefined }> = [];
    for (const run of this.state.active.values()) {
      if (run.state === "launching" || run.state === "running") out.push({ taskId: run.id, agentId: run.agentId });
    }
    return out;
  }

  takeReady(): Ready {
    return this.state.takeReady();
  }
}

/**
 * Where a new or rescheduled job starts. An ISO 8601 occurrence no more than epsilon ago (and not
 * acted on already) still runs, as Chronos does with a start in the recent past, and so an empty
 * start means "now". A cron expression starts at its first time from now on, as crontab does.
 * An update never makes past occurrences count as missed.
 */
function firstDue(spec: JobSpec, nowMs: number, lastScheduledMs: number | undefined): number | undefined {
  const occurrences = occurrencesOf(spec);
  if (occurrences === undefined) return undefined;
  if (spec.schedule.kind === "cron") return occurrences.nextAfter(nowMs - 1);
  const latest = occurrences.latestAtOrBefore(nowMs);
  if (latest !== undefined && nowMs - latest <= spec.epsilonMs && (lastScheduledMs === undefined || latest > lastScheduledMs)) return latest;
  return occurrences.nextAfter(nowMs);
}

function agentUrlOf(offer: Offer): string | undefined {
  const url = offer.url;
  if (url === undefined) return undefined;
  const host = url.address.hostname ?? url.address.ip;
  return host === undefined ? undefined : `${url.scheme}://${host}:${url.address.port}`;
}
