// Electing one active cron process without ZooKeeper: the processes share --work_dir, and the one
// holding an exclusive flock(2) on `<work_dir>/cron-leader.lock` is the leader. The kernel drops
// the lock the moment the holder's process dies, however it dies (SIGKILL included), so a standby
// polling every `pollIntervalMs` takes over within about that long. A leader that is alive keeps
// the lock, so two leaders at once are impossible on one machine — the property Nomad's periodic
// jobs lacked around elections. Limits: only processes that see the same file with working locks
// (one machine, or a shared filesystem that implements them; NFS often does not); a hung but
// living leader is not replaced. ZooKeeper (--zk) is the way for processes on several machines.

import { closeSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tryLockExclusive, unlock } from "./flock.ts";

export const leaderLockFile = "cron-leader.lock";
export const leaderInfoFile = "cron-leader.json";

/** How a cron process learns it leads, and where the leader is when it does not. */
export interface Leadership {
  /** Resolves once this process is the leader; rejects if `release` is called first. */
  acquire(): Promise<void>;
  /** Resolves with a reason if leadership is lost after it was acquired. */
  readonly lost: Promise<string>;
  /** The leader's advertised URL (`http://host:port`), as far as this process knows. */
  leaderUrl(): string | undefined;
  release(): Promise<void>;
}

interface LeaderInfo {
  url: string;
  pid: number;
  sinceMs: number;
}

export class FileLockLeadership implements Leadership {
  private readonly fd: number;
  private held = false;
  private released = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abandon: (() => void) | undefined;
  readonly lost: Promise<string>;

  constructor(
    private readonly workDir: string,
    private readonly myUrl: string,
    private readonly pollIntervalMs: number,
    private readonly nowMs: () => number,
  ) {
    this.fd = openSync(join(workDir, leaderLockFile), "a");
    // Only a process that dies loses an fcntl lock, and then it is gone: nothing to report.
    this.lost = new Promise<string>(() => {});
  }

  /** Tries once; true if this process now holds the lock. */
  tryAcquire(): boolean {
    if (this.held) return true;
    if (!tryLockExclusive(this.fd)) return false;
    this.held = true;
    this.writeInfo();
    return true;
  }

  acquire(): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        this.timer = undefined;
        this.abandon = undefined;
        if (this.released) return reject(new Error("leadership released before it was acquired"));
        if (this.tryAcquire()) return resolve();
        this.timer = setTimeout(attempt, this.pollIntervalMs);
        this.abandon = () => reject(new Error("leadership released before it was acquired"));
      };
      attempt();
    });
  }

  private writeInfo(): void {
    const info: LeaderInfo = { url: this.myUrl, pid: process.pid, sinceMs: this.nowMs() };
    const path = join(this.workDir, leaderInfoFile);
    writeFileSync(`${path}.tmp`, JSON.stringify(info));
    renameSync(`${path}.tmp`, path);
  }

  leaderUrl(): string | undefined {
    if (this.held) return this.myUrl;
    try {
      return (JSON.parse(readFileSync(join(this.workDir, leaderInfoFile), "utf8")) as LeaderInfo).url;
    } catch (error) {
      // No leader has written its address yet (or it is mid-rename): say we do not know.
      if (error instanceof SyntaxError || (error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw error;
    }
  }

  get isLeader(): boolean {
    return this.held;
  }

  release(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.released = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.abandon?.();
    if (this.held) unlock(this.fd);
    this.held = false;
    closeSync(this.fd);
    return Promise.resolve();
  }
}
