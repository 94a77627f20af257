// On-disk formats, pure: framing of txn log records and the snapshot layout. The shell in
// storage.ts does the file I/O; everything here works on byte arrays, so a torn or corrupt file
// can be tested without a disk.
//
// Log file:  "ZKLL" | u32 format version | 8 reserved bytes, then records:
//            u32 payload length | u32 crc32(length bytes + payload) | payload (a jute txn)
// Snapshot:  "ZKLS" | u32 format version | body (jute) | u32 crc32(everything before it)

import * as zlib from "node:zlib";
import type { DataTree, RestoredNode } from "./data-tree.ts";
import { JuteDecodeError, JuteReader, JuteWriter } from "./jute.ts";
import { readAclList, writeAclList, type Acl } from "./records.ts";
import { readTxn, writeTxn, type Txn } from "./txn.ts";

export const LOG_MAGIC = 0x5a4b4c4c; // "ZKLL"
export const SNAPSHOT_MAGIC = 0x5a4b4c53; // "ZKLS"
export const FORMAT_VERSION = 1;
export const LOG_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 8;
/** A record larger than this is corruption (a request is bounded by jute.maxbuffer, far below). */
export const LOG_RECORD_BYTES_MAX = 64 * 1024 * 1024;

export function logHeader(): Uint8Array {
  const out = new Uint8Array(LOG_HEADER_BYTES);
  const v = new DataView(out.buffer);
  v.setUint32(0, LOG_MAGIC);
  v.setUint32(4, FORMAT_VERSION);
  return out;
}

function recordCrc(lengthBytes: Uint8Array, payload: Uint8Array): number {
  return zlib.crc32(payload, zlib.crc32(lengthBytes)) >>> 0;
}

/** Appends one framed txn record to `w`. */
export function writeRecord(w: JuteWriter, txn: Txn, scratch: JuteWriter): void {
  scratch.reset();
  writeTxn(scratch, txn);
  const payload = scratch.toBytes();
  const lengthBytes = new Uint8Array(4);
  new DataView(lengthBytes.buffer).setUint32(0, payload.length);
  w.raw(lengthBytes).int(recordCrc(lengthBytes, payload) | 0).raw(payload);
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

export interface ScanResult {
  readonly txns: Txn[];
  /** Byte offset just past the last good record: where a torn tail gets cut. */
  readonly validEnd: number;
  /** Why scanning stopped early, or null at the end of the bytes or of the records before zero fill. */
  readonly tornReason: string | null;
}

/** Reads records until the end or the first torn/corrupt one. */
export function scanLog(bytes: Uint8Array): ScanResult {
  if (bytes.length < LOG_HEADER_BYTES) return { txns: [], validEnd: 0, tornReason: "short header" };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== LOG_MAGIC) return { txns: [], validEnd: 0, tornReason: "bad magic" };
  if (view.getUint32(4) !== FORMAT_VERSION) throw new Error(`txn log format version ${view.getUint32(4)} is not supported`);
  const txns: Txn[] = [];
  let at = LOG_HEADER_BYTES;
  while (at < bytes.length) {
    if (at + RECORD_HEADER_BYTES > bytes.length) return { txns, validEnd: at, tornReason: "short record header" };
    const length = view.getUint32(at);
    const crc = view.getUint32(at + 4);
    if (length === 0) {
      // Log files are zero-filled ahead of the last record: zeros to the end are a clean end.
      return { txns, validEnd: at, tornReason: allZero(bytes, at) ? null : "data after the zero-filled end" };
    }
    if (length > LOG_RECORD_BYTES_MAX) return { txns, validEnd: at, tornReason: `bad record length ${length}` };
    const start = at + RECORD_HEADER_BYTES;
    if (start + length > bytes.length) return { txns, validEnd: at, tornReason: "short record" };
    const payload = bytes.subarray(start, start + length);
    if (recordCrc(bytes.subarray(at, at + 4), payload) !== crc) return { txns, validEnd: at, tornReason: "checksum mismatch" };
    try {
      const r = new JuteReader(payload);
      const txn = readTxn(r);
      if (r.remaining() !== 0) return { txns, validEnd: at, tornReason: "record has trailing bytes" };
      txns.push(txn);
    } catch (e) {
      if (e instanceof JuteDecodeError) return { txns, validEnd: at, tornReason: `undecodable record: ${e.message}` };
      throw e;
    }
    at = start + length;
  }
  return { txns, validEnd: at, tornReason: null };
}

// ---------------------------------------------------------------- snapshots

/**
 * Body: zxid, time, sessions, a table of the distinct ACL lists, then every znode parents first
 * as (path, data, ACL table index, stat). Nodes share interned ACL lists, so the table is tiny and
 * a node costs its path, its data and 60 bytes.
 */
export function serializeSnapshot(tree: DataTree, timeMs: number): Uint8Array {
  const aclIndex = new Map<readonly Acl[], number>();
  let estimate = 64 + tree.sessions.size * 64;
  for (const [path, n] of tree.entries()) {
    if (!aclIndex.has(n.acl)) aclIndex.set(n.acl, aclIndex.size);
    estimate += 3 * path.length + n.data.length + 80;
  }
  const w = new JuteWriter(estimate);
  w.int(SNAPSHOT_MAGIC).int(FORMAT_VERSION).longNumber(tree.lastZxid).longNumber(timeMs);
  w.int(tree.sessions.size);
  for (const [id, s] of tree.sessions) w.long(id).int(s.timeoutMs).buffer(s.password);
  w.int(aclIndex.size);
  for (const acl of aclIndex.keys()) writeAclList(w, acl);
  w.int(tree.size);
  for (const [path, n] of tree.entries()) {
    w.string(path).buffer(n.data).int(aclIndex.get(n.acl)!);
    w.longNumber(n.czxid).longNumber(n.mzxid).longNumber(n.ctime).longNumber(n.mtime);
    w.int(n.version).int(n.cversion).int(n.aversion).long(n.ephemeralOwner).longNumber(n.pzxid);
  }
  const bodyEnd = w.offset;
  w.int(0);
  const out = w.toBytes();
  new DataView(out.buffer).setUint32(bodyEnd, zlib.crc32(out.subarray(0, bodyEnd)) >>> 0);
  return out;
}

export class SnapshotCorruptError extends Error {
  override name = "SnapshotCorruptError";
}

/** Loads a snapshot into a fresh tree; throws SnapshotCorruptError when the bytes do not check out. */
export function deserializeSnapshot(bytes: Uint8Array, tree: DataTree): { zxid: number } {
  if (bytes.length < 12) throw new SnapshotCorruptError("snapshot too short");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bodyEnd = bytes.length - 4;
  if ((zlib.crc32(bytes.subarray(0, bodyEnd)) >>> 0) !== view.getUint32(bodyEnd)) throw new SnapshotCorruptError("snapshot checksum mismatch");
  try {
    const r = new JuteReader(bytes, 0, bodyEnd);
    if (r.int() !== SNAPSHOT_MAGIC) throw new SnapshotCorruptError("bad snapshot magic");
    const version = r.int();
    if (version !== FORMAT_VERSION) throw new Error(`snapshot format version ${version} is not supported`);
    const zxid = r.longNumber();
    r.longNumber(); // time written, informational
    const sessionCount = r.vectorLength();
    for (let i = 0; i < sessionCount; i++) {
      const id = r.long();
      tree.sessions.set(id, { timeoutMs: r.int(), password: r.bufferCopy() });
    }
    const aclCount = r.vectorLength();
    const acls: Acl[][] = [];
    for (let i = 0; i < aclCount; i++) acls.push(readAclList(r) ?? []);
    const nodeCount = r.vectorLength();
    for (let i = 0; i < nodeCount; i++) {
      const path = r.string();
      const data = r.bufferCopy();
      const acl = acls[r.int()];
      if (acl === undefined) throw new SnapshotCorruptError(`snapshot node ${path} names a missing ACL`);
      const node: RestoredNode = {
        data,
        acl,
        czxid: r.longNumber(),
        mzxid: r.longNumber(),
        ctime: r.longNumber(),
        mtime: r.longNumber(),
        version: r.int(),
        cversion: r.int(),
        aversion: r.int(),
        ephemeralOwner: r.long(),
        pzxid: r.longNumber(),
      };
      tree.restoreNode(path, node);
    }
    tree.lastZxid = zxid;
    return { zxid };
  } catch (e) {
    if (e instanceof JuteDecodeError) throw new SnapshotCorruptError(`undecodable snapshot: ${e.message}`);
    throw e;
  }
}

export function zxidHex(zxid: number): string {
  return zxid.toString(16).padStart(16, "0");
}

export function parseZxidHex(hex: string): number | null {
  if (!/^[0-9a-f]{16}$/.test(hex)) return null;
  const v = parseInt(hex, 16);
  return Number.isSafeInteger(v) ? v : null;
}
