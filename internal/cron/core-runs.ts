// Creating runs: scheduled occurrences (with epsilon and missed runs), manual and dependency
// triggers under the job's concurrency policy, and the periodic sweep that expires queued runs and
// kills runs past their maxCompletionTime. All decisions take the time as an argument.

import { assert } from "../runtime/index.ts";
import { runId, type CoreState } from "./core-state.ts";
import { missedRunsCountedMax } from "./limits.ts";
import type { Job, RunRecord, RunTrigger } from "./types.ts";

/** Creates and records a run; its scheduled time is moved past any earlier run's so ids never repeat. */
export function createRun(state: CoreState, job: Job, scheduledMs: number, trigger: RunTrigger, nowMs: number): RunRecord {
  const last = job.status.lastRunMs;
  const at = last !== undefined && scheduledMs <= last ? last + 1 : scheduledMs;
  job.status.lastRunMs = at;
  const run: RunRecord = { id: runId(job.spec.name, at, 0), job: job.spec.name, scheduledMs: at, attempt: 0, dueMs: at, trigger, state: "queued", createdMs: nowMs };
  assert(!state.active.has(run.id), `run ${run.id} already active`);
  state.putRun(run);
  state.markJob(job);
  return run;
}

/** A run that was never started, recorded as skipped (with why) so the history shows the gap. */
export function recordSkipped(state: CoreState, job: Job, scheduledMs: number, message: string, nowMs: number): RunRecord {
  const run = createRun(state, job, scheduledMs, "schedule", nowMs);
  const skipped: RunRecord = { ...run, state: "skipped", endedMs: nowMs, message };
  state.putRun(skipped);
  job.status.skippedCount += 1;
  return skipped;
}

/**
 * A new run of the job (from its schedule or its parents) under its concurrency policy: Allow runs
 * it beside the active ones, Forbid skips it while one is active, Replace kills the active ones.
 */
export function startUnderPolicy(state: CoreState, job: Job, scheduledMs: number, trigger: RunTrigger, nowMs: number): RunRecord {
  const activeRuns = state.activeRunsOf(job.spec.name);
  job.status.parentsSucceeded = [];
  if (activeRuns.length > 0) {
    switch (job.spec.concurrencyPolicy) {
      case "Allow":
        break;
      case "Forbid":
        return recordSkipped(state, job, scheduledMs, `previous run ${activeRuns[0]!.id} still active (concurrencyPolicy Forbid)`, nowMs);
      case "Replace":
        for (const run of activeRuns) replaceRun(state, run, nowMs);
        break;
    }
  }
  return createRun(state, job, scheduledMs, trigger, nowMs);
}

function replaceRun(state: CoreState, run: RunRecord, nowMs: number): void {
  const message = "replaced by a newer run (concurrencyPolicy Replace)";
  if (run.state === "queued") {
    state.putRun({ ...run, state: "killed", endedMs: nowMs, message });
    return;
  }
  state.putRun({ ...run, message });
  state.kill(run, message);
}

/**
 * Acts on every occurrence due by `nowMs`: the latest one runs if it is no more than the job's
 * epsilon late, otherwise it is recorded as skipped; earlier ones (missed while we were down or
 * busy) are counted in one skipped record rather than one row each.
 */
export function runDueOccurrences(state: CoreState, nowMs: number): RunRecord[] {
  const created: RunRecord[] = [];
  for (const entry of state.heap.popDue(nowMs, state.isCurrentDue)) {
    // A job can have two current entries for one due time (re-put without a change); the first settles it.
    if (!state.isCurrentDue(entry)) continue;
    const job = state.jobs.get(entry.name)!;
    const occurrences = state.occurrences.get(entry.name);
    assert(occurrences !== undefined, `job ${entry.name} is due but has no schedule`);
    const latest = occurrences.latestAtOrBefore(nowMs);
    assert(latest !== undefined && latest >= entry.dueMs, `job ${entry.name}: due ${entry.dueMs} but no occurrence by ${nowMs}`);
    job.status.lastScheduledMs = latest;
    job.status.nextDueMs = occurrences.nextAfter(latest);
    state.scheduleDue(job);
    state.markJob(job);
    if (job.spec.disabled) continue;
    const missed = entry.dueMs < latest ? 1 + occurrences.countBetween(entry.dueMs, latest - 1, missedRunsCountedMax) : 0;
    if (missed > 0) {
      const count = missed >= missedRunsCountedMax ? `at least ${missed}` : String(missed);
      recordSkipped(state, job, entry.dueMs, `${count} run(s) from ${new Date(entry.dueMs).toISOString()} missed while the scheduler was down or behind`, nowMs);
    }
    if (nowMs - latest > job.spec.epsilonMs) {
      recordSkipped(state, job, latest, `started ${nowMs - latest} ms late, past epsilon ${job.spec.epsilon}`, nowMs);
      continue;
    }
    created.push(startUnderPolicy(state, job, latest, "schedule", nowMs));
  }
  return created;
}

/** Queued runs whose due time plus epsilon has passed without an offer are skipped. */
export function expireQueuedRuns(state: CoreState, nowMs: number): void {
  for (const run of [...state.active.values()]) {
    if (run.state !== "queued") continue;
    const epsilonMs = state.jobs.get(run.job)?.spec.epsilonMs ?? 0;
    if (nowMs - run.dueMs <= epsilonMs) continue;
    state.putRun({ ...run, state: "skipped", endedMs: nowMs, message: `no offer with enough resources within epsilon (${nowMs - run.dueMs} ms after due)` });
    const job = state.jobs.get(run.job);
    if (job !== undefined) {
      job.status.skippedCount += 1;
      state.markJob(job);
    }
  }
}

/** Runs past their job's maxCompletionTime are killed (once). */
export function killOverdueRuns(state: CoreState, nowMs: number): void {
  for (const run of state.active.values()) {
    if (run.state !== "running" || run.startedMs === undefined || run.message?.startsWith("maxCompletionTime") === true) continue;
    const limitSeconds = state.jobs.get(run.job)?.spec.maxCompletionTimeSeconds;
    if (limitSeconds === undefined || nowMs - run.startedMs <= limitSeconds * 1000) continue;
    const message = `maxCompletionTime of ${limitSeconds} s passed`;
    state.putRun({ ...run, message });
    state.kill(run, message);
  }
}
