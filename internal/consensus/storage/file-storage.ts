// Raft's durable state in a directory:
//
//   wal-<seq>.log         append-only segments of records, one per line: `<crc32 hex> <json>`
//                         {"t":"hs",term,vote,commit}      hard state
//                         {"t":"e",term,index,k:"n",d}     an entry (payload base64); it replaces
//                         {"t":"e",term,index,k:"c",c}       any entry at or after its index
//                         {"t":"snap",index,term}          the log was replaced by a snapshot
//   snap-<index>.snap     a snapshot: `<crc32 hex> <json>` with the data base64
//
// A Ready is one write() of its records and, when the Ready says so, one fsync, before the driver
// sends anything. An installed snapshot's file is renamed into place (after an fsync) before the
// WAL record that refers to it. A torn record at the end of the last segment (a crash mid-write)
// is cut off on open; damage anywhere else stops start-up with a message naming the file, because
// guessing would risk voting twice or forgetting an acknowledged entry.
//
// Segments roll at `walSegmentBytesMax` and at each local snapshot; a segment whose entries are
// all covered by the snapshot is deleted. The two newest snapshots are kept.

import { fsyncDir, truncateAndSync } from "../../runtime/index.ts";
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { assert } from "../../runtime/index.ts";
import type { ConfChange, ConfState, Entry, HardState, Ready, Snapshot, StoredState } from "../types.ts";
import type { RaftStorage } from "./types.ts";

export const walSegmentBytesMax = 64 * 1024 * 1024;
export const snapshotsKept = 2;

export class StorageCorruptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StorageCorruptError";
  }
}

type WalRecord =
  | { t: "hs"; term: number; vote: string | null; commit: number }
  | { t: "e"; term: number; index: number; k: "n"; d: string }
  | { t: "e"; term: number; index: number; k: "c"; c: ConfChange }
  | { t: "snap"; index: number; term: number };

interface SnapshotFile {
  index: number;
  term: number;
  conf: ConfState;
  data: string;
}

interface Segment {
  seq: number;
  path: string;
  /** Highest entry index written to the segment (0 if none). */
  maxIndex: number;
}

const segmentPattern = /^wal-(\d{16})\.log$/;
const snapshotPattern = /^snap-(\d{16})\.snap$/;

function crcOf(text: string): string {
  return Bun.hash.crc32(text).toString(16).padStart(8, "0");
}

function line(value: unknown): string {
  const json = JSON.stringify(value);
  return `${crcOf(json)} ${json}\n`;
}

/** Parses one `<crc> <json>` line; undefined when torn or damaged. */
function parseLine<T>(text: string): T | undefined {
  if (text.length < 10 || text[8] !== " ") return undefined;
  const json = text.slice(9);
  if (crcOf(json) !== text.slice(0, 8)) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined; // a crc collision on a torn line
    throw error;
  }
}

function segmentName(seq: number): string {
  return `wal-${String(seq).padStart(16, "0")}.log`;
}

function snapshotName(index: number): string {
  return `snap-${String(index).padStart(16, "0")}.snap`;
}


function entryRecord(e: Entry): WalRecord {
  return e.kind === "normal"
    ? { t: "e", term: e.term, index: e.index, k: "n", d: Buffer.from(e.data).toString("base64") }
    : { t: "e", term: e.term, index: e.index, k: "c", c: e.change };
}

function recordEntry(r: Extract<WalRecord, { t: "e" }>): Entry {
  return r.k === "n"
    ? { term: r.term, index: r.index, kind: "normal", data: new Uint8Array(Buffer.from(r.d, "base64")) }
    : { term: r.term, index: r.index, kind: "conf", change: r.c };
}

export class FileStorage implements RaftStorage {
  private segments: Segment[] = [];
  private fd = -1;
  private segmentBytes = 0;
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private loaded: StoredState | null = null;

  private constructor(private readonly dir: string) {}

  /** Opens (creating if needed) the storage in `dir`, repairing a torn tail. */
  static open(dir: string): FileStorage {
    mkdirSync(dir, { recursive: true });
    const storage = new FileStorage(dir);
    storage.loaded = storage.replay();
    storage.openTail();
    return storage;
  }

  load(): StoredState {
    assert(this.loaded !== null, "storage: load() after start");
    return this.loaded;
  }

  save(ready: Ready): void {
    let text = "";
    if (ready.snapshot !== null) {
      this.writeSnapshotFile(ready.snapshot);
      text += line({ t: "snap", index: ready.snapshot.index, term: ready.snapshot.term } satisfies WalRecord);
    }
    const current = this.segments[this.segments.length - 1]!;
    for (const e of ready.entries) {
      text += line(entryRecord(e));
      current.maxIndex = Math.max(current.maxIndex, e.index);
    }
    if (ready.hardState !== null) {
      this.hardState = ready.hardState;
      text += line({ t: "hs", ...ready.hardState } satisfies WalRecord);
    }
    if (text === "") return;
    this.segmentBytes += writeSync(this.fd, text);
    if (ready.mustSync) fsyncSync(this.fd);
    if (this.segmentBytes >= walSegmentBytesMax) this.roll();
  }

  /** A local snapshot: its file, then a fresh segment, then the segments and files it makes redundant. */
  saveSnapshot(snapshot: Snapshot): void {
    fsyncSync(this.fd);
    this.writeSnapshotFile(snapshot);
    this.roll();
    const keep: Segment[] = [];
    for (const segment of this.segments) {
      const isCurrent = segment === this.segments[this.segments.length - 1];
      if (!isCurrent && segment.maxIndex <= snapshot.index) rmSync(segment.path);
      else keep.push(segment);
    }
    this.segments = keep;
    const snapshots = this.snapshotIndexes();
    for (const index of snapshots.slice(0, Math.max(0, snapshots.length - snapshotsKept))) {
      rmSync(join(this.dir, snapshotName(index)));
    }
    fsyncDir(this.dir);
  }

  close(): void {
    if (this.fd < 0) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = -1;
  }

  private writeSnapshotFile(snapshot: Snapshot): void {
    const body: SnapshotFile = {
      index: snapshot.index,
      term: snapshot.term,
      conf: snapshot.conf,
      data: Buffer.from(snapshot.data).toString("base64"),
    };
    const path = join(this.dir, snapshotName(snapshot.index));
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, "w");
    try {
      writeSync(fd, line(body));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    fsyncDir(this.dir);
  }

  /** Starts a new segment that begins with the current hard state. */
  private roll(): void {
    if (this.fd >= 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    const seq = (this.segments[this.segments.length - 1]?.seq ?? 0) + 1;
    const path = join(this.dir, segmentName(seq));
    this.fd = openSync(path, "a");
    this.segments.push({ seq, path, maxIndex: 0 });
    this.segmentBytes = writeSync(this.fd, line({ t: "hs", ...this.hardState } satisfies WalRecord));
    fsyncSync(this.fd);
    fsyncDir(this.dir);
  }

  private openTail(): void {
    const last = this.segments[this.segments.length - 1];
    if (last === undefined) {
      this.roll();
      return;
    }
    this.fd = openSync(last.path, "a");
    this.segmentBytes = readFileSync(last.path).length;
  }

  private snapshotIndexes(): number[] {
    const out: number[] = [];
    for (const name of readdirSync(this.dir)) {
      const match = snapshotPattern.exec(name);
      if (match !== null) out.push(Number(match[1]));
    }
    return out.sort((a, b) => a - b);
  }

  private readSnapshot(): Snapshot | null {
    const indexes = this.snapshotIndexes();
    const newest = indexes[indexes.length - 1];
    if (newest === undefined) return null;
    const path = join(this.dir, snapshotName(newest));
    const body = parseLine<SnapshotFile>(readFileSync(path, "utf8").replace(/\n$/, ""));
    if (body === undefined || body.index !== newest) throw new StorageCorruptError(`raft snapshot ${path} is damaged`);
    return { index: body.index, term: body.term, conf: body.conf, data: new Uint8Array(Buffer.from(body.data, "base64")) };
  }

  private replay(): StoredState {
    const snapshot = this.readSnapshot();
    const base = snapshot?.index ?? 0;
    const entries: Entry[] = [];
    const names = readdirSync(this.dir).filter((n) => segmentPattern.test(n)).sort();
    names.forEach((name, i) => {
      const seq = Number(segmentPattern.exec(name)![1]);
      const segment: Segment = { seq, path: join(this.dir, name), maxIndex: 0 };
      this.segments.push(segment);
      this.replaySegment(segment, i === names.length - 1, base, entries);
    });
    const lastIndex = base + entries.length;
    const hardState = { ...this.hardState, commit: Math.min(this.hardState.commit, lastIndex) };
    return { hardState, snapshot, entries };
  }

  private replaySegment(segment: Segment, isLast: boolean, base: number, entries: Entry[]): void {
    const text = readFileSync(segment.path, "utf8");
    let offset = 0;
    while (offset < text.length) {
      const newline = text.indexOf("\n", offset);
      const record = newline === -1 ? undefined : parseLine<WalRecord>(text.slice(offset, newline));
      if (record === undefined) {
        const atTail = isLast && (newline === -1 || text.indexOf("\n", newline + 1) === -1);
        if (!atTail) throw new StorageCorruptError(`raft log ${segment.path} is damaged at byte ${offset}; restore it or move it away`);
        truncateAndSync(segment.path, Buffer.byteLength(text.slice(0, offset)));
        return;
      }
      this.replayRecord(record, segment, base, entries);
      offset = newline + 1;
    }
  }

  private replayRecord(r: WalRecord, segment: Segment, base: number, entries: Entry[]): void {
    switch (r.t) {
      case "hs":
        this.hardState = { term: r.term, vote: r.vote, commit: r.commit };
        return;
      case "snap":
        if (r.index > base) throw new StorageCorruptError(`raft log refers to snapshot ${r.index}, which is missing`);
        entries.length = 0;
        return;
      case "e": {
        segment.maxIndex = Math.max(segment.maxIndex, r.index);
        if (r.index <= base) return;
        const keep = r.index - base - 1;
        if (keep > entries.length) throw new StorageCorruptError(`raft log ${segment.path} has a gap before entry ${r.index}`);
        entries.length = keep;
        entries.push(recordEntry(r));
        return;
      }
    }
  }
}


/** True when `dir` holds Raft state (a member that has run before). */
export function hasRaftState(dir: string): boolean {
  if (!existsSync(dir)) return false;
  return readdirSync(dir).some((n) => segmentPattern.test(n) || snapshotPattern.test(n));
}
