// Killing and measuring a task's process tree without cgroups, from /proc.

import { existsSync } from "node:fs";
import { readProcStat, signalPid, taskTree, type ProcStat } from "./proc.ts";
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
 * SIGKILLs the tree of the session led by `leaderPid` (its members and their descendants) plus the
 * processes remembered from an earlier snapshot, all but `spare` (the supervisor, which must live
 * to write the task's status), until none is left alive. A remembered pid is only signalled while
 * it still has the same start time, so a reused pid is never hit.
 */
export async function killTree(
  scan: ProcScan,
  leaderPid: number,
  leaderStartTicks: number | undefined,
  remembered: readonly ProcIdentity[],
  spare?: number,
): Promise<boolean> {
  for (let round = 0; round < treeKillRoundsMax; round++) {
    const targets = treeTargets(await scan(), leaderPid, leaderStartTicks, remembered, spare);
    if (targets.length === 0) return true;
    for (const pid of targets) signalPid(pid, "SIGKILL");
    await Bun.sleep(treeKillRoundIntervalMs);
  }
  return treeTargets(await scan(), leaderPid, leaderStartTicks, remembered, spare).length === 0;
}

/** Pure: which pids of this table belong to the task (now or by memory), `spare` left out. */
export function treeTargets(
  table: readonly ProcStat[],
  leaderPid: number,
  leaderStartTicks: number | undefined,
  remembered: readonly ProcIdentity[],
  spare?: number,
): number[] {
  const byPid = new Map(table.map((p) => [p.pid, p]));
  const pids = new Set(taskTree(table, leaderPid, leaderStartTicks).map((p) => p.pid));
  for (const r of remembered) {
    const p = byPid.get(r.pid);
    if (p !== undefined && p.startTicks === r.startTicks && p.state !== "Z" && p.state !== "X") pids.add(r.pid);
  }
  if (spare !== undefined) pids.delete(spare);
  return [...pids];
}

/**
 * Usage summed over the tree of the session led by `leaderPid`, `spare` (the supervisor, which is
 * outside the task's cgroups too) left out, in Mesos ResourceStatistics units.
 */
export function treeStatistics(table: readonly ProcStat[], leaderPid: number, leaderStartTicks: number | undefined, pageBytes: number, spare?: number): CgroupStatistics {
  const tree = taskTree(table, leaderPid, leaderStartTicks).filter((p) => p.pid !== spare);
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

/** Sweeps a session gets before its stragglers are left alone (they keep forking). */
export const sessionSweepRoundsMax = 20;

/**
 * What a task that ended on its own may have left behind, without cgroups. Its process group is
 * killed at once (background jobs stay in it); members of its session that moved to another
 * group, and their descendants, need a walk of /proc, which costs a read per process on the host.
 * Done for every task that ends, those walks took most of a busy agent's CPU; one sweep shortly
 * after serves every task that ended meanwhile.
 */
export class SessionSweeper {
  private pending: Array<{ sid: number; startTicks: number | undefined; round: number }> = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly scan: ProcScan,
    private readonly delayMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  /**
   * The task of the session and group led by `sid` (its supervisor, which has written the status)
   * has ended: kill the group now, the rest of the session soon.
   */
  taskEnded(sid: number, startTicks: number | undefined): void {
    // A pid is not reused while a group or session still names it; if it was reused, the old
    // group is empty and the new process's group is not ours.
    // The leader is almost always gone (the agent reaped it); existsSync spares the thrown ENOENT.
    const holder = existsSync(`/proc/${sid}`) ? readProcStat(sid) : null;
    if (holder === null || startTicks === undefined || holder.startTicks === startTicks) signalPid(-sid, "SIGKILL");
    this.add({ sid, startTicks, round: 0 });
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private add(entry: { sid: number; startTicks: number | undefined; round: number }): void {
    if (this.closed) return;
    this.pending.push(entry);
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweep().catch(this.onError);
    }, this.delayMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    const batch = this.pending.splice(0);
    const table = await this.scan();
    for (const entry of batch) {
      const targets = treeTargets(table, entry.sid, entry.startTicks, []);
      for (const pid of targets) signalPid(pid, "SIGKILL");
      if (targets.length > 0 && entry.round + 1 < sessionSweepRoundsMax) this.add({ ...entry, round: entry.round + 1 });
    }
  }
}
