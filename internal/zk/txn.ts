// Transactions: what a write request turned into after validation. The data tree applies them,
// the log stores them, and replaying them after a restart rebuilds the same tree, so a txn holds
// every value the apply step needs (zxid, time, owner, the parent's new cversion) and nothing
// that depends on the request or its connection.

import { ErrorCode } from "./constants.ts";
import { JuteDecodeError, type JuteReader, type JuteWriter } from "./jute.ts";
import { readAclList, writeAclList, type Acl } from "./records.ts";

export type TxnBody =
  | {
      readonly type: "create";
      /** create, create2, createTTL or createContainer: decides the reply's shape. */
      readonly opCode: number;
      readonly path: string;
      readonly data: Uint8Array;
      readonly acl: readonly Acl[];
      readonly ephemeralOwner: bigint;
      readonly parentCVersion: number;
    }
  | { readonly type: "delete"; readonly path: string }
  | { readonly type: "setData"; readonly path: string; readonly data: Uint8Array; readonly version: number }
  | { readonly type: "setACL"; readonly path: string; readonly acl: readonly Acl[]; readonly version: number }
  | { readonly type: "check"; readonly path: string }
  | { readonly type: "error"; readonly err: number }
  | { readonly type: "createSession"; readonly sessionId: bigint; readonly timeoutMs: number; readonly password: Uint8Array }
  | { readonly type: "closeSession"; readonly sessionId: bigint }
  | { readonly type: "multi"; readonly ops: readonly TxnBody[] };

export interface Txn {
  readonly zxid: number;
  readonly timeMs: number;
  readonly body: TxnBody;
}

const TAG = {
  create: 1,
  delete: 2,
  setData: 5,
  setACL: 7,
  check: 13,
  multi: 14,
  error: -1,
  createSession: -10,
  closeSession: -11,
} as const;

/** Bound on nesting and op counts while decoding, so a corrupt record cannot recurse or allocate without end. */
const MULTI_OPS_MAX = 100_000;

export function writeTxn(w: JuteWriter, txn: Txn): void {
  w.longNumber(txn.zxid).longNumber(txn.timeMs);
  writeBody(w, txn.body);
}

function writeBody(w: JuteWriter, b: TxnBody): void {
  switch (b.type) {
    case "create":
      w.int(TAG.create).int(b.opCode).string(b.path).buffer(b.data);
      writeAclList(w, b.acl);
      w.long(b.ephemeralOwner).int(b.parentCVersion);
      return;
    case "delete":
      w.int(TAG.delete).string(b.path);
      return;
    case "setData":
      w.int(TAG.setData).string(b.path).buffer(b.data).int(b.version);
      return;
    case "setACL":
      w.int(TAG.setACL).string(b.path);
      writeAclList(w, b.acl);
      w.int(b.version);
      return;
    case "check":
      w.int(TAG.check).string(b.path);
      return;
    case "error":
      w.int(TAG.error).int(b.err);
      return;
    case "createSession":
      w.int(TAG.createSession).long(b.sessionId).int(b.timeoutMs).buffer(b.password);
      return;
    case "closeSession":
      w.int(TAG.closeSession).long(b.sessionId);
      return;
    case "multi":
      w.int(TAG.multi).int(b.ops.length);
      for (const op of b.ops) writeBody(w, op);
      return;
  }
}

export function readTxn(r: JuteReader): Txn {
  const zxid = r.longNumber();
  const timeMs = r.longNumber();
  return { zxid, timeMs, body: readBody(r, true) };
}

function readBody(r: JuteReader, allowMulti: boolean): TxnBody {
  const tag = r.int();
  switch (tag) {
    case TAG.create: {
      const opCode = r.int();
      const path = r.string();
      const data = r.bufferCopy();
      const acl = readAclList(r) ?? [];
      const ephemeralOwner = r.long();
      const parentCVersion = r.int();
      return { type: "create", opCode, path, data, acl, ephemeralOwner, parentCVersion };
    }
    case TAG.delete:
      return { type: "delete", path: r.string() };
    case TAG.setData:
      return { type: "setData", path: r.string(), data: r.bufferCopy(), version: r.int() };
    case TAG.setACL: {
      const path = r.string();
      const acl = readAclList(r) ?? [];
      return { type: "setACL", path, acl, version: r.int() };
    }
    case TAG.check:
      return { type: "check", path: r.string() };
    case TAG.error:
      return { type: "error", err: r.int() };
    case TAG.createSession:
      return { type: "createSession", sessionId: r.long(), timeoutMs: r.int(), password: r.bufferCopy() };
    case TAG.closeSession:
      return { type: "closeSession", sessionId: r.long() };
    case TAG.multi: {
      if (!allowMulti) throw new JuteDecodeError("nested multi txn");
      const count = r.int();
      if (count < 0 || count > MULTI_OPS_MAX) throw new JuteDecodeError(`bad multi txn op count ${count}`);
      const ops: TxnBody[] = [];
      for (let i = 0; i < count; i++) ops.push(readBody(r, false));
      return { type: "multi", ops };
    }
    default:
      throw new JuteDecodeError(`unknown txn tag ${tag}`);
  }
}

/** A failed multi: ops before the failure report OK, the failure its code, the rest RUNTIMEINCONSISTENCY. */
export function failedMultiBody(opCount: number, failedIndex: number, err: number): TxnBody {
  const ops: TxnBody[] = [];
  for (let i = 0; i < opCount; i++) {
    const code = i < failedIndex ? ErrorCode.OK : i === failedIndex ? err : ErrorCode.RUNTIMEINCONSISTENCY;
    ops.push({ type: "error", err: code });
  }
  return { type: "multi", ops };
}
