// The data tree as the ensemble's Raft state machine. Every member applies the same committed
// entries in the same order; for each request it derives the txn (prepareWrite, the session
// check) against its own tree, gives it the next zxid (epoch = the entry's term) and the leader's
// time from the entry, and applies it. So trees, zxids and stats come out identical everywhere,
// and the member whose client sent a request learns the outcome the moment it applies it.
//
// Pure apart from the listener: no clock, socket or file (the driver does the log and snapshots).

import type { AppliedEntry, StateMachine } from "../../consensus/index.ts";
import { ErrorCode, OpCode } from "../constants.ts";
import { DataTree, type ApplyOutcome } from "../data-tree.ts";
import { JuteDecodeError, JuteReader, JuteWriter } from "../jute.ts";
import { deserializeSnapshot, serializeSnapshot } from "../log-format.ts";
import type { TxnBody } from "../txn.ts";
import { isTxnOp, prepareWrite } from "../write-request.ts";
import { decodeEntry, type EnsembleRequest } from "./entry.ts";
import { nextZxid } from "./zxid.ts";

/** One request applied: its txn's zxid and outcome, or none (sync, or nothing left to do). */
export interface AppliedRequest {
  readonly request: EnsembleRequest;
  readonly zxid: number | null;
  readonly body: TxnBody | null;
  readonly outcome: ApplyOutcome | null;
  /** A bug met validating the request (it became a SYSTEMERROR txn), for the log. */
  readonly bug: Error | null;
}

export interface ReplicatedTreeListener {
  /** After each request of an entry, in log order (also while replaying after a restart). */
  applied(a: AppliedRequest): void;
  /** A leader's announcement: everything committed before its term is applied here now. */
  announced(term: number, serverId: number): void;
  /** The tree was replaced from a snapshot (at start, or one sent by the leader). */
  restored(): void;
}

const SNAPSHOT_MAGIC = 0x5a4b5253; // "ZKRS"
const SNAPSHOT_VERSION = 1;

/** Derives and applies one request's txn. Pure: the same tree and request give the same result. */
export function applyRequest(tree: DataTree, request: EnsembleRequest, term: number, timeMs: number): AppliedRequest {
  const bugs: Error[] = [];
  const body = txnOf(tree, request, bugs);
  const bug = bugs[0] ?? null;
  if (body === null) return { request, zxid: null, body: null, outcome: null, bug };
  const zxid = nextZxid(tree.lastZxid, term);
  const outcome = tree.apply({ zxid, timeMs, body });
  return { request, zxid, body, outcome, bug };
}

/** The txn a request becomes here, or null when it makes none. */
function txnOf(tree: DataTree, request: EnsembleRequest, bugs: Error[]): TxnBody | null {
  switch (request.kind) {
    case "createSession":
      // Ids carry their server's number, so two servers never pick the same one.
      if (tree.sessions.has(request.sessionId)) return null;
      return { type: "createSession", sessionId: request.sessionId, timeoutMs: request.timeoutMs, password: request.password };
    case "expireSession":
      return tree.sessions.has(request.sessionId) ? { type: "closeSession", sessionId: request.sessionId } : null;
    case "deleteContainer": {
      // Re-checked here: a child may have been created since the leader's sweep looked.
      const body = tree.prepareDeleteContainer(request.path);
      return body.type === "error" ? null : body;
    }
    case "client":
      return clientTxn(tree, request, bugs);
  }
}

function clientTxn(tree: DataTree, request: EnsembleRequest & { kind: "client" }, bugs: Error[]): TxnBody | null {
  if (request.opCode === OpCode.sync) return null;
  // A session expired by the leader while this request was on its way: ZooKeeper's
  // PrepRequestProcessor turns it into an error txn, and so no ephemeral outlives its session.
  if (!tree.sessions.has(request.sessionId)) return { type: "error", err: ErrorCode.SESSIONEXPIRED };
  if (request.opCode === OpCode.closeSession) return { type: "closeSession", sessionId: request.sessionId };
  if (!isTxnOp(request.opCode)) return { type: "error", err: ErrorCode.UNIMPLEMENTED };
  const ctx = { sessionId: request.sessionId, authIds: request.authIds };
  try {
    return prepareWrite(tree, request.opCode, new JuteReader(request.body), ctx);
  } catch (e) {
    // A bug validating one request: every member hits it alike (prepare is pure), so each turns
    // it into the same error txn rather than the whole ensemble stopping on it. Nothing was
    // changed yet. The listener sees the error and logs it.
    bugs.push(e instanceof Error ? e : new Error(String(e)));
    return { type: "error", err: ErrorCode.SYSTEMERROR };
  }
}

export class ReplicatedTree implements StateMachine {
  tree = new DataTree();
  /** The term of the latest leader announcement applied. */
  announcedTerm = 0;
  announcedServerId = 0;
  appliedIndex = 0;

  constructor(private readonly listener: ReplicatedTreeListener) {}

  apply(entry: AppliedEntry): void {
    // Committed entries were checked by the leader before it proposed them: one that does not
    // decode is a bug or a damaged log, and going on would let this member differ from the rest.
    const e = decodeEntry(entry.data);
    this.appliedIndex = entry.index;
    if (e.kind === "leader") {
      this.announcedTerm = e.term;
      this.announcedServerId = e.serverId;
      this.listener.announced(e.term, e.serverId);
      return;
    }
    for (const request of e.requests) this.listener.applied(applyRequest(this.tree, request, entry.term, e.timeMs));
  }

  snapshot(): Uint8Array {
    const tree = serializeSnapshot(this.tree, 0);
    const w = new JuteWriter(tree.length + 32);
    w.int(SNAPSHOT_MAGIC).int(SNAPSHOT_VERSION).longNumber(this.announcedTerm).int(this.announcedServerId).buffer(tree);
    return w.toBytes();
  }

  restore(data: Uint8Array, index: number): void {
    const r = new JuteReader(data);
    try {
      if (r.int() !== SNAPSHOT_MAGIC) throw new Error(`ensemble snapshot at ${index}: bad magic`);
      const version = r.int();
      if (version !== SNAPSHOT_VERSION) throw new Error(`ensemble snapshot at ${index}: version ${version} is not supported`);
      const announcedTerm = r.longNumber();
      const announcedServerId = r.int();
      const tree = new DataTree();
      deserializeSnapshot(r.bufferCopy(), tree);
      this.tree = tree;
      this.announcedTerm = announcedTerm;
      this.announcedServerId = announcedServerId;
      this.appliedIndex = index;
    } catch (e) {
      if (e instanceof JuteDecodeError) throw new Error(`ensemble snapshot at ${index} does not decode: ${e.message}`);
      throw e;
    }
    this.listener.restored();
  }
}
