// zk-lite against Apache ZooKeeper 3.8 on this machine, same client, same workload, one run.
//
//   bun bench/zk.ts [--seconds=2] [--rounds=3] [--znodes=100000] [--only=zk-lite|zookeeper]
//
// Each server runs in its own process with durability on (zk-lite fsyncs its txn log before
// replying; ZooKeeper runs with its default forceSync=yes, -Xmx1000m as zkEnv.sh sets) and data
// on the same disk. Rows:
// durable creates/s, getData/s and setData/s with 1 and with 16 concurrent clients (one
// connection each, one request outstanding per client), p50/p99 latency of each, and the server's
// resident memory after loading 100,000 znodes into a fresh instance. The ratio column is
// zk-lite / ZooKeeper; for throughput higher is better, for latency and memory lower is better.

import { RawZkClient } from "../test/zk/raw-client.ts";
import { CLIENT_COUNTS, createBenchNodes, fmt, OPS, PAYLOAD, runClients, throughputRows, type RowResult } from "./zk-workload.ts";
import { rssBytes, startServer, zookeeperInstalled, type RunningServer, type ServerKind } from "../test/zk/servers.ts";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const SECONDS = Number(args.get("seconds") ?? 2);
const ROUNDS = Number(args.get("rounds") ?? 3);
const ZNODES = Number(args.get("znodes") ?? 100_000);
const ONLY = args.get("only") as ServerKind | undefined;

const WARMUP_MS = 2000;

interface Bench {
  readonly kind: ServerKind;
  readonly server: RunningServer;
  readonly clients: RawZkClient[];
}

async function prepare(kind: ServerKind): Promise<Bench> {
  const server = await startServer(kind, { admin: false, maxClientCnxns: 0 });
  const clients = await Promise.all(Array.from({ length: Math.max(...CLIENT_COUNTS) }, () => RawZkClient.connect(server.port, { timeoutMs: 30_000 })));
  const setup = clients[0]!;
  await createBenchNodes(setup, ROUNDS, 1);
  // JIT warm-up for both: a little of each op before measuring.
  for (const op of OPS) await runClients(clients.slice(0, 1), op, WARMUP_MS / 3, "warm");
  return { kind, server, clients };
}

async function memoryRow(kind: ServerKind): Promise<{ rssBytes: number; loadSeconds: number }> {
  const server: RunningServer = await startServer(kind, { admin: false, maxClientCnxns: 0 });
  try {
    const clients = await Promise.all(Array.from({ length: 16 }, () => RawZkClient.connect(server.port, { timeoutMs: 30_000 })));
    await clients[0]!.create("/mem");
    const perClient = Math.ceil(ZNODES / clients.length);
    const started = performance.now();
    await Promise.all(
      clients.map(async (c, k) => {
        // Keep a window of requests in flight per client so loading does not take minutes.
        const window = 32;
        for (let base = 0; base < perClient; base += window) {
          const batch: Promise<unknown>[] = [];
          for (let i = base; i < Math.min(perClient, base + window); i++) {
            if (k * perClient + i < ZNODES) batch.push(c.create(`/mem/n${k}-${i}`, PAYLOAD));
          }
          await Promise.all(batch);
        }
      }),
    );
    const loadSeconds = (performance.now() - started) / 1000;
    const count = await clients[0]!.getAllChildrenNumber("/mem");
    if (count.body.int() !== ZNODES) throw new Error("not all znodes were created");
    for (const c of clients) c.close();
    await Bun.sleep(2000);
    return { rssBytes: rssBytes(server.pid), loadSeconds };
  } finally {
    await server.stop("SIGTERM");
  }
}

async function main(): Promise<void> {
  const kinds: ServerKind[] = (["zk-lite", "zookeeper"] as const).filter((k) => (ONLY === undefined || ONLY === k) && (k === "zk-lite" || zookeeperInstalled()));
  if (!kinds.includes("zookeeper") && ONLY !== "zk-lite") console.log("bench/zk: Apache ZooKeeper not installed (apt-get install -y zookeeper); zk-lite only");
  process.stderr.write(`starting ${kinds.join(" and ")}...\n`);
  const benches: Bench[] = [];
  for (const kind of kinds) benches.push(await prepare(kind));
  let results: Map<ServerKind, Map<string, RowResult>>;
  try {
    results = await throughputRows(benches, ROUNDS, SECONDS);
  } finally {
    for (const b of benches) {
      for (const c of b.clients) c.close();
      await b.server.stop("SIGTERM");
    }
  }
  const memory = new Map<ServerKind, { rssBytes: number; loadSeconds: number }>();
  for (const kind of kinds) {
    process.stderr.write(`loading ${ZNODES} znodes into a fresh ${kind}...\n`);
    memory.set(kind, await memoryRow(kind));
  }
  const lite = results.get("zk-lite");
  const zk = results.get("zookeeper");
  const rows: [string, number | undefined, number | undefined, "higher" | "lower", number][] = [];
  for (const op of ["create", "getData", "setData"] as const) {
    for (const n of CLIENT_COUNTS) {
      const key = `${op} x${n}`;
      const label = `${op === "create" ? "durable create" : op === "setData" ? "durable setData" : "getData"}, ${n} client${n > 1 ? "s" : ""}`;
      rows.push([`${label} (ops/s)`, lite?.get(key)?.opsPerSec, zk?.get(key)?.opsPerSec, "higher", 0]);
      rows.push([`${label} p50 (ms)`, lite?.get(key)?.p50Ms, zk?.get(key)?.p50Ms, "lower", 3]);
      rows.push([`${label} p99 (ms)`, lite?.get(key)?.p99Ms, zk?.get(key)?.p99Ms, "lower", 3]);
    }
  }
  const mb = (k: ServerKind) => (memory.has(k) ? memory.get(k)!.rssBytes / (1024 * 1024) : undefined);
  rows.push([`RSS with ${ZNODES.toLocaleString("en")} znodes (MiB)`, mb("zk-lite"), mb("zookeeper"), "lower", 1]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  console.log(`\nzk-lite vs Apache ZooKeeper 3.8 (median of ${ROUNDS} alternating ${SECONDS}s runs per row, ${PAYLOAD.length}-byte data, fsync on for both)`);
  console.log(`${"row".padEnd(width)}${"zk-lite".padStart(12)}${"zookeeper".padStart(12)}${"ratio".padStart(9)}  ok?`);
  let misses = 0;
  for (const [label, a, b, better, digits] of rows) {
    const ratio = a !== undefined && b !== undefined ? a / b : NaN;
    const good = Number.isFinite(ratio) ? (better === "higher" ? ratio >= 1 : ratio <= 1) : null;
    if (good === false) misses++;
    console.log(`${label.padEnd(width)}${fmt(a ?? NaN, digits).padStart(12)}${fmt(b ?? NaN, digits).padStart(12)}${fmt(ratio, 2).padStart(9)}  ${good === null ? "" : good ? "yes" : "NO"} (${better} is better)`);
  }
  for (const k of kinds) console.log(`${k}: loaded ${ZNODES} znodes with 16 clients in ${memory.get(k)!.loadSeconds.toFixed(1)} s`);
  if (kinds.length === 2) console.log(misses === 0 ? "zk-lite is at or above ZooKeeper on every row" : `zk-lite misses ${misses} row(s)`);
}

await main();
process.exit(0);
