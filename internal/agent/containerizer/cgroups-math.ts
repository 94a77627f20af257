// Numbers the cgroups isolation writes and reads, computed without touching the filesystem. Pure.

import { assert } from "../../runtime/index.ts";

/** v1 cpu.shares for one whole CPU, as Mesos uses. */
export const cpuSharesPerCpu = 1024;
/** The kernel's and Mesos's floor for cpu.shares. */
export const cpuSharesMin = 2;
/** v1 cpu.shares ceiling (kernel MAX_SHARES). */
export const cpuSharesMax = 262144;
/** Mesos's floor for a CFS quota: 1 ms per period. */
export const cfsQuotaUsMin = 1000;
/** The kernel's default CFS period, used when the hierarchy does not say. */
export const cfsPeriodUsDefault = 100_000;
/** Mesos's floor for a memory limit; smaller limits only get a task OOM-killed while starting. */
export const memoryLimitBytesMin = 32 * 1024 * 1024;
/** /proc and cpuacct.stat count CPU time in USER_HZ ticks, which Linux fixes at 100 for user space. */
export const userHz = 100;

export function cpuSharesFor(cpus: number): number {
  assert(Number.isFinite(cpus) && cpus >= 0, `cpus must be a finite non-negative number, got ${cpus}`);
  return Math.min(cpuSharesMax, Math.max(cpuSharesMin, Math.floor(cpuSharesPerCpu * cpus)));
}

/**
 * v2 cpu.weight (1..10000) from v1 shares (2..262144), the same linear map runc and systemd use,
 * so one CPU (1024 shares) becomes weight 39 and the default 1024:100 ratio is kept roughly.
 */
export function cpuWeightFromShares(shares: number): number {
  assert(shares >= cpuSharesMin && shares <= cpuSharesMax, `cpu shares out of range: ${shares}`);
  return 1 + Math.floor(((shares - cpuSharesMin) * 9999) / (cpuSharesMax - cpuSharesMin));
}

export function cfsQuotaUsFor(cpus: number, periodUs: number): number {
  assert(periodUs > 0, `cfs period must be positive, got ${periodUs}`);
  return Math.max(cfsQuotaUsMin, Math.floor(cpus * periodUs));
}

export function memoryLimitBytesFor(memoryBytes: number): number {
  assert(Number.isFinite(memoryBytes) && memoryBytes >= 0, `memory must be a finite non-negative number, got ${memoryBytes}`);
  return Math.max(memoryLimitBytesMin, Math.floor(memoryBytes));
}

/** "key value" lines (cpu.stat, memory.stat, cpuacct.stat, memory.events, memory.oom_control). */
export function parseFlatKeyed(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1).trim());
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** cgroup.procs / tasks: one pid per line. */
export function parsePidList(text: string): number[] {
  const pids: number[] = [];
  for (const line of text.split("\n")) {
    const pid = Number(line);
    if (line.length > 0 && Number.isInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

/** v2 cpu.max: "max 100000" or "<quota> <period>". */
export function parseCpuMax(text: string): { quotaUs: number | null; periodUs: number } {
  const [quota, period] = text.trim().split(/\s+/);
  const periodUs = Number(period);
  return { quotaUs: quota === "max" ? null : Number(quota), periodUs: Number.isFinite(periodUs) && periodUs > 0 ? periodUs : cfsPeriodUsDefault };
}
