// Master, agent and a framework as real processes: offers, launch, status updates with
// acknowledgements, sandbox files, kill, filters, reconciliation, failover and recovery.

import { afterAll, afterEach, expect, test } from "bun:test";
import { cleanupAll } from "./helpers/cluster.ts";
import { commandTask, eventually, getJson, startTestAgent, startTestMaster, TestFramework } from "./helpers/e2e.ts";

const frameworks: TestFramework[] = [];
afterEach(async () => {
  for (const framework of frameworks.splice(0)) await framework.close();
});
afterAll(cleanupAll);

function framework(masters: string[], info = {}, autoAck = true): TestFramework {
  const f = new TestFramework(masters, info, autoAck);
  frameworks.push(f);
  return f;
}

test("subscribe, offer, launch echo hello: RUNNING then FINISHED, stdout readable, acknowledged", async () => {
  const master = await startTestMaster();
  const agent = await startTestAgent(master.address, ["--resources=cpus:2;mem:512;ports:[31000-31010]"]);
  const f = framework([master.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  expect(offer.resources.find((r) => r.name === "cpus")?.scalar?.value).toBe(2);
  await f.client.launch([offer.id], [commandTask(offer, "hello", "echo hello")]);
  await f.status("hello", "TASK_RUNNING");
  const finished = await f.status("hello", "TASK_FINISHED");
  expect(finished.uuid).toBeDefined();
  expect(f.statesOf("hello")).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
  const state = await getJson(`${agent.url}/state`);
  const executor = state.completed_frameworks.concat(state.frameworks).flatMap((fw: any) => fw.completed_executors.concat(fw.executors)).find((e: any) => e.id === "hello");
  const read = await getJson(`${agent.url}/files/read?path=${encodeURIComponent(`${executor.directory}/stdout`)}&offset=0`);
  expect(read.data).toContain("hello");
  // Acknowledged: the task leaves the master's active list for completed_tasks.
  await eventually(async () => {
    const masterState = await getJson(`${master.url}/master/state`);
    const fw = masterState.frameworks.find((x: any) => x.id === f.client.frameworkId);
    return fw.completed_tasks.some((t: any) => t.id === "hello" && t.state === "TASK_FINISHED") && fw.tasks.length === 0 ? true : undefined;
  }, 15_000, "task completed on the master");
});

test("a declined agent is not re-offered within refuse_seconds, and is after", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:1;mem:256"]);
  const f = framework([master.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  const declinedAtMs = Date.now();
  await f.client.decline([offer.id], { refuse_seconds: 2 });
  const again = await f.nextOffer((o) => o.agent_id.value === offer.agent_id.value);
  expect(Date.now() - declinedAtMs).toBeGreaterThanOrEqual(1900);
  expect(again.id.value).not.toBe(offer.id.value);
});

test("kill: TASK_KILLING then TASK_KILLED; reconcile answers explicit and implicit", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:1;mem:256", "--task_kill_grace_period=500ms"]);
  const f = framework([master.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  await f.client.launch([offer.id], [commandTask(offer, "sleeper", "sleep 300")]);
  await f.status("sleeper", "TASK_RUNNING");
  const from = f.events.length;
  await f.client.reconcile([{ taskId: "sleeper" }, { taskId: "ghost" }]);
  const reconciled = await f.waitFor((e): e is any => e.type === "UPDATE" && e.update.status.task_id.value === "sleeper" && e.update.status.reason === "REASON_RECONCILIATION", 5000, from);
  expect(reconciled.update.status.state).toBe("TASK_RUNNING");
  expect(reconciled.update.status.uuid).toBeUndefined();
  const ghost = await f.waitFor((e): e is any => e.type === "UPDATE" && e.update.status.task_id.value === "ghost", 5000, from);
  expect(ghost.update.status.state).toBe("TASK_LOST");
  await f.client.kill("sleeper");
  await f.status("sleeper", "TASK_KILLED");
  expect(f.statesOf("sleeper").slice(-2)).toEqual(["TASK_KILLING", "TASK_KILLED"]);
});

test("a bad launch gets TASK_ERROR naming the problem; a stale offer gets TASK_LOST", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:1;mem:256"]);
  const f = framework([master.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  const greedy = commandTask(offer, "greedy", "true", "cpus:8;mem:32");
  await f.client.launch([offer.id], [greedy]);
  const error = await f.status("greedy", "TASK_ERROR");
  expect(error.message).toContain("cpus");
  await f.client.launch([offer.id], [commandTask(offer, "late", "true")]);
  const lost = await f.status("late", "TASK_LOST");
  expect(lost.reason).toBe("REASON_INVALID_OFFERS");
});

test("framework failover inside failover_timeout keeps its tasks; past it they are killed", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:2;mem:512"]);
  const first = framework([master.address], { failover_timeout: 2 });
  const frameworkId = await first.subscribe();
  const offer = await first.nextOffer();
  await first.client.launch([offer.id], [commandTask(offer, "survivor", "sleep 300")]);
  await first.status("survivor", "TASK_RUNNING");
  await first.close();
  const second = framework([master.address], { failover_timeout: 2, id: { value: frameworkId } });
  expect(await second.subscribe()).toBe(frameworkId);
  const state = await getJson(`${master.url}/master/state`);
  expect(state.frameworks[0].tasks.map((t: any) => [t.id, t.state])).toEqual([["survivor", "TASK_RUNNING"]]);
  await second.close();
  const after = await eventually(async () => {
    const s = await getJson(`${master.url}/master/state`);
    return s.completed_frameworks.find((fw: any) => fw.id === frameworkId);
  }, 15_000, "framework completed after its failover timeout");
  expect(after.completed_tasks.map((t: any) => t.state)).toEqual(["TASK_KILLED"]);
});

test("a master restart keeps the agent's id and its running task", async () => {
  const first = await startTestMaster();
  const agent = await startTestAgent(first.address, ["--resources=cpus:1;mem:256"]);
  const f = framework([first.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  await f.client.launch([offer.id], [commandTask(offer, "steady", "sleep 300")]);
  await f.status("steady", "TASK_RUNNING");
  // The agent follows its --master address, so the master comes back on the same port.
  const port = new URL(first.url).port;
  await first.proc.stop();
  const restarted = await startTestMaster([`--port=${port}`], first.workDir);
  const state = await eventually(async () => {
    const s = await getJson(`${restarted.url}/master/state`);
    return s.slaves.length === 1 && s.frameworks.some((fw: any) => fw.tasks.length === 1) ? s : undefined;
  }, 20_000, "agent re-registered with its task");
  expect(state.slaves[0].id).toBe(offer.agent_id.value);
  const fw = state.frameworks.find((x: any) => x.id === f.client.frameworkId);
  expect(fw.tasks.map((t: any) => [t.id, t.state])).toEqual([["steady", "TASK_RUNNING"]]);
  expect((await getJson(`${agent.url}/state`)).id).toBe(offer.agent_id.value);
});

test("a task that exits while the master is down has its update delivered once the master is back", async () => {
  const first = await startTestMaster();
  await startTestAgent(first.address, ["--resources=cpus:1;mem:256"]);
  const f = framework([first.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  await f.client.launch([offer.id], [commandTask(offer, "brief", "sleep 1.5; exit 0")]);
  await f.status("brief", "TASK_RUNNING");
  const port = new URL(first.url).port;
  first.proc.child.kill("SIGKILL");
  await first.proc.exited;
  await Bun.sleep(2500);
  await startTestMaster([`--port=${port}`], first.workDir);
  const finished = await f.status("brief", "TASK_FINISHED", 30_000);
  expect(finished.message).toContain("exited with status 0");
});
