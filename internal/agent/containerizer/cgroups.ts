// cgroups v1 and v2: find a writable hierarchy, make one cgroup per container with CPU and memory
// limits, read its statistics, kill everything in it and remove it. Thin I/O over cgroups-math.ts.

import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assert } from "../../runtime/index.ts";
import {
  cfsPeriodUsDefault,
  cfsQuotaUsFor,
  cpuSharesFor,
  cpuWeightFromShares,
  memoryLimitBytesFor,
  parseCpuMax,
  parseFlatKeyed,
  parsePidList,
  userHz,
} from "./cgroups-math.ts";
import { isGone, signalPid } from "./proc.ts";
import type { ContainerLimits, ResourceStatistics } from "./types.ts";

export type CgroupsLayout =
  | { version: 1; cpuRoot: string | null; cpuacctRoot: string | null; memoryRoot: string | null }
  | { version: 2; rootDir: string; controllers: ReadonlySet<string> };

export type CgroupsDetection = { layout: CgroupsLayout; notes: string[] } | { layout: null; reason: string };

/** The cgroup(s) of one container: one directory per mounted hierarchy in v1, one in v2. */
export interface ContainerCgroup {
  layout: CgroupsLayout;
  /** Distinct directories, the one holding the authoritative pid list first. */
  dirs: string[];
  /** The cgroup procs files the task joins (it writes 0, itself, into each) before it execs. */
  procsFiles: string[];
  cpuDir: string | null;
  cpuacctDir: string | null;
  memoryDir: string | null;
}

/** Rounds of "read cgroup.procs, SIGKILL each" before giving up on a cgroup that keeps forking. */
export const cgroupKillRoundsMax = 200;
export const cgroupKillRoundIntervalMs = 10;

export function detectCgroups(hierarchy: string, root: string): CgroupsDetection {
  assert(root.length > 0 && !root.split("/").includes(".."), `cgroups root must be a relative path without '..': ${root}`);
  if (!existsSync(hierarchy)) return { layout: null, reason: `${hierarchy} does not exist` };
  if (existsSync(join(hierarchy, "cgroup.controllers"))) return detectV2(hierarchy, root);
  return detectV1(hierarchy, root);
}

function detectV2(hierarchy: string, root: string): CgroupsDetection {
  const rootDir = join(hierarchy, root);
  const made = makeWritableDir(rootDir);
  if (made !== null) return { layout: null, reason: made };
  const available = new Set(readText(join(rootDir, "cgroup.controllers")).trim().split(/\s+/).filter(Boolean));
  const notes: string[] = [];
  for (const controller of ["cpu", "memory"]) {
    if (!available.has(controller)) {
      notes.push(`cgroup v2 controller '${controller}' is not delegated to ${rootDir}; its limits are not applied`);
      continue;
    }
    try {
      writeFileSync(join(rootDir, "cgroup.subtree_control"), `+${controller}`);
    } catch (error) {
      available.delete(controller);
      notes.push(`cannot enable '${controller}' in ${rootDir}/cgroup.subtree_control: ${errorText(error)}`);
    }
  }
  return { layout: { version: 2, rootDir, controllers: available }, notes };
}

function detectV1(hierarchy: string, root: string): CgroupsDetection {
  const roots: Record<"cpu" | "cpuacct" | "memory", string | null> = { cpu: null, cpuacct: null, memory: null };
  const notes: string[] = [];
  const seen = new Map<string, string>();
  for (const controller of ["cpu", "cpuacct", "memory"] as const) {
    const mount = join(hierarchy, controller);
    if (!existsSync(mount)) {
      notes.push(`cgroup v1 controller '${controller}' is not mounted at ${mount}`);
      continue;
    }
    // cpu and cpuacct are often mounted together ("cpu,cpuacct" with symlinks); use one directory.
    const real = realpathSync(mount);
    const dir = seen.get(real) ?? join(real, root);
    if (!seen.has(real)) {
      const made = makeWritableDir(dir);
      if (made !== null) return { layout: null, reason: made };
      seen.set(real, dir);
    }
    roots[controller] = dir;
  }
  if (roots.cpu === null || roots.memory === null) {
    return { layout: null, reason: `cgroup v1 needs the cpu and memory controllers under ${hierarchy}` };
  }
  return { layout: { version: 1, cpuRoot: roots.cpu, cpuacctRoot: roots.cpuacct, memoryRoot: roots.memory }, notes };
}

/** Returns null when the directory exists (or was made) and is writable, else the reason. */
function makeWritableDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return null;
  } catch (error) {
    return `cannot create a writable cgroup at ${dir}: ${errorText(error)}`;
  }
}

export function containerCgroup(layout: CgroupsLayout, containerId: string): ContainerCgroup {
  if (layout.version === 2) {
    const dir = join(layout.rootDir, containerId);
    return { layout, dirs: [dir], procsFiles: [join(dir, "cgroup.procs")], cpuDir: dir, cpuacctDir: dir, memoryDir: dir };
  }
  const at = (root: string | null) => (root === null ? null : join(root, containerId));
  const memoryDir = at(layout.memoryRoot);
  const cpuDir = at(layout.cpuRoot);
  const cpuacctDir = at(layout.cpuacctRoot);
  const dirs = [...new Set([memoryDir, cpuDir, cpuacctDir].filter((d): d is string => d !== null))];
  return { layout, dirs, procsFiles: dirs.map((d) => join(d, "cgroup.procs")), cpuDir, cpuacctDir, memoryDir };
}

/** Makes the container's cgroup(s) and writes the limits. Throws with the file that failed. */
export function createContainerCgroup(cg: ContainerCgroup, limits: ContainerLimits, enableCfs: boolean): void {
  for (const dir of cg.dirs) mkdirSync(dir, { recursive: true });
  const shares = cpuSharesFor(limits.cpus);
  const memoryBytes = memoryLimitBytesFor(limits.memoryBytes);
  if (cg.layout.version === 2) {
    const dir = cg.dirs[0]!;
    if (cg.layout.controllers.has("cpu")) {
      writeCgroupFile(dir, "cpu.weight", String(cpuWeightFromShares(shares)));
      if (enableCfs) {
        const { periodUs } = parseCpuMax(readText(join(dir, "cpu.max")));
        writeCgroupFile(dir, "cpu.max", `${cfsQuotaUsFor(limits.cpus, periodUs)} ${periodUs}`);
      }
    }
    if (cg.layout.controllers.has("memory")) {
      writeCgroupFile(dir, "memory.max", String(memoryBytes));
      // The OOM killer takes the whole container, as Mesos destroys it on a memory limitation.
      if (existsSync(join(dir, "memory.oom.group"))) writeCgroupFile(dir, "memory.oom.group", "1");
    }
    return;
  }
  if (cg.cpuDir !== null) {
    writeCgroupFile(cg.cpuDir, "cpu.shares", String(shares));
    if (enableCfs) {
      const periodText = readOptional(join(cg.cpuDir, "cpu.cfs_period_us"));
      const periodUs = periodText === null ? cfsPeriodUsDefault : Number(periodText.trim()) || cfsPeriodUsDefault;
      writeCgroupFile(cg.cpuDir, "cpu.cfs_quota_us", String(cfsQuotaUsFor(limits.cpus, periodUs)));
    }
  }
  if (cg.memoryDir !== null) {
    writeCgroupFile(cg.memoryDir, "memory.limit_in_bytes", String(memoryBytes));
    writeCgroupFile(cg.memoryDir, "memory.soft_limit_in_bytes", String(memoryBytes));
    // With swap accounting on, cap memory+swap too, so the task cannot page its way past the limit.
    if (existsSync(join(cg.memoryDir, "memory.memsw.limit_in_bytes"))) {
      writeCgroupFile(cg.memoryDir, "memory.memsw.limit_in_bytes", String(memoryBytes));
    }
  }
}

function writeCgroupFile(dir: string, file: string, value: string): void {
  try {
    writeFileSync(join(dir, file), value);
  } catch (error) {
    throw new Error(`Failed to write '${value}' to ${join(dir, file)}: ${errorText(error)}`);
  }
}

/** Pids in the container's cgroup; empty when the cgroup is gone. */
export function cgroupPids(cg: ContainerCgroup): number[] {
  const text = readOptional(cg.procsFiles[0]!);
  return text === null ? [] : parsePidList(text);
}

/**
 * SIGKILLs everything in the cgroup until it is empty: v2 `cgroup.kill` where the kernel has it,
 * otherwise rounds of reading cgroup.procs and signalling each pid (a process forked during a round
 * is caught by the next). Resolves true when the cgroup is empty.
 */
export async function killCgroup(cg: ContainerCgroup): Promise<boolean> {
  const killFile = join(cg.dirs[0]!, "cgroup.kill");
  if (cg.layout.version === 2 && existsSync(killFile)) {
    try {
      writeFileSync(killFile, "1");
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
  for (let round = 0; round < cgroupKillRoundsMax; round++) {
    const pids = cgroupPids(cg);
    if (pids.length === 0) return true;
    for (const pid of pids) signalPid(pid, "SIGKILL");
    await Bun.sleep(cgroupKillRoundIntervalMs);
  }
  return cgroupPids(cg).length === 0;
}

/** Removes the container's cgroup directories (after killCgroup). Missing ones are fine. */
export async function removeContainerCgroup(cg: ContainerCgroup): Promise<void> {
  for (const dir of cg.dirs) {
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (error) {
        if (isGone(error)) break;
        // EBUSY while the last exiting task leaves the cgroup; give it a moment.
        if ((error as { code?: string }).code !== "EBUSY" || attempt >= 50) throw error;
        await Bun.sleep(cgroupKillRoundIntervalMs);
      }
    }
  }
}

/** Container ids that have a cgroup under our root (to find orphans after a restart). */
export function listContainerCgroups(layout: CgroupsLayout): string[] {
  const root = layout.version === 2 ? layout.rootDir : layout.memoryRoot;
  if (root === null) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/** How many times the OOM killer struck inside the container; 0 when not known. */
export function oomKillCount(cg: ContainerCgroup): number {
  if (cg.memoryDir === null) return 0;
  const file = cg.layout.version === 2 ? "memory.events" : "memory.oom_control";
  const text = readOptional(join(cg.memoryDir, file));
  return text === null ? 0 : (parseFlatKeyed(text).get("oom_kill") ?? 0);
}

/** Peak memory use, for the limitation message. */
export function memoryPeakBytes(cg: ContainerCgroup): number | null {
  if (cg.memoryDir === null) return null;
  const file = cg.layout.version === 2 ? "memory.peak" : "memory.max_usage_in_bytes";
  const text = readOptional(join(cg.memoryDir, file));
  const value = text === null ? NaN : Number(text.trim());
  return Number.isFinite(value) ? value : null;
}

export type CgroupStatistics = Omit<ResourceStatistics, "timestamp" | "cpus_limit" | "mem_limit_bytes">;

export function cgroupStatistics(cg: ContainerCgroup): CgroupStatistics {
  return cg.layout.version === 2 ? statisticsV2(cg.dirs[0]!) : statisticsV1(cg);
}

function statisticsV1(cg: ContainerCgroup): CgroupStatistics {
  const out: CgroupStatistics = {};
  const cpuacct = cg.cpuacctDir === null ? null : readKeyed(join(cg.cpuacctDir, "cpuacct.stat"));
  if (cpuacct !== null) {
    out.cpus_user_time_secs = (cpuacct.get("user") ?? 0) / userHz;
    out.cpus_system_time_secs = (cpuacct.get("system") ?? 0) / userHz;
  }
  const cpu = cg.cpuDir === null ? null : readKeyed(join(cg.cpuDir, "cpu.stat"));
  if (cpu !== null) {
    out.cpus_nr_periods = cpu.get("nr_periods") ?? 0;
    out.cpus_nr_throttled = cpu.get("nr_throttled") ?? 0;
    out.cpus_throttled_time_secs = (cpu.get("throttled_time") ?? 0) / 1e9;
  }
  if (cg.memoryDir !== null) {
    const memory = readKeyed(join(cg.memoryDir, "memory.stat"));
    if (memory !== null) {
      out.mem_rss_bytes = memory.get("total_rss") ?? memory.get("rss") ?? 0;
      out.mem_cache_bytes = memory.get("total_cache") ?? memory.get("cache") ?? 0;
    }
    const usage = readOptional(join(cg.memoryDir, "memory.usage_in_bytes"));
    if (usage !== null) out.mem_total_bytes = Number(usage.trim());
  }
  countProcesses(cg.dirs[0]!, "tasks", out);
  return out;
}

function statisticsV2(dir: string): CgroupStatistics {
  const out: CgroupStatistics = {};
  const cpu = readKeyed(join(dir, "cpu.stat"));
  if (cpu !== null) {
    out.cpus_user_time_secs = (cpu.get("user_usec") ?? 0) / 1e6;
    out.cpus_system_time_secs = (cpu.get("system_usec") ?? 0) / 1e6;
    if (cpu.has("nr_periods")) {
      out.cpus_nr_periods = cpu.get("nr_periods") ?? 0;
      out.cpus_nr_throttled = cpu.get("nr_throttled") ?? 0;
      out.cpus_throttled_time_secs = (cpu.get("throttled_usec") ?? 0) / 1e6;
    }
  }
  const memory = readKeyed(join(dir, "memory.stat"));
  if (memory !== null) {
    out.mem_rss_bytes = memory.get("anon") ?? 0;
    out.mem_cache_bytes = memory.get("file") ?? 0;
  }
  const current = readOptional(join(dir, "memory.current"));
  if (current !== null) out.mem_total_bytes = Number(current.trim());
  countProcesses(dir, "cgroup.threads", out);
  return out;
}

function countProcesses(dir: string, threadsFile: string, out: CgroupStatistics): void {
  const procs = readOptional(join(dir, "cgroup.procs"));
  if (procs !== null) out.processes = parsePidList(procs).length;
  const threads = readOptional(join(dir, threadsFile));
  if (threads !== null) out.threads = parsePidList(threads).length;
}

function readKeyed(path: string): Map<string, number> | null {
  const text = readOptional(path);
  return text === null ? null : parseFlatKeyed(text);
}

function readText(path: string): string {
  return readFileSync(path, "utf8");
}

/** The file's text, or null when it (or its cgroup) does not exist. */
function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if (isGone(error) || (error as { code?: string }).code === "ENODEV") return null;
    throw error;
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
