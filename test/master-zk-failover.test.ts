// Three masters electing through ZooKeeper (zk-lite, and Apache ZooKeeper 3.8 when installed) and
// an agent finding the leader with --master=zk://: SIGKILL the leader, another leads, the agent
// follows it and keeps its id.

import { afterAll, describe, expect, test } from "bun:test";
import { cleanupAll, startCluster, tempDir, type RunningCluster } from "./helpers/cluster.ts";
import { eventually, getJson, startTestAgent } from "./helpers/e2e.ts";
import { startZkLiteProcess, startZooKeeperProcess, zookeeperInstalled, type RunningServer } from "./zk/servers.ts";

afterAll(cleanupAll);

const servers: Array<[string, () => Promise<RunningServer>]> = [["zk-lite", () => startZkLiteProcess()]];
if (zookeeperInstalled()) servers.push(["Apache ZooKeeper", () => startZooKeeperProcess()]);
else console.log("Apache ZooKeeper is not installed (Debian package zookeeper): its half of the failover test is skipped");

async function startMasters(zkUrl: string, count: number): Promise<RunningCluster[]> {
  const masters: RunningCluster[] = [];
  for (let i = 0; i < count; i++) {
    masters.push(await startCluster(["--mode=master", "--ip=127.0.0.1", "--port=0", `--work_dir=${tempDir()}`, `--zk=${zkUrl}`, "--zk_session_timeout=2secs", "--allocation_interval=100ms"]));
  }
  return masters;
}

async function leaderOf(masters: RunningCluster[]): Promise<RunningCluster> {
  return eventually(async () => {
    for (const master of masters) {
      if (master.child.exitCode !== null || master.child.signalCode !== null) continue;
      const snapshot = await getJson(`${master.urls.get("master")}/metrics/snapshot`).catch(() => undefined);
      if (snapshot?.["master/elected"] === 1) return master;
    }
    return undefined;
  }, 20_000, "a leading master");
}

describe.each(servers)("master election through %s", (_name, startServer) => {
  test("SIGKILL the leader: another leads, followers redirect to it, the agent follows with its id", async () => {
    const zk = await startServer();
    try {
      const zkUrl = `zk://127.0.0.1:${zk.port}/cluster`;
      const masters = await startMasters(zkUrl, 3);
      const first = await leaderOf(masters);
      const firstUrl = first.urls.get("master")!;
      const follower = masters.find((m) => m !== first)!;
      const redirect = await fetch(`${follower.urls.get("master")}/master/redirect`, { redirect: "manual" });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get("location")).toEndWith(`:${new URL(firstUrl).port}`);
      const state = await getJson(`${follower.urls.get("master")}/master/state`);
      expect(state.leader_info.port).toBe(Number(new URL(firstUrl).port));
      const agent = await startTestAgent(zkUrl, ["--resources=cpus:1;mem:128"]);
      const agentId = await eventually(async () => (await getJson(`${firstUrl}/master/state`)).slaves[0]?.id, 20_000, "agent registered with the first leader");
      first.child.kill("SIGKILL");
      const second = await leaderOf(masters.filter((m) => m !== first));
      const secondUrl = second.urls.get("master")!;
      await eventually(async () => ((await getJson(`${secondUrl}/master/state`)).slaves[0]?.id === agentId ? true : undefined), 30_000, "agent re-registered with the new leader");
      expect((await getJson(`${agent.url}/state`)).id).toBe(agentId);
    } finally {
      await zk.stop("SIGKILL");
    }
  }, 90_000);
});
