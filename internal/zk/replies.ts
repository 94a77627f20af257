// Encoding of write replies: the single-op bodies and the multi result list, as ZooKeeper's
// FinalRequestProcessor and MultiResponse lay them out.

import { OpCode } from "./constants.ts";
import type { TxnResult } from "./data-tree.ts";
import type { JuteWriter } from "./jute.ts";
import { writeMultiHeader, writeStat } from "./records.ts";

/** Encodes the body of a write reply (nothing for errors, which only carry the header code). */
export function writeResult(w: JuteWriter, r: TxnResult): void {
  switch (r.type) {
    case "create":
      w.string(r.path);
      if (r.opCode !== OpCode.create) writeStat(w, r.stat);
      return;
    case "setData":
    case "setACL":
      writeStat(w, r.stat);
      return;
    case "multi":
      for (const sub of r.results) writeMultiResult(w, sub);
      writeMultiHeader(w, -1, true, -1);
      return;
    default:
      return;
  }
}

function writeMultiResult(w: JuteWriter, r: TxnResult): void {
  switch (r.type) {
    case "create":
      if (r.opCode === OpCode.create || r.opCode === OpCode.create2) {
        writeMultiHeader(w, OpCode.create, false, 0);
        w.string(r.path);
      } else {
        writeMultiHeader(w, OpCode.create2, false, 0);
        w.string(r.path);
        writeStat(w, r.stat);
      }
      return;
    case "delete":
      writeMultiHeader(w, OpCode.delete, false, 0);
      return;
    case "setData":
      writeMultiHeader(w, OpCode.setData, false, 0);
      writeStat(w, r.stat);
      return;
    case "check":
      writeMultiHeader(w, OpCode.check, false, 0);
      return;
    case "error":
      writeMultiHeader(w, OpCode.error, false, r.err);
      w.int(r.err);
      return;
    default:
      throw new Error(`zk-lite: ${r.type} cannot be part of a multi`);
  }
}

