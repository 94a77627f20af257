// Sandbox garbage collection: the schedule is a JSON file in the meta dir, replaced atomically and
// fsynced after changes, so a removal scheduled before an agent restart still happens after it.
// Changes made while a write is under way share the next write: a thousand tasks finishing at
// once cost two rewrites of the file, not a thousand. The core calls prune() every
// --disk_watch_interval.

import { existsSync, mkdirSync, readFileSync, statfsSync } from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { assert, realClock, type Clock } from "../../runtime/index.ts";
import { dueEntries, gcDelayMsDefault, gcDiskHeadroomDefault, gcMaxAgeMs, type GcEntry } from "./gc-core.ts";

export interface GcLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Most paths the schedule holds; past it the earliest-due path is removed at once (logged). */
export const gcEntriesMax = 100_000;
/** Most removals one prune performs; the rest wait for the next prune. */
export const gcRemovalsPerPruneMax = 1_000;
/**
 * Each write serializes the whole schedule (a week of finished sandboxes); with tasks finishing
 * hundreds a second, writing after every change was quadratic. Recovery schedules the sandboxes
 * of the completed tasks it finds again, so a crash within this window loses nothing.
 */
export const gcWriteIntervalMinMs = 1_000;

export interface SandboxGcOptions {
  /** The schedule lives in `<stateDir>/gc.json`. */
  stateDir: string;
  /** Only paths below this directory (the work dir) may be scheduled. */
  rootDir: string;
  gcDelayMs?: number;
  gcDiskHeadroom?: number;
  /** Fraction of the disk in use, in [0, 1]. Default: statfs of rootDir, as Mesos's fs::usage. */
  diskUsage?: (path: string) => Promise<number>;
  /** Default: rm -rf. */
  remove?: (path: string) => Promise<void>;
  clock?: Clock;
  logger?: GcLogger;
  /** Least time between two writes of the schedule; changes meanwhile wait and share one. Default gcWriteIntervalMinMs. */
  writeIntervalMinMs?: number;
}

export interface PruneResult {
  removed: string[];
  failed: string[];
  diskUsage: number;
  maxAgeMs: number;
}

/** Mesos's fs::usage: blocks in use over all blocks. */
export async function diskUsageFraction(path: string): Promise<number> {
  const s = statfsSync(path);
  return s.blocks === 0 ? 0 : (s.blocks - s.bfree) / s.blocks;
}

export class SandboxGc {
  private readonly entries = new Map<string, GcEntry>();
  private readonly statePath: string;
  private readonly rootDir: string;
  private readonly gcDelayMs: number;
  private readonly gcDiskHeadroom: number;
  private readonly clock: Clock;
  private readonly logger: GcLogger | undefined;
  private readonly diskUsage: (path: string) => Promise<number>;
  private readonly remove: (path: string) => Promise<void>;
  /** The write under way, and the one that will take the changes made meanwhile. */
  private writing: Promise<void> | null = null;
  private nextWrite: Promise<void> | null = null;
  private lastWriteStartMs = Number.NEGATIVE_INFINITY;
  private readonly writeIntervalMinMs: number;

  constructor(options: SandboxGcOptions) {
    this.statePath = join(options.stateDir, "gc.json");
    this.rootDir = resolve(options.rootDir);
    this.gcDelayMs = options.gcDelayMs ?? gcDelayMsDefault;
    this.gcDiskHeadroom = options.gcDiskHeadroom ?? gcDiskHeadroomDefault;
    assert(this.gcDelayMs >= 0, `gc_delay must not be negative: ${this.gcDelayMs}`);
    assert(this.gcDiskHeadroom >= 0 && this.gcDiskHeadroom <= 1, `gc_disk_headroom must be in [0, 1]: ${this.gcDiskHeadroom}`);
    this.clock = options.clock ?? realClock;
    this.logger = options.logger;
    this.diskUsage = options.diskUsage ?? diskUsageFraction;
    this.remove = options.remove ?? ((path) => rm(path, { recursive: true, force: true }));
    this.writeIntervalMinMs = options.writeIntervalMinMs ?? gcWriteIntervalMinMs;
    assert(this.writeIntervalMinMs >= 0, `gc write interval must not be negative: ${this.writeIntervalMinMs}`);
    mkdirSync(options.stateDir, { recursive: true });
    this.load();
  }

  /** Schedules a path for removal after delayMs (default gc_delay). Rescheduling replaces. */
  async schedule(path: string, delayMs: number = this.gcDelayMs): Promise<void> {
    const absolute = resolve(path);
    assert(absolute.startsWith(this.rootDir + "/"), `gc may only remove paths below ${this.rootDir}: ${absolute}`);
    assert(delayMs >= 0, `gc delay must not be negative: ${delayMs}`);
    const nowMs = this.clock.nowMs();
    this.entries.set(absolute, { path: absolute, scheduledAtMs: nowMs, removeAtMs: nowMs + delayMs });
    if (this.entries.size > gcEntriesMax) await this.removeOverflow();
    await this.persist();
  }

  /** Schedules a path unless it is scheduled already or gone (recovery re-asserts what it knows). */
  async scheduleIfAbsent(path: string): Promise<void> {
    const absolute = resolve(path);
    if (this.entries.has(absolute) || !existsSync(absolute)) return;
    await this.schedule(absolute);
  }

  /** Keeps a path (e.g. a sandbox that is in use again). Resolves true, once on disk, when it was scheduled. */
  async unschedule(path: string): Promise<boolean> {
    const removed = this.entries.delete(resolve(path));
    if (removed) await this.persist();
    return removed;
  }

  scheduled(): GcEntry[] {
    return [...this.entries.values()].sort((a, b) => a.removeAtMs - b.removeAtMs);
  }

  /** Removes what is due now, sooner the fuller the disk. */
  async prune(): Promise<PruneResult> {
    const diskUsage = await this.diskUsage(this.rootDir);
    const maxAgeMs = gcMaxAgeMs(this.gcDelayMs, this.gcDiskHeadroom, diskUsage);
    const due = dueEntries(this.entries.values(), this.clock.nowMs(), this.gcDelayMs, maxAgeMs).slice(0, gcRemovalsPerPruneMax);
    const removed: string[] = [];
    const failed: string[] = [];
    for (const entry of due) {
      try {
        await this.remove(entry.path);
        removed.push(entry.path);
      } catch (error) {
        // Like Mesos, a path that cannot be removed is dropped from the schedule, with an error.
        failed.push(entry.path);
        this.logger?.error({ path: entry.path, err: String(error) }, "gc failed to remove path");
      }
      this.entries.delete(entry.path);
    }
    if (due.length > 0) {
      await this.persist();
      this.logger?.info({ removed: removed.length, failed: failed.length, disk_usage: diskUsage, max_age_ms: maxAgeMs }, "gc pruned sandboxes");
    }
    return { removed, failed, diskUsage, maxAgeMs };
  }

  private async removeOverflow(): Promise<void> {
    const [earliest] = dueEntries(this.entries.values(), Number.POSITIVE_INFINITY, 0, 0);
    assert(earliest !== undefined, "overflowing schedule has entries");
    this.logger?.warn({ path: earliest.path, entries_max: gcEntriesMax }, "gc schedule full; removing the earliest-due path now");
    this.entries.delete(earliest.path);
    await this.remove(earliest.path);
  }

  private load(): void {
    if (!existsSync(this.statePath)) return;
    const parsed = JSON.parse(readFileSync(this.statePath, "utf8")) as { version: number; entries: GcEntry[] };
    assert(parsed.version === 1 && Array.isArray(parsed.entries), `unknown gc state format in ${this.statePath}`);
    for (const e of parsed.entries) this.entries.set(e.path, e);
  }

  /** Resolves once the schedule as it is now (or newer) is on disk. */
  private persist(): Promise<void> {
    if (this.nextWrite !== null) return this.nextWrite;
    // A failed write is reported to its own callers; the next one still tries.
    const after = (this.writing ?? Promise.resolve()).catch(() => undefined);
    const next = after
      .then(() => {
        // Real time, not the injected clock: this paces disk writes, it decides nothing.
        const waitMs = this.lastWriteStartMs + this.writeIntervalMinMs - performance.now();
        return waitMs > 0 ? Bun.sleep(waitMs) : undefined;
      })
      .then(() => {
        this.writing = next;
        this.nextWrite = null;
        this.lastWriteStartMs = performance.now();
        return this.writeSchedule();
      });
    this.nextWrite = next;
    const clear = () => {
      if (this.writing === next) this.writing = null;
    };
    next.then(clear, clear);
    return next;
  }

  /** tmp file, fsync, rename over, fsync the directory: the schedule is either old or new, never torn. */
  private async writeSchedule(): Promise<void> {
    const tmp = `${this.statePath}.tmp`;
    const file = await open(tmp, "w", 0o600);
    try {
      await file.writeFile(JSON.stringify({ version: 1, entries: [...this.entries.values()] }));
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, this.statePath);
    const dir = await open(dirname(this.statePath), "r");
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}
