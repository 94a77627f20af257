// The Raft implementation on this machine, one run:
//
//   bun bench/consensus.ts [--seconds=2] [--payload=200] [--clients=1,64] [--seeds=300]
//
// Rows:
//   core            three RaftNodes stepped by hand (no I/O): entries committed per second
//   durable 1/3     RaftDrivers on FileStorage in a temp dir (write + fsync per Ready) over the
//                   in-process network, with 1 or 64 clients each keeping one proposal
//                   outstanding: commits/s and p50/p99 commit latency (propose to applied)
//   failover        three drivers at the default timing (tick 50 ms, election 10 ticks); the
//                   leader is cut off; time until a new leader has committed a write (median
//                   of 5), and the electionDuration the drivers report
//   simulation      seeds per second of test/sim on this thread

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { realClock, SeededRandom } from "../internal/runtime/index.ts";
import {
  bootstrapStoredState,
  FileStorage,
  MemoryNetwork,
  RaftDriver,
  RaftNode,
  raftConfigDefaults,
  type Message,
  type NodeId,
  type RaftStorage,
} from "../internal/consensus/index.ts";
import { ListStateMachine } from "../internal/consensus/testing/index.ts";
import { runSimulation } from "../test/sim/simulation.ts";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const SECONDS = Number(args.get("seconds") ?? 2);
const PAYLOAD_BYTES = Number(args.get("payload") ?? 200);
const CLIENTS = (args.get("clients") ?? "1,64").split(",").map(Number);
const SEEDS = Number(args.get("seeds") ?? 300);
const payload = new Uint8Array(PAYLOAD_BYTES).fill(120);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Three cores, messages passed by hand, Readys drained in rounds; proposals in batches of 64. */
function benchCore(): number {
  const ids = ["a", "b", "c"];
  const nodes = new Map(
    ids.map((id) => [id, new RaftNode({ config: { id, ...raftConfigDefaults }, random: new SeededRandom(1), stored: bootstrapStoredState(ids) })]),
  );
  let queue: Message[] = [];
  const pump = (): void => {
    for (let round = 0; round < 100; round++) {
      for (const node of nodes.values()) {
        while (node.hasReady()) {
          const rd = node.ready();
          queue.push(...rd.messages);
          node.advance(rd);
        }
      }
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      for (const m of batch) nodes.get(m.to)!.step(m);
    }
  };
  nodes.get("a")!.campaign();
  pump();
  const leader = nodes.get("a")!;
  const deadline = performance.now() + SECONDS * 1000;
  const start = leader.status().commit;
  while (performance.now() < deadline) {
    for (let i = 0; i < 64; i++) leader.propose(payload);
    pump();
  }
  return (leader.status().commit - start) / SECONDS;
}

interface DurableResult {
  commitsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

function startDrivers(ids: NodeId[], dirs: string[], network: MemoryNetwork): RaftDriver[] {
  return ids.map((id, i) => {
    const storage: RaftStorage = FileStorage.open(dirs[i]!);
    const driver = new RaftDriver({
      id,
      storage,
      transport: network.transport(id),
      stateMachine: new ListStateMachine(),
      clock: realClock,
      random: new SeededRandom(i + 1),
      bootstrapVoters: ids,
      snapshotEntriesMax: 1_000_000,
    });
    driver.start();
    return driver;
  });
}

async function waitLeader(drivers: RaftDriver[], timeoutMs = 10_000): Promise<RaftDriver> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const leader = drivers.find((d) => d.isLeader());
    if (leader !== undefined) return leader;
    if (performance.now() > deadline) throw new Error("no leader");
    await Bun.sleep(2);
  }
}

async function benchDurable(members: number, clients: number): Promise<DurableResult> {
  const ids = Array.from({ length: members }, (_, i) => `n${i}`);
  const dirs = ids.map(() => mkdtempSync(join(tmpdir(), "raft-bench-")));
  const drivers = startDrivers(ids, dirs, new MemoryNetwork());
  try {
    const leader = await waitLeader(drivers);
    const latencies: number[] = [];
    const deadline = performance.now() + SECONDS * 1000;
    const client = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await leader.propose(payload);
        latencies.push(performance.now() - t);
      }
    };
    await Promise.all(Array.from({ length: clients }, client));
    latencies.sort((a, b) => a - b);
    return { commitsPerSec: latencies.length / SECONDS, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  } finally {
    for (const d of drivers) d.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Cuts the leader off; returns ms until another member commits a write, and its reported election time. */
async function benchFailoverOnce(): Promise<{ failoverMs: number; electionMs: number }> {
  const ids = ["a", "b", "c"];
  const dirs = ids.map(() => mkdtempSync(join(tmpdir(), "raft-bench-")));
  const network = new MemoryNetwork();
  const drivers = startDrivers(ids, dirs, network);
  try {
    const old = await waitLeader(drivers);
    await old.propose(payload);
    const t = performance.now();
    network.isolate(old.id);
    const rest = drivers.filter((d) => d !== old);
    for (;;) {
      const next = rest.find((d) => d.isLeader());
      if (next !== undefined) {
        await next.propose(payload);
        return { failoverMs: performance.now() - t, electionMs: next.metrics().lastElectionDurationMs ?? NaN };
      }
      await Bun.sleep(1);
    }
  } finally {
    for (const d of drivers) d.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

function benchSimulation(): number {
  const t = performance.now();
  for (let seed = 1; seed <= SEEDS; seed++) runSimulation({ seed });
  return SEEDS / ((performance.now() - t) / 1000);
}

const rows: string[] = [];
rows.push(`core (3 nodes, no I/O)          ${benchCore().toFixed(0)} entries/s`);
for (const members of [1, 3]) {
  for (const clients of CLIENTS) {
    const r = await benchDurable(members, clients);
    rows.push(
      `durable ${members} member(s), ${String(clients).padStart(2)} client(s)  ${r.commitsPerSec.toFixed(0)} commits/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms`,
    );
  }
}
const failovers: Array<{ failoverMs: number; electionMs: number }> = [];
for (let i = 0; i < 5; i++) failovers.push(await benchFailoverOnce());
failovers.sort((a, b) => a.failoverMs - b.failoverMs);
const median = failovers[2]!;
rows.push(`failover (tick 50 ms)            ${median.failoverMs.toFixed(0)} ms to a new leader's first commit (election ${median.electionMs.toFixed(0)} ms as reported)`);
rows.push(`simulation                       ${benchSimulation().toFixed(0)} seeds/s on one thread`);
console.log(rows.join("\n"));
