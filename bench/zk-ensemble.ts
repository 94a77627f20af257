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
import { zookeeperInstalled } from "../test/zk/servers.ts";

type Kind = "zk-lite" | "zookeeper";
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const SECONDS = Number(args.get("seconds") ?? 2);
const ROUNDS = Number(args.get("rounds") ?? 3);
const ONLY = args.get("only") as Kind | undefined;
const DATA_BYTES = 100;
const WARMUP_MS = 3000;
const CLIENT_COUNTS = [1, 16];
const PAYLOAD = "x".repeat(DATA_BYTES);
const OPS = ["create", "getData", "setData"] as const;
const FAILOVERS = Number(args.get("failovers") ?? 3);
/** One connect-and-create attempt against a server that may not serve (yet). */
const ATTEMPT_TIMEOUT_MS = 2000;
type Op = (typeof OPS)[number];

interface RowResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

interface Bench {
  readonly kind: Kind;
  readonly ensemble: Ensemble;
  readonly clients: RawZkClient[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function runClients(clients: RawZkClient[], op: Op, durationMs: number, tag: string): Promise<RowResult> {
  const latencies: number[] = [];
  let ops = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    clients.map(async (c, k) => {
      const own = `/bench/${tag}-own-${k}`;
      let i = 0;
      while (performance.now() < deadline) {
        i++;
        const t0 = performance.now();
        const r = op === "create" ? await c.create(`/bench/${tag}-${k}-${i}`, PAYLOAD) : op === "getData" ? await c.getData(own) : await c.setData(own, PAYLOAD);
        latencies.push(performance.now() - t0);
        if (r.err !== 0) throw new Error(`${op} failed with ${r.err}`);
        ops++;
      }
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return { opsPerSec: ops / elapsedS, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99) };
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
  await setup.create("/bench");
  for (const n of CLIENT_COUNTS) for (let r = 0; r < ROUNDS; r++) for (let k = 0; k < n; k++) await setup.create(`/bench/c${n}r${r}-own-${k}`, PAYLOAD);
  for (let k = 0; k < clients.length; k++) await setup.create(`/bench/warm-own-${k}`, PAYLOAD);
  // Every client must see the nodes it reads before the clock starts.
  await Promise.all(clients.map((c) => c.sync("/bench")));
  for (const op of OPS) await runClients(clients, op, WARMUP_MS / 3, "warm");
  return { kind, ensemble, clients };
}

/** Each row runs ROUNDS times per ensemble, alternating which goes first; the median is reported. */
async function throughputRows(benches: Bench[]): Promise<Map<Kind, Map<string, RowResult>>> {
  const out = new Map<Kind, Map<string, RowResult>>(benches.map((b) => [b.kind, new Map()]));
  for (const op of OPS) {
    for (const n of CLIENT_COUNTS) {
      const runs = new Map<Kind, RowResult[]>(benches.map((b) => [b.kind, []]));
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? benches : [...benches].reverse();
        for (const b of order) {
          const res = await runClients(b.clients.slice(0, n), op, SECONDS * 1000, `c${n}r${r}`);
          runs.get(b.kind)!.push(res);
          process.stderr.write(`  ${b.kind} ${op} x${n} round ${r}: ${res.opsPerSec.toFixed(0)} ops/s p50 ${res.p50Ms.toFixed(3)} ms p99 ${res.p99Ms.toFixed(3)} ms\n`);
        }
      }
      for (const [kind, list] of runs) {
        out.get(kind)!.set(`${op} x${n}`, {
          opsPerSec: median(list.map((x) => x.opsPerSec)),
          p50Ms: median(list.map((x) => x.p50Ms)),
          p99Ms: median(list.map((x) => x.p99Ms)),
        });
      }
    }
  }
  return out;
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

function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "-";
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
    results = await throughputRows(benches);
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
  console.log(`\n3-server zk-lite ensemble vs 3-server Apache ZooKeeper 3.8 ensemble (median of ${ROUNDS} alternating ${SECONDS}s runs per row, ${DATA_BYTES}-byte data, fsync on for both; client k on server k mod 3, followers first)`);
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
