// The durable record of one container: the file `<meta_dir>/containers/<container>`, outside the
// sandbox so a task cannot forge its own exit status. Lines, each appended in one write(2) and
// counted only once its newline is there:
//
//   launch <json>              written by the agent before the supervisor starts (the file is
//                              created with it, exclusively: container ids are never reused)
//   pids <task pid> <sup pid>  appended by the task's subshell once it is in its cgroups and
//                              sandbox, just before it execs the command
//   exit <$? of the task>      appended by the supervisor when the task ends (alone when the task
//                              never started)
//   killed                     appended by the agent once it asked for a kill (a restart still
//                              reports TASK_KILLED)
//   limitation memory          appended by the agent once it saw the OOM killer strike inside
//
// One file, not a directory of them: on ext4 every inode made (and, for a minute after, every
// one removed) makes the next allocations in its block group slower, and launches are made of
// inode allocations. Nothing here is fsynced: the file only has to outlive the agent process
// (the page cache does that); a host crash ends the tasks too, and the boot id in the launch
// line tells recovery that it happened.

import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import type { HealthCheck } from "../../wire/index.ts";
import { AssertionError } from "../../runtime/index.ts";
import { containerMetaFile, containersMetaRoot } from "./paths.ts";
import { isGone } from "./proc.ts";
import type { ContainerLimits } from "./types.ts";

export interface LaunchRecord {
  containerId: string;
  sandboxDir: string;
  launchedAtMs: number;
  bootId: string;
  limits: ContainerLimits;
  healthCheck?: HealthCheck;
  /** Task environment, kept for command health checks after a restart. */
  env: Record<string, string>;
  cgroups: boolean;
}

interface ParsedMeta {
  /** The launch line's JSON, parsed only by readLaunch (pids and status are polled often). */
  launchJson: string | null;
  pids: { taskPid: number; supervisorPid: number } | null;
  status: number | null;
  killed: boolean;
  memoryLimitation: boolean;
}

/** The complete lines of a meta file; a torn last line (no newline yet) is left out. */
export function parseMeta(text: string): ParsedMeta {
  const parsed: ParsedMeta = { launchJson: null, pids: null, status: null, killed: false, memoryLimitation: false };
  const end = text.lastIndexOf("\n");
  for (const line of text.slice(0, end + 1).split("\n")) {
    const space = line.indexOf(" ");
    const word = space < 0 ? line : line.slice(0, space);
    const rest = space < 0 ? "" : line.slice(space + 1);
    if (word === "launch" && parsed.launchJson === null) parsed.launchJson = rest;
    else if (word === "pids" && parsed.pids === null) {
      const match = /^(\d+) (\d+)$/.exec(rest);
      if (match !== null) parsed.pids = { taskPid: Number(match[1]), supervisorPid: Number(match[2]) };
    } else if (word === "exit" && parsed.status === null && /^\d+$/.test(rest)) parsed.status = Number(rest);
    else if (word === "killed") parsed.killed = true;
    else if (word === "limitation" && rest === "memory") parsed.memoryLimitation = true;
  }
  return parsed;
}

export class ContainerMeta {
  /** The container's meta file (the supervisor gets it as its first argument). */
  readonly path: string;
  /** The `limitation` line as last read or written (it is polled often and rarely there). */
  private memoryLimitation: boolean | undefined;

  constructor(metaDir: string, readonly containerId: string) {
    this.path = containerMetaFile(metaDir, containerId);
  }

  /** Creates the file with the launch line; it must not exist (container ids are never reused). */
  async writeLaunch(record: LaunchRecord): Promise<void> {
    try {
      await writeFile(this.path, `launch ${JSON.stringify(record)}\n`, { flag: "wx", mode: 0o600 });
    } catch (error) {
      if ((error as { code?: string }).code === "EEXIST") throw new AssertionError(`container ${this.containerId} has leftover state in ${this.path}`);
      throw error;
    }
    this.memoryLimitation = false;
  }

  readLaunch(): LaunchRecord | null {
    const json = this.read().launchJson;
    return json === null ? null : (JSON.parse(json) as LaunchRecord);
  }

  /** Null until the task's subshell has written a complete line. */
  readPids(): { taskPid: number; supervisorPid: number } | null {
    return this.read().pids;
  }

  /** Null until the supervisor has written a complete line. */
  readStatus(): number | null {
    return this.read().status;
  }

  hasStatus(): boolean {
    return this.readStatus() !== null;
  }

  markKilled(): void {
    appendFileSync(this.path, "killed\n");
  }

  isKilled(): boolean {
    return this.read().killed;
  }

  markMemoryLimitation(): void {
    appendFileSync(this.path, "limitation memory\n");
    this.memoryLimitation = true;
  }

  hasMemoryLimitation(): boolean {
    this.memoryLimitation ??= this.read().memoryLimitation;
    return this.memoryLimitation;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }

  async removeAsync(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }

  private read(): ParsedMeta {
    let text = "";
    try {
      text = readFileSync(this.path, "utf8");
    } catch (error) {
      // EISDIR: a directory left by a build that kept one per container; it reads as no record.
      if (!isGone(error) && (error as { code?: string }).code !== "EISDIR") throw error;
    }
    return parseMeta(text);
  }
}

export function listMetaContainerIds(metaDir: string): string[] {
  const root = containersMetaRoot(metaDir);
  if (!existsSync(root)) return [];
  return readdirSync(root);
}

let bootIdCache: string | undefined;

/** Changes on every boot; a launch record from another boot means the task died with the host. */
export function currentBootId(): string {
  bootIdCache ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return bootIdCache;
}
