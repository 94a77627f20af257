// Three masters running the built-in Raft (--masters) as real processes on 127.0.0.1: one leads
// and the others redirect to it; SIGKILL or SIGSTOP the leader and another leads; a resumed
// leader rejoins as a follower without disturbing its successor; a minority cannot elect; an agent
// and a framework follow a failover with a running task untouched and every status update
// delivered; bad --masters/--quorum exit 2.

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { cleanupAll, runCluster } from "./helpers/cluster.ts";
import { commandTask, eventually, getJson, startTestAgent, TestFramework } from "./helpers/e2e.ts";
import {
  elected,
  heal,
  json,
  partition,
  raftView,
  restartRaftMaster,
  startRaftMasters,
  testRaftTiming,
  waitForLeader,
  type RaftMasterProcess,
} from "./helpers/raft-masters.ts";

const frameworks: TestFramework[] = [];
afterEach(async () => {
  for (const framework of frameworks.splice(0)) await framework.close();
  cleanupAll();
});
afterAll(cleanupAll);

const listOf = (masters: readonly RaftMasterProcess[]): string[] => masters.map((m) => m.id);

describe("three masters", () => {
  test("one leads; the others redirect to it and name it; master/elected is 1 on the leader only", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const leader = await waitForLeader(masters);
    const followers = masters.filter((m) => m !== leader);
    for (const follower of followers) {
      const redirect = await fetch(`${follower.url}/master/redirect`, { redirect: "manual" });
      expect(redirect.status).toBe(307);
      expect(redirect.headers.get("location")).toEndWith(`:${leader.port}`);
      const call = await fetch(`${follower.url}/api/v1/scheduler`, { method: "POST", body: "{}", redirect: "manual" });
      expect(call.status).toBe(307);
      expect(call.headers.get("location")).toEndWith(`:${leader.port}/api/v1/scheduler`);
      expect((await json(`${follower.url}/master/state`)).leader_info.port).toBe(leader.port);
      expect(await elected(follower)).toBe(false);
    }
    expect((await json(`${leader.url}/master/state`)).leader).toContain(`:${leader.port}`);
    const views = await Promise.all(masters.map((m) => raftView(m)));
    for (const view of views) {
      expect(view.leader).toBe(leader.id);
      expect(view.voters).toEqual(listOf(masters).sort());
      expect(view.term).toBe(views[0].term);
    }
    const metrics = await json(`${leader.url}/metrics/snapshot`);
    expect(metrics["master/raft/is_leader"]).toBe(1);
    expect(metrics["master/raft/term"]).toBe(views[0].term);
    expect(metrics["master/raft/apply_lag"]).toBe(0);
    expect(metrics["master/raft/commit_index"]).toBeGreaterThanOrEqual(2);
    expect(metrics["master/raft/leader_changes"]).toBeGreaterThanOrEqual(1);
    expect(metrics["master/raft/election_duration_ms"]).toBeGreaterThan(0);
  }, 60_000);

  test("SIGKILL the leader: another leads at a higher term; restarted, the old one follows", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const first = await waitForLeader(masters);
    const firstTerm = (await raftView(first)).term;
    first.proc.child.kill("SIGKILL");
    await first.proc.exited;
    const second = await waitForLeader(masters.filter((m) => m !== first));
    const secondTerm = (await raftView(second)).term;
    expect(secondTerm).toBeGreaterThan(firstTerm);
    await restartRaftMaster(first, listOf(masters), testRaftTiming);
    await eventually(async () => ((await raftView(first))?.leader === second.id ? true : undefined), 15_000, "the restarted master follows the new leader");
    expect(await elected(first)).toBe(false);
    expect((await raftView(second)).term).toBe(secondTerm);
  }, 60_000);

  test("SIGSTOP the leader: it is replaced; after SIGCONT it follows and the new leader keeps its term", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const first = await waitForLeader(masters);
    first.proc.child.kill("SIGSTOP");
    try {
      const second = await waitForLeader(masters.filter((m) => m !== first));
      const term = (await raftView(second)).term;
      first.proc.child.kill("SIGCONT");
      await eventually(async () => ((await raftView(first))?.leader === second.id ? true : undefined), 15_000, "the resumed master follows");
      // Pre-vote and check-quorum: the resumed master neither campaigns nor bumps the term.
      await Bun.sleep(1500);
      const after = await raftView(second);
      expect(after.role).toBe("leader");
      expect(after.term).toBe(term);
      expect(await elected(first)).toBe(false);
      expect(await elected(second)).toBe(true);
    } finally {
      first.proc.child.kill("SIGCONT");
    }
  }, 60_000);

  test("a minority cut off cannot elect; the cut-off leader steps down; healed, nobody is disturbed", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const first = await waitForLeader(masters);
    const follower = masters.find((m) => m !== first)!;
    // A follower alone: it cannot win, and with pre-vote it does not even raise its term.
    await partition([follower], masters.filter((m) => m !== follower));
    const term = (await raftView(first)).term;
    await Bun.sleep(2000);
    expect(await elected(follower)).toBe(false);
    expect((await raftView(follower)).term).toBe(term);
    expect((await raftView(first)).role).toBe("leader");
    await heal(masters);
    // The leader alone: it steps down (check-quorum) and the two others elect.
    await partition([first], masters.filter((m) => m !== first));
    const second = await waitForLeader(masters.filter((m) => m !== first));
    await eventually(async () => ((await raftView(first))?.role !== "leader" ? true : undefined), 10_000, "the cut-off leader steps down");
    expect(await elected(first)).toBe(false);
    const secondTerm = (await raftView(second)).term;
    await heal(masters);
    await eventually(async () => ((await raftView(first))?.leader === second.id ? true : undefined), 10_000, "the healed master follows");
    await Bun.sleep(1000);
    expect((await raftView(second)).term).toBe(secondTerm);
    expect(await elected(second)).toBe(true);
  }, 60_000);

  test("an agent and a framework follow a failover: the running task is untouched and every update arrives", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const first = await waitForLeader(masters);
    const list = listOf(masters).join(",");
    const agent = await startTestAgent(list, ["--resources=cpus:2;mem:512"]);
    const f = new TestFramework(listOf(masters));
    frameworks.push(f);
    await f.subscribe();
    const offer = await f.nextOffer();
    await f.client.launch([offer.id], [commandTask(offer, "long", "sleep 60"), commandTask(offer, "short", "sleep 3")]);
    await f.status("long", "TASK_RUNNING");
    await f.status("short", "TASK_RUNNING");
    const runBefore = (await getJson(`${agent.url}/state`)).frameworks[0].executors.find((e: any) => e.id === "long")?.container;
    expect(runBefore).toBeDefined();
    first.proc.child.kill("SIGKILL");
    const killedAtMs = performance.now();
    const second = await waitForLeader(masters.filter((m) => m !== first));
    const electedAtMs = performance.now();
    await eventually(async () => ((await getJson(`${second.url}/master/state`)).slaves.some((s: any) => s.active) ? true : undefined), 15_000, "agent re-registered");
    const agentBackMs = performance.now() - electedAtMs;
    // The short task finished during or after the failover: its update still reaches the framework.
    await f.status("short", "TASK_FINISHED", 30_000);
    const offersAfter = f.events.length;
    await f.nextOffer(() => true, offersAfter).catch(() => undefined);
    const state = await getJson(`${second.url}/master/state`);
    const tasks = state.frameworks.flatMap((fw: any) => fw.tasks);
    expect(tasks.find((t: any) => t.id === "long")?.state).toBe("TASK_RUNNING");
    expect((await getJson(`${agent.url}/state`)).frameworks[0].executors.find((e: any) => e.id === "long")?.container).toBe(runBefore);
    expect(f.statesOf("long")).toEqual(["TASK_STARTING", "TASK_RUNNING"]);
    expect(f.statesOf("short")).toEqual(["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]);
    // The new leader's commands carry the new epoch and reach the agent: kill the long task.
    await f.client.kill({ value: "long" });
    await f.status("long", "TASK_KILLED", 15_000);
    console.log(`failover: new leader ${Math.round(electedAtMs - killedAtMs)} ms after the kill, agent back ${Math.round(agentBackMs)} ms after that`);
  }, 90_000);

  test("/master/redirect?leader_not= waits on a follower until another master leads; a bad wait is 400", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const first = await waitForLeader(masters);
    const follower = masters.find((m) => m !== first)!;
    const ask = (query: string) => fetch(`${follower.url}/master/redirect?leader_not=${first.id}&${query}`, { redirect: "manual" });
    const bad = await ask("wait=forever");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("'wait'");
    expect((await ask("wait=2mins")).status).toBe(400);
    // No news within the wait (the leader named by ip, as agents do from --master lists): 304.
    expect((await ask("wait=200ms")).status).toBe(304);
    // The leader asked about itself answers at once: an agent must not hold its question there.
    expect((await fetch(`${first.url}/master/redirect?leader_not=${first.id}&wait=30secs`, { redirect: "manual" })).status).toBe(409);
    const held = ask("wait=30secs");
    await Bun.sleep(200);
    first.proc.child.kill("SIGKILL");
    const answer = await held;
    const second = await waitForLeader(masters.filter((m) => m !== first));
    expect(answer.status).toBe(307);
    expect(answer.headers.get("location")).toEndWith(`:${second.port}`);
  }, 60_000);

  test("an agent leaves a frozen leader for its successor without waiting for pings", async () => {
    const masters = await startRaftMasters(3, testRaftTiming);
    const first = await waitForLeader(masters);
    await startTestAgent(listOf(masters).join(","), ["--resources=cpus:1;mem:128"]);
    await eventually(async () => ((await getJson(`${first.url}/master/state`)).slaves.length === 1 ? true : undefined), 15_000, "agent registered");
    first.proc.child.kill("SIGSTOP");
    try {
      const second = await waitForLeader(masters.filter((m) => m !== first));
      const electedAtMs = performance.now();
      await eventually(async () => ((await getJson(`${second.url}/master/state`)).slaves.some((s: any) => s.active) ? true : undefined), 15_000, "agent re-registered with the new leader");
      const agentBackMs = performance.now() - electedAtMs;
      console.log(`frozen leader: agent back ${Math.round(agentBackMs)} ms after the new leader was elected`);
      // Seconds, not the 75 s of missed pings (15 s x 5) it would take without the watch; figures are in bench/failover.ts.
      expect(agentBackMs).toBeLessThan(10_000);
    } finally {
      first.proc.child.kill("SIGCONT");
    }
  }, 60_000);
});

describe("flags", () => {
  test("--quorum not a majority of --masters, or this master not in the list: exit 2 naming the flag", () => {
    const base = ["--mode=master", "--ip=127.0.0.1", "--port=15050", "--work_dir=/tmp/never-used-raft"];
    const quorum = runCluster([...base, "--masters=127.0.0.1:15050,127.0.0.1:15060,127.0.0.1:15070", "--quorum=3"]);
    expect(quorum.code).toBe(2);
    expect(quorum.stderr).toContain("--quorum");
    const missing = runCluster([...base, "--masters=127.0.0.1:15060,127.0.0.1:15070,127.0.0.1:15080", "--quorum=2"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--masters: this master, 127.0.0.1:15050");
    const noQuorum = runCluster([...base, "--masters=127.0.0.1:15050,127.0.0.1:15060,127.0.0.1:15070"]);
    expect(noQuorum.code).toBe(2);
    expect(noQuorum.stderr).toContain("missing flag --quorum");
    const help = runCluster(["--mode=master", "--help"]);
    expect(help.stdout).toContain("--masters");
    expect(help.stdout).not.toContain("raft_fault_injection");
  }, 60_000);
});
