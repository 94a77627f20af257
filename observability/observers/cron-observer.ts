// CronObserver with OpenTelemetry. Metric names are those the cron mode exported before it used
// instruments (cron_leader, cron_runs_finished_total{state}, cron_run_lateness_seconds, ...), so
// existing dashboards and alerts keep working. A run's span `cron.run` is made when the run
// reaches its final state, from the times the run record keeps (created, launched, started,
// ended): no span stays open for hours, and a run recovered after a restart still gets one.

import { SpanStatusCode, type Attributes, type Meter, type Tracer } from "@opentelemetry/api";
import type { CronMetrics, CronObserver, RunRecord, RunState } from "../../internal/cron/index.ts";
import type { Clock } from "../../internal/runtime/index.ts";
import { hrTimeOfMs } from "./span-time.ts";

/** Upper bounds (seconds) of the lateness histogram: due time to TASK_RUNNING. */
export const cronLatenessBucketsSeconds = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

const finalStates: readonly RunState[] = ["succeeded", "failed", "killed", "skipped"];

export interface CronObserverOptions {
  meter: Meter;
  tracer: Tracer;
  /** The cron service's clock (the clock its run records' times come from). */
  clock: Clock;
}

export function createCronObserver(options: CronObserverOptions): CronObserver {
  const { meter, tracer, clock } = options;
  const launched = meter.createCounter("cron.runs.launched", { description: "Runs handed to Mesos." });
  const finished = meter.createCounter("cron.runs.finished", { description: "Runs that reached a final state, by state." });
  const lateness = meter.createHistogram("cron.run.lateness", {
    description: "Time from a run's due time to TASK_RUNNING.",
    unit: "s",
    advice: { explicitBucketBoundaries: cronLatenessBucketsSeconds },
  });
  const byState = new Map<RunState, Attributes>(finalStates.map((state) => [state, Object.freeze({ state })]));
  // Every series exists from the start, at 0, as before: a rate over it is 0, not absent.
  launched.add(0);
  for (const attributes of byState.values()) finished.add(0, attributes);
  return {
    bind: (gauges) => registerCronGauges(meter, gauges),
    runChanged: (before, after) => {
      if (after.state === "launching" && before?.state === "queued") launched.add(1);
      if (after.state === "running" && before?.state !== "running" && after.startedMs !== undefined) {
        lateness.record(Math.max(0, after.startedMs - after.dueMs) / 1000);
      }
      const attributes = byState.get(after.state);
      if (attributes === undefined || before?.state === after.state) return;
      finished.add(1, attributes);
      endRunSpan(tracer, after, clock);
    },
  };
}

function endRunSpan(tracer: Tracer, run: RunRecord, clock: Clock): void {
  const endMs = run.endedMs ?? clock.nowMs();
  const span = tracer.startSpan("cron.run", { root: true, startTime: hrTimeOfMs(Math.min(run.createdMs, endMs)), attributes: runAttributes(run) });
  if (span.isRecording()) {
    if (run.launchedMs !== undefined) span.addEvent("launched", hrTimeOfMs(run.launchedMs));
    if (run.startedMs !== undefined) span.addEvent("running", { "cron.run.lateness_s": Math.max(0, run.startedMs - run.dueMs) / 1000 }, hrTimeOfMs(run.startedMs));
    if (run.state === "failed") span.setStatus({ code: SpanStatusCode.ERROR, message: run.message ?? "run failed" });
  }
  span.end(hrTimeOfMs(endMs));
}

function runAttributes(run: RunRecord): Attributes {
  const attributes: Attributes = {
    "cron.job": run.job,
    "cron.run.id": run.id,
    "cron.run.attempt": run.attempt,
    "cron.run.trigger": run.trigger,
    "cron.run.state": run.state,
    "cron.run.scheduled_ms": run.scheduledMs,
    "cron.run.due_ms": run.dueMs,
    "task.id": run.id,
  };
  if (run.agentId !== undefined) attributes["agent.id"] = run.agentId;
  if (run.hostname !== undefined) attributes["agent.hostname"] = run.hostname;
  if (run.taskState !== undefined) attributes["task.state"] = run.taskState;
  if (run.exitCode !== undefined) attributes["process.exit.code"] = run.exitCode;
  if (run.message !== undefined) attributes["cron.run.message"] = run.message;
  return attributes;
}

function registerCronGauges(meter: Meter, gauges: Readonly<CronMetrics>): void {
  const leader = meter.createObservableGauge("cron.leader", { description: "1 if this cron process is the elected leader." });
  const subscribed = meter.createObservableGauge("cron.subscribed", { description: "1 while subscribed to a master as a framework." });
  const jobs = meter.createObservableGauge("cron.jobs", { description: "Jobs defined." });
  const active = meter.createObservableGauge("cron.runs.active", { description: "Runs queued, launching or running." });
  meter.addBatchObservableCallback(
    (result) => {
      result.observe(leader, gauges.leader);
      result.observe(subscribed, gauges.subscribed);
      result.observe(jobs, gauges.jobs);
      result.observe(active, gauges.activeRuns);
    },
    [leader, subscribed, jobs, active],
  );
}
