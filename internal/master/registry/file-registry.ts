// The single-master registry: an append-only log of ops in <work_dir>/registry/, each line
// `<crc32 hex> <json>`, fsynced before apply() resolves (ops arriving in the same turn share one
// fsync), compacted into a snapshot every `registryCompactOpsMax` ops. A torn last line (a crash
// mid-write) is cut off on open; damage anywhere else stops start-up with a message.

import { fsyncDir, truncateAndSync } from "../../runtime/index.ts";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync, ftruncateSync } from "node:fs";
import { join } from "node:path";
import { applyRegistryOp, emptyRegistryState } from "./state-machine.ts";
import type { Registry, RegistryOp, RegistryState } from "./types.ts";

export const registryCompactOpsMax = 1000;

interface LogEntry {
  seq: number;
  op: RegistryOp;
}

interface Pending {
  op: RegistryOp;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class RegistryCorruptError extends Error {}

function crcOf(text: string): string {
  return Bun.hash.crc32(text).toString(16).padStart(8, "0");
}

export class FileRegistry implements Registry {
  private readonly current: RegistryState;
  private seq: number;
  private logFd: number;
  private opsSinceSnapshot = 0;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private closed = false;

  private constructor(
    private readonly dir: string,
    state: RegistryState,
    seq: number,
    opsInLog: number,
  ) {
    this.current = state;
    this.seq = seq;
    this.opsSinceSnapshot = opsInLog;
    this.logFd = openSync(this.logPath(), "a");
  }

  static open(workDir: string): FileRegistry {
    const dir = join(workDir, "registry");
    mkdirSync(dir, { recursive: true });
    const { state, seq } = readSnapshot(join(dir, "snapshot.json"));
    const replay = replayLog(join(dir, "registry.log"), state, seq);
    return new FileRegistry(dir, state, replay.seq, replay.ops);
  }

  state(): Readonly<RegistryState> {
    return this.current;
  }

  apply(op: RegistryOp): Promise<void> {
    if (this.closed) return Promise.reject(new Error("registry is closed"));
    return new Promise((resolve, reject) => {
      this.pending.push({ op, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        // After this turn's I/O callbacks: ops from many messages share one fsync.
        setImmediate(() => this.flush());
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    closeSync(this.logFd);
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let text = "";
    for (const item of batch) {
      const json = JSON.stringify({ seq: this.seq + 1, op: item.op } satisfies LogEntry);
      this.seq += 1;
      text += `${crcOf(json)} ${json}\n`;
    }
    try {
      writeSync(this.logFd, text);
      fsyncSync(this.logFd);
    } catch (error) {
      for (const item of batch) item.reject(error as Error);
      return;
    }
    for (const item of batch) applyRegistryOp(this.current, item.op);
    this.opsSinceSnapshot += batch.length;
    if (this.opsSinceSnapshot >= registryCompactOpsMax) this.compact();
    for (const item of batch) item.resolve();
  }

  /** Snapshot first (tmp, fsync, rename), then empty the log: a crash between leaves both consistent. */
  private compact(): void {
    const snapshotPath = join(this.dir, "snapshot.json");
    const tmp = `${snapshotPath}.tmp`;
    const fd = openSync(tmp, "w");
    writeSync(fd, JSON.stringify({ seq: this.seq, state: this.current }));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, snapshotPath);
    fsyncDir(this.dir);
    ftruncateSync(this.logFd, 0);
    fsyncSync(this.logFd);
    this.opsSinceSnapshot = 0;
  }

  private logPath(): string {
    return join(this.dir, "registry.log");
  }
}


function readSnapshot(path: string): { state: RegistryState; seq: number } {
  if (!existsSync(path)) return { state: emptyRegistryState(), seq: 0 };
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as { seq: number; state: RegistryState };
    return { state: { ...emptyRegistryState(), ...parsed.state }, seq: parsed.seq };
  } catch (error) {
    throw new RegistryCorruptError(`registry snapshot ${path} is unreadable: ${(error as Error).message}`);
  }
}

/** Replays entries newer than the snapshot; cuts a torn tail; refuses damage before the tail. */
function replayLog(path: string, state: RegistryState, snapshotSeq: number): { seq: number; ops: number } {
  if (!existsSync(path)) return { seq: snapshotSeq, ops: 0 };
  const text = readFileSync(path, "utf8");
  let seq = snapshotSeq;
  let ops = 0;
  let offset = 0;
  while (offset < text.length) {
    const newline = text.indexOf("\n", offset);
    const entry = newline === -1 ? undefined : parseLine(text.slice(offset, newline));
    if (entry === undefined) {
      if (text.indexOf("\n", newline + 1) !== -1 && newline !== -1) {
        throw new RegistryCorruptError(`registry log ${path} is damaged at byte ${offset}; restore it from a backup or move it away`);
      }
      truncateAndSync(path, Buffer.byteLength(text.slice(0, offset)));
      break;
    }
    if (entry.seq > seq) {
      applyRegistryOp(state, entry.op);
      seq = entry.seq;
    }
    ops += 1;
    offset = newline + 1;
  }
  return { seq, ops };
}

function parseLine(line: string): LogEntry | undefined {
  const space = line.indexOf(" ");
  if (space !== 8) return undefined;
  const json = line.slice(space + 1);
  if (crcOf(json) !== line.slice(0, space)) return undefined;
  try {
    return JSON.parse(json) as LogEntry;
  } catch {
    return undefined; // A line whose crc matches but does not parse cannot happen short of a crc collision.
  }
}

