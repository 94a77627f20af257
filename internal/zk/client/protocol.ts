// Encoding of the client's requests and decoding of the server's replies (zookeeper.jute), over
// the jute codec zk-lite uses. Pure: bytes in, records out.

import { CreateFlag, ErrorCode, EventType, OpCode } from "../constants.ts";
import { JuteReader, JuteWriter } from "../jute.ts";
import { readStat, writeAclList, type Acl, type Stat } from "../records.ts";
import { ZkMultiError } from "./errors.ts";
import type { CreateMode, MultiOp, MultiResult, WatchEvent, WatchEventType } from "./types.ts";

export const PASSWORD_BYTES = 16;

export interface ConnectRequestFields {
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
}

/** ConnectRequest with the trailing readOnly byte, as 3.5+ clients send it. */
export function encodeConnectRequest(c: ConnectRequestFields): Uint8Array {
  const w = new JuteWriter();
  w.int(0).long(c.lastZxidSeen).int(c.timeoutMs).long(c.sessionId).buffer(c.password).bool(false);
  return w.toBytes();
}

export interface ConnectResponseFields {
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
}

export function decodeConnectResponse(frame: Uint8Array): ConnectResponseFields {
  const r = new JuteReader(frame);
  r.int(); // protocolVersion
  const timeoutMs = r.int();
  const sessionId = r.long();
  const password = r.bufferCopy();
  return { timeoutMs, sessionId, password };
}

export interface ReplyHeader {
  readonly xid: number;
  readonly zxid: bigint;
  readonly err: number;
}

export function decodeReplyHeader(r: JuteReader): ReplyHeader {
  return { xid: r.int(), zxid: r.long(), err: r.int() };
}

/** A request frame body: header (xid, type) then the record `body` writes. */
export function encodeRequest(xid: number, opCode: number, body?: (w: JuteWriter) => void): Uint8Array {
  const w = new JuteWriter();
  w.int(xid).int(opCode);
  body?.(w);
  return w.toBytes();
}

export function createFlags(mode: CreateMode): number {
  switch (mode) {
    case "persistent":
      return CreateFlag.PERSISTENT;
    case "ephemeral":
      return CreateFlag.EPHEMERAL;
    case "persistent_sequential":
      return CreateFlag.PERSISTENT_SEQUENTIAL;
    case "ephemeral_sequential":
      return CreateFlag.EPHEMERAL_SEQUENTIAL;
    case "container":
      return CreateFlag.CONTAINER;
  }
}

/** Containers need their own op code; everything else uses create2 (path and stat back). */
export function createOpCode(mode: CreateMode): number {
  return mode === "container" ? OpCode.createContainer : OpCode.create2;
}

export function writeCreate(w: JuteWriter, path: string, data: Uint8Array, acl: readonly Acl[], mode: CreateMode): void {
  w.string(path).buffer(data);
  writeAclList(w, acl);
  w.int(createFlags(mode));
}

export function writePathWatch(w: JuteWriter, path: string, watch: boolean): void {
  w.string(path).bool(watch);
}

export function decodeCreate2(r: JuteReader): { path: string; stat: Stat } {
  return { path: r.string(), stat: readStat(r) };
}

export function decodeGetData(r: JuteReader): { data: Uint8Array; stat: Stat } {
  const data = r.bufferOrNull();
  return { data: data === null ? new Uint8Array(0) : data.slice(), stat: readStat(r) };
}

export function decodeChildren(r: JuteReader): string[] {
  return r.stringVector();
}

const eventTypes: Readonly<Record<number, WatchEventType>> = {
  [EventType.NodeCreated]: "NodeCreated",
  [EventType.NodeDeleted]: "NodeDeleted",
  [EventType.NodeDataChanged]: "NodeDataChanged",
  [EventType.NodeChildrenChanged]: "NodeChildrenChanged",
};

/** A WatcherEvent; undefined for types the client does not dispatch (None, *WatchRemoved). */
export function decodeWatcherEvent(r: JuteReader): WatchEvent | undefined {
  const type = r.int();
  r.int(); // keeper state: the client tracks its own
  const path = r.string();
  const named = eventTypes[type];
  return named === undefined ? undefined : { type: named, path };
}

/** SetWatches(relativeZxid, data, exist, child) packets, split so each stays under `batchBytesMax`. */
export function encodeSetWatches(
  relativeZxid: bigint,
  lists: { data: readonly string[]; exist: readonly string[]; child: readonly string[] },
  batchBytesMax: number,
  xid: number,
): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let batch = { data: [] as string[], exist: [] as string[], child: [] as string[] };
  let batchBytes = 0;
  const flush = (): void => {
    if (batch.data.length + batch.exist.length + batch.child.length === 0) return;
    const b = batch;
    frames.push(encodeRequest(xid, OpCode.setWatches, (w) => w.long(relativeZxid).stringVector(b.data).stringVector(b.exist).stringVector(b.child)));
    batch = { data: [], exist: [], child: [] };
    batchBytes = 0;
  };
  for (const kind of ["data", "exist", "child"] as const) {
    for (const path of lists[kind]) {
      const bytes = 4 + Buffer.byteLength(path);
      if (batchBytes + bytes > batchBytesMax) flush();
      batch[kind].push(path);
      batchBytes += bytes;
    }
  }
  flush();
  return frames;
}

export function writeMulti(w: JuteWriter, ops: readonly MultiOp[], acl: readonly Acl[]): void {
  for (const op of ops) {
    switch (op.kind) {
      case "create": {
        const mode = op.mode ?? "persistent";
        w.int(createOpCode(mode)).bool(false).int(-1);
        writeCreate(w, op.path, op.data ?? new Uint8Array(0), op.acl ?? acl, mode);
        break;
      }
      case "delete":
        w.int(OpCode.delete).bool(false).int(-1).string(op.path).int(op.version ?? -1);
        break;
      case "setData":
        w.int(OpCode.setData).bool(false).int(-1).string(op.path).buffer(op.data).int(op.version ?? -1);
        break;
      case "check":
        w.int(OpCode.check).bool(false).int(-1).string(op.path).int(op.version);
        break;
    }
  }
  w.int(-1).bool(true).int(-1);
}

/** The per-op results of a multi; throws ZkMultiError naming the first op that failed. */
export function decodeMulti(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  const errors: { err: number }[] = [];
  let failed: { index: number; code: number } | undefined;
  for (;;) {
    const type = r.int();
    const done = r.bool();
    const headerErr = r.int();
    if (done) break;
    let err = headerErr;
    switch (type) {
      case OpCode.create:
        results.push({ kind: "create", path: r.string() });
        break;
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        results.push({ kind: "create", path: decodeCreate2(r).path });
        break;
      case OpCode.delete:
      case OpCode.deleteContainer:
        results.push({ kind: "delete" });
        break;
      case OpCode.setData:
        results.push({ kind: "setData", stat: readStat(r) });
        break;
      case OpCode.check:
        results.push({ kind: "check" });
        break;
      case OpCode.error:
        err = r.int();
        break;
      default:
        throw new ZkMultiError(ErrorCode.MARSHALLINGERROR, errors.length, errors);
    }
    errors.push({ err });
    if (failed === undefined && err !== ErrorCode.OK && err !== ErrorCode.RUNTIMEINCONSISTENCY) failed = { index: errors.length - 1, code: err };
  }
  if (failed !== undefined) throw new ZkMultiError(failed.code, failed.index, errors);
  return results;
}
