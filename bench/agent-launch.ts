// What the agent's containerizer costs: launches per second of `true` from launch() to the
// termination event (one at a time, and with several in flight), with cgroups and without;
// sandbox creation time; and the memory held with 1,000 running `sleep` tasks: the RSS of this
// process (what the agent would hold) and the supervisors' total RSS and PSS (a dash supervisor
// shares almost all its pages, so PSS is the honest per-task figure).
//
//   ./node_modules/.bin/bun bench/agent-launch.ts [--launches=200] [--parallel=16] [--sleepers=1000] [--work_root=/]
//
// The work dir is a fresh top-level directory by default, as bench/launch.ts explains: /tmp's
// block group carries the inode churn of every test run on this machine, which made each sandbox
// cost milliseconds there (--work_root=/tmp shows it).
//
// cgroups figures are skipped (with the reason) where cgroups are not writable.

import { closeSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  createContainerizer,
  prepareSandbox,
  sandboxPath,
  updateRunsLatest,
  type Containerizer,
  type ContainerTermination,
  type IsolationChoice,
  type LaunchSpec,
} from "../internal/agent/containerizer/index.ts";
import { parseMeta } from "../internal/agent/containerizer/meta.ts";

function flag(name: string, fallback: string): number {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return Number(found === undefined ? fallback : found.slice(name.length + 3));
}

const launches = flag("launches", "200");
const parallel = flag("parallel", "16");
const sleepers = flag("sleepers", "1000");
const env = { PATH: "/usr/bin:/bin", HOME: "/tmp" };
const limits = { cpus: 0.1, memoryBytes: 64 * 1024 * 1024 };
const workRootArg = process.argv.find((a) => a.startsWith("--work_root="));
const root = mkdtempSync(join(workRootArg === undefined ? "/" : workRootArg.slice("--work_root=".length), "bench-agent-launch-"));
const cgroupsRoot = `cluster-bench-${process.pid}`;

interface Instance {
  containerizer: Containerizer;
  ended: Map<string, (t: ContainerTermination) => void>;
  metaDir: string;
}

async function instance(isolation: IsolationChoice, name: string): Promise<Instance> {
  const metaDir = join(root, name, "meta");
  // Terminations arrive through the exit event of the supervisor this process started, so the
  // status poll interval does not limit the launch rate.
  const containerizer = await createContainerizer({ metaDir, isolation, cgroupsRoot });
  const ended = new Map<string, (t: ContainerTermination) => void>();
  containerizer.onTermination((t) => ended.get(t.containerId)?.(t));
  return { containerizer, ended, metaDir };
}

function spec(name: string, id: string, command: LaunchSpec["command"]): LaunchSpec {
  return { containerId: id, sandboxDir: sandboxPath(join(root, name, "work"), "agent", "fw", id, id), command, env, limits };
}

async function launchToEnd(inst: Instance, name: string, id: string): Promise<void> {
  const ended = new Promise<ContainerTermination>((resolve) => inst.ended.set(id, resolve));
  await inst.containerizer.launch(spec(name, id, { shell: false, value: "/bin/true", arguments: ["true"] }));
  const t = await ended;
  if (t.exitCode !== 0) throw new Error(`${id}: ${t.message}`);
  inst.ended.delete(id);
  await inst.containerizer.cleanup(id);
}

async function launchRate(isolation: IsolationChoice, name: string): Promise<{ sequential: number; parallel: number; latencyP50Ms: number; latencyP99Ms: number }> {
  const inst = await instance(isolation, name);
  for (let i = 0; i < 10; i++) await launchToEnd(inst, name, `warm-${i}`);
  const latencies: number[] = [];
  let started = performance.now();
  for (let i = 0; i < launches; i++) {
    const t0 = performance.now();
    await launchToEnd(inst, name, `seq-${i}`);
    latencies.push(performance.now() - t0);
  }
  const sequential = launches / ((performance.now() - started) / 1000);
  started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < launches) await launchToEnd(inst, name, `par-${next++}`);
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const parallelRate = launches / ((performance.now() - started) / 1000);
  await inst.containerizer.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { sequential, parallel: parallelRate, latencyP50Ms: at(0.5), latencyP99Ms: at(0.99) };
}

async function sandboxCreation(): Promise<number> {
  const count = 1000;
  const work = join(root, "sandboxes");
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const dir = sandboxPath(work, "agent", "fw", `executor-${i}`, `container-${i}`);
    const fds = await prepareSandbox(dir, undefined);
    updateRunsLatest(work, "agent", "fw", `executor-${i}`, `container-${i}`);
    closeSync(fds.stdoutFd);
    closeSync(fds.stderrFd);
  }
  return (performance.now() - started) / count;
}

function kib(path: string, field: RegExp): number {
  const match = field.exec(readFileSync(path, "utf8"));
  return match === null ? 0 : Number(match[1]);
}

function supervisorMemory(metaDir: string): { count: number; rssKib: number; pssKib: number } {
  let count = 0;
  let rssKib = 0;
  let pssKib = 0;
  for (const id of readdirSync(join(metaDir, "containers"))) {
    const supervisor = parseMeta(readFileSync(join(metaDir, "containers", id), "utf8")).pids?.supervisorPid;
    if (supervisor === undefined || !existsSync(`/proc/${supervisor}/status`)) continue;
    count++;
    rssKib += kib(`/proc/${supervisor}/status`, /VmRSS:\s+(\d+)/);
    pssKib += kib(`/proc/${supervisor}/smaps_rollup`, /Pss:\s+(\d+)/);
  }
  return { count, rssKib, pssKib };
}

async function sleepersMemory(isolation: IsolationChoice, name: string) {
  const rssBeforeMib = process.memoryUsage().rss / 2 ** 20;
  const inst = await instance(isolation, name);
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < sleepers) {
      const id = `sleep-${next++}`;
      await inst.containerizer.launch(spec(name, id, { shell: false, value: "/bin/sleep", arguments: ["sleep", "3600"] }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  const launchSecs = (performance.now() - started) / 1000;
  Bun.gc(true);
  await Bun.sleep(500);
  const rssWithTasksMib = process.memoryUsage().rss / 2 ** 20;
  const cpuBefore = process.cpuUsage();
  const idleMs = 5000;
  await Bun.sleep(idleMs); // the status/OOM poll runs every second over all containers
  const cpu = process.cpuUsage(cpuBefore);
  const idleCpuPercent = ((cpu.user + cpu.system) / 1000 / idleMs) * 100;
  const supervisors = supervisorMemory(inst.metaDir);
  const killStarted = performance.now();
  await Promise.all(Array.from({ length: sleepers }, (_, i) => inst.containerizer.kill(`sleep-${i}`, 1000)));
  await Promise.all(Array.from({ length: sleepers }, (_, i) => inst.containerizer.cleanup(`sleep-${i}`)));
  const killSecs = (performance.now() - killStarted) / 1000;
  await inst.containerizer.close();
  return { launchSecs, rssBeforeMib, rssWithTasksMib, idleCpuPercent, supervisors, killSecs };
}

function removeCgroupRoots(): void {
  for (const controller of ["cpu", "cpuacct", "memory"]) {
    const dir = `/sys/fs/cgroup/${controller}/${cgroupsRoot}`;
    if (!existsSync(dir)) continue;
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmdirSync(join(dir, e.name));
    rmdirSync(dir);
  }
  const v2 = `/sys/fs/cgroup/${cgroupsRoot}`;
  if (existsSync(join(v2, "cgroup.procs"))) rmdirSync(v2);
}

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const fmt = (n: number, digits = 0) => n.toFixed(digits);
  console.log(`agent-launch: ${launches} launches of /bin/true per mode (${parallel} in flight for the parallel figure), ${sleepers} sleepers`);
  console.log(`sandbox creation (mkdir -p, stdout/stderr, runs/latest): ${fmt((await sandboxCreation()) * 1000)} µs each`);
  const modes: Array<{ isolation: IsolationChoice; name: string }> = [{ isolation: "posix", name: "posix" }];
  const probe = await createContainerizer({ metaDir: join(root, "probe"), isolation: "auto", cgroupsRoot });
  if (probe.isolation !== "none") modes.push({ isolation: "cgroups", name: probe.isolation });
  else console.log("cgroups figures skipped: cgroups are not writable here");
  await probe.close();
  for (const mode of modes) {
    const rate = await launchRate(mode.isolation, mode.name);
    console.log(
      `${mode.name.padEnd(11)} launch→termination: ${fmt(rate.sequential)}/s one at a time (p50 ${fmt(rate.latencyP50Ms, 1)} ms, p99 ${fmt(rate.latencyP99Ms, 1)} ms), ${fmt(rate.parallel)}/s with ${parallel} in flight`,
    );
  }
  for (const mode of modes) {
    const m = await sleepersMemory(mode.isolation, `${mode.name}-sleepers`);
    console.log(
      `${mode.name.padEnd(11)} ${sleepers} sleepers: launched in ${fmt(m.launchSecs, 2)} s; agent RSS ${fmt(m.rssBeforeMib)} → ${fmt(m.rssWithTasksMib)} MiB; ` +
        `idle agent CPU ${fmt(m.idleCpuPercent, 1)}%; ${m.supervisors.count} supervisors: RSS ${fmt(m.supervisors.rssKib / 1024, 1)} MiB total ` +
        `(${fmt(m.supervisors.rssKib / Math.max(1, m.supervisors.count))} KiB each), PSS ${fmt(m.supervisors.pssKib / 1024, 1)} MiB total ` +
        `(${fmt(m.supervisors.pssKib / Math.max(1, m.supervisors.count))} KiB each); kill+cleanup all in ${fmt(m.killSecs, 2)} s`,
    );
  }
}

// Interrupted (Ctrl-C, timeout), the work dir outside /tmp and the cgroups go too; the
// supervisors it started are detached and would outlive this process, so they are killed first.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    Bun.spawnSync({ cmd: ["pkill", "-KILL", "-f", root] });
    try {
      removeCgroupRoots();
    } catch (error) {
      console.error(`cgroups left under ${cgroupsRoot}: ${error}`);
    }
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
} finally {
  removeCgroupRoots();
  rmSync(root, { recursive: true, force: true });
}
