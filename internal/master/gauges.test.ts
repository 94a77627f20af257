// masterGauges: resources total, reserved, offered and allocated for the cluster, per role and per
// agent; agents, frameworks and tasks by state; oversubscription; role windows.

import { afterEach, expect, test } from "bun:test";
import { parseRoleSchedule } from "../allocator/role-schedule/index.ts";
import { parseResources } from "../resources/index.ts";
import { ManualClock, SeededRandom } from "../runtime/index.ts";
import type { FrameworkInfo, TaskInfo } from "../wire/index.ts";
import { accept } from "./accept.ts";
import { agentDisconnected, registerAgent } from "./agents.ts";
import { subscribe } from "./frameworks.ts";
import { masterGauges } from "./gauges.ts";
import type { Master } from "./master.ts";
import { setInForce } from "./role-schedule.ts";
import { testMaster } from "./testing.ts";
import type { AgentLink } from "./types.ts";

const masters: Master[] = [];
afterEach(() => {
  for (const m of masters.splice(0)) m.stop();
});

test("cluster, role and agent amounts; states; oversubscription; windows", async () => {
  const m = testMaster(new ManualClock(Date.parse("2025-03-09T12:00:00Z")), new SeededRandom(3));
  masters.push(m);
  const parsed = parseRoleSchedule({ roles: { spark: { windows: [{ cron: "0 2 * * *", duration: "1h" }] } } });
  if (!parsed.ok) throw new Error(parsed.problem);
  setInForce(m, parsed.value, "api", undefined);
  const info = { user: "root", name: "fw", roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }] } as FrameworkInfo;
  const subscribed = await subscribe(m, { type: "SUBSCRIBE", subscribe: { framework_info: info } }, { streamId: "s", send: () => true, close: () => {} });
  if (!subscribed.ok) throw new Error(subscribed.message);
  const links: AgentLink[] = [];
  for (const [hostname, resources] of [["a", "cpus:4;mem:1024;disk:10;cpus(spark):2;mem(spark):512"], ["b", "cpus:8;mem:2048"]] as const) {
    const link: AgentLink = { send: () => {}, close: () => {} };
    links.push(link);
    await registerAgent(m, link, { type: "REGISTER", protocolVersion: 1, agent: { hostname, port: 5051, resources: parseResources(resources).toJSON(), attributes: [], physicalCpus: 4, version: "t" }, tasks: [], epoch: 0 });
  }
  m.runAllocation();
  const onA = [...m.offers.values()].find((o) => o.hostname === "a")!;
  const task = { name: "t", task_id: { value: "t" }, agent_id: { value: onA.agentId }, resources: [{ name: "cpus", type: "SCALAR", scalar: { value: 3 }, role: "*", allocation_info: { role: "*" } }], command: { value: "true" } } as unknown as TaskInfo;
  accept(m, m.frameworks.get(subscribed.frameworkId)!, { type: "ACCEPT", framework_id: { value: subscribed.frameworkId }, accept: { offer_ids: [{ value: onA.id }], operations: [{ type: "LAUNCH", launch: { task_infos: [task] } }] } });

  const gauges = masterGauges(m);
  expect(gauges.cluster.total).toEqual({ cpus: 14, memMb: 3584, diskMb: 10 });
  expect(gauges.cluster.reserved).toEqual({ cpus: 2, memMb: 512, diskMb: 0 });
  expect(gauges.cluster.allocated).toEqual({ cpus: 3, memMb: 0, diskMb: 0 });
  // b has 8 cpus on 4 physical ones, and a schedule caps allocation at 1.0 x physical.
  expect(gauges.cluster.offered.cpus).toBe(4);
  expect(gauges.roles.find((r) => r.role === "spark")).toEqual({ role: "spark", reserved: { cpus: 2, memMb: 512, diskMb: 0 }, offered: { cpus: 0, memMb: 0, diskMb: 0 }, allocated: { cpus: 0, memMb: 0, diskMb: 0 }, windowOpen: false });
  expect(gauges.roles.find((r) => r.role === "*")?.allocated.cpus).toBe(3);
  const a = gauges.agents.find((g) => g.hostname === "a")!;
  expect(a).toMatchObject({ total: { cpus: 6, memMb: 1536, diskMb: 10 }, reserved: { cpus: 2, memMb: 512, diskMb: 0 }, allocated: { cpus: 3 }, oversubscriptionRatio: 0.75 });
  expect(gauges.tasksByState).toEqual(new Map([["TASK_STAGING", 1]]));
  expect(gauges.taskTransitions.get("TASK_STAGING")).toBe(1);
  expect(gauges.frameworksByState.get("active")).toBe(1);
  expect(gauges.agentsByState.get("active")).toBe(2);
  expect(gauges.maxOversubscription).toBe(1);

  agentDisconnected(m, a.agentId, m.agents.get(a.agentId)!.link!);
  expect(masterGauges(m).agentsByState.get("disconnected")).toBe(1);
  expect(links).toHaveLength(2);
});
