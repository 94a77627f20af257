// The client workload bench/zk.ts (one server) and bench/zk-ensemble.ts (three) run against
// zk-lite and Apache ZooKeeper: clients doing create, getData or setData back to back for a while,
// each row repeated in rounds that alternate which side goes first (so other work on the machine
// hits both alike), the median round reported.

import type { RawZkClient } from "../test/zk/raw-client.ts";

export const OPS = ["create", "getData", "setData"] as const;
export type Op = (typeof OPS)[number];
export const CLIENT_COUNTS = [1, 16];
export const PAYLOAD = "x".repeat(100);

export interface RowResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

/** What a round needs of one side: its name and its connected clients. */
export interface WorkloadSide<Kind extends string> {
  readonly kind: Kind;
  readonly clients: RawZkClient[];
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function fmt(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : "-";
}

/** `/bench` and the node each client of each round reads and writes (`/bench/<tag>-own-<k>`). */
export async function createBenchNodes(setup: RawZkClient, rounds: number, warmClients: number): Promise<void> {
  await setup.create("/bench");
  for (const n of CLIENT_COUNTS) for (let r = 0; r < rounds; r++) for (let k = 0; k < n; k++) await setup.create(`/bench/c${n}r${r}-own-${k}`, PAYLOAD);
  for (let k = 0; k < warmClients; k++) await setup.create(`/bench/warm-own-${k}`, PAYLOAD);
}

/** The clients each doing `op` back to back until durationMs has passed. */
export async function runClients(clients: RawZkClient[], op: Op, durationMs: number, tag: string): Promise<RowResult> {
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

/** Every op x client count, `rounds` times per side, first side alternating; medians per row. */
export async function throughputRows<Kind extends string>(sides: WorkloadSide<Kind>[], rounds: number, seconds: number): Promise<Map<Kind, Map<string, RowResult>>> {
  const out = new Map<Kind, Map<string, RowResult>>(sides.map((b) => [b.kind, new Map()]));
  for (const op of OPS) {
    for (const n of CLIENT_COUNTS) {
      const runs = new Map<Kind, RowResult[]>(sides.map((b) => [b.kind, []]));
      for (let r = 0; r < rounds; r++) {
        const order = r % 2 === 0 ? sides : [...sides].reverse();
        for (const b of order) {
          const res = await runClients(b.clients.slice(0, n), op, seconds * 1000, `c${n}r${r}`);
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
