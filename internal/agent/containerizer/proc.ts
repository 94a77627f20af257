// Reading /proc: process identity (pid + start time, so a reused pid is never mistaken for ours),
// process trees for killing and accounting without cgroups. Parsing is pure; reading is thin.

import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  utimeTicks: number;
  stimeTicks: number;
  threads: number;
  /** Start time in clock ticks since boot: with the pid, the identity of a process. */
  startTicks: number;
  rssPages: number;
}

/** /proc/<pid>/stat. The command name may hold spaces and parentheses, so split after the last ')'. */
export function parseProcStat(pid: number, text: string): ProcStat | null {
  const close = text.lastIndexOf(")");
  if (close < 0) return null;
  const f = text.slice(close + 2).split(" ");
  const num = (i: number) => Number(f[i]);
  const stat: ProcStat = {
    pid,
    state: f[0] ?? "?",
    ppid: num(1),
    pgrp: num(2),
    session: num(3),
    utimeTicks: num(11),
    stimeTicks: num(12),
    threads: num(17),
    startTicks: num(19),
    rssPages: num(21),
  };
  return Number.isFinite(stat.startTicks) && Number.isFinite(stat.ppid) ? stat : null;
}

/** One process's stat, or null when it is gone (or was never there). */
export function readProcStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if (isGone(error)) return null;
    throw error;
  }
  return parseProcStat(pid, text);
}

/** Every process on the host. Processes that vanish between readdir and read are skipped. */
export function readProcTable(): ProcStat[] {
  const table: ProcStat[] = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (stat !== null) table.push(stat);
  }
  return table;
}

export function isGone(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === "ENOENT" || code === "ESRCH";
}

/** True when `pid` is alive (a zombie counts as gone) and is the process that started at `startTicks`. */
export function isSameProcessAlive(pid: number, startTicks: number | undefined): boolean {
  const stat = readProcStat(pid);
  if (stat === null || stat.state === "Z" || stat.state === "X") return false;
  return startTicks === undefined || stat.startTicks === startTicks;
}

/**
 * A task's process tree without cgroups: everything in the task's session (the task is a session
 * leader, and its children keep the session id even after they are re-parented), plus every
 * descendant by parent pid (which catches children that called setsid while their parent lives).
 * Zombies are left out: they hold no resources and cannot be signalled away.
 */
export function taskTree(table: readonly ProcStat[], leaderPid: number, leaderStartTicks?: number): ProcStat[] {
  // If the leader's pid now belongs to a newer process, only processes older than that newcomer
  // can be ours.
  const holder = table.find((p) => p.pid === leaderPid);
  const reused = holder !== undefined && leaderStartTicks !== undefined && holder.startTicks !== leaderStartTicks;
  const ours = (p: ProcStat) => !reused || p.startTicks < holder.startTicks;
  const children = new Map<number, ProcStat[]>();
  for (const p of table) {
    const siblings = children.get(p.ppid);
    if (siblings === undefined) children.set(p.ppid, [p]);
    else siblings.push(p);
  }
  const found = new Map<number, ProcStat>();
  const queue: ProcStat[] = table.filter((p) => (p.pid === leaderPid || p.session === leaderPid) && ours(p));
  while (queue.length > 0) {
    const p = queue.pop()!;
    if (found.has(p.pid)) continue;
    found.set(p.pid, p);
    for (const child of children.get(p.pid) ?? []) queue.push(child);
  }
  return [...found.values()].filter((p) => p.state !== "Z" && p.state !== "X");
}

/**
 * Coalesces /proc walks: a walk starts on the next turn of the event loop and serves everyone who
 * asked before it started, so each caller still gets a table taken after its call. A thousand
 * concurrent kills then cost a few walks instead of a thousand (a walk of 3,000 processes takes
 * tens of milliseconds).
 */
export class ProcScanner {
  private pending: Promise<ProcStat[]> | null = null;

  fresh(): Promise<ProcStat[]> {
    this.pending ??= new Promise<ProcStat[]>((resolve, reject) => {
      setImmediate(() => {
        this.pending = null;
        try {
          resolve(readProcTable());
        } catch (error) {
          reject(error);
        }
      });
    });
    return this.pending;
  }
}

/** Sends a signal, treating "no such process" as done. */
export function signalPid(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if (isGone(error)) return false;
    throw error;
  }
}
