// What a task status means for its run: progress, success (and the dependent jobs it releases),
// failure (and the retry it earns), a launch that never happened (and may be made again under the
// same id), or a "don't know" to ask about again later.

import type { TaskStatus } from "../wire/index.ts";
import { createRun, startUnderPolicy } from "./core-runs.ts";
import { runId, type CoreState } from "./core-state.ts";
import { parentsOf } from "./graph.ts";
import type { Job, RunRecord } from "./types.ts";

export type StatusOutcome =
  /** The run is ours and active; the status was applied. */
  | { kind: "applied"; run: RunRecord }
  /** Not an active run, and not a live task: nothing to change; acknowledge and move on. */
  | { kind: "known-final" }
  /** A live task we have no active run for: it must not run, so it is killed. */
  | { kind: "orphan" };

const neverLaunchedStates = new Set(["TASK_DROPPED", "TASK_GONE"]);
const failedStates = new Set(["TASK_FAILED", "TASK_ERROR", "TASK_LOST", "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR"]);
const undecidedStates = new Set(["TASK_UNKNOWN", "TASK_UNREACHABLE"]);

export function applyTaskStatus(state: CoreState, status: TaskStatus, nowMs: number): StatusOutcome {
  const id = status.task_id.value;
  const run = state.active.get(id);
  if (run === undefined) {
    // Every launch is recorded before it is made, so a live task without an active run is one we
    // have already settled (or never wanted): it must not keep running.
    const live = status.state === "TASK_STAGING" || status.state === "TASK_STARTING" || status.state === "TASK_RUNNING";
    return live ? { kind: "orphan" } : { kind: "known-final" };
  }
  const base: RunRecord = { ...run, taskState: status.state, reconcilePending: undefined };
  if (status.agent_id !== undefined) base.agentId = status.agent_id.value;
  if (status.message !== undefined) base.message = status.message;
  switch (true) {
    case status.state === "TASK_STAGING" || status.state === "TASK_STARTING" || status.state === "TASK_KILLING":
      state.putRun({ ...base, state: run.state === "queued" ? "launching" : run.state });
      break;
    case status.state === "TASK_RUNNING":
      state.putRun({ ...base, state: "running", startedMs: run.startedMs ?? nowMs });
      break;
    case status.state === "TASK_FINISHED":
      finishRun(state, { ...base, state: "succeeded", endedMs: nowMs, exitCode: 0 }, nowMs);
      break;
    case status.state === "TASK_KILLED":
      finishRun(state, { ...base, state: "killed", endedMs: nowMs, ...exitCodeOf(status) }, nowMs);
      break;
    case undecidedStates.has(status.state):
      state.putRun({ ...base, state: run.state, reconcilePending: true });
      break;
    case run.state === "launching" && neverLaunchedStates.has(status.state):
      // The master says the task does not exist and never will (dropped at launch, or unknown to a
      // connected agent): this run never started, so it goes back to the queue under the same id.
      state.putRun({ ...base, state: "queued", agentId: undefined, hostname: undefined, agentUrl: undefined, launchedMs: undefined });
      break;
    case failedStates.has(status.state):
      finishRun(state, { ...base, state: "failed", endedMs: nowMs, ...exitCodeOf(status) }, nowMs);
      break;
    default:
      state.putRun(base);
  }
  return { kind: "applied", run: state.active.get(id) ?? state.ready.runs.get(id)! };
}

function exitCodeOf(status: TaskStatus): { exitCode?: number } {
  const match = /exited with status (\d+)/.exec(status.message ?? "");
  return match ? { exitCode: Number(match[1]) } : {};
}

/** A run reached its end: job counters, a retry after backoff, and the dependent jobs it releases. */
function finishRun(state: CoreState, run: RunRecord, nowMs: number): void {
  state.putRun(run);
  const job = state.jobs.get(run.job);
  if (job === undefined) return;
  if (run.state === "succeeded") {
    job.status.successCount += 1;
    job.status.lastSuccessMs = nowMs;
    job.status.errorsSinceLastSuccess = 0;
    state.markJob(job);
    releaseChildren(state, job, nowMs);
    return;
  }
  if (run.state === "failed" && run.attempt < job.spec.retries) {
    scheduleRetry(state, job, run, nowMs);
    return;
  }
  job.status.errorCount += 1;
  job.status.lastErrorMs = nowMs;
  job.status.errorsSinceLastSuccess += 1;
  const limit = state.settings.disableAfterFailures;
  if (limit > 0 && job.status.errorsSinceLastSuccess >= limit) job.spec = { ...job.spec, disabled: true };
  state.markJob(job);
  if (job.spec.softError) releaseChildren(state, job, nowMs);
}

/** Retry k waits failureRetryMs x 2^k, capped; same scheduled time, next attempt number. */
export function retryDelayMs(state: CoreState, attempt: number): number {
  const { failureRetryMs, failureRetryMaxMs } = state.settings;
  return Math.min(failureRetryMaxMs, failureRetryMs * 2 ** Math.min(attempt, 30));
}

function scheduleRetry(state: CoreState, job: Job, failed: RunRecord, nowMs: number): void {
  const attempt = failed.attempt + 1;
  const retry: RunRecord = {
    id: runId(job.spec.name, failed.scheduledMs, attempt),
    job: job.spec.name,
    scheduledMs: failed.scheduledMs,
    attempt,
    dueMs: nowMs + retryDelayMs(state, failed.attempt),
    trigger: "retry",
    state: "queued",
    createdMs: nowMs,
  };
  state.putRun(retry);
}

/**
 * The job is done (succeeded, or failed with softError): each dependent job notes it, and one
 * whose parents have all finished since its own last run starts now. The notes are part of the
 * job's durable status, written with the run that caused them.
 */
function releaseChildren(state: CoreState, parent: Job, nowMs: number): void {
  for (const childName of state.children.of(parent.spec.name)) {
    const child = state.jobs.get(childName);
    if (child === undefined) continue;
    const done = new Set(child.status.parentsSucceeded);
    done.add(parent.spec.name);
    const parents = parentsOf(child.spec);
    child.status.parentsSucceeded = parents.filter((p) => done.has(p));
    state.markJob(child);
    if (child.spec.disabled || !parents.every((p) => done.has(p))) continue;
    startUnderPolicy(state, child, nowMs, "dependency", nowMs);
  }
}

/** A manual start (PUT /v1/scheduler/job/<name>): runs now whatever the policy, as a Kubernetes manual Job does. */
export function startManualRun(state: CoreState, job: Job, nowMs: number): RunRecord {
  job.status.parentsSucceeded = [];
  return createRun(state, job, nowMs, "manual", nowMs);
}
