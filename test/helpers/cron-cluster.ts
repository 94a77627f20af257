// Cron processes for multi-process tests: start `./cluster --mode=cron` against a real master,
// talk to its Chronos API, and read what the master and the jobs themselves saw.

import { existsSync, readFileSync } from "node:fs";
import { startCluster, tempDir, type RunningCluster } from "./cluster.ts";
import { eventually, getJson, startTestAgent, startTestMaster, type TestMaster } from "./e2e.ts";

export interface TestCron {
  proc: RunningCluster;
  url: string;
  workDir: string;
}

/** Fast retries and a short leader poll, so tests see failover and backoff in seconds. */
export const cronTestFlags = ["--failure_retry=500ms", "--failure_retry_max=2secs", "--leader_poll_interval=200ms", "--reconciliation_interval=5secs"];

export async function startTestCron(master: string, workDir = tempDir(), extra: string[] = [], env: Record<string, string> = {}): Promise<TestCron> {
  const proc = await startCluster(["--mode=cron", "--ip=127.0.0.1", "--port=0", `--master=${master}`, `--work_dir=${workDir}`, ...cronTestFlags, ...extra], { env });
  return { proc, url: proc.urls.get("cron")!, workDir };
}

export interface CronCluster {
  master: TestMaster;
  agentUrl: string;
  cron: TestCron;
}

/** A master, one agent and one cron process (`cronEnv`: e.g. telemetry on for its /metrics). */
export async function startCronCluster(agentResources = "cpus:4;mem:2048;disk:4096;ports:[31000-31010]", cronEnv: Record<string, string> = {}): Promise<CronCluster> {
  const master = await startTestMaster();
  const agent = await startTestAgent(master.address, [`--resources=${agentResources}`]);
  const cron = await startTestCron(master.address, tempDir(), [], cronEnv);
  return { master, agentUrl: agent.url, cron };
}

export interface RunJson {
  id: string;
  scheduledTime: string;
  attempt: number;
  trigger: string;
  state: string;
  taskState: string;
  start: string;
  end: string;
  exitCode?: number;
  agentId: string;
  sandbox?: string;
  message: string;
  latenessMs?: number;
}

export class CronApi {
  constructor(readonly url: string) {}

  async post(path: "iso8601" | "dependency", job: Record<string, unknown>): Promise<Response> {
    return fetch(`${this.url}/v1/scheduler/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(job) });
  }

  async postOk(path: "iso8601" | "dependency", job: Record<string, unknown>): Promise<void> {
    const response = await this.post(path, job);
    if (response.status !== 204) throw new Error(`POST ${path} ${JSON.stringify(job)}: ${response.status} ${await response.text()}`);
  }

  async runs(name: string): Promise<RunJson[]> {
    const response = await fetch(`${this.url}/v1/scheduler/job/${name}/runs`);
    if (response.status !== 200) throw new Error(`runs of ${name}: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { runs: RunJson[] }).runs;
  }

  async jobs(): Promise<Array<Record<string, unknown>>> {
    return getJson(`${this.url}/v1/scheduler/jobs`);
  }

  /** Waits until `name` has at least `count` runs in `state`; returns them oldest first. */
  async waitForRuns(name: string, state: string, count: number, timeoutMs = 30_000): Promise<RunJson[]> {
    return eventually(
      async () => {
        const runs = (await this.runs(name)).filter((r) => r.state === state);
        return runs.length >= count ? runs.reverse() : undefined;
      },
      timeoutMs,
      `${count} ${state} run(s) of ${name}`,
    );
  }
}

/** Lines of a file the jobs append to (one line per execution), or none if it is not there yet. */
export function executionLog(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "");
}

/** Tasks (active and completed) the master holds for the framework named `name`. */
export async function masterTasks(masterUrl: string, frameworkName = "cron"): Promise<Array<{ id: string; state: string }>> {
  const state = await getJson(`${masterUrl}/master/state`);
  const frameworks = [...state.frameworks, ...(state.completed_frameworks ?? [])].filter((f: { name: string }) => f.name === frameworkName);
  return frameworks.flatMap((f: { tasks: Array<{ id: string; state: string }>; completed_tasks: Array<{ id: string; state: string }> }) => [...f.tasks, ...f.completed_tasks]);
}
