// The cron mode's own Prometheus metrics, appended to the process's /metrics. Counted from the
// journal the service persists, so they describe what is durable.

import { isFinalRunState, type RunRecord, type RunState } from "./types.ts";

/** Upper bounds (seconds) of the lateness histogram: scheduled time to TASK_RUNNING. */
const latenessBucketsSeconds = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export class CronMetrics {
  leader = 0;
  subscribed = 0;
  jobs = 0;
  activeRuns = 0;
  private readonly finished = new Map<RunState, number>();
  private launched = 0;
  private readonly latenessCounts = latenessBucketsSeconds.map(() => 0);
  private latenessSumSeconds = 0;
  private latenessCount = 0;

  /** Counts what a persisted journal changed: `before` is the run as it was (undefined if new). */
  countRun(before: RunRecord | undefined, after: RunRecord): void {
    if (isFinalRunState(after.state) && before?.state !== after.state) {
      this.finished.set(after.state, (this.finished.get(after.state) ?? 0) + 1);
    }
    if (after.state === "launching" && before?.state === "queued") this.launched += 1;
    if (after.state === "running" && before?.state !== "running" && after.startedMs !== undefined) {
      this.observeLateness((after.startedMs - after.dueMs) / 1000);
    }
  }

  private observeLateness(seconds: number): void {
    this.latenessSumSeconds += seconds;
    this.latenessCount += 1;
    for (const [i, bound] of latenessBucketsSeconds.entries()) if (seconds <= bound) this.latenessCounts[i]! += 1;
  }

  text(): string {
    const lines: string[] = [];
    const gauge = (name: string, help: string, value: number): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    };
    gauge("cron_leader", "1 if this cron process is the elected leader.", this.leader);
    gauge("cron_subscribed", "1 while subscribed to a master as a framework.", this.subscribed);
    gauge("cron_jobs", "Jobs defined.", this.jobs);
    gauge("cron_runs_active", "Runs queued, launching or running.", this.activeRuns);
    lines.push("# HELP cron_runs_launched_total Runs handed to Mesos.", "# TYPE cron_runs_launched_total counter", `cron_runs_launched_total ${this.launched}`);
    lines.push("# HELP cron_runs_finished_total Runs that reached a final state, by state.", "# TYPE cron_runs_finished_total counter");
    for (const state of ["succeeded", "failed", "killed", "skipped"] as const) lines.push(`cron_runs_finished_total{state="${state}"} ${this.finished.get(state) ?? 0}`);
    lines.push("# HELP cron_run_lateness_seconds Time from a run's due time to TASK_RUNNING.", "# TYPE cron_run_lateness_seconds histogram");
    for (const [i, bound] of latenessBucketsSeconds.entries()) lines.push(`cron_run_lateness_seconds_bucket{le="${bound}"} ${this.latenessCounts[i]}`);
    lines.push(`cron_run_lateness_seconds_bucket{le="+Inf"} ${this.latenessCount}`);
    lines.push(`cron_run_lateness_seconds_sum ${this.latenessSumSeconds}`, `cron_run_lateness_seconds_count ${this.latenessCount}`);
    return `${lines.join("\n")}\n`;
  }
}
