// What a client's write request becomes: a txn body, validated against the tree, or an error
// body carrying ZooKeeper's code. Pure, so a standalone server runs it when the request arrives
// and every member of an ensemble runs it on the same committed request in the same state and
// reaches the same txn (the request is replicated, the txn is derived).

import { ErrorCode, OpCode } from "./constants.ts";
import type { DataTree, RequestContext } from "./data-tree.ts";
import { JuteDecodeError, type JuteReader } from "./jute.ts";
import { readCheck, readCreate, readDelete, readMulti, readSetAcl, readSetData } from "./records.ts";
import type { TxnBody } from "./txn.ts";

/** Ops in one multi request. */
export const MULTI_OPS_MAX = 10_000;

/** Op codes that become a txn (and take a zxid, even when they fail). */
const TXN_OPS: ReadonlySet<number> = new Set([
  OpCode.create,
  OpCode.create2,
  OpCode.createTTL,
  OpCode.createContainer,
  OpCode.delete,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
  OpCode.reconfig,
]);

/** True for the requests `prepareWrite` turns into a txn. closeSession is a txn too, handled apart. */
export function isTxnOp(opCode: number): boolean {
  return TXN_OPS.has(opCode);
}

/**
 * Decodes the request after its header and validates it. A body that does not decode becomes a
 * MARSHALLINGERROR txn, as in ZooKeeper's PrepRequestProcessor.
 */
export function prepareWrite(tree: DataTree, opCode: number, r: JuteReader, ctx: RequestContext): TxnBody {
  try {
    switch (opCode) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        return tree.prepare(readCreate(r, opCode), ctx);
      case OpCode.delete:
        return tree.prepare(readDelete(r, opCode), ctx);
      case OpCode.setData:
        return tree.prepare(readSetData(r), ctx);
      case OpCode.setACL:
        return tree.prepare(readSetAcl(r), ctx);
      case OpCode.check:
        return tree.prepare(readCheck(r), ctx);
      case OpCode.multi: {
        const ops = readMulti(r, MULTI_OPS_MAX);
        if (!Array.isArray(ops)) return { type: "error", err: ErrorCode.MARSHALLINGERROR };
        return tree.prepareMulti(ops, ctx);
      }
      case OpCode.reconfig:
        return { type: "error", err: ErrorCode.RECONFIGDISABLED };
      default:
        throw new Error(`prepareWrite: op ${opCode} is not a write`);
    }
  } catch (e) {
    if (e instanceof JuteDecodeError) return { type: "error", err: ErrorCode.MARSHALLINGERROR };
    throw e;
  }
}
