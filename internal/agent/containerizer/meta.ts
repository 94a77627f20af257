// The durable per-container files under `<meta_dir>/containers/<container>/`. They live outside
// the sandbox so a task cannot forge its own exit status. None are fsynced: they only have to
// outlive the agent process (the page cache does that); a host crash ends the tasks too, and the
// boot id in launch.json tells recovery that it happened.
//
//   launch.json   written by the agent before the supervisor starts (tmp + rename)
//   pids          "<task pid> <supervisor pid>\n", written by the task's subshell once it is in its
//                 cgroups and sandbox, just before it execs setsid (launch waits for the session);
//                 then "<$? of the task>\n", appended by the supervisor in one write when the task
//                 ends. Each line counts once its newline is there. (One file for both: every
//                 file made and removed per task costs an inode, which is slow on a busy disk.)
//   killed        present once the agent asked for a kill (so a restart still reports TASK_KILLED)
//   limitation    "memory" once the agent saw the OOM killer strike inside the container
//
// Before, the status had its own file `status` and the agent wrote the task's start time to
// `task-start` (the agent now keeps it in its own journal); both are still read for containers
// launched by an older agent.

import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HealthCheck } from "../../wire/index.ts";
import { AssertionError } from "../../runtime/index.ts";
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
  /** The supervisor appends the exit status to `pids` (absent: an older agent, a `status` file). */
  statusInPids?: boolean;
}

export class ContainerMeta {
  readonly dir: string;
  /**
   * Whether an older supervisor may have written the exit status to its own `status` file. Not
   * for containers this agent launched, so their polls do not look for a file that is never there.
   */
  legacyStatusFile = true;
  /** The `limitation` marker as last read or written (it is polled often and rarely there). */
  private memoryLimitation: boolean | undefined;

  constructor(metaDir: string, readonly containerId: string) {
    this.dir = containerMetaDir(metaDir, containerId);
  }

  /** Makes the directory for a new container; it must not exist (container ids are never reused). */
  async create(): Promise<void> {
    try {
      await mkdir(this.dir, { mode: 0o700 });
    } catch (error) {
      if ((error as { code?: string }).code === "EEXIST") throw new AssertionError(`container ${this.containerId} has leftover state in ${this.dir}`);
      throw error;
    }
    this.legacyStatusFile = false;
    this.memoryLimitation = false;
  }

  async writeLaunch(record: LaunchRecord): Promise<void> {
    const tmp = join(this.dir, "launch.json.tmp");
    await writeFile(tmp, JSON.stringify({ ...record, statusInPids: true } satisfies LaunchRecord));
    await rename(tmp, join(this.dir, "launch.json"));
  }

  /** The launch record; a recovered container's tells whether its status may be in a `status` file. */
  readLaunch(): LaunchRecord | null {
    const text = this.read("launch.json");
    const record = text === null ? null : (JSON.parse(text) as LaunchRecord);
    if (record?.statusInPids === true) this.legacyStatusFile = false;
    return record;
  }

  /** Null until the task's subshell has written a complete line. */
  readPids(): { taskPid: number; supervisorPid: number } | null {
    const text = this.read("pids");
    const match = text === null ? null : /^(\d+) (\d+)\n/.exec(text);
    if (match === null) return null;
    return { taskPid: Number(match[1]), supervisorPid: Number(match[2]) };
  }

  /**
   * Null until the supervisor has written a complete line: a lone number in `pids` (after the pids
   * line, or alone when the task never started), or in `status` from an older supervisor.
   */
  readStatus(): number | null {
    const text = this.read("pids");
    const match = text === null ? null : /^(?:\d+ \d+\n)?(\d+)\n/.exec(text);
    if (match !== null) return Number(match[1]);
    if (!this.legacyStatusFile) return null;
    const legacy = this.read("status");
    const legacyMatch = legacy === null ? null : /^(\d+)\n$/.exec(legacy);
    return legacyMatch === null ? null : Number(legacyMatch[1]);
  }

  hasStatus(): boolean {
    return this.readStatus() !== null;
  }

  /** Written by older agents only; the agent now keeps the start time in its journal. */
  readTaskStartTicks(): number | undefined {
    const text = this.read("task-start");
    const ticks = text === null ? NaN : Number(text.trim());
    return Number.isFinite(ticks) ? ticks : undefined;
  }

  markKilled(): void {
    writeFileSync(join(this.dir, "killed"), "");
  }

  isKilled(): boolean {
    return existsSync(join(this.dir, "killed"));
  }

  markMemoryLimitation(): void {
    writeFileSync(join(this.dir, "limitation"), "memory\n");
    this.memoryLimitation = true;
  }

  hasMemoryLimitation(): boolean {
    this.memoryLimitation ??= this.read("limitation")?.trim() === "memory";
    return this.memoryLimitation;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async removeAsync(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
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
