// The durable shell around the tree: a txn log with group commit, snapshots, recovery and purge.
//
// Every write becomes a txn that is framed into an in-memory batch. One flush writes the whole
// batch with a single write() and a single fdatasync(), then reports the last zxid that is now on
// disk; the server holds replies until their zxid is durable. Writes that arrive while a flush is
// running form the next batch, so throughput grows with concurrency at one fsync per batch.
//
// Files in <dataDir>/zk-lite-v1/:
//   log.<first zxid, 16 hex>       txn records (log-format.ts); a new file per start and per snapshot
//   snapshot.<last zxid, 16 hex>   the whole tree at that zxid; written to .tmp, fsynced, renamed
// Recovery loads the newest snapshot that checks out, replays the logs after it, and cuts a torn
// last record (crash mid-write) off the file it was found in.

import { fsyncDir } from "../runtime/index.ts";
import * as fs from "node:fs";
import * as path from "node:path";
import { LatencyStats } from "./latency-stats.ts";
import { DataTree } from "./data-tree.ts";
import { JuteWriter } from "./jute.ts";
import {
  deserializeSnapshot,
  logHeader,
  parseZxidHex,
  scanLog,
  serializeSnapshot,
  SnapshotCorruptError,
  writeRecord,
  zxidHex,
} from "./log-format.ts";
import type { Txn } from "./txn.ts";
import type { ZkLogger } from "./types.ts";

export const STORAGE_SUBDIR = "zk-lite-v1";
/** A batch larger than this is split into several writes (still one fsync per flush). */
const FLUSH_CHUNK_BYTES_MAX = 16 * 1024 * 1024;
/** Longest a flush waits for acknowledged writers to come back with their next writes. */
const GROUP_COMMIT_WAIT_MS = 1;
/**
 * Log files are zero-filled this far ahead of the last record. Appending then rewrites blocks
 * that already exist, so fdatasync flushes data only, with no journal commit for a new size or
 * new blocks; on a busy disk that is most of an fsync's cost. Filling 2 MiB takes a few ms and
 * happens once per ~10k small txns.
 */
const PREALLOC_CHUNK_BYTES = 2 * 1024 * 1024;
const ZEROS = new Uint8Array(256 * 1024);
/** Room kept zero-filled past the end of each batch before filling the next chunk. */
const RECORD_SLACK_BYTES = 64 * 1024;

interface Segment {
  /** Set when this segment starts a new log file whose first txn has this zxid. */
  readonly newFileFirstZxid: number | null;
  readonly writer: JuteWriter;
  lastZxid: number;
}

export interface RecoveryReport {
  readonly snapshotZxid: number;
  readonly replayedTxns: number;
  readonly truncatedFiles: readonly string[];
  readonly lastZxid: number;
  readonly durationMs: number;
}

function listFiles(dir: string): { logs: { name: string; zxid: number }[]; snapshots: { name: string; zxid: number }[] } {
  const logs: { name: string; zxid: number }[] = [];
  const snapshots: { name: string; zxid: number }[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = /^(log|snapshot)\.([0-9a-f]{16})$/.exec(name);
    if (m === null) continue;
    const zxid = parseZxidHex(m[2]!);
    if (zxid === null) continue;
    (m[1] === "log" ? logs : snapshots).push({ name, zxid });
  }
  logs.sort((a, b) => a.zxid - b.zxid);
  snapshots.sort((a, b) => a.zxid - b.zxid);
  return { logs, snapshots };
}


function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let offset = 0;
  while (offset < bytes.length) {
    offset += fs.writeSync(fd, bytes, offset, Math.min(bytes.length - offset, FLUSH_CHUNK_BYTES_MAX), position + offset);
  }
}

function fdatasync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}

export class Storage {
  private fd = -1;
  private position = 0;
  private segments: Segment[] = [];
  private flushing = false;
  private flushScheduled = false;
  private pendingTxns = 0;
  /** File bytes known to be zero-filled and synced, ahead of `position`. */
  private allocatedEnd = 0;
  /** While set, the next flush waits until this many txns are pending (or the wait times out). */
  private waitTarget: number | null = null;
  private waitTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly scratch = new JuteWriter(4096);
  private snapshotInFlight: Promise<void> | null = null;
  /** Last zxid known to be on disk. */
  durableZxid: number;
  /** Called after each flush with the last durable zxid. */
  onDurable: (zxid: number) => void = () => {};
  /** Called when the disk fails; the server must stop acknowledging writes. */
  onFatal: (err: Error) => void = () => {};
  fsyncCount = 0;
  /** Milliseconds per flush (write + fdatasync), as ZooKeeper's fsynctime summary. */
  readonly fsyncTime = new LatencyStats();
  snapshotCount = 0;
  lastSnapshot: { zxid: number; timeMs: number } | null = null;

  private constructor(
    readonly dir: string,
    private readonly snapshotsRetained: number,
    private readonly logger: ZkLogger,
    lastZxid: number,
  ) {
    this.durableZxid = lastZxid;
  }

  /** Opens (creating if needed) the storage directory and rebuilds the tree from it. */
  static open(dataDir: string, snapshotsRetained: number, logger: ZkLogger, nowMs: () => number): { storage: Storage; tree: DataTree; report: RecoveryReport } {
    const started = nowMs();
    const dir = path.join(dataDir, STORAGE_SUBDIR);
    fs.mkdirSync(dir, { recursive: true });
    for (const name of fs.readdirSync(dir)) if (name.endsWith(".tmp")) fs.rmSync(path.join(dir, name), { force: true });
    const { logs, snapshots } = listFiles(dir);
    let tree = new DataTree();
    let snapshotZxid = 0;
    for (let i = snapshots.length - 1; i >= 0; i--) {
      const snap = snapshots[i]!;
      const candidate = new DataTree();
      try {
        deserializeSnapshot(new Uint8Array(fs.readFileSync(path.join(dir, snap.name))), candidate);
        tree = candidate;
        snapshotZxid = snap.zxid;
        break;
      } catch (e) {
        if (!(e instanceof SnapshotCorruptError)) throw e;
        logger.warn({ file: snap.name, err: e.message }, "zk-lite: skipping unreadable snapshot");
      }
    }
    const truncatedFiles: string[] = [];
    let replayed = 0;
    for (let i = 0; i < logs.length; i++) {
      const log = logs[i]!;
      const next = logs[i + 1];
      if (next !== undefined && next.zxid <= snapshotZxid + 1) continue; // wholly covered by the snapshot
      const file = path.join(dir, log.name);
      const bytes = new Uint8Array(fs.readFileSync(file));
      const scan = scanLog(bytes);
      for (const txn of scan.txns) {
        if (txn.zxid <= tree.lastZxid) continue;
        if (txn.zxid !== tree.lastZxid + 1) {
          throw new Error(`zk-lite: txn log ${log.name} jumps from zxid ${tree.lastZxid} to ${txn.zxid}; refusing to start`);
        }
        tree.apply(txn);
        replayed++;
      }
      if (scan.validEnd < bytes.length) {
        // Cut a torn record, or just the zero fill of a log that will not be appended to again.
        if (scan.tornReason !== null) {
          logger.warn({ file: log.name, reason: scan.tornReason, valid_bytes: scan.validEnd, file_bytes: bytes.length }, "zk-lite: truncating torn txn log tail");
          truncatedFiles.push(log.name);
        }
        const fd = fs.openSync(file, "r+");
        try {
          fs.ftruncateSync(fd, scan.validEnd);
          fs.fsyncSync(fd);
        } finally {
          fs.closeSync(fd);
        }
      }
    }
    const storage = new Storage(dir, snapshotsRetained, logger, tree.lastZxid);
    storage.openNewLog(tree.lastZxid + 1);
    const report: RecoveryReport = { snapshotZxid, replayedTxns: replayed, truncatedFiles, lastZxid: tree.lastZxid, durationMs: nowMs() - started };
    return { storage, tree, report };
  }

  private openNewLog(firstZxid: number): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    const file = path.join(this.dir, `log.${zxidHex(firstZxid)}`);
    // A leftover empty file of the same name (restart without writes) is replaced.
    this.fd = fs.openSync(file, "w");
    const header = logHeader();
    fs.writeSync(this.fd, header, 0, header.length, 0);
    this.position = header.length;
    this.allocatedEnd = header.length;
    this.preallocate(this.position);
    fsyncDir(this.dir);
  }

  /** Zero-fills the log past `upTo` by whole chunks and syncs it (see PREALLOC_CHUNK_BYTES). */
  private preallocate(upTo: number): void {
    if (upTo + RECORD_SLACK_BYTES <= this.allocatedEnd) return;
    const target = (Math.floor((upTo + RECORD_SLACK_BYTES) / PREALLOC_CHUNK_BYTES) + 1) * PREALLOC_CHUNK_BYTES;
    for (let at = this.allocatedEnd; at < target; at += ZEROS.length) fs.writeSync(this.fd, ZEROS, 0, Math.min(ZEROS.length, target - at), at);
    fs.fsyncSync(this.fd);
    this.allocatedEnd = target;
  }

  /** Frames a txn into the current batch and makes sure a flush will run. */
  append(txn: Txn): void {
    if (this.closed) throw new Error("zk-lite storage is closed");
    let seg = this.segments[this.segments.length - 1];
    if (seg === undefined) {
      seg = { newFileFirstZxid: null, writer: new JuteWriter(4096), lastZxid: txn.zxid };
      this.segments.push(seg);
    }
    writeRecord(seg.writer, txn, this.scratch);
    seg.lastZxid = txn.zxid;
    this.pendingTxns++;
    if (this.waitTarget !== null) {
      if (this.pendingTxns >= this.waitTarget) this.endWait();
      return;
    }
    this.scheduleFlush();
  }

  get hasPending(): boolean {
    return this.segments.length > 0 || this.flushing;
  }

  private scheduleFlush(): void {
    if (this.flushing || this.flushScheduled || this.waitTarget !== null) return;
    this.flushScheduled = true;
    // setImmediate lets every request that is already readable join this batch.
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  /**
   * Group commit under concurrency. When a flush ends, the writers it just acknowledged are about
   * to send their next writes, while others already wait for the next flush. Starting that flush
   * at once would split the writers into two groups that take turns, each paying for a full
   * fsync; waiting (at most GROUP_COMMIT_WAIT_MS) until the acknowledged ones are back lets one
   * fsync cover everyone. A lone writer never waits: nothing is pending when its flush ends.
   */
  private startNextFlush(acknowledged: number): void {
    if (this.segments.length === 0 || this.closed) return;
    if (acknowledged <= 1) {
      void this.flush();
      return;
    }
    this.waitTarget = this.pendingTxns + acknowledged;
    this.waitTimer = setTimeout(() => this.endWait(), GROUP_COMMIT_WAIT_MS);
  }

  private endWait(): void {
    if (this.waitTimer !== null) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    this.waitTarget = null;
    this.scheduleFlush();
  }

  /** Writes and fsyncs everything appended so far. */
  private async flush(): Promise<void> {
    if (this.flushing || this.segments.length === 0) return;
    this.flushing = true;
    const batch = this.segments;
    const txns = this.pendingTxns;
    this.segments = [];
    this.pendingTxns = 0;
    try {
      const started = performance.now();
      for (const seg of batch) {
        if (seg.newFileFirstZxid !== null) this.openNewLog(seg.newFileFirstZxid);
        const bytes = seg.writer.toBytes();
        if (bytes.length === 0) continue;
        // The write only copies into the page cache; the fsync is what waits on the disk, so only
        // it goes to the thread pool while the event loop keeps taking requests.
        this.preallocate(this.position + bytes.length);
        writeAllSync(this.fd, bytes, this.position);
        this.position += bytes.length;
        await fdatasync(this.fd);
        this.fsyncCount++;
      }
      this.fsyncTime.add(Math.round(performance.now() - started));
    } catch (e) {
      this.flushing = false;
      this.closed = true;
      this.onFatal(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.flushing = false;
    const last = batch[batch.length - 1]!;
    if (last.lastZxid > this.durableZxid) this.durableZxid = last.lastZxid;
    this.onDurable(this.durableZxid);
    this.startNextFlush(txns);
  }

  /**
   * Takes a snapshot of the tree as it is now (synchronously, so it is consistent at
   * tree.lastZxid), starts a new log for the txns after it, and writes the snapshot in the
   * background. Old files are purged once the snapshot is on disk.
   */
  snapshot(tree: DataTree, nowMs: number): void {
    if (this.snapshotInFlight !== null || this.closed) return;
    const zxid = tree.lastZxid;
    const bytes = serializeSnapshot(tree, nowMs);
    this.segments.push({ newFileFirstZxid: zxid + 1, writer: new JuteWriter(4096), lastZxid: zxid });
    this.snapshotInFlight = this.writeSnapshot(bytes, zxid)
      .then(() => {
        this.snapshotCount++;
        this.lastSnapshot = { zxid, timeMs: nowMs };
        this.purge();
      })
      .catch((e: unknown) => this.logger.error({ err: String(e), zxid }, "zk-lite: snapshot failed"))
      .finally(() => {
        this.snapshotInFlight = null;
      });
  }

  private async writeSnapshot(bytes: Uint8Array, zxid: number): Promise<void> {
    const final = path.join(this.dir, `snapshot.${zxidHex(zxid)}`);
    const tmp = `${final}.tmp`;
    const fh = await fs.promises.open(tmp, "w");
    try {
      await fh.write(bytes, 0, bytes.length, 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await fs.promises.rename(tmp, final);
    fsyncDir(this.dir);
    this.logger.info({ zxid, bytes: bytes.length }, "zk-lite: snapshot written");
  }

  /** Keeps the newest snapshots and the logs needed to replay from the oldest of them. */
  private purge(): void {
    const { logs, snapshots } = listFiles(this.dir);
    if (snapshots.length <= this.snapshotsRetained) return;
    const keep = snapshots.slice(-this.snapshotsRetained);
    const oldestKept = keep[0]!.zxid;
    for (const s of snapshots.slice(0, -this.snapshotsRetained)) fs.rmSync(path.join(this.dir, s.name), { force: true });
    for (let i = 0; i < logs.length - 1; i++) {
      if (logs[i + 1]!.zxid <= oldestKept + 1) fs.rmSync(path.join(this.dir, logs[i]!.name), { force: true });
    }
  }

  /** Bytes in the storage directory (ZooKeeper reports data and log dir sizes separately). */
  sizes(): { snapshotBytes: number; logBytes: number } {
    let snapshotBytes = 0;
    let logBytes = 0;
    for (const name of fs.readdirSync(this.dir)) {
      let size = 0;
      try {
        size = fs.statSync(path.join(this.dir, name)).size;
      } catch (e) {
        // A file purged between readdir and stat counts as gone.
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
      }
      if (name.startsWith("log.")) logBytes += size;
      else snapshotBytes += size;
    }
    return { snapshotBytes, logBytes };
  }

  /** Flushes what is pending, waits for a running snapshot, and closes the log. */
  async close(): Promise<void> {
    for (;;) {
      if (this.waitTarget !== null) this.endWait();
      if (this.flushing) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      if (this.segments.length === 0 || this.closed) break;
      await this.flush();
    }
    if (this.snapshotInFlight !== null) await this.snapshotInFlight;
    this.closed = true;
    if (this.fd >= 0) {
      fs.closeSync(this.fd);
      this.fd = -1;
    }
  }
}
