// Operator features with a real agent: whitelist, maintenance, unreachable agents, drain, dynamic
// reservations and MULTI_ROLE offers.

import { afterAll, afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, tempDir } from "./helpers/cluster.ts";
import { commandTask, eventually, getJson, startTestAgent, startTestMaster, TestFramework } from "./helpers/e2e.ts";

const frameworks: TestFramework[] = [];
afterEach(async () => {
  for (const framework of frameworks.splice(0)) await framework.close();
});
afterAll(cleanupAll);

function framework(masters: string[], info = {}): TestFramework {
  const f = new TestFramework(masters, info);
  frameworks.push(f);
  return f;
}

const post = (url: string, body: unknown) => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });

test("--whitelist: an agent not listed gets no offers, its tasks untouched; listing it brings offers", async () => {
  const dir = tempDir();
  const whitelist = join(dir, "whitelist");
  writeFileSync(whitelist, "somebody-else\n");
  const master = await startTestMaster([`--whitelist=${whitelist}`]);
  await startTestAgent(master.address, ["--resources=cpus:1;mem:256", "--hostname=agent-a"]);
  const f = framework([master.address]);
  await f.subscribe();
  await eventually(async () => ((await getJson(`${master.url}/master/state`)).slaves.length === 1 ? true : undefined));
  await Bun.sleep(500);
  expect(f.events.filter((e) => e.type === "OFFERS")).toHaveLength(0);
  writeFileSync(whitelist, "# rolling upgrade done\nagent-a\n");
  const offer = await f.nextOffer(() => true, 0);
  expect(offer.hostname).toBe("agent-a");
  await f.client.launch([offer.id], [commandTask(offer, "stays", "sleep 300")]);
  await f.status("stays", "TASK_RUNNING");
  writeFileSync(whitelist, "nobody\n");
  await Bun.sleep(600);
  expect(f.statesOf("stays")).toEqual(["TASK_STARTING", "TASK_RUNNING"]);
});

test("maintenance: a machine taken down loses its offers and its tasks are killed; up brings offers back", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:1;mem:256", "--hostname=maint-a"]);
  const f = framework([master.address]);
  await f.subscribe();
  const machine = { hostname: "maint-a", ip: "127.0.0.1" };
  const schedule = { windows: [{ machine_ids: [machine], unavailability: { start: { nanoseconds: Date.now() * 1e6 + 3.6e12 } } }] };
  expect((await post(`${master.url}/master/maintenance/schedule`, schedule)).status).toBe(200);
  // An offer made before the schedule is rescinded (as Mesos does); the next carries the unavailability.
  const offer = await f.nextOffer((o) => o.unavailability !== undefined, 0);
  expect(offer.unavailability?.start.nanoseconds).toBeGreaterThan(0);
  const rescinded = new Set(f.events.flatMap((e) => (e.type === "RESCIND" ? [e.rescind.offer_id.value] : [])));
  const earlier = f.events.flatMap((e) => (e.type === "OFFERS" ? e.offers.offers : [])).filter((o) => o.unavailability === undefined);
  expect(earlier.filter((o) => !rescinded.has(o.id.value))).toEqual([]);
  await f.client.launch([offer.id], [commandTask(offer, "doomed", "sleep 300")]);
  await f.status("doomed", "TASK_RUNNING");
  expect((await post(`${master.url}/master/machine/down`, [machine])).status).toBe(200);
  const killed = await f.status("doomed", "TASK_KILLED");
  expect(killed.message).toContain("maintenance");
  const quietFrom = f.events.length;
  await Bun.sleep(500);
  expect(f.events.slice(quietFrom).filter((e) => e.type === "OFFERS")).toHaveLength(0);
  expect((await post(`${master.url}/master/machine/up`, [machine])).status).toBe(200);
  await f.nextOffer(() => true, quietFrom);
});

test("a silent agent becomes unreachable: TASK_UNREACHABLE for partition-aware frameworks; it comes back with its task", async () => {
  const master = await startTestMaster(["--agent_ping_timeout=200ms", "--max_agent_ping_timeouts=2"]);
  const agent = await startTestAgent(master.address, ["--resources=cpus:1;mem:256"]);
  const f = framework([master.address], { capabilities: [{ type: "MULTI_ROLE" }, { type: "PARTITION_AWARE" }] });
  await f.subscribe();
  const offer = await f.nextOffer();
  await f.client.launch([offer.id], [commandTask(offer, "patient", "sleep 300")]);
  await f.status("patient", "TASK_RUNNING");
  agent.proc.child.kill("SIGSTOP");
  const unreachable = await f.status("patient", "TASK_UNREACHABLE");
  expect(unreachable.reason).toBe("REASON_AGENT_REMOVED");
  await f.waitFor((e): e is any => e.type === "FAILURE");
  agent.proc.child.kill("SIGCONT");
  await eventually(async () => {
    const state = await getJson(`${master.url}/master/state`);
    const task = state.frameworks[0]?.tasks.find((t: any) => t.id === "patient");
    return state.slaves.length === 1 && task?.state === "TASK_RUNNING" ? true : undefined;
  }, 20_000, "agent back with its running task");
});

test("DRAIN_AGENT kills the agent's tasks and stops its offers", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:1;mem:256"]);
  const f = framework([master.address]);
  await f.subscribe();
  const offer = await f.nextOffer();
  await f.client.launch([offer.id], [commandTask(offer, "drained", "sleep 300")]);
  await f.status("drained", "TASK_RUNNING");
  const drain = await post(`${master.url}/api/v1`, { type: "DRAIN_AGENT", drain_agent: { agent_id: offer.agent_id } });
  expect(drain.status).toBe(200);
  await f.status("drained", "TASK_KILLED");
  const from = f.events.length;
  await Bun.sleep(500);
  expect(f.events.slice(from).filter((e) => e.type === "OFFERS")).toHaveLength(0);
  const agents = (await (await post(`${master.url}/api/v1`, { type: "GET_AGENTS" })).json()) as any;
  expect(agents.get_agents.agents[0].drain_info.state).toBe("DRAINED");
});

test("RESERVE makes a dynamic reservation that later offers carry for the role; UNRESERVE gives it back", async () => {
  const master = await startTestMaster();
  await startTestAgent(master.address, ["--resources=cpus:2;mem:512"]);
  const f = framework([master.address], { roles: ["analytics"] });
  await f.subscribe();
  const offer = await f.nextOffer();
  expect(offer.allocation_info?.role).toBe("analytics");
  const reservation = [{ name: "cpus", type: "SCALAR", scalar: { value: 1 }, reservations: [{ type: "DYNAMIC", role: "analytics", principal: "ops" }], allocation_info: { role: "analytics" } }];
  await f.client.accept([offer.id], [{ type: "RESERVE", reserve: { resources: reservation } } as any], { refuse_seconds: 0.2 });
  const reserved = await f.nextOffer((o) => o.resources.some((r) => r.role === "analytics"));
  const cpus = reserved.resources.find((r) => r.name === "cpus" && r.role === "analytics")!;
  expect(cpus.scalar?.value).toBe(1);
  expect((cpus as any).reservations).toEqual([{ type: "DYNAMIC", role: "analytics" }]);
  const state = await getJson(`${master.url}/master/state`);
  expect(state.slaves[0].reserved_resources.analytics.cpus).toBe(1);
  await f.client.accept([reserved.id], [{ type: "UNRESERVE", unreserve: { resources: reservation } } as any], { refuse_seconds: 0.2 });
  await f.nextOffer((o) => o.resources.every((r) => r.role !== "analytics") && o.resources.find((r) => r.name === "cpus")?.scalar?.value === 2);
});
