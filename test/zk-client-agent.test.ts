// An agent process started with --master=zk://... finds its master through ZooKeeper (zk-lite and
// Apache ZooKeeper 3.8): the test registers a json.info_ member holding a real master process's
// MasterInfo, checks the agent registers there, then re-points the member to a second master and
// stops the first; the agent follows. (Masters do not contend through --zk yet, so the test
// writes the member itself, as a master's contender would.)

import { afterAll, describe, expect, test } from "bun:test";
import { encodeMasterInfo, masterInfoFor, type ZkClient } from "../internal/zk/client/index.ts";
import { cleanupAll } from "./helpers/cluster.ts";
import { startTestAgent, startTestMaster, type TestMaster } from "./helpers/e2e.ts";
import { connectedClient, uniquePath } from "./zk-client/harness.ts";
import { startServer, zookeeperInstalled, type ServerKind } from "./zk/servers.ts";

const KINDS: ServerKind[] = ["zk-lite", "zookeeper"];

if (!zookeeperInstalled()) {
  console.log("zk-client-agent: Apache ZooKeeper is not installed (apt-get install -y zookeeper java); skipping the real-ZooKeeper half");
}

afterAll(() => cleanupAll());

/** Ids of the agents a master has registered; undefined when it does not answer. */
async function agentIds(master: TestMaster): Promise<string[] | undefined> {
  const response = await fetch(`${master.url}/master/state`).catch((error: unknown) => error as Error);
  if (response instanceof Error || !response.ok) return undefined;
  const state = (await response.json()) as { slaves?: { id: string }[] };
  return (state.slaves ?? []).map((s) => s.id);
}

async function waitAgents(master: TestMaster, count: number, timeoutMs: number): Promise<string[]> {
  let seen: string[] | undefined;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    seen = await agentIds(master);
    if (seen?.length === count) return seen;
    await Bun.sleep(100);
  }
  throw new Error(`master ${master.address} has agents ${JSON.stringify(seen)}, expected ${count}`);
}

function infoOf(master: TestMaster, id: string): Uint8Array {
  const [ip, port] = master.address.split(":") as [string, string];
  return encodeMasterInfo(masterInfoFor({ id, ip, port: Number(port), version: "1.11.0" }));
}

for (const kind of KINDS) {
  describe.skipIf(kind === "zookeeper" && !zookeeperInstalled())(`agent --master=zk:// against ${kind}`, () => {
    test("registers with the master ZooKeeper names and follows it to another", async () => {
      const server = await startServer(kind, { tickTimeMs: 200 });
      let holder: ZkClient | undefined;
      try {
        const [m1, m2] = await Promise.all([startTestMaster(), startTestMaster()]);
        const group = uniquePath("agent");
        // The agent starts before any master is in the group: it waits for one.
        const agent = await startTestAgent(`zk://127.0.0.1:${server.port}${group}`);
        await Bun.sleep(500);
        expect(await agentIds(m1)).toEqual([]);
        holder = await connectedClient(server.port);
        await holder.ensurePath(group);
        const member = await holder.create(`${group}/json.info_`, infoOf(m1, "m1"), { mode: "ephemeral_sequential" });
        const [agentId] = await waitAgents(m1, 1, 20_000);
        expect(await agentIds(m2)).toEqual([]);

        // The leader changes: the member now names m2, and m1 goes away.
        await holder.setData(member, infoOf(m2, "m2"));
        await m1.proc.stop("SIGTERM");
        // It re-registers there under the id the first master gave it.
        expect(await waitAgents(m2, 1, 30_000)).toEqual([agentId!]);
        const state = (await (await fetch(`${agent.url}/state`)).json()) as { id: string };
        expect(state.id).toBe(agentId!);
        await agent.proc.stop("SIGTERM");
        await m2.proc.stop("SIGTERM");
      } finally {
        await holder?.close();
        await server.stop("SIGTERM");
      }
    }, 90_000);
  });
}
