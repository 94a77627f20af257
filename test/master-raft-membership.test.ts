// Membership changes on running masters (--masters), one server at a time, as real processes:
// grow 3→5 with --join, shrink 5→3 (the leader among the removed), replace one. After each, the
// registry is whole (a weight written before the change is what a later leader reports) and the
// cluster survives losing as many masters as its new size allows.

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { cleanupAll } from "./helpers/cluster.ts";
import { eventually } from "./helpers/e2e.ts";
import {
  alive,
  changeMembers,
  freePorts,
  raftView,
  startRaftMaster,
  startRaftMasters,
  testRaftTiming,
  waitForLeader,
  type RaftMasterProcess,
} from "./helpers/raft-masters.ts";

afterEach(cleanupAll);
afterAll(cleanupAll);

const idsOf = (masters: readonly RaftMasterProcess[]): string[] => masters.map((m) => m.id);

async function operator(via: RaftMasterProcess, body: object): Promise<any> {
  // fetch follows a follower's 307 to the leader, body included.
  const response = await fetch(`${via.url}/api/v1`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`operator call: HTTP ${response.status} ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

async function setWeight(via: RaftMasterProcess, role: string, weight: number): Promise<void> {
  await operator(via, { type: "UPDATE_WEIGHTS", update_weights: { weight_infos: [{ role, weight }] } });
}

async function weightOf(via: RaftMasterProcess, role: string): Promise<number | undefined> {
  const answer = await operator(via, { type: "GET_WEIGHTS" });
  return answer.get_weights.weight_infos.find((w: { role: string }) => w.role === role)?.weight;
}

/** Starts a master that joins `current` and waits until every member counts it as a voter. */
async function join(current: readonly RaftMasterProcess[]): Promise<RaftMasterProcess> {
  const [port] = await freePorts(1);
  const list = [...idsOf(current), `127.0.0.1:${port}`];
  const joiner = await startRaftMaster(port!, list, [...testRaftTiming, "--join"]);
  await eventually(async () => {
    const views = await Promise.all([...current, joiner].filter(alive).map((m) => raftView(m)));
    return views.every((v) => v?.voters.includes(joiner.id)) ? true : undefined;
  }, 30_000, `${joiner.id} a voter everywhere`);
  return joiner;
}

async function votersEverywhere(masters: readonly RaftMasterProcess[], expected: readonly string[]): Promise<void> {
  const sorted = [...expected].sort();
  await eventually(async () => {
    const views = await Promise.all(masters.map((m) => raftView(m)));
    return views.every((v) => JSON.stringify(v?.voters) === JSON.stringify(sorted)) ? true : undefined;
  }, 20_000, `voters ${sorted.join(",")} on every remaining master`);
}

/** Kills `count` masters, the leader first, and checks the others still elect and hold the weight. */
async function survivesLosing(masters: readonly RaftMasterProcess[], count: number, role: string, weight: number): Promise<void> {
  const leader = await waitForLeader(masters);
  const victims = [leader, ...masters.filter((m) => m !== leader)].slice(0, count);
  for (const victim of victims) victim.proc.child.kill("SIGKILL");
  await Promise.all(victims.map((v) => v.proc.exited));
  const rest = masters.filter((m) => !victims.includes(m));
  const next = await waitForLeader(rest);
  expect(await weightOf(next, role)).toBe(weight);
}

describe("membership changes", () => {
  test("grow 3→5 with --join: learner, caught up, voter; then two may fail", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const leader = await waitForLeader(masters);
    await setWeight(leader, "grown", 3);
    const fourth = await join(masters);
    const fifth = await join([...masters, fourth]);
    const all = [...masters, fourth, fifth];
    await votersEverywhere(all, idsOf(all));
    const view = await raftView(fifth);
    expect(view.learners).toEqual([]);
    expect(view.applied_index).toBeGreaterThanOrEqual((await raftView(leader)).commit_index - 1);
    await survivesLosing(all, 2, "grown", 3);
  }, 120_000);

  test("shrink 5→3, the leader among the removed: each removed master stops; then one may fail", async () => {
    const masters = await startRaftMasters(5, testRaftTiming);
    const leader = await waitForLeader(masters);
    await setWeight(leader, "shrunk", 2);
    const follower = masters.find((m) => m !== leader)!;
    // Ask a master that stays; it redirects to the leader.
    const stays = masters.filter((m) => m !== leader && m !== follower);
    await changeMembers(stays[0]!, { remove: follower.id });
    await changeMembers(stays[0]!, { remove: leader.id });
    const removedExits = await Promise.all([follower.proc.exited, leader.proc.exited]);
    for (const exit of removedExits) expect(exit.code).toBe(0);
    await votersEverywhere(stays, idsOf(stays));
    await survivesLosing(stays, 1, "shrunk", 2);
  }, 120_000);

  test("replace one: the new master joins first, then the old one is removed and stops", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const leader = await waitForLeader(masters);
    await setWeight(leader, "replaced", 4);
    const old = masters.find((m) => m !== leader)!;
    const fresh = await join(masters);
    await changeMembers(leader, { remove: old.id });
    expect((await old.proc.exited).code).toBe(0);
    const now = [...masters.filter((m) => m !== old), fresh];
    await votersEverywhere(now, idsOf(now));
    await survivesLosing(now, 1, "replaced", 4);
  }, 120_000);

  test("a cluster of one leads at once and grows to three with --join", async () => {
    const [solo] = await startRaftMasters(1, testRaftTiming);
    await waitForLeader([solo!], 5_000);
    await setWeight(solo!, "solo", 5);
    const second = await join([solo!]);
    const third = await join([solo!, second]);
    const all = [solo!, second, third];
    await votersEverywhere(all, idsOf(all));
    await survivesLosing(all, 1, "solo", 5);
  }, 120_000);

  test("a removed master restarted on its old log stops again; bad requests get 400 naming the field", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const leader = await waitForLeader(masters);
    const bad = await fetch(`${leader.url}/master/raft/members`, { method: "POST", body: JSON.stringify({ add: "nope" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("add:");
    const victim = masters.find((m) => m !== leader)!;
    // Down while it is removed: it never sees the entry that removes it.
    victim.proc.child.kill("SIGKILL");
    await victim.proc.exited;
    await changeMembers(leader, { remove: victim.id });
    const restarted = await startRaftMaster(victim.port, idsOf(masters), testRaftTiming, victim.workDir);
    const exit = await restarted.proc.exited;
    expect(exit.code).toBe(0);
    expect(restarted.proc.stderr()).toContain("no longer includes this master");
  }, 120_000);
});
