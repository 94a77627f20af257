// Cron with --zk, as Chronos runs: leader election and state in ZooKeeper (zk-lite here), cron
// processes on separate work dirs (as on separate machines), and the master found through
// --master=zk://. Killing the leading cron hands over to the standby without a run executing
// twice, and the state (jobs, dependency progress) comes back from ZooKeeper.

import { afterAll, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { cleanupAll, startCluster, tempDir } from "./helpers/cluster.ts";
import { CronApi, executionLog, startTestCron } from "./helpers/cron-cluster.ts";
import { eventually, startTestAgent, startTestMaster } from "./helpers/e2e.ts";

setDefaultTimeout(90_000);
afterAll(cleanupAll);

async function zkLite(): Promise<string> {
  const proc = await startCluster(["--mode=zk-lite", "--port=0", "--admin_port=0", `--data_dir=${tempDir()}`], { expectUrls: 2 });
  return proc.urls.get("zk-lite")!;
}

async function leaderOf(urls: string[]): Promise<string | undefined> {
  for (const url of urls) {
    try {
      const body = (await (await fetch(`${url}/leader`)).json()) as { leader: string };
      if (body.leader !== "") return body.leader;
    } catch (error) {
      void error; // That process is down: ask the next.
    }
  }
  return undefined;
}

test("two cron processes elect through ZooKeeper, keep their state there, and hand over on SIGKILL without running anything twice", async () => {
  const zk = await zkLite();
  const master = await startTestMaster([`--zk=zk://${zk}/mesos`]);
  await startTestAgent(`zk://${zk}/mesos`, ["--resources=cpus:4;mem:2048;disk:4096"]);
  const zkFlags = [`--zk=zk://${zk}/cron`, "--zk_session_timeout=4secs"];
  const a = await startTestCron(`zk://${zk}/mesos`, tempDir(), zkFlags);
  const b = await startTestCron(`zk://${zk}/mesos`, tempDir(), zkFlags);
  const leaderHost = await eventually(() => leaderOf([a.url, b.url]), 15_000, "a cron leader");
  const [leader, standby] = leaderHost === new URL(a.url).host ? [a, b] : [b, a];
  await eventually(async () => ((await fetch(`${leader.url}/v1/scheduler/jobs`, { redirect: "manual" })).status === 200 ? true : undefined), 15_000, "the leader to serve");
  const redirected = await eventually(async () => {
    const response = await fetch(`${standby.url}/v1/scheduler/jobs`, { redirect: "manual" });
    return response.status === 307 ? response : undefined;
  }, 15_000, "the standby to redirect");
  expect(redirected.headers.get("location")).toBe(`${leader.url}/v1/scheduler/jobs`);

  const api = new CronApi(leader.url);
  const log = join(tempDir(), "runs.log");
  await api.postOk("iso8601", { name: "tick", command: `echo "$CRON_RUN_ID" >> ${log}`, schedule: "R//PT2S" });
  await api.postOk("iso8601", { name: "once", command: `echo "$CRON_RUN_ID" >> ${log}`, schedule: "R1//PT1H" });
  await api.postOk("iso8601", { name: "later", command: `echo "$CRON_RUN_ID" >> ${log}`, schedule: `R1/${new Date(Date.now() + 8000).toISOString()}/PT1H` });
  await api.postOk("dependency", { name: "after-both", command: `echo "$CRON_RUN_ID" >> ${log}`, parents: ["once", "later"] });
  await api.waitForRuns("once", "succeeded", 1);
  await api.waitForRuns("tick", "succeeded", 2);

  await leader.proc.stop("SIGKILL");
  const killedAt = Date.now();
  const api2 = new CronApi(standby.url);
  await eventually(async () => ((await fetch(`${standby.url}/v1/scheduler/jobs`, { redirect: "manual" })).status === 200 ? true : undefined), 30_000, "the standby to lead");
  // The dead leader's session must expire first (--zk_session_timeout), then the standby leads.
  expect(Date.now() - killedAt).toBeLessThan(4000 + 5000);
  expect((await api2.jobs()).map((j) => j["name"]).sort()).toEqual(["after-both", "later", "once", "tick"]);
  const before = (await api2.runs("tick")).filter((r) => r.state === "succeeded").length;
  await api2.waitForRuns("tick", "succeeded", before + 2, 30_000);
  const [joined] = await api2.waitForRuns("after-both", "succeeded", 1, 30_000);
  expect(joined!.trigger).toBe("dependency");
  const ids = executionLog(log);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.filter((id) => id.endsWith(":once"))).toHaveLength(1);
  expect(ids.filter((id) => id.endsWith(":after-both"))).toHaveLength(1);
  const state = (await (await fetch(`${master.url}/master/state`)).json()) as { frameworks: Array<{ name: string }> };
  expect(state.frameworks.filter((f) => f.name === "cron")).toHaveLength(1);
});
