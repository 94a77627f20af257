import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock, SeededRandom } from "../../runtime/index.ts";
import { FileStorage } from "../storage/file-storage.ts";
import { MemoryStorage } from "../storage/memory-storage.ts";
import { DriverCluster, ListStateMachine, text, waitFor } from "../testing/driver-cluster.ts";
import { NotLeaderError, ProposalRefusedError } from "./errors.ts";
import { RaftDriver } from "./raft-driver.ts";
import type { Timers } from "./types.ts";

let cluster: DriverCluster | undefined;
const dirs: string[] = [];

afterEach(() => {
  cluster?.stopAll();
  cluster = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function three(extra = {}): DriverCluster {
  cluster = new DriverCluster(extra);
  for (const id of ["a", "b", "c"]) cluster.start(id, { bootstrap: ["a", "b", "c"] });
  return cluster;
}

describe("RaftDriver", () => {
  test("elects a leader; a proposal resolves once committed and applied; followers apply it too", async () => {
    const c = three();
    const leader = await c.leader();
    const committed = await leader.driver.propose(text("x"));
    expect(committed.index).toBeGreaterThan(2);
    expect(leader.sm.items).toEqual(["x"]);
    for (const m of c.members.values()) await waitFor(() => m.sm.items.length === 1, 2000, `${m.id} applies`);
    const metrics = leader.driver.metrics();
    expect(metrics.isLeader).toBe(true);
    expect(metrics.appliedIndex).toBe(committed.index);
    expect(metrics.applyLagEntries).toBe(0);
    expect(metrics.lastElectionDurationMs).not.toBeNull();
    expect(leader.events.some((e) => e.type === "leaderChanged" && e.leader === leader.id)).toBe(true);
  });

  test("a follower refuses a proposal and names the leader", async () => {
    const c = three();
    const leader = await c.leader();
    const follower = [...c.members.values()].find((m) => m !== leader)!;
    const error = await follower.driver.propose(text("y")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotLeaderError);
    expect((error as NotLeaderError).leader).toBe(leader.id);
  });

  test("a cut-off leader steps down; the others elect a new one and keep committing", async () => {
    const c = three();
    const first = await c.leader();
    c.network.isolate(first.id);
    const rest = [...c.members.keys()].filter((id) => id !== first.id);
    const second = await c.leader(rest);
    expect(second.id).not.toBe(first.id);
    await second.driver.propose(text("after"));
    await waitFor(() => !first.driver.isLeader(), 2000, "old leader steps down");
    c.network.heal();
    await waitFor(() => first.sm.items.includes("after"), 3000, "old leader catches up");
    expect(second.driver.metrics().leaderChanges).toBeGreaterThanOrEqual(1);
  });

  test("grow 3 -> 5 online with learners, then remove the leader", async () => {
    const c = three();
    const leader = await c.leader();
    await leader.driver.propose(text("before"));
    c.start("d");
    c.start("e");
    await leader.driver.addServer("d", 3000);
    await leader.driver.addServer("e", 3000);
    expect(leader.driver.conf()).toEqual({ voters: ["a", "b", "c", "d", "e"], learners: [] });
    await waitFor(() => c.get("e").sm.items.includes("before"), 2000, "e has the log");
    await leader.driver.removeServer(leader.id);
    expect(leader.events.some((e) => e.type === "removed")).toBe(true);
    const rest = [...c.members.keys()].filter((id) => id !== leader.id);
    const next = await c.leader(rest);
    expect(next.driver.conf().voters).toEqual(rest);
    await next.driver.propose(text("after"));
  });

  test("one membership change at a time", async () => {
    const c = three();
    const leader = await c.leader();
    const first = leader.driver.changeMembership({ type: "addLearner", node: "d" });
    const second = leader.driver.changeMembership({ type: "addLearner", node: "e" }).catch((e: unknown) => e);
    await first;
    const error = await second;
    expect(error).toBeInstanceOf(ProposalRefusedError);
    expect((error as ProposalRefusedError).reason).toBe("confChangePending");
  });

  test("snapshots compact the log; a restarted member restores its state from storage", async () => {
    const dir = mkdtempSync(join(tmpdir(), "raft-driver-"));
    dirs.push(dir);
    cluster = new DriverCluster({ snapshotEntriesMax: 5 });
    const c = cluster;
    c.start("a", { bootstrap: ["a"], storage: FileStorage.open(dir) });
    const leader = await c.leader();
    for (let i = 0; i < 12; i++) await leader.driver.propose(text(`v${i}`));
    expect(leader.driver.metrics().snapshotIndex).toBeGreaterThan(0);
    expect(leader.events.some((e) => e.type === "snapshotTaken")).toBe(true);
    leader.driver.stop();
    const again = c.start("a", { storage: FileStorage.open(dir) });
    expect(again.sm.restoredAt).toBeGreaterThan(0);
    await c.leader();
    await waitFor(() => again.sm.items.length === 12, 2000, "replay after the snapshot");
    expect(again.sm.items).toEqual(Array.from({ length: 12 }, (_, i) => `v${i}`));
  });

  test("a lagging new member gets the leader's snapshot", async () => {
    cluster = new DriverCluster({ snapshotEntriesMax: 4 });
    const c = cluster;
    c.start("a", { bootstrap: ["a"] });
    const leader = await c.leader();
    for (let i = 0; i < 10; i++) await leader.driver.propose(text(`v${i}`));
    const d = c.start("d");
    await leader.driver.addServer("d", 3000);
    await waitFor(() => d.sm.items.length === 10, 2000, "d catches up");
    expect(d.events.some((e) => e.type === "snapshotInstalled")).toBe(true);
  });

  test("ticks come from the injected timers; no timer fires after stop", () => {
    let fire: (() => void) | undefined;
    let cleared = false;
    const timers: Timers = {
      setInterval: (fn) => {
        fire = fn;
        return 1;
      },
      clearInterval: () => {
        cleared = true;
      },
    };
    const turns: Array<() => void> = [];
    const driver = soloDriver(timers, turns);
    driver.start();
    for (let i = 0; i < 25 && !driver.isLeader(); i++) {
      fire!();
      while (turns.length > 0) turns.shift()!();
    }
    expect(driver.isLeader()).toBe(true);
    driver.stop();
    expect(cleared).toBe(true);
  });

  test("campaign() elects a single voter on the next turn, without a tick; a leader ignores it", () => {
    const turns: Array<() => void> = [];
    const driver = soloDriver({ setInterval: () => 1, clearInterval: () => {} }, turns);
    driver.start();
    driver.campaign();
    while (turns.length > 0) turns.shift()!();
    expect(driver.isLeader()).toBe(true);
    const term = driver.term();
    driver.campaign();
    while (turns.length > 0) turns.shift()!();
    expect(driver.term()).toBe(term);
    driver.stop();
  });
});

/** A single-voter driver on the given timers, its turns queued in `turns` for the test to run. */
function soloDriver(timers: Timers, turns: Array<() => void>): RaftDriver {
  return new RaftDriver({
    id: "solo",
    storage: new MemoryStorage(),
    transport: { send: () => {}, onMessage: () => {} },
    stateMachine: new ListStateMachine(),
    clock: new ManualClock(0),
    random: new SeededRandom(1),
    bootstrapVoters: ["solo"],
    timers,
    schedule: (fn) => turns.push(fn),
  });
}
