// The durable per-container files under `<meta_dir>/containers/<container>/`. They live outside
// the sandbox so a task cannot forge its own exit status. None are fsynced: they only have to
// outlive the agent process (the page cache does that); a host crash ends the tasks too, and the
// boot id in launch.json tells recovery that it happened.
//
//   launch.json   written by the agent before the supervisor starts (tmp + rename)
//   pids          "<task pid> <supervisor pid>\n", written by the task's subshell once it is in its
//                 cgroups and sandbox, just before it execs setsid (launch waits for the session)
//   task-start    the task's start time in clock ticks, written by the agent once it sees the pid
//   killed        present once the agent asked for a kill (so a restart still reports TASK_KILLED)
//   limitation    "memory" once the agent saw the OOM killer strike inside the container
//   status        "<$? of the task>\n", written by the supervisor in one write when the task ends;
//                 complete once the newline is there (pids likewise)

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HealthCheck } from "../../wire/index.ts";
import { containerMetaDir, containersMetaRoot } from "./paths.ts";
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

export class ContainerMeta {
  readonly dir: string;
  constructor(metaDir: string, readonly containerId: string) {
    this.dir = containerMetaDir(metaDir, containerId);
  }

  exists(): boolean {
    return existsSync(join(this.dir, "launch.json"));
  }

  writeLaunch(record: LaunchRecord): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, "launch.json.tmp");
    writeFileSync(tmp, JSON.stringify(record));
    renameSync(tmp, join(this.dir, "launch.json"));
  }

  readLaunch(): LaunchRecord | null {
    const text = this.read("launch.json");
    return text === null ? null : (JSON.parse(text) as LaunchRecord);
  }

  /** Null until the supervisor has written a complete line. */
  readPids(): { taskPid: number; supervisorPid: number } | null {
    const text = this.read("pids");
    const match = text === null ? null : /^(\d+) (\d+)\n$/.exec(text);
    if (match === null) return null;
    return { taskPid: Number(match[1]), supervisorPid: Number(match[2]) };
  }

  /** Null until the supervisor has written a complete line. */
  readStatus(): number | null {
    const text = this.read("status");
    const match = text === null ? null : /^(\d+)\n$/.exec(text);
    return match === null ? null : Number(match[1]);
  }

  hasStatus(): boolean {
    return this.readStatus() !== null;
  }

  readTaskStartTicks(): number | undefined {
    const text = this.read("task-start");
    const ticks = text === null ? NaN : Number(text.trim());
    return Number.isFinite(ticks) ? ticks : undefined;
  }

  writeTaskStartTicks(ticks: number): void {
    writeFileSync(join(this.dir, "task-start"), `${ticks}\n`);
  }

  markKilled(): void {
    writeFileSync(join(this.dir, "killed"), "");
  }

  isKilled(): boolean {
    return existsSync(join(this.dir, "killed"));
  }

  markMemoryLimitation(): void {
    writeFileSync(join(this.dir, "limitation"), "memory\n");
  }

  hasMemoryLimitation(): boolean {
    return this.read("limitation")?.trim() === "memory";
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private read(file: string): string | null {
    try {
      return readFileSync(join(this.dir, file), "utf8");
    } catch (error) {
      if (isGone(error)) return null;
      throw error;
    }
  }
}

export function listMetaContainerIds(metaDir: string): string[] {
  const root = containersMetaRoot(metaDir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

let bootIdCache: string | undefined;

/** Changes on every boot; a launch record from another boot means the task died with the host. */
export function currentBootId(): string {
  bootIdCache ??= readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  return bootIdCache;
}
