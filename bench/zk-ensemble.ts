// A 3-server zk-lite ensemble (--peers, Raft) against a 3-server Apache ZooKeeper 3.8 ensemble on
// this machine, same client, same workload, one run.
//
//   bun bench/zk-ensemble.ts [--seconds=2] [--rounds=3] [--only=zk-lite|zookeeper]
//
// Each server is its own process on 127.0.0.1 with its data on the same disk; both fsync before
// acknowledging (zk-lite's Raft log on every member before it acks the leader; ZooKeeper's
// forceSync=yes). Client k connects to server k mod 3, followers first, so the single client of
// the 1-client rows talks to a follower (its writes go through the leader) and 16 clients spread
// over all three. Rows: durable creates/s, getData/s and setData/s with 1 and 16 clients (one
// connection each, one request outstanding per client), with p50/p99 latency, and failover: the
// milliseconds from SIGKILL of the leader until a client gets a write acknowledged by one of the
// two others (median of FAILOVERS kills; the killed server is restarted in between). Both run with
// their defaults: zk-lite --raft_heartbeat_interval=100ms --raft_election_timeout=1s, ZooKeeper
// tickTime=2000 initLimit=10 syncLimit=5. The ratio column is zk-lite / ZooKeeper; for throughput
// higher is better, for latency lower is better.

import { Ensemble, ZkLiteEnsemble, ZooKeeperEnsemble } from "../test/zk/ensembles.ts";
import { RawZkClient } from "../test/zk/raw-client.ts";
import { CLIENT_COUNTS, createBenchNodes, fmt, median, OPS, PAYLOAD, runClients, throughputRows, type RowResult } from "./zk-workload.ts";
import { zookeeperInstalled } from "../test/zk/servers.ts";

type Kind = "zk-lite" | "zookeeper";
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const SECONDS = Number(args.get("seconds") ?? 2);
const ROUNDS = Number(args.get("rounds") ?? 3);
const ONLY = args.get("only") as Kind | undefined;

const WARMUP_MS = 3000;
const FAILOVERS = Number(args.get("failovers") ?? 3);
/** One connect-and-create attempt against a server that may not serve (yet). */
const ATTEMPT_TIMEOUT_MS = 2000;

interface Bench {
  readonly kind: Kind;
  readonly ensemble: Ensemble;
  readonly clients: RawZkClient[];
}

async function prepare(kind: Kind): Promise<Bench> {
  const options = { maxClientCnxns: 0, whitelist: ["srvr"], heartbeatIntervalMs: 100, electionTimeoutMs: 1000 };
  const ensemble: Ensemble = kind === "zk-lite" ? await ZkLiteEnsemble.start(options) : await ZooKeeperEnsemble.start(options);
  const leader = await ensemble.waitServing();
  const order = [...ensemble.members.map((m) => m.index).filter((i) => i !== leader), leader];
  const clients = await Promise.all(
    Array.from({ length: Math.max(...CLIENT_COUNTS) }, (_, k) => RawZkClient.connect(ensemble.members[order[k % order.length]!]!.clientPort, { timeoutMs: 30_000 })),
  );
  const setup = clients[0]!;
  await createBenchNodes(setup, ROUNDS, clients.length);
  // Every client must see the nodes it reads before the clock starts.
  await Promise.all(clients.map((c) => c.sync("/bench")));
  for (const op of OPS) await runClients(clients, op, WARMUP_MS / 3, "warm");
  return { kind, ensemble, clients };
}

/** One attempt: a new session on server `port` and a create; true once acknowledged. */
async function tryWrite(port: number, path: string): Promise<boolean> {
  let client: RawZkClient | null = null;
  const attempt = (async () => {
    client = await RawZkClient.connect(port, { timeoutMs: 30_000 });
    return (await client.create(path, PAYLOAD)).err === 0;
  })();
  const timeout = Bun.sleep(ATTEMPT_TIMEOUT_MS).then(() => false);
  try {
    return await Promise.race([attempt, timeout]);
  } catch (e) {
    void e; // refused or dropped while the ensemble elects: try again
    return false;
  } finally {
    (client as RawZkClient | null)?.close();
    attempt.catch(() => {});
  }
}

/** SIGKILL of the leader until a write is acknowledged by one of the others; restarts the killed one. */
async function failoverMs(e: Ensemble, round: number): Promise<number> {
  const leader = await e.waitServing();
  const others = e.members.map((m) => m.index).filter((i) => i !== leader);
  await e.stopMember(leader, "SIGKILL");
  const killedAt = performance.now();
  let elapsed = NaN;
  for (let attempt = 0; Number.isNaN(elapsed); attempt++) {
    const i = others[attempt % others.length]!;
    if (await tryWrite(e.members[i]!.clientPort, `/bench/failover-${round}-${attempt}`)) elapsed = performance.now() - killedAt;
    else await Bun.sleep(10);
  }
  e.startMember(leader);
  await e.waitServing();
  return elapsed;
}

async function failoverRows(benches: Bench[]): Promise<Map<Kind, number>> {
  const out = new Map<Kind, number>();
  for (const b of benches) {
    const runs: number[] = [];
    for (let r = 0; r < FAILOVERS; r++) {
      runs.push(await failoverMs(b.ensemble, r));
      process.stderr.write(`  ${b.kind} failover ${r}: ${runs[runs.length - 1]!.toFixed(0)} ms\n`);
    }
    out.set(b.kind, median(runs));
  }
  return out;
}

async function main(): Promise<void> {
  const kinds: Kind[] = (["zk-lite", "zookeeper"] as const).filter((k) => (ONLY === undefined || ONLY === k) && (k === "zk-lite" || zookeeperInstalled()));
  if (!kinds.includes("zookeeper") && ONLY !== "zk-lite") console.log("bench/zk-ensemble: Apache ZooKeeper not installed (apt-get install -y zookeeper); zk-lite only");
  process.stderr.write(`starting 3-server ensembles of ${kinds.join(" and ")}...\n`);
  const benches: Bench[] = [];
  let results: Map<Kind, Map<string, RowResult>>;
  let failovers: Map<Kind, number>;
  try {
    for (const kind of kinds) benches.push(await prepare(kind));
    results = await throughputRows(benches, ROUNDS, SECONDS);
    for (const b of benches) for (const c of b.clients) c.close();
    failovers = await failoverRows(benches);
  } finally {
    for (const b of benches) {
      for (const c of b.clients) c.close();
      await b.ensemble.destroy();
    }
  }
  const lite = results.get("zk-lite");
  const zk = results.get("zookeeper");
  const rows: [string, number | undefined, number | undefined, "higher" | "lower", number][] = [];
  for (const op of OPS) {
    for (const n of CLIENT_COUNTS) {
      const key = `${op} x${n}`;
      const label = `${op === "create" ? "durable create" : op === "setData" ? "durable setData" : "getData"}, ${n} client${n > 1 ? "s" : ""}`;
      rows.push([`${label} (ops/s)`, lite?.get(key)?.opsPerSec, zk?.get(key)?.opsPerSec, "higher", 0]);
      rows.push([`${label} p50 (ms)`, lite?.get(key)?.p50Ms, zk?.get(key)?.p50Ms, "lower", 3]);
      rows.push([`${label} p99 (ms)`, lite?.get(key)?.p99Ms, zk?.get(key)?.p99Ms, "lower", 3]);
    }
  }
  rows.push([`failover: SIGKILL of the leader to a write acknowledged (ms, median of ${FAILOVERS})`, failovers.get("zk-lite"), failovers.get("zookeeper"), "lower", 0]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  console.log(`\n3-server zk-lite ensemble vs 3-server Apache ZooKeeper 3.8 ensemble (median of ${ROUNDS} alternating ${SECONDS}s runs per row, ${PAYLOAD.length}-byte data, fsync on for both; client k on server k mod 3, followers first)`);
  console.log(`${"row".padEnd(width)}${"zk-lite".padStart(12)}${"zookeeper".padStart(12)}${"ratio".padStart(9)}  ok?`);
  let misses = 0;
  for (const [label, a, b, better, digits] of rows) {
    const ratio = a !== undefined && b !== undefined ? a / b : NaN;
    const good = Number.isFinite(ratio) ? (better === "higher" ? ratio >= 1 : ratio <= 1) : null;
    if (good === false) misses++;
    console.log(`${label.padEnd(width)}${fmt(a ?? NaN, digits).padStart(12)}${fmt(b ?? NaN, digits).padStart(12)}${fmt(ratio, 2).padStart(9)}  ${good === null ? "" : good ? "yes" : "NO"} (${better} is better)`);
  }
  if (kinds.length === 2) console.log(misses === 0 ? "the zk-lite ensemble is at or above ZooKeeper's on every row" : `the zk-lite ensemble misses ${misses} row(s)`);
}

await main();
process.exit(0);
