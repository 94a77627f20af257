// Every offer ends exactly once, whatever happens to it: Master.endOffer is the only way out of
// Master.offers, and the observer sees each ending. Scripted outcomes one by one, then seeded
// random sequences of everything that ends offers, checked against a recording observer.

import { afterEach, describe, expect, test } from "bun:test";
import { parseResources } from "../resources/index.ts";
import { ManualClock, SeededRandom } from "../runtime/index.ts";
import type { FrameworkInfo, MasterToAgent, Offer, SchedulerEvent, TaskInfo } from "../wire/index.ts";
import { accept, decline } from "./accept.ts";
import { agentDisconnected, markUnreachable, registerAgent } from "./agents.ts";
import { frameworkDisconnected, subscribe, teardown } from "./frameworks.ts";
import type { Master } from "./master.ts";
import { setAgentFlag } from "./operations.ts";
import { RecordingObserver, testMaster, testMasterConfig } from "./testing.ts";
import type { AgentLink } from "./types.ts";

const startMs = Date.parse("2025-03-09T12:00:00Z");
const masters: Master[] = [];
afterEach(() => {
  for (const m of masters.splice(0)) m.stop();
});

interface World {
  m: Master;
  clock: ManualClock;
  observer: RecordingObserver;
  frameworkIds: string[];
  agentIds: string[];
  links: Map<string, AgentLink>;
  toFramework: Map<string, SchedulerEvent[]>;
  toAgent: MasterToAgent[];
}

const frameworkInfo = (name: string): FrameworkInfo => ({ user: "root", name, roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }] }) as FrameworkInfo;

async function world(seed: number, agents = 2, frameworks = 2): Promise<World> {
  const clock = new ManualClock(startMs);
  const observer = new RecordingObserver();
  const m = testMaster(clock, new SeededRandom(seed), { observer, config: testMasterConfig({ offerTimeoutMs: 30_000 }) });
  masters.push(m);
  const w: World = { m, clock, observer, frameworkIds: [], agentIds: [], links: new Map(), toFramework: new Map(), toAgent: [] };
  for (let i = 0; i < frameworks; i++) await addFramework(w, `fw-${i}`);
  for (let i = 0; i < agents; i++) await addAgent(w, `host-${i}`);
  return w;
}

async function addFramework(w: World, name: string, id?: string): Promise<string> {
  const sent: SchedulerEvent[] = [];
  const info = id === undefined ? frameworkInfo(name) : { ...frameworkInfo(name), id: { value: id } };
  const result = await subscribe(w.m, { type: "SUBSCRIBE", subscribe: { framework_info: info } }, { streamId: `${name}-${sent.length}-${w.clock.nowMs()}`, send: (e) => (sent.push(e), true), close: () => {} });
  if (!result.ok) throw new Error(result.message);
  w.toFramework.set(result.frameworkId, sent);
  if (!w.frameworkIds.includes(result.frameworkId)) w.frameworkIds.push(result.frameworkId);
  return result.frameworkId;
}

async function addAgent(w: World, hostname: string, agentId?: string): Promise<string> {
  const link: AgentLink = { send: (message) => w.toAgent.push(message), close: () => {} };
  const id = await registerAgent(w.m, link, {
    type: "REGISTER",
    protocolVersion: 1,
    ...(agentId !== undefined ? { agentId } : {}),
    agent: { hostname, port: 5051, resources: parseResources("cpus:8;mem:8192;disk:1000;ports:[31000-31009]").toJSON(), attributes: [], physicalCpus: 8, version: "test" },
    tasks: [],
    epoch: 0,
  });
  if (id === undefined) throw new Error("agent refused");
  w.links.set(id, link);
  if (!w.agentIds.includes(id)) w.agentIds.push(id);
  return id;
}

function task(offer: { agentId: string }, taskId: string): TaskInfo {
  const resources = [{ name: "cpus", type: "SCALAR", scalar: { value: 0.5 }, role: "*", allocation_info: { role: "*" } }];
  return { name: taskId, task_id: { value: taskId }, agent_id: { value: offer.agentId }, resources, command: { shell: true, value: "true" } } as unknown as TaskInfo;
}

function acceptCall(frameworkId: string, offerIds: string[], tasks: TaskInfo[]) {
  return { type: "ACCEPT" as const, framework_id: { value: frameworkId }, accept: { offer_ids: offerIds.map((value) => ({ value })), operations: tasks.length > 0 ? [{ type: "LAUNCH" as const, launch: { task_infos: tasks } }] : [], filters: { refuse_seconds: 5 } } };
}

function firstOffer(w: World, frameworkId?: string) {
  const offer = [...w.m.offers.values()].find((o) => frameworkId === undefined || o.frameworkId === frameworkId);
  if (offer === undefined) throw new Error("no outstanding offer");
  return offer;
}

function expectAllEnded(w: World, someMade = true): void {
  w.m.stop();
  expect(w.m.offers.size).toBe(0);
  if (someMade) expect(w.observer.created.length).toBeGreaterThan(0);
  expect(w.observer.problems()).toEqual({ endedTwice: [], notEnded: [] });
}

describe("each outcome ends the offer once, with its outcome", () => {
  test("accepted (the launch is traced with the offer), declined, invalid", async () => {
    const w = await world(1, 4);
    w.m.runAllocation();
    const a = firstOffer(w, w.frameworkIds[0]);
    accept(w.m, w.m.frameworks.get(a.frameworkId)!, acceptCall(a.frameworkId, [a.id], [task(a, "t1")]));
    expect(w.observer.ended.at(-1)?.ending).toMatchObject({ outcome: "accepted", refuseSeconds: 5 });
    expect(w.observer.launches).toEqual([{ offerIds: [a.id], taskIds: ["t1"], sent: true }]);
    expect(w.toAgent.some((message) => message.type === "RUN_TASKS")).toBe(true);
    w.m.runAllocation();
    const d = firstOffer(w);
    decline(w.m, w.m.frameworks.get(d.frameworkId)!, { type: "DECLINE", framework_id: { value: d.frameworkId }, decline: { offer_ids: [{ value: d.id }], filters: { refuse_seconds: 60 } } });
    expect(w.observer.ended.at(-1)?.ending).toEqual({ outcome: "declined", refuseSeconds: 60 });
    w.m.runAllocation();
    const i = firstOffer(w);
    accept(w.m, w.m.frameworks.get(i.frameworkId)!, acceptCall(i.frameworkId, [i.id, "no-such-offer"], [task(i, "t2")]));
    expect(w.observer.ended.at(-1)?.ending).toMatchObject({ outcome: "invalid", reason: "Offer no-such-offer is no longer valid" });
    expectAllEnded(w);
  });

  test("expired after --offer_timeout, rescinded with a RESCIND to the framework", async () => {
    const w = await world(2);
    w.m.runAllocation();
    const outstanding = w.m.offers.size;
    w.clock.advance(30_001);
    (w.m as unknown as { expireOffers(): void }).expireOffers();
    expect(w.observer.outcomesOf().get("expired")).toBe(outstanding);
    const rescinds = [...w.toFramework.values()].flat().filter((e) => e.type === "RESCIND").length;
    expect(rescinds).toBe(outstanding);
    expectAllEnded(w);
  });

  test("agent lost: disconnected, unreachable; rescinded: deactivated", async () => {
    const w = await world(3, 3);
    w.m.runAllocation();
    const [a0, a1, a2] = w.agentIds as [string, string, string];
    const onAgent = (id: string) => [...w.m.offers.values()].filter((o) => o.agentId === id).length;
    const counts = [onAgent(a0), onAgent(a1), onAgent(a2)];
    agentDisconnected(w.m, a0, w.links.get(a0)!);
    await markUnreachable(w.m, a1, "test");
    await setAgentFlag(w.m, a2, { deactivated: true });
    expect(w.observer.outcomesOf().get("agent_lost")).toBe(counts[0]! + counts[1]!);
    expect(w.observer.outcomesOf().get("rescinded")).toBe(counts[2]);
    expectAllEnded(w);
  });

  test("framework gone: disconnected, torn down; master stopping rescinds the rest", async () => {
    const w = await world(4, 4, 3);
    w.m.runAllocation();
    const [f0, f1] = w.frameworkIds as [string, string];
    const of = (id: string) => [...w.m.offers.values()].filter((o) => o.frameworkId === id).length;
    const counts = [of(f0), of(f1)];
    frameworkDisconnected(w.m, f0, w.m.frameworks.get(f0)!.stream!.streamId);
    await teardown(w.m, f1, "test");
    expect(w.observer.outcomesOf().get("framework_gone")).toBe(counts[0]! + counts[1]!);
    const left = w.m.offers.size;
    expect(left).toBeGreaterThan(0);
    w.m.stop();
    expect(w.observer.outcomesOf().get("rescinded")).toBe(left);
    expectAllEnded(w);
  });
});

describe("random sequences of everything that ends offers", () => {
  const seeds = Array.from({ length: 40 }, (_, i) => 1000 + i);
  const outcomesSeen = new Set<string>();
  for (const seed of seeds) {
    test(`seed=${seed}`, async () => {
      const w = await world(seed, 3, 3);
      const random = new SeededRandom(seed);
      let taskCounter = 0;
      for (let step = 0; step < 120; step++) {
        await randomStep(w, random, () => `task-${taskCounter++}`);
        // At every step the outstanding offers are exactly those made and not yet ended.
        const endedIds = new Set(w.observer.ended.map((e) => e.offer.id));
        const live = w.observer.created.filter((o) => !endedIds.has(o.id)).map((o) => o.id).sort();
        expect([...w.m.offers.keys()].sort()).toEqual(live);
      }
      expectAllEnded(w, false);
      for (const outcome of w.observer.outcomesOf().keys()) outcomesSeen.add(outcome);
    });
  }

  test("the seeds between them reach every outcome", () => {
    expect([...outcomesSeen].sort()).toEqual(["accepted", "agent_lost", "declined", "expired", "framework_gone", "invalid", "rescinded"]);
  });
});

async function randomStep(w: World, random: SeededRandom, nextTaskId: () => string): Promise<void> {
  const offers = [...w.m.offers.values()];
  const pick = <T>(list: readonly T[]): T | undefined => list[random.nextInt(Math.max(1, list.length))];
  const offer = pick(offers);
  switch (random.nextInt(10)) {
    case 0:
    case 1:
      w.m.runAllocation();
      return;
    case 2:
      if (offer) accept(w.m, w.m.frameworks.get(offer.frameworkId)!, acceptCall(offer.frameworkId, [offer.id], random.next() < 0.7 ? [task(offer, nextTaskId())] : []));
      return;
    case 3:
      if (offer) decline(w.m, w.m.frameworks.get(offer.frameworkId)!, { type: "DECLINE", framework_id: { value: offer.frameworkId }, decline: { offer_ids: [{ value: offer.id }] } });
      return;
    case 4: {
      const agentId = pick(w.agentIds)!;
      const agent = w.m.agents.get(agentId);
      if (agent?.link) agentDisconnected(w.m, agentId, agent.link);
      else if (agent) await addAgent(w, agent.record.hostname, agentId);
      return;
    }
    case 5: {
      const frameworkId = pick(w.frameworkIds)!;
      const framework = w.m.frameworks.get(frameworkId);
      if (framework?.stream) frameworkDisconnected(w.m, frameworkId, framework.stream.streamId);
      else if (framework) await addFramework(w, framework.info.name, frameworkId);
      return;
    }
    case 6:
      w.clock.advance(random.nextInt(40_000));
      (w.m as unknown as { expireOffers(): void }).expireOffers();
      return;
    case 7:
      if (offer) w.m.rescindOffer(offer.id, "rescinded", "test");
      return;
    case 8: {
      const agentId = pick(w.agentIds)!;
      await setAgentFlag(w.m, agentId, { deactivated: random.next() < 0.5 });
      return;
    }
    default: {
      // Two offers of different agents in one ACCEPT: invalid, both end.
      const other = offers.find((o) => offer !== undefined && o.frameworkId === offer.frameworkId && o.agentId !== offer.agentId);
      if (offer && other) accept(w.m, w.m.frameworks.get(offer.frameworkId)!, acceptCall(offer.frameworkId, [offer.id, other.id], []));
      return;
    }
  }
}

test("the offers the observer sees carry what their spans need", async () => {
  const w = await world(5, 1, 1);
  w.m.runAllocation();
  const made = w.observer.created[0]!;
  expect(made).toMatchObject({ frameworkName: "fw-0", hostname: "host-0", role: "*" });
  expect(made.resources.scalar("cpus")).toBe(8);
  expect(made.resources.ranges("ports")).toEqual([{ begin: 31000, end: 31009 }]);
  const offers = [...w.toFramework.values()].flat().filter((e): e is Extract<SchedulerEvent, { type: "OFFERS" }> => e.type === "OFFERS");
  expect(offers.flatMap((e) => e.offers.offers.map((o: Offer) => o.id.value))).toEqual([made.id]);
  expectAllEnded(w);
});
