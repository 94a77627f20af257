// Runs as the API shows them: our /runs entries (scheduled time, start, end, state, exit code,
// agent, sandbox link) and Chronos's /job/stat shape (a duration histogram and taskStatHistory).

import { isoTime } from "./job-json.ts";
import type { RunRecord } from "./types.ts";

/** The agent's sandbox browser for a command task: Mesos's /files/browse on its runs/latest path. */
export function sandboxUrl(run: RunRecord, frameworkId: string | undefined): string | undefined {
  if (run.agentUrl === undefined || frameworkId === undefined || run.launchedMs === undefined) return undefined;
  const path = `/frameworks/${frameworkId}/executors/${run.id}/runs/latest`;
  return `${run.agentUrl}/files/browse?path=${encodeURIComponent(path)}`;
}

export function runToJson(run: RunRecord, frameworkId: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: run.id,
    taskId: run.id,
    scheduledTime: isoTime(run.scheduledMs),
    dueTime: isoTime(run.dueMs),
    attempt: run.attempt,
    trigger: run.trigger,
    state: run.state,
    taskState: run.taskState ?? "",
    launched: isoTime(run.launchedMs),
    start: isoTime(run.startedMs),
    end: isoTime(run.endedMs),
    agentId: run.agentId ?? "",
    hostname: run.hostname ?? "",
    message: run.message ?? "",
  };
  if (run.exitCode !== undefined) out["exitCode"] = run.exitCode;
  if (run.startedMs !== undefined) out["latenessMs"] = run.startedMs - run.dueMs;
  const sandbox = sandboxUrl(run, frameworkId);
  if (sandbox !== undefined) out["sandbox"] = sandbox;
  return out;
}

/** Chronos's MM/dd/yy HH:mm:ss (UTC here), or N/A. */
function chronosTime(ms: number | undefined): string {
  if (ms === undefined) return "N/A";
  const d = new Date(ms);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function chronosDuration(ms: number): string {
  let s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400);
  s -= days * 86400;
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const minutes = Math.floor(s / 60);
  s -= minutes * 60;
  return `${days > 0 ? `${days}d` : ""}${hours > 0 ? `${hours}h` : ""}${minutes}m${s}s`;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

/** Chronos's /job/stat: a histogram of run durations (ms) and the task history, newest first. */
export function runStats(runs: readonly RunRecord[]): Record<string, unknown> {
  const durations = runs
    .filter((r) => r.state === "succeeded" && r.startedMs !== undefined && r.endedMs !== undefined)
    .map((r) => r.endedMs! - r.startedMs!)
    .sort((a, b) => a - b);
  const mean = durations.length === 0 ? 0 : durations.reduce((a, b) => a + b, 0) / durations.length;
  return {
    histogram: {
      "75thPercentile": percentile(durations, 0.75),
      "95thPercentile": percentile(durations, 0.95),
      "98thPercentile": percentile(durations, 0.98),
      "99thPercentile": percentile(durations, 0.99),
      median: percentile(durations, 0.5),
      mean,
      count: durations.length,
    },
    taskStatHistory: runs
      .filter((r) => r.state !== "skipped" && r.state !== "queued")
      .map((r) => {
        const entry: Record<string, unknown> = {
          taskId: r.id,
          jobName: r.job,
          slaveId: r.agentId ?? "",
          startTime: chronosTime(r.startedMs),
          endTime: chronosTime(r.endedMs),
          status: r.taskState ?? "",
        };
        if (r.startedMs !== undefined && r.endedMs !== undefined) entry["duration"] = chronosDuration(r.endedMs - r.startedMs);
        return entry;
      }),
  };
}
