// The Chronos REST API of a real cron process (with a real master and agent): bad jobs get a 400
// naming the field, unknown parents and cycles are named, search, run now, kill, delete, stat,
// the graph exports, and the base endpoints.

import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { cleanupAll } from "./helpers/cluster.ts";
import { CronApi, startCronCluster, type CronCluster } from "./helpers/cron-cluster.ts";
import { eventually } from "./helpers/e2e.ts";

setDefaultTimeout(60_000);
let cluster: CronCluster;
let api: CronApi;

beforeAll(async () => {
  cluster = await startCronCluster(undefined, { OTEL_SDK_DISABLED: "false" });
  api = new CronApi(cluster.cron.url);
});
afterAll(cleanupAll);

async function problem(path: "iso8601" | "dependency", job: unknown): Promise<{ status: number; body: { message: string; field?: string } }> {
  const response = await fetch(`${api.url}/v1/scheduler/${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(job) });
  return { status: response.status, body: (await response.json()) as { message: string; field?: string } };
}

describe("posting jobs", () => {
  test("bad job JSON gets a 400 naming the field", async () => {
    expect(await problem("iso8601", { name: "x y", command: "true", schedule: "R//PT1H" })).toMatchObject({ status: 400, body: { field: "name" } });
    expect(await problem("iso8601", { name: "x", command: "true", schedule: "R//P" })).toMatchObject({ status: 400, body: { field: "schedule" } });
    expect(await problem("iso8601", { name: "x", command: "true", schedule: "R//PT1H", cpus: "many" })).toMatchObject({ status: 400, body: { field: "cpus" } });
    expect(await problem("iso8601", { name: "x", command: "true", cron: "* * *" })).toMatchObject({ status: 400, body: { field: "cron" } });
    const notJson = await fetch(`${api.url}/v1/scheduler/iso8601`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" });
    expect(notJson.status).toBe(400);
  });

  test("an unknown parent or a dependency cycle gets a 400 naming it", async () => {
    await api.postOk("iso8601", { name: "root", command: "true", schedule: "R0//PT1H" });
    await api.postOk("dependency", { name: "mid", command: "true", parents: ["root"] });
    const unknown = await problem("dependency", { name: "leaf", command: "true", parents: ["root", "ghost"] });
    expect(unknown).toMatchObject({ status: 400, body: { field: "parents[1]" } });
    expect(unknown.body.message).toContain("ghost");
    await api.postOk("dependency", { name: "leaf", command: "true", parents: ["mid"] });
    const cycle = await problem("dependency", { name: "mid", command: "true", parents: ["leaf"] });
    expect(cycle).toMatchObject({ status: 400 });
    expect(cycle.body.message).toContain("dependency cycle: mid -> leaf -> mid");
    const csv = await (await fetch(`${api.url}/v1/scheduler/graph/csv`)).text();
    expect(csv).toContain("node,mid,fresh,idle\n");
    expect(csv).toContain("link,root,mid\n");
    expect(csv).toContain("link,mid,leaf\n");
    const del = await fetch(`${api.url}/v1/scheduler/job/root`, { method: "DELETE" });
    expect(del.status).toBe(400);
    expect(await del.text()).toContain("'mid'");
  });

  test("posting a job again replaces it; search finds by name, command or any", async () => {
    await api.postOk("iso8601", { name: "Report-Daily", command: "echo report", schedule: "R0//P1D", owner: "ops@example.com" });
    await api.postOk("iso8601", { name: "Report-Daily", command: "echo report v2", schedule: "R0//P1D", owner: "ops@example.com" });
    const found = (await (await fetch(`${api.url}/v1/scheduler/jobs/search?name=report`)).json()) as Array<{ name: string; command: string }>;
    expect(found.map((j) => [j.name, j.command])).toEqual([["Report-Daily", "echo report v2"]]);
    const byCommand = (await (await fetch(`${api.url}/v1/scheduler/jobs/search?any=V2`)).json()) as Array<{ name: string }>;
    expect(byCommand.map((j) => j.name)).toEqual(["Report-Daily"]);
  });
});

describe("running jobs", () => {
  test("PUT runs a job now; stat and runs show it; DELETE removes it", async () => {
    await api.postOk("iso8601", { name: "manual", command: "echo manual", schedule: "R0//PT1H" });
    const put = await fetch(`${api.url}/v1/scheduler/job/manual`, { method: "PUT" });
    expect(put.status).toBe(204);
    const [run] = await api.waitForRuns("manual", "succeeded", 1);
    expect(run).toMatchObject({ trigger: "manual", exitCode: 0, taskState: "TASK_FINISHED" });
    const stat = (await (await fetch(`${api.url}/v1/scheduler/job/stat/manual`)).json()) as { histogram: { count: number }; taskStatHistory: Array<{ taskId: string; status: string }> };
    expect(stat.histogram.count).toBe(1);
    expect(stat.taskStatHistory).toMatchObject([{ taskId: run!.id, status: "TASK_FINISHED" }]);
    expect((await fetch(`${api.url}/v1/scheduler/job/manual`, { method: "DELETE" })).status).toBe(204);
    expect((await fetch(`${api.url}/v1/scheduler/job/manual/runs`)).status).toBe(404);
    expect((await fetch(`${api.url}/v1/scheduler/job/manual`, { method: "PUT" })).status).toBe(404);
  });

  test("DELETE /task/kill kills the job's running task", async () => {
    await api.postOk("iso8601", { name: "sleeper", command: "sleep 60", schedule: "R1//PT1H" });
    await api.waitForRuns("sleeper", "running", 1);
    expect((await fetch(`${api.url}/v1/scheduler/task/kill/sleeper`, { method: "DELETE" })).status).toBe(204);
    const [killed] = await api.waitForRuns("sleeper", "killed", 1);
    expect(killed!.taskState).toBe("TASK_KILLED");
    const [job] = (await api.jobs()).filter((j) => j["name"] === "sleeper");
    expect(job).toMatchObject({ successCount: 0 });
  });

  test("a failing job is retried with backoff, then counted as an error", async () => {
    await api.postOk("iso8601", { name: "flaky", command: "exit 3", schedule: "R1//PT1H", retries: 1 });
    const failed = await api.waitForRuns("flaky", "failed", 2);
    expect(failed.map((r) => [r.attempt, r.exitCode])).toEqual([
      [0, 3],
      [1, 3],
    ]);
    const job = await eventually(async () => (await api.jobs()).find((j) => j["name"] === "flaky" && j["errorCount"] === 1));
    expect(job).toMatchObject({ errorsSinceLastSuccess: 1 });
    expect(String(job["lastError"])).not.toBe("");
  });

  test("a cron expression with seconds runs in its time zone", async () => {
    await api.postOk("iso8601", { name: "secs", command: "true", cron: "*/2 * * * * *", scheduleTimeZone: "Europe/Paris", concurrencyPolicy: "Allow" });
    const posted = Date.now();
    const runs = await api.waitForRuns("secs", "succeeded", 2);
    expect(runs.every((r) => Date.parse(r.scheduledTime) % 2000 === 0 && Date.parse(r.scheduledTime) >= posted - 1000)).toBe(true);
    expect(Date.parse(runs[1]!.scheduledTime) - Date.parse(runs[0]!.scheduledTime)).toBe(2000);
    expect((await fetch(`${api.url}/v1/scheduler/job/secs`, { method: "DELETE" })).status).toBe(204);
  });
});

describe("process endpoints", () => {
  test("/health, /version, /flags and cron metrics", async () => {
    expect((await fetch(`${api.url}/health`)).status).toBe(200);
    const flags = (await (await fetch(`${api.url}/flags`)).json()) as { flags: Record<string, string> };
    expect(flags.flags["failover_timeout"]).toBe("1weeks");
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/^cron_leader\{[^}]*\} 1$/m);
    expect(metrics).toMatch(/^cron_subscribed\{[^}]*\} 1$/m);
    expect(metrics).toMatch(/^cron_runs_finished_total\{state="succeeded"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^cron_run_lateness_seconds_count\{[^}]*\} [1-9]/m);
  });

  test("the framework is registered with the failover timeout and its name", async () => {
    const state = (await (await fetch(`${cluster.master.url}/master/state`)).json()) as { frameworks: Array<{ name: string; failover_timeout: number; capabilities: string[] }> };
    const framework = state.frameworks.find((f) => f.name === "cron")!;
    expect(framework.failover_timeout).toBe(7 * 24 * 3600);
  });
});
