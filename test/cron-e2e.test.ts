// Cron with a real master and agent (separate processes): a job every 2 s runs N times, a child
// of two parents runs after both, and killing the cron process mid-run then restarting it
// neither repeats nor loses the run. Jobs append their run id to a file, so executions are
// counted by what actually ran, not by what cron says.

import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { cleanupAll, tempDir } from "./helpers/cluster.ts";
import { CronApi, executionLog, masterTasks, startCronCluster, startTestCron } from "./helpers/cron-cluster.ts";
import { eventually, startTestMaster } from "./helpers/e2e.ts";

setDefaultTimeout(90_000);
afterAll(cleanupAll);

function appendRunId(log: string, extra = ""): string {
  return `${extra}echo "$CRON_RUN_ID" >> ${log}`;
}

test("a job every 2 s runs N times, once each, with deterministic run ids", async () => {
  const { cron, master } = await startCronCluster();
  const api = new CronApi(cron.url);
  const log = join(tempDir(), "runs.log");
  await api.postOk("iso8601", { name: "every2s", command: appendRunId(log), schedule: "R4//PT2S" });
  const runs = await api.waitForRuns("every2s", "succeeded", 4, 30_000);
  const scheduled = runs.map((r) => Date.parse(r.scheduledTime));
  expect(scheduled.slice(1).map((t, i) => t - scheduled[i]!)).toEqual([2000, 2000, 2000]);
  expect(runs.map((r) => r.id)).toEqual(scheduled.map((t) => `ct:${t}:0:every2s`));
  expect(runs.every((r) => r.exitCode === 0 && r.sandbox?.includes("/files/browse") === true)).toBe(true);
  await Bun.sleep(2500);
  expect((await api.runs("every2s")).length).toBe(4);
  expect(executionLog(log).sort()).toEqual(runs.map((r) => r.id).sort());
  const tasks = (await masterTasks(master.url)).filter((t) => t.id.endsWith(":every2s"));
  expect(tasks.map((t) => t.id).sort()).toEqual(runs.map((r) => r.id).sort());
  const [job] = (await api.jobs()).filter((j) => j["name"] === "every2s");
  expect(job).toMatchObject({ successCount: 4, errorCount: 0, errorsSinceLastSuccess: 0 });
});

test("a child of two parents runs once, after both", async () => {
  const { cron } = await startCronCluster();
  const api = new CronApi(cron.url);
  const log = join(tempDir(), "runs.log");
  await api.postOk("iso8601", { name: "parent-a", command: appendRunId(log, "sleep 1; "), schedule: "R1//PT1H" });
  const later = new Date(Date.now() + 2000).toISOString();
  await api.postOk("iso8601", { name: "parent-b", command: appendRunId(log, "sleep 1; "), schedule: `R1/${later}/PT1H` });
  await api.postOk("dependency", { name: "child", command: appendRunId(log), parents: ["parent-a", "parent-b"] });
  const [a] = await api.waitForRuns("parent-a", "succeeded", 1);
  const [b] = await api.waitForRuns("parent-b", "succeeded", 1);
  const [child] = await api.waitForRuns("child", "succeeded", 1);
  expect(child!.trigger).toBe("dependency");
  expect(Date.parse(child!.start)).toBeGreaterThanOrEqual(Math.max(Date.parse(a!.end), Date.parse(b!.end)));
  await Bun.sleep(1500);
  expect((await api.runs("child")).length).toBe(1);
  expect(executionLog(log).filter((line) => line.endsWith(":child"))).toHaveLength(1);
  const dot = await (await fetch(`${cron.url}/v1/scheduler/graph/dot`)).text();
  expect(dot).toContain('"parent-a" -> "child"');
});

test("killing the cron process mid-run and restarting it neither repeats nor loses the run", async () => {
  const { cron, master } = await startCronCluster();
  const api = new CronApi(cron.url);
  const log = join(tempDir(), "runs.log");
  await api.postOk("iso8601", { name: "long", command: `sleep 3; ${appendRunId(log)}`, schedule: "R1//PT1H" });
  const [running] = await api.waitForRuns("long", "running", 1);
  await cron.proc.stop("SIGKILL");
  const restarted = await startTestCron(master.address, cron.workDir);
  const api2 = new CronApi(restarted.url);
  const [done] = await api2.waitForRuns("long", "succeeded", 1, 30_000);
  expect(done!.id).toBe(running!.id);
  await Bun.sleep(1500);
  const runs = await api2.runs("long");
  expect(runs.map((r) => [r.id, r.state])).toEqual([[running!.id, "succeeded"]]);
  expect(executionLog(log)).toEqual([running!.id]);
  expect((await masterTasks(master.url)).filter((t) => t.id === running!.id)).toHaveLength(1);
});

test("runs due while cron is down: launched once within epsilon, skipped past it", async () => {
  const { cron, master } = await startCronCluster();
  const api = new CronApi(cron.url);
  const log = join(tempDir(), "runs.log");
  const startAt = new Date(Date.now() + 3000).toISOString();
  await api.postOk("iso8601", { name: "within", command: appendRunId(log), schedule: `R1/${startAt}/PT1H`, epsilon: "PT60S" });
  await api.postOk("iso8601", { name: "past", command: appendRunId(log), schedule: `R1/${startAt}/PT1H`, epsilon: "PT1S" });
  await cron.proc.stop("SIGKILL");
  await Bun.sleep(5500);
  const restarted = await startTestCron(master.address, cron.workDir);
  const api2 = new CronApi(restarted.url);
  const [within] = await api2.waitForRuns("within", "succeeded", 1);
  const [past] = await api2.waitForRuns("past", "skipped", 1);
  expect(past!.message).toContain("past epsilon");
  expect(Date.parse(within!.scheduledTime)).toBe(Date.parse(startAt));
  await Bun.sleep(1000);
  expect(executionLog(log)).toEqual([within!.id]);
});

test("two cron processes on one work dir: one leads, the standby redirects and takes over within seconds", async () => {
  const { cron, master } = await startCronCluster();
  const standby = await startTestCron(master.address, cron.workDir);
  const leader = await eventually(async () => ((await (await fetch(`${standby.url}/leader`)).json()) as { leader: string }).leader || undefined);
  expect(leader).toBe(new URL(cron.url).host);
  const redirected = await fetch(`${standby.url}/v1/scheduler/jobs`, { redirect: "manual" });
  expect(redirected.status).toBe(307);
  expect(redirected.headers.get("location")).toBe(`${cron.url}/v1/scheduler/jobs`);
  const log = join(tempDir(), "runs.log");
  await new CronApi(cron.url).postOk("iso8601", { name: "tick", command: appendRunId(log), schedule: "R//PT2S" });
  await new CronApi(cron.url).waitForRuns("tick", "succeeded", 2);
  await cron.proc.stop("SIGKILL");
  const killedAt = Date.now();
  const api = new CronApi(standby.url);
  await eventually(async () => ((await fetch(`${standby.url}/v1/scheduler/jobs`, { redirect: "manual" })).status === 200 ? true : undefined), 10_000, "standby to lead");
  const tookOverMs = Date.now() - killedAt;
  expect(tookOverMs).toBeLessThan(5000);
  const before = (await api.runs("tick")).filter((r) => r.state === "succeeded").length;
  await api.waitForRuns("tick", "succeeded", before + 2);
  const ids = executionLog(log);
  expect(new Set(ids).size).toBe(ids.length);
  const frameworks = ((await (await fetch(`${master.url}/master/state`)).json()) as { frameworks: Array<{ name: string }> }).frameworks.filter((f) => f.name === "cron");
  expect(frameworks).toHaveLength(1);
});

test("a master restart mid-run: cron re-subscribes with its framework id, reconciles, and the run finishes once", async () => {
  const { cron, master } = await startCronCluster();
  const api = new CronApi(cron.url);
  const log = join(tempDir(), "runs.log");
  await api.postOk("iso8601", { name: "through-restart", command: `sleep 4; ${appendRunId(log)}`, schedule: "R1//PT1H" });
  const [running] = await api.waitForRuns("through-restart", "running", 1);
  const frameworkBefore = ((await (await fetch(`${master.url}/master/state`)).json()) as { frameworks: Array<{ id: string; name: string }> }).frameworks.find((f) => f.name === "cron")!.id;
  await master.proc.stop("SIGKILL");
  const port = new URL(master.url).port;
  const restarted = await startTestMaster([`--port=${port}`], master.workDir);
  const [done] = await api.waitForRuns("through-restart", "succeeded", 1, 45_000);
  expect(done!.id).toBe(running!.id);
  expect(executionLog(log)).toEqual([running!.id]);
  const state = (await (await fetch(`${restarted.url}/master/state`)).json()) as { frameworks: Array<{ id: string; name: string }> };
  expect(state.frameworks.filter((f) => f.name === "cron").map((f) => f.id)).toEqual([frameworkBefore]);
});

test("SIGKILL the cron process again and again under a 1 s job: no run ever executes twice", async () => {
  const { cron, master } = await startCronCluster();
  const log = join(tempDir(), "runs.log");
  await new CronApi(cron.url).postOk("iso8601", { name: "rapid", command: `sleep 0.5; ${appendRunId(log)}`, schedule: "R//PT1S", epsilon: "PT30S", concurrent: true });
  let current = cron;
  for (const pauseMs of [1700, 2300, 1100, 2900]) {
    await Bun.sleep(pauseMs);
    await current.proc.stop("SIGKILL");
    current = await startTestCron(master.address, cron.workDir);
  }
  await Bun.sleep(3000);
  const api = new CronApi(current.url);
  await api.postOk("iso8601", { name: "rapid", command: `sleep 0.5; ${appendRunId(log)}`, schedule: "R0//PT1S" });
  await eventually(async () => ((await api.runs("rapid")).every((r) => ["succeeded", "failed", "skipped", "killed"].includes(r.state)) ? true : undefined), 30_000, "runs to settle");
  const executed = executionLog(log);
  expect(new Set(executed).size).toBe(executed.length);
  const runs = await api.runs("rapid");
  const succeeded = runs.filter((r) => r.state === "succeeded").map((r) => r.id);
  expect(executed.sort()).toEqual(succeeded.sort());
  expect(executed.length).toBeGreaterThan(5);
});

test("dependency progress survives a cron restart (Chronos lost it on failover, mesos/chronos#811)", async () => {
  const { cron, master } = await startCronCluster();
  const api = new CronApi(cron.url);
  const log = join(tempDir(), "runs.log");
  await api.postOk("iso8601", { name: "first", command: appendRunId(log), schedule: "R1//PT1H" });
  const laterStart = new Date(Date.now() + 6000).toISOString();
  await api.postOk("iso8601", { name: "second", command: appendRunId(log), schedule: `R1/${laterStart}/PT1H` });
  await api.postOk("dependency", { name: "joined", command: appendRunId(log), parents: ["first", "second"] });
  await api.waitForRuns("first", "succeeded", 1);
  await cron.proc.stop("SIGKILL");
  const restarted = await startTestCron(master.address, cron.workDir);
  const api2 = new CronApi(restarted.url);
  await api2.waitForRuns("second", "succeeded", 1, 20_000);
  const [joined] = await api2.waitForRuns("joined", "succeeded", 1);
  expect(joined!.trigger).toBe("dependency");
  expect(executionLog(log).filter((line) => line.endsWith(":joined"))).toEqual([joined!.id]);
});
