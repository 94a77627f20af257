// Master failover, built-in Raft (--masters) against ZooKeeper election (--zk on Apache ZooKeeper
// 3.8), same cluster, same clients, one run:
//
//   bun bench/failover.ts [--rounds=20] [--agents=10] [--only=raft|zk]
//                         [--zk_session_timeout=2secs] [--zk_tick_ms=200]
//                         [--agent_backoff=1secs] [--raft_heartbeat=20ms] [--raft_election=200ms]
//
// Three masters on 127.0.0.1, ten agents given every master (a comma list for Raft, the zk:// URL
// for ZooKeeper) with the default --registration_backoff_factor, and one subscribed framework
// given the three masters (it follows 307s). Each round SIGKILLs the leading master and measures,
// from the kill:
//   new leader       a surviving master reports master/elected = 1 (polled every 5 ms)
//   agents back      the new leader counts every agent active (master/slaves_active)
//   offers again     the framework receives its first OFFERS event after the kill
// and "elected → agents" (agents back minus new leader), and for Raft the terms each failover
// took (one when no vote was split and no election spurious), then restarts the killed master on its
// port and work_dir and waits for it to follow before the next round. Medians and p95 over the
// rounds. ZooKeeper notices a killed leader only when its session expires, so its figures follow
// --zk_session_timeout (Mesos's default is 10 s; ZooKeeper's minimum is 2 x tickTime).

import { SchedulerClient } from "../internal/framework/index.ts";
import type { FrameworkInfo } from "../internal/wire/index.ts";
import { cleanupAll, startCluster, tempDir, type RunningCluster } from "../test/helpers/cluster.ts";
import { startTestAgent } from "../test/helpers/e2e.ts";
import { freePorts } from "../test/helpers/raft-masters.ts";
import { startZooKeeperProcess, zookeeperInstalled, type RunningServer } from "../test/zk/servers.ts";

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const ROUNDS = Number(args.get("rounds") ?? 20);
const AGENTS = Number(args.get("agents") ?? 10);
const ONLY = args.get("only") as "raft" | "zk" | undefined;
const ZK_SESSION_TIMEOUT = args.get("zk_session_timeout") ?? "2secs";
const ZK_TICK_MS = Number(args.get("zk_tick_ms") ?? 200);
const AGENT_BACKOFF = args.get("agent_backoff") ?? "1secs";
const RAFT_TIMING = [`--raft_heartbeat_interval=${args.get("raft_heartbeat") ?? "20ms"}`, `--raft_election_timeout=${args.get("raft_election") ?? "200ms"}`];
const POLL_MS = 5;
const ROUND_TIMEOUT_MS = 60_000;
/** After the killed master is back, let the cluster settle before the next kill. */
const SETTLE_MS = 1500;

type Kind = "raft" | "zk";

interface Master {
  port: number;
  workDir: string;
  args: string[];
  proc: RunningCluster;
}

interface Round {
  leaderMs: number;
  agentsMs: number;
  offersMs: number;
  /** Raft terms the round took (1: one election, no split vote or spurious election); 0 for zk. */
  terms: number;
}

async function snapshot(master: Master): Promise<Record<string, number> | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${master.port}/metrics/snapshot`, { signal: AbortSignal.timeout(500) });
    return (await response.json()) as Record<string, number>;
  } catch {
    return undefined; // killed, restarting or busy: polled again
  }
}

function alive(master: Master): boolean {
  return master.proc.child.exitCode === null && master.proc.child.signalCode === null;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = ROUND_TIMEOUT_MS): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(POLL_MS);
  }
}

async function leaderAmong(masters: readonly Master[]): Promise<Master | undefined> {
  const snaps = await Promise.all(masters.map((m) => (alive(m) ? snapshot(m) : Promise.resolve(undefined))));
  const leaders = masters.filter((_, i) => snaps[i]?.["master/elected"] === 1);
  return leaders.length === 1 ? leaders[0] : undefined;
}

async function startMasters(kind: Kind, zkUrl: string | undefined): Promise<Master[]> {
  const ports = await freePorts(3);
  const list = ports.map((port) => `127.0.0.1:${port}`).join(",");
  return Promise.all(
    ports.map(async (port) => {
      const workDir = tempDir("failover-master-");
      const election = kind === "raft" ? [`--masters=${list}`, "--quorum=2", ...RAFT_TIMING] : [`--zk=${zkUrl}`, `--zk_session_timeout=${ZK_SESSION_TIMEOUT}`];
      const masterArgs = ["--mode=master", "--ip=127.0.0.1", `--port=${port}`, `--work_dir=${workDir}`, "--allocation_interval=100ms", "--logging_level=WARNING", ...election];
      return { port, workDir, args: masterArgs, proc: await startCluster(masterArgs) };
    }),
  );
}

/** The restarted master follows: it redirects to the current leader. */
async function follows(master: Master, leader: Master): Promise<true | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${master.port}/master/redirect`, { redirect: "manual", signal: AbortSignal.timeout(500) });
    await response.body?.cancel();
    return response.status === 307 && (response.headers.get("location") ?? "").endsWith(`:${leader.port}`) ? true : undefined;
  } catch {
    return undefined;
  }
}

async function runKind(kind: Kind): Promise<Round[]> {
  let zk: RunningServer | undefined;
  let url: string | undefined;
  if (kind === "zk") {
    zk = await startZooKeeperProcess({ tickTimeMs: ZK_TICK_MS });
    url = `zk://127.0.0.1:${zk.port}/failover`;
  }
  try {
    const masters = await startMasters(kind, url);
    await until("a first leader", () => leaderAmong(masters));
    const agentMaster = kind === "raft" ? masters.map((m) => `127.0.0.1:${m.port}`).join(",") : url!;
    await Promise.all(
      Array.from({ length: AGENTS }, () => startTestAgent(agentMaster, ["--resources=cpus:1;mem:256", `--registration_backoff_factor=${AGENT_BACKOFF}`, "--logging_level=WARNING"])),
    );
    let lastOfferMs = 0;
    const framework = new SchedulerClient({
      masters: masters.map((m) => `127.0.0.1:${m.port}`),
      frameworkInfo: { user: "root", name: "failover-bench", failover_timeout: 600, roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }] } as FrameworkInfo,
      onEvent: (event) => {
        if (event.type === "OFFERS") lastOfferMs = performance.now();
      },
    });
    await framework.subscribe();
    const rounds: Round[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) rounds.push(await oneRound(kind, masters, () => lastOfferMs, round));
    } finally {
      await framework.close();
    }
    return rounds;
  } finally {
    cleanupAll();
    await zk?.stop("SIGKILL");
  }
}

async function oneRound(kind: Kind, masters: Master[], lastOfferMs: () => number, round: number): Promise<Round> {
  const leader = await until("a leader before the kill", () => leaderAmong(masters));
  await until("every agent active", async () => ((await snapshot(leader))?.["master/slaves_active"] === AGENTS ? true : undefined));
  await until("offers before the kill", async () => (lastOfferMs() > 0 ? true : undefined));
  const termBefore = (await snapshot(leader))?.["master/raft/term"] ?? 0;
  const killedAtMs = performance.now();
  leader.proc.child.kill("SIGKILL");
  const rest = masters.filter((m) => m !== leader);
  const next = await until("a new leader", () => leaderAmong(rest));
  const leaderMs = performance.now() - killedAtMs;
  await until("every agent back", async () => ((await snapshot(next))?.["master/slaves_active"] === AGENTS ? true : undefined));
  const agentsMs = performance.now() - killedAtMs;
  await until("offers again", async () => (lastOfferMs() > killedAtMs ? true : undefined));
  const offersMs = lastOfferMs() - killedAtMs;
  const terms = ((await snapshot(next))?.["master/raft/term"] ?? 0) - termBefore;
  await leader.proc.exited;
  leader.proc = await startCluster(leader.args);
  await until("the killed master following", () => follows(leader, next));
  await Bun.sleep(SETTLE_MS);
  console.log(`${kind} round ${round + 1}: leader ${leaderMs.toFixed(0)} ms, agents ${agentsMs.toFixed(0)} ms, offers ${offersMs.toFixed(0)} ms, terms ${terms}`);
  return { leaderMs, agentsMs, offersMs, terms };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? NaN;
}

function cell(values: readonly number[]): string {
  return `${percentile(values, 0.5).toFixed(0)} / ${percentile(values, 0.95).toFixed(0)}`;
}

function report(results: Map<Kind, Round[]>): void {
  const kinds = [...results.keys()];
  const header = ["ms from the kill (median / p95)", ...kinds.map((k) => (k === "raft" ? `raft ${RAFT_TIMING.join(" ")}` : `zookeeper --zk_session_timeout=${ZK_SESSION_TIMEOUT}`))];
  const rows: Array<[string, (r: Round) => number]> = [
    ["new leader", (r) => r.leaderMs],
    ["all agents re-registered", (r) => r.agentsMs],
    ["framework offered again", (r) => r.offersMs],
    ["elected → all agents", (r) => r.agentsMs - r.leaderMs],
  ];
  console.log(`\n${ROUNDS} leader kills, 3 masters, ${AGENTS} agents (--registration_backoff_factor=${AGENT_BACKOFF}), 1 framework`);
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---").join("|")}|`);
  for (const [name, pick] of rows) console.log(`| ${name} | ${kinds.map((k) => cell(results.get(k)!.map(pick))).join(" | ")} |`);
  const raft = results.get("raft");
  if (raft !== undefined) console.log(`raft: ${raft.reduce((sum, r) => sum + r.terms, 0)} terms over ${raft.length} kills (more than one per kill: split votes or spurious elections)`);
}

const results = new Map<Kind, Round[]>();
if (ONLY !== "zk") results.set("raft", await runKind("raft"));
if (ONLY !== "raft") {
  if (zookeeperInstalled()) results.set("zk", await runKind("zk"));
  else console.log("Apache ZooKeeper is not installed (Debian package zookeeper): the --zk half is skipped");
}
report(results);
process.exit(0);
