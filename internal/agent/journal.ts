// An append-only journal of JSON lines with group commit. Records appended during one turn of the
// event loop (and while the previous batch is still being synced) are written with one write(2)
// and made durable with one fdatasync; only then do the callbacks waiting on them run, which is
// where the agent sends the messages those records describe. So "on disk before it is sent" holds
// for every record, at one fsync per batch instead of one per record.
//
// The journal grows with every record; once it is larger than journalCompactBytesMin and
// journalCompactGrowthFactor times the last snapshot, the next commit writes a snapshot of the
// live state instead (tmp file, fsync, rename over, fsync the directory) and starts again from it.
//
// A crash can leave a torn last line, or a batch written but not synced; readRecords (in
// checkpoint-io.ts) cuts the first and the second is harmless: nothing of it was sent.

import { closeSync, existsSync, fdatasync, fdatasyncSync, fstatSync, openSync, renameSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { assert } from "../runtime/index.ts";
import { syncDir } from "./checkpoint-io.ts";
import { checkpointLineBytesMax, journalCompactBytesMin, journalCompactGrowthFactor } from "./limits.ts";

/** What the agent's cores need from a journal: append, and run something once it is durable. */
export interface JournalSink<T> {
  append(record: T): void;
  /** Runs `fn` once every record appended so far is on disk (never synchronously). */
  afterCommit(fn: () => void): void;
}

export interface JournalOptions<T> {
  path: string;
  /** Every record needed to rebuild the live state; it must reflect every record appended so far. */
  snapshot: () => Iterable<T>;
  /** Writing or syncing failed: nothing more can be made durable, so nothing more may be sent. */
  onFatal: (error: Error) => void;
  compactBytesMin?: number;
}

interface Batch {
  lines: string[];
  bytes: number;
  callbacks: Array<() => void>;
}

function emptyBatch(): Batch {
  return { lines: [], bytes: 0, callbacks: [] };
}

export class Journal<T> implements JournalSink<T> {
  private fd: number;
  private sizeBytes: number;
  private snapshotBytes = 0;
  private open = emptyBatch();
  private inFlight: Batch | null = null;
  private scheduled = false;
  private closed = false;
  private runCallbacksOnClose = false;
  private failed = false;
  private readonly compactBytesMin: number;
  /** Batches committed and snapshots written, for tests and logs. */
  readonly stats = { commits: 0, compactions: 0, records: 0 };

  constructor(private readonly options: JournalOptions<T>) {
    this.compactBytesMin = options.compactBytesMin ?? journalCompactBytesMin;
    assert(this.compactBytesMin > 0, `journal compaction size must be positive: ${this.compactBytesMin}`);
    const created = !existsSync(options.path);
    this.fd = openSync(options.path, "a", 0o600);
    // The file's directory entry must survive a crash before any record in it counts.
    if (created) syncDir(dirname(options.path));
    this.sizeBytes = fstatSync(this.fd).size;
  }

  get path(): string {
    return this.options.path;
  }

  /** After close() records are dropped: nothing depending on them can be sent any more. */
  append(record: T): void {
    if (this.closed) return;
    const line = `${JSON.stringify(record)}\n`;
    const bytes = Buffer.byteLength(line);
    if (bytes > checkpointLineBytesMax) throw new Error(`journal record of ${bytes} bytes is larger than ${checkpointLineBytesMax}`);
    this.open.lines.push(line);
    this.open.bytes += bytes;
    this.stats.records++;
    this.schedule();
  }

  afterCommit(fn: () => void): void {
    if (this.open.lines.length === 0 && this.inFlight !== null) {
      this.inFlight.callbacks.push(fn);
      return;
    }
    this.open.callbacks.push(fn);
    this.schedule();
  }

  /** Writes a snapshot at the next commit whatever the size (after a migration, in tests). */
  compactSoon(): void {
    this.snapshotBytes = -1;
    this.schedule();
  }

  /**
   * Commits what is open synchronously and closes the file (once a commit in flight is done).
   * What waits on the last batches runs only with `runCallbacks` (the journal is being replaced,
   * not the agent stopping): a stopping agent sends and launches nothing more, and recovery
   * takes the durable records from there.
   */
  close(options: { runCallbacks: boolean } = { runCallbacks: false }): void {
    if (this.closed) return;
    this.closed = true;
    this.runCallbacksOnClose = options.runCallbacks;
    if (this.inFlight === null) this.finalCommit();
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight !== null || this.failed) return;
    this.scheduled = true;
    // setImmediate, not a microtask: every message read in this turn of the loop joins the batch.
    setImmediate(() => this.commit());
  }

  private compactThresholdBytes(): number {
    if (this.snapshotBytes < 0) return 0;
    return Math.max(this.compactBytesMin, journalCompactGrowthFactor * this.snapshotBytes);
  }

  private commit(): void {
    this.scheduled = false;
    if (this.inFlight !== null || this.failed || this.closed) return;
    const batch = this.open;
    if (batch.lines.length === 0 && batch.callbacks.length === 0 && this.snapshotBytes >= 0) return;
    this.open = emptyBatch();
    try {
      if (this.sizeBytes + batch.bytes > this.compactThresholdBytes()) {
        this.compact();
        this.finish(batch);
        return;
      }
      if (batch.bytes === 0) {
        this.finish(batch);
        return;
      }
      writeAll(this.fd, Buffer.from(batch.lines.join(""), "utf8"));
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    this.sizeBytes += batch.bytes;
    this.inFlight = batch;
    fdatasync(this.fd, (error) => {
      this.inFlight = null;
      if (error !== null) {
        this.fail(error);
        return;
      }
      if (!this.closed || this.runCallbacksOnClose) this.finish(batch);
      if (this.closed) this.finalCommit();
      else if (this.open.lines.length > 0 || this.open.callbacks.length > 0) this.schedule();
    });
  }

  private finish(batch: Batch): void {
    this.stats.commits++;
    for (const callback of batch.callbacks) callback();
  }

  /** Replaces the file with a snapshot of the live state; everything open is part of it. */
  private compact(): void {
    const temp = `${this.options.path}.tmp`;
    const fd = openSync(temp, "w", 0o600);
    let bytes = 0;
    try {
      let chunk: string[] = [];
      let chunkChars = 0;
      for (const record of this.options.snapshot()) {
        const line = `${JSON.stringify(record)}\n`;
        chunk.push(line);
        chunkChars += line.length;
        if (chunkChars >= snapshotChunkCharsMax) {
          bytes += writeAll(fd, Buffer.from(chunk.join(""), "utf8"));
          chunk = [];
          chunkChars = 0;
        }
      }
      bytes += writeAll(fd, Buffer.from(chunk.join(""), "utf8"));
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.options.path);
    syncDir(dirname(this.options.path));
    closeSync(this.fd);
    this.fd = openSync(this.options.path, "a", 0o600);
    this.sizeBytes = bytes;
    this.snapshotBytes = bytes;
    this.stats.compactions++;
  }

  private finalCommit(): void {
    const batch = this.open;
    this.open = emptyBatch();
    if (!this.failed) {
      try {
        if (batch.bytes > 0) {
          writeAll(this.fd, Buffer.from(batch.lines.join(""), "utf8"));
          fdatasyncSync(this.fd);
        }
      } catch (error) {
        this.fail(error as Error);
      }
    }
    closeSync(this.fd);
    if (!this.failed && this.runCallbacksOnClose) this.finish(batch);
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.options.onFatal(error);
  }
}

/** Snapshot text is handed to write(2) in pieces of about this many characters. */
const snapshotChunkCharsMax = 1 << 20;

function writeAll(fd: number, bytes: Buffer): number {
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  return bytes.length;
}
