import { afterEach, describe, expect, test } from "bun:test";
import pino from "pino";
import { MemoryNetwork, MemoryStorage, NotLeaderError } from "../../consensus/index.ts";
import { realClock, SeededRandom } from "../../runtime/index.ts";
import type { LeadershipState } from "../leadership.ts";
import type { AgentRecord } from "../registry/index.ts";
import { bestSuccessor, RaftLeadership } from "./raft-leadership.ts";
import { RaftRegistry, RegistryStateMachine, encodeOp } from "./raft-registry.ts";

const logger = pino({ level: "silent" });
const timing = { tickIntervalMs: 5, electionTicks: 10 };

interface Member {
  id: string;
  registry: RaftRegistry;
  leadership: RaftLeadership;
  states: LeadershipState[];
}

let members: Member[] = [];
afterEach(async () => {
  for (const m of members) {
    await m.leadership.stop();
    await m.registry.close();
  }
  members = [];
});

function agent(id: string): AgentRecord {
  return { id, hostname: `host-${id}`, port: 5051, resources: [], attributes: [], physicalCpus: 4, registeredAtMs: 1, deactivated: false, draining: false, gone: false };
}

async function startMember(network: MemoryNetwork, id: string, voters: string[] | undefined, extra: { snapshotEntriesMax?: number; electionTicks?: number } = {}): Promise<Member> {
  const registry = new RaftRegistry({
    id,
    storage: new MemoryStorage(),
    transport: network.transport(id),
    clock: realClock,
    random: new SeededRandom(id.charCodeAt(0)),
    logger,
    ...timing,
    ...extra,
    ...(voters === undefined ? {} : { bootstrapVoters: voters }),
  });
  const port = 5000 + id.charCodeAt(0);
  const leadership = new RaftLeadership({
    registry,
    self: () => ({ masterId: `master-${id}`, hostname: `host-${id}`, ip: "127.0.0.1", port }),
    logger,
    clock: realClock,
    handOffTimeoutMs: 200,
    announceRetryMs: 20,
  });
  const member: Member = { id, registry, leadership, states: [] };
  await leadership.start((state) => member.states.push(state));
  members.push(member);
  return member;
}

async function three(network = new MemoryNetwork()): Promise<Member[]> {
  const ids = ["a", "b", "c"];
  return Promise.all(ids.map((id) => startMember(network, id, ids)));
}

async function waitFor<T>(fn: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

const last = (m: Member): LeadershipState | undefined => m.states[m.states.length - 1];
const leading = (m: Member): boolean => last(m)?.leading === true;

async function leaderOf(among: Member[]): Promise<Member> {
  return waitFor(() => {
    const leaders = among.filter(leading);
    if (leaders.length !== 1) return undefined;
    const others = among.filter((m) => m !== leaders[0]);
    return others.every((m) => { const s = last(m); return s !== undefined && !s.leading && s.leader?.port === 5000 + leaders[0]!.id.charCodeAt(0); }) ? leaders[0] : undefined;
  }, "one leader that every member names");
}

describe("RaftRegistry", () => {
  test("a write resolves once committed and applied; every replica applies it; a follower refuses writes", async () => {
    const all = await three();
    const leader = await leaderOf(all);
    await leader.registry.apply({ type: "ADMIT_AGENT", agent: agent("a1") });
    expect(leader.registry.state().agents["a1"]?.hostname).toBe("host-a1");
    for (const m of all) await waitFor(() => m.registry.state().agents["a1"] !== undefined, `${m.id} applies`);
    const follower = all.find((m) => m !== leader)!;
    const error = await follower.registry.apply({ type: "SET_WEIGHTS", weights: { r: 2 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotLeaderError);
    // Fire and forget (as some master code does) must not surface as an unhandled rejection.
    void follower.registry.apply({ type: "SET_WEIGHTS", weights: { r: 3 } });
    await Bun.sleep(20);
    expect(follower.registry.state().weights).toEqual({});
  });

  test("leadership comes after the announcement, with the term as epoch; followers name the announced leader", async () => {
    const all = await three();
    const leader = await leaderOf(all);
    const state = last(leader)!;
    expect(state).toEqual({ leading: true, epoch: leader.registry.driver.term() });
    expect(leader.registry.announcedLeader()).toMatchObject({ node: leader.id, term: leader.registry.driver.term(), masterId: `master-${leader.id}` });
    // The announcement was applied before leading: nothing earlier waits to be applied.
    expect(leader.registry.driver.metrics().applyLagEntries).toBe(0);
    for (const m of all.filter((x) => x !== leader)) {
      expect(last(m)).toEqual({ leading: false, leader: { hostname: `host-${leader.id}`, port: 5000 + leader.id.charCodeAt(0), ip: "127.0.0.1", id: `master-${leader.id}` } });
    }
  });

  test("a cut-off leader stops leading; another leads at a higher term and keeps the registry", async () => {
    const network = new MemoryNetwork();
    const all = await three(network);
    const first = await leaderOf(all);
    await first.registry.apply({ type: "ADMIT_AGENT", agent: agent("kept") });
    const firstTerm = first.registry.driver.term();
    network.isolate(first.id);
    const rest = all.filter((m) => m !== first);
    const second = await leaderOf(rest);
    expect(last(second)).toEqual({ leading: true, epoch: second.registry.driver.term() });
    expect(second.registry.driver.term()).toBeGreaterThan(firstTerm);
    expect(second.registry.state().agents["kept"]).toBeDefined();
    await waitFor(() => !leading(first), "the cut-off leader steps down (check-quorum)");
    network.heal();
    await waitFor(() => { const s = last(first); return s !== undefined && !s.leading && s.leader?.id === `master-${second.id}`; }, "the old leader follows the new one");
    expect(leading(second)).toBe(true);
  });

  test("a cluster of one leads without waiting out an election timeout", async () => {
    const network = new MemoryNetwork();
    const started = performance.now();
    // 100 ticks of 5 ms: an election timeout would take 500 ms to 1 s.
    const solo = await startMember(network, "s", ["s"], { electionTicks: 100 });
    await waitFor(() => leading(solo), "the single master leads");
    expect(performance.now() - started).toBeLessThan(400);
    await solo.registry.apply({ type: "BUMP_EPOCH" });
    expect(solo.registry.state().epoch).toBe(1);
  });

  test("a member added after compaction gets the registry by snapshot", async () => {
    const network = new MemoryNetwork();
    const ids = ["a", "b", "c"];
    const all = await Promise.all(ids.map((id) => startMember(network, id, ids, { snapshotEntriesMax: 10 })));
    const leader = await leaderOf(all);
    for (let i = 0; i < 25; i++) await leader.registry.apply({ type: "ADMIT_AGENT", agent: agent(`a${i}`) });
    expect(leader.registry.driver.metrics().snapshotIndex).toBeGreaterThan(0);
    const joiner = await startMember(network, "d", undefined, { snapshotEntriesMax: 10 });
    await leader.registry.driver.addServer("d", 5000);
    await waitFor(() => Object.keys(joiner.registry.state().agents).length === 25, "the new member holds the registry");
    await waitFor(() => { const s = last(joiner); return s !== undefined && !s.leading && s.leader?.id === `master-${leader.id}`; }, "the new member names the leader");
    expect(joiner.registry.driver.conf().voters).toContain("d");
  });
});

describe("RegistryStateMachine", () => {
  test("a snapshot restores the registry and the announced leader", () => {
    const a = new RegistryStateMachine();
    a.apply({ index: 1, term: 1, data: encodeOp({ type: "ADMIT_AGENT", agent: agent("x") }) });
    a.apply({ index: 2, term: 1, data: new TextEncoder().encode(JSON.stringify({ leader: { node: "n1", term: 1, masterId: "m", hostname: "h", ip: "127.0.0.1", port: 1 } })) });
    const announced: string[] = [];
    const b = new RegistryStateMachine((leader) => announced.push(leader.node));
    b.restore(a.snapshot(), 2);
    expect(b.state).toEqual(a.state);
    expect(b.leader).toEqual(a.leader);
    expect(b.appliedIndex).toBe(2);
    expect(announced).toEqual(["n1"]);
  });
});

test("bestSuccessor: the other voter with the longest log; learners and self never", () => {
  const progress = new Map([
    ["a", { match: 9, learner: false }],
    ["b", { match: 7, learner: false }],
    ["c", { match: 8, learner: false }],
    ["d", { match: 12, learner: true }],
  ]);
  expect(bestSuccessor(progress, ["a", "b", "c"], "a")).toBe("c");
  expect(bestSuccessor(null, ["a", "b"], "a")).toBeUndefined();
  expect(bestSuccessor(progress, ["a"], "a")).toBeUndefined();
});
