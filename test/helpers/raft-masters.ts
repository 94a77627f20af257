// Masters running the built-in Raft (--masters) as real processes on 127.0.0.1, for the
// multi-process tests and bench/failover.ts: fixed ports (each master must find itself in the
// list), start, find the leader, cut masters off through the fault-injection route.

import { createServer } from "node:net";
import { startCluster, tempDir, type RunningCluster } from "./cluster.ts";

export interface RaftMasterProcess {
  /** host:port, its --masters entry and Raft id. */
  readonly id: string;
  readonly port: number;
  readonly url: string;
  readonly workDir: string;
  proc: RunningCluster;
}

/** Test timing: slower than the defaults, so a loaded machine does not hold spurious elections. */
export const testRaftTiming = ["--raft_heartbeat_interval=50ms", "--raft_election_timeout=500ms"];

export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(server));
    })),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export function majority(count: number): number {
  return Math.floor(count / 2) + 1;
}

export function raftMasterArgs(port: number, list: readonly string[], workDir: string, extra: readonly string[] = []): string[] {
  return [
    "--mode=master",
    "--ip=127.0.0.1",
    `--port=${port}`,
    `--work_dir=${workDir}`,
    `--masters=${list.join(",")}`,
    `--quorum=${majority(list.length)}`,
    "--raft_fault_injection",
    "--allocation_interval=100ms",
    "--framework_heartbeat_interval=1secs",
    ...extra,
  ];
}

/** Starts one master of `list` (its entry is 127.0.0.1:port). */
export async function startRaftMaster(port: number, list: readonly string[], extra: readonly string[] = [], workDir = tempDir()): Promise<RaftMasterProcess> {
  const proc = await startCluster(raftMasterArgs(port, list, workDir, extra));
  return { id: `127.0.0.1:${port}`, port, url: `http://127.0.0.1:${port}`, workDir, proc };
}

/** `count` founding masters, started together. */
export async function startRaftMasters(count: number, extra: readonly string[] = []): Promise<RaftMasterProcess[]> {
  const ports = await freePorts(count);
  const list = ports.map((port) => `127.0.0.1:${port}`);
  return Promise.all(ports.map((port) => startRaftMaster(port, list, extra)));
}

/** Restarts a stopped master on its port and work_dir. */
export async function restartRaftMaster(master: RaftMasterProcess, list: readonly string[], extra: readonly string[] = []): Promise<RaftMasterProcess> {
  master.proc = await startCluster(raftMasterArgs(master.port, list, master.workDir, extra));
  return master;
}

export function alive(master: RaftMasterProcess): boolean {
  return master.proc.child.exitCode === null && master.proc.child.signalCode === null;
}

export async function json(url: string, timeoutMs = 1000): Promise<any> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return response.json();
}

/** GET /master/raft, or undefined when the master does not answer (dead, stopped, slow). */
export async function raftView(master: RaftMasterProcess, timeoutMs = 500): Promise<any> {
  return json(`${master.url}/master/raft`, timeoutMs).catch(() => undefined);
}

export async function elected(master: RaftMasterProcess, timeoutMs = 500): Promise<boolean> {
  const snapshot = await json(`${master.url}/metrics/snapshot`, timeoutMs).catch(() => undefined);
  return snapshot?.["master/elected"] === 1;
}

/** Waits for exactly one of `among` to lead (master/elected 1) and returns it. */
export async function waitForLeader(among: readonly RaftMasterProcess[], timeoutMs = 20_000, pollMs = 20): Promise<RaftMasterProcess> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const leaders: RaftMasterProcess[] = [];
    for (const master of among) if (alive(master) && (await elected(master))) leaders.push(master);
    if (leaders.length === 1) return leaders[0]!;
    if (performance.now() > deadline) throw new Error(`no single leader among ${among.map((m) => m.id).join(",")} in time (found ${leaders.length})`);
    await Bun.sleep(pollMs);
  }
}

/** Drops Raft messages between `master` and `peers` (one direction on this process: post to both sides). */
export async function blockPeers(master: RaftMasterProcess, peers: readonly string[]): Promise<void> {
  const response = await fetch(`${master.url}/api/internal/raft/faults`, { method: "POST", body: JSON.stringify({ blocked: peers, dropRate: 0 }) });
  if (!response.ok) throw new Error(`faults on ${master.id}: HTTP ${response.status}`);
}

/** Cuts `minority` off from the rest, both ways. */
export async function partition(minority: readonly RaftMasterProcess[], rest: readonly RaftMasterProcess[]): Promise<void> {
  await Promise.all([
    ...minority.map((m) => blockPeers(m, rest.map((r) => r.id))),
    ...rest.map((r) => blockPeers(r, minority.map((m) => m.id))),
  ]);
}

export async function heal(masters: readonly RaftMasterProcess[]): Promise<void> {
  await Promise.all(masters.filter(alive).map((m) => blockPeers(m, [])));
}

/** POST /master/raft/members on `via` (following the 307 to the leader). */
export async function changeMembers(via: RaftMasterProcess, body: { add: string } | { remove: string }): Promise<any> {
  const response = await fetch(`${via.url}/master/raft/members`, { method: "POST", body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`members change ${JSON.stringify(body)}: HTTP ${response.status} ${text}`);
  return JSON.parse(text);
}
