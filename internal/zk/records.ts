// The protocol records of zookeeper.jute that zk-lite reads and writes, as plain types plus
// decode/encode functions over JuteReader/JuteWriter. Decoding only checks the byte layout; the
// meaning (paths, versions, ACLs) is checked by the data tree.

import { OpCode } from "./constants.ts";
import { JuteDecodeError, type JuteReader, type JuteWriter } from "./jute.ts";

export interface Acl {
  readonly perms: number;
  readonly scheme: string;
  readonly id: string;
}

export interface Stat {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

export const STAT_BYTES = 68;

export function writeStat(w: JuteWriter, s: Stat): void {
  w.longNumber(s.czxid)
    .longNumber(s.mzxid)
    .longNumber(s.ctime)
    .longNumber(s.mtime)
    .int(s.version)
    .int(s.cversion)
    .int(s.aversion)
    .long(s.ephemeralOwner)
    .int(s.dataLength)
    .int(s.numChildren)
    .longNumber(s.pzxid);
}

export function readStat(r: JuteReader): Stat {
  return {
    czxid: r.longNumber(),
    mzxid: r.longNumber(),
    ctime: r.longNumber(),
    mtime: r.longNumber(),
    version: r.int(),
    cversion: r.int(),
    aversion: r.int(),
    ephemeralOwner: r.long(),
    dataLength: r.int(),
    numChildren: r.int(),
    pzxid: r.longNumber(),
  };
}

export function readAclList(r: JuteReader): Acl[] | null {
  const count = r.int();
  if (count === -1) return null;
  if (count < 0 || count > r.remaining()) throw new JuteDecodeError(`bad acl vector length ${count}`);
  const out: Acl[] = [];
  for (let i = 0; i < count; i++) {
    const perms = r.int();
    const scheme = r.stringOrNull();
    const id = r.stringOrNull();
    out.push({ perms, scheme: scheme ?? "", id: id ?? "" });
  }
  return out;
}

export function writeAclList(w: JuteWriter, acl: readonly Acl[]): void {
  w.int(acl.length);
  for (const a of acl) w.int(a.perms).string(a.scheme).string(a.id);
}

// ---- connect ----

export interface ConnectRequest {
  protocolVersion: number;
  lastZxidSeen: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
  /** Present only when the client sent the readOnly byte (3.x clients after 3.4 do). */
  readOnly: boolean | null;
}

export function readConnectRequest(r: JuteReader): ConnectRequest {
  const protocolVersion = r.int();
  const lastZxidSeen = r.long();
  const timeoutMs = r.int();
  const sessionId = r.long();
  const password = r.bufferCopy();
  const readOnly = r.remaining() >= 1 ? r.bool() : null;
  return { protocolVersion, lastZxidSeen, timeoutMs, sessionId, password, readOnly };
}

export interface ConnectResponse {
  timeoutMs: number;
  sessionId: bigint;
  password: Uint8Array;
  /** Written only when the request carried it. */
  readOnly: boolean | null;
}

export function writeConnectResponse(w: JuteWriter, c: ConnectResponse): void {
  w.int(0).int(c.timeoutMs).long(c.sessionId).buffer(c.password);
  if (c.readOnly !== null) w.bool(c.readOnly);
}

// ---- requests ----

export interface CreateOp {
  readonly kind: "create";
  readonly opCode: number; // create, create2, createContainer or createTTL
  readonly path: string;
  readonly data: Uint8Array;
  readonly acl: Acl[] | null;
  readonly flags: number;
  /** -1 when the request carried no TTL. */
  readonly ttlMs: number;
}
export interface DeleteOp {
  readonly kind: "delete";
  readonly opCode: number; // delete or deleteContainer
  readonly path: string;
  readonly version: number;
}
export interface SetDataOp {
  readonly kind: "setData";
  readonly path: string;
  readonly data: Uint8Array;
  readonly version: number;
}
export interface SetAclOp {
  readonly kind: "setACL";
  readonly path: string;
  readonly acl: Acl[] | null;
  readonly version: number;
}
export interface CheckOp {
  readonly kind: "check";
  readonly path: string;
  readonly version: number;
}
/** An op inside a multi that the request header claimed but zk-lite could not use. */
export interface BadOp {
  readonly kind: "bad";
  readonly opCode: number;
}
export type WriteOp = CreateOp | DeleteOp | SetDataOp | SetAclOp | CheckOp;

export interface PathWatch {
  readonly path: string;
  readonly watch: boolean;
}

export interface SetWatchesRequest {
  relativeZxid: number;
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}

export type ReadOp = { readonly kind: "getData"; readonly path: string } | { readonly kind: "getChildren"; readonly path: string };

export function readCreate(r: JuteReader, opCode: number): CreateOp {
  const path = r.string();
  const data = r.bufferCopy();
  const acl = readAclList(r);
  const flags = r.int();
  const ttlMs = opCode === OpCode.createTTL ? r.longNumber() : -1;
  return { kind: "create", opCode, path, data, acl, flags, ttlMs };
}

export function readDelete(r: JuteReader, opCode: number): DeleteOp {
  return { kind: "delete", opCode, path: r.string(), version: r.int() };
}

export function readSetData(r: JuteReader): SetDataOp {
  return { kind: "setData", path: r.string(), data: r.bufferCopy(), version: r.int() };
}

export function readSetAcl(r: JuteReader): SetAclOp {
  const path = r.string();
  const acl = readAclList(r);
  return { kind: "setACL", path, acl, version: r.int() };
}

export function readCheck(r: JuteReader): CheckOp {
  return { kind: "check", path: r.string(), version: r.int() };
}

export function readPathWatch(r: JuteReader): PathWatch {
  return { path: r.string(), watch: r.bool() };
}

export function readSetWatches(r: JuteReader, v2: boolean): SetWatchesRequest {
  const relativeZxid = r.longNumber();
  const dataWatches = r.stringVector();
  const existWatches = r.stringVector();
  const childWatches = r.stringVector();
  const persistentWatches = v2 ? r.stringVector() : [];
  const persistentRecursiveWatches = v2 ? r.stringVector() : [];
  return { relativeZxid, dataWatches, existWatches, childWatches, persistentWatches, persistentRecursiveWatches };
}

/** Multi ops: a MultiHeader(type, done, err) before each op and a done header at the end. */
export function readMulti(r: JuteReader, maxOps: number): WriteOp[] | BadOp {
  const ops: WriteOp[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int(); // err, unused in requests
    if (done) return ops;
    if (ops.length >= maxOps) throw new JuteDecodeError(`multi has more than ${maxOps} ops`);
    switch (type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        ops.push(readCreate(r, type));
        break;
      case OpCode.createTTL:
        ops.push(readCreate(r, type));
        break;
      case OpCode.delete:
        ops.push(readDelete(r, type));
        break;
      case OpCode.setData:
        ops.push(readSetData(r));
        break;
      case OpCode.check:
        ops.push(readCheck(r));
        break;
      default:
        return { kind: "bad", opCode: type };
    }
  }
}

export function readMultiRead(r: JuteReader, maxOps: number): ReadOp[] | BadOp {
  const ops: ReadOp[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    r.int();
    if (done) return ops;
    if (ops.length >= maxOps) throw new JuteDecodeError(`multiRead has more than ${maxOps} ops`);
    if (type === OpCode.getData) {
      const pw = readPathWatch(r);
      ops.push({ kind: "getData", path: pw.path });
    } else if (type === OpCode.getChildren) {
      const pw = readPathWatch(r);
      ops.push({ kind: "getChildren", path: pw.path });
    } else {
      return { kind: "bad", opCode: type };
    }
  }
}

// ---- responses ----

export function writeReplyHeader(w: JuteWriter, xid: number, zxid: number, err: number): void {
  w.int(xid).longNumber(zxid).int(err);
}

export function writeWatcherEvent(w: JuteWriter, type: number, state: number, path: string): void {
  w.int(type).int(state).string(path);
}

export function writeMultiHeader(w: JuteWriter, type: number, done: boolean, err: number): void {
  w.int(type).bool(done).int(err);
}
