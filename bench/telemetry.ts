// The cost of telemetry, on against off (OTEL_SDK_DISABLED=true gives every core the no-op
// observer), in one process invocation, alternating run by run so that noise lands on both alike:
//
// 1. Allocation: an in-process Master with --agents agents and --frameworks frameworks (fake
//    links and streams). Each round runs one allocation cycle (every agent offered) and then
//    declines every offer, which ends them all: with telemetry on that is an allocation.cycle span
//    and one offer span per offer, exported over OTLP/HTTP JSON to a receiver in this process,
//    plus the offer counters and histograms (the real setupTelemetry). One master serves both
//    sides: its observer is switched between the OpenTelemetry one and the no-op one per round.
//    The spans of a round are exported after its timed steps and timed on their own, as a master
//    with a 1 s allocation interval exports them between cycles.
// 2. Launch throughput: two real clusters (master + --launch_agents agents, as bench/launch.ts),
//    one with telemetry on (OTLP to the receiver) and one with OTEL_SDK_DISABLED=true; each round
//    launches --tasks `true` tasks on one then the other, ACCEPT to the last TASK_FINISHED.
//
// Run: ./node_modules/.bin/bun bench/telemetry.ts [--agents=10000] [--frameworks=250] [--rounds=20]
//        [--launch_agents=2] [--tasks=1000] [--launch_rounds=3] [--skip_launch]

import { decline } from "../internal/master/accept.ts";
import { registerAgent } from "../internal/master/agents.ts";
import { subscribe } from "../internal/master/frameworks.ts";
import type { Master, MasterObserver } from "../internal/master/index.ts";
import { masterGauges, noopMasterObserver } from "../internal/master/index.ts";
import { testMaster } from "../internal/master/testing.ts";
import { parseResources } from "../internal/resources/index.ts";
import { realClock, SeededRandom } from "../internal/runtime/index.ts";
import { isTerminalState, type FrameworkInfo, type Offer, type SchedulerEvent } from "../internal/wire/index.ts";
import { createMasterObserver } from "../observability/observers/index.ts";
import { setupTelemetry, type Telemetry } from "../observability/telemetry/index.ts";
import { readFileSync } from "node:fs";
import { cleanupAll, tempDir } from "../test/helpers/cluster.ts";
import { commandTask, startTestAgent, startTestMaster, tasksFitting, TestFramework } from "../test/helpers/e2e.ts";


function flag(name: string, fallback: string): string {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

const agentCount = Number(flag("agents", "10000"));
const frameworkCount = Number(flag("frameworks", "250"));
const rounds = Number(flag("rounds", "20"));
const launchAgents = Number(flag("launch_agents", "2"));
const launchTasks = Number(flag("tasks", "1000"));
const launchRounds = Number(flag("launch_rounds", "3"));
const skipLaunch = process.argv.includes("--skip_launch");
/** A launch round this slow says something is wrong (or the machine is busy): say so. */
const launchRoundWarnMs = 60_000;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * An OTLP receiver in a process of its own that counts what arrives and throws it away: the cost
 * measured is the exporters', not a collector's (one in this process took its share of the time).
 */
const receiverScript = `
let bytes = 0;
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, async fetch(request) {
  if (request.method === "GET") return Response.json({ bytes });
  bytes += (await request.arrayBuffer()).byteLength;
  return Response.json({});
} });
console.log(server.port);
`;

async function startDiscardingReceiver(): Promise<{ url: string; bytes: () => Promise<number>; stop: () => void }> {
  const child = Bun.spawn([process.execPath, "-e", receiverScript], { stdout: "pipe", stderr: "inherit" });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the OTLP receiver exited before printing its port");
    text += new TextDecoder().decode(value);
  }
  const url = `http://127.0.0.1:${Number(text.trim())}`;
  const bytes = async () => ((await (await fetch(url)).json()) as { bytes: number }).bytes;
  return { url, bytes, stop: () => child.kill() };
}

// ---- 1. allocation ----

interface Side {
  name: "on" | "off";
  observer: MasterObserver;
  /** Sends what the round's spans left queued (the batch span processor's flush). */
  drain: () => Promise<void>;
  cycleMs: number[];
  endMs: number[];
  exportMs: number[];
  offers: number[];
}

/**
 * One master for both sides, its observer switched between the OpenTelemetry one and the no-op
 * one round by round: same state, same heap, same JIT, so nothing but telemetry differs. (Two
 * masters built one after the other differed by ~5% with telemetry off on both.)
 */
class SwitchedObserver implements MasterObserver {
  target: MasterObserver = noopMasterObserver;
  constructor(private readonly real: MasterObserver) {}
  bind(source: Parameters<MasterObserver["bind"]>[0]): void {
    this.real.bind(source);
  }
  leadershipChanging(change: Parameters<MasterObserver["leadershipChanging"]>[0]) {
    return this.target.leadershipChanging(change);
  }
  cycleStarted() {
    return this.target.cycleStarted();
  }
  cycleEnded(...args: Parameters<MasterObserver["cycleEnded"]>) {
    this.target.cycleEnded(...args);
  }
  offerEnded(...args: Parameters<MasterObserver["offerEnded"]>) {
    return this.target.offerEnded(...args);
  }
  schedulerCallStarted(...args: Parameters<MasterObserver["schedulerCallStarted"]>) {
    return this.target.schedulerCallStarted(...args);
  }
  schedulerCallEnded(...args: Parameters<MasterObserver["schedulerCallEnded"]>) {
    this.target.schedulerCallEnded(...args);
  }
  taskLaunch(facts: Parameters<MasterObserver["taskLaunch"]>[0]) {
    return this.target.taskLaunch(facts);
  }
  roleWindowChanged(event: Parameters<MasterObserver["roleWindowChanged"]>[0]) {
    this.target.roleWindowChanged(event);
  }
}

async function buildMaster(observer: MasterObserver): Promise<Master> {
  const m = testMaster(realClock, new SeededRandom(1), { observer });
  // Only the bench runs allocations: the master's own "allocate soon" after declines is off.
  (m as unknown as { allocationRequested: boolean }).allocationRequested = true;
  for (let k = 0; k < frameworkCount; k++) {
    const info = { user: "bench", name: `framework-${k}`, roles: ["*"], capabilities: [{ type: "MULTI_ROLE" }] } as FrameworkInfo;
    const result = await subscribe(m, { type: "SUBSCRIBE", subscribe: { framework_info: info } }, { streamId: `s${k}`, send: () => true, close: () => {} });
    if (!result.ok) throw new Error(result.message);
  }
  const resources = parseResources("cpus:32;mem:131072;disk:1000000;ports:[31000-32000]").toJSON();
  for (let i = 0; i < agentCount; i++) {
    const id = await registerAgent(m, { send: () => {}, close: () => {} }, {
      type: "REGISTER",
      protocolVersion: 1,
      agent: { hostname: `host-${i}`, port: 5051, resources, attributes: [], physicalCpus: 32, version: "bench" },
      tasks: [],
      epoch: 0,
    });
    if (id === undefined) throw new Error("agent refused");
  }
  (m as unknown as { allocationRequested: boolean }).allocationRequested = true;
  return m;
}

function declineAll(m: Master): void {
  const byFramework = new Map<string, string[]>();
  for (const offer of m.offers.values()) byFramework.set(offer.frameworkId, [...(byFramework.get(offer.frameworkId) ?? []), offer.id]);
  for (const [frameworkId, ids] of byFramework) {
    decline(m, m.frameworks.get(frameworkId)!, { type: "DECLINE", framework_id: { value: frameworkId }, decline: { offer_ids: ids.map((value) => ({ value })), filters: { refuse_seconds: 0 } } });
  }
}

/**
 * Lets the heap settle before a timed step: a full collection (so garbage of the other side's
 * round is not collected here), then a pause, since the collector sweeps lazily afterwards and a
 * step started at once paid for that sweeping (cycles measured 5-10x slower).
 */
async function settle(): Promise<void> {
  Bun.gc(true);
  await Bun.sleep(settleMs);
}
const settleMs = 30;
const scrapesTimed = 3;

/** A round of one side: one allocation cycle, then every offer declined, then the spans exported. */
async function round(m: Master, switched: SwitchedObserver, side: Side): Promise<void> {
  switched.target = side.observer;
  await settle();
  let started = performance.now();
  m.runAllocation();
  side.cycleMs.push(performance.now() - started);
  side.offers.push(m.offers.size);
  await settle();
  started = performance.now();
  declineAll(m);
  side.endMs.push(performance.now() - started);
  started = performance.now();
  await side.drain();
  side.exportMs.push(performance.now() - started);
  // refuse_seconds 0 still leaves a filter until the clock moves on; the next round must offer
  // every agent again, whenever it runs.
  for (const frameworkId of m.frameworks.keys()) m.allocator.clearFilters(frameworkId);
}

async function benchAllocation(telemetry: Telemetry, receiverBytes: () => Promise<number>): Promise<void> {
  const observer = createMasterObserver({ meter: telemetry.meter, tracer: telemetry.tracer, clock: realClock });
  const on: Side = { name: "on", observer, drain: () => telemetry.forceFlush(), cycleMs: [], endMs: [], exportMs: [], offers: [] };
  const off: Side = { name: "off", observer: noopMasterObserver, drain: async () => {}, cycleMs: [], endMs: [], exportMs: [], offers: [] };
  const switched = new SwitchedObserver(on.observer);
  const m = await buildMaster(switched);
  // Gauges as a leading MasterService binds them, so the collection below is a real one.
  switched.bind({ leadership: () => ({ leading: true, epoch: m.epoch }), gauges: () => masterGauges(m) });
  // Warm-up rounds (JIT), not counted.
  for (const side of [on, off, on, off]) await round(m, switched, side);
  for (const side of [on, off]) {
    side.cycleMs.length = 0;
    side.endMs.length = 0;
    side.exportMs.length = 0;
    side.offers.length = 0;
  }
  for (let r = 0; r < rounds; r++) {
    // The batch span processor exports during the pauses, as it would between cycles.
    for (const side of r % 2 === 0 ? [on, off] : [off, on]) await round(m, switched, side);
  }
  const scrapesMs: number[] = [];
  let text = "";
  for (let i = 0; i < scrapesTimed; i++) {
    await settle();
    const scrapeStarted = performance.now();
    text = await telemetry.metricsText();
    scrapesMs.push(performance.now() - scrapeStarted);
  }
  await telemetry.forceFlush();
  const row = (label: string, a: number, b: number) => console.log(`${label.padEnd(46)} on ${a.toFixed(1).padStart(7)} ms   off ${b.toFixed(1).padStart(7)} ms   on/off ${(a / b).toFixed(3)}`);
  console.log(`allocation: ${agentCount} agents x ${frameworkCount} frameworks, ${median(on.offers)} offers per cycle, median of ${rounds} alternating rounds`);
  row("allocation cycle (view, allocate, send offers)", median(on.cycleMs), median(off.cycleMs));
  row("ending every offer (DECLINE; offer spans)", median(on.endMs), median(off.endMs));
  row("exporting the round's spans (OTLP/HTTP JSON)", median(on.exportMs), median(off.exportMs));
  const total = (s: Side) => median(s.cycleMs.map((c, i) => c + s.endMs[i]! + s.exportMs[i]!));
  row("cycle + ending every offer + export", total(on), total(off));
  const perOfferUs = ((median(on.endMs) - median(off.endMs)) / median(on.offers)) * 1000;
  const exportPerSpanUs = (median(on.exportMs) / (median(on.offers) + 1)) * 1000;
  console.log(`per offer: ${perOfferUs.toFixed(1)} us for its span and metrics when it ends, ${exportPerSpanUs.toFixed(1)} us to export the span`);
  console.log(`/metrics with ${agentCount} agents: ${median(scrapesMs).toFixed(1)} ms (median of ${scrapesTimed}), ${(text.length / 1024).toFixed(0)} KiB; OTLP bytes received: ${((await receiverBytes()) / 1024 / 1024).toFixed(1)} MiB`);
  m.stop();
}

// ---- 2. launch throughput ----

interface LaunchCluster {
  name: "on" | "off";
  framework: TestFramework;
  tasksPerSecond: number[];
  taskCounter: number;
  /** Events handled so far: offers that arrived between rounds are used by the next. */
  seen: number;
  /** The master's and agents' pids, for the cpu time a round costs them. */
  pids: number[];
  cpuMsPerTask: number[];
  /** Tasks that ended in another state than TASK_FINISHED, and the first one's status. */
  failed: number;
  firstFailure: string | undefined;
}

/** Cpu time (user + system) of a process so far, from /proc; Linux clock ticks are 10 ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * clockTickMs;
}
const clockTickMs = 10;

async function startLaunchCluster(name: "on" | "off", env: Record<string, string>): Promise<LaunchCluster> {
  const master = await startTestMaster(["--allocation_interval=50ms", "--quiet"], tempDir(), env);
  const pids = [master.proc.child.pid!];
  for (let i = 0; i < launchAgents; i++) pids.push((await startTestAgent(master.address, ["--resources=cpus:32;mem:65536", "--quiet"], tempDir(), env)).proc.child.pid!);
  const framework = new TestFramework([master.address], { name: `bench-${name}` });
  await framework.subscribe();
  return { name, framework, tasksPerSecond: [], taskCounter: 0, seen: 0, pids, cpuMsPerTask: [], failed: 0, firstFailure: undefined };
}

const taskCpus = 0.01;
const taskMemMb = 1;

/** Launches `launchTasks` tasks (up to 200 per ACCEPT) and waits for all to end; returns tasks/s. */
async function launchRound(cluster: LaunchCluster): Promise<number> {
  const { framework } = cluster;
  const prefix = `r${cluster.taskCounter++}-`;
  let launched = 0;
  let finished = 0;
  let firstAcceptMs = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  const onEvent = (event: SchedulerEvent): void => {
    const status = event.type === "UPDATE" ? event.update.status : undefined;
    if (status !== undefined && isTerminalState(status.state) && status.task_id.value.startsWith(prefix)) {
      // A task that ends otherwise still ends the round; it is counted and reported.
      if (status.state !== "TASK_FINISHED") {
        cluster.failed += 1;
        cluster.firstFailure ??= `${status.task_id.value} ${status.state} ${status.reason ?? ""} ${status.message ?? ""}`;
      }
      if (++finished === launchTasks) resolveDone();
    }
    if (event.type !== "OFFERS") return;
    for (const offer of event.offers.offers) launchOn(offer);
  };
  const launchOn = (offer: Offer): void => {
    // As many tasks as the offer holds: offers of what one finished task freed are small.
    const count = Math.min(200, launchTasks - launched, tasksFitting(offer, taskCpus, taskMemMb));
    if (count <= 0) {
      framework.client.decline([offer.id], { refuse_seconds: 0.05 }).catch(() => undefined);
      return;
    }
    if (firstAcceptMs === 0) firstAcceptMs = performance.now();
    const tasks = [];
    for (let i = 0; i < count; i++) tasks.push(commandTask(offer, `${prefix}${launched + i}`, "true", `cpus:${taskCpus};mem:${taskMemMb}`));
    launched += count;
    framework.client.launch([offer.id], tasks, { refuse_seconds: 0.05 }).catch((error) => console.error(`launch failed: ${error}`));
  };
  const progress = process.env["BENCH_DEBUG"] === undefined ? undefined : setInterval(() => console.error(`${cluster.name} ${prefix}: launched ${launched}, finished ${finished}, events ${framework.events.length}`), 2000);
  const pump = setInterval(() => {
    for (; cluster.seen < framework.events.length; cluster.seen++) onEvent(framework.events[cluster.seen]!);
  }, 1);
  await framework.client.revive();
  const timer = setTimeout(() => console.error(`${cluster.name} ${prefix}: still waiting after ${launchRoundWarnMs} ms: launched ${launched}, finished ${finished}`), launchRoundWarnMs);
  await done;
  clearTimeout(timer);
  clearInterval(pump);
  clearInterval(progress);
  return launchTasks / ((performance.now() - firstAcceptMs) / 1000);
}

async function benchLaunch(receiverUrl: string): Promise<void> {
  const on = await startLaunchCluster("on", { OTEL_SDK_DISABLED: "false", OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl });
  const off = await startLaunchCluster("off", { OTEL_SDK_DISABLED: "true" });
  await launchRound(on); // warm-up
  await launchRound(off);
  for (let r = 0; r < launchRounds; r++) {
    for (const cluster of r % 2 === 0 ? [on, off] : [off, on]) {
      const cpuBefore = cluster.pids.reduce((sum, pid) => sum + cpuMs(pid), 0);
      cluster.tasksPerSecond.push(await launchRound(cluster));
      cluster.cpuMsPerTask.push((cluster.pids.reduce((sum, pid) => sum + cpuMs(pid), 0) - cpuBefore) / launchTasks);
    }
  }
  const a = median(on.tasksPerSecond);
  const b = median(off.tasksPerSecond);
  console.log(`launch: ${launchTasks} x true per round on ${launchAgents} agent(s), median of ${launchRounds} alternating rounds`);
  console.log(`${"tasks/s, ACCEPT to last TASK_FINISHED".padEnd(46)} on ${a.toFixed(0).padStart(7)}      off ${b.toFixed(0).padStart(7)}      on/off ${(a / b).toFixed(3)}`);
  console.log(`  rounds on: ${on.tasksPerSecond.map((v) => v.toFixed(0)).join(", ")}; off: ${off.tasksPerSecond.map((v) => v.toFixed(0)).join(", ")}`);
  const c = median(on.cpuMsPerTask);
  const d = median(off.cpuMsPerTask);
  console.log(`${"cpu of master + agents per task".padEnd(46)} on ${c.toFixed(2).padStart(7)} ms   off ${d.toFixed(2).padStart(7)} ms   on/off ${(c / d).toFixed(3)}`);
  for (const cluster of [on, off]) {
    if (cluster.failed > 0) console.log(`  ${cluster.name}: ${cluster.failed} task(s) did not finish with TASK_FINISHED; first: ${cluster.firstFailure}`);
  }
  await on.framework.close();
  await off.framework.close();
}

async function main(): Promise<void> {
  const receiver = await startDiscardingReceiver();
  // Spans only: a metrics push would collect the 130,000 per-agent series at each flush between
  // rounds; a collection is timed on its own, as a /metrics scrape.
  const telemetry = setupTelemetry({ mode: "bench", instanceId: "bench-1", version: "0", env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces` } });
  try {
    await benchAllocation(telemetry, receiver.bytes);
    if (!skipLaunch) await benchLaunch(receiver.url);
  } finally {
    await telemetry.shutdown();
    receiver.stop();
    cleanupAll();
  }
}

await main();
