// End to end: tasks per second from ACCEPT to TASK_FINISHED for `true`, with N agents on this
// machine (target 300/s with 4 agents), plus status update delivery latency (agent timestamp to
// the framework) and agent memory with many running `sleep` tasks.
//
// Run: ./node_modules/.bin/bun bench/launch.ts [--agents=4] [--tasks=2000] [--isolation=posix|cgroups] [--sleepers=1000] [--work_root=/]
//
// Where the agents' work dirs go matters on this machine: its ext4 has no journal, and there each
// inode allocation skips, one by one, the inodes of its block group freed in the last minute or
// more. /tmp's block group carries the churn of every test run on the machine (thousands of temp
// dirs a minute), which made each sandbox cost milliseconds of kernel CPU there. An agent's
// work_dir is a tree of its own, so by default each agent gets a fresh top-level directory
// (/cluster-bench-XXXXXX; the Orlov allocator spreads top-level directories over block groups);
// --work_root=/tmp shows the other case.

import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll } from "../test/helpers/cluster.ts";
import { commandTask, removeRootCgroups, startTestAgent, startTestMaster, tasksFitting, TestFramework } from "../test/helpers/e2e.ts";
import type { Offer, SchedulerEvent } from "../internal/wire/index.ts";

function arg(name: string, fallback: string): string {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
}

const agentsCount = Number(arg("agents", "4"));
const tasksTotal = Number(arg("tasks", "2000"));
const isolation = arg("isolation", "posix");
const sleepers = Number(arg("sleepers", "0"));
const workRoot = arg("work_root", "/");
const taskResources = "cpus:0.01;mem:1";
const terminalStates = new Set(["TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED", "TASK_GONE"]);
// The test helpers retry unacknowledged updates after 500 ms; the product (like Mesos) after 10 s.
const productionRetries = ["--status_update_retry_interval_min=10secs", "--status_update_retry_interval_max=10mins"];

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// CPU seconds a process used itself and through its reaped children (/proc/<pid>/stat fields 14-17).
async function cpuSeconds(pid: number): Promise<{ own: number; children: number }> {
  const stat = await Bun.file(`/proc/${pid}/stat`).text();
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
  const ticks = 100;
  return { own: (fields[11]! + fields[12]!) / ticks, children: (fields[13]! + fields[14]!) / ticks };
}

async function main(): Promise<void> {
  const master = await startTestMaster(["--allocation_interval=50ms", "--quiet"]);
  const agents = [];
  const workDirs: string[] = [];
  // Interrupted (Ctrl-C, timeout), the work dirs outside /tmp go too, with the processes.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      cleanupAll();
      for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  }
  for (let i = 0; i < agentsCount; i++) {
    const workDir = mkdtempSync(join(workRoot, "cluster-bench-"));
    workDirs.push(workDir);
    agents.push(await startTestAgent(master.address, [`--resources=cpus:32;mem:65536`, `--isolation=${isolation}`, ...productionRetries, `--cgroups_root=cluster-bench-${process.pid}-${i}`, "--quiet"], workDir));
  }
  const framework = new TestFramework([master.address], { name: "bench" });
  await framework.subscribe();
  let launched = 0;
  /** Tasks ended, in any terminal state; those not TASK_FINISHED are counted by state and reported. */
  let finished = 0;
  const otherEnds = new Map<string, number>();
  const latenciesMs: number[] = [];
  let firstAcceptMs = 0;
  let doneResolve: () => void = () => {};
  const done = new Promise<void>((resolve) => (doneResolve = resolve));
  const onEvent = (event: SchedulerEvent): void => {
    if (event.type === "UPDATE") {
      latenciesMs.push(Date.now() - event.update.status.timestamp * 1000);
      const state = event.update.status.state;
      if (terminalStates.has(state)) {
        if (state !== "TASK_FINISHED") {
          otherEnds.set(state, (otherEnds.get(state) ?? 0) + 1);
          if (otherEnds.size === 1 && otherEnds.get(state) === 1) console.error(`first task not finished: ${state} ${event.update.status.reason ?? ""} ${event.update.status.message ?? ""}`);
        }
        if (++finished === tasksTotal) doneResolve();
      }
    }
  };
  const launchOn = (offer: Offer): void => {
    const count = Math.min(200, tasksTotal - launched, tasksFitting(offer, 0.01, 1));
    if (count <= 0) {
      framework.client.decline([offer.id], { refuse_seconds: 60 }).catch(() => undefined);
      return;
    }
    if (firstAcceptMs === 0) firstAcceptMs = performance.now();
    const tasks = [];
    for (let i = 0; i < count; i++) tasks.push(commandTask(offer, `t${launched + i}`, "true", taskResources));
    launched += count;
    framework.client.launch([offer.id], tasks, { refuse_seconds: 0.05 }).catch((error) => console.error(`launch failed: ${error}`));
  };
  const pids = [["master", master.proc.child.pid!] as const, ...agents.map((a, i) => [`agent${i}`, a.proc.child.pid!] as const)];
  const cpuBefore = await Promise.all(pids.map(([, pid]) => cpuSeconds(pid)));
  const selfBefore = process.cpuUsage();
  let seen = 0;
  const pump = setInterval(() => {
    for (; seen < framework.events.length; seen++) {
      const event = framework.events[seen]!;
      onEvent(event);
      if (event.type === "OFFERS") for (const offer of event.offers.offers) launchOn(offer);
    }
  }, 1);
  await done;
  const elapsedS = (performance.now() - firstAcceptMs) / 1000;
  clearInterval(pump);
  const cpuAfter = await Promise.all(pids.map(([, pid]) => cpuSeconds(pid)));
  const self = process.cpuUsage(selfBefore);
  const perTask = (seconds: number): string => `${((seconds * 1000) / tasksTotal).toFixed(2)} ms`;
  const rows = pids.map(([name], i) => `${name} ${perTask(cpuAfter[i]!.own - cpuBefore[i]!.own)} (+${perTask(cpuAfter[i]!.children - cpuBefore[i]!.children)} in reaped tasks)`);
  rows.push(`framework ${perTask((self.user + self.system) / 1e6)}`);
  latenciesMs.sort((a, b) => a - b);
  console.log(`launch ${tasksTotal} x true on ${agentsCount} agent(s), isolation=${isolation}, work dirs in ${workRoot}: ${(tasksTotal / elapsedS).toFixed(0)} tasks/s (ACCEPT to TASK_FINISHED, ${elapsedS.toFixed(2)} s; target >= 300/s)`);
  console.log(`status update delivery (agent timestamp to framework): p50 ${percentile(latenciesMs, 0.5).toFixed(1)} ms, p99 ${percentile(latenciesMs, 0.99).toFixed(1)} ms over ${latenciesMs.length} updates`);
  console.log(`cpu per launched task: ${rows.join(", ")}`);
  if (otherEnds.size > 0) console.log(`tasks that did not finish: ${[...otherEnds].map(([state, count]) => `${count} ${state}`).join(", ")}`);
  if (sleepers > 0) await measureSleepers(framework, agents[0]!.proc.child.pid!, master.url);
  await framework.close();
  cleanupAll();
  for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  if (isolation === "cgroups") {
    await Bun.sleep(500); // the killed agents' last containers' cgroups
    for (let i = 0; i < agentsCount; i++) {
      try {
        removeRootCgroups(`cluster-bench-${process.pid}-${i}`);
      } catch (error) {
        console.error(`left cgroup root cluster-bench-${process.pid}-${i}: ${error}`);
      }
    }
  }
}

async function measureSleepers(framework: TestFramework, agentPid: number, masterUrl: string): Promise<void> {
  const before = await rssMiB(agentPid);
  let started = 0;
  const from = framework.events.length;
  while (started < sleepers) {
    const offer = await framework.nextOffer(() => true, framework.events.length);
    const count = Math.min(250, sleepers - started);
    const tasks = [];
    for (let i = 0; i < count; i++) tasks.push(commandTask(offer, `s${started + i}`, "sleep 600", taskResources));
    started += count;
    await framework.client.launch([offer.id], tasks, { refuse_seconds: 0.05 });
  }
  for (;;) {
    const running = framework.events.slice(from).filter((e) => e.type === "UPDATE" && e.update.status.state === "TASK_RUNNING").length;
    if (running >= sleepers) break;
    await Bun.sleep(100);
  }
  await Bun.sleep(1000);
  console.log(`agent RSS: ${before.toFixed(1)} MiB before, ${(await rssMiB(agentPid)).toFixed(1)} MiB with ${sleepers} running sleep tasks (master ${masterUrl})`);
}

await main();
