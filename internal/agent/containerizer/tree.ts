// Killing and measuring a task's process tree without cgroups, from /proc.

import { signalPid, taskTree, type ProcStat } from "./proc.ts";
import { userHz } from "./cgroups-math.ts";
import type { CgroupStatistics } from "./cgroups.ts";

export interface ProcIdentity {
  pid: number;
  startTicks: number;
}

/** Rounds of SIGKILL over the tree before giving up on a tree that keeps forking. */
export const treeKillRoundsMax = 200;
export const treeKillRoundIntervalMs = 10;

/** A fresh process table (see ProcScanner). */
export type ProcScan = () => Promise<ProcStat[]>;

/** The tree now, as identities, taken before signalling so re-parented children are still known. */
export async function snapshotTree(scan: ProcScan, taskPid: number, taskStartTicks: number | undefined): Promise<ProcIdentity[]> {
  return taskTree(await scan(), taskPid, taskStartTicks).map((p) => ({ pid: p.pid, startTicks: p.startTicks }));
}

/**
 * SIGKILLs the task's tree (session members and descendants) plus the processes remembered from
 * an earlier snapshot, until none is left alive. A remembered pid is only signalled while it still
 * has the same start time, so a reused pid is never hit.
 */
export async function killTree(
  scan: ProcScan,
  taskPid: number,
  taskStartTicks: number | undefined,
  remembered: readonly ProcIdentity[],
): Promise<boolean> {
  for (let round = 0; round < treeKillRoundsMax; round++) {
    const targets = treeTargets(await scan(), taskPid, taskStartTicks, remembered);
    if (targets.length === 0) return true;
    for (const pid of targets) signalPid(pid, "SIGKILL");
    await Bun.sleep(treeKillRoundIntervalMs);
  }
  return treeTargets(await scan(), taskPid, taskStartTicks, remembered).length === 0;
}

/** Pure: which pids of this table belong to the task (now or by memory). */
export function treeTargets(
  table: readonly ProcStat[],
  taskPid: number,
  taskStartTicks: number | undefined,
  remembered: readonly ProcIdentity[],
): number[] {
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const pids = new Set(taskTree(table, taskPid, taskStartTicks).map((p) => p.pid));
  for (const r of remembered) {
    const p = byPid.get(r.pid);
    if (p !== undefined && p.startTicks === r.startTicks && p.state !== "Z" && p.state !== "X") pids.add(r.pid);
  }
  return [...pids];
}

/** Usage summed over the task's tree, in Mesos ResourceStatistics units. */
export function treeStatistics(table: readonly ProcStat[], taskPid: number, taskStartTicks: number | undefined, pageBytes: number): CgroupStatistics {
  const tree = taskTree(table, taskPid, taskStartTicks);
  let user = 0;
  let system = 0;
  let rssPages = 0;
  let threads = 0;
  for (const p of tree) {
    user += p.utimeTicks;
    system += p.stimeTicks;
    rssPages += p.rssPages;
    threads += p.threads;
  }
  return {
    cpus_user_time_secs: user / userHz,
    cpus_system_time_secs: system / userHz,
    mem_rss_bytes: rssPages * pageBytes,
    processes: tree.length,
    threads,
  };
}

let pageBytesCache: number | undefined;

/** The kernel page size (rss in /proc/<pid>/stat counts pages). */
export function pageBytes(): number {
  if (pageBytesCache === undefined) {
    const result = Bun.spawnSync({ cmd: ["getconf", "PAGESIZE"], stdio: ["ignore", "pipe", "ignore"] });
    const value = Number(result.stdout.toString().trim());
    pageBytesCache = result.exitCode === 0 && Number.isInteger(value) && value > 0 ? value : 4096;
  }
  return pageBytesCache;
}
